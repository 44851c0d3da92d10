import { strict as assert } from 'node:assert';
import * as net from 'node:net';
import type { Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { runCli } from '../../src/cli/cli';
import { isOidcError } from '../../src/core/errors';
import type { OidcError } from '../../src/core/errors';
import { createHttpClient } from '../../src/core/http/client';
import type { HttpOptions } from '../../src/core/http/types';
import { captureIo } from '../support/capture-io';
import type { Running } from '../support/loopback-servers';
import { dripping, httpServer, httpsServer, listen, silentServer, testPki } from '../support/loopback-servers';

/**
 * Servers that misbehave on purpose, one per behaviour, on loopback. Each
 * request ends within its limit with a coded error whose message names the
 * endpoint and the cause (no stack trace), and the next request, with the
 * same client, to a well-behaved server works. Most cases go through the
 * product's HTTP client; the last ones through `oidc-flow token --issuer`,
 * where a user meets them.
 */

const LIMITS: HttpOptions = { connectTimeout: 1_500, headersTimeout: 1_500, bodyTimeout: 1_500, totalTimeout: 2_000 };

/** A TCP server that answers every connection with `respond` (raw bytes: what node:http will not send). */
function rawServer(respond: (socket: Socket) => void): Promise<Running> {
  return listen(
    net.createServer((socket) => {
      socket.on('error', () => undefined);
      socket.once('data', () => respond(socket));
    }),
    'http',
  );
}

const servers: Running[] = [];
async function start(server: Promise<Running>): Promise<Running> {
  const running = await server;
  servers.push(running);
  return running;
}

let healthy: Running;
const client = createHttpClient(LIMITS);

async function failure(url: string, options: Partial<HttpOptions> = {}): Promise<OidcError> {
  try {
    const response = await client.send({ method: 'GET', url, label: 'hostile server', options });
    assert.fail(`expected a failure, got ${response.status}`);
  } catch (error) {
    assert.ok(isOidcError(error), `not an OidcError: ${String(error)}`);
    return error;
  }
}

/** The message names the endpoint, carries no stack trace, and a normal request works right after. */
async function assertNamedAndRecovered(error: OidcError, url: string, cause: RegExp): Promise<void> {
  assert.ok(error.message.includes(url), `the endpoint ${url} is not named in: ${error.message}`);
  assert.match(error.message, cause);
  assert.doesNotMatch(error.toUserMessage(), /^\s+at |likely a bug/m);
  const next = await client.send({ method: 'GET', url: `${healthy.url}/ok` });
  assert.equal(next.status, 200);
  assert.equal(next.text, 'ok');
}

describe('hostile servers', function () {
  this.timeout(20_000);

  before(async () => {
    healthy = await start(httpServer((_req, res) => res.end('ok')));
  });

  after(async () => {
    await client.close();
    await Promise.all(servers.map((s) => s.close()));
  });

  it('accepts and never answers: ends at the deadline, naming the endpoint', async () => {
    const silent = await start(silentServer());
    const url = silent.url.replace('tcp:', 'http:');
    // The code says which deadline ended it; mocha's timeout catches a hang (no timed assertion).
    const error = await failure(url);
    assert.match(error.code, /^http\.timeout\.(headers|total)$/);
    await assertNamedAndRecovered(error, url, /no response headers within 1500 ms|exceeded 2000 ms/);
  });

  it('drips the body a byte at a time: the whole-exchange deadline ends it', async () => {
    const drip = await start(httpServer(dripping(50)));
    const error = await failure(drip.url);
    assert.equal(error.code, 'http.timeout.total');
    await assertNamedAndRecovered(error, drip.url, /exceeded 2000 ms; .*\d+ bytes so far/);
  });

  it('resets the connection mid-body', async () => {
    const reset = await start(
      rawServer((socket) => {
        socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"partial":');
        setTimeout(() => socket.resetAndDestroy(), 20);
      }),
    );
    const error = await failure(reset.url);
    assert.equal(error.code, 'http.connection_reset');
    await assertNamedAndRecovered(error, reset.url, /closed or reset before a complete response/);
  });

  it('sends broken chunked encoding', async () => {
    const broken = await start(
      rawServer((socket) => socket.end('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n')),
    );
    const error = await failure(broken.url);
    assert.equal(error.code, 'http.malformed_response');
    await assertNamedAndRecovered(error, broken.url, /not valid HTTP\/1\.1: .*chunk/i);
  });

  it('sends 1 MB of response headers: refused cleanly', async () => {
    const headers = await start(
      rawServer((socket) =>
        socket.end(`HTTP/1.1 200 OK\r\nx-filler: ${'a'.repeat(1024 * 1024)}\r\ncontent-length: 0\r\n\r\n`),
      ),
    );
    const error = await failure(headers.url);
    assert.equal(error.code, 'http.headers_too_large');
    await assertNamedAndRecovered(error, headers.url, /response headers from .* are larger than this client accepts/);
  });

  it('sends a 50 MB body (with and without Content-Length): cut at the 10 MB cap', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 'x');
    const big = await start(
      httpServer((req, res) => {
        res.writeHead(200, req.url === '/sized' ? { 'content-length': String(50 * chunk.length) } : {});
        let sent = 0;
        const more = (): void => {
          while (sent < 50 && !res.destroyed) {
            sent += 1;
            if (!res.write(chunk)) return void res.once('drain', more);
          }
          if (!res.destroyed) res.end();
        };
        more();
        res.on('error', () => undefined);
      }),
    );
    for (const path of ['/sized', '/chunked']) {
      const before = process.memoryUsage().rss;
      const error = await failure(`${big.url}${path}`, { totalTimeout: 15_000, bodyTimeout: 15_000 });
      assert.equal(error.code, 'http.body_too_large');
      assert.ok(process.memoryUsage().rss - before < 100 * 1024 * 1024, 'the body was not buffered whole');
      await assertNamedAndRecovered(error, `${big.url}${path}`, /larger than the 10485760-byte limit/);
    }
  });

  it('sends a gzip bomb: the client never decompresses, so the raw size is what the cap counts', async () => {
    // undici's dispatch API (which createHttpClient uses) does not decode Content-Encoding; only fetch does.
    const bomb = gzipSync(Buffer.alloc(200 * 1024 * 1024));
    const server = await start(
      httpServer((_req, res) =>
        res.writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'application/json' }).end(bomb),
      ),
    );
    const before = process.memoryUsage().rss;
    const response = await client.send({ method: 'GET', url: server.url });
    assert.equal(response.exchange.response?.bodySize, bomb.length);
    assert.ok(bomb.length < 1024 * 1024, `the bomb is ${bomb.length} bytes on the wire`);
    assert.ok(process.memoryUsage().rss - before < 100 * 1024 * 1024, 'nothing was inflated');
    const error = (() => {
      try {
        response.json();
      } catch (e) {
        return e as OidcError;
      }
      return assert.fail('a gzip body is not JSON to the client');
    })();
    assert.equal(error.code, 'http.invalid_json');
    await assertNamedAndRecovered(error, `${server.url}/`, /not JSON \(Content-Type: application\/json\)/);
  });

  it('redirects forever: not followed by default, and capped when following is asked for', async () => {
    const loop = await start(
      httpServer((req, res) => res.writeHead(302, { location: `${req.url === '/' ? '/a' : `${req.url}a`}` }).end()),
    );
    const manual = await client.send({ method: 'GET', url: loop.url });
    assert.equal(manual.status, 302);
    const error = await failure(loop.url, { redirect: 'follow' });
    assert.equal(error.code, 'http.too_many_redirects');
    await assertNamedAndRecovered(error, loop.url, /redirect/);
  });

  for (const [name, pick, code, cause] of [
    ['for another host', 'wrongHost', 'tls.hostname_mismatch', /not valid for the host "127\.0\.0\.1"/],
    ['that has expired', 'expired', 'tls.cert_expired', /has expired/],
  ] as const) {
    it(`presents a certificate ${name}`, async () => {
      const pki = testPki();
      const server = await start(httpsServer(pki[pick], (_req, res) => res.end('{}')));
      const trusting = createHttpClient({ ...LIMITS, ca: pki.ca.cert });
      try {
        const error = await trusting.send({ method: 'GET', url: server.url }).then(
          () => assert.fail('expected a TLS failure'),
          (e: unknown) => e as OidcError,
        );
        assert.equal(error.code, code);
        await assertNamedAndRecovered(error, server.url, cause);
        assert.equal((await trusting.send({ method: 'GET', url: `${healthy.url}/ok` })).status, 200);
      } finally {
        await trusting.close();
      }
    });
  }

  it('presents a certificate from a CA nobody trusts', async () => {
    const server = await start(httpsServer(testPki().leaf, (_req, res) => res.end('{}')));
    const error = await failure(server.url);
    assert.equal(error.code, 'tls.unknown_ca');
    await assertNamedAndRecovered(error, server.url, /not signed by a trusted certificate authority/);
  });
});

