import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { formatUtc } from '../../../src/core/jwt/time-format';

/** The spelling formatUtc had when it went through Date#toISOString, kept as the reference. */
function viaDate(seconds: number): string {
  const iso = new Date(Math.floor(seconds) * 1000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

describe('formatUtc', () => {
  it('spells every instant exactly as Date#toISOString does (computed without a Date from 1970 to 9999)', () => {
    for (const seconds of [0, 59, 86_399, 86_400, 951_782_400, 951_868_800, 4_107_542_400, 253_402_300_799]) {
      assert.equal(formatUtc(seconds), viaDate(seconds), String(seconds));
    }
    fc.assert(
      fc.property(fc.double({ min: -8.64e12, max: 8.64e12, noNaN: true }), (seconds) => {
        assert.equal(formatUtc(seconds), viaDate(seconds));
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 253_402_300_799 }), (seconds) => {
        assert.equal(formatUtc(seconds), viaDate(seconds));
      }),
      { numRuns: 5000 },
    );
  });

  it('shows instants a Date cannot hold as raw numbers', () => {
    assert.equal(formatUtc(9e12), 'epoch 9000000000000');
    assert.equal(formatUtc(Number.POSITIVE_INFINITY), 'epoch Infinity');
  });

  it('spells a well-known instant', () => {
    assert.equal(formatUtc(1_714_572_192), '2024-05-01 14:03:12 UTC');
  });
});
