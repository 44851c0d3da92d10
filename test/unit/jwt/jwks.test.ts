import { strict as assert } from 'node:assert';
import { jwtVerify } from 'jose';
import { ManualClock } from '../../../src/core/clock';
import { OidcError } from '../../../src/core/errors';
import { JwksCache } from '../../../src/core/jwt/jwks';
import type { TestKey } from '../../support/jwt-fixtures';
import { FakeJwksServer, JWKS_URI, NOW_MS, accessClaims, makeKey, sign } from '../../support/jwt-fixtures';

async function rejectsCode(promise: Promise<unknown>, code: string, message?: RegExp): Promise<OidcError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof OidcError, `expected OidcError ${code}, got ${String(error)}`);
    assert.equal(error.code, code);
    if (message) assert.match(error.message, message);
    return error;
  }
  assert.fail(`expected ${code}, nothing was thrown`);
}

describe('JwksCache', () => {
  let rsa: TestKey;
  let ec: TestKey;
  let ed: TestKey;
  let rotated: TestKey;

  before(async () => {
    [rsa, ec, ed, rotated] = await Promise.all([
      makeKey('RS256', 'rsa-1'),
      makeKey('ES256', 'ec-1'),
      makeKey('EdDSA', 'ed-1'),
      makeKey('RS256', 'rsa-2'),
    ]);
  });

  function setup(keys = [rsa.publicJwk, ec.publicJwk, ed.publicJwk]) {
    const server = new FakeJwksServer(keys);
    const clock = new ManualClock(NOW_MS);
    const cache = new JwksCache({ http: server, jwksUri: JWKS_URI, clock });
    return { server, clock, cache };
  }

  it('fetches through the HttpClient with the JWKS label and idp lane, then serves from cache', async () => {
    const { server, cache } = setup();
    assert.equal(cache.lastFetchedAt, undefined);
    const set = await cache.getKeySet();
    assert.equal(set.keys.length, 3);
    await cache.getKeySet();
    assert.equal(server.fetches, 1);
    assert.equal(server.requests[0]!.label, 'JWKS endpoint');
    assert.equal(server.requests[0]!.lane, 'idp');
    assert.equal(server.requests[0]!.method, 'GET');
    assert.equal(server.requests[0]!.url, JWKS_URI);
    assert.equal(cache.lastFetchedAt, NOW_MS);
  });

  it('refetches once the cached set is older than maxAgeMs (default 10 minutes)', async () => {
    const { server, clock, cache } = setup();
    await cache.getKeySet();
    clock.advance(9 * 60_000);
    await cache.getKeySet();
    assert.equal(server.fetches, 1);
    clock.advance(60_000);
    await cache.getKeySet();
    assert.equal(server.fetches, 2);
  });

  it('shares one request between concurrent callers', async () => {
    const { server, cache } = setup();
    await Promise.all([cache.getKeySet(), cache.getKeySet(), cache.resolveKey({ kid: 'rsa-1', alg: 'RS256' })]);
    assert.equal(server.fetches, 1);
  });

  it('resolves RS256, ES256 and EdDSA keys by kid and works as a jose key resolver', async () => {
    const { cache } = setup();
    for (const key of [rsa, ec, ed]) {
      const resolved = await cache.resolveKey({ kid: key.kid, alg: key.alg });
      assert.equal((resolved as CryptoKey).type, 'public');
      const token = await sign(key, accessClaims());
      const { payload } = await jwtVerify(token, cache.keyResolver(), { currentDate: new Date(NOW_MS) });
      assert.equal(payload.sub, 'user@example.com');
    }
  });

  it('answers a kid it resolved before from memory, until the set expires or is replaced', async () => {
    const { server, clock, cache } = setup([rsa.publicJwk]);
    const first = await cache.resolveKey({ kid: 'rsa-1', alg: 'RS256' });
    const resolver = cache.keyResolver();
    assert.equal(cache.keyResolver(), resolver, 'one resolver for the cache, not one per call');
    assert.equal(await resolver({ kid: 'rsa-1', alg: 'RS256' }, { payload: '', signature: '' }), first);
    assert.equal(await cache.resolveKey({ kid: 'rsa-1', alg: 'RS256' }), first);
    await rejectsCode(cache.resolveKey({ kid: 'rsa-1', alg: 'PS256' }), 'jwt.no_matching_key', /is for RS256/);
    assert.equal(server.fetches, 1);

    // The issuer re-keys under the same kid: once the set is older than maxAgeMs, the new key is used.
    const rekeyed = await makeKey('RS256', 'rsa-1');
    server.setKeys([rekeyed.publicJwk]);
    clock.advance(10 * 60_000);
    const token = await sign(rekeyed, accessClaims());
    const { payload } = await jwtVerify(token, resolver, { currentDate: new Date(clock.now()) });
    assert.equal(payload.sub, 'user@example.com');
    assert.equal(server.fetches, 2);
    assert.notEqual(await cache.resolveKey({ kid: 'rsa-1', alg: 'RS256' }), first);

    // A refresh (here forced) replaces the set: the remembered key of the old set is not used.
    server.setKeys([rsa.publicJwk]);
    await cache.refresh();
    assert.equal(server.fetches, 3);
    const again = await cache.resolveKey({ kid: 'rsa-1', alg: 'RS256' });
    const old = await sign(rsa, accessClaims());
    await jwtVerify(old, cache.keyResolver(), { currentDate: new Date(clock.now()) });
    assert.notEqual(again, first, 'imported anew for the new set');
  });

  it('picks the only fitting key when the token has no kid', async () => {
    const { cache } = setup();
    const key = await cache.resolveKey({ alg: 'ES256' });
    assert.equal((key as CryptoKey).algorithm.name, 'ECDSA');
  });

  it('on key rotation refetches once, and not again within the cooldown', async () => {
    const { server, clock, cache } = setup([rsa.publicJwk]);
    await cache.getKeySet();
    clock.advance(60_000);
    server.setKeys([rsa.publicJwk, rotated.publicJwk]);

    await cache.resolveKey({ kid: 'rsa-2', alg: 'RS256' });
    assert.equal(server.fetches, 2, 'new kid: one refetch');
    await cache.resolveKey({ kid: 'rsa-2', alg: 'RS256' });
    assert.equal(server.fetches, 2, 'now cached');

    await rejectsCode(cache.resolveKey({ kid: 'ghost', alg: 'RS256' }), 'jwt.unknown_kid');
    assert.equal(server.fetches, 2, 'unknown kid within the cooldown: no fetch');
    clock.advance(29_000);
    await rejectsCode(cache.resolveKey({ kid: 'ghost', alg: 'RS256' }), 'jwt.unknown_kid');
    assert.equal(server.fetches, 2, 'still within the 30 s cooldown');

    clock.advance(1_000);
    await rejectsCode(cache.resolveKey({ kid: 'ghost', alg: 'RS256' }), 'jwt.unknown_kid');
    assert.equal(server.fetches, 3, 'after the cooldown: one more fetch');
  });

  it('does not refetch right after the first fetch for an unknown kid', async () => {
    const { server, cache } = setup();
    await rejectsCode(cache.resolveKey({ kid: 'other', alg: 'RS256' }), 'jwt.unknown_kid');
    assert.equal(server.fetches, 1);
  });

  it('refetches for the first unknown kid after a routine fetch, then waits out the cooldown', async () => {
    const { server, cache } = setup();
    await cache.getKeySet();
    await rejectsCode(cache.resolveKey({ kid: 'rotated', alg: 'RS256' }), 'jwt.unknown_kid');
    assert.equal(server.fetches, 2, 'an unknown kid right after a routine fetch still refetches once');
    await rejectsCode(cache.resolveKey({ kid: 'forged', alg: 'RS256' }), 'jwt.unknown_kid');
    assert.equal(server.fetches, 2, 'a second unknown kid within the cooldown does not');
  });

  it('explains an unknown kid with the kids the JWKS has and a rotation/issuer hint', async () => {
    const { cache } = setup();
    const error = await rejectsCode(cache.resolveKey({ kid: 'nope', alg: 'RS256' }), 'jwt.unknown_kid');
    assert.match(error.message, /"nope"/);
    assert.match(error.message, /"rsa-1", "ec-1", "ed-1"/);
    assert.match(error.hint ?? '', /rotated/);
    assert.match(error.hint ?? '', /issuer/);
    assert.match(error.where ?? '', /JWKS endpoint https:\/\/example\.okta\.com/);
  });

  it('refuses ambiguous and wrongly typed keys (jwt.no_matching_key)', async () => {
    const other = await makeKey('RS256', 'rsa-3');
    const { cache } = setup([rsa.publicJwk, other.publicJwk, ec.publicJwk]);
    await rejectsCode(cache.resolveKey({ alg: 'RS256' }), 'jwt.no_matching_key', /no kid and 2 keys fit RS256/);
    await rejectsCode(
      cache.resolveKey({ kid: 'ec-1', alg: 'RS256' }),
      'jwt.no_matching_key',
      /is EC, but RS256 needs RSA/,
    );
    await rejectsCode(cache.resolveKey({ alg: 'EdDSA' }), 'jwt.no_matching_key', /no key in the set fits EdDSA/);
    await rejectsCode(cache.resolveKey({ kid: 'rsa-1', alg: 'HS256' }), 'jwt.no_matching_key', /shared-secret/);
    await rejectsCode(cache.resolveKey({ kid: 'rsa-1' }), 'jwt.no_matching_key');
    await rejectsCode(cache.resolveKey({ kid: 'rsa-1', alg: 'PS256' }), 'jwt.no_matching_key', /is for RS256/);
  });

  it('reports a failing endpoint with its status (jwks.fetch_failed)', async () => {
    const { server, cache } = setup();
    server.status = 404;
    const error = await rejectsCode(cache.getKeySet(), 'jwks.fetch_failed', /HTTP 404/);
    assert.equal(error.status, 404);
    assert.match(error.hint ?? '', /jwks_uri/);
    server.status = 200;
    await cache.getKeySet();
    assert.equal(server.fetches, 2, 'a failed fetch is not cached');
  });

  it('rejects answers that are not a JWK set (jwks.invalid)', async () => {
    const { server, cache } = setup();
    server.body = '<html><body>Sign in</body></html>';
    server.contentType = 'text/html';
    await rejectsCode(cache.getKeySet(), 'jwks.invalid', /HTML/);
    server.contentType = 'application/json';
    server.body = JSON.stringify({ issuer: 'https://x', jwks_uri: 'https://x/keys' });
    const discovery = await rejectsCode(cache.getKeySet(), 'jwks.invalid', /"keys"/);
    assert.match(discovery.hint ?? '', /discovery document/);
    server.body = JSON.stringify({ keys: [{ kid: 'x' }] });
    await rejectsCode(cache.getKeySet(), 'jwks.invalid', /Key number 1/);
  });

  it('uses only the public part of a key that a JWKS wrongly publishes with private members', async () => {
    const { exportJWK } = await import('jose');
    const privateJwk = { ...(await exportJWK(ec.privateKey)), kid: 'ec-1', alg: 'ES256' };
    const { cache } = setup([privateJwk]);
    const key = (await cache.resolveKey({ kid: 'ec-1', alg: 'ES256' })) as CryptoKey;
    assert.equal(key.type, 'public');
  });
});
