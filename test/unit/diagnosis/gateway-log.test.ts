import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  linesForRequest,
  logEvidence,
  parseGatewayLog,
  readGatewayLogFor,
  requestWindowOf,
} from '../../../src/core/diagnosis/gateway-log';
import type { LogFileReader } from '../../../src/core/diagnosis/gateway-log';
import { OidcError } from '../../../src/core/errors';
import { redactLogText } from '../../../src/core/http/redact-log';
import { tokenExchange } from '../../support/exchange-fixture';
import { manualTime } from '../../support/manual-time';
import { rejection } from '../../support/rejection';

/**
 * The gateway's error log as evidence: lines that real gateways wrote
 * (test/fixtures/gateway-logs/SOURCES.md says how) are parsed, joined to
 * the one request they are about, masked, and read for what they signal.
 */
const fixture = (name: string) => readFileSync(join(__dirname, '..', '..', 'fixtures', 'gateway-logs', name), 'utf8');
const at = (time: string) => Date.parse(`2026-12-04T${time}Z`);

describe('gateway log: Apache mod_auth_openidc (lines written by the real module)', () => {
  const debug = parseGatewayLog(fixture('mod_auth_openidc-2.4.12-debug.log'), { utcOffsetMinutes: 0 });

  it('parses every line: time to the microsecond, level, module, client and the request path', () => {
    assert.equal(debug.length, 36);
    assert.ok(debug.every((line) => line.format === 'apache' && line.at !== undefined));
    const first = debug.find((line) => line.starts)!;
    assert.equal(first.at, at('20:31:16.244'));
    assert.equal(first.level, 'debug');
    assert.equal(first.module, 'auth_openidc');
    assert.equal(first.client, '127.0.0.1:58074');
    assert.equal(first.path, '/orders');
  });

  it('reads the clock the log was written in: local time shifted by the given offset', () => {
    const [line] = parseGatewayLog(
      '[Fri Dec 04 21:31:16.000001 2026] [auth_openidc:error] [pid 1:tid 2] [client 10.0.0.1:5] x',
      { utcOffsetMinutes: 60 },
    );
    assert.equal(line!.at, at('20:31:16.000'));
  });

  const cases: Array<[name: string, start: string, port: number, signal: string]> = [
    ["the gateway's own client secret is refused by the IdP", '20:31:16.322', 54166, 'introspection_client_refused'],
    ["the gateway does not trust the IdP's certificate", '20:31:16.335', 58528, 'introspection_tls_failed'],
    ['the IdP told the gateway the token is inactive (revoked)', '20:31:16.348', 58074, 'introspection_inactive'],
    ['no token in the request', '20:31:16.301', 58080, 'no_token'],
  ];
  for (const [name, start, port, signal] of cases) {
    it(`joins the lines of one request by its connection and time: ${name}`, () => {
      const lines = linesForRequest(debug, { startedAt: at(start), durationMs: 15, clientPort: port, path: '/orders' });
      assert.ok(lines.length > 0);
      assert.ok(lines.every((line) => line.client?.endsWith(`:${port}`)));
      const signals = logEvidence(lines).map((e) => e.signal);
      assert.ok(signals.includes(signal as never), `${signal} not in ${JSON.stringify(signals)}`);
    });
  }

  it('on a kept-alive connection, keeps only the run of lines of this request', () => {
    // Port 58074 carried three requests: the live token (200), "abc" and the revoked token.
    const garbage = linesForRequest(debug, { startedAt: at('20:31:16.303'), durationMs: 17, clientPort: 58074 });
    assert.match(garbage.map((l) => l.message).join('\n'), /bearer token: abc/);
    assert.ok(garbage.every((l) => l.at! >= at('20:31:16.303') && l.at! < at('20:31:16.348')));
    const live = linesForRequest(debug, { startedAt: at('20:31:16.244'), durationMs: 50, clientPort: 58074 });
    // Only the live request's own mark, none of the later requests' refusals.
    assert.deepEqual(
      logEvidence(live).map((e) => e.signal),
      ['token_accepted'],
    );
  });

  it('on a kept-alive connection without start marks (info level), leaves out the lines older than the request', () => {
    const line = (time: string, text: string) =>
      `[Fri Dec 04 ${time} 2026] [auth_openidc:error] [pid 1:tid 2] [client 127.0.0.1:50580] ${text}`;
    const info = parseGatewayLog(
      [line('20:31:09.300000', 'the request before: "invalid_client"'), line('20:31:09.350000', 'this one')].join('\n'),
      { utcOffsetMinutes: 0 },
    );
    const lines = linesForRequest(info, { startedAt: at('20:31:09.349'), durationMs: 5, clientPort: 50580 });
    assert.deepEqual(
      lines.map((l) => l.message),
      ['this one'],
    );
    // A gateway whose clock runs behind wrote every line "before" the request: the slack still finds them.
    const behind = linesForRequest(info, { startedAt: at('20:31:09.900'), durationMs: 5, clientPort: 50580 });
    assert.equal(behind.length, 2);
  });

  it("back to back on one connection: the previous call's last lines in this call's start millisecond stay out", () => {
    // Seen against real Apache: 8 of 40 back-to-back calls started in the millisecond of the previous
    // call's last log line (both clocks read milliseconds).
    const line = (time: string, text: string) =>
      `[Fri Dec 04 ${time} 2026] [auth_openidc:error] [pid 1:tid 2] [client 127.0.0.1:50580] ${text}`;
    const info = parseGatewayLog(
      [line('20:31:09.349200', 'the request before'), line('20:31:09.353100', 'this one')].join('\n'),
      { utcOffsetMinutes: 0 },
    );
    const lines = linesForRequest(info, { startedAt: at('20:31:09.349'), durationMs: 6, clientPort: 50580 });
    assert.deepEqual(
      lines.map((l) => l.message),
      ['this one'],
    );
  });

  it('without the port, the path and the time still narrow it down', () => {
    const lines = linesForRequest(debug, {
      startedAt: at('20:31:16.322'),
      durationMs: 10,
      path: '/orders',
      slackMs: 5,
    });
    assert.ok(logEvidence(lines).some((e) => e.signal === 'introspection_client_refused'));
  });

  it('never shows a token: bearer tokens in debug lines are masked, even truncated ones', () => {
    const all = logEvidence(
      debug.filter((line) => /bearer token: eyJ/.test(line.message)).map((line) => ({ ...line, level: 'error' })),
    );
    assert.equal(all.length, 4);
    for (const evidence of all) {
      assert.doesNotMatch(evidence.text, /eyJ/);
      assert.match(evidence.text, /bearer token: \[redacted \d+ chars\]/);
    }
  });

  it('at info level, the errors are there without debug: client refused and TLS', () => {
    const info = parseGatewayLog(fixture('mod_auth_openidc-2.4.12-info.log'), { utcOffsetMinutes: 0 });
    const evidence = logEvidence(info);
    assert.ok(evidence.some((e) => e.signal === 'introspection_client_refused' && /invalid_client/.test(e.text)));
    assert.ok(evidence.some((e) => e.signal === 'introspection_tls_failed' && /self-signed certificate/.test(e.text)));
    // The start-up lines (info and notice) are not evidence about a request; the deprecation warning is a warning.
    assert.ok(!evidence.some((e) => /resuming normal operations|init -/.test(e.text)));
  });
});

