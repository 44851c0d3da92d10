import { strict as assert } from 'node:assert';
import { readApacheConf } from '../../../src/core/gateway/apache-conf';
import { readDeckFile } from '../../../src/core/gateway/deck-file';
import { consumerContext, lintKongOidc } from '../../../src/core/gateway/lint';
import { kongAtLeast, oldestKongVersion } from '../../../src/core/gateway/kong-version';
import type { LintFinding } from '../../../src/core/gateway/lint';
import type { KongOidcConfig } from '../../../src/core/gateway/kong-oidc-config';

const ISSUER = 'https://example.okta.com/oauth2/default';
const metadata = {
  issuer: ISSUER,
  introspection_endpoint: `${ISSUER}/v1/introspect`,
  introspection_endpoint_auth_methods_supported: [
    'client_secret_basic',
    'client_secret_post',
    'client_secret_jwt',
    'private_key_jwt',
  ],
};
const now = 1_800_000_000;
const oktaJwt = {
  kind: 'jwt' as const,
  claims: {
    iss: ISSUER,
    aud: 'api://default',
    cid: '0oa1',
    sub: '0oa1',
    scp: ['orders:read'],
    iat: now,
    exp: now + 3600,
  },
};
/** A config with every warning-only default silenced, so each test sees its own rule. */
const quiet: KongOidcConfig = {
  issuer: ISSUER,
  auth_methods: ['introspection'],
  client_id: ['gw'],
  client_secret: ['{vault://env/gw}'],
  ssl_verify: true,
  bearer_token_param_type: ['header'],
  cache_introspection: false,
};

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
    assert.equal(
      findings.find((f) => f.rule === 'issuer-mismatch'),
      undefined,
    );
  });

  it('token-issuer-not-allowed', () => {
    const f = rule(
      lintKongOidc(quiet, {
        metadata,
        token: { kind: 'jwt', claims: { ...oktaJwt.claims, iss: 'https://other.okta.com/oauth2/default' } },
      }),
      'token-issuer-not-allowed',
    );
    assert.match(f.message, /401/);
  });

  it('introspection-endpoint-mismatch', () => {
    const f = rule(
      lintKongOidc({ ...quiet, introspection_endpoint: 'https://example.okta.com/oauth2/v1/introspect' }, { metadata }),
      'introspection-endpoint-mismatch',
    );
    assert.match(
      f.message,
      /IdP's introspection endpoint is https:\/\/example\.okta\.com\/oauth2\/default\/v1\/introspect/,
    );
  });

  it('introspection-auth-unsupported', () => {
    const f = rule(
      lintKongOidc({ ...quiet, introspection_endpoint_auth_method: 'tls_client_auth' }, { metadata }),
      'introspection-auth-unsupported',
    );
    assert.match(f.message, /tls_client_auth, which the IdP does not support/);
  });

  it('introspection-client-missing', () => {
    const f = rule(lintKongOidc({ ...quiet, client_id: undefined }, { metadata }), 'introspection-client-missing');
    assert.match(f.message, /no client_id/);
  });

  it('jwt-not-introspected, with how long a revoked token keeps working', () => {
    const f = rule(
      lintKongOidc({ ...quiet, auth_methods: ['bearer'] }, { metadata, token: oktaJwt }),
      'jwt-not-introspected',
    );
    assert.match(f.message, /keeps working until it expires/);
    assert.equal(f.evidence, 'this token lives 60 minutes');
  });

  it('introspection-cache-delays-revocation says how long', () => {
    const f = rule(
      lintKongOidc({ ...quiet, cache_introspection: true }, { metadata, token: oktaJwt }),
      'introspection-cache-delays-revocation',
    );
    assert.match(f.message, /cached for up to 60 minutes/);
    const capped = lintKongOidc(
      { ...quiet, cache_introspection: true, cache_ttl_max: 30 },
      { metadata, token: oktaJwt },
    );
    assert.equal(
      capped.find((x) => x.rule === 'introspection-cache-delays-revocation'),
      undefined,
    );
  });

  it('okta-scopes-claim: scope vs scp when JWTs are verified locally', () => {
    const f = rule(
      lintKongOidc(
        { ...quiet, auth_methods: ['bearer'], scopes_required: ['orders:read'] },
        { metadata, token: oktaJwt },
      ),
      'okta-scopes-claim',
    );
    assert.match(f.message, /Okta JWT access tokens carry them in "scp" and this route verifies JWTs locally/);
    assert.equal(f.evidence, 'the token has scp = ["orders:read"] and no scope claim');
    assert.match(f.fix, /^Set config\.scopes_claim to \["scp"\]/);
    // Without a token, an Okta issuer is enough to warn.
    rule(
      lintKongOidc({ ...quiet, auth_methods: ['bearer'], scopes_required: ['orders:read'] }, { metadata }),
      'okta-scopes-claim',
    );
  });

  it('okta-scopes-claim stays quiet where the introspection answer (which carries scope) is read', () => {
    const scopes = { scopes_required: ['orders:read'] };
    const cases: Array<[string, KongOidcConfig]> = [
      ['introspection only', { ...quiet, ...scopes }],
      [
        'bearer with introspect_jwt_tokens',
        { ...quiet, ...scopes, auth_methods: ['bearer'], introspect_jwt_tokens: true },
      ],
      [
        'bearer and introspection, introspecting JWTs',
        { ...quiet, ...scopes, auth_methods: ['bearer', 'introspection'], introspect_jwt_tokens: true },
      ],
    ];
    for (const [name, config] of cases) {
      // Okta's JWT has scp and no scope; its introspection answer has scope, which Kong reads first.
      const findings = lintKongOidc(config, { metadata, token: oktaJwt });
      assert.deepEqual(
        findings.map((f) => f.rule).filter((r) => r !== 'jwt-not-introspected'),
        [],
        name,
      );
      assert.deepEqual(
        lintKongOidc(config, { metadata }).filter((f) => f.rule === 'okta-scopes-claim'),
        [],
        `${name}, no token`,
      );
    }
    // An opaque token is never verified locally, even on a route that also allows bearer.
    const opaque = { kind: 'opaque' as const, claims: { active: true, scope: 'orders:read', client_id: '0oa1' } };
    assert.deepEqual(
      lintKongOidc(
        { ...quiet, ...scopes, auth_methods: ['bearer', 'introspection'] },
        { metadata, token: opaque },
      ).filter((f) => f.rule === 'okta-scopes-claim' || f.rule === 'scopes-not-in-token'),
      [],
    );
  });

  it('scopes in an introspection answer are still checked: scopes-not-in-token', () => {
    const opaque = { kind: 'opaque' as const, claims: { active: true, scope: 'orders:read', client_id: '0oa1' } };
    const f = rule(
      lintKongOidc({ ...quiet, scopes_required: ['orders:write'] }, { metadata, token: opaque }),
      'scopes-not-in-token',
    );
    assert.match(f.message, /requires scope orders:write.*has: orders:read/);
    // A JWT's own scope claim is checked on an introspection route too (Kong falls back to it).
    const jwt = { kind: 'jwt' as const, claims: { ...oktaJwt.claims, scp: undefined, scope: 'orders:read' } };
    rule(
      lintKongOidc({ ...quiet, scopes_required: ['orders:write'] }, { metadata, token: jwt }),
      'scopes-not-in-token',
    );
  });

  it('scopes-not-in-token', () => {
    const f = rule(
      lintKongOidc(
        { ...quiet, scopes_claim: ['scp'], scopes_required: ['orders:write'] },
        { metadata, token: oktaJwt },
      ),
      'scopes-not-in-token',
    );
    assert.match(f.message, /requires scope orders:write.*has: orders:read/);
  });

  it('audience-not-in-token', () => {
    const f = rule(
      lintKongOidc({ ...quiet, audience_required: ['api://orders'] }, { metadata, token: oktaJwt }),
      'audience-not-in-token',
    );
    assert.match(f.message, /audience api:\/\/orders.*aud is api:\/\/default/);
  });

  it('ssl-verify-off: a written false warns; left out, it notes the default changed in Kong 3.14', () => {
    const off = rule(lintKongOidc({ ...quiet, ssl_verify: false }, { metadata }), 'ssl-verify-off');
    assert.equal(off.severity, 'warning');
    assert.match(off.message, /ssl_verify is false, so the gateway trusts any certificate/);
    const unset = rule(lintKongOidc({ ...quiet, ssl_verify: undefined }, { metadata }), 'ssl-verify-off');
    assert.equal(unset.severity, 'info');
    assert.match(unset.message, /before 3\.14 .*does not verify/);
    assert.ok(
      !lintKongOidc({ ...quiet, ssl_verify: undefined }, { metadata, partial: true }).some(
        (f) => f.rule === 'ssl-verify-off',
      ),
      'a partial description says nothing about it',
    );
    assert.ok(!lintKongOidc({ ...quiet, ssl_verify: true }, { metadata }).some((f) => f.rule === 'ssl-verify-off'));
  });

  it("ssl-verify-off with the gateway's version: left out warns before Kong 3.14 and is fine from 3.14 on", () => {
    const old = rule(
      lintKongOidc({ ...quiet, ssl_verify: undefined }, { metadata, gatewayVersion: '3.9.1' }),
      'ssl-verify-off',
    );
    assert.equal(old.severity, 'warning');
    assert.match(old.message, /runs Kong 3\.9\.1, where that means off/);
    for (const version of ['3.14.0.0', '3.14.0.1-enterprise-edition', '4.0.0']) {
      assert.ok(
        !lintKongOidc({ ...quiet, ssl_verify: undefined }, { metadata, gatewayVersion: version }).some(
          (f) => f.rule === 'ssl-verify-off',
        ),
        version,
      );
    }
    // A written false is a warning on every version; a version that cannot be read leaves the note.
    assert.equal(
      rule(lintKongOidc({ ...quiet, ssl_verify: false }, { metadata, gatewayVersion: '3.14.0.0' }), 'ssl-verify-off')
        .severity,
      'warning',
    );
    assert.equal(
      rule(lintKongOidc({ ...quiet, ssl_verify: undefined }, { metadata, gatewayVersion: 'next' }), 'ssl-verify-off')
        .severity,
      'info',
    );
  });

  it('kongAtLeast compares major.minor and gives up on what it cannot read', () => {
    assert.equal(kongAtLeast('3.14.0.0', 3, 14), true);
    assert.equal(kongAtLeast('3.13.9.9', 3, 14), false);
    assert.equal(kongAtLeast('2.99.0', 3, 14), false);
    assert.equal(kongAtLeast('4.1', 3, 14), true);
    assert.equal(kongAtLeast(undefined, 3, 14), undefined);
    assert.equal(kongAtLeast('dev', 3, 14), undefined);
    assert.equal(kongAtLeast('3', 3, 14), undefined);
  });

  it('oldestKongVersion picks the oldest readable version, numerically', () => {
    assert.equal(oldestKongVersion(['3.14.0.0', '3.9.1', '3.10.0.2-enterprise-edition']), '3.9.1');
    assert.equal(oldestKongVersion(['3.14.0.1', '3.14.0.0']), '3.14.0.0');
    assert.equal(oldestKongVersion([null, 'dev', 42]), undefined);
    assert.equal(oldestKongVersion([]), undefined);
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
    const f = rule(
      lintKongOidc({ ...quiet, client_secret: ['s3cret'] }, { metadata, fromFile: true }),
      'plaintext-client-secret',
    );
    assert.equal(f.field, 'config.client_secret[0]');
    assert.doesNotMatch(JSON.stringify(f), /s3cret/, 'the finding never repeats the secret');
    assert.equal(
      lintKongOidc({ ...quiet, client_secret: ['s3cret'] }, { metadata }).find(
        (x) => x.rule === 'plaintext-client-secret',
      ),
      undefined,
    );
  });

  it('partial descriptions: a field left out is unknown, so nothing is reported missing or defaulted', () => {
    // A flow file's gateway.config: it describes the route and leaves out client_id (it lives in Kong).
    const described: KongOidcConfig = { issuer: ISSUER, scopes_required: ['orders:read'], scopes_claim: ['scp'] };
    const withIntrospection: KongOidcConfig = {
      ...described,
      auth_methods: ['introspection'],
      scopes_claim: ['scope'],
    };
    assert.deepEqual(lintKongOidc(described, { metadata: { issuer: ISSUER }, token: oktaJwt, partial: true }), []);
    assert.deepEqual(
      lintKongOidc(withIntrospection, {
        metadata: { issuer: ISSUER, introspection_endpoint_auth_methods_supported: ['private_key_jwt'] },
        token: oktaJwt,
        partial: true,
      }),
      [],
    );
    // The same configs read as whole plugin configs report every default.
    const full = lintKongOidc(withIntrospection, {
      metadata: { issuer: ISSUER, introspection_endpoint_auth_methods_supported: ['private_key_jwt'] },
      token: oktaJwt,
    }).map((f) => f.rule);
    for (const id of [
      'introspection-endpoint-missing',
      'introspection-auth-unsupported',
      'introspection-client-missing',
      'introspection-cache-delays-revocation',
      'ssl-verify-off',
      'token-in-query',
    ])
      assert.ok(full.includes(id), `${id} in ${full.join(', ')}`);
    assert.ok(lintKongOidc(described, { metadata }).some((f) => f.rule === 'auth-methods-default'));
    // Without auth_methods, a description does not say the route introspects: its client_auth is not held against the IdP.
    assert.deepEqual(lintKongOidc({ ...described, client_auth: ['tls_client_auth'] }, { metadata, partial: true }), []);
    rule(
      lintKongOidc({ ...described, client_auth: ['tls_client_auth'] }, { metadata }),
      'introspection-auth-unsupported',
    );
    assert.ok(
      lintKongOidc({ ...described, auth_methods: ['bearer'] }, { metadata, token: oktaJwt }).some(
        (f) => f.rule === 'jwt-not-introspected',
      ),
    );
  });

  it('partial descriptions: what is written still counts, an explicit null included', () => {
    const f = rule(
      lintKongOidc({ ...quiet, client_id: null as unknown as string[] }, { metadata, partial: true }),
      'introspection-client-missing',
    );
    assert.equal(f.field, 'config.client_id');
    rule(lintKongOidc({ ...quiet, ssl_verify: false }, { metadata, partial: true }), 'ssl-verify-off');
    rule(
      lintKongOidc({ ...quiet, cache_introspection: true }, { metadata, token: oktaJwt, partial: true }),
      'introspection-cache-delays-revocation',
    );
    rule(
      lintKongOidc({ ...quiet, introspection_endpoint_auth_method: 'tls_client_auth' }, { metadata, partial: true }),
      'introspection-auth-unsupported',
    );
    rule(
      lintKongOidc(
        { ...quiet, auth_methods: ['bearer'], introspect_jwt_tokens: false },
        { metadata, token: oktaJwt, partial: true },
      ),
      'jwt-not-introspected',
    );
    // Claim names still default to Kong's: scopes_required with an Okta JWT on a bearer route is the scp mistake.
    rule(
      lintKongOidc(
        { issuer: ISSUER, auth_methods: ['bearer'], scopes_required: ['orders:read'] },
        { metadata, token: oktaJwt, partial: true },
      ),
      'okta-scopes-claim',
    );
  });

  it('consumer-required is an error for machine tokens', () => {
    const f = rule(
      lintKongOidc({ ...quiet, consumer_claim: ['sub'] }, { metadata, token: oktaJwt }),
      'consumer-required',
    );
    assert.equal(f.severity, 'error');
    assert.match(f.message, /machine \(client-credentials\) token/);
  });
});

