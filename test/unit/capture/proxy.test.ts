import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import * as net from 'node:net';
import { createCaptureJudge, startCapture } from '../../../src/core/capture';
import type { CaptureRecord, CaptureSession } from '../../../src/core/capture';
import { OidcError } from '../../../src/core/errors';
import { httpServer, httpsServer, listen, testPki } from '../../support/loopback-servers';
import { HOSTILE_REQUESTS, rawStatus } from '../../support/raw-request';
import type { Running } from '../../support/loopback-servers';

/**
 * What this file proves: the capture proxy passes requests and answers
 * through unchanged against loopback servers (raw headers in order and case,
 * bodies, streams, upgrades), records each exchange with a bounded body, finds
 * the token, answers 502 itself only when the target is unreachable, and
 * refuses to listen beyond loopback without allowRemote.
 */

/** A raw HTTP/1.1 exchange over one socket: the bytes of the answer, until the server closes. */
function rawExchange(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(text));
    let out = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (out += chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(out));
  });
}

function nextRecord(session: CaptureSession): Promise<CaptureRecord> {
  return new Promise((resolve) => {
    const subscription = session.onExchange((record) => {
      subscription.dispose();
      resolve(record);
    });
  });
}

describe('capture proxy', () => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  async function upstream(handler: Parameters<typeof httpServer>[0]): Promise<Running> {
    const server = await httpServer(handler);
    closers.push(() => server.close());
    return server;
  }

  async function capture(options: Parameters<typeof startCapture>[0], deps?: Parameters<typeof startCapture>[1]) {
    const session = await startCapture(options, deps);
    closers.push(() => session.close({ graceMs: 0 }));
    return session;
  }

  it('passes the request headers as received (order, case, duplicates) and sets Host to the target', async () => {
    let seen: string[] = [];
    const target = await upstream((req, res) => {
      seen = req.rawHeaders;
      res.end('ok');
    });
    const session = await capture({ target: target.url });
    const recorded = nextRecord(session);
    await rawExchange(
      session.port,
      'GET /a?b=1 HTTP/1.1\r\nhost: app.local\r\nX-One: 1\r\nx-TWO: 2\r\nX-One: 3\r\nConnection: close\r\n\r\n',
    );
    assert.deepEqual(seen, [
      'host',
      `127.0.0.1:${target.port}`,
      'X-One',
      '1',
      'x-TWO',
      '2',
      'X-One',
      '3',
      'Connection',
      'close',
    ]);
    const record = await recorded;
    assert.equal(record.exchange.request.url, `${target.url}/a?b=1`);
    assert.equal(record.exchange.response?.status, 200);
    assert.equal(record.exchange.response?.body, 'ok');
  });

  it('keeps the client Host with preserveHost', async () => {
    let host: string | undefined;
    const target = await upstream((req, res) => {
      host = req.headers.host;
      res.end();
    });
    const session = await capture({ target: target.url, preserveHost: true });
    await rawExchange(session.port, 'GET / HTTP/1.1\r\nHost: app.local\r\nConnection: close\r\n\r\n');
    assert.equal(host, 'app.local');
  });

  it('passes the answer unchanged: status text, raw headers, no Date added, body', async () => {
    const target = await upstream((_req, res) => {
      res.sendDate = false;
      res.writeHead(418, 'Short And Stout', [
        'x-B',
        '2',
        'X-a',
        '1',
        'x-B',
        '3',
        'Content-Length',
        '5',
        'Connection',
        'close',
      ]);
      res.end('teapo');
    });
    const session = await capture({ target: target.url });
    const direct = await rawExchange(target.port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    const proxied = await rawExchange(session.port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.equal(proxied, direct);
    assert.match(proxied, /^HTTP\/1\.1 418 Short And Stout\r\nx-B: 2\r\nX-a: 1\r\nx-B: 3\r\n/);
  });

  it('records a body over the cap as truncated and passes it whole', async () => {
    const big = 'x'.repeat(300_000);
    const target = await upstream((_req, res) => res.end(big));
    const session = await capture({ target: target.url, maxBodyBytes: 1000 });
    const recorded = nextRecord(session);
    const answer = await fetch(`${session.url}/big`);
    assert.equal((await answer.text()).length, big.length);
    const record = await recorded;
    assert.equal(record.exchange.response?.truncated, true);
    assert.equal(record.exchange.response?.body.length, 1000);
    assert.equal(record.exchange.response?.bodySize, big.length);
  });

  it('finds the bearer token, groups by an HMAC and never shows the token in the redacted record or HAR', async () => {
    const target = await upstream((_req, res) => {
      res.writeHead(401, { 'WWW-Authenticate': 'Bearer error="invalid_token"' });
      res.end();
    });
    const session = await capture({ target: target.url });
    const token = 'opaque-token-value-0123456789';
    const recorded = nextRecord(session);
    await fetch(`${session.url}/x`, { headers: { Authorization: `Bearer ${token}` } });
    const record = await recorded;
    assert.equal(record.token?.source.in, 'header');
    assert.equal(record.token?.kind, 'opaque');
    assert.equal(record.token?.groupKey.length, 16);
    assert.ok(!JSON.stringify(record.token).includes(token));
    assert.ok(!JSON.stringify(session.redacted(record)).includes(token));
    assert.ok(!JSON.stringify(session.har()).includes(token));
  });

  it('answers 502 itself, saying so, when the target cannot be reached', async () => {
    const dead = await listen(http.createServer(), 'http');
    await dead.close();
    const session = await capture({ target: dead.url });
    const recorded = nextRecord(session);
    const answer = await fetch(`${session.url}/x`);
    assert.equal(answer.status, 502);
    assert.equal(answer.headers.get('x-oidc-flow-capture'), 'proxy-error');
    assert.match(await answer.text(), /could not be reached/);
    const record = await recorded;
    assert.equal(record.answeredByProxy, true);
    assert.equal(record.exchange.error?.code, 'http.connection_refused');
  });

  it('refuses a non-loopback listen address without allowRemote', async () => {
    await assert.rejects(
      startCapture({ target: 'http://127.0.0.1:1', host: '0.0.0.0' }),
      (error: unknown) => error instanceof OidcError && error.code === 'capture.remote_not_allowed',
    );
  });

  it('gives a refusal a verdict after the exchange, from the judge', async () => {
    const target = await upstream((_req, res) => {
      res.writeHead(401, { 'WWW-Authenticate': 'Bearer' });
      res.end();
    });
    const session = await capture({ target: target.url }, { judge: createCaptureJudge() });
    const verdict = new Promise<CaptureRecord>((resolve) => session.onVerdict(resolve));
    await fetch(`${session.url}/x`);
    const record = await verdict;
    assert.equal(record.verdict.state, 'done');
    assert.equal(record.verdict.state === 'done' && record.verdict.verdict.code, 'no_token');
  });
  it('streams server-sent events: each event reaches the application before the next is sent', async () => {
    let sendNext: (() => void) | undefined;
    const events = ['data: one\n\n', 'data: two\n\n', 'data: three\n\n'];
    const target = await upstream((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
      let i = 0;
      sendNext = () => {
        if (i < events.length) res.write(events[i++]);
        else res.end();
      };
      sendNext();
    });
    const session = await capture({ target: target.url });
    const recorded = nextRecord(session);
    const answer = await fetch(`${session.url}/events`);
    const reader = answer.body!.getReader();
    const seen: string[] = [];
    // The next event is only sent once this one arrived: a proxy that buffered would never get here.
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      seen.push(Buffer.from(value).toString('utf8'));
      sendNext!();
    }
    assert.deepEqual(seen.join(''), events.join(''));
    assert.ok(seen.length >= events.length, `events arrived in ${seen.length} chunks`);
    const record = await recorded;
    assert.equal(record.exchange.response?.body, events.join(''));
  });

  it('sends the headers of an answer whose body has not started (a quiet event stream) at once', async () => {
    let finish: (() => void) | undefined;
    const target = await upstream((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      res.flushHeaders();
      finish = () => res.end('data: late\n\n');
    });
    const session = await capture({ target: target.url });
    // fetch resolves on the headers: a proxy holding them until the first chunk would never let it.
    const answer = await fetch(`${session.url}/quiet`);
    assert.equal(answer.headers.get('content-type'), 'text/event-stream');
    finish!();
    assert.equal(await answer.text(), 'data: late\n\n');
  });

  it('passes a WebSocket upgrade through: the echo round-trip works and the handshake is recorded', async function () {
    if (typeof (globalThis as { WebSocket?: unknown }).WebSocket !== 'function')
      throw new Error('this test needs the WebSocket client of Node 22 or later (node --version)');
    const server = http.createServer((_req, res) => res.end());
    server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket) => {
      const accept = createHash('sha1')
        .update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
        .digest('base64');
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
      );
      // Echoes short text frames (under 126 bytes), unmasked as a server sends them.
      socket.on('data', (frame: Buffer) => {
        if ((frame[0]! & 0x0f) !== 1) return;
        const length = frame[1]! & 0x7f;
        const mask = frame.subarray(2, 6);
        const payload = Buffer.from(frame.subarray(6, 6 + length).map((byte, i) => byte ^ mask[i % 4]!));
        socket.write(Buffer.concat([Buffer.from([0x81, length]), payload]));
      });
    });
    const target = await listen(server, 'http');
    closers.push(() => target.close());
    const session = await capture({ target: target.url });
    const recorded = nextRecord(session);
    const WebSocketClient = (globalThis as unknown as { WebSocket: typeof WebSocket }).WebSocket;
    const ws = new WebSocketClient(`${session.url.replace('http', 'ws')}/socket?access_token=abc12345678`);
    const echoed = await new Promise<string>((resolve, reject) => {
      ws.onopen = () => ws.send('hello through the capture');
      ws.onmessage = (event) => resolve(String(event.data));
      ws.onerror = () => reject(new Error('WebSocket error'));
    });
    ws.close();
    assert.equal(echoed, 'hello through the capture');
    const record = await recorded;
    assert.equal(record.kind, 'upgrade');
    assert.equal(record.exchange.response?.status, 101);
  });

  it('passes a refused upgrade back whole (a 401 with its body), and the record gets the verdict', async () => {
    const server = http.createServer((_req, res) => res.end());
    server.on('upgrade', (_req: http.IncomingMessage, socket: net.Socket) => {
      socket.end(
        'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer error="invalid_token"\r\nContent-Length: 6\r\n\r\nno way',
      );
    });
    const target = await listen(server, 'http');
    closers.push(() => target.close());
    const session = await capture({ target: target.url }, { judge: createCaptureJudge() });
    const verdict = new Promise<CaptureRecord>((resolve) => session.onVerdict(resolve));
    const answer = await rawExchange(
      session.port,
      'GET /socket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer some-opaque-token-1\r\n\r\n',
    );
    assert.match(answer, /^HTTP\/1\.1 401 Unauthorized\r\n/);
    assert.match(answer, /\r\n\r\nno way$/);
    const record = await verdict;
    assert.equal(record.kind, 'upgrade');
    assert.equal(record.exchange.response?.body, 'no way');
    assert.equal(record.verdict.state, 'done');
  });

  it('records the request body (bounded) and passes it whole', async () => {
    let received = '';
    const target = await upstream((_req, res, body) => {
      received = body;
      res.end('ok');
    });
    const session = await capture({ target: target.url, maxBodyBytes: 10 });
    const recorded = nextRecord(session);
    await fetch(`${session.url}/post`, { method: 'POST', body: 'a'.repeat(50) });
    assert.equal(received, 'a'.repeat(50));
    const record = await recorded;
    assert.equal(record.exchange.request.body, 'a'.repeat(10));
    assert.equal(record.exchange.request.bodySize, 50);
    assert.match(record.exchange.warnings.join(' '), /recorded up to 10 bytes of 50/);
  });

  it('keeps the last maxExchanges records, and a token is masked wherever it shows (query, cookie)', async () => {
    const target = await upstream((_req, res) => res.end());
    const session = await capture({
      target: target.url,
      maxExchanges: 2,
      gateway: { profile: 'kong-openid-connect' },
    });
    const token = 'query-token-0123456789';
    for (let i = 0; i < 3; i++)
      await (
        await fetch(`${session.url}/x?i=${i}&access_token=${token}`, { headers: { Cookie: `sid=cookie-secret-${i}` } })
      ).text();
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(
      session.records().map((r) => r.seq),
      [2, 3],
    );
    assert.deepEqual(session.stats().evicted, 1);
    assert.equal(session.records()[1]!.token?.source.in, 'query');
    const har = JSON.stringify(session.har());
    assert.ok(!har.includes(token) && !har.includes('cookie-secret-'), har);
  });

  it('sends a body-less request again on a new connection when the kept-alive one was closed under it', async () => {
    let count = 0;
    const target = await upstream((req, res) => {
      count++;
      // The second request arrives on the kept-alive connection: the server drops it unanswered.
      if (count === 2) req.socket.destroy();
      else res.end(`answer ${count}`);
    });
    const session = await capture({ target: target.url });
    assert.equal(await (await fetch(`${session.url}/a`)).text(), 'answer 1');
    const second = await fetch(`${session.url}/b`);
    assert.equal(second.status, 200);
    assert.equal(await second.text(), 'answer 3');
  });

  it('a listener that throws does not break forwarding', async () => {
    const target = await upstream((_req, res) => res.end('ok'));
    const session = await capture({ target: target.url });
    session.onExchange(() => {
      throw new Error('a shell bug');
    });
    for (let i = 0; i < 2; i++) assert.equal(await (await fetch(`${session.url}/x`)).text(), 'ok');
  });

  it('survives hostile request lines and headers, and keeps serving', async () => {
    const target = await upstream((_req, res) => res.end('ok'));
    const session = await capture({ target: target.url });
    for (const hostile of HOSTILE_REQUESTS) {
      const status = await rawStatus(session.port, hostile.head);
      // Node's parser refuses what is no HTTP (400/431); the rest is forwarded, as the gateway would get it.
      assert.ok(status === 0 || status >= 200, `${hostile.name}: ${status}`);
      assert.equal(await (await fetch(`${session.url}/still`)).text(), 'ok', hostile.name);
    }
  });

  it('forwards to an https target trusting the given CA; an unknown CA is a 502 naming the TLS failure', async function () {
    this.timeout(30_000);
    const pki = testPki();
    const target = await httpsServer(pki.leaf, (_req, res) => res.end('over tls'));
    closers.push(() => target.close());
    const trusted = await capture({ target: target.url, tls: { ca: pki.ca.cert } });
    assert.equal(await (await fetch(`${trusted.url}/x`)).text(), 'over tls');
    const untrusted = await capture({ target: target.url });
    const recorded = nextRecord(untrusted);
    const answer = await fetch(`${untrusted.url}/x`);
    assert.equal(answer.status, 502);
    assert.equal((await recorded).exchange.error?.code, 'tls.unknown_ca');
  });

  it('stops cleanly: close() ends open connections and the port is free again', async () => {
    const target = await upstream((_req, res) => res.write('never ends'));
    const session = await startCapture({ target: target.url });
    const answer = await fetch(`${session.url}/hang`);
    const reader = answer.body!.getReader();
    await reader.read();
    await session.close();
    await assert.rejects(reader.read());
    const again = await startCapture({ target: target.url, port: session.port });
    await again.close();
  });
});
