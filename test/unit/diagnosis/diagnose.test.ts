import { strict as assert } from 'node:assert';
import { diagnose } from '../../../src/core/diagnosis/diagnose';
import type { DiagnosisInput } from '../../../src/core/diagnosis/diagnose';

const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);
const nowS = NOW / 1000;
const KONG_401 = { 'www-authenticate': 'Bearer realm="kong", error="invalid_token"', 'x-kong-response-latency': '3' };
const KONG_403 = {
  'www-authenticate': 'Bearer realm="kong", error="insufficient_scope"',
  'x-kong-response-latency': '3',
};
const okta = {
  iss: 'https://example.okta.com/oauth2/default',
  aud: 'api://default',
  cid: '0oa1',
  scp: ['orders:read'],
  exp: nowS + 3600,
  iat: nowS - 60,
  ver: 1,
};

function input(partial: Partial<DiagnosisInput>): DiagnosisInput {
  return {
    now: NOW,
    gateway: { status: 401, headers: KONG_401 },
    request: { tokenLocation: 'header', authorizationScheme: 'Bearer' },
    ...partial,
  };
}

describe('diagnose: why the gateway said 401/403', () => {
  it("the gateway's log lines are evidence, marked as the gateway's own words", () => {
    const v = diagnose(
      input({
        token: { kind: 'opaque' },
        gatewayLog: [
          {
            level: 'error',
            text: 'oidc_util_http_call: curl_easy_perform() failed',
            signal: 'introspection_unreachable',
          },
        ],
      }),
    );
    assert.deepEqual(
      v.evidence.filter((e) => e.source === 'gateway-log'),
      [{ source: 'gateway-log', text: '[error] oidc_util_http_call: curl_easy_perform() failed' }],
    );
  });

  it('no token', () => {
    const v = diagnose(
      input({
        gateway: { status: 401, headers: { 'www-authenticate': 'Bearer realm="kong"' } },
        request: { tokenLocation: 'none' },
      }),
    );
    assert.equal(v.code, 'no_token');
    assert.match(v.fix!, /Authorization: Bearer/);
  });

  it('token in a place the route does not read', () => {
    const v = diagnose(
      input({ request: { tokenLocation: 'query' }, kongConfig: { bearer_token_param_type: ['header'] } }),
    );
    assert.equal(v.code, 'token_wrong_place');
    assert.match(v.summary, /query.*header/);
  });

  it('wrong Authorization scheme', () => {
    const v = diagnose(input({ request: { tokenLocation: 'header', authorizationScheme: 'Token' } }));
    assert.equal(v.code, 'token_wrong_place');
    assert.match(v.summary, /"Token"/);
  });

  it('expired token, with the time it expired', () => {
    const v = diagnose(input({ token: { kind: 'jwt', payload: { ...okta, exp: nowS - 300 } } }));
    assert.equal(v.code, 'token_expired');
    assert.match(v.summary, /expired at 2026-11-28T11:55:00Z \(5 min ago\)/);
  });

  it('expiry within the gateway leeway is not called expired', () => {
    const v = diagnose(
      input({
        token: { kind: 'jwt', payload: { ...okta, exp: nowS - 5 } },
        kongConfig: { leeway: 30 },
        introspection: { active: false },
      }),
    );
    assert.equal(v.code, 'token_inactive');
  });

  it('not yet valid (clock ahead)', () => {
    const v = diagnose(input({ token: { kind: 'jwt', payload: { ...okta, nbf: nowS + 120 } } }));
    assert.equal(v.code, 'token_not_yet_valid');
    assert.match(v.fix!, /clock/i);
  });

  it('inactive at the IdP (revoked or app deactivated)', () => {
    const v = diagnose(
      input({
        token: { kind: 'opaque' },
        introspection: { active: false },
        kongConfig: { auth_methods: ['introspection'] },
      }),
    );
    assert.equal(v.code, 'token_inactive');
    assert.match(v.summary, /no longer active/);
    assert.ok(v.evidence.some((e) => e.source === 'introspection' && /active: false/.test(e.text)));
  });

  it('a deactivated client application (introspection with its own credentials is refused)', () => {
    const v = diagnose(
      input({
        token: { kind: 'jwt', payload: okta },
        introspection: { error: { code: 'oauth.invalid_client', message: 'invalid_client' } },
        kongConfig: { auth_methods: ['introspection'] },
      }),
    );
    assert.equal(v.code, 'client_deactivated');
    assert.match(v.fix!, /Reactivate/);
  });

  it('the gateway failing to introspect a token the IdP says is active', () => {
    const v = diagnose(
      input({
        token: { kind: 'opaque' },
        introspection: { active: true, claims: {} },
        kongConfig: { auth_methods: ['introspection'] },
      }),
    );
    assert.equal(v.code, 'gateway_introspection_failed');
    assert.match(v.fix!, /client_id\/client_secret/);
  });

  it('a trailing-slash-only difference between iss and issuer is no mismatch for Kong', () => {
    const v = diagnose(
      input({
        token: { kind: 'jwt', payload: okta },
        kongConfig: { issuer: 'https://example.okta.com/oauth2/default/' },
      }),
    );
    assert.notEqual(v.code, 'issuer_mismatch');
  });

  it('wrong issuer on Apache, calling out a trailing slash', () => {
    const v = diagnose(
      input({
        gateway: { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } },
        gatewayKind: 'apache',
        token: { kind: 'jwt', payload: okta },
        kongConfig: { issuer: 'https://example.okta.com/oauth2/default/', auth_methods: ['bearer'] },
      }),
    );
    assert.equal(v.code, 'issuer_mismatch');
    assert.match(v.summary, /trailing slash/);
    assert.match(v.fix!, /OIDCOAuthVerifyJwksUri/);
  });

  it('issuer given as a discovery URL matches its issuer', () => {
    const v = diagnose(
      input({
        token: { kind: 'jwt', payload: okta },
        introspection: { active: true, claims: {} },
        kongConfig: {
          issuer: 'https://example.okta.com/oauth2/default/.well-known/openid-configuration',
          auth_methods: ['introspection'],
        },
      }),
    );
    assert.equal(v.code, 'gateway_introspection_failed');
  });

  it('wrong audience on a 403', () => {
    const v = diagnose(
      input({
        gateway: { status: 403, headers: KONG_403 },
        token: { kind: 'jwt', payload: okta },
        kongConfig: { audience_required: ['api://orders'] },
      }),
    );
    assert.equal(v.code, 'audience_mismatch');
    assert.match(v.summary, /api:\/\/orders.*api:\/\/default/);
  });

  it('missing scope', () => {
    const v = diagnose(
      input({
        gateway: { status: 403, headers: KONG_403 },
        token: { kind: 'jwt', payload: okta },
        kongConfig: { scopes_claim: ['scp'], scopes_required: ['orders:write'] },
      }),
    );
    assert.equal(v.code, 'scope_missing');
    assert.match(v.summary, /orders:write.*has: orders:read/);
  });

  it('Okta scp vs a gateway reading scope, with the config lint as evidence', () => {
    const v = diagnose(
      input({
        gateway: { status: 403, headers: KONG_403 },
        token: { kind: 'jwt', payload: okta },
        kongConfig: { scopes_required: ['orders:read'] },
      }),
    );
    assert.equal(v.code, 'scope_claim_mismatch');
    assert.ok(
      v.evidence.some((e) => e.source === 'config' && /config\.scopes_claim: .*"scp"/.test(e.text)),
      JSON.stringify(v.evidence),
    );
    assert.ok(!v.evidence.some((e) => /ssl_verify/.test(e.text)), 'generic findings stay out');
    assert.match(v.fix!, /scopes_claim to \["scp"\]/);
  });

  it('scopes from introspection count (Kong reads introspection first)', () => {
    const v = diagnose(
      input({
        gateway: { status: 403, headers: KONG_403 },
        token: { kind: 'opaque' },
        introspection: { active: true, claims: { scope: 'orders:read orders:write' } },
        kongConfig: { scopes_required: ['orders:write'], groups_required: ['admins'] },
      }),
    );
    assert.equal(v.code, 'group_missing');
  });

  it('introspection claims do not count for a route that verifies JWTs locally', () => {
    const v = diagnose(
      input({
        gateway: { status: 403, headers: KONG_403 },
        token: { kind: 'jwt', payload: okta },
        introspection: { active: true, claims: { scope: 'orders:read' } },
        kongConfig: { auth_methods: ['bearer'], scopes_required: ['orders:read'] },
      }),
    );
    assert.equal(v.code, 'scope_claim_mismatch');
  });

  it('missing group, with the groups the token has', () => {
    const v = diagnose(
      input({
        gateway: { status: 403, headers: KONG_403 },
        token: { kind: 'jwt', payload: { ...okta, groups: ['Everyone'] } },
        kongConfig: { scopes_claim: ['scp'], groups_required: ['orders-admins'] },
      }),
    );
    assert.equal(v.code, 'group_missing');
    assert.match(v.summary, /orders-admins.*Everyone/);
  });

  it('missing role', () => {
    const v = diagnose(
      input({
        gateway: { status: 403, headers: KONG_403 },
        token: { kind: 'jwt', payload: { ...okta, roles: ['reader'] } },
        kongConfig: { scopes_claim: ['scp'], roles_required: ['writer'] },
      }),
    );
    assert.equal(v.code, 'role_missing');
  });

  it('unknown signing key after rotation', () => {
    const v = diagnose(
      input({
        token: {
          kind: 'jwt',
          header: { alg: 'RS256', kid: 'old' },
          payload: okta,
          verification: {
            valid: false,
            checks: [
              {
                id: 'signature',
                ok: false,
                code: 'jwt.unknown_kid',
                message: 'No key with kid "old" in the JWKS (it has: new).',
              },
            ],
          },
        },
      }),
    );
    assert.equal(v.code, 'unknown_signing_key');
    assert.match(v.summary, /kid old/);
  });

  it('algorithm not allowed (HS256 with enable_hs_signatures off)', () => {
    const v = diagnose(input({ token: { kind: 'jwt', header: { alg: 'HS256' }, payload: okta }, kongConfig: {} }));
    assert.equal(v.code, 'algorithm_not_allowed');
  });

  it('bad signature', () => {
    const v = diagnose(
      input({
        token: {
          kind: 'jwt',
          header: { alg: 'RS256', kid: 'k' },
          payload: okta,
          verification: {
            valid: false,
            checks: [
              { id: 'signature', ok: false, code: 'jwt.signature_invalid', message: 'signature does not verify' },
            ],
          },
        },
      }),
    );
    assert.equal(v.code, 'signature_invalid');
  });

  it('DPoP required', () => {
    const v = diagnose(
      input({
        gateway: {
          status: 401,
          headers: { 'www-authenticate': 'DPoP realm="kong", algs="ES256"', 'x-kong-response-latency': '1' },
        },
      }),
    );
    assert.equal(v.code, 'dpop_required');
    assert.match(v.fix!, /ES256/);
  });

  it("Kong's 403 consumer not found", () => {
    const v = diagnose(
      input({
        gateway: { status: 403, headers: KONG_403 },
        token: { kind: 'jwt', payload: okta },
        kongConfig: { scopes_claim: ['scp'], consumer_claim: ['cid'] },
      }),
    );
    assert.equal(v.code, 'consumer_not_found');
    assert.match(v.summary, /cid \(0oa1\)/);
  });

  it('a 401 from the upstream, not the gateway', () => {
    const v = diagnose(
      input({
        gateway: {
          status: 401,
          headers: { 'x-kong-upstream-latency': '12', 'x-kong-proxy-latency': '1' },
          body: 'upstream says no',
        },
        token: { kind: 'jwt', payload: okta },
      }),
    );
    assert.equal(v.code, 'upstream_rejected');
    assert.equal(v.decidedBy, 'upstream');
  });

  it('a 200 for a token the IdP says is inactive blames the introspection cache', () => {
    const v = diagnose(
      input({
        gateway: { status: 200, headers: {} },
        token: { kind: 'opaque' },
        introspection: { active: false },
        kongConfig: { auth_methods: ['introspection'], cache_introspection: true, cache_ttl: 300 },
      }),
    );
    assert.equal(v.code, 'accepted_inactive_token');
    assert.match(v.summary, /cache_introspection is on.*300 s after it last asked the IdP/);
  });

  it('a 200 for a revoked JWT blames local bearer verification', () => {
    const v = diagnose(
      input({
        gateway: { status: 200, headers: {} },
        token: { kind: 'jwt', payload: okta },
        introspection: { active: false },
        kongConfig: { auth_methods: ['bearer'], cache_introspection: false },
      }),
    );
    assert.equal(v.code, 'accepted_inactive_token');
    assert.match(v.summary, /introspect_jwt_tokens off/);
    assert.match(v.summary, /keeps working until 2026-11-28T13:00:00Z \(in 60 min\)/);
  });

  it('an introspection-only route reads scope from the introspection answer: no Okta scp evidence', () => {
    const v = diagnose(
      input({
        gateway: { status: 403, headers: KONG_403 },
        token: { kind: 'jwt', payload: okta },
        introspection: { active: true, claims: { active: true, scope: 'orders:read', client_id: '0oa1' } },
        kongConfig: { auth_methods: ['introspection'], client_id: ['gw'], scopes_required: ['orders:write'] },
      }),
    );
    assert.equal(v.code, 'scope_missing');
    assert.match(v.summary, /orders:write.*has: orders:read/);
    assert.ok(
      !v.evidence.some((e) => e.source === 'config' && /scopes_claim|"scp"/.test(e.text)),
      JSON.stringify(v.evidence),
    );
  });

  it("the route's client_id, when the config names it, is not reported missing", () => {
    const v = diagnose(
      input({
        token: { kind: 'jwt', payload: okta },
        introspection: { error: { code: 'oauth.invalid_client', message: 'invalid_client' } },
        kongConfig: { auth_methods: ['introspection'], client_id: ['gateway'], cache_introspection: false },
      }),
    );
    assert.equal(v.code, 'client_deactivated');
    assert.ok(!v.evidence.some((e) => /client_id/.test(e.text)), JSON.stringify(v.evidence));
  });

  it('a route described without its client_id (a flow file) is not said to lack one', () => {
    const v = diagnose(
      input({
        token: { kind: 'jwt', payload: okta },
        introspection: { error: { code: 'oauth.invalid_client', message: 'invalid_client' } },
        kongConfig: { auth_methods: ['introspection'], cache_introspection: false },
      }),
    );
    assert.equal(v.code, 'client_deactivated');
    assert.ok(!v.evidence.some((e) => /client_id/.test(e.text)), JSON.stringify(v.evidence));
  });

  it('a bearer route with introspect_jwt_tokens reads scopes from the introspection answer too', () => {
    const v = diagnose(
      input({
        gateway: { status: 403, headers: KONG_403 },
        token: { kind: 'jwt', payload: okta },
        introspection: { active: true, claims: { active: true, scope: 'orders:read', client_id: '0oa1' } },
        kongConfig: { auth_methods: ['bearer'], introspect_jwt_tokens: true, scopes_required: ['orders:write'] },
      }),
    );
    assert.equal(v.code, 'scope_missing', JSON.stringify(v));
    assert.match(v.summary, /orders:write.*has: orders:read/);
  });

  it('a client_id written as empty is reported as evidence', () => {
    const v = diagnose(
      input({
        token: { kind: 'opaque' },
        introspection: { active: true, claims: {} },
        kongConfig: { auth_methods: ['introspection'], client_id: [] },
      }),
    );
    assert.equal(v.code, 'gateway_introspection_failed');
    assert.ok(
      v.evidence.some(
        (e) =>
          e.source === 'config' &&
          /^config\.client_id: Introspection is enabled but the plugin has no client_id/.test(e.text),
      ),
      JSON.stringify(v.evidence),
    );
  });

  it('a plain 200 is ok', () => {
    assert.equal(diagnose(input({ gateway: { status: 200, headers: {} } })).code, 'ok');
  });

  it("falls back to the gateway's own description", () => {
    const v = diagnose(
      input({
        gateway: {
          status: 401,
          headers: { 'www-authenticate': 'Bearer error="invalid_token", error_description="something odd"' },
        },
        token: { kind: 'jwt', payload: okta },
      }),
    );
    assert.equal(v.code, 'unexplained');
    assert.match(v.summary, /something odd/);
  });
});
