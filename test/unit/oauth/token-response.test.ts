import { strict as assert } from 'node:assert';
import { ManualClock } from '../../../src/core/clock';
import type { OidcError } from '../../../src/core/errors';
import { SecretRegistry } from '../../../src/core/http/secret-registry';
import { parseTokenResponse } from '../../../src/core/oauth/token-response';
import { buildResponse } from '../../support/fake-http';
import type { CannedResponse } from '../../support/fake-http';

const URL_ = 'https://dev-1.okta.com/oauth2/default/v1/token';
const WHERE = `token endpoint ${URL_}`;
const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const clock = new ManualClock(NOW);

function response(canned: CannedResponse) {
  return buildResponse({ method: 'POST', url: URL_, label: 'token endpoint' }, canned);
}

function fails(
  canned: CannedResponse,
  code: string,
  patterns: RegExp[],
  options: Parameters<typeof parseTokenResponse>[2] = {},
): OidcError {
  let caught: OidcError | undefined;
  assert.throws(
    () => parseTokenResponse(response(canned), WHERE, { clock, ...options }),
    (e: OidcError) => {
      caught = e;
      return true;
    },
  );
  assert.equal(caught!.code, code);
  assert.equal(caught!.where, WHERE);
  for (const p of patterns) assert.match(`${caught!.message} ${caught!.hint ?? ''}`, p);
  return caught!;
}

