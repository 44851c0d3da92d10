/**
 * A token step's result decodes its access token's claims only when something reads them; every
 * way a result is read (properties, JSON, structuredClone, spreads, deep equality) must see what
 * the eager decode gave.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { decodeJwt, normalizeToken } from '../../../src/core/jwt';
import type { TokenSet } from '../../../src/core/oauth';
import type { StepResult, StepTokenResult } from '../../../src/core/flow/step-result';
import { tokenResult, tokenStepResult } from '../../../src/core/flow/token-step';

/** The result as it was made before the decode was deferred. */
function eager(set: TokenSet): { token: StepTokenResult; step: StepResult } {
  const out: StepTokenResult = { access_token: set.accessToken, token_type: set.tokenType };
  if (set.idToken) out.id_token = set.idToken;
  if (set.refreshToken) out.refresh_token = set.refreshToken;
  if (set.expiresAt !== undefined) out.expires_at = Math.floor(set.expiresAt / 1000);
  if (set.scope) out.scope = set.scope.join(' ');
  const raw = normalizeToken(set.accessToken);
  if (raw.split('.').length === 3) {
    try {
      out.claims = decodeJwt(raw).payload;
    } catch {
      // opaque
    }
  }
  return { token: out, step: { status: 'passed', token: out, claims: out.claims } };
}

function lazy(set: TokenSet): { token: StepTokenResult; step: StepResult } {
  const token = tokenResult(set);
  return { token, step: tokenStepResult(token) };
}

const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

function set(accessToken: string, more: Partial<TokenSet> = {}): TokenSet {
  return { accessToken, tokenType: 'Bearer', obtainedAt: 0, fields: {}, ...more };
}

const jwt = (payload: unknown, header: unknown = { alg: 'RS256', kid: 'k' }) => `${b64(header)}.${b64(payload)}.c2ln`;

/**
 * Every way a result is read, each on a fresh pair so that no read warms the next. The one
 * difference: a token that only looks like a JWT lists `claims` (undefined) until it is first read.
 */
function sameEverywhere(tokenSet: TokenSet): void {
  const looksLike = (() => {
    const { token } = eager(tokenSet);
    return !Object.hasOwn(token, 'claims') && Object.hasOwn(tokenResult(tokenSet), 'claims');
  })();
  const fresh = () => {
    const made = lazy(tokenSet);
    if (looksLike) void made.step.claims;
    return made;
  };
  assert.deepStrictEqual(fresh().step, eager(tokenSet).step);
  assert.deepStrictEqual(fresh().token, eager(tokenSet).token);
  assert.deepStrictEqual(structuredClone(fresh().step), structuredClone(eager(tokenSet).step));
  assert.deepStrictEqual({ ...fresh().token }, { ...eager(tokenSet).token });
  assert.deepStrictEqual(Object.keys(fresh().step), Object.keys(eager(tokenSet).step));
  // Whether or not anything read them first.
  assert.equal(JSON.stringify(lazy(tokenSet).step), JSON.stringify(eager(tokenSet).step));
  assert.deepStrictEqual(lazy(tokenSet).step.claims, eager(tokenSet).step.claims);
  assert.deepStrictEqual(lazy(tokenSet).token.claims, eager(tokenSet).token.claims);
}

describe('token step result', () => {
  it('reads the same as the eager decode for any claims, header and token fields (property)', () => {
    const json = fc.jsonValue({ maxDepth: 3 });
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), json),
        fc.dictionary(fc.constantFrom('alg', 'kid', 'typ', 'x5t'), fc.oneof(fc.string(), fc.integer())),
        fc.option(fc.string({ minLength: 1 }), { nil: undefined }),
        fc.option(fc.integer({ min: 0, max: 2 ** 40 }), { nil: undefined }),
        (payload, header, refreshToken, expiresAt) =>
          sameEverywhere(set(jwt(payload, header), { refreshToken, expiresAt })),
      ),
      { numRuns: 300 },
    );
  });

  it('reads the same as the eager decode for opaque, encrypted and JWT-looking tokens (property)', () => {
    const part = fc.string({ unit: fc.constantFrom('a', 'B', '9', '-', '_', '=', ' ', 'é', '{'), maxLength: 12 });
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 6 }), (parts) => sameEverywhere(set(parts.join('.')))),
      { numRuns: 300 },
    );
    for (const token of ['opaque-token', 'a.b.c', `"Bearer ${jwt({ sub: 'x' })}"`, `${b64('[1]')}.${b64('{}')}.x`])
      sameEverywhere(set(token));
  });

  it('decodes once, and the step and its token share one claims object', () => {
    const { token, step } = lazy(set(jwt({ sub: 'alice', exp: 2 })));
    assert.equal(step.claims, token.claims);
    assert.equal(token.claims, token.claims);
    assert.deepEqual(token.claims, { sub: 'alice', exp: 2 });
  });

  it('leaves plain data properties behind once read, and still reads on a result frozen before that', () => {
    const { token, step } = lazy(set(jwt({ sub: 'alice' })));
    void step.claims;
    assert.deepEqual(Object.getOwnPropertyDescriptor(token, 'claims'), {
      value: { sub: 'alice' },
      writable: true,
      enumerable: true,
      configurable: true,
    });
    assert.equal(Object.getOwnPropertyDescriptor(step, 'claims')?.value, token.claims);
    const frozen = lazy(set(jwt({ sub: 'bob' })));
    Object.freeze(frozen.token);
    Object.freeze(frozen.step);
    assert.deepEqual(frozen.step.claims, { sub: 'bob' });
    assert.deepEqual(frozen.token.claims, { sub: 'bob' });
    const opaque = lazy(set('a.b.c'));
    Object.freeze(opaque.token);
    assert.equal(opaque.token.claims, undefined);
  });

  it('keeps claims a template or a caller assigns', () => {
    const { token, step } = lazy(set(jwt({ sub: 'alice' })));
    token.claims = { sub: 'bob' };
    step.claims = { sub: 'carol' };
    assert.deepEqual(token.claims, { sub: 'bob' });
    assert.deepEqual(step.claims, { sub: 'carol' });
  });

  it('drops claims from a token that only looks like a JWT at the first read, and keeps the step key undefined', () => {
    const { token, step } = lazy(set('not.a.jwt'));
    assert.equal(step.claims, undefined);
    assert.equal(Object.hasOwn(token, 'claims'), false);
    assert.equal(Object.hasOwn(step, 'claims'), true);
    assert.equal(JSON.stringify(token), JSON.stringify({ access_token: 'not.a.jwt', token_type: 'Bearer' }));
  });
});
