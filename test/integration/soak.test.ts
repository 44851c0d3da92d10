import { strict as assert } from 'node:assert';
import { heapAfterGc, startSoak } from '../../bench/introspection-soak';
import type { Soak } from '../../bench/introspection-soak';

/**
 * The bounded soak of issue #13 (the full one is `npm run soak`, 10,000 runs): the introspection
 * scenario 1,500 times in this process against the sandbox, with the heap after a full collection
 * at the end within a generous bound of the heap after the first 300 runs (memory, never time);
 * then 1,000 introspections at once at the sandbox IdP, every one answered "active".
 */
const RUNS = 1500;
const WARM_UP = 300;
const HEAP_GROWTH_BOUND = 25 * 1024 * 1024;
const CONCURRENT = 1000;

describe('soak: the introspection scenario over and over, and a burst of introspections', function () {
  this.timeout(180_000);
  let soak: Soak;
  before(async () => {
    soak = await startSoak();
  });
  after(async () => soak?.close());

  it(`${RUNS} runs of the introspection scenario in one process keep memory flat`, async () => {
    let baseline = 0;
    for (let i = 1; i <= RUNS; i += 1) {
      const result = await soak.runOnce();
      assert.equal(result.status, 'passed', `run ${i}: ${JSON.stringify(result.steps.map((s) => [s.id, s.status]))}`);
      if (i === WARM_UP) baseline = heapAfterGc();
    }
    const grown = heapAfterGc() - baseline;
    assert.ok(
      grown < HEAP_GROWTH_BOUND,
      `the heap grew ${(grown / 1024 / 1024).toFixed(1)} MB from run ${WARM_UP} to run ${RUNS}`,
    );
  });

  it(`${CONCURRENT} concurrent introspections at the sandbox IdP all answer`, async () => {
    const { active, failures } = await soak.introspectAtOnce(CONCURRENT);
    assert.deepEqual(Object.fromEntries(failures), {});
    assert.equal(active, CONCURRENT);
  });
});