describe('hostile servers met through oidc-flow token --issuer', function () {
  this.timeout(30_000);
  const SECRET = 'cs-hostile-do-not-print-91c2';
  const running: Running[] = [];
  after(() => Promise.all(running.map((s) => s.close())));

  async function token(issuer: string): Promise<{ code: number; all: string }> {
    const c = captureIo({ env: { OIDC_CLIENT_SECRET: SECRET } });
    const code = await runCli(['token', '--issuer', issuer, '--client-id', 'app', '--timeout', '1500'], c.io);
    const all = c.out() + c.err();
    assert.doesNotMatch(all, /^\s+at .+:\d+:\d+|likely a bug/m, `no stack trace in:\n${all}`);
    assert.ok(!all.includes(SECRET), `the client secret was printed:\n${all}`);
    return { code, all };
  }

  /** A discovery document server; `metadata` gets the server's own base URL. */
  async function issuerServing(body: (base: string) => string, contentType = 'application/json'): Promise<string> {
    let base = '';
    const server = await httpServer((req, res) => {
      if (req.url === '/.well-known/openid-configuration')
        res.writeHead(200, { 'content-type': contentType }).end(body(base));
      else if (req.url === '/token')
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"access_token":"at-1","token_type":"Bearer"}');
      else res.writeHead(404).end();
    });
    running.push(server);
    base = server.url;
    return base;
  }

  const metadata = (base: string) => ({
    issuer: base,
    authorization_endpoint: `${base}/authorize`,
    token_endpoint: `${base}/token`,
    jwks_uri: `${base}/jwks`,
  });
  const CASES: Array<[string, (base: string) => string, RegExp, RegExp]> = [
    ['a JSON array', () => '[1,2,3]', /discovery\.invalid_document/, /openid-configuration/],
    ['HTML', () => '<html><body>login</body></html>', /discovery\.not_json|http\.invalid_json/, /openid-configuration/],
    [
      'a token endpoint on another origin',
      (base) => JSON.stringify({ ...metadata(base), token_endpoint: 'https://attacker.example/token' }),
      /discovery\.untrusted_endpoint/,
      /attacker\.example/,
    ],
    [
      'another issuer',
      (base) => JSON.stringify({ ...metadata(base), issuer: 'https://other.example' }),
      /discovery\.issuer_mismatch/,
      /other\.example/,
    ],
    [
      'a deeply nested document',
      () => `{"issuer":${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
      /discovery\.\w+/,
      /openid-configuration/,
    ],
    [
      'a token endpoint that is not a URL',
      (base) => JSON.stringify({ ...metadata(base), token_endpoint: 'javascript:alert(1)' }),
      /discovery\.(invalid_endpoint|untrusted_endpoint|invalid_url)/,
      /token_endpoint/,
    ],
  ];
  for (const [name, body, code, names] of CASES) {
    it(`discovery metadata holding ${name}: a coded error naming it, exit 1 or 2`, async () => {
      const issuer = await issuerServing(body);
      const { code: exit, all } = await token(issuer);
      assert.ok(exit === 1 || exit === 2, `exit ${exit}:\n${all}`);
      assert.match(all, code);
      assert.match(all, names);
    });
  }

  it('an issuer that accepts and never answers ends within --timeout, naming the discovery URL', async () => {
    const silent = await silentServer();
    running.push(silent);
    const issuer = silent.url.replace('tcp:', 'http:');
    const { code, all } = await token(issuer);
    assert.equal(code, 1);
    assert.match(all, /http\.timeout\.(headers|total)/);
    assert.ok(all.includes(`${issuer}/.well-known/openid-configuration`), all);
  });

  const TRANSPORT: Array<[string, (socket: Socket) => void, RegExp]> = [
    [
      'resets the connection mid-body',
      (socket) => {
        socket.write('HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n{"issuer":');
        setTimeout(() => socket.resetAndDestroy(), 20);
      },
      /closed or reset before a complete response.*\[http\.connection_reset\]/s,
    ],
    [
      'sends broken chunked encoding',
      (socket) => socket.end('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n'),
      /is not valid HTTP\/1\.1.*\[http\.malformed_response\]/s,
    ],
    [
      'sends 1 MB of headers',
      (socket) => socket.end(`HTTP/1.1 200 OK\r\nx-filler: ${'a'.repeat(1024 * 1024)}\r\ncontent-length: 0\r\n\r\n`),
      /response headers from .* are larger than.*\[http\.headers_too_large\]/s,
    ],
    [
      'announces a 50 MB discovery document',
      (socket) => socket.end(`HTTP/1.1 200 OK\r\ncontent-length: ${50 * 1024 * 1024}\r\n\r\n{`),
      /larger than the 10485760-byte limit.*\[http\.body_too_large\]/s,
    ],
  ];
  for (const [name, respond, expected] of TRANSPORT) {
    it(`an issuer that ${name}: exit 1, naming the discovery URL and the cause`, async () => {
      const server = await rawServer(respond);
      running.push(server);
      const { code, all } = await token(server.url);
      assert.equal(code, 1, all);
      assert.ok(all.includes(`${server.url}/.well-known/openid-configuration`), all);
      assert.match(all, expected);
    });
  }

  it('a well-behaved issuer right after still gives a token', async () => {
    const issuer = await issuerServing((base) => JSON.stringify(metadata(base)));
    const { code, all } = await token(issuer);
    assert.equal(code, 0, all);
    assert.match(all, /at-1/);
  });
});
