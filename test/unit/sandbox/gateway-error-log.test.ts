/**
 * The sandbox gateway writes its decisions as Kong's error log does
 * (docs/reference/kong-error-log.md), and the diagnosis reads them back
 * with the parser it uses on a real Kong's log.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { linesForRequest, logEvidence, parseGatewayLog } from '../../../src/core/diagnosis/gateway-log';
import { formatKongLogLine, nginxTime, OIDC_LOG } from '../../../src/core/sandbox/kong-error-log';
import { startSandboxGateway } from '../../../src/core/sandbox/gateway';
import { gatewayHarness, JWT, NOW } from './gateway-harness';

// The harness writes the log at UTC+01:00; NOW is 12:00:00 UTC.
const LOCAL = '2026/11/28 13:00:00';

describe('sandbox gateway error log (Kong format)', () => {
  const h = gatewayHarness();

  it('nginx time is local time without a zone', () => {
    assert.equal(nginxTime(NOW, 60), LOCAL);
    assert.equal(nginxTime(NOW + 59_999, -330), '2026/11/28 06:30:59');
  });

  it('formats a line as nginx + lua-nginx-module + lua-kong-nginx-module write it', () => {
    const line = formatKongLogLine(
      { level: 'notice', prefix: OIDC_LOG.refusal, message: 'inactive token' },
      {
        connection: 7,
        client: '127.0.0.1',
        method: 'GET',
        uri: '/orders?a=1',
        httpVersion: '1.1',
        host: 'localhost:8000',
        requestId: 'cd7706e903db672ac5fac333bc8db5ed',
      },
      { at: NOW, pid: 1234, utcOffsetMinutes: 60 },
    );
    assert.equal(
      line,
      `${LOCAL} [notice] 1234#0: *7 [lua] responses.lua:30: [openid-connect] inactive token, client: 127.0.0.1, ` +
        'server: kong, request: "GET /orders?a=1 HTTP/1.1", host: "localhost:8000", request_id: "cd7706e903db672ac5fac333bc8db5ed"',
    );
  });

  it('one notice per refusal, stamped with the X-Kong-Request-Id of the answer', async () => {
    await h.start({ auth_methods: ['introspection'], cache_introspection: false });
    const res = await h.call('/orders?page=2', { authorization: 'Bearer dead' });
    const id = res.headers['x-kong-request-id']!;
    const port = new URL(h.gateway.url).port;
    assert.deepEqual(h.log, [
      `${LOCAL} [notice] ${process.pid}#0: *1 [lua] cache.lua:1223: [openid-connect] introspecting access token with identity provider, ` +
        `client: 127.0.0.1, server: kong, request: "GET /orders?page=2 HTTP/1.1", host: "127.0.0.1:${port}", request_id: "${id}"`,
      `${LOCAL} [notice] ${process.pid}#0: *1 [lua] responses.lua:30: [openid-connect] inactive token, ` +
        `client: 127.0.0.1, server: kong, request: "GET /orders?page=2 HTTP/1.1", host: "127.0.0.1:${port}", request_id: "${id}"`,
    ]);
  });

  it('parses with parseGatewayLog; linesForRequest picks a request by id; logEvidence names the signals', async () => {
    h.idp.failure = {
      ok: false,
      code: 'jwt.claims',
      reason: 'invalid exp claim (1699657727) was specified for access token',
    };
    await h.start({
      auth_methods: ['bearer', 'introspection'],
      scopes_claim: ['scp'],
      scopes_required: ['orders:write'],
    });
    const expired = await h.call('/orders', { authorization: 'Bearer a.b.c' });
    const scope = await h.call('/orders', { authorization: `Bearer ${JWT}` });
    h.gateway.configure(h.deck({ auth_methods: ['bearer'] }));
    const jwtExpired = await h.call('/orders', { authorization: 'Bearer a.b.c' });
    h.gateway.configure(h.deck({ auth_methods: ['bearer'], consumer_claim: ['cid'] }));
    const consumer = await h.call('/orders', { authorization: `Bearer ${JWT}` });
    h.gateway.configure(h.deck({ auth_methods: ['bearer'] }));
    const none = await h.call('/orders');

    const lines = parseGatewayLog(h.log.join('\n'), { utcOffsetMinutes: 60 });
    assert.ok(lines.every((l) => l.format === 'nginx' && l.module === 'openid-connect' && l.at === NOW));
    const signals = (res: { headers: Record<string, string> }) =>
      logEvidence(
        linesForRequest(lines, { startedAt: NOW, durationMs: 0, requestId: res.headers['x-kong-request-id'] }),
      ).map((e) => e.signal);
    // Inactive after the JWT failed: the log names the introspection, as Kong's does.
    assert.deepEqual(signals(expired), [undefined, 'introspection_inactive']);
    assert.deepEqual(signals(scope), ['required_claims_missing']);
    assert.deepEqual(signals(jwtExpired), ['token_expired']);
    // Loading by custom_id, then username (consumer_by's default; id only for a uuid), then the refusal.
    assert.deepEqual(signals(consumer), [undefined, undefined, undefined, undefined, 'consumer_not_found']);
    assert.deepEqual(signals(none), ['no_token']);
    const scopeLine = linesForRequest(lines, {
      startedAt: NOW,
      durationMs: 0,
      requestId: scope.headers['x-kong-request-id'],
    });
    assert.equal(scopeLine[0]!.message, 'required scopes are missing. Found: [ orders:read ]');
    assert.equal(scopeLine[0]!.level, 'notice');
    assert.equal(scopeLine[0]!.path, '/orders');
  });

  it("consumer lookups write Kong's notices once, then come from the cache", async () => {
    await h.start({ auth_methods: ['bearer'], consumer_claim: ['cid'], consumer_by: ['username'] });
    await h.call('/orders', { authorization: `Bearer ${JWT}` });
    await h.call('/orders', { authorization: `Bearer ${JWT}` });
    const messages = parseGatewayLog(h.log.join('\n')).map((l) => l.message);
    assert.deepEqual(messages, [
      'loading consumer by username using cc-basic',
      'failed to load consumer by username',
      'kong consumer was not found',
      'kong consumer was not found',
    ]);
  });

  it('a 500 is an [error] line from unexpected.lua:21', async () => {
    await h.start({ auth_methods: ['introspection'], anonymous: 'nobody' });
    await h.call('/orders', { authorization: 'Bearer dead' });
    assert.match(
      h.log.at(-1)!,
      / \[error\] \d+#0: \*1 \[lua\] unexpected\.lua:21: \[openid-connect\] anonymous consumer was not found, /,
    );
  });

  it('writes to errorLogPath', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kong-log-'));
    try {
      const path = join(dir, 'error.log');
      const gateway = await startSandboxGateway({
        deck: h.deck({ auth_methods: ['bearer'] }),
        checks: h.idp,
        clock: h.clock,
        errorLogPath: path,
      });
      try {
        const res = await fetch(`${gateway.url}/orders`);
        const id = res.headers.get('x-kong-request-id')!;
        const text = readFileSync(path, 'utf8');
        assert.match(text, /\[notice\] .* no suitable authorization credentials were provided, client: /);
        assert.ok(text.endsWith(`request_id: "${id}"\n`));
      } finally {
        await gateway.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses an unwritable errorLogPath with a sandbox code', async () => {
    await assert.rejects(
      startSandboxGateway({ deck: h.deck({}), checks: h.idp, errorLogPath: '/nonexistent-dir/x/error.log' }),
      (e: { code?: string }) => e.code === 'sandbox.gateway.log_unwritable',
    );
  });
});
