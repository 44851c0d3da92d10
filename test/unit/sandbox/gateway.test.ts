import { strict as assert } from 'node:assert';
import { diagnose } from '../../../src/core/diagnosis/diagnose';
import { gatewayHarness, JWT, NOW } from './gateway-harness';

describe('sandbox gateway (Kong openid-connect behaviour)', () => {
  const h = gatewayHarness();
  const start = h.start;
  const call = h.call;
  const deck = (_upstream: string, ...rest: Parameters<typeof h.deck>) => h.deck(...rest);

  // Kong's UnauthorizedError defaults error_code to invalid_token even without a token
  // (error_codes.lua:170-177), and the realm is the issuer's host, else "kong" (responses.lua:95-108).
  it('answers 401 invalid_token, realm the issuer host, when no token is sent and authorization_code is off', async () => {
    await start({ auth_methods: ['introspection'] });
    const res = await call('/orders');
    assert.equal(res.status, 401);
    assert.equal(res.headers['www-authenticate'], 'Bearer realm="idp.example.com", error="invalid_token"');
    assert.deepEqual(JSON.parse(res.text), { message: 'Unauthorized' });
  });

  it('introspects an opaque token, proxies with the token and claim headers', async () => {
    h.idp.active.set('opaque-1', { client_id: 'cc-basic', scope: 'orders:read', exp: NOW / 1000 + 600 });
    await start({
      auth_methods: ['introspection'],
      cache_introspection: false,
      upstream_headers_claims: ['client_id'],
      upstream_headers_names: ['x-client-id'],
    });
    const res = await call('/orders/42', { authorization: 'Bearer opaque-1' });
    assert.equal(res.status, 200);
    const echoed = JSON.parse(res.text);
    assert.equal(echoed.path, '/42');
    assert.equal(echoed.headers.authorization, 'Bearer opaque-1');
    assert.equal(echoed.headers['x-client-id'], 'cc-basic');
    assert.ok(res.headers['x-kong-upstream-latency'] !== undefined);
    assert.equal(h.events[0]!.introspection, 'called');
  });

  it('refuses an inactive token with invalid_token, and diagnose agrees', async () => {
    await start({ auth_methods: ['introspection'], cache_introspection: false });
    const res = await call('/orders', { authorization: 'Bearer dead' });
    assert.equal(res.status, 401);
    assert.equal(res.headers['www-authenticate'], 'Bearer realm="idp.example.com", error="invalid_token"');
    const verdict = diagnose({
      now: NOW,
      gateway: { status: res.status, headers: res.headers, body: res.text },
      request: { tokenLocation: 'header', authorizationScheme: 'Bearer' },
      token: { kind: 'opaque' },
      introspection: { active: false },
      kongConfig: { auth_methods: ['introspection'] },
    });
    assert.equal(verdict.code, 'token_inactive');
  });

  it('keeps accepting a revoked token while the introspection cache entry lives', async () => {
    h.idp.active.set('opaque-2', { exp: NOW / 1000 + 3600 });
    await start({ auth_methods: ['introspection'], cache_introspection: true, cache_ttl_max: 60 });
    assert.equal((await call('/orders', { authorization: 'Bearer opaque-2' })).status, 200);
    h.idp.active.delete('opaque-2');
    h.clock.advance(59_000);
    const cached = await call('/orders', { authorization: 'Bearer opaque-2' });
    assert.equal(cached.status, 200);
    assert.equal(h.events[1]!.introspection, 'cached');
    assert.equal(h.idp.introspections, 1);
    h.clock.advance(2_000);
    assert.equal((await call('/orders', { authorization: 'Bearer opaque-2' })).status, 401);
    assert.equal(h.idp.introspections, 2);
  });

  it('accepts a JWT locally without introspection unless introspect_jwt_tokens is on', async () => {
    await start({ auth_methods: ['bearer', 'introspection'] });
    assert.equal((await call('/orders', { authorization: `Bearer ${JWT}` })).status, 200);
    assert.equal(h.idp.introspections, 0);
    h.gateway.configure(
      deck(h.upstream.url, {
        auth_methods: ['bearer', 'introspection'],
        introspect_jwt_tokens: true,
        cache_introspection: false,
      }),
    );
    assert.equal((await call('/orders', { authorization: `Bearer ${JWT}` })).status, 401);
    assert.equal(h.idp.introspections, 1);
  });

  // handler.lua:1131 "invalid jwt token"; responses.lua:44-46 puts it in the message only.
  it('refuses a JWT that fails verification, with the reason in the message only under display_errors', async () => {
    await start({ auth_methods: ['bearer'], display_errors: true });
    const res = await call('/orders', { authorization: 'Bearer a.b.c' });
    assert.equal(res.status, 401);
    assert.equal(res.headers['www-authenticate'], 'Bearer realm="idp.example.com", error="invalid_token"');
    assert.equal(res.text, '{"message":"Unauthorized (invalid jwt token)"}');
  });

  it('answers 403 insufficient_scope for a missing scope, reading scp when told to', async () => {
    await start({ auth_methods: ['bearer'], scopes_claim: ['scp'], scopes_required: ['orders:write'] });
    const res = await call('/orders', { authorization: `Bearer ${JWT}` });
    assert.equal(res.status, 403);
    assert.match(res.headers['www-authenticate']!, /error="insufficient_scope"/);
    h.gateway.configure(
      deck(h.upstream.url, {
        auth_methods: ['bearer'],
        scopes_claim: ['scp'],
        scopes_required: ['orders:write', 'orders:read'],
      }),
    );
    assert.equal((await call('/orders', { authorization: `Bearer ${JWT}` })).status, 200, 'separate entries are OR');
  });

  it('answers 403 when no consumer matches, 200 when one does', async () => {
    await start({ auth_methods: ['bearer'], consumer_claim: ['cid'], display_errors: true });
    const res = await call('/orders', { authorization: `Bearer ${JWT}` });
    assert.equal(res.status, 403);
    assert.match(res.text, /kong consumer was not found/);
    h.gateway.configure(
      deck(h.upstream.url, { auth_methods: ['bearer'], consumer_claim: ['cid'] }, [{ username: 'cc-basic' }]),
    );
    assert.equal((await call('/orders', { authorization: `Bearer ${JWT}` })).status, 200);
  });

  it('ignores a token in the query string when only the header is read', async () => {
    h.idp.active.set('opaque-3', {});
    await start({ auth_methods: ['introspection'], bearer_token_param_type: ['header'], cache_introspection: false });
    assert.equal((await call('/orders?access_token=opaque-3')).status, 401);
    h.gateway.configure(
      deck(h.upstream.url, {
        auth_methods: ['introspection'],
        bearer_token_param_type: ['query'],
        cache_introspection: false,
      }),
    );
    assert.equal((await call('/orders?access_token=opaque-3')).status, 200);
  });

  it('answers 404 for a path no route matches', async () => {
    await start({});
    assert.equal((await call('/nothing')).status, 404);
  });
});
