import assert from 'node:assert/strict';
import type { CaptureInfo, CapturedToken } from '../../../src/extension/capture/capture-api';
import { CaptureLog } from '../../../src/extension/capture/capture-log';
import { CaptureService, captureRedraw } from '../../../src/extension/capture/capture-service';
import type { RedrawTimers } from '../../../src/extension/capture/capture-service';
import { captureCommands, parseListen } from '../../../src/extension/commands/capture-commands';
import type { Services } from '../../../src/extension/commands/command-services';
import { CaptureStatusBar, captureStatusText } from '../../../src/extension/editor/capture-status-bar';
import { captureNodes } from '../../../src/extension/trees/capture-nodes';
import type { NodeData } from '../../../src/extension/trees/node';
import { capturedCall, fakeStarter, inactiveVerdict } from '../../support/fake-capture';
import { closeAfterEach } from '../../support/close-after-each';
import { fakeVscode } from '../../support/fake-vscode';
import { httpServer } from '../../support/loopback-servers';
import { rejection } from '../../support/rejection';

/**
 * What this file proves: the VS Code side of a capture (issue #16). The
 * Capture view groups calls by token (who, which client, time to expiry),
 * newest first, shows a refused call's verdict once it arrives, and never a
 * token; the ring keeps the last N calls and no more; the status bar says
 * on which port a capture runs and how many calls went through; Start
 * Capture listens on loopback unless the person names another address AND
 * confirms it, and does nothing in Restricted Mode.
 */

const NOW = Date.UTC(2026, 11, 5, 1, 0, 0);
const HEADER = { in: 'header', name: 'authorization' } as const;
const ALICE: CapturedToken = {
  groupKey: 'fp-alice',
  source: HEADER,
  kind: 'jwt',
  subject: 'alice',
  clientId: 'orders-app',
  expiresAt: NOW + (3600 + 125) * 1000,
};
const BOB: CapturedToken = {
  groupKey: 'fp-bob',
  source: HEADER,
  kind: 'jwt',
  subject: 'bob',
  clientId: 'billing',
  expiresAt: NOW - 60_000,
};
const BEARER = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXZhbHVl';

function service(): { capture: CaptureService; starter: ReturnType<typeof fakeStarter>; warnings: string[] } {
  const starter = fakeStarter();
  const warnings: string[] = [];
  const capture = new CaptureService({ loadStarter: async () => starter.start, warn: (m) => warnings.push(m) });
  return { capture, starter, warnings };
}

function flatten(nodes: NodeData[]): NodeData[] {
  return nodes.flatMap((node) => [node, ...flatten(node.children?.() ?? [])]);
}

