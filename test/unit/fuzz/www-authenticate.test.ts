import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { parseWwwAuthenticate } from '../../../src/core/diagnosis/www-authenticate';
import { hostileText, mutationsOf, RUNS } from '../../support/fuzz';

/**
 * Fuzzing the WWW-Authenticate parser: it reads whatever a gateway sends, so
 * it must return challenges for any text and never throw. Worst-case shapes
 * run under a generous timeout: a quadratic regression shows up as a timeout,
 * not as a timed assertion (timings live in bench/parse-scaling.ts).
 */

const VALID = [
  'Bearer realm="kong", error="invalid_token", error_description="The access token expired"',
  'Bearer error="insufficient_scope", scope="orders.read orders.write", resource_metadata="https://api.example/.well-known/oauth-protected-resource"',
  'Basic realm="x", Bearer realm=api,error=invalid_request, DPoP algs="ES256 RS256"',
  'Negotiate abc123==, Bearer realm="a\\"b"',
];

function parsesToChallenges(text: string): void {
  const challenges = parseWwwAuthenticate(text);
  assert.ok(Array.isArray(challenges));
  for (const challenge of challenges) {
    assert.equal(typeof challenge.scheme, 'string');
    for (const value of Object.values(challenge.params)) assert.equal(typeof value, 'string');
  }
}

describe('fuzz: WWW-Authenticate parser', () => {
  it('random text yields challenges, never a throw', () => {
    fc.assert(fc.property(hostileText, parsesToChallenges), { numRuns: RUNS * 3 });
  });

  it('mutated real headers yield challenges, never a throw', () => {
    fc.assert(fc.property(mutationsOf(...VALID), parsesToChallenges), { numRuns: RUNS * 3 });
  });

  it('parameter names that are Object.prototype keys stay plain parameters', () => {
    const [challenge] = parseWwwAuthenticate('Bearer __proto__="x", constructor="y", toString=z');
    assert.equal(Object.getPrototypeOf(challenge!.params), Object.prototype);
    assert.equal(challenge!.params.constructor, 'y');
    assert.equal(challenge!.params.tostring, 'z');
  });

  it('worst-case shapes of 200k characters stay linear (a quadratic regression times out)', function () {
    this.timeout(20_000);
    const n = 200_000;
    for (const text of [
      ','.repeat(n),
      ' '.repeat(n),
      'a'.repeat(n),
      '='.repeat(n),
      'a='.repeat(n / 2),
      'Bearer a '.repeat(n / 9),
      `Bearer a="${'\\"'.repeat(n / 2)}`,
      `Bearer ${'a=b, '.repeat(n / 5)}`,
      `${'Bearer, '.repeat(n / 8)}`,
      '"'.repeat(n),
      `Bearer ${'a = '.repeat(n / 4)}`,
    ]) {
      parsesToChallenges(text);
    }
  });
});
