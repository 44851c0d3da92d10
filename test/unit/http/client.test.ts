import { strict as assert } from 'node:assert';
import { ManualClock } from '../../../src/core/clock';
import { OidcError } from '../../../src/core/errors';
import { createHttpClient, HttpError } from '../../../src/core/http';
import { exchangeId, formEncoded } from '../../../src/core/http/client';
import type { HttpExchange } from '../../../src/core/http';
import type { Running } from '../../support/loopback-servers';
import { dripping, httpServer, httpsServer, listen, never, testPki } from '../../support/loopback-servers';
import * as net from 'node:net';
import { closeAfterEach } from '../../support/close-after-each';
import { rejection as rejectionOf } from '../../support/rejection';

/** The HttpError a request fails with (an OidcError too, since HttpError extends it). */
const rejection = (promise: Promise<unknown>): Promise<HttpError> => rejectionOf(promise, HttpError);

describe('http client', () => {
  const opened = closeAfterEach();
  function client(options: Parameters<typeof createHttpClient>[0] = {}): ReturnType<typeof createHttpClient> {
    return opened(createHttpClient({ env: {}, ...options }));
  }
  async function serve(started: Promise<Running>): Promise<Running> {
    return opened(await started);
  }

  describe('recording', () => {
    it('records a fresh https exchange with every timing phase, then none of the connection phases on reuse', async () => {
      const { ca, leaf } = testPki();
      const server = await serve(
        httpsServer(leaf, (_req, res) => {
          res.setHeader('content-type', 'application/json');
          res.end('{"ok":true}');
        }),
      );
      const seen: HttpExchange[] = [];
      const http = client({
        ca: ca.cert,
        onExchange: (exchange) => seen.push(exchange),
        clock: new ManualClock(1_700_000_000_000),
      });
      const url = `https://localhost:${server.port}/thing?x=1`;

      const first = await http.send({
        method: 'GET',
        url,
        label: 'discovery',
        lane: 'idp',
        headers: { accept: 'application/json' },
      });
      assert.equal(first.status, 200);
      assert.deepEqual(first.json(), { ok: true });
      const { exchange } = first;
      assert.equal(exchange.label, 'discovery');
      assert.equal(exchange.lane, 'idp');
      assert.equal(exchange.startedAt, 1_700_000_000_000);
      assert.equal(exchange.request.method, 'GET');
      assert.equal(exchange.request.url, url);
      assert.deepEqual(exchange.request.headers, [['accept', 'application/json']]);
      assert.equal(exchange.response?.statusText, 'OK');
      assert.equal(exchange.response?.httpVersion, 'HTTP/1.1');
      assert.equal(exchange.response?.contentType, 'application/json');
      assert.equal(exchange.response?.body, '{"ok":true}');
      assert.equal(exchange.response?.bodySize, 11);
      assert.equal(exchange.response?.truncated, false);
      for (const phase of ['dns', 'connect', 'tls', 'ttfb', 'download', 'total'] as const) {
        assert.equal(typeof exchange.timings[phase], 'number', `${phase} is recorded`);
        assert.ok(exchange.timings[phase]! >= 0, `${phase} is not negative`);
      }
      assert.deepEqual(seen, [exchange]);

      const second = await http.send({ method: 'GET', url });
      assert.equal(second.exchange.timings.dns, undefined);
      assert.equal(second.exchange.timings.connect, undefined);
      assert.equal(second.exchange.timings.tls, undefined);
      assert.equal(typeof second.exchange.timings.ttfb, 'number');
      assert.equal(seen.length, 2);
    });

    it("records each request's connection, a reused one too: the local port is the one the server saw", async () => {
      const seenPorts: number[] = [];
      const server = await serve(
        httpServer((req, res) => {
          seenPorts.push(req.socket.remotePort!);
          // The third request asks for a fresh connection afterwards.
          if (req.url === '/close') res.setHeader('connection', 'close');
          res.end('hi');
        }),
      );
      const http = client();
      const first = await http.send({ method: 'GET', url: `${server.url}/a` });
      const second = await http.send({ method: 'GET', url: `${server.url}/close` });
      const third = await http.send({ method: 'GET', url: `${server.url}/b` });
      const ports = [first, second, third].map((r) => r.exchange.connection?.localPort);
      assert.deepEqual(ports, seenPorts);
      assert.equal(ports[0], ports[1], 'the kept-alive connection carried the second request');
      assert.notEqual(ports[2], ports[1], 'a new connection after the server closed it');
      assert.equal(second.exchange.timings.connect, undefined);
      assert.deepEqual(
        { ...first.exchange.connection, localPort: 0 },
        { localAddress: '127.0.0.1', localPort: 0, remoteAddress: '127.0.0.1', remotePort: server.port },
      );
    });

    it('keeps one connection per origin when requests alternate between two origins and repeat on one', async () => {
      const ports = { a: new Set<number>(), b: new Set<number>() };
      const a = await serve(httpServer((req, res) => res.end(String(ports.a.add(req.socket.remotePort!).size))));
      const b = await serve(httpServer((req, res) => res.end(String(ports.b.add(req.socket.remotePort!).size))));
      const http = client();
      for (const server of [a, b, a, b, b, a, a]) await http.send({ method: 'GET', url: `${server.url}/` });
      assert.equal(ports.a.size, 1, 'origin a saw one connection');
      assert.equal(ports.b.size, 1, 'origin b saw one connection');
    });

    it('runs requests to one origin side by side, each on its own connection, then reuses an idle one', async () => {
      // The server answers only once both requests are in: queued behind each other, they never would.
      const ports = new Set<number>();
      const waiting: Array<() => void> = [];
      const server = await serve(
        httpServer((req, res) => {
          ports.add(req.socket.remotePort!);
          waiting.push(() => res.end('hi'));
          if (waiting.length === 2) for (const answer of waiting.splice(0)) answer();
          else if (req.url === '/after') for (const answer of waiting.splice(0)) answer();
        }),
      );
      const http = client();
      const both = await Promise.all([
        http.send({ method: 'GET', url: `${server.url}/one` }),
        http.send({ method: 'GET', url: `${server.url}/two` }),
      ]);
      assert.deepEqual(
        both.map((response) => response.status),
        [200, 200],
      );
      assert.equal(ports.size, 2, 'two connections for two requests at once');
      const after = await http.send({ method: 'GET', url: `${server.url}/after` });
      assert.equal(after.status, 200);
      assert.equal(ports.size, 2, 'the request after them reused one of the two');
      assert.equal(after.exchange.timings.connect, undefined);
    });

    it('has no dns phase for an IP literal and no tls phase for plain http', async () => {
      const server = await serve(httpServer((_req, res) => res.end('hi')));
      const response = await client().send({ method: 'GET', url: `${server.url}/` });
      assert.equal(response.exchange.timings.dns, undefined);
      assert.equal(response.exchange.timings.tls, undefined);
      assert.equal(typeof response.exchange.timings.connect, 'number');
    });

    it('tells onRequestSent once a request is on its connection, before the answer, and ignores its errors', async () => {
      const order: string[] = [];
      const server = await serve(
        httpServer((_req, res) => {
          order.push('server');
          res.end('hi');
        }),
      );
      let calls = 0;
      const http = client({
        onRequestSent: () => {
          calls += 1;
          order.push('sent');
          throw new Error('a listener that fails');
        },
      });
      const response = await http.send({ method: 'GET', url: `${server.url}/` });
      assert.equal(response.status, 200, "the listener's error is not the request's");
      await http.send({ method: 'GET', url: `${server.url}/again` });
      assert.equal(calls, 2);
      assert.deepEqual(order, ['sent', 'server', 'sent', 'server']);
    });

    it('does not tell onRequestSent about a request that was never sent', async () => {
      let calls = 0;
      const http = client({ onRequestSent: () => (calls += 1) });
      await assert.rejects(http.send({ method: 'GET', url: 'ftp://127.0.0.1/' }));
      assert.equal(calls, 0);
    });

    it('sends form bodies url-encoded and skips undefined fields', async () => {
      let received = '';
      let type = '';
      const server = await serve(
        httpServer((req, res, body) => {
          received = body;
          type = req.headers['content-type'] ?? '';
          res.end('ok');
        }),
      );
      const response = await client().send({
        method: 'POST',
        url: `${server.url}/token`,
        form: { grant_type: 'client_credentials', scope: 'a b', audience: undefined },
      });
      assert.equal(received, 'grant_type=client_credentials&scope=a+b');
      assert.equal(type, 'application/x-www-form-urlencoded');
      assert.equal(response.exchange.request.body, received);
      assert.equal(response.exchange.request.bodySize, received.length);
      assert.ok(response.exchange.request.headers.some(([name, value]) => name === 'content-type' && value === type));
    });

    it('sends JSON bodies and keeps a caller-given content type', async () => {
      const bodies: Array<{ body: string; type: string }> = [];
      const server = await serve(
        httpServer((req, res, body) => {
          bodies.push({ body, type: req.headers['content-type'] ?? '' });
          res.end();
        }),
      );
      const http = client();
      const put = await http.send({ method: 'PUT', url: server.url, json: { a: [1, 'two'], lone: '\ud800é' } });
      assert.equal(put.exchange.request.body, '{"a":[1,"two"],"lone":"\\ud800é"}', 'recorded as sent');
      await http.send({
        method: 'POST',
        url: server.url,
        json: { b: 1 },
        headers: { 'Content-Type': 'application/merge-patch+json' },
      });
      await http.send({ method: 'POST', url: server.url, body: new TextEncoder().encode('raw bytes') });
      assert.deepEqual(bodies, [
        { body: '{"a":[1,"two"],"lone":"\\ud800é"}', type: 'application/json' },
        { body: '{"b":1}', type: 'application/merge-patch+json' },
        { body: 'raw bytes', type: '' },
      ]);
    });

    it('returns non-2xx answers as responses, not errors', async () => {
      const server = await serve(
        httpServer((_req, res) => {
          res.writeHead(401, 'Unauthorized', {
            'www-authenticate': 'Bearer error="invalid_token"',
            'content-type': 'application/json',
          });
          res.end('{"message":"Unauthorized"}');
        }),
      );
      const response = await client().send({ method: 'GET', url: server.url });
      assert.equal(response.status, 401);
      assert.equal(response.headers['www-authenticate'], 'Bearer error="invalid_token"');
      assert.deepEqual(response.json(), { message: 'Unauthorized' });
      assert.equal(response.exchange.error, undefined);
    });

    it('joins repeated response headers in `headers` and keeps each in the exchange', async () => {
      const server = await serve(
        httpServer((_req, res) => {
          res.setHeader('set-cookie', ['a=1', 'b=2']);
          res.end();
        }),
      );
      const response = await client().send({ method: 'GET', url: server.url });
      assert.equal(response.headers['set-cookie'], 'a=1, b=2');
      const cookies = response.exchange.response!.headers.filter(([name]) => name.toLowerCase() === 'set-cookie');
      assert.equal(cookies.length, 2);
    });

    it('reads header values as UTF-8 in `headers` and the exchange alike, whatever case the names come in', async () => {
      const server = await serve(
        httpServer((_req, res) => {
          // Node's server writes header text as UTF-8: the bytes C3 AB, which latin1 would read as "Ã«".
          res.setHeader('X-Name', 'Zoë');
          res.setHeader('Content-Type', 'text/plain');
          res.end('ok');
        }),
      );
      const response = await client().send({ method: 'GET', url: server.url });
      assert.equal(response.headers['x-name'], 'Zoë');
      assert.equal(response.headers['content-type'], 'text/plain');
      assert.deepEqual(
        response.exchange.response?.headers.filter(([name]) => name.startsWith('X-') || name.startsWith('Content-T')),
        [
          ['X-Name', 'Zoë'],
          ['Content-Type', 'text/plain'],
        ],
      );
    });

    it('decodes a body whose UTF-8 character arrives split across two chunks, and a one-chunk body', async () => {
      const bytes = Buffer.from('café', 'utf8');
      const server = await serve(
        httpServer((req, res) => {
          if (req.url === '/one') {
            res.end(bytes);
            return;
          }
          res.write(bytes.subarray(0, 4));
          setTimeout(() => res.end(bytes.subarray(4)), 20);
        }),
      );
      const http = client();
      assert.equal((await http.send({ method: 'GET', url: `${server.url}/split` })).text, 'café');
      assert.equal((await http.send({ method: 'GET', url: `${server.url}/one` })).text, 'café');
    });

    it('still returns the response when the exchange listener throws', async () => {
      const server = await serve(httpServer((_req, res) => res.end('fine')));
      const response = await client({
        onExchange: () => {
          throw new Error('listener bug');
        },
      }).send({ method: 'GET', url: server.url });
      assert.equal(response.text, 'fine');
    });
  });

  describe('json()', () => {
    it('throws http.invalid_json naming the endpoint and URL, quoting the start of an HTML page', async () => {
      const page = `<!DOCTYPE html><html><head><title>Sign in</title></head><body>${'x'.repeat(400)}</body></html>`;
      const server = await serve(
        httpServer((_req, res) => {
          res.setHeader('content-type', 'text/html');
          res.end(page);
        }),
      );
      const response = await client().send({ method: 'GET', url: `${server.url}/v1/token`, label: 'token endpoint' });
      assert.throws(
        () => response.json(),
        (error: unknown) => {
          assert.ok(error instanceof OidcError);
          assert.equal(error.code, 'http.invalid_json');
          assert.match(error.message, /token endpoint/);
          assert.match(error.message, new RegExp(`${server.url}/v1/token`.replace(/[.]/g, '\\.')));
          assert.match(error.message, /<!DOCTYPE html><html><head><title>Sign in/);
          assert.ok(!error.message.includes('x'.repeat(200)), 'only the first ~120 characters are quoted');
          assert.match(error.hint ?? '', /HTML/);
          return true;
        },
      );
    });

    it('says so when the body is empty', async () => {
      const server = await serve(httpServer((_req, res) => res.end()));
      const response = await client().send({ method: 'GET', url: server.url, label: 'introspection endpoint' });
      assert.throws(() => response.json(), /introspection endpoint.*empty body/);
    });

    it('never quotes a listed secret', async () => {
      const secret = 'tok_0123456789abcdef';
      const server = await serve(httpServer((_req, res) => res.end(`not json ${secret}`)));
      const response = await client().send({ method: 'GET', url: server.url, secrets: [secret] });
      assert.throws(
        () => response.json(),
        (error: unknown) =>
          error instanceof OidcError && !error.message.includes(secret) && error.message.includes('[redacted'),
      );
    });
  });

  describe('size cap', () => {
    it('aborts a body larger than maxBodyBytes with http.body_too_large naming the cap', async () => {
      const server = await serve(
        httpServer((_req, res) => {
          res.write('a'.repeat(600));
          res.end('b'.repeat(600));
        }),
      );
      const seen: HttpExchange[] = [];
      const error = await rejection(
        client({ maxBodyBytes: 1000, onExchange: (e) => seen.push(e) }).send({
          method: 'GET',
          url: server.url,
          label: 'JWKS',
        }),
      );
      assert.equal(error.code, 'http.body_too_large');
      assert.match(error.message, /1000-byte/);
      assert.match(error.message, /JWKS/);
      assert.equal(error.exchange.error?.code, 'http.body_too_large');
      assert.equal(error.exchange.response?.truncated, true);
      assert.ok(error.exchange.response!.body.length <= 1000);
      assert.deepEqual(seen, [error.exchange]);
    });

    it('refuses early when Content-Length already exceeds the cap, per request', async () => {
      const server = await serve(
        httpServer((_req, res) => {
          res.setHeader('content-length', '5000');
          res.end('c'.repeat(5000));
        }),
      );
      const http = client();
      const error = await rejection(http.send({ method: 'GET', url: server.url, options: { maxBodyBytes: 100 } }));
      assert.equal(error.code, 'http.body_too_large');
      assert.equal((await http.send({ method: 'GET', url: server.url })).text.length, 5000);
    });
  });

  describe('redirects', () => {
    async function redirecting(): Promise<{ server: Running; hits: string[] }> {
      const hits: string[] = [];
      const server = await serve(
        httpServer((req, res, body) => {
          hits.push(`${req.method} ${req.url} ${body} ${req.headers.authorization ?? '-'}`);
          if (req.url === '/a') res.writeHead(302, { location: '/b' }).end();
          else if (req.url === '/b') res.writeHead(307, { location: '/c' }).end();
          else if (req.url === '/loop') res.writeHead(301, { location: '/loop' }).end();
          else res.end(`final ${req.method}`);
        }),
      );
      return { server, hits };
    }

    it("returns a 3xx as is in 'manual' mode (the default)", async () => {
      const { server, hits } = await redirecting();
      const response = await client().send({ method: 'GET', url: `${server.url}/a` });
      assert.equal(response.status, 302);
      assert.equal(response.headers.location, '/b');
      assert.equal(hits.length, 1);
    });

    it("follows in 'follow' mode, recording the hops and switching POST to GET on 302", async () => {
      const { server, hits } = await redirecting();
      const seen: HttpExchange[] = [];
      const response = await client({ redirect: 'follow', onExchange: (e) => seen.push(e) }).send({
        method: 'POST',
        url: `${server.url}/a`,
        form: { x: '1' },
        headers: { authorization: 'Bearer abc' },
      });
      assert.equal(response.status, 200);
      assert.equal(response.text, 'final GET');
      assert.deepEqual(hits, ['POST /a x=1 Bearer abc', 'GET /b  Bearer abc', 'GET /c  Bearer abc']);
      assert.deepEqual(
        response.exchange.redirects?.map((hop) => `${hop.response?.status} ${hop.request.url}`),
        [`302 ${server.url}/a`, `307 ${server.url}/b`],
      );
      assert.deepEqual(seen, [response.exchange]);
    });

    it('stops after maxRedirects', async () => {
      const { server } = await redirecting();
      const error = await rejection(
        client({ redirect: 'follow', maxRedirects: 3 }).send({ method: 'GET', url: `${server.url}/loop` }),
      );
      assert.equal(error.code, 'http.too_many_redirects');
      assert.equal(error.exchange.redirects?.length, 3);
    });

    it("throws http.redirect in 'error' mode, with the exchange", async () => {
      const { server } = await redirecting();
      const error = await rejection(
        client().send({
          method: 'GET',
          url: `${server.url}/a`,
          label: 'userinfo endpoint',
          options: { redirect: 'error' },
        }),
      );
      assert.equal(error.code, 'http.redirect');
      assert.match(error.message, /userinfo endpoint.*302.*\/b/);
      assert.equal(error.exchange.response?.status, 302);
      assert.equal(error.exchange.error?.code, 'http.redirect');
    });

    it('does not carry the Authorization header to another origin', async () => {
      const hits: string[] = [];
      const other = await serve(
        httpServer((req, res) => {
          hits.push(req.headers.authorization ?? 'none');
          res.end('other');
        }),
      );
      const first = await serve(httpServer((_req, res) => res.writeHead(302, { location: `${other.url}/x` }).end()));
      const response = await client({ redirect: 'follow' }).send({
        method: 'GET',
        url: first.url,
        headers: { Authorization: 'Bearer abc' },
      });
      assert.equal(response.text, 'other');
      assert.deepEqual(hits, ['none']);
      assert.match(response.exchange.redirects![0]!.warnings.join(' '), /another origin/);
    });
  });

  describe('timeouts and failures', () => {
    it('fails with http.timeout.connect when the TLS handshake never completes', async () => {
      const silent = await serve(
        listen(
          net.createServer(() => undefined),
          'tcp',
        ),
      );
      const error = await rejection(
        client({ connectTimeout: 200 }).send({
          method: 'GET',
          url: `https://127.0.0.1:${silent.port}/`,
          label: 'token endpoint',
        }),
      );
      assert.equal(error.code, 'http.timeout.connect');
      assert.match(error.message, /token endpoint.*200 ms/);
      assert.equal(error.exchange.response, undefined);
      assert.equal(error.exchange.error?.code, 'http.timeout.connect');
    });

    it('fails with http.timeout.headers when the server never answers', async () => {
      const server = await serve(httpServer(never()));
      const error = await rejection(
        client({ headersTimeout: 200 }).send({ method: 'GET', url: server.url, label: 'introspection endpoint' }),
      );
      assert.equal(error.code, 'http.timeout.headers');
      assert.match(error.message, /introspection endpoint/);
    });

    it('fails with http.timeout.body when the body stalls, keeping what arrived', async () => {
      const server = await serve(
        httpServer((_req, res) => {
          res.writeHead(200, { 'content-length': '100' });
          res.write('partial');
        }),
      );
      const error = await rejection(client().send({ method: 'GET', url: server.url, options: { bodyTimeout: 200 } }));
      assert.equal(error.code, 'http.timeout.body');
      assert.equal(error.exchange.response?.status, 200);
      assert.equal(error.exchange.response?.body, 'partial');
    });

    it('fails with http.timeout.total when a server drips a byte every 300 ms past a 1000 ms budget (one deadline per exchange)', async () => {
      const server = await serve(httpServer(dripping(300)));
      const error = await rejection(
        client({ connectTimeout: 1000, headersTimeout: 1000, bodyTimeout: 1000, totalTimeout: 1000 }).send({
          method: 'GET',
          url: server.url,
          label: 'token endpoint',
        }),
      );
      // Each gap (300 ms) is under every per-phase limit: only the deadline over the whole exchange ends it.
      assert.equal(error.code, 'http.timeout.total');
      assert.match(error.message, /token endpoint/);
      assert.match(error.message, /whole exchange/);
      assert.match(error.message, /1000 ms/);
      assert.equal(error.exchange.response?.status, 200);
      assert.match(error.exchange.response?.body ?? '', /^x+$/);
    });

    it('ends concurrent requests at their own deadlines, in order, while one that answers in time succeeds', async () => {
      const silent = await serve(httpServer(never()));
      const quick = await serve(httpServer((_req, res) => res.end('hi')));
      const http = client({ headersTimeout: 10_000, bodyTimeout: 10_000 });
      const ended: number[] = [];
      // Started longest first, so the shared timer is armed again for each shorter deadline.
      const budgets = [900, 300, 600];
      const pending = budgets.map((totalTimeout) =>
        rejection(
          http.send({ method: 'GET', url: silent.url, label: `call ${totalTimeout}`, options: { totalTimeout } }),
        ).then((error) => {
          ended.push(totalTimeout);
          return error;
        }),
      );
      const answered = await http.send({ method: 'GET', url: quick.url });
      assert.equal(answered.status, 200);
      const errors = await Promise.all(pending);
      assert.deepEqual(ended, [300, 600, 900]);
      errors.forEach((error, i) => {
        assert.equal(error.code, 'http.timeout.total');
        assert.match(error.message, new RegExp(`call ${budgets[i]} .*exceeded ${budgets[i]} ms`));
      });
    });

    it('applies each frozen per-request override by its values, a new object equal to an earlier one too', async () => {
      const silent = await serve(httpServer(never()));
      const http = client({ headersTimeout: 10_000 });
      const budgetOf = async (options: object): Promise<string | undefined> =>
        /exceeded (\d+) ms/.exec(
          (await rejection(http.send({ method: 'GET', url: silent.url, options }))).message,
        )?.[1];
      assert.equal(await budgetOf(Object.freeze({ totalTimeout: 100 })), '100');
      assert.equal(await budgetOf(Object.freeze({ totalTimeout: 200 })), '200');
      assert.equal(await budgetOf(Object.freeze({ totalTimeout: 100 })), '100');
      assert.equal(await budgetOf(Object.freeze({ totalTimeout: 100, maxBodyBytes: 10 })), '100');
      assert.equal(await budgetOf({ totalTimeout: 150 }), '150');
    });

    it('fails with http.connection_refused when nothing listens', async () => {
      const gone = await listen(net.createServer(), 'tcp');
      await gone.close();
      const error = await rejection(
        client().send({ method: 'GET', url: `http://127.0.0.1:${gone.port}/`, label: 'gateway' }),
      );
      assert.equal(error.code, 'http.connection_refused');
      assert.match(error.message, /gateway/);
    });

    it('fails with http.connection_reset when the server drops the connection', async () => {
      const server = await serve(httpServer((req) => req.socket.destroy()));
      const error = await rejection(client().send({ method: 'GET', url: server.url }));
      assert.equal(error.code, 'http.connection_reset');
    });

    it('fails with http.aborted when the caller aborts', async () => {
      const server = await serve(httpServer(never()));
      const controller = new AbortController();
      const pending = client().send({ method: 'GET', url: server.url, signal: controller.signal });
      setTimeout(() => controller.abort(), 50);
      const error = await rejection(pending);
      assert.equal(error.code, 'http.aborted');
      const already = await rejection(client().send({ method: 'GET', url: server.url, signal: AbortSignal.abort() }));
      assert.equal(already.code, 'http.aborted');
    });

    it('fails with http.invalid_request for a URL it cannot send to, and still reports the exchange', async () => {
      const seen: HttpExchange[] = [];
      const error = await rejection(
        client({ onExchange: (e) => seen.push(e) }).send({ method: 'GET', url: 'ftp://example.test/x' }),
      );
      assert.equal(error.code, 'http.invalid_request');
      assert.equal(seen.length, 1);
    });

    it('never puts credential query parameters or listed secrets into error messages', async () => {
      const server = await serve(httpServer(never()));
      const error = await rejection(
        client({ headersTimeout: 100 }).send({
          method: 'GET',
          url: `${server.url}/cb?code=SECRETCODE123&state=s1&hint=ALSOSECRET99`,
          secrets: ['ALSOSECRET99'],
        }),
      );
      assert.ok(!error.message.includes('SECRETCODE123'));
      assert.ok(!error.message.includes('ALSOSECRET99'));
      assert.ok(!String(error.where).includes('SECRETCODE123'));
    });
  });
});