describe('capture: the Capture view', function () {
  it('groups calls by token, the group with the newest call first, its calls newest first', function () {
    const log = new CaptureLog(50);
    log.add(capturedCall('1', { token: ALICE, bearer: BEARER }));
    log.add(capturedCall('2', { token: BOB, status: 401 }));
    log.add(capturedCall('3', { token: ALICE, bearer: BEARER, path: '/orders/7' }));
    log.add(capturedCall('4', {}));
    const groups = captureNodes(log.rows(), NOW);
    assert.deepEqual(
      groups.map((g) => [g.label, g.description]),
      [
        ['No bearer token', '1 call'],
        ['alice / orders-app', 'expires in 1h 2m · 2 calls'],
        ['bob / billing', 'expired 1m 0s ago · 1 call · 1 refused'],
      ],
    );
    assert.deepEqual(
      groups[1]!.children!().map((n) => [n.label, n.description, n.icon]),
      [
        ['200 GET /orders/7', '12 ms', 'pass'],
        ['200 GET /orders', '12 ms', 'pass'],
      ],
    );
    assert.equal(groups[2]!.icon, 'warning', 'an expired token is marked');
    // Ids stay the same across redraws: VS Code keeps expansion and selection.
    assert.deepEqual(
      flatten(captureNodes(log.rows(), NOW)).map((n) => n.id),
      flatten(groups).map((n) => n.id),
    );
  });

  it("a refused call shows the verdict's short text once it arrives, and opens in the results view", function () {
    const log = new CaptureLog(50);
    log.add(capturedCall('r', { token: BOB, status: 401 }));
    const before = captureNodes(log.rows(), NOW)[0]!.children!()[0]!;
    assert.equal(before.description, '12 ms');
    assert.match(before.tooltip ?? '', /Diagnosing/);
    assert.equal(before.icon, 'circle-slash');
    assert.deepEqual(before.command?.args, [{ kind: 'capturedExchange', exchangeId: 'r' }]);
    assert.equal(before.command?.command, 'oidcFlow.openCapturedExchange');

    assert.equal(log.setVerdict('r', inactiveVerdict()), true);
    const after = captureNodes(log.rows(), NOW)[0]!.children!()[0]!;
    assert.equal(after.description, '12 ms · The IdP says the token is not active (revoked or expired).');
    assert.equal(log.setVerdict('gone', inactiveVerdict()), false, 'a verdict for a call no longer kept is dropped');
  });

  it('a refused call whose verdict could not be worked out says why, instead of "Diagnosing…" for ever', async function () {
    const { capture, starter } = service();
    await capture.start({ target: 'http://gw', host: '127.0.0.1', port: 0, ring: 10 });
    starter.sessions[0]!.emit(capturedCall('s', { token: BOB, status: 401 }));
    starter.sessions[0]!.skip(
      's',
      'The verdict could not be worked out: the IdP at https://idp.example did not answer.',
    );
    const row = captureNodes(capture.rows(), NOW)[0]!.children!()[0]!;
    assert.match(row.description ?? '', /12 ms · The verdict could not be worked out/);
    assert.match(row.tooltip ?? '', /No verdict: The verdict could not be worked out/);
    assert.doesNotMatch(row.tooltip ?? '', /Diagnosing/);
  });

  it('shows no token value: not in a path, a group, an error or a verdict', function () {
    const log = new CaptureLog(50);
    log.add(
      capturedCall('q', {
        token: ALICE,
        bearer: BEARER,
        status: 401,
        path: `/orders?access_token=${BEARER}`,
        verdict: inactiveVerdict(`The gateway refused ${BEARER}.`),
      }),
    );
    const shown = JSON.stringify(flatten(captureNodes(log.rows(), NOW)));
    assert.ok(!shown.includes(BEARER), shown);
    assert.ok(!shown.includes(BEARER.slice(0, 30)), shown);
    assert.match(shown, /access_token=/);
  });

  it('opens a call as a finished one-step run: its exchange, its verdict, masked', function () {
    const log = new CaptureLog(50);
    log.add(
      capturedCall('v', {
        token: BOB,
        bearer: BEARER,
        status: 401,
        responseBody: JSON.stringify({ error: 'invalid_token', echo: BEARER }),
        verdict: inactiveVerdict(),
      }),
    );
    const recorder = log.recorder('v', 'capture:v', 'capture on 127.0.0.1:41234')!;
    const view = recorder.view(true);
    assert.equal(view.status, 'failed');
    assert.equal(view.exchanges.length, 1);
    assert.equal(view.exchanges[0]!.status, 401);
    assert.equal(view.verdict?.code, 'token_inactive');
    assert.equal(view.steps[0]!.httpStatus, 401);
    assert.ok(!JSON.stringify(view).includes(BEARER), 'the token reached the view');
    assert.equal(log.recorder('missing', 'x', 'y'), undefined);
  });
});

describe('capture: memory is bounded by the ring', function () {
  it('keeps the last N calls, counts them all, and says when an opened call has left the ring', async function () {
    const { capture, starter } = service();
    await capture.start({ target: 'http://127.0.0.1:8000/orders', host: '127.0.0.1', port: 0, ring: 3 });
    const session = starter.sessions[0]!;
    for (let i = 1; i <= 1000; i += 1) session.emit(capturedCall(`x${i}`, { token: ALICE }));
    assert.deepEqual(
      capture.rows().map((r) => r.id),
      ['x998', 'x999', 'x1000'],
    );
    assert.equal(capture.info?.total, 1000);
    assert.equal(capture.info?.ring, 3);
    assert.equal(capture.recorder('x1'), undefined);
    assert.ok(capture.recorder('x1000'));
  });
});

