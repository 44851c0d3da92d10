/**
 * The CLI as a process: Ctrl-C stops a run where it is (the sandbox closed,
 * exit 130) instead of being swallowed; a closed pipe ends the output
 * quietly; a report that cannot be written is printed instead of lost; a
 * flow file's unreadable caFile is named.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli/cli';
import { captureIo } from '../support/capture-io';

const MAIN = join(__dirname, '..', '..', 'src', 'cli', 'main.ts');

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts the CLI; `whenSeen` acts on the first stdout text that matches, or after a delay. */
function cli(
  args: string[],
  whenSeen?: { pattern?: RegExp; after?: number; then: (child: ReturnType<typeof spawn>) => void },
): Promise<Finished> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let acted = false;
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (whenSeen?.pattern && !acted && whenSeen.pattern.test(stdout)) {
      acted = true;
      whenSeen.then(child);
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = whenSeen?.after === undefined ? undefined : setTimeout(() => whenSeen.then(child), whenSeen.after);
  return new Promise((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    }),
  );
}

describe('the CLI: stopping, closed pipes and unwritable output', function () {
  this.timeout(90_000);
  const dir = mkdtempSync(join(tmpdir(), 'oidc-cli-stop-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('Ctrl-C during the demo stops it where it is, closes the sandbox and exits 130', async function () {
    // The demo waits for a cache entry to expire (about 20 s); Ctrl-C arrives at its first step.
    const finished = await cli(['demo'], { pattern: /✔ token|token\s/, then: (child) => child.kill('SIGINT') });
    assert.equal(finished.code, 130, `exit ${finished.code} (${finished.signal}); stderr: ${finished.stderr}`);
    assert.match(finished.stderr, /Stopping\.\.\./);
    assert.doesNotMatch(finished.stderr, /\n\s+at /, 'a stack trace');
    assert.doesNotMatch(finished.stdout, /passed: 7 passed/, 'the demo ran to the end after Ctrl-C');
  });

  it('Ctrl-C ends a command that has nothing to clean up at once (exit 130), without "Stopping..."', async function () {
    // An Admin API that accepts the connection and never answers: `routes` waits on it.
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      const finished = await cli(['routes', '--admin-url', url], {
        after: 2_000,
        then: (child) => child.kill('SIGINT'),
      });
      assert.equal(finished.code, 130, `exit ${finished.code}; stderr: ${finished.stderr}`);
      assert.doesNotMatch(finished.stderr, /Stopping/);
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('a closed pipe (oidc-flow demo | head -1) ends quietly, without a stack trace', async function () {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'demo'], {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // The reader goes away before the demo writes its first line, as when `head` has had enough.
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    assert.doesNotMatch(stderr, /EPIPE|\n\s+at /, `stderr: ${stderr}`);
    assert.equal(code, 0);
  });

  it('run --output to a path that cannot be written prints the report instead, and says so', async function () {
    const flow = join(dir, 'offline.oidc-flow.yaml');
    writeFileSync(flow, 'version: 1\nflows:\n  quick:\n    steps:\n      - { id: pause, type: wait, seconds: 0 }\n');
    const out = join(dir, 'no-such-dir', 'report.json');
    const c = captureIo();
    const code = await runCli(['run', flow, '--reporter', 'json', '--output', out], c.io);
    assert.equal(code, 2, 'a configuration problem (exit 2)');
    assert.match(c.out(), /"status": "passed"/, 'the report was lost');
    assert.match(
      c.err(),
      /Cannot write the report to .*no-such-dir\/report\.json \(ENOENT\); it was printed to standard output instead/,
    );
    assert.match(c.err(), /--output/);

    // With --reveal-secrets the report holds unmasked tokens: it is not printed to the terminal either.
    const revealed = captureIo();
    assert.equal(
      await runCli(['run', flow, '--reporter', 'json', '--reveal-secrets', '--output', out], revealed.io),
      2,
    );
    assert.doesNotMatch(revealed.out(), /"status"/, 'a report with revealed secrets was printed');
    assert.match(revealed.err(), /it holds revealed secrets, so it was not printed either/);
  });

  it('to a pipe, run writes its first line (flow, environment, steps) before its first request', async () => {
    // The step lines to a pipe leave in batches while later requests are on the network; the
    // run's first line waits for none of them: a log read while the run goes shows that it began.
    const c = captureIo({ tty: false });
    let seenByServer: string | undefined;
    const server = createServer((_req, res) => {
      seenByServer = c.out();
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const flow = join(dir, 'first-line.oidc-flow.yaml');
      const port = (server.address() as AddressInfo).port;
      writeFileSync(
        flow,
        `version: 1\nroutes:\n  r: { baseUrl: "http://127.0.0.1:${port}" }\nflows:\n  f:\n    steps:\n      - { id: call, type: call, route: r, token: false }\n`,
      );
      assert.equal(await runCli(['run', flow], c.io), 0, c.out() + c.err());
      assert.equal(seenByServer, '\u25b6 flow f, 1 step\n', 'the first line was out when the request arrived');
      assert.match(c.out(), /\u2714 call/);
    } finally {
      server.close();
    }
  });

  it('a flow file whose IdP caFile cannot be read names the field and the path (exit 2, configuration)', async function () {
    const flow = join(dir, 'ca.oidc-flow.yaml');
    writeFileSync(
      flow,
      `version: 1
idps:
  corp:
    issuer: https://idp.corp.invalid/oauth2/default
    clientId: c
    caFile: ${join(dir, 'missing-ca.pem')}
flows:
  f:
    steps:
      - { id: t, type: token, idp: corp, grant: client_credentials }
`,
    );
    const c = captureIo();
    const code = await runCli(['run', flow], c.io);
    assert.equal(code, 2);
    const all = c.out() + c.err();
    assert.match(all, /Cannot read the CA file .*missing-ca\.pem \(idps\.corp\.caFile\): ENOENT/);
    assert.doesNotMatch(all, /Unexpected failure|likely a bug/);

    // A file that is there but holds no PEM certificate (a DER .cer, say) is named before any TLS error.
    writeFileSync(join(dir, 'missing-ca.pem'), 'not a certificate');
    const der = captureIo();
    assert.equal(await runCli(['run', flow], der.io), 2);
    assert.match(
      der.out() + der.err(),
      /The CA file .*missing-ca\.pem \(idps\.corp\.caFile\) holds no PEM certificate/,
    );
  });
});
