import { strict as assert } from 'node:assert';
import { lintKongOidc } from '../../../src/core/gateway/lint';
import type { LintFinding } from '../../../src/core/gateway/lint';
import type { KongOidcConfig } from '../../../src/core/gateway/kong-oidc-config';

const ISSUER = 'https://example.okta.com/oauth2/default';
const metadata = {
  issuer: ISSUER,
  introspection_endpoint: `${ISSUER}/v1/introspect`,
  introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt'],
};
const now = 1_800_000_000;
const oktaJwt = { kind: 'jwt' as const, claims: { iss: ISSUER, aud: 'api://default', cid: '0oa1', sub: '0oa1', scp: ['orders:read'], iat: now, exp: now + 3600 } };
/** A config with every warning-only default silenced, so each test sees its own rule. */
const quiet: KongOidcConfig = { issuer: ISSUER, auth_methods: ['introspection'], client_id: ['gw'], client_secret: ['{vault://env/gw}'], ssl_verify: true, bearer_token_param_type: ['header'], cache_introspection: false };

function rule(findings: LintFinding[], id: string): LintFinding {
  const found = findings.find((f) => f.rule === id);
  assert.ok(found, `expected rule ${id}, got ${findings.map((f) => f.rule).join(', ') || 'none'}`);
  return found;
}

describe('gateway lint (Kong openid-connect)', () => {
  it('a clean config has no findings', () => {
    assert.deepEqual(lintKongOidc(quiet, { metadata, token: oktaJwt }), []);
  });

  it('issuer-mismatch: trailing slash', () => {
    const f = rule(lintKongOidc({ ...quiet, issuer: `${ISSUER}/` }, { metadata }), 'issuer-mismatch');
    assert.match(f.message, /differ only by a trailing slash/);
    assert.equal(f.field, 'config.issuer');
  });

  it('issuer-mismatch: org vs custom authorization server', () => {
    const f = rule(lintKongOidc({ ...quiet, issuer: 'https://example.okta.com' }, { metadata }), 'issuer-mismatch');
    assert.match(f.message, /org authorization server/);
  });

  it('a discovery URL as issuer is fine', () => {
    const findings = lintKongOidc({ ...quiet, issuer: `${ISSUER}/.well-known/openid-configuration` }, { metadata });
    assert.equal(findings.find((f) => f.rule === 'issuer-mismatch'), undefined);
  });

  it('token-issuer-not-allowed', () => {
    const f = rule(lintKongOidc(quiet, { metadata, token: { kind: 'jwt', claims: { ...oktaJwt.claims, iss: 'https://other.okta.com/oauth2/default' } } }), 'token-issuer-not-allowed');
    assert.match(f.message, /401/);
  });

  it('introspection-endpoint-mismatch', () => {
    const f = rule(lintKongOidc({ ...quiet, introspection_endpoint: 'https://example.okta.com/oauth2/v1/introspect' }, { metadata }), 'introspection-endpoint-mismatch');
    assert.match(f.message, /IdP's introspection endpoint is https:\/\/example\.okta\.com\/oauth2\/default\/v1\/introspect/);
  });

  it('introspection-auth-unsupported', () => {
    const f = rule(lintKongOidc({ ...quiet, introspection_endpoint_auth_method: 'tls_client_auth' }, { metadata }), 'introspection-auth-unsupported');
    assert.match(f.message, /tls_client_auth, which the IdP does not support/);
  });

  it('introspection-client-missing', () => {
    const f = rule(lintKongOidc({ ...quiet, client_id: undefined }, { metadata }), 'introspection-client-missing');
    assert.match(f.message, /no client_id/);
  });

  it('jwt-not-introspected, with how long a revoked token keeps working', () => {
    const f = rule(lintKongOidc({ ...quiet, auth_methods: ['bearer'] }, { metadata, token: oktaJwt }), 'jwt-not-introspected');
    assert.match(f.message, /keeps working until it expires/);
    assert.equal(f.evidence, 'this token lives 60 minutes');
  });

  it('introspection-cache-delays-revocation says how long', () => {
    const f = rule(lintKongOidc({ ...quiet, cache_introspection: true }, { metadata, token: oktaJwt }), 'introspection-cache-delays-revocation');
    assert.match(f.message, /cached for up to 60 minutes/);
    const capped = lintKongOidc({ ...quiet, cache_introspection: true, cache_ttl_max: 30 }, { metadata, token: oktaJwt });
    assert.equal(capped.find((x) => x.rule === 'introspection-cache-delays-revocation'), undefined);
  });

  it('okta-scopes-claim: scope vs scp', () => {
    const f = rule(lintKongOidc({ ...quiet, auth_methods: ['bearer'], introspect_jwt_tokens: true, scopes_required: ['orders:read'] }, { metadata, token: oktaJwt }), 'okta-scopes-claim');
    assert.match(f.message, /Okta JWT access tokens carry them in "scp"/);
    assert.equal(f.fix, 'Set config.scopes_claim to ["scp"].');
  });

  it('scopes-not-in-token', () => {
    const f = rule(lintKongOidc({ ...quiet, scopes_claim: ['scp'], scopes_required: ['orders:write'] }, { metadata, token: oktaJwt }), 'scopes-not-in-token');
    assert.match(f.message, /requires scope orders:write.*has: orders:read/);
  });

  it('audience-not-in-token', () => {
    const f = rule(lintKongOidc({ ...quiet, audience_required: ['api://orders'] }, { metadata, token: oktaJwt }), 'audience-not-in-token');
    assert.match(f.message, /audience api:\/\/orders.*aud is api:\/\/default/);
  });

  it('ssl-verify-off (Kong default)', () => {
    const f = rule(lintKongOidc({ ...quiet, ssl_verify: undefined }, { metadata }), 'ssl-verify-off');
    assert.equal(f.severity, 'warning');
  });

  it('auth-methods-default', () => {
    const f = rule(lintKongOidc({ ...quiet, auth_methods: undefined }, { metadata }), 'auth-methods-default');
    assert.match(f.message, /302/);
  });

  it('token-in-query', () => {
    const f = rule(lintKongOidc({ ...quiet, bearer_token_param_type: undefined }, { metadata }), 'token-in-query');
    assert.match(f.message, /access logs/);
  });

  it('plaintext-client-secret only for files, vault references pass', () => {
    const f = rule(lintKongOidc({ ...quiet, client_secret: ['s3cret'] }, { metadata, fromFile: true }), 'plaintext-client-secret');
    assert.equal(f.field, 'config.client_secret[0]');
    assert.doesNotMatch(JSON.stringify(f), /s3cret/, 'the finding never repeats the secret');
    assert.equal(lintKongOidc({ ...quiet, client_secret: ['s3cret'] }, { metadata }).find((x) => x.rule === 'plaintext-client-secret'), undefined);
  });

  it('consumer-required is an error for machine tokens', () => {
    const f = rule(lintKongOidc({ ...quiet, consumer_claim: ['sub'] }, { metadata, token: oktaJwt }), 'consumer-required');
    assert.equal(f.severity, 'error');
    assert.match(f.message, /machine \(client-credentials\) token/);
  });
});
