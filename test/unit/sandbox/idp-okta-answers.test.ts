import { strict as assert } from 'node:assert';
import { SandboxRateLimit } from '../../../src/core/sandbox/idp/rate-limit';
import { scopeRefusal } from '../../../src/core/sandbox/idp/token-endpoint';

/**
 * What this file proves: the sandbox IdP's Okta imitations that need no
 * server: the scope checks made before oidc-provider sees a token request,
 * and the one-minute rate-limit window with Okta's headers.
 */

describe('sandbox IdP, Okta answers without a server', () => {
  describe('scopeRefusal', () => {
    const form = (fields: Record<string, string>) => new URLSearchParams(fields);

    it('refuses a scope the authorization server does not define (no_matching_scope)', () => {
      assert.equal(
        scopeRefusal(form({ grant_type: 'client_credentials', scope: 'orders:read orders:nope' })),
        'no_matching_scope',
      );
      assert.equal(scopeRefusal(form({ grant_type: 'authorization_code', scope: 'openid nope' })), 'no_matching_scope');
    });

    it('refuses OIDC scopes with client credentials only (openid_not_allowed_client_creds)', () => {
      assert.equal(
        scopeRefusal(form({ grant_type: 'client_credentials', scope: 'openid orders:read' })),
        'openid_not_allowed_client_creds',
      );
      assert.equal(scopeRefusal(form({ grant_type: 'password', scope: 'openid orders:read' })), undefined);
    });

    it('lets defined scopes and requests without a scope through', () => {
      assert.equal(scopeRefusal(form({ grant_type: 'client_credentials', scope: 'orders:read admin' })), undefined);
      assert.equal(scopeRefusal(form({ grant_type: 'refresh_token' })), undefined);
    });
  });

  describe('SandboxRateLimit', () => {
    it('sends no headers until a limit is set', () => {
      assert.equal(new SandboxRateLimit(() => 0).take(), undefined);
    });

    it('counts down in a one-minute window, then limits, then opens a new window', () => {
      let now = 1_000_000;
      const limit = new SandboxRateLimit(() => now);
      limit.set(2);
      assert.deepEqual(limit.take(), {
        limited: false,
        headers: { 'x-rate-limit-limit': '2', 'x-rate-limit-remaining': '1', 'x-rate-limit-reset': '1060' },
      });
      assert.equal(limit.take()?.limited, false);
      const third = limit.take();
      assert.equal(third?.limited, true);
      assert.equal(third?.headers['x-rate-limit-remaining'], '0');
      now += 60_000;
      assert.equal(limit.take()?.limited, false);
      limit.set(undefined);
      assert.equal(limit.take(), undefined);
    });
  });
});
