import { strict as assert } from 'node:assert';
import { findToken, Ring } from '../../../src/core/capture';
import { PROFILES } from '../../../src/core/gateway/profiles';

/**
 * What this file proves: a capture finds the token where the gateway's
 * profile says the gateway reads it (header, query, cookie, form body), in
 * the profile's order, and nowhere else; and the ring keeps the last N.
 */

const T = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';

describe('findToken per gateway profile', () => {
  it('generic RFC 6750: the Authorization header only, Bearer or DPoP, never Basic', () => {
    const sources = PROFILES['generic-rfc6750'].tokenSources();
    assert.deepEqual(findToken({ url: '/x', headers: [['authorization', `Bearer ${T}`]] }, sources), {
      token: T,
      source: { in: 'header', name: 'Authorization' },
      scheme: 'Bearer',
    });
    assert.equal(findToken({ url: '/x', headers: [['Authorization', `DPoP ${T}`]] }, sources)?.scheme, 'DPoP');
    assert.equal(findToken({ url: '/x', headers: [['Authorization', 'Basic YTpi']] }, sources), undefined);
    assert.equal(findToken({ url: `/x?access_token=${T}`, headers: [] }, sources), undefined);
  });

  it('Kong openid-connect: the headers it reads, then the query and the cookie its config names', () => {
    const profile = PROFILES['kong-openid-connect'];
    const config = { bearer_token_param_type: ['header', 'query', 'cookie'] as const, bearer_token_cookie_name: 'at' };
    const sources = profile.tokenSources({ ...config, bearer_token_param_type: [...config.bearer_token_param_type] });
    assert.equal(findToken({ url: '/x', headers: [['X-Access-Token', T]] }, sources)?.source.name, 'x-access-token');
    assert.deepEqual(findToken({ url: `/x?a=1&access_token=${T}#f`, headers: [] }, sources)?.source, {
      in: 'query',
      name: 'access_token',
    });
    const cookie = findToken({ url: '/x', headers: [['Cookie', `theme=dark; at=${T}`]] }, sources);
    assert.deepEqual([cookie?.token, cookie?.source.in], [T, 'cookie']);
    // The header wins when both are there: Kong looks there first.
    assert.equal(
      findToken({ url: '/x?access_token=other', headers: [['Authorization', `Bearer ${T}`]] }, sources)?.token,
      T,
    );
    // Kong's default reads the header, the query and the body, never a cookie.
    const defaults = profile.tokenSources();
    assert.equal(findToken({ url: `/x?access_token=${T}`, headers: [] }, defaults)?.source.in, 'query');
    assert.equal(findToken({ url: '/x', headers: [['Cookie', `at=${T}`]] }, defaults), undefined);
  });

  it("Kong's jwt plugin: ?jwt= by default", () => {
    const found = findToken({ url: `/x?jwt=${T}`, headers: [] }, PROFILES['kong-jwt'].tokenSources());
    assert.deepEqual(found?.source, { in: 'query', name: 'jwt' });
  });

  it('a form body, when the gateway reads the body and the body was recorded', () => {
    // OIDCOAuthAcceptTokenAs post, as the Apache config reader models it.
    const sources = PROFILES['apache-introspection'].tokenSources({ bearer_token_param_type: ['body'] });
    const request = { url: '/x', headers: [], body: `a=1&access_token=${T}` };
    assert.equal(findToken(request, sources), undefined, 'not a form: no body token');
    const found = findToken({ ...request, contentType: 'application/x-www-form-urlencoded; charset=utf-8' }, sources);
    assert.deepEqual([found?.token, found?.source.in], [T, 'body']);
  });

  it('no token: undefined, and hostile input stays linear', () => {
    assert.equal(findToken({ url: '/x', headers: [] }), undefined);
    const huge = `/x?${'a=1&'.repeat(50_000)}`;
    // Linear: a quadratic scan of these 300 KB would outlast mocha's timeout (no timed assertion).
    assert.equal(
      findToken({ url: huge, headers: [['Cookie', ';'.repeat(100_000)]] }, [
        { in: 'query', name: 'access_token' },
        { in: 'cookie', name: 'at' },
      ]),
      undefined,
    );
  });
});

describe('Ring', () => {
  it('keeps the last N, oldest first, and hands back what it dropped', () => {
    const ring = new Ring<number>(3);
    assert.deepEqual([ring.push(1), ring.push(2), ring.push(3)], [0, 0, 0]);
    assert.equal(ring.push(4), 1);
    assert.equal(ring.push(5), 1);
    assert.deepEqual(ring.toArray(), [3, 4, 5]);
    assert.equal(ring.size, 3);
    ring.clear();
    assert.deepEqual(ring.toArray(), []);
    assert.throws(() => new Ring(0), RangeError);
  });
});

describe('Ring with a byte budget', () => {
  it('drops the oldest items past the budget, keeps the newest even alone over it', () => {
    const ring = new Ring<string>(10, { bytes: 10, weigh: (s) => s.length });
    assert.deepEqual([ring.push('aaaa'), ring.push('bbbb')], [0, 0]);
    assert.equal(ring.push('cccc'), 1, 'twelve bytes: the oldest goes');
    assert.deepEqual(ring.toArray(), ['bbbb', 'cccc']);
    assert.equal(ring.push('x'.repeat(50)), 2);
    assert.deepEqual(ring.toArray(), ['x'.repeat(50)]);
    assert.equal(ring.push('d'), 1);
    assert.deepEqual(ring.toArray(), ['d']);
  });

  it('counts a dropped item once whether the count or the budget dropped it', () => {
    const ring = new Ring<string>(2, { bytes: 5, weigh: (s) => s.length });
    ring.push('aa');
    ring.push('bb');
    assert.equal(ring.push('cc'), 1);
    assert.deepEqual(ring.toArray(), ['bb', 'cc']);
  });
});