describe("gateway log: Kong (nginx lines as Kong's source writes them) and anything else", () => {
  // Kong's own lines cannot be captured here (Kong does not run on these machines); these follow the
  // formats and message texts read from Kong's source, cited in docs/reference/kong-error-log.md.
  const id = '0123456789abcdef0123456789abcdef';
  const other = 'fedcba9876543210fedcba9876543210';
  const trailer = (path: string, rid: string) =>
    `, client: 127.0.0.1, server: kong, request: "GET ${path}?x=1 HTTP/1.1", host: "localhost:8000", request_id: "${rid}"`;
  const kong = [
    `2026/12/04 20:30:01 [notice] 1234#0: *56 [lua] cache.lua:1223: [openid-connect] introspecting access token with identity provider${trailer('/orders', id)}`,
    `2026/12/04 20:30:01 [notice] 1234#0: *56 [lua] responses.lua:30: [openid-connect] inactive token${trailer('/orders', id)}`,
    `2026/12/04 20:30:01 [notice] 1234#0: *57 [lua] responses.lua:30: [openid-connect] invalid exp claim (1699657727) was specified for access token${trailer('/orders', other)}`,
    `2026/12/04 20:30:01 [error] 1234#0: *58 [kong] init.lua:413 [jwt] handler.lua:202: failed to get from node cache: boom, client: 127.0.0.2, server: kong, request: "GET /other HTTP/1.1", host: "localhost:8000"`,
    'a line in no format we know',
  ].join('\n');
  const parsed = parseGatewayLog(kong, { utcOffsetMinutes: 0 });

  it("parses Kong's lines: level, the plugin, client, path, request id and the message alone", () => {
    const [, refusal, , pdk, plain] = parsed;
    assert.deepEqual(
      {
        at: refusal!.at,
        level: refusal!.level,
        module: refusal!.module,
        client: refusal!.client,
        path: refusal!.path,
        requestId: refusal!.requestId,
        message: refusal!.message,
      },
      {
        at: at('20:30:01.000'),
        level: 'notice',
        module: 'openid-connect',
        client: '127.0.0.1',
        path: '/orders',
        requestId: id,
        message: 'inactive token',
      },
    );
    assert.equal(pdk!.module, 'jwt');
    assert.equal(pdk!.message, 'handler.lua:202: failed to get from node cache: boom');
    assert.deepEqual(plain, { message: 'a line in no format we know', format: 'plain' });
  });

  it("joins by Kong's request id (X-Kong-Request-Id): another request on the same path and second is left out", () => {
    const lines = linesForRequest(parsed, {
      startedAt: at('20:30:01.400'),
      durationMs: 20,
      path: '/orders',
      requestId: id,
    });
    assert.deepEqual(
      lines.map((l) => l.message),
      ['introspecting access token with identity provider', 'inactive token'],
    );
    assert.deepEqual(
      logEvidence(lines).map((e) => e.signal),
      [undefined, 'introspection_inactive'],
    );
    const expired = linesForRequest(parsed, { startedAt: at('20:30:01.400'), durationMs: 20, requestId: other });
    assert.deepEqual(
      logEvidence(expired).map((e) => e.signal),
      ['token_expired'],
    );
  });

  it('without the id, joins by path and time', () => {
    const lines = linesForRequest(parsed, { startedAt: at('20:30:01.400'), durationMs: 20, path: '/other' });
    assert.deepEqual(
      lines.map((l) => l.module),
      ['jwt'],
    );
  });

  it("names what Kong's refusal texts mean", () => {
    const say = (message: string) =>
      logEvidence(
        parseGatewayLog(
          `2026/12/04 20:30:01 [notice] 1#0: *1 [lua] responses.lua:30: [openid-connect] ${message}${trailer('/o', id)}`,
        ),
      )[0]?.signal;
    assert.equal(
      say('invalid status code received from the introspection endpoint (401)'),
      'introspection_client_refused',
    );
    assert.equal(
      say('invalid issuer (https://a/) was specified for access token, [ "https://b" ] was expected'),
      'issuer_not_allowed',
    );
    assert.equal(say('suitable jwk was not found (RS256/k1)'), 'unknown_signing_key');
    assert.equal(say('required scopes are missing. Found: [ a ]'), 'required_claims_missing');
    assert.equal(say("forbidden claim 'admin' found in access token"), 'claim_forbidden');
    assert.equal(say('kong consumer was not found'), 'consumer_not_found');
    assert.equal(say('no suitable authorization credentials were provided'), 'no_token');
    assert.equal(say('jwt bearer token is not active anymore or has been revoked'), 'introspection_inactive');
  });

  it('keeps only the tail of a huge log, one pass, and never throws on junk', () => {
    const junk = `${'['.repeat(50_000)}\n${'2026/'.repeat(20_000)}\n\u0000\u001b[2J\n`;
    const lines = parseGatewayLog(junk.repeat(5), { maxLines: 3 });
    assert.equal(lines.length, 3);
    assert.ok(lines.every((line) => line.format === 'plain' && line.message.length <= 4001));
  });

  it('masks the secrets the run knows and token-shaped values', () => {
    assert.equal(redactLogText('secret s3cr3t-value sent', ['s3cr3t-value']), 'secret [redacted 12 chars] sent');
    assert.equal(redactLogText('data=token=opaque-token-1234&x=1'), 'data=token=[redacted 17 chars]&x=1');
  });
});

