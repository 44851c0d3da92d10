/**
 * `oidc-flow sandbox --write-env FILE`: the SANDBOX_* variables (with the
 * client secrets) go to a file only the owner can read, and never over a
 * file that is already there unless --force says so. (The flag was
 * --env-file, which Node itself reads as its own option and loads.)
 * `--gateway-log FILE`: the gateway's Kong error-log lines go to FILE.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sandboxCommand } from '../../../src/cli/commands/sandbox';
import { UsageError } from '../../../src/cli/io';
import { isOidcError } from '../../../src/core/errors';
import { captureIo } from '../../support/capture-io';

describe('oidc-flow sandbox --write-env, --gateway-log', function () {
  this.timeout(60_000);
  const dir = mkdtempSync(join(tmpdir(), 'oidc-sandbox-env-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs the command until it has printed its addresses, then stops it as Ctrl-C would. */
  async function runUntilReady(args: string[], whenReady?: (out: string) => Promise<void>) {
    let stop!: () => void;
    const interrupted = new Promise<void>((resolve) => (stop = resolve));
    const c = captureIo();
    const io = {
      ...c.io,
      interrupted,
      stdout: {
        write: (text: string) => {
          const r = c.io.stdout.write(text);
          if (/variables written to|Client secrets are not printed/.test(text))
            void (whenReady ? whenReady(c.out()) : Promise.resolve()).finally(stop);
          return r;
        },
      },
    };
    const code = await sandboxCommand(args, io);
    return { code, out: c.out() };
  }

  it('leaves an existing file alone, before starting anything, and says how to proceed', async function () {
    const mine = join(dir, 'app.env');
    writeFileSync(mine, 'DATABASE_URL=postgres://me\n', { mode: 0o644 });
    await assert.rejects(sandboxCommand(['--write-env', mine], captureIo().io), (error: Error) => {
      assert.ok(error instanceof UsageError);
      assert.match(
        error.message,
        /app\.env already exists; --write-env never overwrites a file\. Pick a new path, or add --force/,
      );
      return true;
    });
    assert.equal(readFileSync(mine, 'utf8'), 'DATABASE_URL=postgres://me\n');
  });

  it('writes a new file with mode 600, and --force replaces an existing one and makes it 600 too', async function () {
    const fresh = join(dir, 'sandbox.env');
    const first = await runUntilReady(['--write-env', fresh]);
    assert.equal(first.code, 0);
    assert.equal(statSync(fresh).mode & 0o777, 0o600);
    const text = readFileSync(fresh, 'utf8');
    assert.match(text, /^SANDBOX_ISSUER=https:\/\/127\.0\.0\.1:\d+/m);
    const secret = /^SANDBOX_CLIENT_SECRET=(.+)$/m.exec(text)?.[1];
    assert.ok(secret, `no client secret in ${text}`);
    assert.ok(!first.out.includes(secret), 'the client secret was printed to the terminal');

    const replaced = join(dir, 'old.env');
    writeFileSync(replaced, 'OLD=1\n', { mode: 0o644 });
    const second = await runUntilReady(['--write-env', replaced, '--force']);
    assert.equal(second.code, 0);
    assert.equal(statSync(replaced).mode & 0o777, 0o600, 'a replaced file kept its world-readable mode');
    assert.match(readFileSync(replaced, 'utf8'), /^SANDBOX_ISSUER=/m);
  });

  it('a gateway port already in use is a clear error naming the port and what to do, not a crash', async function () {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const { port } = busy.address() as AddressInfo;
    try {
      await assert.rejects(sandboxCommand(['--gateway-port', String(port)], captureIo().io), (error: unknown) => {
        assert.ok(isOidcError(error), String(error));
        assert.equal(error.code, 'sandbox.gateway.listen');
        assert.match(error.message, new RegExp(`could not listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`));
        assert.match(error.hint ?? '', /--gateway-port/);
        return true;
      });
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });

  it('--gateway-log FILE: says where, and the gateway writes Kong error-log lines there with the request id', async function () {
    const logFile = join(dir, 'kong-error.log');
    let answer!: Response;
    const { code, out } = await runUntilReady(['--gateway-log', logFile], async (printed) => {
      const url = /gateway {6}(http:\/\/\S+)/.exec(printed)![1];
      answer = await fetch(`${url}/orders`);
      await answer.text();
    });
    assert.equal(code, 0);
    assert.ok(out.includes(`gateway log  ${logFile} (Kong error-log format)`), out);
    assert.equal(answer.status, 401);
    const id = answer.headers.get('x-kong-request-id');
    assert.match(
      readFileSync(logFile, 'utf8'),
      new RegExp(`\\[notice\\] .* no suitable authorization credentials were provided, .*request_id: "${id}"\n$`),
    );
  });
});
