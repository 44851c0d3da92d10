/**
 * The sandbox gateway answers byte for byte as Kong's openid-connect plugin
 * does, case by case. Each test names the source it follows: files under
 * plugins-ee/openid-connect/kong/plugins/openid-connect/ and
 * kong/openid-connect/ at Kong/kong@4df4c98e1b266829e1ff6f46b8ccfe87443ed482.
 */
import { strict as assert } from 'node:assert';
import { expiryAndCacheTtl } from '../../../src/core/sandbox/kong-openid-connect';
import { kongIssuerError, kongTimeClaimError } from '../../../src/core/sandbox/kong-jwt-reasons';
import { KONG_SERVER_TOKENS } from '../../../src/core/sandbox/gateway';
import { deck, gatewayHarness, ISSUER, JWT, jwtClaims, NOW } from './gateway-harness';

const ANON_ID = '5f1c3b4e-8a2d-4e6f-9b0a-1c2d3e4f5a6b';

describe('sandbox gateway answers as Kong openid-connect does', () => {
  const h = gatewayHarness();

  describe('refusals (responses.lua, error_codes.lua)', () => {
    it('401: body {"message":"Unauthorized"}, realm the issuer host, error="invalid_token", Kong headers', async () => {
      await h.start({ auth_methods: ['bearer'] });
      const res = await h.call('/orders', { authorization: 'Bearer a.b.c' });
      assert.equal(res.status, 401);
      assert.equal(res.text, '{"message":"Unauthorized"}');
      assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
      assert.equal(res.headers['www-authenticate'], 'Bearer realm="idp.example.com", error="invalid_token"');
      assert.match(res.headers['x-kong-response-latency']!, /^\d+$/);
      assert.match(res.headers['x-kong-request-id']!, /^[0-9a-f]{32}$/);
      assert.equal(res.headers['x-kong-upstream-latency'], undefined);
    });

    it('realm is "kong" when the plugin knows no issuer', async () => {
      h.idp.meta = {};
      await h.start({ auth_methods: ['bearer'] });
      const res = await h.call('/orders', { authorization: 'Bearer a.b.c' });
      assert.equal(res.headers['www-authenticate'], 'Bearer realm="kong", error="invalid_token"');
    });

    it('403: {"message":"Forbidden"} with error="insufficient_scope"; display_errors appends the reason', async () => {
      await h.start({ auth_methods: ['bearer'], scopes_claim: ['scp'], scopes_required: ['orders:write'] });
      const plain = await h.call('/orders', { authorization: `Bearer ${JWT}` });
      assert.equal(plain.status, 403);
      assert.equal(plain.text, '{"message":"Forbidden"}');
      assert.equal(plain.headers['www-authenticate'], 'Bearer realm="idp.example.com", error="insufficient_scope"');
      h.gateway.configure(
        h.deck({
          auth_methods: ['bearer'],
          scopes_claim: ['scp'],
          scopes_required: ['orders:write'],
          display_errors: true,
        }),
      );
      const shown = await h.call('/orders', { authorization: `Bearer ${JWT}` });
      assert.equal(shown.text, '{"message":"Forbidden (required scopes are missing. Found: [ orders:read ])"}');
      assert.equal(shown.headers['www-authenticate'], 'Bearer realm="idp.example.com", error="insufficient_scope"');
    });

    it('configurable messages, and no error code when expose_error_code is off', async () => {
      await h.start({
        auth_methods: ['introspection'],
        unauthorized_error_message: 'Go away',
        expose_error_code: false,
      });
      const res = await h.call('/orders', { authorization: 'Bearer opaque' });
      assert.equal(res.text, '{"message":"Go away"}');
      assert.equal(res.headers['www-authenticate'], 'Bearer realm="idp.example.com"');
    });

    it('"kong consumer was not found" is a 403 insufficient_scope like a missing scope (handler.lua:1998-2003)', async () => {
      await h.start({ auth_methods: ['bearer'], consumer_claim: ['cid'], display_errors: true });
      const res = await h.call('/orders', { authorization: `Bearer ${JWT}` });
      assert.equal(res.status, 403);
      assert.equal(res.text, '{"message":"Forbidden (kong consumer was not found)"}');
      assert.equal(res.headers['www-authenticate'], 'Bearer realm="idp.example.com", error="insufficient_scope"');
    });

    it('a claim the consumer mapping cannot find is appended to the reason (consumers.lua find_consumer)', async () => {
      await h.start({ auth_methods: ['bearer'], consumer_claim: ['uid'], display_errors: true });
      const res = await h.call('/orders', { authorization: `Bearer ${JWT}` });
      assert.equal(
        res.text,
        '{"message":"Forbidden (kong consumer was not found (claim (uid) was not found for consumer mapping))"}',
      );
    });

    it('an active but expired token: error_description="The access token expired" (handler.lua:1587-1592)', async () => {
      h.idp.active.set('stale', { exp: NOW / 1000 - 5 });
      await h.start({ auth_methods: ['introspection'], cache_introspection: false, display_errors: true });
      const res = await h.call('/orders', { authorization: 'Bearer stale' });
      assert.equal(res.status, 401);
      assert.equal(
        res.headers['www-authenticate'],
        'Bearer realm="idp.example.com", error="invalid_token", error_description="The access token expired"',
      );
      assert.equal(
        res.text,
        '{"message":"Unauthorized (access token cannot be refreshed in absence of refresh token)"}',
      );
      h.gateway.configure(
        h.deck({ auth_methods: ['introspection'], cache_introspection: false, leeway: 10, refresh_tokens: false }),
      );
      assert.equal((await h.call('/orders', { authorization: 'Bearer stale' })).status, 200, 'within leeway');
    });

    it('lua-cjson escapes "/" in the body', async () => {
      h.idp.failure = { ok: false, code: 'jwt.no_matching_key', reason: 'suitable jwk was not found (RS256/k1)' };
      await h.start({ auth_methods: ['bearer'], display_errors: true });
      const res = await h.call('/orders', { authorization: 'Bearer a.b.c' });
      assert.equal(res.text, '{"message":"Unauthorized (suitable jwk was not found (RS256\\/k1))"}');
    });
  });

  describe('request ids and latency headers (kong_defaults.lua headers)', () => {
    it('every answer carries a fresh 32-hex X-Kong-Request-Id; proxied ones the upstream and proxy latencies', async () => {
      h.idp.active.set('opaque-1', { exp: NOW / 1000 + 60 });
      await h.start({ auth_methods: ['introspection'], cache_introspection: false });
      const ok = await h.call('/orders', { authorization: 'Bearer opaque-1' });
      const refused = await h.call('/orders', { authorization: 'Bearer dead' });
      assert.equal(ok.status, 200);
      assert.match(ok.headers['x-kong-request-id']!, /^[0-9a-f]{32}$/);
      assert.match(ok.headers['x-kong-upstream-latency']!, /^\d+$/);
      assert.match(ok.headers['x-kong-proxy-latency']!, /^\d+$/);
      assert.equal(ok.headers['x-kong-response-latency'], undefined);
      assert.notEqual(ok.headers['x-kong-request-id'], refused.headers['x-kong-request-id']);
      // headers_upstream = x-kong-request-id: the upstream sees the same id.
      assert.equal(JSON.parse(ok.text).headers['x-kong-request-id'], ok.headers['x-kong-request-id']);
      assert.equal(h.events[0]!.requestId, ok.headers['x-kong-request-id']);
    });

    it("an upstream that cannot be reached: 502 in Kong's error template (error_handlers.lua:32)", async () => {
      h.idp.active.set('opaque-1', {});
      await h.start(deck('http://127.0.0.1:1', { auth_methods: ['introspection'], cache_introspection: false }));
      const res = await h.call('/orders', { authorization: 'Bearer opaque-1' });
      assert.equal(res.status, 502);
      const id = res.headers['x-kong-request-id']!;
      assert.equal(
        res.text,
        `{\n  "message":"An invalid response was received from the upstream server",\n  "request_id":"${id}"\n}`,
      );
    });

    it('Server and Via as kong/runloop/handler.lua sets them, both ways', async () => {
      h.idp.active.set('opaque-1', {});
      await h.start({ auth_methods: ['introspection'], cache_introspection: false });
      const ok = await h.call('/orders', { authorization: 'Bearer opaque-1', via: '1.1 corp-proxy' });
      assert.equal(ok.headers.via, `1.1 ${KONG_SERVER_TOKENS}`);
      assert.equal(ok.headers.server, KONG_SERVER_TOKENS, 'the echo upstream sends no Server');
      const seen = JSON.parse(ok.text).headers;
      assert.equal(seen.via, `1.1 corp-proxy, 1.1 ${KONG_SERVER_TOKENS}`);
      assert.equal(seen['x-forwarded-proto'], 'http');
      assert.equal(seen['x-real-ip'], '127.0.0.1');
      const refused = await h.call('/orders', { authorization: 'Bearer dead' });
      assert.equal(refused.headers.server, KONG_SERVER_TOKENS);
      assert.equal(refused.headers.via, undefined);
    });

    it("a path no route matches: 404 in kong.response.error's JSON template with the request id", async () => {
      await h.start({});
      const res = await h.call('/nothing');
      assert.equal(res.status, 404);
      const id = res.headers['x-kong-request-id']!;
      assert.equal(res.text, `{\n  "message":"no Route matched with those values",\n  "request_id":"${id}"\n}`);
    });
  });

  describe('issuer (token.lua:998-1044)', () => {
    it('ignores a trailing slash on either side', () => {
      assert.equal(kongIssuerError({ iss: `${ISSUER}/` }, ISSUER, undefined), undefined);
      assert.equal(kongIssuerError({ iss: ISSUER }, `${ISSUER}/`, undefined), undefined);
      assert.equal(
        kongIssuerError({ iss: 'https://other/' }, ISSUER, undefined),
        'invalid issuer (https://other/) was specified for access token, unknown error (not a table) was expected',
      );
      assert.equal(kongIssuerError({ iss: 'https://other/' }, ISSUER, ['https://other']), undefined);
    });

    it("checks exp as now - leeway > exp, in Kong's words", () => {
      assert.equal(
        kongTimeClaimError({ exp: 1699657727 }, 1699657728, 0),
        'invalid exp claim (1699657727) was specified for access token',
      );
      assert.equal(kongTimeClaimError({ exp: 1699657727 }, 1699657727, 0), undefined);
      assert.equal(kongTimeClaimError({}, 1699657727, 0), undefined, 'no exp, no check');
    });
  });

  describe('a JWT that fails local verification (handler.lua:1125-1235)', () => {
    it('is introspected when introspection is among auth_methods, and passes if active', async () => {
      h.idp.active.set('a.b.c', { scope: 'orders:read' });
      await h.start({ auth_methods: ['bearer', 'introspection'], cache_introspection: false });
      const res = await h.call('/orders', { authorization: 'Bearer a.b.c' });
      assert.equal(res.status, 200);
      assert.equal(h.idp.introspections, 1);
      assert.equal(h.events[0]!.authMethod, 'introspection');
    });

    it('is refused as "inactive token" when the IdP says inactive', async () => {
      await h.start({ auth_methods: ['bearer', 'introspection'], cache_introspection: false, display_errors: true });
      const res = await h.call('/orders', { authorization: 'Bearer a.b.c' });
      assert.equal(res.text, '{"message":"Unauthorized (inactive token)"}');
    });

    it('is introspected with the default auth_methods too', async () => {
      h.idp.active.set('a.b.c', {});
      await h.start({ cache_introspection: false });
      assert.equal((await h.call('/orders', { authorization: 'Bearer a.b.c' })).status, 200);
      assert.equal(h.idp.introspections, 1);
    });

    it('logs the error of the last method tried, not the verification reason', async () => {
      h.idp.failure = { ok: false, code: 'jwt.claims', reason: 'invalid exp claim (1) was specified for access token' };
      h.idp.introspectionError = 'invalid status code received from the introspection endpoint (401)';
      await h.start({ auth_methods: ['bearer', 'introspection'], cache_introspection: false, display_errors: true });
      const res = await h.call('/orders', { authorization: 'Bearer a.b.c' });
      assert.equal(
        res.text,
        '{"message":"Unauthorized (invalid status code received from the introspection endpoint (401))"}',
      );
    });

    it("a failed introspection call through the cache is prefixed as Kong's node cache does", async () => {
      h.idp.introspectionError = 'invalid status code received from the introspection endpoint (401)';
      await h.start({ auth_methods: ['bearer', 'introspection'], display_errors: true });
      const res = await h.call('/orders', { authorization: 'Bearer a.b.c' });
      assert.equal(
        res.text,
        '{"message":"Unauthorized (failed to get from node cache: invalid status code received from the introspection endpoint (401))"}',
      );
    });

    it('with userinfo (no introspection), the userinfo endpoint decides, in its own words', async () => {
      h.idp.users.set('a.b.c', { sub: 'alice' });
      await h.start({ auth_methods: ['bearer', 'userinfo'], display_errors: true });
      const ok = await h.call('/orders', { authorization: 'Bearer a.b.c' });
      assert.equal(ok.status, 200);
      assert.equal(h.events[0]!.authMethod, 'userinfo');
      const refused = await h.call('/orders', { authorization: 'Bearer x.y.z' });
      assert.equal(
        refused.text,
        '{"message":"Unauthorized (invalid status code received from the userinfo endpoint (401))"}',
      );
      assert.match(h.log.join('\n'), /cache\.lua:1487: \[openid-connect\] loading user info using access token/);
    });

    it('with bearer alone, is refused at once with the verification reason', async () => {
      h.idp.failure = { ok: false, code: 'jwt.claims', reason: 'invalid exp claim (1) was specified for access token' };
      await h.start({ auth_methods: ['bearer'], display_errors: true });
      const res = await h.call('/orders', { authorization: 'Bearer a.b.c' });
      assert.equal(res.text, '{"message":"Unauthorized (invalid exp claim (1) was specified for access token)"}');
      assert.equal(h.idp.introspections, 0);
    });
  });

  describe('no token with the default auth_methods (handler.lua:1017-1054, authorization.lua:526-911)', () => {
    it("redirects to the IdP authorize endpoint with Kong's arguments", async () => {
      await h.start({ client_id: ['kong-client'] });
      const res = await h.call('/orders/7?x=1', { host: 'API.example.com:8000' });
      assert.equal(res.status, 302);
      assert.equal(res.text, '');
      assert.equal(res.headers['cache-control'], 'no-store');
      const location = new URL(res.headers.location!);
      assert.equal(`${location.origin}${location.pathname}`, `${ISSUER}/v1/authorize`);
      const args = [...location.searchParams.keys()];
      assert.deepEqual(args, [
        'response_type',
        'scope',
        'redirect_uri',
        'client_id',
        'state',
        'nonce',
        'code_challenge',
        'code_challenge_method',
      ]);
      const q = location.searchParams;
      assert.equal(q.get('response_type'), 'code');
      assert.equal(q.get('scope'), 'openid');
      assert.equal(q.get('redirect_uri'), `http://api.example.com:${new URL(h.gateway.url).port}/orders/7`);
      assert.equal(q.get('client_id'), 'kong-client');
      assert.match(q.get('state')!, /^[\w-]{24}$/);
      assert.match(q.get('nonce')!, /^[\w-]{24}$/);
      assert.notEqual(q.get('state'), q.get('nonce'));
      assert.match(q.get('code_challenge')!, /^[\w-]{43}$/);
      assert.equal(q.get('code_challenge_method'), 'S256');
      // ngx.escape_uri: ':' and '/' are escaped in the redirect_uri.
      assert.match(res.headers.location!, /redirect_uri=http%3A%2F%2Fapi\.example\.com%3A\d+%2Forders%2F7&/);
      assert.match(res.headers['x-kong-request-id']!, /^[0-9a-f]{32}$/);
    });

    it('leaves PKCE out when discovery lists no code_challenge_methods_supported', async () => {
      h.idp.meta = { issuer: ISSUER, authorization_endpoint: `${ISSUER}/v1/authorize` };
      await h.start({ client_id: ['kong-client'], scopes: ['openid', 'orders:read'] });
      const res = await h.call('/orders');
      const q = new URL(res.headers.location!).searchParams;
      assert.equal(q.get('code_challenge'), null);
      assert.equal(q.get('scope'), 'openid orders:read');
      assert.match(res.headers.location!, /scope=openid%20orders%3Aread/);
    });

    it('discovery failing: 500, the library\'s "authorization endpoint was not specified" as an [error] line', async () => {
      h.idp.metadata = async () => {
        throw new Error('connection refused');
      };
      await h.start({ client_id: ['kong-client'], issuer: ISSUER });
      const res = await h.call('/orders');
      assert.equal(res.status, 500);
      assert.equal(res.text, '{"message":"An unexpected error occurred"}');
      assert.match(
        h.log.at(-1)!,
        /\[error\] .*unexpected\.lua:21: \[openid-connect\] authorization endpoint was not specified, /,
      );
    });

    it('answers 401 "no suitable authorization credentials were provided" without authorization_code', async () => {
      await h.start({ auth_methods: ['bearer', 'introspection'], display_errors: true });
      const res = await h.call('/orders');
      assert.equal(res.status, 401);
      assert.equal(res.text, '{"message":"Unauthorized (no suitable authorization credentials were provided)"}');
      assert.equal(res.headers['www-authenticate'], 'Bearer realm="idp.example.com", error="invalid_token"');
    });
  });

  describe('introspection cache (cache.lua:112-168, 1247-1290; cache/utils.lua get_ttl_opts)', () => {
    const now = NOW / 1000;
    it('TTL from exp, clamped by cache_ttl_max and cache_ttl_min', () => {
      const base = { cache_ttl: 3600 };
      assert.deepEqual(expiryAndCacheTtl({ exp: now + 600 }, base, now), { exp: now + 600, ttl: 600 });
      assert.deepEqual(expiryAndCacheTtl({ exp: now + 600 }, { ...base, cache_ttl_max: 60 }, now), {
        exp: now + 600,
        ttl: 60,
      });
      assert.deepEqual(expiryAndCacheTtl({ exp: now + 5 }, { ...base, cache_ttl_min: 30 }, now), {
        exp: now + 5,
        ttl: 30,
      });
      assert.deepEqual(expiryAndCacheTtl({ expires_in: 90, exp: now + 600 }, base, now), { exp: now + 90, ttl: 90 });
    });

    it('{"active":false} has no exp: a positive entry for cache_ttl (clamped), not cache_ttl_neg', () => {
      assert.deepEqual(expiryAndCacheTtl({ active: false }, { cache_ttl: 3600 }, now), { exp: 0, ttl: 3600 });
      assert.deepEqual(expiryAndCacheTtl({ active: false }, { cache_ttl: 3600, cache_ttl_max: 20 }, now), {
        exp: 0,
        ttl: 20,
      });
    });

    it('serves an inactive reply from the cache until cache_ttl passes, even with cache_ttl_neg set', async () => {
      await h.start({ auth_methods: ['introspection'], cache_ttl: 120, cache_ttl_neg: 5 });
      assert.equal((await h.call('/orders', { authorization: 'Bearer later' })).status, 401);
      h.idp.active.set('later', { exp: NOW / 1000 + 3600 });
      h.clock.advance(60_000);
      assert.equal((await h.call('/orders', { authorization: 'Bearer later' })).status, 401, 'still the cached reply');
      assert.equal(h.idp.introspections, 1);
      assert.equal(h.events[1]!.introspection, 'cached');
      h.clock.advance(61_000);
      assert.equal((await h.call('/orders', { authorization: 'Bearer later' })).status, 200);
      assert.equal(h.idp.introspections, 2);
    });

    it("asks again once the cached reply's exp has passed, whatever the TTL", async () => {
      h.idp.active.set('short', { exp: NOW / 1000 + 10 });
      await h.start({ auth_methods: ['introspection'], cache_ttl_min: 600 });
      await h.call('/orders', { authorization: 'Bearer short' });
      h.clock.advance(11_000);
      await h.call('/orders', { authorization: 'Bearer short' });
      assert.equal(h.idp.introspections, 2);
    });

    it('does not cache a failed call', async () => {
      h.idp.introspectionError = 'connection refused';
      await h.start({ auth_methods: ['introspection'] });
      await h.call('/orders', { authorization: 'Bearer x' });
      await h.call('/orders', { authorization: 'Bearer x' });
      assert.equal(h.idp.introspections, 2);
    });
  });

  describe('token lookup (handler.lua:536-625, arguments.lua)', () => {
    beforeEach(() => h.idp.active.set('tok', { scope: 'orders:read' }));
    const config = (types: string[], extra: Record<string, unknown> = {}) => ({
      auth_methods: ['introspection' as const],
      cache_introspection: false,
      bearer_token_param_type: types as ['header'],
      ...extra,
    });
    const passes = async (headers: Record<string, string>, path = '/orders', body?: string) =>
      (await h.call(path, headers, body === undefined ? {} : { method: 'POST', body })).status === 200;

    it('headers: Authorization Bearer, then access-token and x-access-token as they are', async () => {
      await h.start(config(['header']));
      assert.ok(await passes({ authorization: 'bearer tok' }));
      assert.ok(await passes({ 'access-token': 'tok' }));
      assert.ok(await passes({ 'x-access-token': 'tok' }));
      assert.ok(await passes({ authorization: 'Basic dXNlcjpwYXNz', 'x-access-token': 'tok' }));
      assert.ok(!(await passes({ 'x-access-token': 'Bearer tok' })), 'the prefix is not stripped there');
    });

    it('query access_token', async () => {
      await h.start(config(['query']));
      assert.ok(await passes({}, '/orders?access_token=tok'));
      assert.ok(!(await passes({ authorization: 'Bearer tok' })));
    });

    it('body: a form, and JSON', async () => {
      await h.start(config(['body']));
      assert.ok(await passes({ 'content-type': 'application/x-www-form-urlencoded' }, '/orders', 'access_token=tok'));
      assert.ok(await passes({ 'content-type': 'application/json' }, '/orders', '{"access_token":"tok"}'));
      assert.ok(!(await passes({ 'content-type': 'text/plain' }, '/orders', 'access_token=tok')));
    });

    it('cookie, only with bearer_token_cookie_name', async () => {
      await h.start(config(['cookie']));
      assert.ok(!(await passes({ cookie: 'at=tok' })));
      h.gateway.configure(h.deck(config(['cookie'], { bearer_token_cookie_name: 'at' })));
      assert.ok(await passes({ cookie: 'theme=dark; at=tok' }));
    });

    it('in the configured order: the first location with a token wins', async () => {
      await h.start(config(['query', 'header']));
      assert.ok(await passes({ authorization: 'Bearer dead' }, '/orders?access_token=tok'));
      h.gateway.configure(h.deck(config(['header', 'query'])));
      assert.ok(!(await passes({ authorization: 'Bearer dead' }, '/orders?access_token=tok')));
    });
  });

  describe('anonymous (responses.lua:37-39, consumers.lua set_anonymous)', () => {
    it('a failed check proxies as the anonymous consumer with X-Consumer-* and X-Anonymous-Consumer', async () => {
      await h.start({ auth_methods: ['introspection'], anonymous: 'guest' }, [{ username: 'guest', id: ANON_ID }]);
      const res = await h.call('/orders', { authorization: 'Bearer dead' });
      assert.equal(res.status, 200);
      const seen = JSON.parse(res.text).headers;
      assert.equal(seen['x-consumer-username'], 'guest');
      assert.equal(seen['x-consumer-id'], ANON_ID);
      assert.equal(seen['x-anonymous-consumer'], 'true');
      assert.equal(seen.authorization, 'Bearer dead', 'the anonymous request goes on as it came');
      assert.equal(h.events[0]!.reason, 'inactive token');
    });

    it('consumer headers a client sends never reach the upstream', async () => {
      h.idp.active.set('tok', {});
      await h.start({ auth_methods: ['introspection'], cache_introspection: false });
      const res = await h.call('/orders', {
        authorization: 'Bearer tok',
        'x-consumer-username': 'admin',
        'x-anonymous-consumer': 'false',
      });
      const seen = JSON.parse(res.text).headers;
      assert.equal(seen['x-consumer-username'], undefined);
      assert.equal(seen['x-anonymous-consumer'], undefined);
    });

    it('by id too; a missing anonymous consumer is a 500', async () => {
      await h.start({ auth_methods: ['introspection'], anonymous: ANON_ID }, [{ username: 'guest', id: ANON_ID }]);
      assert.equal((await h.call('/orders', { authorization: 'Bearer dead' })).status, 200);
      h.gateway.configure(h.deck({ auth_methods: ['introspection'], anonymous: 'nobody' }));
      const res = await h.call('/orders', { authorization: 'Bearer dead' });
      assert.equal(res.status, 500);
      assert.equal(res.text, '{"message":"An unexpected error occurred"}');
    });
  });

  describe('claims_forbidden and consumer mapping', () => {
    it('claims_forbidden: 403 "forbidden claim \'…\' found in access token" (handler.lua:1756-1795, 1881)', async () => {
      await h.start({ auth_methods: ['bearer'], claims_forbidden: ['cid'], display_errors: true });
      const res = await h.call('/orders', { authorization: `Bearer ${JWT}` });
      assert.equal(res.status, 403);
      assert.equal(res.text, '{"message":"Forbidden (forbidden claim \'cid\' found in access token)"}');
      assert.equal(res.headers['www-authenticate'], 'Bearer realm="idp.example.com", error="insufficient_scope"');
    });

    it('claims_forbidden: found in introspection results first', async () => {
      h.idp.active.set('tok', { act: { sub: 'x' } });
      await h.start({ auth_methods: ['introspection'], claims_forbidden: ['act'], display_errors: true });
      const res = await h.call('/orders', { authorization: 'Bearer tok' });
      assert.equal(res.text, '{"message":"Forbidden (forbidden claim \'act\' found in introspection results)"}');
    });

    it('consumer_by picks the fields; the consumer goes upstream as X-Consumer-*', async () => {
      await h.start({ auth_methods: ['bearer'], consumer_claim: ['cid'], consumer_by: ['custom_id'] }, [
        { username: 'cc-basic' },
      ]);
      assert.equal((await h.call('/orders', { authorization: `Bearer ${JWT}` })).status, 403);
      h.gateway.configure(
        h.deck({ auth_methods: ['bearer'], consumer_claim: ['cid'], consumer_by: ['custom_id'] }, [
          { username: 'someone', custom_id: 'cc-basic' },
        ]),
      );
      const res = await h.call('/orders', { authorization: `Bearer ${JWT}` });
      assert.equal(res.status, 200);
      assert.equal(JSON.parse(res.text).headers['x-consumer-custom-id'], 'cc-basic');
    });

    it('consumer_claims (3.14): each claim path is tried', async () => {
      h.idp.jwts.set('nested.jwt.x', { ...jwtClaims, app: { owner: 'team-a' } });
      await h.start({ auth_methods: ['bearer'], consumer_claims: [['uid'], ['app', 'owner']] }, [
        { username: 'team-a' },
      ]);
      const res = await h.call('/orders', { authorization: 'Bearer nested.jwt.x' });
      assert.equal(res.status, 200);
      assert.equal(JSON.parse(res.text).headers['x-consumer-username'], 'team-a');
    });
  });
});
