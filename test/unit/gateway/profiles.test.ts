// The gateway profiles: the one introspects() the lint and the diagnosis share, caching, token places and replies.
import { strict as assert } from 'node:assert';
import { PROFILES, selectProfile } from '../../../src/core/gateway/profiles';

const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);
const nowS = NOW / 1000;
const kong = PROFILES['kong-openid-connect'];

describe('gateway profiles', () => {
  it('Kong introspects a JWT that fails local verification when introspection is among auth_methods (the default)', () => {
    assert.equal(kong.introspects({ kind: 'jwt', verifiesLocally: false }, {}), true);
    assert.equal(kong.introspects({ kind: 'jwt', verifiesLocally: true }, {}), false);
    assert.equal(kong.introspects({ kind: 'jwt' }, { auth_methods: ['bearer'], introspect_jwt_tokens: true }), true);
    assert.equal(kong.introspects({ kind: 'opaque' }, { auth_methods: ['bearer'] }), false);
  });

  it('Kong caches an inactive answer for cache_ttl and an active one until its exp, clamped', () => {
    assert.equal(kong.introspectionCacheSeconds({ cache_ttl: 120 }, { active: false }, NOW), 120);
    assert.equal(kong.introspectionCacheSeconds({ cache_ttl_max: 60 }, { active: true, exp: nowS + 3600 }, NOW), 60);
    assert.equal(kong.introspectionCacheSeconds({ cache_introspection: false }, { active: true }, NOW), 0);
  });

  it('mod_auth_openidc: interval 0 (or unset) keeps an active answer until exp, -1 asks every time', () => {
    const apache = PROFILES['apache-introspection'];
    assert.equal(
      apache.introspectionCacheSeconds({ cache_introspection: true }, { active: true, exp: nowS + 90 }, NOW),
      90,
    );
    assert.equal(
      apache.introspectionCacheSeconds({ cache_introspection: false }, { active: true, exp: nowS + 90 }, NOW),
      0,
    );
    assert.equal(apache.introspectionCacheSeconds({}, { active: false }, NOW), 0);
    assert.equal(PROFILES['apache-jwt'].introspects({ kind: 'opaque' }), false);
  });

  it('where each looks for the token, in order', () => {
    assert.deepEqual(
      kong.tokenSources({ bearer_token_param_type: ['query', 'header'] }).map((s) => `${s.in}:${s.name}`),
      ['query:access_token', 'header:Authorization', 'header:access-token', 'header:x-access-token'],
    );
    assert.deepEqual(
      PROFILES['kong-jwt'].tokenSources().map((s) => `${s.in}:${s.name}`),
      ['header:authorization', 'query:jwt'],
    );
    assert.deepEqual(PROFILES['generic-rfc6750'].tokenSources(), [{ in: 'header', name: 'Authorization' }]);
  });

  it("Kong's replies: marker headers, the display_errors reason, the jwt plugin's body reasons", () => {
    assert.equal(kong.answeredBy({ 'X-Kong-Response-Latency': '2' }), 'gateway');
    assert.equal(kong.answeredBy({ 'x-kong-upstream-latency': '9' }), 'upstream');
    assert.equal(kong.bodyReason(401, '{"message":"Unauthorized (invalid bearer token)"}'), 'invalid bearer token');
    assert.equal(kong.bodyReason(401, '{"message":"Unauthorized"}'), undefined);
    assert.equal(PROFILES['kong-jwt'].bodyReason(401, '{"exp":"token expired"}'), 'exp: token expired');
    assert.equal(PROFILES['kong-jwt'].checksExpiry({}), false);
    assert.equal(PROFILES['kong-jwt'].checksExpiry({ claims_to_verify: ['exp'] }), true);
  });

  it('Kong ignores a trailing slash when it compares issuers; Apache does not', () => {
    assert.equal(kong.issuerMatches('https://idp/oauth2/default/', 'https://idp/oauth2/default'), true);
    assert.equal(
      PROFILES['apache-jwt'].issuerMatches('https://idp/oauth2/default/', 'https://idp/oauth2/default'),
      false,
    );
  });

  it('selects the profile from the older kind and config, or from X-Kong-* headers', () => {
    assert.equal(selectProfile({ gatewayKind: 'apache', config: { auth_methods: ['bearer'] } }).id, 'apache-jwt');
    assert.equal(selectProfile({ gatewayKind: 'apache' }).id, 'apache-introspection');
    assert.equal(selectProfile({ headers: { 'X-Kong-Request-Id': 'a' } }).id, 'kong-openid-connect');
    assert.equal(selectProfile({ gatewayKind: 'other' }).id, 'generic-rfc6750');
    assert.equal(selectProfile({ gatewayKind: 'kong', plugin: 'jwt' }).id, 'kong-jwt');
  });
});
