import { strict as assert } from 'node:assert';
import { createHttpClient } from '../../src/core/http/client';
import type { HttpExchange } from '../../src/core/http/types';
import type { OidcError } from '../../src/core/errors';
import { serverErrorCode } from '../../src/core/oauth/oauth-error';
import { oktaAppStatus, oktaUserStatus } from '../../src/core/oauth/okta-management';
import { oktaAppId, startSandboxIdp } from '../../src/core/sandbox/sandbox-idp';
import type { SandboxIdp } from '../../src/core/sandbox/sandbox-idp';

/**
 * What this file proves: the core's Okta management API reads work against
 * the sandbox IdP's imitation of that API (shapes from
 * okta/okta-management-openapi-spec@fdda229e82940cf5af4611ad673ca6a27974e31b
 * dist/current/management-minimal.yaml), so a verdict can confirm offline that
 * an app was deactivated or a user suspended, and the sandbox answers Okta's
 * errors for a bad token, an unknown user and a rate limit.
 */

describe('Okta management API against the sandbox IdP', function () {
  this.timeout(30000);
  let idp: SandboxIdp;
  let http: ReturnType<typeof createHttpClient>;
  const exchanges: HttpExchange[] = [];

  before(async () => {
    idp = await startSandboxIdp();
    http = createHttpClient({ ca: idp.caPem, onExchange: (exchange) => exchanges.push(exchange) });
  });
  after(async () => {
    await http?.close();
    await idp?.close();
  });

  const target = () => ({ orgUrl: idp.origin, apiToken: idp.apiToken });

  it('finds an app by its OAuth client id and follows deactivate and reactivate', async () => {
    const active = await oktaAppStatus(http, { ...target(), clientId: 'cc-basic' });
    assert.equal(active.appId, oktaAppId('cc-basic'));
    assert.match(active.appId, /^0oa/);
    assert.equal(active.status, 'ACTIVE');
    assert.equal(active.foundBy, 'client_id');

    idp.deactivateClient('cc-basic');
    try {
      const inactive = await oktaAppStatus(http, { ...target(), clientId: 'cc-basic' });
      assert.equal(inactive.status, 'INACTIVE');
      assert.equal(inactive.active, false);
    } finally {
      idp.reactivateClient('cc-basic');
    }
    assert.equal((await oktaAppStatus(http, { ...target(), clientId: 'cc-basic' })).status, 'ACTIVE');
  });

  it('reports a user by id or login, and the status a test set', async () => {
    const alice = idp.users.find((user) => user.username === 'alice')!;
    const byId = await oktaUserStatus(http, { ...target(), userId: alice.uid });
    assert.deepEqual([byId.userId, byId.login, byId.status, byId.active], [alice.uid, 'alice', 'ACTIVE', true]);
    idp.setUserStatus('alice', 'SUSPENDED');
    const byLogin = await oktaUserStatus(http, { ...target(), userId: 'alice' });
    assert.deepEqual([byLogin.status, byLogin.active], ['SUSPENDED', false]);
    idp.setUserStatus(alice.uid, 'ACTIVE');
  });

  it('answers a wrong SSWS token with 401 E0000011 and an unknown user with 404 E0000007', async () => {
    await assert.rejects(
      oktaUserStatus(http, { ...target(), apiToken: 'wrong', userId: 'alice' }),
      (error: OidcError) =>
        error.code === serverErrorCode('okta', 'E0000011') && error.status === 401 && !error.message.includes('wrong'),
    );
    await assert.rejects(
      oktaUserStatus(http, { ...target(), userId: '00unobody' }),
      (error: OidcError) =>
        error.code === serverErrorCode('okta', 'E0000007') &&
        /Not found: Resource not found: 00unobody \(User\)/.test(error.message),
    );
    await assert.rejects(
      oktaAppStatus(http, { ...target(), clientId: 'nobody' }),
      (error: OidcError) => error.code === 'okta.app_not_found',
    );
  });

  it('answers 429 E0000047 under a rate limit', async () => {
    idp.rateLimit(0);
    try {
      await assert.rejects(
        oktaUserStatus(http, { ...target(), userId: 'alice' }),
        (error: OidcError) =>
          error.code === serverErrorCode('okta', 'E0000047') &&
          error.status === 429 &&
          /retry after/.test(error.hint ?? ''),
      );
    } finally {
      idp.rateLimit(undefined);
    }
  });

  it('keeps the API token out of everything it records', () => {
    assert.ok(exchanges.length > 0);
    for (const exchange of exchanges) {
      const sent = exchange.request.headers.find(([name]) => name.toLowerCase() === 'authorization')?.[1] ?? '';
      assert.match(sent, /^SSWS /);
      // Every view (timeline, curl, HAR) redacts an exchange's secrets.
      assert.ok(exchange.secrets.includes(sent.slice('SSWS '.length)), exchange.request.url);
    }
  });
});
