import { strict as assert } from 'node:assert';
import { nestedDeeperThan } from '../../src/core/nesting';

describe('nestedDeeperThan', () => {
  it('counts lists and objects, not the values in them', () => {
    assert.equal(nestedDeeperThan('text', 0), false);
    assert.equal(nestedDeeperThan(null, 0), false);
    assert.equal(nestedDeeperThan({}, 0), true);
    assert.equal(nestedDeeperThan({ a: 1, b: 'x', c: null }, 1), false);
    assert.equal(nestedDeeperThan({ a: [1, { b: 2 }] }, 2), true);
    assert.equal(nestedDeeperThan({ a: [1, { b: 2 }] }, 3), false);
    assert.equal(nestedDeeperThan([[], [[]]], 2), true);
    assert.equal(nestedDeeperThan([[], [[]]], 3), false);
  });

  it('walks a deep nesting without recursion', () => {
    let deep: unknown = [];
    for (let i = 0; i < 200_000; i += 1) deep = [deep];
    assert.equal(nestedDeeperThan(deep, 100), true);
    assert.equal(nestedDeeperThan(deep, 300_000), false);
  });
});
