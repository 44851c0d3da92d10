import assert from 'node:assert/strict';
import { SecretService, isValidSecretKey } from '../../../src/extension/secrets/secret-service';
import { formatTimeLeft, secondsLeft, TokenVault } from '../../../src/extension/secrets/token-vault';
import { memoryMemento, memorySecrets } from '../../support/memory-stores';

function stores() {
  const secretStore = memorySecrets();
  const kv = memoryMemento();
  return { secrets: secretStore.data, state: kv.data, secretStore, kv };
}

const META = {
  idpId: 'idp:f#okta',
  sourceId: 'f',
  idpName: 'okta',
  grant: 'client_credentials',
  kind: 'jwt' as const,
  hasRefreshToken: true,
  hasIdToken: false,
};
const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ2YXVsdCJ9.vault-signature';

describe('token vault and secret service', () => {
  it('keeps token values in the secret store and only metadata in the workspace state', async () => {
    const s = stores();
    let now = 1_000_000;
    const vault = new TokenVault(s.secretStore, s.kv, () => now);
    const meta = await vault.add(
      { ...META, expiresAt: 1000 + 3600 },
      { accessToken: TOKEN, refreshToken: 'refresh-value-123' },
    );
    assert.doesNotMatch([...s.state.values()].join(), /vault-signature|refresh-value/);
    assert.match([...s.secrets.values()].join(), /vault-signature/);
    assert.equal((await vault.values(meta.id))!.accessToken, TOKEN);
    assert.equal(new TokenVault(s.secretStore, s.kv).get(meta.id)!.idpName, 'okta', 'metadata survives a reload');
    assert.equal(vault.active()?.id, meta.id);
    now = (1000 + 3601) * 1000;
    assert.equal(vault.active(), undefined);
    await vault.remove(meta.id);
    assert.equal(s.secrets.size, 0);
    assert.equal(await vault.values(meta.id), undefined);
  });

  it('drops the oldest tokens (and their secrets) beyond its limit', async () => {
    const s = stores();
    const vault = new TokenVault(s.secretStore, s.kv);
    for (let i = 0; i < 25; i += 1) await vault.add(META, { accessToken: `token-${i}` });
    assert.equal(vault.list().length, 20);
    assert.equal(s.secrets.size, 20);
    assert.equal((await vault.values(vault.list()[0]!.id))!.accessToken, 'token-24');
  });

  it('formats time left for people', () => {
    assert.equal(formatTimeLeft(undefined), 'no expiry');
    assert.equal(formatTimeLeft(59), '59s');
    assert.equal(formatTimeLeft(3552), '59m 12s');
    assert.equal(formatTimeLeft(3 * 3600 + 300), '3h 5m');
    assert.equal(formatTimeLeft(-120), 'expired 2m 0s ago');
    assert.equal(secondsLeft({ expiresAt: 100 }, 40_000), 60);
  });

  it('stores ${secret:KEY} values in the secret store and remembers only key names', async () => {
    const s = stores();
    const service = new SecretService(s.secretStore, s.kv);
    const scope = { id: 'f1', label: 'orders-api' };
    await service.set(scope, 'okta.clientSecret', 'hunter2-client-secret');
    assert.deepEqual(service.keys(scope), ['okta.clientSecret']);
    assert.doesNotMatch([...s.state.values()].join(), /hunter2/);
    assert.deepEqual(await service.resolve(scope, ['okta.clientSecret', 'missing']), {
      'okta.clientSecret': 'hunter2-client-secret',
    });
    await service.delete(scope, 'okta.clientSecret');
    assert.deepEqual(service.keys(scope), []);
    assert.equal(isValidSecretKey('okta.clientSecret'), true);
    assert.equal(isValidSecretKey('bad key}'), false);
  });
});