describe('parseTokenResponse', () => {
  it('reads the standard fields and pins expiry to the clock', () => {
    const t = parseTokenResponse(
      response({
        body: {
          access_token: 'AT',
          token_type: 'Bearer',
          expires_in: 3600,
          scope: 'orders:read  orders:write',
          refresh_token: 'RT',
          id_token: 'IDT',
          custom: 42,
        },
      }),
      WHERE,
      { clock },
    );
    assert.equal(t.accessToken, 'AT');
    assert.equal(t.tokenType, 'Bearer');
    assert.equal(t.expiresIn, 3600);
    assert.equal(t.obtainedAt, NOW);
    assert.equal(t.expiresAt, NOW + 3_600_000);
    assert.deepEqual(t.scope, ['orders:read', 'orders:write']);
    assert.equal(t.refreshToken, 'RT');
    assert.equal(t.idToken, 'IDT');
    assert.equal(t.fields.custom, 42);
  });

  it("parses the answer once for itself and the run's secret registry, which still learns its tokens", () => {
    const answer = response({ body: { access_token: 'access-token-1234', refresh_token: 'refresh-token-5678' } });
    const parse = JSON.parse;
    let parses = 0;
    JSON.parse = ((text: string, reviver?: Parameters<typeof parse>[1]) => {
      parses += 1;
      return parse(text, reviver) as unknown;
    }) as typeof JSON.parse;
    const registry = new SecretRegistry();
    let t: ReturnType<typeof parseTokenResponse>;
    try {
      t = parseTokenResponse(answer, WHERE, { clock });
      registry.addExchange(answer.exchange);
      assert.deepEqual(registry.list(), ['access-token-1234', 'refresh-token-5678']);
    } finally {
      JSON.parse = parse;
    }
    assert.equal(parses, 1);
    // Shared, so no reader may change it.
    assert.ok(Object.isFrozen(t.fields));
  });

  it('tolerates expires_in as a string and reads issued_token_type', () => {
    const t = parseTokenResponse(
      response({
        body: {
          access_token: 'AT',
          token_type: 'N_A',
          expires_in: '300',
          issued_token_type: 'urn:ietf:params:oauth:token-type:jwt',
        },
      }),
      WHERE,
      { clock },
    );
    assert.equal(t.expiresIn, 300);
    assert.equal(t.expiresAt, NOW + 300_000);
    assert.equal(t.issuedTokenType, 'urn:ietf:params:oauth:token-type:jwt');
  });

  it('leaves expiry and scope undefined when absent', () => {
    const t = parseTokenResponse(response({ body: { access_token: 'AT', token_type: 'Bearer' } }), WHERE, { clock });
    assert.equal(t.expiresAt, undefined);
    assert.equal(t.scope, undefined);
  });

  it('turns an OAuth error into oauth.<error> with status, server text and a hint', () => {
    const e = fails(
      { status: 401, body: { error: 'invalid_client', error_description: 'Client authentication failed.' } },
      'oauth.invalid_client',
      [
        /Token endpoint https:\/\/dev-1\.okta\.com\/oauth2\/default\/v1\/token answered HTTP 401 invalid_client: Client authentication failed\./,
        /authentication method/,
      ],
    );
    assert.equal(e.status, 401);
    assert.equal(e.serverError, 'invalid_client');
    assert.equal(e.serverDescription, 'Client authentication failed.');
  });

  it('explains invalid_scope for Okta client credentials with openid', () => {
    fails(
      { status: 400, body: { error: 'invalid_scope', error_description: 'One or more scopes are not configured.' } },
      'oauth.invalid_scope',
      [/openid/, /custom scopes/, /you asked for openid/],
      {
        grantType: 'client_credentials',
        scope: ['openid', 'orders:read'],
      },
    );
    const generic = fails({ status: 400, body: { error: 'invalid_scope' } }, 'oauth.invalid_scope', [], {
      grantType: 'authorization_code',
    });
    assert.doesNotMatch(generic.hint!, /client credentials/);
  });

  it('an invalid_scope for custom scopes names them and says they are not defined there, not OIDC scopes', () => {
    const e = fails(
      { status: 400, body: { error: 'invalid_scope' } },
      'oauth.invalid_scope',
      [/"orders:admin"/, /not defined on this authorization server/],
      {
        grantType: 'client_credentials',
        scope: ['orders:admin'],
      },
    );
    assert.doesNotMatch(e.hint!, /OIDC/);
  });

  it('a 401 with an empty body from the token endpoint points at the client credentials and the scope, not a URL or proxy', () => {
    const e = fails({ status: 401, body: '' }, 'oauth.unexpected_status', [/client id and secret/, /"orders:read"/], {
      grantType: 'client_credentials',
      scope: ['orders:read'],
    });
    assert.doesNotMatch(e.hint!, /URL|proxy/);
  });

  it('hints per common error', () => {
    fails({ status: 400, body: { error: 'unauthorized_client' } }, 'oauth.unauthorized_client', [
      /grant type is not enabled/,
    ]);
    fails({ status: 400, body: { error: 'invalid_grant' } }, 'oauth.invalid_grant', [/expired, already used/]);
    fails({ status: 400, body: { error: 'unsupported_grant_type' } }, 'oauth.unsupported_grant_type', [
      /grant_types_supported/,
    ]);
    fails({ status: 400, body: { error: 'access_denied' } }, 'oauth.access_denied', [/access polic/]);
    fails({ status: 400, body: { error: 'weird error!', error_uri: 'https://idp/doc' } }, 'oauth.weird_error_', [
      /see https:\/\/idp\/doc/,
    ]);
  });

  it('treats an error body on a 200 as an error', () => {
    fails({ status: 200, body: { error: 'invalid_request' } }, 'oauth.invalid_request', [/HTTP 200/]);
  });

  it('maps Okta management errors and tells when to retry after a rate limit', () => {
    const reset = NOW / 1000 + 42;
    const e = fails(
      {
        status: 429,
        headers: { 'X-Rate-Limit-Reset': String(reset) },
        body: {
          errorCode: 'E0000047',
          errorSummary: 'API call exceeded rate limit due to too many requests.',
          errorLink: 'E0000047',
          errorId: 'oae123',
          errorCauses: [],
        },
      },
      'okta.E0000047',
      [
        /HTTP 429 E0000047: API call exceeded rate limit/,
        /errorId oae123/,
        /retry after 2026-01-01T12:00:42\.000Z \(in 42 s\)/,
      ],
    );
    assert.equal(e.serverError, 'E0000047');
    fails(
      {
        status: 403,
        body: {
          errorCode: 'E0000006',
          errorSummary: 'You do not have permission',
          errorCauses: [{ errorSummary: 'scope missing' }],
        },
      },
      'okta.E0000006',
      [/\(scope missing\)/, /System Log/],
    );
  });

  it('reports a bare 429 as oauth.rate_limited', () => {
    fails({ status: 429, body: '' }, 'oauth.rate_limited', [/too many requests/]);
  });

  it('reports a 5xx as oauth.server_status naming the endpoint and page title', () => {
    fails(
      {
        status: 502,
        headers: { 'content-type': 'text/html' },
        body: '<html><head><title>Bad Gateway</title></head></html>',
      },
      'oauth.server_status',
      [
        /Token endpoint https:\/\/dev-1\.okta\.com\/oauth2\/default\/v1\/token answered HTTP 502 with a text\/html body \(page title "Bad Gateway"\)/,
      ],
    );
  });

  it('reports an HTML page as oauth.not_json with status', () => {
    fails(
      {
        status: 200,
        headers: { 'content-type': 'text/html; charset=utf-8' },
        body: '<!doctype html><title>Sign In</title>',
      },
      'oauth.not_json',
      [/answered HTTP 200 with a text\/html body .*instead of JSON/],
    );
    // Labelled JSON but broken: said once, without 'application/json ... instead of JSON'.
    fails(
      { status: 200, headers: { 'content-type': 'application/json' }, body: '{"access_token": ' },
      'oauth.not_json',
      [/answered HTTP 200 with a body that is labelled application\/json but does not parse as JSON\. /],
    );
    fails({ status: 404, body: 'Not Found' }, 'oauth.not_json', [/HTTP 404/]);
  });

  it('reports JSON without access_token, listing the fields seen', () => {
    fails({ body: { token_type: 'Bearer', expires_in: 10 } }, 'oauth.missing_access_token', [
      /without an access_token \(fields: token_type, expires_in\)/,
    ]);
  });

  it('reports JSON that is not an object and error statuses without an error code', () => {
    fails({ status: 200, body: [1] }, 'oauth.invalid_response', []);
    fails({ status: 403, body: { message: 'Forbidden' } }, 'oauth.unexpected_status', [
      /HTTP 403 without an OAuth error code/,
      /proxy or gateway/,
    ]);
  });
});