describe('capture: start, stop and the status bar', function () {
  it('shows "Capture :PORT (N)" while a capture runs, a click stops it, and it hides when stopped', async function () {
    const fake = fakeVscode();
    const { capture, starter } = service();
    const bar = new CaptureStatusBar(fake.vs, capture);
    const item = fake.recorded.statusBarItems[0]!;
    assert.equal(item.visible, false, 'nothing shown before a capture');
    await capture.start({ target: 'http://127.0.0.1:8000/orders', host: '127.0.0.1', port: 0, ring: 200 });
    assert.equal(item.visible, true);
    assert.equal(item.text, '$(record) Capture :41234 (0)');
    starter.sessions[0]!.emit(capturedCall('a', { token: ALICE }));
    starter.sessions[0]!.emit(capturedCall('b', { token: BOB, status: 401 }));
    assert.equal(item.text, '$(record) Capture :41234 (2)');
    assert.match(String(item.tooltip), /127\.0\.0\.1:41234 → http:\/\/127\.0\.0\.1:8000\/orders/);
    assert.equal(item.command, 'oidcFlow.stopCapture');

    assert.equal(await capture.stop(), true);
    assert.equal(starter.sessions[0]!.stopped, true);
    assert.equal(item.visible, false);
    assert.equal(capture.rows().length, 2, 'the calls stay listed after the stop');
    assert.equal(await capture.stop(), false);
    bar.dispose();
    assert.equal(item.disposed, true);
  });

  it('the text names the port and the count', function () {
    const info: CaptureInfo = { host: '127.0.0.1', port: 8123, target: 'http://gw/orders', total: 4, ring: 200 };
    assert.equal(captureStatusText(info), '$(record) Capture :8123 (4)');
  });

  it('starting again stops the running capture first (one capture per window)', async function () {
    const { capture, starter } = service();
    await capture.start({ target: 'http://a/x', host: '127.0.0.1', port: 0, ring: 10 });
    starter.sessions[0]!.emit(capturedCall('old', {}));
    await capture.start({ target: 'http://b/y', host: '127.0.0.1', port: 0, ring: 10 });
    assert.equal(starter.sessions[0]!.stopped, true);
    assert.deepEqual(capture.rows(), []);
    starter.sessions[0]!.emit(capturedCall('late', {}));
    assert.deepEqual(capture.rows(), [], 'a stopped capture feeds nothing');
  });

  it('redraws the view at most once per interval, and says at once when the capture started or stopped', function () {
    const pending: Array<() => void> = [];
    const timers: RedrawTimers = {
      setTimeout: (callback) => pending.push(callback),
      clearTimeout: () => undefined,
    };
    let redraws = 0;
    let states = 0;
    let running = true;
    const listener = captureRedraw(
      () => redraws++,
      () => states++,
      () => running,
      250,
      timers,
    );
    for (let i = 0; i < 500; i += 1) listener();
    assert.equal(redraws, 1);
    assert.equal(states, 1);
    pending.shift()!();
    assert.equal(redraws, 2, 'the last change is drawn');
    running = false;
    listener();
    assert.equal(states, 2);
  });
});

describe('capture: Start Capture asks where to listen', function () {
  function world(options: { trusted?: boolean } = {}) {
    const fake = fakeVscode({ trusted: options.trusted });
    const { capture, starter } = service();
    const lines: string[] = [];
    const s = {
      vs: fake.vs,
      capture,
      log: { info: (l: string) => lines.push(l), warn: (l: string) => lines.push(l) },
      index: { sources: async () => [] },
      gateways: { states: () => [], state: () => undefined },
    } as unknown as Services;
    return { fake, capture, starter, handlers: captureCommands(s), lines };
  }

  it('a caller naming only the target gets loopback on a free port, without a prompt', async function () {
    const w = world();
    await w.handlers['oidcFlow.startCapture']({ target: 'http://gw:8000' });
    assert.deepEqual([w.starter.sessions[0]!.options.host, w.starter.sessions[0]!.options.port], ['127.0.0.1', 0]);
    assert.ok(!w.fake.recorded.prompts.some((p) => /listen on/.test(p)), w.fake.recorded.prompts.join('\n'));
  });

  it('loopback on a free port by default', async function () {
    const w = world();
    w.fake.script([
      [/base URL the capture forwards/, 'http://127.0.0.1:8000'],
      [/Start Capture: target/, 'Type a URL'],
    ]);
    const info = (await w.handlers['oidcFlow.startCapture']()) as CaptureInfo;
    assert.deepEqual(w.starter.sessions[0]!.options, {
      target: 'http://127.0.0.1:8000',
      host: '127.0.0.1',
      port: 0,
      ring: 200,
    });
    assert.equal(info.port, 41234);
    assert.ok(w.fake.recorded.notifications.some((n) => /Capturing on http:\/\/127\.0\.0\.1:41234/.test(n)));
  });

  it('another address only after a modal confirmation', async function () {
    const w = world();
    const rules: Array<[RegExp, string | undefined]> = [
      [/base URL the capture forwards/, 'http://gw:8000'],
      [/Start Capture: target/, 'Type a URL'],
      [/listen on \| Where should/, 'Another address'],
      [/host:port to listen on/, '0.0.0.0:8080'],
    ];
    w.fake.script([...rules, [/not only on this machine/, undefined]]);
    assert.equal(await w.handlers['oidcFlow.startCapture'](), undefined);
    assert.equal(w.starter.sessions.length, 0, 'declined: nothing listens');
    assert.ok(
      w.fake.recorded.notifications.some((n) => /warning: Listen on 0\.0\.0\.0, not only on this machine/.test(n)),
    );

    w.fake.script([...rules, [/not only on this machine/, 'Listen on 0.0.0.0']]);
    await w.handlers['oidcFlow.startCapture']();
    assert.equal(w.starter.sessions[0]!.options.host, '0.0.0.0');
    assert.equal(w.starter.sessions[0]!.options.port, 8080);

    // An address given as an argument (a keybinding, a task) is confirmed just the same.
    w.fake.script([[/not only on this machine/, undefined]]);
    assert.equal(await w.handlers['oidcFlow.startCapture']({ target: 'http://gw:8000', host: '0.0.0.0' }), undefined);
    assert.equal(w.starter.sessions.length, 1);
  });

  it('Restricted Mode: no capture, and the message says how to trust the workspace', async function () {
    const w = world({ trusted: false });
    const error = await rejection(
      w.handlers['oidcFlow.startCapture']({ target: 'http://gw:8000/orders' }) as Promise<unknown>,
    );
    assert.equal(error.code, 'extension.untrusted_workspace');
    assert.match(error.message, /not trusted/);
    assert.equal(w.starter.sessions.length, 0);
  });

  it('reads listen addresses: host:port, [v6]:port, a bare port', function () {
    assert.deepEqual(parseListen('8080'), { host: '127.0.0.1', port: 8080 });
    assert.deepEqual(parseListen('[::1]:0'), { host: '::1', port: 0 });
    assert.deepEqual(parseListen('192.168.1.5:9000'), { host: '192.168.1.5', port: 9000 });
    assert.equal(typeof parseListen('host:99999'), 'string');
    assert.equal(typeof parseListen('http://x'), 'string');
  });

  it('Stop Capture with none running says so', async function () {
    const w = world();
    assert.equal(await w.handlers['oidcFlow.stopCapture'](), false);
    assert.ok(w.fake.recorded.notifications.some((n) => /No capture is running/.test(n)));
  });
});

