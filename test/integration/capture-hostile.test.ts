import { strict as assert } from 'node:assert';
import http from 'node:http';
import * as net from 'node:net';
import type { Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { gzipSync } from 'node:zlib';
import { formatCaptureVerdict, formatExchangeLine } from '../../src/cli/commands/capture';
import { styler, terminalText } from '../../src/cli/io';
import { createCaptureJudge, startCapture } from '../../src/core/capture';
import type { CaptureJudge, CaptureOptions, CaptureRecord, CaptureSession } from '../../src/core/capture';
import type { KongOidcConfig } from '../../src/core/gateway/kong-oidc-config';
import type { Running } from '../support/loopback-servers';
import { listen } from '../support/loopback-servers';

/**
 * The capture proxy against hostile peers on both sides (issue #16): raw
 * clients (node:net, bytes Node's client would never send) and a raw target
 * that misbehaves per path. Each case checks what reached the other side,
 * that the capture recorded it and kept serving, and, for the floods, that
 * memory stayed bounded. No timing is asserted: deadlines are shortened
 * through the capture's options and the tests only wait for their effect.
 */

const MB = 1024 * 1024;

/** A JWT (unsigned, for decoding only) whose payload is `payload`. */
function jwt(payload: string): string {
  const part = (text: string) => Buffer.from(text).toString('base64url');
  return `${part('{"alg":"RS256","typ":"JWT"}')}.${part(payload)}.${part('signature')}`;
}

interface Target extends Running {
  /** Every chunk the target received, as latin1. */
  seen: string[];
  /** Sockets of the target still open. */
  open: Set<Socket>;
}

/** Writes `body` a byte at a time, every `everyMs`, then calls `done`. */
function drip(socket: Socket, body: string, everyMs: number, done?: () => void): void {
  let i = 0;
  const timer = setInterval(() => {
    if (socket.destroyed) return clearInterval(timer);
    if (i >= body.length) {
      clearInterval(timer);
      done?.();
      return;
    }
    socket.write(body[i++]!);
  }, everyMs);
}

const BOMB = gzipSync(Buffer.alloc(64 * MB));
const HOSTILE_CHALLENGE = `Bearer realm="${'\\"'.repeat(3000)}", error="invalid_token", error_description="\x9b2J\x9b31m${',a='.repeat(1000)}${'"'.repeat(2000)}`;

/** A raw HTTP target: what it answers depends on the request's path. */
async function rawTarget(): Promise<Target> {
  const seen: string[] = [];
  const open = new Set<Socket>();
  const server = net.createServer((socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => undefined);
    socket.on('data', (data: Buffer) => {
      const text = data.toString('latin1');
      seen.push(text);
      const path = /^[A-Z]+ (\S+) HTTP/.exec(text)?.[1];
      if (path === undefined) return; // a body chunk
      const head = (status: string, headers: string) => `HTTP/1.1 ${status}\r\n${headers}\r\n`;
      switch (path.split('?')[0]) {
        case '/silent':
        case '/upgrade-silent':
          return;
        case '/drip':
          socket.write(head('200 OK', 'Content-Length: 40\r\n'));
          return drip(socket, 'x'.repeat(40), 5);
        case '/reset':
          socket.write(head('200 OK', 'Content-Length: 100\r\n') + 'y'.repeat(10));
          return void setTimeout(() => socket.resetAndDestroy(), 20);
        case '/big-headers':
          socket.write(`HTTP/1.1 200 OK\r\n`);
          for (let i = 0; i < 1024; i++) socket.write(`X-Filler-${i}: ${'h'.repeat(1000)}\r\n`);
          return void socket.end('Content-Length: 0\r\n\r\n');
        case '/control-header':
          return void socket.write(head('200 OK', 'X-Bad: a\x1b[2Jb\r\nContent-Length: 0\r\n'));
        case '/bomb':
          socket.write(head('200 OK', `Content-Encoding: gzip\r\nContent-Length: ${BOMB.length}\r\n`));
          return void socket.write(BOMB);
        case '/bad-chunks':
          return void socket.write(head('200 OK', 'Transfer-Encoding: chunked\r\n') + '4\r\nabcd\r\nzz\r\nnope\r\n');
        case '/forever': {
          socket.write(head('200 OK', 'Transfer-Encoding: chunked\r\n'));
          const timer = setInterval(() => (socket.destroyed ? clearInterval(timer) : socket.write('1\r\nf\r\n')), 5);
          return;
        }
        case '/hostile-401':
          return void socket.write(
            head('401 Unauthorized', `WWW-Authenticate: ${HOSTILE_CHALLENGE}\r\nContent-Length: 0\r\n`),
          );
        case '/refuse': {
          const refuse = () =>
            socket.write(head('401 Unauthorized', 'WWW-Authenticate: Bearer\r\nContent-Length: 0\r\n'));
          const length = Number(/content-length: (\d+)/i.exec(text)?.[1] ?? 0);
          // A form body is read whole first, as a gateway reading the token from it does.
          let received = text.length - text.indexOf('\r\n\r\n') - 4;
          if (received >= length) return void refuse();
          const more = (chunk: Buffer) => {
            received += chunk.length;
            if (received < length) return;
            socket.off('data', more);
            refuse();
          };
          return void socket.on('data', more);
        }
        default:
          if (/content-length: [1-9]|transfer-encoding/i.test(text) && !text.endsWith('\r\n\r\n')) {
            // A request with a body: answered once the body is here (the next chunk, or the end of this one).
            socket.once('data', () => socket.write(head('200 OK', 'Content-Length: 2\r\n') + 'ok'));
            return;
          }
          return void socket.write(head('200 OK', 'Content-Length: 2\r\n') + 'ok');
      }
    });
  });
  const running = await listen(server, 'http');
  return { ...running, seen, open };
}

