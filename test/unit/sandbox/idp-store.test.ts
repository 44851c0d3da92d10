import { strict as assert } from 'node:assert';
import { SandboxStore } from '../../../src/core/sandbox/idp/store';

/**
 * The sandbox IdP's token store stays bounded while it runs for hours (the extension keeps one
 * sandbox up; the soak runs the introspection scenario 10,000 times): tokens that can never be
 * found again (expired, or issued to a client that was deactivated since) are swept out as new
 * ones come in, and what can still be found is kept.
 */
describe('sandbox IdP store: bounded over a long run', () => {
  const client = { client_id: 'cc-basic' };

  it('tokens of a deactivated client are swept out as new ones arrive; live ones stay', async () => {
    const store = new SandboxStore();
    store.registerClient(client);
    const tokens = store.adapterFactory()('AccessToken');
    for (let run = 0; run < 20_000; run += 1) {
      store.recordJwtAccessToken('ClientCredentials', {
        jti: `jti-${run}`,
        exp: Date.now() / 1000 + 3600,
        clientId: 'cc-basic',
      });
      await tokens.upsert(`opaque-${run}`, { clientId: 'cc-basic', grantId: `grant-${run}` }, 3600);
      // The scenario: each run's token dies with the client's deactivation, then the client comes back.
      store.setClientActive('cc-basic', false);
      store.setClientActive('cc-basic', true);
    }
    await tokens.upsert('live', { clientId: 'cc-basic', grantId: 'grant-live' }, 3600);
    assert.ok(store.size < 5_000, `${store.size} entries kept after 40,000 dead tokens`);
    assert.deepEqual(await tokens.find('live'), { clientId: 'cc-basic', grantId: 'grant-live' });
    assert.equal(await tokens.find('opaque-19999'), undefined, 'a dead token stays dead');
  });

  it('expired tokens are swept out too, without waiting for someone to look them up', async () => {
    const store = new SandboxStore();
    const codes = store.adapterFactory()('AuthorizationCode');
    for (let i = 0; i < 20_000; i += 1) await codes.upsert(`code-${i}`, { grantId: `g-${i}` }, -1);
    assert.ok(store.size < 5_000, `${store.size} expired entries kept`);
  });
});
