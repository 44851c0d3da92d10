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
const APACHE_401 = { 'www-authenticate': 'Bearer error="invalid_token", error_description="Token is not active"' };
const valid = { valid: true, checks: [{ id: 'signature', ok: true, message: 'signature verifies' }] };
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

  it("Okta's records confirm the application is INACTIVE: the verdict says so with certainty", () => {
    const v = diagnose(
      input({
        token: { kind: 'jwt', payload: okta },
        introspection: { active: false },
        kongConfig: { auth_methods: ['introspection'] },
        idpRecord: {
          source: 'okta-management-api',
          app: { clientId: '0oa1', status: 'INACTIVE', active: false, label: 'Orders' },
        },
      }),
    );
    assert.equal(v.code, 'client_deactivated');
    assert.equal(v.confidence, 'certain');
    assert.match(v.summary, /^Okta confirms the application Orders \(client 0oa1\) is INACTIVE/);
    assert.match(v.fix!, /Reactivate the application.*get a new token.*stay inactive/);
    assert.ok(v.evidence.some((e) => e.source === 'idp-record' && /Orders \(client 0oa1\) is INACTIVE/.test(e.text)));
  });

  it("Okta's records confirm an inactive app also when our own introspection was refused (invalid_client)", () => {
    const v = diagnose(
      input({
        token: { kind: 'jwt', payload: okta },
        introspection: { error: { code: 'oauth.invalid_client', message: 'invalid_client' } },
        idpRecord: { source: 'okta-management-api', app: { clientId: '0oa1', status: 'INACTIVE', active: false } },
      }),
    );
    assert.equal(v.code, 'client_deactivated');
    assert.equal(v.confidence, 'certain');
    assert.match(v.summary, /Okta confirms the application with client id 0oa1 is INACTIVE/);
  });

  it("Okta's records confirm the user is SUSPENDED: a certain user_inactive verdict", () => {
    const v = diagnose(
      input({
        token: { kind: 'jwt', payload: { ...okta, uid: '00u1', sub: 'alice@example.com' } },
        introspection: { active: false },
        idpRecord: {
          source: 'okta-management-api',
          app: { clientId: '0oa1', status: 'ACTIVE', active: true },
          user: { id: '00u1', status: 'SUSPENDED', active: false, login: 'alice@example.com' },
        },
      }),
    );
    assert.equal(v.code, 'user_inactive');
    assert.equal(v.confidence, 'certain');
    assert.match(v.summary, /Okta confirms the user alice@example.com \(00u1\) is SUSPENDED, not ACTIVE/);
    assert.match(v.fix!, /user.*new token/);
  });

  it('a user confirmed LOCKED_OUT, with no inactive answer to go on, is only the likely reason', () => {
    const v = diagnose(
      input({
        token: { kind: 'jwt', payload: { ...okta, uid: '00u1' } },
        idpRecord: { source: 'okta-management-api', user: { id: '00u1', status: 'LOCKED_OUT', active: false } },
      }),
    );
    assert.equal(v.code, 'user_inactive');
    assert.equal(v.confidence, 'likely');
    assert.match(v.summary, /LOCKED_OUT, not ACTIVE, which most likely/);
  });

  it('an app confirmed ACTIVE is not offered as deactivated for an inactive token, nor told to reactivate', () => {
    const v = diagnose(
      input({
        token: { kind: 'opaque' },
        introspection: { active: false },
        kongConfig: { auth_methods: ['introspection'] },
        idpRecord: { source: 'okta-management-api', app: { clientId: '0oa1', status: 'ACTIVE', active: true } },
      }),
    );
    assert.equal(v.code, 'token_inactive');
    assert.doesNotMatch(v.summary, /application or user was deactivated|its application was deactivated/);
    assert.match(v.summary, /its user was deactivated/);
    assert.match(v.summary, /Okta confirms the application with client id 0oa1 is ACTIVE, so it was not deactivated/);
    assert.doesNotMatch(v.fix!, /Reactivate the application|reactivate it first/);
  });

  it('an app confirmed ACTIVE turns our refused introspection into a credentials problem, not client_deactivated', () => {
    const v = diagnose(
      input({
        token: { kind: 'jwt', payload: okta },
        introspection: { error: { code: 'oauth.invalid_client', message: 'invalid_client' } },
        kongConfig: { auth_methods: ['introspection'] },
        idpRecord: { source: 'okta-management-api', app: { clientId: '0oa1', status: 'ACTIVE', active: true } },
      }),
    );
    assert.notEqual(v.code, 'client_deactivated');
    assert.doesNotMatch(v.summary, /deactivated/);
    assert.ok(
      v.evidence.some((e) => e.source === 'idp-record' && /credentials we introspected with are wrong/.test(e.text)),
    );
  });

  it('a failed management API call is evidence with its code, and the inferred verdict keeps its words and confidence', () => {
    const base = input({
      token: { kind: 'jwt', payload: okta },
      introspection: { error: { code: 'oauth.invalid_client', message: 'invalid_client' } },
      kongConfig: { auth_methods: ['introspection'] },
    });
    const without = diagnose(base);
    const v = diagnose({
      ...base,
      idpRecord: {
        source: 'okta-management-api',
        error: {
          code: 'okta.app_not_found',
          message: 'No application in https://example.okta.com has the OAuth client id "0oa1".',
        },
      },
    });
    assert.deepEqual([v.code, v.summary, v.confidence], [without.code, without.summary, without.confidence]);
    assert.equal(v.confidence, 'likely');
    assert.ok(v.evidence.some((e) => e.source === 'idp-record' && /\[okta\.app_not_found\]/.test(e.text)));
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

  // Case 1: the gateway could not ask the IdP.
  it('any gateway, a JWT: active at the IdP and verified here, yet refused: the gateway failed to introspect, causes ranked', () => {
    const v = diagnose(
      input({
        gateway: { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } },
        gatewayKind: 'other',
        token: { kind: 'jwt', payload: okta, verification: valid },
        introspection: { active: true, claims: {} },
      }),
    );
    assert.equal(v.code, 'gateway_introspection_failed');
    assert.match(v.summary, /client credentials.*TLS certificate.*introspection endpoint/);
    assert.doesNotMatch(v.fix!, /Kong|OIDC/);
  });

  it("the gateway's log says the IdP refused its client: certain, quoting the line", () => {
    const v = diagnose(
      input({
        gateway: { status: 401, headers: APACHE_401 },
        gatewayKind: 'apache',
        token: { kind: 'opaque' },
        gatewayLog: [
          {
            level: 'error',
            text: 'oidc_util_check_json_error: oidc_util_check_json_error: "error" entry with value: "invalid_client"',
            signal: 'introspection_client_refused',
          },
        ],
      }),
    );
    assert.equal(v.code, 'gateway_introspection_failed');
    assert.equal(v.confidence, 'certain');
    assert.match(v.summary, /refused its client credentials.*"invalid_client"/);
    assert.match(v.fix!, /OIDCOAuthClientSecret/);
  });

  it("the gateway's log says TLS failed: its CA bundle, in its own words", () => {
    const v = diagnose(
      input({
        gateway: { status: 401, headers: APACHE_401 },
        gatewayKind: 'apache',
        token: { kind: 'jwt', payload: okta, verification: valid },
        introspection: { active: true, claims: {} },
        gatewayLog: [
          {
            level: 'error',
            text: 'curl_easy_perform() failed on: https://idp/introspect (SSL certificate problem: unable to get local issuer certificate)',
            signal: 'introspection_tls_failed',
          },
        ],
      }),
    );
    assert.equal(v.code, 'gateway_introspection_failed');
    assert.match(v.summary, /does not trust the IdP's TLS certificate/);
    assert.match(v.fix!, /OIDCCABundlePath/);
  });

  it('an empty Apache log at the default level fits an inactive answer and rules out a failed introspection call', () => {
    const v = diagnose(
      input({
        gateway: { status: 401, headers: APACHE_401 },
        gatewayKind: 'apache',
        token: { kind: 'opaque' },
        gatewayLog: [],
      }),
    );
    assert.equal(v.code, 'token_inactive');
    assert.match(v.summary, /rules out a failed introspection call/);
  });

  it("an empty Apache log while the IdP tells us the token is active: the gateway's own call failed (an empty 401 leaves no line)", () => {
    // Staged for real in docs/diagnosis.md: Glewlwyd refuses a wrong gateway secret with an empty 401.
    const v = diagnose(
      input({
        gateway: { status: 401, headers: APACHE_401 },
        gatewayKind: 'apache',
        token: { kind: 'opaque' },
        introspection: { active: true, claims: {} },
        gatewayLog: [],
      }),
    );
    assert.equal(v.code, 'gateway_introspection_failed');
    assert.match(v.summary, /its own client credentials are refused \(an IdP that refuses with an empty body/);
  });

  it("Apache's claim rule (Require claim) names the claim that failed: a bare 401 that is Apache's, not the upstream's", () => {
    const v = diagnose(
      input({
        gateway: { status: 401, headers: {}, body: '<title>401 Unauthorized</title>' },
        gatewayKind: 'apache',
        token: { kind: 'jwt', payload: { ...okta, aud: 'api://default' } },
        gatewayLog: [
          {
            level: 'info',
            signal: 'claim_rule_failed',
            text: "oidc_authz_worker24: could not match require claim expression 'aud:https://other-api.example'",
          },
          {
            level: 'error',
            signal: 'authorization_failed',
            text: 'AH01631: user x: authorization failure for "/orders":',
          },
        ],
      }),
    );
    assert.equal(v.code, 'audience_mismatch');
    assert.equal(v.decidedBy, 'gateway');
    assert.match(v.summary, /requires aud https:\/\/other-api\.example, and the token's aud is api:\/\/default/);
    assert.match(v.fix!, /Require claim aud/);
  });

  it("Apache's own 401 page with no log is not blamed on the upstream", () => {
    const v = diagnose(
      input({
        gateway: {
          status: 401,
          headers: {},
          body: '<p>This server could not verify that you\nare authorized to access the document\nrequested.</p>',
        },
        gatewayKind: 'apache',
        token: { kind: 'jwt', payload: okta },
      }),
    );
    assert.notEqual(v.code, 'upstream_rejected');
  });

  it("Kong's issuers_allowed replaces the issuer: a token from the plugin's own issuer is refused when the list leaves it out", () => {
    const v = diagnose(
      input({
        token: { kind: 'jwt', payload: okta },
        kongConfig: { issuer: okta.iss, issuers_allowed: ['https://other.example/oauth2/default'] },
      }),
    );
    assert.equal(v.code, 'issuer_mismatch');
    assert.match(v.summary, /expects https:\/\/other\.example\/oauth2\/default/);
  });

  it('a local-JWT Apache that cannot fetch the JWKS: the failed call is named as the key fetch, not an introspection', () => {
    const v = diagnose(
      input({
        gateway: { status: 401, headers: APACHE_401 },
        gatewayProfile: 'apache-jwt',
        token: { kind: 'jwt', payload: okta },
        gatewayLog: [
          {
            level: 'error',
            signal: 'introspection_tls_failed',
            text: 'oidc_util_http_call: curl_easy_perform() failed on: https://idp.example/oauth2/default/v1/keys (SSL certificate problem: unable to get local issuer certificate)',
          },
        ],
      }),
    );
    assert.equal(v.code, 'gateway_introspection_failed');
    assert.match(v.summary, /failed to fetch the IdP's signing keys \(JWKS\)/);
    assert.match(v.fix!, /OIDCCABundlePath/);
  });

  // Case 3: not a token at all.
  it('a placeholder is not a token: nothing to revoke or reactivate', () => {
    const v = diagnose(
      input({
        token: { kind: 'opaque', malformed: '"abc" is a placeholder, not a token' },
        introspection: { active: false },
      }),
    );
    assert.equal(v.code, 'not_a_token');
    assert.doesNotMatch(`${v.summary} ${v.fix}`, /reactivat(e|ing) (it|the)|revoked or/i);
    assert.match(v.fix!, /access_token value from the IdP's token response/);
  });

  // Case 6: the token where the gateway does not look.
  it('a token in the query string on Apache (header only by default): where it was and where Apache looks', () => {
    const v = diagnose(
      input({
        gateway: { status: 401, headers: { 'www-authenticate': 'Bearer' } },
        gatewayKind: 'apache',
        request: { tokenLocation: 'query' },
        token: { kind: 'jwt', payload: okta },
      }),
    );
    assert.equal(v.code, 'token_wrong_place');
    assert.match(v.summary, /sent in the query.*only from the Authorization header/);
    assert.match(v.fix!, /OIDCOAuthAcceptTokenAs/);
  });

  it("a token in a cookie on Kong's jwt plugin: it reads the header and the jwt query parameter", () => {
    const v = diagnose(
      input({
        gateway: { status: 401, headers: { 'www-authenticate': 'Bearer', 'x-kong-response-latency': '1' } },
        gatewayProfile: 'kong-jwt',
        request: { tokenLocation: 'cookie' },
      }),
    );
    assert.equal(v.code, 'token_wrong_place');
    assert.match(v.summary, /cookie.*authorization header, the jwt query parameter/);
  });

  // Case 8: fixes in the gateway's own words.
  it('an unexplained 401 on Apache asks for its log and configuration in Apache terms, never Kong advice', () => {
    const v = diagnose(
      input({
        gateway: { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } },
        gatewayKind: 'apache',
        token: { kind: 'jwt', payload: okta },
        kongConfig: { auth_methods: ['bearer'] },
      }),
    );
    assert.equal(v.code, 'unexplained');
    assert.match(v.fix!, /LogLevel auth_openidc:debug/);
    assert.doesNotMatch(v.fix!, /display_errors|Kong/);
  });

  it("an Apache route's configuration findings are evidence in its directives' names", () => {
    const v = diagnose(
      input({
        gateway: { status: 401, headers: APACHE_401 },
        gatewayKind: 'apache',
        token: { kind: 'opaque' },
        introspection: { active: true, claims: {} },
        kongConfig: { auth_methods: ['introspection'], introspection_endpoint: 'https://idp/i', client_id: [] },
      }),
    );
    const config = v.evidence.filter((e) => e.source === 'config');
    assert.ok(
      config.some((e) => /^OIDCOAuthClientID: /.test(e.text)),
      JSON.stringify(config),
    );
    assert.ok(!config.some((e) => /config\./.test(e.text)), JSON.stringify(config));
  });

  it('revocation advice on an Apache route names OIDCOAuthTokenIntrospectionInterval', () => {
    const v = diagnose(
      input({
        gateway: { status: 200, headers: {} },
        gatewayKind: 'apache',
        token: { kind: 'opaque' },
        introspection: { active: false },
        kongConfig: {
          auth_methods: ['introspection'],
          introspection_endpoint: 'https://idp/introspect',
          cache_introspection: true,
          cache_ttl: 300,
          cache_ttl_max: 300,
        },
      }),
    );
    assert.equal(v.code, 'accepted_inactive_token');
    assert.match(v.summary, /OIDCOAuthTokenIntrospectionInterval.*300 s/);
    assert.match(v.fix!, /OIDCOAuthTokenIntrospectionInterval to -1/);
  });

  // Case 10: honest confidence.
  it('an unexplained 401 on an unknown gateway says which evidence would settle it', () => {
    const v = diagnose(
      input({
        gateway: { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } },
        gatewayKind: 'other',
        token: { kind: 'jwt', payload: okta },
      }),
    );
    assert.equal(v.code, 'unexplained');
    assert.match(v.fix!, /error log.*configuration.*audience the API expects/);
  });

  // Kong as Kong really answers.
  it("Kong's 403 with no configuration: a missing scope or no consumer, said honestly as either", () => {
    const v = diagnose(input({ gateway: { status: 403, headers: KONG_403 }, token: { kind: 'jwt', payload: okta } }));
    assert.equal(v.code, 'scope_or_consumer');
    assert.match(v.summary, /consumer/);
  });

  it("Kong's 403 with a configuration that names no requirement and no consumer mapping: still either", () => {
    const v = diagnose(
      input({
        gateway: { status: 403, headers: KONG_403 },
        token: { kind: 'jwt', payload: okta },
        kongConfig: { auth_methods: ['bearer'] },
      }),
    );
    assert.equal(v.code, 'scope_or_consumer');
  });

  it("Kong 3.14's consumer_claims (a list of claim paths) decide a consumer-not-found 403", () => {
    const v = diagnose(
      input({
        gateway: { status: 403, headers: KONG_403 },
        token: { kind: 'jwt', payload: okta },
        kongConfig: { scopes_claim: ['scp'], consumer_claims: [['sub'], ['cid']], consumer_by: ['custom_id'] },
      }),
    );
    assert.equal(v.code, 'consumer_not_found');
    assert.match(v.summary, /by cid \(0oa1\).*custom_id/);
  });

  it('the reason Kong appends to its body under display_errors drives the verdict', () => {
    const v = diagnose(
      input({
        gateway: {
          status: 401,
          headers: KONG_401,
          body: '{"message":"Unauthorized (invalid exp claim (1764330000) was specified for access token)"}',
        },
        token: { kind: 'opaque' },
        kongConfig: { auth_methods: ['bearer'] },
      }),
    );
    assert.equal(v.code, 'token_expired');
    assert.match(v.summary, /invalid exp claim \(1764330000\)/);
    assert.doesNotMatch(v.fix ?? '', /display_errors/);
  });

  it("Kong's body says the token expired while it is unexpired by our clock: the gateway's clock is ahead", () => {
    const v = diagnose(
      input({
        gateway: {
          status: 401,
          headers: KONG_401,
          body: '{"message":"Unauthorized (invalid exp claim (1764334800) was specified for access token)"}',
        },
        token: { kind: 'jwt', payload: { ...okta, exp: nowS + 120 } },
        kongConfig: { auth_methods: ['bearer'] },
      }),
    );
    assert.equal(v.code, 'clock_skew');
    assert.match(v.fix!, /leeway/);
  });

  it("Kong's jwt plugin: No credentials found for given 'iss' names the issuer with no credential", () => {
    const v = diagnose(
      input({
        gateway: { status: 401, headers: KONG_401, body: `{"message":"No credentials found for given 'iss'"}` },
        gatewayProfile: 'kong-jwt',
        token: { kind: 'jwt', payload: okta },
      }),
    );
    assert.equal(v.code, 'consumer_not_found');
    assert.match(v.summary, /iss \(https:\/\/example\.okta\.com\/oauth2\/default\)/);
    assert.match(v.fix!, /jwt credential/);
  });

  it("Kong's jwt plugin does not check exp unless claims_to_verify lists it: an expired token is not blamed", () => {
    const v = diagnose(
      input({
        gateway: { status: 401, headers: KONG_401, body: '{"message":"Invalid signature"}' },
        gatewayProfile: 'kong-jwt',
        token: { kind: 'jwt', payload: { ...okta, exp: nowS - 300 } },
      }),
    );
    assert.equal(v.code, 'signature_invalid');
  });

  it('Kong\'s jwt plugin body {"exp":"token expired"} is an expiry', () => {
    const v = diagnose(
      input({
        gateway: { status: 401, headers: KONG_401, body: '{"exp":"token expired"}' },
        gatewayProfile: 'kong-jwt',
        kongConfig: { claims_to_verify: ['exp'] },
        token: { kind: 'jwt', payload: { ...okta, exp: nowS - 300 } },
      }),
    );
    assert.equal(v.code, 'token_expired');
  });

  it("a 302 to the IdP's authorize endpoint is a redirect to login, not an accepted request", () => {
    const v = diagnose(
      input({
        gateway: {
          status: 302,
          headers: {
            location: 'https://example.okta.com/oauth2/default/v1/authorize?response_type=code&client_id=gw',
            'x-kong-response-latency': '2',
          },
        },
        request: { tokenLocation: 'none' },
      }),
    );
    assert.equal(v.code, 'redirected_to_login');
    assert.match(v.fix!, /auth_methods/);
  });

  it('claims_forbidden: a 403 for the claim the token carries', () => {
    const v = diagnose(
      input({
        gateway: { status: 403, headers: KONG_403 },
        token: { kind: 'jwt', payload: { ...okta, act: { sub: 'admin' } } },
        kongConfig: { scopes_claim: ['scp'], claims_forbidden: ['act'] },
      }),
    );
    assert.equal(v.code, 'claim_forbidden');
    assert.match(v.summary, /"act"/);
  });

  it('anonymous: a failed check proxied as the anonymous consumer', () => {
    const v = diagnose(
      input({
        gateway: { status: 200, headers: { 'x-kong-upstream-latency': '3' } },
        token: { kind: 'opaque' },
        introspection: { active: false },
        kongConfig: { auth_methods: ['introspection'], anonymous: 'guest' },
      }),
    );
    assert.equal(v.code, 'accepted_as_anonymous');
    assert.match(v.summary, /anonymous \(guest\)/);
  });

  it("Kong's default invalid_token on a 401 with no token, its log saying so", () => {
    const v = diagnose(
      input({
        request: {},
        gatewayLog: [
          { level: 'notice', text: 'no suitable authorization credentials were provided', signal: 'no_token' },
        ],
      }),
    );
    assert.equal(v.code, 'no_token');
    assert.match(v.summary, /invalid_token" also when there is none/);
  });

  it("an earlier inactive answer in Kong's cache is among the causes of a refused active token", () => {
    const v = diagnose(
      input({
        token: { kind: 'opaque' },
        introspection: { active: true, claims: {} },
        kongConfig: { auth_methods: ['introspection'], cache_ttl: 600 },
      }),
    );
    assert.equal(v.code, 'gateway_introspection_failed');
    assert.match(v.summary, /\{"active":false\} answer in its cache.*600 s/);
  });

  it('a token in a JSON body is read by Kong by default (header, query, body)', () => {
    const v = diagnose(
      input({
        request: { tokenLocation: 'body' },
        token: { kind: 'opaque' },
        introspection: { active: false },
        kongConfig: { auth_methods: ['introspection'] },
      }),
    );
    assert.equal(v.code, 'token_inactive');
  });

  // Okta as Okta really answers.
  it("a token from Okta's org authorization server at a gateway trusting a custom one: the wrong server, not a revocation", () => {
    const v = diagnose(
      input({
        token: { kind: 'jwt', payload: { ...okta, iss: 'https://example.okta.com', aud: 'https://example.okta.com' } },
        introspection: { active: false },
        introspectedBy: { clientId: '0oa1', issuer: 'https://example.okta.com/oauth2/default' },
      }),
    );
    assert.equal(v.code, 'wrong_authorization_server');
    assert.match(v.summary, /org authorization server.*not a revocation/);
    assert.doesNotMatch(v.summary, /revoked or deactivated/);
  });

  // Case 2: the upstream refused.
  it('a gateway that adds no Kong headers proxies a 401 the upstream made (no Bearer challenge): not blamed on the gateway', () => {
    const v = diagnose(
      input({
        gateway: { status: 401, headers: { 'x-sandbox-upstream': 'orders', 'content-type': 'text/plain' }, body: 'no' },
        gatewayKind: 'apache',
        token: { kind: 'jwt', payload: okta },
      }),
    );
    assert.equal(v.code, 'upstream_rejected');
    assert.doesNotMatch(v.fix!, /upstream_access_token_header/);
  });

  // Case 4: asked by another client.
  it('active:false when we asked as another client than the one the unexpired, verified JWT was issued to', () => {
    const v = diagnose(
      input({
        token: { kind: 'jwt', payload: okta, verification: valid },
        introspection: { active: false },
        introspectedBy: { clientId: 'debugger', issuer: 'https://example.okta.com/oauth2/default' },
      }),
    );
    assert.equal(v.code, 'introspected_by_other_client');
    assert.match(v.summary, /as client debugger.*issued to client 0oa1/);
    assert.match(v.fix!, /--client-id 0oa1/);
  });

  // Case 5: let through what it should have refused.
  it('a 200 for a JWT expired beyond the leeway: the gateway let through a token it should have refused', () => {
    const v = diagnose(
      input({
        gateway: { status: 200, headers: {} },
        token: { kind: 'jwt', payload: { ...okta, exp: nowS - 600 } },
      }),
    );
    assert.equal(v.code, 'accepted_invalid_token');
    assert.match(v.summary, /expired at/);
  });

  it('a 200 for a JWT whose nbf is in the future', () => {
    const v = diagnose(
      input({ gateway: { status: 200, headers: {} }, token: { kind: 'jwt', payload: { ...okta, nbf: nowS + 600 } } }),
    );
    assert.equal(v.code, 'accepted_invalid_token');
    assert.match(v.summary, /not valid before/);
  });

  it('a 200 for a JWT for another audience, when the expected audience is known', () => {
    const v = diagnose(
      input({
        gateway: { status: 200, headers: {} },
        token: { kind: 'jwt', payload: okta },
        expected: { audience: ['api://orders'] },
      }),
    );
    assert.equal(v.code, 'accepted_invalid_token');
    assert.match(v.summary, /aud is api:\/\/default, not api:\/\/orders/);
  });

  // Case 7: claim rules without a challenge.
  it('a 401 with no challenge and an expected claim the token lacks: names the claim and its value', () => {
    const v = diagnose(
      input({
        gateway: { status: 401, headers: {} },
        gatewayKind: 'other',
        token: { kind: 'jwt', payload: { ...okta, tenant: 'globex' } },
        expected: { claims: { tenant: 'acme' } },
      }),
    );
    assert.equal(v.code, 'claim_mismatch');
    assert.match(v.summary, /tenant to be acme.*"globex"/);
  });

  it("Apache's Require claim read from its configuration: a 403 with no challenge names the claim and its value", () => {
    const v = diagnose(
      input({
        gateway: { status: 403, headers: {} },
        gatewayKind: 'apache',
        token: { kind: 'opaque' },
        introspection: { active: true, claims: { active: true, tenant: 'globex' } },
        kongConfig: {
          auth_methods: ['introspection'],
          introspection_endpoint: 'https://idp/i',
          required_claims: { tenant: 'acme' },
        },
      }),
    );
    assert.equal(v.code, 'claim_mismatch');
    assert.match(v.summary, /tenant to be acme.*"globex"/);
  });

  it("Kong's realm names the issuer's host: a token from another host is from another authorization server", () => {
    const v = diagnose(
      input({
        gateway: {
          status: 401,
          headers: {
            'www-authenticate': 'Bearer realm="idp.example.com", error="invalid_token"',
            'x-kong-response-latency': '1',
          },
        },
        token: { kind: 'jwt', payload: okta },
      }),
    );
    assert.equal(v.code, 'issuer_mismatch');
    assert.match(v.summary, /realm is idp\.example\.com.*iss is https:\/\/example\.okta\.com/);
  });

  it("a 401 with the upstream's own Bearer challenge, the gateway's log saying it accepted the token: the upstream's", () => {
    const v = diagnose(
      input({
        gateway: {
          status: 401,
          headers: { 'www-authenticate': 'Bearer realm="orders-api"' },
          body: 'token not for us',
        },
        gatewayKind: 'other',
        token: { kind: 'jwt', payload: okta },
        gatewayLog: [
          {
            level: 'debug',
            text: 'oidc_oauth_set_request_user: set user to "cc-basic" based on claim: "client_id"',
            signal: 'token_accepted',
          },
        ],
      }),
    );
    assert.equal(v.code, 'upstream_rejected');
    assert.equal(v.confidence, 'certain');
    assert.match(v.summary, /its log says "oidc_oauth_set_request_user: set user to/);
  });

  it("a bare 401 behind mod_auth_openidc (which always challenges with Bearer) is the upstream's", () => {
    const v = diagnose(
      input({
        gateway: { status: 401, headers: { 'content-type': 'application/json' }, body: '{"error":"no session"}' },
        gatewayKind: 'apache',
        token: { kind: 'jwt', payload: okta },
      }),
    );
    assert.equal(v.code, 'upstream_rejected');
  });

  it('a 403 with no challenge and the expected audience: the audience that fails, with its value', () => {
    const v = diagnose(
      input({
        gateway: { status: 403, headers: {} },
        gatewayKind: 'other',
        token: { kind: 'jwt', payload: okta },
        expected: { audience: ['api://orders'] },
      }),
    );
    assert.equal(v.code, 'audience_mismatch');
    assert.match(v.summary, /api:\/\/orders.*api:\/\/default/);
  });

  // Case 9: only the causes that could not be ruled out.
  it('an inactive unexpired JWT that verifies is not called perhaps expired', () => {
    const v = diagnose(
      input({
        token: { kind: 'jwt', payload: okta, verification: valid },
        introspection: { active: false },
        kongConfig: { auth_methods: ['introspection'] },
      }),
    );
    assert.equal(v.code, 'token_inactive');
    assert.doesNotMatch(v.summary, /expired/);
    assert.match(v.summary, /revoked/);
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