/** Sends raw bytes to `port`; resolves with everything answered once the connection closes (or `waitMs` passed). */
function rawExchange(
  port: number,
  bytes: string | Buffer,
  waitMs = 3000,
): Promise<{ text: string; closed: boolean; socket: Socket }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes));
    let text = '';
    socket.on('data', (data: Buffer) => (text += data.toString('latin1')));
    socket.on('error', () => undefined);
    const timer = setTimeout(() => resolve({ text, closed: false, socket }), waitMs);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closed: true, socket });
    });
  });
}

/** A plain GET through the capture, by Node's client: status and body. */
function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

function waitFor(check: () => boolean, what: string): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (check()) {
        clearInterval(timer);
        resolve();
      }
    }, 20);
  }).then(() => assert.ok(check(), what));
}

// A collection before each reading, so garbage not yet collected does not pass for growth (mocha runs without --expose-gc).
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

function rssMb(): number {
  collect();
  return process.memoryUsage().rss / MB;
}

describe('capture proxy: hostile peers', function () {
  this.timeout(60_000);
  let target: Target;
  const sessions: CaptureSession[] = [];
  const records: CaptureRecord[] = [];

  /** A capture in front of the raw target, with short deadlines; `keep`: its records go to `records`. */
  async function capture(
    options: Partial<CaptureOptions> = {},
    judge?: CaptureJudge,
    keep = true,
  ): Promise<CaptureSession> {
    const session = await startCapture(
      {
        target: target.url,
        targetTimeoutMs: 500,
        clientHeadersTimeoutMs: 500,
        clientRequestTimeoutMs: 1000,
        ...options,
      },
      judge ? { judge } : {},
    );
    if (keep) session.onExchange((record) => records.push(record));
    sessions.push(session);
    return session;
  }

  /** The capture still forwards a plain request after the hostile one. */
  async function stillServes(session: CaptureSession): Promise<void> {
    const { status, body } = await get(`${session.url}/ok`);
    assert.equal(status, 200);
    assert.equal(body.toString(), 'ok');
  }

  before(async () => {
    target = await rawTarget();
  });
  beforeEach(() => {
    target.seen.length = 0;
    records.length = 0;
  });
  afterEach(async () => {
    for (const session of sessions.splice(0)) await session.close({ graceMs: 0 });
  });
  after(async () => {
    await target.close();
  });

  describe('the application side', () => {
    it('answers a bad request line 400 itself and forwards nothing', async () => {
      const session = await capture();
      const { text, closed } = await rawExchange(session.port, 'GARBAGE\r\n\r\n');
      assert.match(text, /^HTTP\/1\.1 400 Bad Request\r\n/);
      assert.ok(closed);
      assert.deepEqual(target.seen, []);
      await stillServes(session);
    });

    it('answers an oversized header block 431 and forwards nothing', async () => {
      const session = await capture();
      const { text } = await rawExchange(
        session.port,
        `GET /ok HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(MB)}\r\n\r\n`,
      );
      assert.match(text, /^HTTP\/1\.1 431 /);
      assert.deepEqual(target.seen, []);
      await stillServes(session);
    });

    it('refuses Content-Length with Transfer-Encoding (smuggling) and forwards nothing', async () => {
      const session = await capture();
      const smuggle =
        'POST /ok HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n';
      const { text } = await rawExchange(session.port, smuggle);
      assert.match(text, /^HTTP\/1\.1 400 Bad Request\r\n/);
      assert.doesNotMatch(text, /200 OK/);
      // Two lengths, and a Transfer-Encoding other than chunked last, the same.
      for (const other of [
        'POST /ok HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd',
        'POST /ok HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
      ])
        assert.match((await rawExchange(session.port, other)).text, /^HTTP\/1\.1 400 /);
      assert.deepEqual(target.seen, []);
    });

    it('forwards a chunked request as Node parsed it: chunked, the same bytes of body', async () => {
      const session = await capture();
      const { text } = await rawExchange(
        session.port,
        'POST /ok HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
        1000,
      );
      assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
      const sent = target.seen.join('');
      assert.match(sent, /\r\nTransfer-Encoding: gzip, chunked\r\n/);
      assert.doesNotMatch(sent, /content-length/i);
      assert.ok(sent.endsWith('\r\n\r\n3\r\nabc\r\n0\r\n\r\n'), JSON.stringify(sent));
    });

    it('forwards pipelined requests one by one and answers them in order', async () => {
      const session = await capture();
      const { text } = await rawExchange(
        session.port,
        'GET /ok?n=1 HTTP/1.1\r\nHost: x\r\n\r\nGET /ok?n=2 HTTP/1.1\r\nHost: x\r\n\r\n',
        1000,
      );
      assert.equal(text.match(/HTTP\/1\.1 200 OK/g)?.length, 2);
      await waitFor(() => records.length === 2, 'two records');
      assert.deepEqual(
        records.map((record) => new URL(record.exchange.request.url).search),
        ['?n=1', '?n=2'],
      );
    });

    it('cuts a slowloris client (headers dribbled) with 408 and forwards nothing', async () => {
      const session = await capture();
      const socket = net.connect(session.port, '127.0.0.1');
      socket.on('error', () => undefined);
      let answer = '';
      socket.on('data', (data: Buffer) => (answer += data.toString('latin1')));
      const closed = new Promise((resolve) => socket.on('close', resolve));
      drip(socket as Socket, `GET /ok HTTP/1.1\r\nHost: x\r\nX-Slow: ${'s'.repeat(10_000)}`, 20);
      await closed;
      assert.match(answer, /^HTTP\/1\.1 408 /);
      assert.deepEqual(target.seen, []);
      await stillServes(session);
    });

    it('holds 1,000 idle connections in bounded memory, serves meanwhile, then closes them', async () => {
      const session = await capture();
      const before = rssMb();
      const sockets: Socket[] = [];
      let closed = 0;
      await Promise.all(
        Array.from(
          { length: 1000 },
          () =>
            new Promise<void>((resolve) => {
              const socket = net.connect(session.port, '127.0.0.1', () => resolve());
              socket.on('error', () => resolve());
              // Flowing, so the capture's FIN is read and the socket closes.
              socket.resume();
              socket.on('close', () => closed++);
              sockets.push(socket);
            }),
        ),
      );
      await stillServes(session);
      const grown = rssMb() - before;
      assert.ok(grown < 64, `RSS grew by ${grown.toFixed(1)} MB for 1,000 idle connections`);
      await waitFor(() => closed === sockets.length, 'idle sockets closed by the capture');
    });

    it('cuts a request body that never ends with 408, and the request to the target with it', async () => {
      const session = await capture({ clientRequestTimeoutMs: 800, targetTimeoutMs: 60_000 });
      const socket = net.connect(session.port, '127.0.0.1');
      socket.on('error', () => undefined);
      let answer = '';
      socket.on('data', (data: Buffer) => (answer += data.toString('latin1')));
      const closed = new Promise((resolve) => socket.on('close', resolve));
      socket.write('POST /silent HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n');
      drip(socket as Socket, 'b'.repeat(10_000), 20);
      await closed;
      assert.match(answer, /^HTTP\/1\.1 408 /);
      await waitFor(() => records.length === 1, 'the exchange recorded');
      assert.equal(records[0]!.exchange.error?.code, 'http.aborted');
      await waitFor(() => target.open.size === 0 || session.stats().inFlight === 0, 'upstream request ended');
      assert.equal(session.stats().inFlight, 0);
    });

    it('passes an Upgrade the target answers 200 without upgrading, then closes', async () => {
      const session = await capture();
      const { text, closed } = await rawExchange(
        session.port,
        'GET /ok HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n',
      );
      assert.ok(closed);
      assert.match(text, /^HTTP\/1\.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok$/);
      await waitFor(() => records.length === 1, 'the handshake recorded');
      assert.equal(records[0]!.exchange.response?.status, 200);
    });

    it('aborts the request to the target when the application leaves mid-answer', async () => {
      const session = await capture();
      const { socket } = await rawExchange(session.port, 'GET /forever HTTP/1.1\r\nHost: x\r\n\r\n', 300);
      assert.ok(target.open.size >= 1);
      socket.destroy();
      await waitFor(() => target.open.size === 0, 'the target connection closed');
      await waitFor(() => records.length === 1, 'the exchange recorded');
      assert.equal(records[0]!.exchange.error?.code, 'http.aborted');
      assert.equal(session.stats().inFlight, 0);
    });
  });

  describe('the target side', () => {
    it('answers 504 itself when the target stays silent, and the line says so', async () => {
      const session = await capture();
      const { status, body } = await get(`${session.url}/silent`);
      assert.equal(status, 504);
      assert.match(body.toString(), /did not answer[\s\S]*sent no answer within 0\.5 s/);
      await waitFor(() => records.length === 1, 'the exchange recorded');
      const [record] = records;
      assert.equal(record!.answeredByProxy, true);
      assert.equal(record!.exchange.error?.code, 'http.timeout.headers');
      assert.match(
        formatExchangeLine(record!, session, styler({}, {})),
        /504 GET \/silent.*answered by the capture proxy: target silent/,
      );
      // Sent once: a silent target is not asked again.
      assert.equal(target.seen.filter((chunk) => chunk.startsWith('GET /silent')).length, 1);
      const upgrade = await rawExchange(
        session.port,
        'GET /upgrade-silent HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n',
      );
      assert.match(upgrade.text, /^HTTP\/1\.1 504 Gateway Timeout\r\n/);
    });

    it('passes a drip-fed body whole', async () => {
      const session = await capture();
      const { status, body } = await get(`${session.url}/drip`);
      assert.equal(status, 200);
      assert.equal(body.toString(), 'x'.repeat(40));
    });

    it('cuts the application when the target resets mid-body, and keeps serving', async () => {
      const session = await capture();
      const { text, closed } = await rawExchange(session.port, 'GET /reset HTTP/1.1\r\nHost: x\r\n\r\n');
      assert.ok(closed);
      assert.match(text, /^HTTP\/1\.1 200 OK\r\nContent-Length: 100\r\n\r\ny{10}$/);
      await waitFor(() => records.length === 1, 'the exchange recorded');
      assert.ok(records[0]!.exchange.error, 'the record names the cut');
      await stillServes(session);
    });

    it('answers 502 for 1 MB of response headers, or a control character in one, without sending the request twice', async () => {
      const session = await capture();
      // A kept-alive connection to the target first: the old retry-on-reuse sent a failed request again.
      await stillServes(session);
      const { status, body } = await get(`${session.url}/big-headers`);
      assert.equal(status, 502);
      assert.match(body.toString(), /sent an answer that cannot be passed on[\s\S]*larger than the capture accepts/);
      assert.equal(target.seen.filter((chunk) => chunk.startsWith('GET /big-headers')).length, 1);
      const broken = await get(`${session.url}/control-header`);
      assert.equal(broken.status, 502);
      assert.match(broken.body.toString(), /is not valid HTTP\/1\.1/);
      assert.equal(target.seen.filter((chunk) => chunk.startsWith('GET /control-header')).length, 1);
      await waitFor(() => records.length === 3, 'the exchanges recorded');
      assert.deepEqual(
        records.slice(1).map((record) => record.exchange.error?.code),
        ['http.headers_too_large', 'http.malformed_response'],
      );
      assert.match(
        formatExchangeLine(records[2]!, session, styler({}, {})),
        /502 GET \/control-header.*target's answer broken/,
      );
      await stillServes(session);
    });

    it('passes a gzip bomb compressed and unchanged, and records it without inflating past the cap', async () => {
      const session = await capture({ maxBodyBytes: MB });
      const before = rssMb();
      const { text } = await rawExchange(session.port, 'GET /bomb HTTP/1.1\r\nHost: x\r\n\r\n', 2000);
      const body = Buffer.from(text.slice(text.indexOf('\r\n\r\n') + 4), 'latin1');
      assert.ok(body.equals(BOMB), `the body changed: ${body.length} bytes for ${BOMB.length}`);
      await waitFor(() => records.length === 1, 'the exchange recorded');
      const recorded = records[0]!.exchange.response!;
      assert.ok(recorded.body.length <= MB, `recorded ${recorded.body.length} characters`);
      assert.match(recorded.body, /gzip-encoded body/);
      const grown = rssMb() - before;
      assert.ok(grown < 48, `RSS grew by ${grown.toFixed(1)} MB for a 64 MB bomb`);
    });

    it('cuts the application on invalid chunking, and keeps serving', async () => {
      const session = await capture();
      const { text, closed } = await rawExchange(session.port, 'GET /bad-chunks HTTP/1.1\r\nHost: x\r\n\r\n');
      // The connection is cut: the application sees at most the head and the valid chunk, never the rest.
      assert.ok(closed);
      assert.doesNotMatch(text, /nope/);
      await waitFor(() => records.length === 1, 'the exchange recorded');
      await stillServes(session);
    });

    it('judges a hostile WWW-Authenticate and prints it escaped', async () => {
      const verdicts: CaptureRecord[] = [];
      const session = await capture({}, createCaptureJudge());
      session.onVerdict((record) => verdicts.push(record));
      const token = jwt('{"sub":"\\u001b]0;owned\\u0007","exp":1}');
      const { status } = await get(`${session.url}/hostile-401`, { Authorization: `Bearer ${token}` });
      assert.equal(status, 401);
      await waitFor(() => verdicts.length === 1, 'the verdict');
      const [record] = verdicts;
      assert.equal(record!.verdict.state, 'done');
      const s = styler({}, {});
      const printed = terminalText(formatExchangeLine(record!, session, s) + formatCaptureVerdict(record!, session, s));
      assert.doesNotMatch(printed, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
      assert.ok(!printed.includes(token), 'the token is printed');
      assert.match(printed, /\\u009b2J/);
    });
  });

  describe('verdicts', () => {
    it('keeps the verdict queue bounded under a flood of distinct tokens, in bounded memory', async () => {
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => (release = resolve));
      const judge: CaptureJudge = { judge: () => held.then(() => undefined) };
      const session = await capture({ maxExchanges: 100, maxPendingVerdicts: 50, verdictConcurrency: 2 }, judge, false);
      let skipped = 0;
      session.onExchange((record) => (skipped += record.verdict.state === 'skipped' ? 1 : 0));
      const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
      const before = rssMb();
      let most = 0;
      const send = (n: number) =>
        new Promise<void>((resolve, reject) => {
          const token = jwt(`{"sub":"user-${n}","pad":"${'p'.repeat(2000)}"}`);
          http
            .get(`${session.url}/refuse`, { agent, headers: { Authorization: `Bearer ${token}` } }, (res) => {
              res.resume();
              res.on('end', () => {
                most = Math.max(most, session.stats().pendingVerdicts);
                resolve();
              });
            })
            .on('error', reject);
        });
      for (let batch = 0; batch < 20; batch++) {
        await Promise.all(Array.from({ length: 100 }, (_, i) => send(batch * 100 + i)));
        // The test's target keeps what it saw: emptied, so only the capture's memory is measured.
        target.seen.length = 0;
      }
      agent.destroy();
      assert.ok(most <= 52, `${most} verdicts pending at once`);
      assert.equal(session.records().length, 100);
      assert.ok(skipped >= 1900, `${skipped} verdicts skipped`);
      const grown = rssMb() - before;
      assert.ok(grown < 48, `RSS grew by ${grown.toFixed(1)} MB for 2,000 distinct tokens`);
      release();
    });

    it('reads a 1 MB JWT in a form body and one nested 10,000 deep without failing the capture', async () => {
      const verdicts: CaptureRecord[] = [];
      const session = await capture(
        {
          gateway: { kind: 'kong', config: { bearer_token_param_type: ['body'] } as KongOidcConfig },
          maxBodyBytes: 2 * MB,
        },
        createCaptureJudge(),
      );
      session.onVerdict((record) => verdicts.push(record));
      const big = jwt(`{"sub":"big","pad":"${'p'.repeat(MB)}"}`);
      const deep = jwt(`{"sub":"deep","x":${'['.repeat(10_000)}${']'.repeat(10_000)}}`);
      for (const token of [big, deep]) {
        const body = `access_token=${token}`;
        const answer = await new Promise<number>((resolve, reject) => {
          const req = http.request(
            `${session.url}/refuse`,
            { method: 'POST', agent: false, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } },
            (res) => {
              res.resume();
              res.on('end', () => resolve(res.statusCode ?? 0));
            },
          );
          req.on('error', reject);
          req.end(body);
        });
        assert.equal(answer, 401);
      }
      await waitFor(() => verdicts.length === 2, 'two verdicts');
      verdicts.sort((a, b) => a.seq - b.seq);
      assert.deepEqual(
        verdicts.map((record) => [record.token?.kind, record.token?.subject]),
        // A JWT nested too deep is listed as a token, not decoded.
        [
          ['jwt', 'big'],
          ['opaque', undefined],
        ],
      );
      for (const record of verdicts) {
        assert.equal(record.verdict.state, 'done');
        const s = styler({}, {});
        const printed = formatExchangeLine(record, session, s) + formatCaptureVerdict(record, session, s);
        assert.ok(!printed.includes(big.slice(0, 200)) && !printed.includes(deep.slice(0, 200)), 'a token is printed');
      }
      await stillServes(session);
    });
  });
});
