import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import * as net from 'node:net';
import { createCaptureJudge, startCapture } from '../../../src/core/capture';
import type { CaptureRecord, CaptureSession } from '../../../src/core/capture';
import { OidcError } from '../../../src/core/errors';
import { httpServer, listen } from '../../support/loopback-servers';
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
});