describe('gateway lint: consumer mapping against the consumers read', () => {
  const mapping: KongOidcConfig = { ...quiet, consumer_claim: ['cid'] };
  const where = 'Kong Admin API http://kong:8001';

  it('a consumer matching the token by custom_id: info that names it', () => {
    const f = rule(
      lintKongOidc(mapping, {
        metadata,
        token: oktaJwt,
        consumers: { list: [{ username: 'other' }, { username: 'partner', custom_id: '0oa1' }], where },
      }),
      'consumer-required',
    );
    assert.equal(f.severity, 'info');
    assert.match(f.message, /this token's cid 0oa1 maps to consumer partner\.$/);
  });

  it('no consumer for the token: error with how many consumers were read, and consumer_by is honoured', () => {
    const consumers = { list: [{ username: '0oa1' }, { username: 'partner', custom_id: 'x' }], where };
    const f = rule(
      lintKongOidc({ ...mapping, consumer_by: ['custom_id'] }, { metadata, token: oktaJwt, consumers }),
      'consumer-required',
    );
    assert.equal(f.severity, 'error');
    assert.match(
      f.message,
      /no consumer has custom_id 0oa1 \(this token's cid, a machine client\), so the gateway answers 403\.$/,
    );
    assert.equal(f.evidence, `2 consumers read from ${where}`);
    assert.match(f.fix, /^Create a consumer whose custom_id is 0oa1 or set consumer_optional to true\.$/);
    // Kong's default consumer_by (custom_id, username) finds the username match.
    assert.equal(
      rule(lintKongOidc(mapping, { metadata, token: oktaJwt, consumers }), 'consumer-required').severity,
      'info',
    );
  });

  it('by_username_ignore_case matches usernames whatever their case', () => {
    const consumers = { list: [{ username: '0OA1' }], where };
    assert.equal(
      rule(lintKongOidc(mapping, { metadata, token: oktaJwt, consumers }), 'consumer-required').severity,
      'error',
    );
    assert.equal(
      rule(
        lintKongOidc({ ...mapping, by_username_ignore_case: true }, { metadata, token: oktaJwt, consumers }),
        'consumer-required',
      ).severity,
      'info',
    );
  });

  it('no consumers at all and no token: every request gets 403 (a warning for a file, where they may live elsewhere)', () => {
    const live = rule(lintKongOidc(mapping, { metadata, consumers: { list: [], where } }), 'consumer-required');
    assert.equal(live.severity, 'error');
    assert.match(live.message, /there are no consumers, so every request gets 403/);
    const file = rule(
      lintKongOidc(mapping, { metadata, fromFile: true, consumers: { list: [], where: 'decK file gw.yaml' } }),
      'consumer-required',
    );
    assert.equal(file.severity, 'warning');
    assert.match(file.message, /no consumers in this file \(unless they are managed elsewhere\)/);
  });

  it('consumers that could not be read: says so instead of guessing', () => {
    const f = rule(
      lintKongOidc(mapping, {
        metadata,
        token: oktaJwt,
        consumers: { unavailable: 'the Kong Admin API answered 403 for /consumers' },
      }),
      'consumer-required',
    );
    assert.equal(f.severity, 'error');
    assert.match(f.message, /unless a consumer exists for its client id the gateway answers 403/);
    assert.equal(
      f.evidence,
      'the consumers could not be read (the Kong Admin API answered 403 for /consumers), so whether one matches is unknown',
    );
  });

  it('consumerContext: a decK file lists its consumers, Apache has none to speak of', () => {
    const deck = readDeckFile(
      '_format_version: "3.0"\nconsumers:\n  - username: partner-app\n    custom_id: 0oa1\n',
      'gw.yaml',
    );
    assert.deepEqual(consumerContext(deck), {
      list: [{ username: 'partner-app', custom_id: '0oa1' }],
      where: deck.source.description,
    });
    const f = rule(
      lintKongOidc(mapping, { metadata, token: oktaJwt, fromFile: true, consumers: consumerContext(deck) }),
      'consumer-required',
    );
    assert.equal(f.severity, 'info');
    const other = rule(
      lintKongOidc(mapping, {
        metadata,
        token: { ...oktaJwt, claims: { ...oktaJwt.claims, cid: '0oa2', sub: '0oa2' } },
        fromFile: true,
        consumers: consumerContext(deck),
      }),
      'consumer-required',
    );
    assert.equal(other.severity, 'warning');
    assert.match(other.message, /unless the consumer is defined outside this file\.$/);
    assert.equal(consumerContext(readApacheConf('<Location /a>\nAuthType oauth20\n</Location>\n')), undefined);
    assert.deepEqual(
      consumerContext({
        source: { kind: 'admin-api', description: 'x' },
        consumers: [],
        consumersUnavailable: 'the Kong Admin API answered 403 for /consumers',
      }),
      { unavailable: 'the Kong Admin API answered 403 for /consumers' },
    );
    assert.equal(consumerContext({}), undefined);
  });

  it('consumer_optional turns the rule off', () => {
    assert.equal(
      lintKongOidc(
        { ...mapping, consumer_optional: true },
        { metadata, token: oktaJwt, consumers: { list: [], where } },
      ).find((f) => f.rule === 'consumer-required'),
      undefined,
    );
  });
});
