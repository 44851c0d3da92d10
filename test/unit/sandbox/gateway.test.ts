import { strict as assert } from 'node:assert';
import { request } from 'undici';
import { ManualClock } from '../../../src/core/clock';
import { diagnose } from '../../../src/core/diagnosis/diagnose';
import type { DeckFile } from '../../../src/core/gateway/deck';
import type { KongOidcConfig } from '../../../src/core/gateway/kong-oidc-config';
import { startEchoUpstream } from '../../../src/core/sandbox/echo-upstream';
import type { EchoUpstream } from '../../../src/core/sandbox/echo-upstream';
import { startSandboxGateway } from '../../../src/core/sandbox/gateway';
import type { GatewayEvent, GatewayTokenChecks, SandboxGateway } from '../../../src/core/sandbox/gateway';

const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);
const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';
const jwtClaims = {
  iss: 'https://idp/oauth2/default',
  sub: 'cc-basic',
  cid: 'cc-basic',
  scp: ['orders:read'],
  exp: NOW / 1000 + 3600,
};

/** IdP stand-in: which tokens are active, and how many introspection calls were made. */
class FakeIdp implements GatewayTokenChecks {
  active = new Map<string, Record<string, unknown>>();
  introspections = 0;
  async verifyJwt(token: string) {
    return token === JWT
      ? { ok: true as const, header: { alg: 'RS256' }, payload: jwtClaims }
      : { ok: false as const, code: 'jwt.signature_invalid', reason: 'signature does not verify' };
  }
  async introspect(token: string) {
    this.introspections += 1;
    const claims = this.active.get(token);
    return claims
      ? { active: true, claims: { active: true, ...claims } }
      : { active: false, claims: { active: false } };
  }
}

function deck(upstream: string, config: KongOidcConfig, consumers: DeckFile['consumers'] = []): DeckFile {
  return {
    _format_version: '3.0',
    services: [
      {
        name: 'orders',
        url: upstream,
        routes: [{ name: 'orders', paths: ['/orders'], plugins: [{ name: 'openid-connect', config }] }],
      },
    ],
    consumers,
  };
}

describe('sandbox gateway (Kong openid-connect behaviour)', () => {
  let upstream: EchoUpstream;
  let gateway: SandboxGateway;
  let idp: FakeIdp;
  let clock: ManualClock;
  const events: GatewayEvent[] = [];

  async function start(config: KongOidcConfig, consumers?: DeckFile['consumers']) {
    gateway = await startSandboxGateway({
      deck: deck(upstream.url, config, consumers),
      checks: idp,
      clock,
      onDecision: (e) => events.push(e),
    });
  }
  async function call(path: string, headers: Record<string, string> = {}) {
    const res = await request(`${gateway.url}${path}`, { headers });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers as Record<string, string>, text };
  }

  before(async () => {
    upstream = await startEchoUpstream();
  });
  after(async () => upstream.close());
  beforeEach(() => {
    idp = new FakeIdp();
    clock = new ManualClock(NOW);
    events.length = 0;
  });
  afterEach(async () => gateway?.close());

  it('answers 401 without an error code when no token is sent', async () => {
    await start({ auth_methods: ['introspection'] });
    const res = await call('/orders');
    assert.equal(res.status, 401);
    assert.equal(res.headers['www-authenticate'], 'Bearer realm="127.0.0.1"');
    assert.deepEqual(JSON.parse(res.text), { message: 'Unauthorized' });
  });

  it('introspects an opaque token, proxies with the token and claim headers', async () => {
    idp.active.set('opaque-1', { client_id: 'cc-basic', scope: 'orders:read', exp: NOW / 1000 + 600 });
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
    assert.equal(events[0]!.introspection, 'called');
  });

  it('refuses an inactive token with invalid_token, and diagnose agrees', async () => {
    await start({ auth_methods: ['introspection'], cache_introspection: false });
    const res = await call('/orders', { authorization: 'Bearer dead' });
    assert.equal(res.status, 401);
    assert.equal(res.headers['www-authenticate'], 'Bearer realm="127.0.0.1", error="invalid_token"');
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
    idp.active.set('opaque-2', { exp: NOW / 1000 + 3600 });
    await start({ auth_methods: ['introspection'], cache_introspection: true, cache_ttl_max: 60 });
    assert.equal((await call('/orders', { authorization: 'Bearer opaque-2' })).status, 200);
    idp.active.delete('opaque-2');
    clock.advance(59_000);
    const cached = await call('/orders', { authorization: 'Bearer opaque-2' });
    assert.equal(cached.status, 200);
    assert.equal(events[1]!.introspection, 'cached');
    assert.equal(idp.introspections, 1);
    clock.advance(2_000);
    assert.equal((await call('/orders', { authorization: 'Bearer opaque-2' })).status, 401);
    assert.equal(idp.introspections, 2);
  });

  it('accepts a JWT locally without introspection unless introspect_jwt_tokens is on', async () => {
    await start({ auth_methods: ['bearer', 'introspection'] });
    assert.equal((await call('/orders', { authorization: `Bearer ${JWT}` })).status, 200);
    assert.equal(idp.introspections, 0);
    gateway.configure(
      deck(upstream.url, {
        auth_methods: ['bearer', 'introspection'],
        introspect_jwt_tokens: true,
        cache_introspection: false,
      }),
    );
    assert.equal((await call('/orders', { authorization: `Bearer ${JWT}` })).status, 401);
    assert.equal(idp.introspections, 1);
  });

  it('refuses a JWT that fails verification, with the reason only under display_errors', async () => {
    await start({ auth_methods: ['bearer'], display_errors: true });
    const res = await call('/orders', { authorization: 'Bearer a.b.c' });
    assert.equal(res.status, 401);
    assert.match(res.headers['www-authenticate']!, /error_description="signature does not verify"/);
    assert.deepEqual(JSON.parse(res.text), { message: 'Unauthorized (signature does not verify)' });
  });

  it('answers 403 insufficient_scope for a missing scope, reading scp when told to', async () => {
    await start({ auth_methods: ['bearer'], scopes_claim: ['scp'], scopes_required: ['orders:write'] });
    const res = await call('/orders', { authorization: `Bearer ${JWT}` });
    assert.equal(res.status, 403);
    assert.match(res.headers['www-authenticate']!, /error="insufficient_scope"/);
    gateway.configure(
      deck(upstream.url, {
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
    gateway.configure(
      deck(upstream.url, { auth_methods: ['bearer'], consumer_claim: ['cid'] }, [{ username: 'cc-basic' }]),
    );
    assert.equal((await call('/orders', { authorization: `Bearer ${JWT}` })).status, 200);
  });

  it('ignores a token in the query string when only the header is read', async () => {
    idp.active.set('opaque-3', {});
    await start({ auth_methods: ['introspection'], bearer_token_param_type: ['header'], cache_introspection: false });
    assert.equal((await call('/orders?access_token=opaque-3')).status, 401);
    gateway.configure(
      deck(upstream.url, {
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