describe('gateway log: reading the tail for one request (readGatewayLogFor)', () => {
  const start = at('20:31:16.300');
  const line = (port: number, text: string) =>
    `[Fri Dec 04 20:31:16.310000 2026] [auth_openidc:error] [pid 1:tid 2] [client 127.0.0.1:${port}] ${text}`;
  /** A file that grows by one chunk each time its size is asked for, as a buffering gateway writes it. */
  function growingFile(chunks: string[]): LogFileReader & { reads: number } {
    let text = '';
    const file = {
      reads: 0,
      async size() {
        if (chunks.length > 0) text += chunks.shift();
        return Buffer.byteLength(text);
      },
      async tail(_path: string, maxBytes: number) {
        file.reads += 1;
        return text.slice(-maxBytes);
      },
    };
    return file;
  }
  const request = { startedAt: start, durationMs: 20, clientPort: 5001, path: '/orders' };

  it('waits for lines the gateway writes after the answer arrived, then joins only this connection', async () => {
    const time = manualTime(start + 20);
    const read = growingFile([
      line(5002, 'other request'),
      `\n${line(5001, 'token=s3cr3t-opaque-token invalid_client')}\n`,
    ]);
    const found = await readGatewayLogFor('/var/log/gw.log', request, {
      read,
      ...time,
      utcOffsetMinutes: 0,
      secrets: ['s3cr3t-opaque-token'],
    });
    assert.deepEqual(
      found.lines.map((l) => l.client),
      ['127.0.0.1:5001'],
    );
    assert.equal(found.evidence.length, 1);
    assert.doesNotMatch(found.evidence[0]!.text, /s3cr3t/);
    assert.ok(time.slept.reduce((a, b) => a + b, 0) <= 300);
  });

  it('gives up after the bounded wait with no lines: [] (the log was read, nothing about this request)', async () => {
    const time = manualTime(start + 20);
    const found = await readGatewayLogFor('/gw.log', request, {
      read: growingFile([line(5001, 'a minute later').replace('20:31:16', '20:32:16')]),
      ...time,
      utcOffsetMinutes: 0,
    });
    assert.deepEqual(found.evidence, []);
    assert.equal(
      time.slept.reduce((a, b) => a + b, 0),
      300,
    );
  });

  it('a file that cannot be read is a configuration error naming it and where it was given', async () => {
    const error = await rejection(
      readGatewayLogFor('/nope/error.log', request, { where: '--gateway-log', waitMs: 0 }),
      OidcError,
    );
    assert.equal(error.code, 'config.gateway_log_unreadable');
    assert.match(error.message, /\/nope\/error\.log \(--gateway-log\): ENOENT/);
  });

  it("takes from an exchange its time, path, client port and Kong's request id", () => {
    const exchange = tokenExchange({
      connection: { localAddress: '127.0.0.1', localPort: 40123, remoteAddress: '127.0.0.1', remotePort: 8000 },
    });
    exchange.response!.headers.push(['X-Kong-Request-Id', 'abc123abc123']);
    assert.deepEqual(requestWindowOf(exchange), {
      startedAt: exchange.startedAt,
      durationMs: 50,
      path: '/oauth2/default/v1/token',
      clientPort: 40123,
      requestId: 'abc123abc123',
    });
  });
});