describe('capture: the core proxy behind the Capture view', function () {
  const opened = closeAfterEach();

  it("passes calls through unchanged, lists them by token with the gateway's verdict, and stops listening", async function () {
    const gateway = await httpServer((req, res) => {
      if (req.headers.authorization === `Bearer ${BEARER}`) {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"orders":[]}');
        return;
      }
      res
        .writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"', 'content-type': 'application/json' })
        .end('{"message":"Unauthorized"}');
    });
    opened(gateway);
    const capture = new CaptureService({
      loadStarter: async () => (await import('../../../src/extension/capture/capture-core-adapter')).startCapture,
      warn: () => undefined,
    });
    opened({ close: async () => void (await capture.stop()) });
    const changes: number[] = [];
    capture.onDidChange(() => changes.push(capture.rows().length));
    const info = await capture.start({ target: gateway.url, host: '127.0.0.1', port: 0, ring: 10 });
    assert.ok(info.port > 0);

    const ok = await fetch(`http://127.0.0.1:${info.port}/orders`, { headers: { authorization: `Bearer ${BEARER}` } });
    assert.equal(ok.status, 200);
    assert.equal(await ok.text(), '{"orders":[]}', 'the answer passes unchanged');
    const refused = await fetch(`http://127.0.0.1:${info.port}/orders`, { headers: { authorization: 'Bearer other' } });
    assert.equal(refused.status, 401);
    await refused.text();
    for (let i = 0; i < 200 && !capture.rows().find((r) => r.status === 401)?.verdict; i += 1)
      await new Promise((resolve) => setTimeout(resolve, 10));

    const rows = capture.rows();
    assert.deepEqual(
      rows.map((r) => [r.status, r.method, r.path]),
      [
        [200, 'GET', '/orders'],
        [401, 'GET', '/orders'],
      ],
    );
    assert.ok(rows[1]!.verdict, 'the refused call got a verdict');
    assert.equal(capture.info?.total, 2);
    const shown = JSON.stringify(captureNodes(rows, Date.now()).map((g) => [g, g.children?.()]));
    assert.ok(!shown.includes(BEARER), 'the token reached the view');
    assert.equal(captureNodes(rows, Date.now()).length, 2, 'two tokens, two groups');

    await capture.stop();
    await assert.rejects(fetch(`http://127.0.0.1:${info.port}/orders`), 'the capture no longer listens');
  });
});
