import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { nestedDeeperThan } from '../../src/core/nesting';

/** The walk as first written (a [value, depth] pair per value), kept as the reference. */
function reference(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (item === null || typeof item !== 'object') continue;
    if (depth >= max) return true;
    for (const child of Array.isArray(item) ? item : Object.values(item)) stack.push([child, depth + 1]);
  }
  return false;
}

function nest(levels: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < levels; i += 1) value = i % 2 ? { a: value } : [value];
  return value;
}

describe('nestedDeeperThan', () => {
  it('counts list and object levels, the outermost being level 1', () => {
    assert.equal(nestedDeeperThan(nest(64), 64), false);
    assert.equal(nestedDeeperThan(nest(65), 64), true);
    assert.equal(nestedDeeperThan(nest(200_000), 64), true);
    assert.equal(nestedDeeperThan('text', 0), false);
    assert.equal(nestedDeeperThan(null, 0), false);
    assert.equal(nestedDeeperThan({}, 0), true);
    assert.equal(nestedDeeperThan({ a: [1, { b: null }], c: 'x' }, 3), false);
    assert.equal(nestedDeeperThan({ a: [1, { b: [] }], c: 'x' }, 3), true);
  });

  it('agrees with the reference walk on any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.integer({ min: 0, max: 8 }), (value, max) => {
        assert.equal(nestedDeeperThan(value, max), reference(value, max));
      }),
      { numRuns: 500 },
    );
  });
});
