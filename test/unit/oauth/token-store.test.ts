import { strict as assert } from 'node:assert';
import { ManualClock } from '../../../src/core/clock';
import { OidcError } from '../../../src/core/errors';
import type { TokenSet } from '../../../src/core/oauth/token-response';
import { TokenStore } from '../../../src/core/oauth/token-store';
import type { TokenStoreChange } from '../../../src/core/oauth/token-store';

const START = Date.UTC(2026, 0, 1);

function token(clock: ManualClock, name: string, expiresIn = 300, refreshToken?: string): TokenSet {
  const obtainedAt = clock.now();
  return {
    accessToken: name,
    tokenType: 'Bearer',
    expiresIn,
    expiresAt: obtainedAt + expiresIn * 1000,
    refreshToken,
    obtainedAt,
    fields: {},
  };
}

function counter<T>(make: () => T): { fn: () => Promise<T>; calls: () => number } {
  let n = 0;
  return {
    fn: async () => {
      n += 1;
      return make();
    },
    calls: () => n,
  };
}

describe('TokenStore', () => {
  it('fetches once, then serves from cache until within skew of expiry, then re-fetches', async () => {
    const clock = new ManualClock(START);
    const store = new TokenStore({ clock });
    let i = 0;
    const fetch = counter(() => token(clock, `AT-${++i}`));
    assert.deepEqual((await store.get('cc', { fetch: fetch.fn })).source, 'fetched');
    clock.advance(269_000);
    const cached = await store.get('cc', { fetch: fetch.fn });
    assert.equal(cached.source, 'cache');
    assert.equal(cached.token.accessToken, 'AT-1');
    clock.advance(1_000); // now 30 s before expiry: the default skew
    const renewed = await store.get('cc', { fetch: fetch.fn });
    assert.equal(renewed.source, 'refetched-after-expiry');
    assert.equal(renewed.token.accessToken, 'AT-2');
    assert.equal(fetch.calls(), 2);
  });

  it('honours a custom skew and keeps tokens without expiry until invalidated', async () => {
    const clock = new ManualClock(START);
    const store = new TokenStore({ clock });
    await store.get('a', { fetch: async () => token(clock, 'A', 300) });
    clock.advance(200_000);
    assert.equal(
      (await store.get('a', { fetch: async () => token(clock, 'A2'), skewSeconds: 120 })).source,
      'refetched-after-expiry',
    );
    await store.get('b', { fetch: async () => ({ ...token(clock, 'B'), expiresIn: undefined, expiresAt: undefined }) });
    clock.advance(10 * 86_400_000);
    assert.equal((await store.get('b', { fetch: async () => token(clock, 'B2') })).source, 'cache');
  });

  it('refreshes with the refresh token when one exists', async () => {
    const clock = new ManualClock(START);
    const store = new TokenStore({ clock });
    await store.get('ac', { fetch: async () => token(clock, 'AT-1', 60, 'RT-1') });
    clock.advance(60_000);
    const seen: string[] = [];
    const r = await store.get('ac', {
      fetch: async () => assert.fail('must not fetch'),
      refresh: async (rt) => {
        seen.push(rt);
        return token(clock, 'AT-2', 60, 'RT-2');
      },
    });
    assert.equal(r.source, 'refreshed');
    assert.equal(r.token.accessToken, 'AT-2');
    assert.deepEqual(seen, ['RT-1']);
  });

  it('falls back to fetch when refresh fails with invalid_grant, but surfaces other failures', async () => {
    const clock = new ManualClock(START);
    const store = new TokenStore({ clock });
    await store.get('k', { fetch: async () => token(clock, 'AT-1', 60, 'RT-1') });
    clock.advance(60_000);
    const dead = async (): Promise<TokenSet> => {
      throw new OidcError('oauth.invalid_grant', 'refresh token revoked');
    };
    const r = await store.get('k', { fetch: async () => token(clock, 'AT-2'), refresh: dead });
    assert.equal(r.source, 'refetched-after-expiry');

    await store.get('k2', { fetch: async () => token(clock, 'X', 60, 'RT') });
    clock.advance(60_000);
    const down = async (): Promise<TokenSet> => {
      throw new OidcError('oauth.server_status', 'IdP down');
    };
    await assert.rejects(store.get('k2', { fetch: async () => token(clock, 'Y'), refresh: down }), {
      code: 'oauth.server_status',
    });
  });

  it('shares one in-flight request among concurrent callers', async () => {
    const clock = new ManualClock(START);
    const store = new TokenStore({ clock });
    let release!: () => void;
    let calls = 0;
    const fetch = () => {
      calls += 1;
      return new Promise<TokenSet>((resolve) => {
        release = () => resolve(token(clock, 'AT'));
      });
    };
    const a = store.get('k', { fetch });
    const b = store.get('k', { fetch });
    release();
    const [ra, rb] = await Promise.all([a, b]);
    assert.equal(calls, 1);
    assert.equal(ra.token, rb.token);
  });

  it('does not cache a failed fetch, so the next call tries again', async () => {
    const clock = new ManualClock(START);
    const store = new TokenStore({ clock });
    await assert.rejects(
      store.get('k', {
        fetch: async () => {
          throw new OidcError('oauth.invalid_client', 'no');
        },
      }),
      { code: 'oauth.invalid_client' },
    );
    assert.equal((await store.get('k', { fetch: async () => token(clock, 'AT') })).source, 'fetched');
  });

  it('invalidates, lists without token values and notifies listeners', async () => {
    const clock = new ManualClock(START);
    const store = new TokenStore({ clock });
    const changes: TokenStoreChange[] = [];
    const subscription = store.onDidChange((c) => changes.push(c));
    await store.get('cc', {
      fetch: async () => ({ ...token(clock, 'SECRET-AT', 300, 'SECRET-RT'), idToken: 'SECRET-ID', scope: ['a'] }),
    });
    const listing = store.list();
    assert.deepEqual(listing, [
      {
        key: 'cc',
        tokenType: 'Bearer',
        obtainedAt: START,
        expiresAt: START + 300_000,
        scope: ['a'],
        hasRefreshToken: true,
        hasIdToken: true,
      },
    ]);
    assert.doesNotMatch(JSON.stringify(listing) + JSON.stringify(changes), /SECRET/);

    store.invalidate('cc');
    assert.deepEqual(store.list(), []);
    assert.deepEqual(
      changes.map((c) => [c.key, c.kind]),
      [
        ['cc', 'stored'],
        ['cc', 'invalidated'],
      ],
    );
    assert.equal((await store.get('cc', { fetch: async () => token(clock, 'NEW') })).source, 'fetched');

    subscription.dispose();
    store.invalidate('cc');
    assert.equal(changes.length, 3);
  });

  it('does not store an answer that was in flight when the key was invalidated', async () => {
    const clock = new ManualClock(START);
    const store = new TokenStore({ clock });
    let release!: () => void;
    const pending = store.get('k', {
      fetch: () =>
        new Promise<TokenSet>((resolve) => {
          release = () => resolve(token(clock, 'OLD'));
        }),
    });
    store.invalidate('k');
    release();
    await pending;
    assert.deepEqual(store.list(), []);
  });
});
