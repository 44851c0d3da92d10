import { strict as assert } from 'node:assert';
import { ManualClock } from '../../../src/core/clock';
import type { OidcError } from '../../../src/core/errors';
import { DiscoveryCache, discover, discoveryCandidates } from '../../../src/core/oauth/discovery';
import { FakeHttp } from '../../support/fake-http';

const ISSUER = 'https://dev-1.okta.com/oauth2/default';
function doc(issuer = ISSUER, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    issuer,
    authorization_endpoint: `${issuer}/v1/authorize`,
    token_endpoint: `${issuer}/v1/token`,
    jwks_uri: `${issuer}/v1/keys`,
    introspection_endpoint: `${issuer}/v1/introspect`,
    ...extra,
  };
}

function isError(code: string, ...patterns: RegExp[]) {
  return (e: OidcError) => {
    assert.equal(e.code, code);
    for (const p of patterns) assert.match(e.message + ' ' + (e.hint ?? ''), p);
    return true;
  };
}

describe('discovery', () => {
  describe('candidates', () => {
    it('tries OIDC, then RFC 8414 path insertion, then the path-append form Okta uses', () => {
      const { issuer, candidates } = discoveryCandidates(ISSUER);
      assert.equal(issuer, ISSUER);
      assert.deepEqual(
        candidates.map((c) => c.url),
        [
          'https://dev-1.okta.com/oauth2/default/.well-known/openid-configuration',
          'https://dev-1.okta.com/.well-known/oauth-authorization-server/oauth2/default',
          'https://dev-1.okta.com/oauth2/default/.well-known/oauth-authorization-server',
        ],
      );
    });

    it('does not repeat the RFC 8414 URL for an issuer without a path', () => {
      assert.deepEqual(
        discoveryCandidates('https://dev-1.okta.com').candidates.map((c) => c.url),
        [
          'https://dev-1.okta.com/.well-known/openid-configuration',
          'https://dev-1.okta.com/.well-known/oauth-authorization-server',
        ],
      );
    });

    it('limits the documents to the kind asked for', () => {
      assert.deepEqual(
        discoveryCandidates(ISSUER, 'oidc').candidates.map((c) => c.kind),
        ['oidc'],
      );
      assert.deepEqual(
        discoveryCandidates(ISSUER, 'oauth').candidates.map((c) => c.kind),
        ['oauth', 'oauth'],
      );
    });

    it('derives the expected issuer from each well-known URL form', () => {
      assert.equal(discoveryCandidates(`${ISSUER}/.well-known/openid-configuration`).issuer, ISSUER);
      assert.equal(
        discoveryCandidates('https://dev-1.okta.com/.well-known/oauth-authorization-server/oauth2/default').issuer,
        ISSUER,
      );
      assert.equal(discoveryCandidates(`${ISSUER}/.well-known/oauth-authorization-server`).issuer, ISSUER);
      assert.equal(discoveryCandidates(`${ISSUER}/.well-known/openid-configuration`).candidates.length, 1);
    });

    it('rejects input that is not a URL', () => {
      assert.throws(() => discoveryCandidates('dev-1.okta.com'), { code: 'discovery.invalid_url' });
    });
  });

  it('fetches the OIDC document with a labelled idp-lane GET and returns the metadata', async () => {
    const http = new FakeHttp().on(`${ISSUER}/.well-known/openid-configuration`, { body: doc() });
    const result = await discover(http, ISSUER);
    assert.equal(result.metadata.token_endpoint, `${ISSUER}/v1/token`);
    assert.equal(result.kind, 'oidc');
    assert.equal(result.url, `${ISSUER}/.well-known/openid-configuration`);
    assert.equal(result.exchanges.length, 1);
    assert.equal(result.fromCache, false);
    const request = http.last();
    assert.equal(request.method, 'GET');
    assert.equal(request.label, 'discovery');
    assert.equal(request.lane, 'idp');
  });

  it('falls back to RFC 8414 when the OIDC document is missing, keeping every exchange', async () => {
    const http = new FakeHttp()
      .on(`${ISSUER}/.well-known/openid-configuration`, { status: 404, body: { errorCode: 'E0000022' } })
      .on('https://dev-1.okta.com/.well-known/oauth-authorization-server/oauth2/default', { status: 404, body: {} })
      .on(`${ISSUER}/.well-known/oauth-authorization-server`, {
        body: { issuer: ISSUER, token_endpoint: `${ISSUER}/v1/token` },
      });
    const result = await discover(http, ISSUER);
    assert.equal(result.kind, 'oauth');
    assert.equal(result.url, `${ISSUER}/.well-known/oauth-authorization-server`);
    assert.equal(result.exchanges.length, 3);
  });

  it('says discovery.not_found with every URL tried when nothing answers', async () => {
    const http = new FakeHttp().on(/.*/, { status: 404, body: {} });
    await assert.rejects(
      discover(http, ISSUER),
      isError(
        'discovery.not_found',
        /openid-configuration \(HTTP 404\)/,
        /oauth-authorization-server\/oauth2\/default/,
      ),
    );
  });

  it('names the URL and status of an HTML page (discovery.not_json)', async () => {
    const http = new FakeHttp().on(/.*/, {
      status: 200,
      headers: { 'content-type': 'text/html' },
      body: '<html><title>Sign in</title></html>',
    });
    await assert.rejects(
      discover(http, `${ISSUER}/.well-known/openid-configuration`),
      isError('discovery.not_json', /openid-configuration answered HTTP 200 with text\/html/),
    );
  });

  it('rejects a JSON value that is not an object', async () => {
    const http = new FakeHttp().on(/.*/, { body: [1, 2] });
    await assert.rejects(discover(http, ISSUER, { kind: 'oidc' }), isError('discovery.invalid_document'));
  });

  it('reports a non-404 error status as discovery.http_status', async () => {
    const http = new FakeHttp().on(/.*/, { status: 403, body: {} });
    await assert.rejects(discover(http, ISSUER, { kind: 'oidc' }), isError('discovery.http_status', /HTTP 403/));
  });

  it('requires an issuer in the document', async () => {
    const http = new FakeHttp().on(/.*/, { body: { token_endpoint: 'https://x/token' } });
    await assert.rejects(discover(http, ISSUER), isError('discovery.missing_issuer'));
  });

  it('shows both issuers on a mismatch and calls out a trailing-slash-only difference', async () => {
    const http = new FakeHttp().on(/.*/, { body: doc(ISSUER) });
    await assert.rejects(
      discover(http, `${ISSUER}/`),
      isError(
        'discovery.issuer_mismatch',
        /"https:\/\/dev-1\.okta\.com\/oauth2\/default"/,
        /"https:\/\/dev-1\.okta\.com\/oauth2\/default\/" was expected/,
        /trailing slash/,
      ),
    );
  });

  it('explains an Okta org versus custom authorization server mix-up', async () => {
    const http = new FakeHttp().on(/.*/, { body: doc('https://dev-1.okta.com') });
    await assert.rejects(
      discover(http, ISSUER),
      isError('discovery.issuer_mismatch', /org authorization server/, /custom authorization server/),
    );
  });

  it('requires the endpoints an OIDC document must have', async () => {
    const http = new FakeHttp().on(/.*/, { body: { issuer: ISSUER, token_endpoint: `${ISSUER}/v1/token` } });
    await assert.rejects(
      discover(http, ISSUER, { kind: 'oidc' }),
      isError('discovery.missing_endpoint', /authorization_endpoint, jwks_uri/),
    );
  });

  it('rejects an endpoint that is not an absolute URL and warns about plain http', async () => {
    const bad = new FakeHttp().on(/.*/, { body: doc(ISSUER, { introspection_endpoint: '/v1/introspect' }) });
    await assert.rejects(discover(bad, ISSUER), isError('discovery.invalid_endpoint', /introspection_endpoint/));
    const plain = new FakeHttp().on(/.*/, { body: doc(ISSUER, { revocation_endpoint: 'http://idp.example/revoke' }) });
    const result = await discover(plain, ISSUER);
    assert.match(result.warnings.join('\n'), /revocation_endpoint uses plain http/);
  });

  it('serves from the cache until the TTL passes on the clock', async () => {
    const clock = new ManualClock(1_000_000);
    const cache = new DiscoveryCache({ ttlMs: 60_000, clock });
    const http = new FakeHttp().on(/.*/, { body: doc() });
    await discover(http, ISSUER, { cache, clock });
    const again = await discover(http, ISSUER, { cache, clock });
    assert.equal(again.fromCache, true);
    assert.equal(http.requests.length, 1);
    clock.advance(60_000);
    const fresh = await discover(http, ISSUER, { cache, clock });
    assert.equal(fresh.fromCache, false);
    assert.equal(http.requests.length, 2);
  });
});