describe('exchangeId', () => {
  it('is a version 4 UUID, different for each exchange', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 10_000; i += 1) {
      const id = exchangeId();
      assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      ids.add(id);
    }
    assert.equal(ids.size, 10_000);
  });

  it('draws every digit but the version and variant at random (each takes all 16 values over 10,000 ids)', () => {
    const seen = Array.from({ length: 36 }, () => new Set<string>());
    for (let i = 0; i < 10_000; i += 1) [...exchangeId()].forEach((ch, at) => seen[at]!.add(ch));
    const fixed = new Map([
      [8, 1],
      [13, 1],
      [14, 1],
      [18, 1],
      [19, 4],
      [23, 1],
    ]);
    // Dashes at 8, 13, 18, 23; the version digit at 14; the variant (8, 9, a, b) at 19.
    seen.forEach((values, at) => assert.equal(values.size, fixed.get(at) ?? 16, `position ${at}`));
  });
});

describe('formEncoded', () => {
  /** What the client sent before: URLSearchParams, the reference for application/x-www-form-urlencoded. */
  const reference = (form: Record<string, string | undefined>): string => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(form)) if (value !== undefined) params.append(key, value);
    return params.toString();
  };

  it('writes every UTF-16 code unit, in a name and in a value, as URLSearchParams does', () => {
    for (let code = 0; code < 0x10000; code += 1) {
      const ch = String.fromCharCode(code);
      const form = { [`n${ch}`]: `v${ch}w`, plain: 'x' };
      assert.equal(formEncoded(form), reference(form), `code unit ${code.toString(16)}`);
    }
  });

  it('writes spaces, marks, pairs and lone surrogates as URLSearchParams does, in order, without undefined fields', () => {
    const form = {
      grant_type: 'client_credentials',
      scope: 'orders:read orders:write',
      marks: "!'()~*-._ +&=%20",
      skipped: undefined,
      emoji: 'a😀b',
      lone: 'a\ud83db\udc00',
      '': '',
    };
    assert.equal(formEncoded(form), reference(form));
    assert.equal(formEncoded({}), '');
    assert.equal(formEncoded({ only: undefined }), '');
  });
});
