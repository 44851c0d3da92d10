/**
 * bench/support/report.ts's interval for a median: how the end-to-end benchmark says how far its
 * median ratio can be trusted (issue #14 point 1). Checked against the binomial tables' order
 * statistics, never a time.
 */
import assert from 'node:assert/strict';
import { medianInterval } from '../../bench/support/report';

const ranks = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('medianInterval (bench/support/report.ts)', () => {
  it('has no 95% interval from five values or fewer', () => {
    for (const n of [0, 1, 2, 5]) assert.equal(medianInterval(ranks(n)), undefined, `n=${n}`);
  });

  it('brackets the median with the order statistics of the binomial tables', () => {
    // 95% (two-sided, coverage at least 0.95): n=6 → x(1)..x(6), n=9 → x(2)..x(8),
    // n=18 → x(5)..x(14), n=30 → x(10)..x(21).
    assert.deepEqual(medianInterval(ranks(6)), [1, 6]);
    assert.deepEqual(medianInterval(ranks(9)), [2, 8]);
    assert.deepEqual(medianInterval(ranks(18)), [5, 14]);
    assert.deepEqual(medianInterval(ranks(30)), [10, 21]);
  });

  it('reads the values in order, whatever order they came in', () => {
    assert.deepEqual(medianInterval([1.13, 0.94, 1.07, 0.98, 1.08, 0.92]), [0.92, 1.13]);
    assert.deepEqual(medianInterval([5, 3, 9, 1, 7, 2, 8, 4, 6]), [2, 8]);
  });

  it('widens as the level rises', () => {
    assert.deepEqual(medianInterval(ranks(30), 0.9), [11, 20]);
    assert.deepEqual(medianInterval(ranks(30), 0.99), [8, 23]);
  });
});
