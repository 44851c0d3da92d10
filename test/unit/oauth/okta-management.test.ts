import { strict as assert } from 'node:assert';
import { ManualClock } from '../../../src/core/clock';
import { isOidcError } from '../../../src/core/errors';
import type { OidcError } from '../../../src/core/errors';
import { serverErrorCode } from '../../../src/core/oauth/oauth-error';
import { oktaAppStatus, oktaUserStatus } from '../../../src/core/oauth/okta-management';
import { FakeHttp } from '../../support/fake-http';

/**
 * What this file proves: the management API reads find an app by its OAuth
 * client id (by app id, else by listing), report app and user status, send
 * the API token only as `SSWS` to the org's own origin and never in a message,
 * and turn Okta's E0000… errors into OidcErrors with hints. Okta's error
 * bodies are those of okta/okta-developer-docs@468de9c511b5e4009bb5f06c25cbf4b85fecb8d0
 * packages/@okta/vuepress-site/data/error-codes.json.
 */

const ORG = 'https://dev-1.okta.com';
const TOKEN = '00secret-api-token-value';
const clock = new ManualClock(Date.UTC(2026, 0, 1));
const target = { orgUrl: 'dev-1.okta.com', apiToken: TOKEN, clock };

function app(id: string, clientId: string, status: string) {
  return { id, label: clientId, status, credentials: { oauthClient: { client_id: clientId } } };
}

function oktaError(errorCode: string, errorSummary: string) {
  return { errorCode, errorSummary, errorLink: errorCode, errorId: 'oaeAbc123', errorCauses: [] };
}

function leaksNoToken(error: unknown): boolean {
  return isOidcError(error) && !JSON.stringify({ ...error, message: error.message }).includes(TOKEN);
}

describe('Okta management API reads', () => {
  it('finds an app whose client id is its app id, with SSWS on the org origin', async () => {
    const http = new FakeHttp().on(`${ORG}/api/v1/apps/0oaAbc`, { body: app('0oaAbc', '0oaAbc', 'ACTIVE') });
    const result = await oktaAppStatus(http, { ...target, clientId: '0oaAbc' });
    assert.equal(result.status, 'ACTIVE');
    assert.equal(result.active, true);
    assert.equal(result.foundBy, 'app id');
    const request = http.last();
    assert.equal(request.headers?.authorization, `SSWS ${TOKEN}`);
    assert.ok(request.secrets?.includes(TOKEN));
  });

  it('lists the apps (following rel="next") when the client id was chosen, and reports INACTIVE', async () => {
    const http = new FakeHttp()
      .on(`${ORG}/api/v1/apps/kong-client`, { status: 404, body: oktaError('E0000007', 'Not found: x') })
      .on(`${ORG}/api/v1/apps?limit=200`, {
        body: [app('0oa1', 'other', 'ACTIVE')],
        headers: {
          link: `<${ORG}/api/v1/apps?limit=200>; rel="self", <${ORG}/api/v1/apps?after=0oa1&limit=200>; rel="next"`,
        },
      })
      .on(`${ORG}/api/v1/apps?after=0oa1&limit=200`, { body: [app('0oa2', 'kong-client', 'INACTIVE')] });
    const result = await oktaAppStatus(http, { ...target, clientId: 'kong-client' });
    assert.equal(result.appId, '0oa2');
    assert.equal(result.status, 'INACTIVE');
    assert.equal(result.active, false);
    assert.equal(result.foundBy, 'client_id');
    assert.equal(result.responses.length, 3);
  });

  it('does not follow a next link to another host, and says no app has the client id', async () => {
    const http = new FakeHttp()
      .on(`${ORG}/api/v1/apps/c1`, { status: 404, body: oktaError('E0000007', 'Not found: c1') })
      .on(`${ORG}/api/v1/apps?limit=200`, {
        body: [],
        headers: { link: '<https://evil.example/api/v1/apps?after=x>; rel="next"' },
      });
    await assert.rejects(
      oktaAppStatus(http, { ...target, clientId: 'c1' }),
      (error: OidcError) => error.code === 'okta.app_not_found' && /c1/.test(error.message) && leaksNoToken(error),
    );
    assert.ok(http.requests.every((request) => request.url.startsWith(ORG)));
  });

  it('reports a user status by id', async () => {
    const http = new FakeHttp().on(`${ORG}/api/v1/users/00u1`, {
      body: { id: '00u1', status: 'SUSPENDED', profile: { login: 'a@example.com' } },
    });
    const result = await oktaUserStatus(http, { ...target, userId: '00u1' });
    assert.deepEqual(
      [result.userId, result.login, result.status, result.active],
      ['00u1', 'a@example.com', 'SUSPENDED', false],
    );
  });

  const cases = [
    { status: 401, code: 'E0000011', summary: 'Invalid token provided', hint: /API token/ },
    {
      status: 403,
      code: 'E0000006',
      summary: 'You do not have permission to perform the requested action',
      hint: /admin/,
    },
    { status: 404, code: 'E0000007', summary: 'Not found: Resource not found: 00u9 (User)', hint: /no such object/ },
  ];
  for (const { status, code, summary, hint } of cases) {
    it(`turns ${status} ${code} into okta.${code} with a hint and without the token`, async () => {
      const http = new FakeHttp().on(`${ORG}/api/v1/users/00u9`, { status, body: oktaError(code, summary) });
      await assert.rejects(oktaUserStatus(http, { ...target, userId: '00u9' }), (error: OidcError) => {
        assert.equal(error.code, `okta.${code}`);
        assert.equal(error.status, status);
        assert.match(error.message, new RegExp(summary.replace(/[()]/g, '\\$&')));
        assert.match(error.hint ?? '', hint);
        assert.ok(leaksNoToken(error));
        return true;
      });
    });
  }

  it('turns 429 E0000047 into okta.E0000047 saying when to retry', async () => {
    const reset = clock.now() / 1000 + 30;
    const http = new FakeHttp().on(`${ORG}/api/v1/apps/c1`, {
      status: 429,
      headers: { 'x-rate-limit-limit': '100', 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': String(reset) },
      body: oktaError('E0000047', 'API call exceeded rate limit due to too many requests.'),
    });
    await assert.rejects(
      oktaAppStatus(http, { ...target, clientId: 'c1' }),
      (error: OidcError) =>
        error.code === serverErrorCode('okta', 'E0000047') && /in 30 s/.test(error.hint ?? '') && leaksNoToken(error),
    );
  });

  it('refuses to send without a token, and answers that are not Okta JSON', async () => {
    await assert.rejects(
      oktaUserStatus(new FakeHttp(), { ...target, apiToken: ' ', userId: '00u1' }),
      (error: OidcError) => error.code === 'okta.missing_api_token',
    );
    const html = new FakeHttp().on(`${ORG}/api/v1/users/00u1`, { body: '<html>sign in</html>' });
    await assert.rejects(
      oktaUserStatus(html, { ...target, userId: '00u1' }),
      (error: OidcError) => error.code === 'okta.invalid_response',
    );
    const noStatus = new FakeHttp().on(`${ORG}/api/v1/users/00u1`, { body: { id: '00u1' } });
    await assert.rejects(
      oktaUserStatus(noStatus, { ...target, userId: '00u1' }),
      (error: OidcError) => error.code === 'okta.invalid_response',
    );
  });
});
