/**
 * The progress line of long waits (a repeat's pause, a device-code sign-in): drawn on a terminal
 * only, never when piped or with --quiet, cleared before the run's own lines, never showing the
 * device_code.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../src/cli/cli';
import { createTokenCommand } from '../../../src/cli/commands/token';
import { terminalSafeIo } from '../../../src/cli/io';
import { createProgress, progressReporter } from '../../../src/cli/progress';
import type { ProgressTimers } from '../../../src/cli/progress';
import { captureIo } from '../../support/capture-io';

const LINE = '\r\u001b[2K';

function fakeTimers() {
  let now = 0;
  let tick: (() => void) | undefined;
  const timers: ProgressTimers = {
    now: () => now,
    every: (_ms, fn) => {
      tick = fn;
      return () => (tick = undefined);
    },
  };
  return {
    timers,
    advance(ms: number) {
      now += ms;
      tick?.();
    },
    running: () => tick !== undefined,
  };
}

function terminal(tty: boolean) {
  let text = '';
  const stream = { isTTY: tty, statusLine: (t: string) => (text += `${LINE}${t}`) };
  return { stream, text: () => text };
}

describe('the progress line', () => {
  it("counts a repeat's wait down every second on a terminal, and clears it when the next step starts", () => {
    const t = terminal(true);
    const clock = fakeTimers();
    const events = progressReporter(createProgress(t.stream, {}, clock.timers));
    events.onEvent({ type: 'waiting', id: 'wait-401', path: 'wait-401', iteration: 3, times: 10, until: 5000, at: 0 });
    clock.advance(1000);
    events.onEvent({ type: 'step-start', id: 'again', path: 'wait-401/again#4', stepType: 'call', at: 5000 });
    assert.equal(
      t.text(),
      `${LINE}wait-401: iteration 3/10, next in 5 s${LINE}wait-401: iteration 3/10, next in 4 s${LINE}`,
    );
    assert.ok(!clock.running(), 'the timer still runs');
  });

  it('takes the line away for other output and draws it again at the next second', () => {
    const t = terminal(true);
    const clock = fakeTimers();
    const events = progressReporter(createProgress(t.stream, {}, clock.timers));
    events.onEvent({ type: 'waiting', id: 'r', path: 'r', iteration: 1, times: 2, until: 2000, at: 0 });
    events.onEvent({ type: 'note', path: 'r', message: 'x' });
    clock.advance(1000);
    assert.equal(t.text(), `${LINE}r: iteration 1/2, next in 2 s${LINE}${LINE}r: iteration 1/2, next in 1 s`);
  });

  it('writes nothing when not a terminal, with --quiet, or with TERM=dumb', () => {
    for (const [tty, options] of [
      [false, {}],
      [true, { quiet: true }],
      [true, { env: { TERM: 'dumb' } }],
    ] as const) {
      const t = terminal(tty);
      const clock = fakeTimers();
      const events = progressReporter(createProgress(t.stream, options, clock.timers));
      events.onEvent({ type: 'waiting', id: 'r', path: 'r', iteration: 1, times: 2, until: 2000, at: 0 });
      clock.advance(1000);
      events.onEvent({
        type: 'run-end',
        result: { flow: 'f', status: 'passed', startedAt: 0, durationMs: 1, steps: [] },
      });
      assert.equal(t.text(), '', JSON.stringify({ tty, options }));
      assert.ok(!clock.running());
    }
  });

  it('the safe io rewrites the line with CR and erase-line only, escaping what the line says', () => {
    let raw = '';
    const io = terminalSafeIo({ stdout: { write: () => true }, stderr: { write: (t: string) => (raw += t) }, env: {} });
    io.stderr.statusLine!('step \u001b]0;title\u0007 waits');
    assert.equal(raw, `${LINE}step \\u001b]0;title\\u0007 waits`);
  });

  describe('oidc-flow run, a repeat every 1 s', function () {
    this.timeout(20_000);
    let dir: string;
    let flow: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'oidc-progress-'));
      flow = join(dir, 'poll.oidc-flow.yaml');
      writeFileSync(
        flow,
        'version: 1\nflows:\n  poll:\n    steps:\n      - { id: again, type: repeat, times: 2, every: 1, step: { id: pause, type: wait, seconds: 0 } }\n',
      );
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('shows the wait on a terminal, cleared before the next lines', async () => {
      const c = captureIo({ tty: true });
      assert.equal(await runCli(['run', flow], c.io), 0, c.err());
      assert.ok(c.err().startsWith(`${LINE}again: iteration 1/2, next in 1 s`), JSON.stringify(c.err()));
      assert.ok(c.err().endsWith(LINE), 'the line was not cleared');
      assert.doesNotMatch(c.out(), /iteration/);
    });

    it('shows nothing when standard error is not a terminal, or with --quiet', async () => {
      const piped = captureIo();
      assert.equal(await runCli(['run', flow], piped.io), 0, piped.err());
      const quiet = captureIo({ tty: true });
      assert.equal(await runCli(['run', flow, '--quiet'], quiet.io), 0, quiet.err());
      assert.equal(piped.err() + quiet.err(), '');
    });
  });

  describe('oidc-flow token --grant device_code', () => {
    const DEVICE_CODE = 'device-code-that-is-a-secret-0123456789';
    let url: string;
    let close: () => void;
    let polls = 0;
    before(async () => {
      const server = createServer((req, res) => {
        res.setHeader('content-type', 'application/json');
        if (req.url === '/device')
          res.end(
            JSON.stringify({
              device_code: DEVICE_CODE,
              user_code: 'WDJB-MJHT',
              verification_uri: 'https://idp.example/activate',
              expires_in: 600,
              interval: 1,
            }),
          );
        else if (polls++ === 0) {
          res.statusCode = 400;
          res.end(JSON.stringify({ error: 'authorization_pending' }));
        } else res.end(JSON.stringify({ access_token: 'at-123', token_type: 'Bearer', expires_in: 300 }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      close = () => server.close();
    });
    after(() => close());

    const args = () => [
      ...['--token-endpoint', `${url}/token`, '--device-authorization-endpoint', `${url}/device`],
      ...['--client-id', 'cli', '--client-auth', 'none', '--grant', 'device_code'],
    ];
    const command = createTokenCommand({ sleep: async () => undefined });

    for (const [title, tty, extra, shown] of [
      ['on a terminal: the URL, the user code and the time left, never the device_code', true, [], true],
      ['piped: only the sentence', false, [], false],
      ['--quiet: only the sentence', true, ['--quiet'], false],
    ] as const)
      it(title, async () => {
        polls = 0;
        const c = captureIo({ tty, env: {} });
        const io = terminalSafeIo(c.io);
        assert.equal(await command([...args(), ...extra], io), 0, c.err());
        assert.match(c.err(), /enter the code/);
        assert.equal(
          c.err().includes(`${LINE}waiting for approval at https://idp.example/activate, code WDJB-MJHT, 600 s left`),
          shown,
          JSON.stringify(c.err()),
        );
        assert.equal(c.err().includes(LINE), shown);
        assert.ok(!c.err().includes(DEVICE_CODE));
        assert.equal(c.out(), 'at-123\n');
      });
  });
});
