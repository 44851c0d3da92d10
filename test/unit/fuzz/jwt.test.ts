import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { classifyToken, decodeJwt, normalizeToken } from '../../../src/core/jwt/decode';
import { explainClaims } from '../../../src/core/jwt/explain';
import { ManualClock } from '../../../src/core/clock';
import { hostileText, mutationsOf, RUNS, valueOrOidcError } from '../../support/fuzz';

/**
 * Fuzzing the JWT decoder: random and mutated tokens (also wrapped the ways
 * people paste them) decode or fail with a jwt.* OidcError, never anything else.
 * Worst-case shapes run under a generous timeout: a quadratic regression shows
 * up as a timeout, not as a timed assertion (timings live in bench/parse-scaling.ts).
 */

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const VALID = [
  `${b64({ alg: 'RS256', kid: 'k1', typ: 'JWT' })}.${b64({ iss: 'https://idp.example', sub: 'u', aud: ['api'], exp: 1_900_000_000, scp: ['a'] })}.c2ln`,
  `${b64({ alg: 'none' })}.${b64({ nested: { deep: [1, { x: null }] }, iat: 'soon' })}.`,
  `${b64({ alg: 'RSA-OAEP', enc: 'A256GCM' })}.a.b.c.d`,
];
const WRAPPED = VALID.flatMap((token) => [`Authorization: Bearer ${token}`, `"${token}"`, `  DPoP ${token}\n`]);
const clock = new ManualClock(Date.UTC(2030, 0, 1));

function decodeAndExplain(text: string): void {
  valueOrOidcError(() => {
    const decoded = decodeJwt(text);
    explainClaims(decoded.payload, { clock });
  });
  assert.ok(['jwt', 'jwe', 'opaque'].includes(classifyToken(text)));
}

describe('fuzz: JWT decoder', () => {
  it('random text decodes or fails with an OidcError', () => {
    fc.assert(fc.property(hostileText, decodeAndExplain), { numRuns: RUNS });
  });

  it('mutated real tokens decode or fail with an OidcError', () => {
    fc.assert(fc.property(mutationsOf(...VALID, ...WRAPPED), decodeAndExplain), { numRuns: RUNS * 3 });
  });

  it('tokens whose parts are random JSON, deeply nested or not JSON at all', () => {
    const part = fc.oneof(
      fc.jsonValue({ maxDepth: 6 }).map(b64),
      fc
        .integer({ min: 1, max: 20_000 })
        .map((depth) => Buffer.from(`${'{"a":['.repeat(depth)}${']}'.repeat(depth)}`).toString('base64url')),
      fc.string({ unit: 'binary', maxLength: 50 }).map((s) => Buffer.from(s).toString('base64url')),
    );
    fc.assert(
      fc.property(part, part, (header, payload) => decodeAndExplain(`${header}.${payload}.sig`)),
      { numRuns: RUNS },
    );
  });

  it('worst-case shapes of 200k characters stay linear (a quadratic regression times out)', function () {
    this.timeout(20_000);
    const n = 200_000;
    for (const text of [
      '"'.repeat(n),
      `${'"'.repeat(n)}x${'"'.repeat(n)}`,
      `${'" '.repeat(n / 2)}x${' "'.repeat(n / 2)}`,
      '.'.repeat(n),
      'Bearer '.repeat(n / 7),
      `${b64({ alg: 'RS256' })}.${b64({ a: 'x'.repeat(n) })}.${'A'.repeat(n)}`,
    ]) {
      normalizeToken(text);
      decodeAndExplain(text);
    }
  });
});
