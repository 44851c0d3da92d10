/** Where a call puts its token (a pure function): header by default, or the query, a cookie or the form body. */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { placeToken, placeTokenInto, resolvePlacement } from '../../../src/core/flow/token-placement';
import type { TokenTarget } from '../../../src/core/flow/token-placement';

const target = (): TokenTarget => ({ url: 'https://gw.test/orders?page=2', headers: { Accept: 'application/json' } });

describe('token placement', () => {
  it('sends Authorization: Bearer by default, another scheme or header when the route says so, and a bare token for scheme ""', () => {
    assert.deepEqual(placeToken(target(), 'tok').headers, { Accept: 'application/json', Authorization: 'Bearer tok' });
    assert.equal(placeToken(target(), 'tok', { scheme: 'DPoP' }).headers.Authorization, 'DPoP tok');
    assert.equal(placeToken(target(), 'tok', { name: 'X-Api-Token', scheme: '' }).headers['X-Api-Token'], 'tok');
  });

  it('puts the token in the query, next to the parameters already there', () => {
    const placed = placeToken(target(), 't/k', { in: 'query' });
    assert.equal(placed.url, 'https://gw.test/orders?page=2&access_token=t%2Fk');
    assert.equal(
      placeToken(target(), 'tok', { in: 'query', name: 'jwt' }).url,
      'https://gw.test/orders?page=2&jwt=tok',
    );
    assert.equal(placed.headers.Authorization, undefined);
  });

  it('puts the token in a cookie', () => {
    assert.equal(placeToken(target(), 'tok', { in: 'cookie' }).headers.Cookie, 'access_token=tok');
    assert.equal(placeToken(target(), 'tok', { in: 'cookie', name: 'session' }).headers.Cookie, 'session=tok');
  });

  it('puts the token in the form body, keeping the fields already there', () => {
    assert.deepEqual(placeToken({ ...target(), form: { q: 'x' } }, 'tok', { in: 'body' }).form, {
      q: 'x',
      access_token: 'tok',
    });
    assert.deepEqual(placeToken(target(), 'tok', { in: 'body', name: 'token' }).form, { token: 'tok' });
  });

  it('leaves the given request alone', () => {
    const original = target();
    placeToken(original, 'tok', { in: 'query' });
    placeToken(original, 'tok');
    assert.deepEqual(original, target());
  });

  it('places a header on a copy, for any target, header name (even __proto__) and scheme (property)', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.string(), { noNullPrototype: true }),
        fc.option(fc.dictionary(fc.string(), fc.string(), { noNullPrototype: true }), { nil: undefined }),
        fc.option(fc.oneof(fc.constantFrom('__proto__', 'Authorization'), fc.string({ minLength: 1 })), {
          nil: undefined,
        }),
        fc.option(fc.string(), { nil: undefined }),
        (headers, form, name, scheme) => {
          const given: TokenTarget = { url: 'https://gw.test/', headers, ...(form ? { form } : {}) };
          const before = structuredClone(given);
          const p = resolvePlacement({ name, scheme });
          const expected = {
            ...given,
            headers: { ...given.headers, [p.name]: p.scheme === '' ? 'tok' : `${p.scheme} tok` },
          };
          const placed = placeToken(given, 'tok', { name, scheme });
          assert.deepStrictEqual(placed, expected);
          assert.ok(Object.hasOwn(placed.headers, p.name));
          assert.deepStrictEqual(given, before);
        },
      ),
    );
  });

  it('places into a target made for the call what placeToken places on a copy, keys in the same order, the form copied (property)', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.string(), { noNullPrototype: true }),
        fc.option(fc.dictionary(fc.string(), fc.string(), { noNullPrototype: true }), { nil: undefined }),
        fc.option(fc.constantFrom('header', 'query', 'cookie', 'body') as fc.Arbitrary<'header'>, { nil: undefined }),
        fc.option(fc.oneof(fc.constantFrom('__proto__', 'Authorization', 'Cookie'), fc.string({ minLength: 1 })), {
          nil: undefined,
        }),
        fc.option(fc.string(), { nil: undefined }),
        (headers, form, where, name, scheme) => {
          const placement = { in: where, name, scheme };
          const given: TokenTarget = { url: 'https://gw.test/o?page=2', headers, form };
          const formBefore = form && structuredClone(form);
          const expected = placeToken(given, 't/k', placement);
          const own: TokenTarget = { url: given.url, headers: { ...headers }, form };
          const ownHeaders = own.headers;
          const placed = placeTokenInto(own, 't/k', placement);
          assert.equal(placed, own, 'the same target, not a copy');
          assert.equal(placed.headers, ownHeaders, 'the same headers object, not a copy');
          assert.deepStrictEqual(placed, expected);
          assert.deepStrictEqual(Object.keys(placed.headers), Object.keys(expected.headers));
          assert.deepStrictEqual(Object.getPrototypeOf(placed.headers), Object.prototype);
          assert.deepStrictEqual(form, formBefore, "the step's own form is left alone");
        },
      ),
    );
  });

  it('fills in the defaults the diagnosis reads', () => {
    assert.deepEqual(resolvePlacement(), { in: 'header', name: 'Authorization', scheme: 'Bearer' });
    assert.equal(
      resolvePlacement({}),
      resolvePlacement(),
      'one shared, frozen default for the routes that say nothing',
    );
    assert.ok(Object.isFrozen(resolvePlacement()));
    assert.deepEqual(resolvePlacement({ in: 'cookie' }), { in: 'cookie', name: 'access_token', scheme: 'Bearer' });
  });
});
