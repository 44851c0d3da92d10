import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureCommand, captureHelp, formatExchangeLine, parseListen } from '../../../src/cli/commands/capture';
import { runCli } from '../../../src/cli/cli';
import { styler, UsageError } from '../../../src/cli/io';
import type { CaptureRecord } from '../../../src/core/capture';
import { SecretRegistry } from '../../../src/core/http/secret-registry';
import { captureIo } from '../../support/capture-io';
import { httpServer } from '../../support/loopback-servers';

/**
 * What this file proves: `oidc-flow capture` refuses what it cannot do with
 * exit 2 and a sentence naming the option, listens on loopback unless told
 * otherwise, prints one masked line per exchange, and stops on Ctrl-C with
 * exit 0 (1 with --fail-on-refusal after a refusal).
 */

const plain = styler({ isTTY: false }, {});

describe('oidc-flow capture', () => {
  it('--listen takes HOST:PORT, IPv6 in brackets', () => {
    assert.deepEqual(parseListen('127.0.0.1:8089'), { host: '127.0.0.1', port: 8089 });
    assert.deepEqual(parseListen('[::1]:0'), { host: '::1', port: 0 });
    for (const bad of ['8089', 'localhost', '127.0.0.1:99999', ':80', '::1:80'])
      assert.throws(() => parseListen(bad), UsageError, bad);
  });

  for (const [args, pattern] of [
    [[], /Name the gateway to capture in front of/],
    [['--target', 'ftp://x'], /not http or https/],
    [['--target', 'http://u:p@x'], /user name or password/],
    [['--target', 'http://x/?a=1'], /query or fragment/],
    [['--target', 'http://x', '--listen', '0.0.0.0:0'], /other machines can reach.*--allow-remote/s],
    [['--route', 'orders'], /--route NAME goes with --file F/],
    [['--target', 'http://x', '--max-exchanges', '0'], /--max-exchanges takes a whole number/],
    [['--target', 'http://x', '--target-timeout', 'soon'], /--target-timeout takes a whole number/],
    [['--target', 'http://x', '--gateway-profile', 'nginx'], /--gateway-profile takes one of/],
    [['--target', 'http://x', '--client-secret', 's'], /--client-secret-env/],
  ] as const) {
    it(`exit 2 for ${args.join(' ') || 'no options'}`, async () => {
      const c = captureIo();
      assert.equal(await runCli(['capture', ...args], c.io), 2, c.out() + c.err());
      assert.match(c.err(), pattern);
    });
  }

  it('a flow file route without the route: exit 2 naming the routes it has', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'capture-flow-'));
    const file = join(dir, 'a.oidc-flow.yaml');
    writeFileSync(file, 'version: 1\nroutes:\n  orders: { baseUrl: "http://127.0.0.1:1" }\n');
    const c = captureIo();
    assert.equal(await runCli(['capture', '--file', file, '--route', 'nope'], c.io), 2);
    assert.match(c.err(), /has no route "nope"; it has: orders/);
  });

  it('the help says what changes on the way through and when the proxy answers itself', () => {
    assert.match(captureHelp, /Host header becomes the target's/);
    assert.match(captureHelp, /answers 502 itself/);
    assert.match(captureHelp, /Only loopback unless --allow-remote/);
  });

  it('prints one masked line per exchange: the token in a query is masked, sub and client shown', () => {
    const secrets = new SecretRegistry();
    secrets.add('the-query-token-123');
    const record: CaptureRecord = {
      id: 'capture-7',
      seq: 7,
      kind: 'http',
      verdict: { state: 'none' },
      token: {
        source: { in: 'query', name: 'access_token' },
        kind: 'jwt',
        subject: 'alice',
        clientId: 'spa',
        groupKey: 'k',
      },
      exchange: {
        id: 'capture-7',
        lane: 'gateway',
        startedAt: Date.UTC(2026, 0, 1, 12, 0, 0),
        request: { method: 'GET', url: 'http://gw/orders?access_token=the-query-token-123', headers: [], bodySize: 0 },
        response: {
          status: 401,
          statusText: '',
          httpVersion: 'HTTP/1.1',
          headers: [],
          body: '',
          bodySize: 0,
          truncated: false,
        },
        timings: { total: 12.4 },
        warnings: [],
        secrets: ['the-query-token-123'],
      },
    };
    const line = formatExchangeLine(record, { secrets }, plain);
    assert.ok(!line.includes('the-query-token-123'), line);
    assert.match(
      line,
      /^#7 12:00:00\.000 401 GET \/orders\?access_token=\S+ {2}sub=alice client=spa \(query access_token\) {2}12 ms\n$/,
    );
  });

  it('an IdP that cannot be reached is said once; each refusal still gets a verdict from the answer', async () => {
    const target = await httpServer((_req, res) => {
      res.writeHead(401, { 'WWW-Authenticate': 'Bearer error="invalid_token"' });
      res.end();
    });
    try {
      let stop: () => void = () => undefined;
      const interrupted = new Promise<void>((resolve) => (stop = resolve));
      const c = captureIo({ env: { NO_COLOR: '1' } });
      const exit = captureCommand(
        ['--target', target.url, '--listen', '127.0.0.1:0', '--issuer', 'http://127.0.0.1:1/oauth2/default'],
        { ...c.io, interrupted },
      );
      let url: string | undefined;
      for (let i = 0; i < 200 && !url; i++) {
        url = /Capturing (http:\/\/127\.0\.0\.1:\d+)/.exec(c.out())?.[1];
        if (!url) await new Promise((resolve) => setTimeout(resolve, 10));
      }
      for (let i = 0; i < 2; i++)
        await (await fetch(`${url}/x`, { headers: { Authorization: 'Bearer opaque-token-abcdef' } })).text();
      for (let i = 0; i < 300 && (c.out().match(/Verdict/g) ?? []).length < 2; i++)
        await new Promise((resolve) => setTimeout(resolve, 10));
      stop();
      assert.equal(await exit, 0, c.out() + c.err());
      assert.equal((c.out().match(/Verdict/g) ?? []).length, 2, c.out());
      assert.equal((c.err().match(/IdP not reached/g) ?? []).length, 1, c.err());
      assert.ok(!c.out().includes('opaque-token-abcdef'));
    } finally {
      await target.close();
    }
  });

  it('runs until Ctrl-C, then exits 0; --fail-on-refusal exits 1 after a 401', async () => {
    const target = await httpServer((_req, res) => {
      res.writeHead(401);
      res.end();
    });
    try {
      for (const [extra, code] of [
        [[], 0],
        [['--fail-on-refusal'], 1],
      ] as const) {
        let stop: () => void = () => undefined;
        const interrupted = new Promise<void>((resolve) => (stop = resolve));
        const c = captureIo({ env: { NO_COLOR: '1' } });
        const exit = captureCommand(['--target', target.url, '--listen', '127.0.0.1:0', ...extra], {
          ...c.io,
          interrupted,
        });
        let url: string | undefined;
        for (let i = 0; i < 200 && !url; i++) {
          url = /Capturing (http:\/\/127\.0\.0\.1:\d+)/.exec(c.out())?.[1];
          if (!url) await new Promise((resolve) => setTimeout(resolve, 10));
        }
        await (await fetch(`${url}/x`)).text();
        for (let i = 0; i < 100 && !/#1 /.test(c.out()); i++) await new Promise((resolve) => setTimeout(resolve, 10));
        stop();
        assert.equal(await exit, code, c.out() + c.err());
        assert.match(c.out(), /#1 \S+ 401 GET \/x {2}no token/);
        assert.match(c.out(), /Stopped: 1 exchange, 1 refused\./);
      }
    } finally {
      await target.close();
    }
  });
});
