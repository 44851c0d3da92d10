import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../../src/cli/io';
import { browserCommand, checkProxyUrl, clientAtFirstSend, readCaFile, runtimeFor } from '../../../src/cli/runtime';
import type { HttpRequest, HttpResponse } from '../../../src/core/http/types';
import { createCertificateAuthority } from '../../../src/core/sandbox/certs';
import type { OidcError } from '../../../src/core/errors';
import { captureIo } from '../../support/capture-io';
import { closeAfterEach } from '../../support/close-after-each';
import { dripping, httpServer } from '../../support/loopback-servers';

/** The UsageError runtimeFor throws for these options (fails when it throws nothing). */
async function usageError(options: Omit<Parameters<typeof runtimeFor>[0], 'io'>): Promise<UsageError> {
  const runtime = await runtimeFor({ io: captureIo().io, ...options }).catch((error: unknown) => error);
  if (runtime instanceof UsageError) return runtime;
  if (runtime && typeof runtime === 'object' && 'close' in runtime)
    await (runtime as { close(): Promise<void> }).close();
  return assert.fail(`expected a UsageError, got ${String(runtime)}`);
}

describe('CLI runtime: --proxy and --ca are checked before any request', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'oidc-runtime-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe('--proxy', () => {
    it('refuses a value that is not a URL, without echoing a password in it', async () => {
      const error = await usageError({ proxy: 'bob:s3cret-proxy-pw@proxy.corp:3128' });
      assert.match(error.message, /^--proxy takes an http\(s\) proxy URL, e\.g\. http:\/\/proxy\.example:3128/);
      assert.match(error.message, /got "\*\*\*@proxy\.corp:3128"/);
      assert.ok(!error.message.includes('s3cret-proxy-pw'), error.message);

      const notUrl = await usageError({ proxy: 'proxy corp' });
      assert.match(notUrl.message, /^--proxy takes the proxy's absolute URL, .*; got "proxy corp"\.$/);
    });

    it('refuses other schemes and a URL with a path, showing the URL without its credentials', async () => {
      const socks = await usageError({ proxy: 'socks5://127.0.0.1:1080' });
      assert.match(socks.message, /--proxy takes an http\(s\) proxy URL, .*; got "socks5:\/\/127\.0\.0\.1:1080"\./);

      const path = await usageError({ proxy: 'http://bob:s3cret-proxy-pw@127.0.0.1:1/some/path' });
      assert.equal(
        path.message,
        '--proxy takes only the proxy\'s scheme, host and port, without a path or query; got "http://***@127.0.0.1:1/some/path".',
      );

      // A password with an unencoded "#", "/" or "?" makes the URL unparseable: it must still be masked.
      for (const password of ['p#ss', 'p/ss', 'p?ss']) {
        const odd = await usageError({ proxy: `http://bob:${password}@proxy.corp:3128` });
        assert.ok(!odd.message.includes(password), odd.message);
        assert.match(odd.message, /got "http:\/\/\*\*\*@proxy\.corp:3128"/);
      }
    });

    it('accepts http(s)://[user:password@]host:port, with or without a trailing slash', () => {
      for (const value of ['http://proxy.corp:3128', 'https://proxy.corp:3128/', 'http://bob:pw@127.0.0.1:1'])
        assert.equal(checkProxyUrl(value), value);
    });
  });

  describe('--ca', () => {
    it('refuses a file that holds no PEM certificate, naming the file', async () => {
      const file = join(dir, 'not-a-cert.pem');
      writeFileSync(file, 'this is not a certificate\n');
      const error = await usageError({ ca: file });
      assert.match(
        error.message,
        new RegExp(
          `^The CA file ${file.replace(/[.\\/]/g, '\\$&')} \\(--ca\\) holds no PEM certificate \\(no "-----BEGIN CERTIFICATE-----" line\\)\\.`,
        ),
      );
    });

    it('names a file that cannot be read, with the reason', async () => {
      const file = join(dir, 'missing.pem');
      const error = await usageError({ ca: file });
      assert.equal(error.message, `Cannot read the CA file ${file} (--ca): ENOENT.`);
    });

    it('reads a PEM certificate', async () => {
      const file = join(dir, 'ca.pem');
      const { cert } = createCertificateAuthority('Runtime Test CA');
      writeFileSync(file, cert);
      assert.equal(await readCaFile(file), cert);
      const runtime = await runtimeFor({ io: captureIo().io, ca: file });
      await runtime.close();
    });
  });
});

describe('CLI runtime: opening the browser', () => {
  const url = 'https://idp.test/oauth2/default/v1/authorize?client_id=a&state=x&calc=1&x=^|"';

  it('passes the URL as one argument to a program, never through cmd on Windows', () => {
    assert.deepEqual(browserCommand('win32', url), ['rundll32', ['url.dll,FileProtocolHandler', url]]);
    assert.deepEqual(browserCommand('darwin', url), ['open', [url]]);
    assert.deepEqual(browserCommand('linux', url), ['xdg-open', [url]]);
  });

  it('opens only http(s) URLs', () => {
    for (const other of ['file:///etc/passwd', 'javascript:alert(1)', '-a Calculator', 'ms-settings:'])
      assert.throws(
        () => browserCommand('win32', other),
        (e: { code?: string }) => e.code === 'cli.browser',
      );
  });
});

describe('CLI runtime: --timeout bounds the whole exchange', () => {
  const opened = closeAfterEach();

  it('gives up on a server dripping a byte every 300 ms after about --timeout 1000 ms', async () => {
    const server = opened(await httpServer(dripping(300)));
    const runtime = opened(await runtimeFor({ io: captureIo().io, timeout: '1000' }));
    const error = await runtime.deps.http.send({ method: 'GET', url: server.url, label: 'discovery' }).then(
      () => assert.fail('the dripping server was waited for'),
      (e: unknown) => e as OidcError,
    );
    // Every gap is 300 ms, under the budget: only a deadline over the whole exchange ends it.
    assert.equal(error.code, 'http.timeout.total');
    assert.match(error.hint ?? '', /--timeout/);
  });
});

describe('CLI runtime: the HTTP client is made at the first request', () => {
  const response = { status: 200 } as unknown as HttpResponse;
  const request = { method: 'GET', url: 'http://127.0.0.1:9/', label: 'ping' } as const;

  it('makes nothing until a request is sent, then one client for every request', async () => {
    let made = 0;
    const sent: string[] = [];
    const real = {
      send: (r: HttpRequest) => (sent.push(r.label ?? ''), Promise.resolve(response)),
      close: () => Promise.resolve(),
    };
    const client = clientAtFirstSend(() => (made++, Promise.resolve(real)));
    assert.equal(made, 0);
    // Two requests sent before the client is ready share one client.
    const [a, b] = await Promise.all([client.send(request), client.send({ ...request, label: 'pong' })]);
    assert.equal(made, 1);
    assert.equal(a, response);
    assert.equal(b, response);
    // Later requests go to the real client's send itself: no promise of ours in between.
    assert.equal(client.send, real.send);
    await client.send(request);
    assert.deepEqual(sent, ['ping', 'pong', 'ping']);
    assert.equal(made, 1);
  });

  it('closes the client it made, makes none to close, and closes quietly when making it failed', async () => {
    let closed = 0;
    let made = 0;
    const real = { send: () => Promise.resolve(response), close: () => (closed++, Promise.resolve()) };
    await clientAtFirstSend(() => (made++, Promise.resolve(real))).close();
    assert.deepEqual({ made, closed }, { made: 0, closed: 0 });
    const used = clientAtFirstSend(() => (made++, Promise.resolve(real)));
    await used.send(request);
    await used.close();
    assert.deepEqual({ made, closed }, { made: 1, closed: 1 });
    const failing = clientAtFirstSend(() => Promise.reject(new Error('no client')));
    await assert.rejects(failing.send(request), /no client/);
    await failing.close();
  });

  it('refuses a wrong --timeout before any request, as it did when the client was made at once', async () => {
    for (const timeout of ['soon', '0', '-5']) {
      const runtime = await runtimeFor({ io: captureIo().io, timeout }).catch((error: unknown) => error);
      assert.ok(runtime instanceof UsageError, `--timeout ${timeout}`);
      assert.match(runtime.message, new RegExp(`--timeout takes milliseconds, got "${timeout}"`));
    }
  });
});
