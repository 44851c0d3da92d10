/**
 * The full soak of issue #13: the introspection scenario (examples/introspection-scenario.yaml
 * against the sandbox) SOAK_RUNS times in one process (default 10000), printing the heap used after
 * a full collection at intervals and the ratio last/first; then CONCURRENT (default 1000)
 * introspections at once at the sandbox IdP, printing any failure by its code. It prints, it does
 * not judge: test/integration/soak.test.ts holds the bounded version that CI asserts.
 *
 *   npm run soak                       (10000 runs, 1000 concurrent introspections)
 *   SOAK_RUNS=2000 npm run soak        (a quicker look)
 */
import { heapAfterGc, startSoak } from './introspection-soak';

const RUNS = Number(process.env.SOAK_RUNS ?? 10_000);
const CONCURRENT = Number(process.env.SOAK_CONCURRENT ?? 1000);
const EVERY = Math.max(1, Math.round(RUNS / 20));

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

async function main(): Promise<void> {
  const soak = await startSoak();
  try {
    const started = Date.now();
    const statuses = new Map<string, number>();
    let first: number | undefined;
    let last = 0;
    for (let i = 1; i <= RUNS; i += 1) {
      const result = await soak.runOnce();
      statuses.set(result.status, (statuses.get(result.status) ?? 0) + 1);
      if (i % EVERY === 0 || i === RUNS) {
        last = heapAfterGc();
        first ??= last;
        const rate = (i / ((Date.now() - started) / 1000)).toFixed(0);
        console.log(`run ${String(i).padStart(6)}  heap after GC ${mb(last).padStart(9)}  (${rate} runs/s)`);
      }
    }
    console.log(`\n${RUNS} runs: ${[...statuses].map(([status, n]) => `${n} ${status}`).join(', ')}`);
    console.log(
      `heap after GC: first sample ${mb(first!)}, last ${mb(last)}, ratio last/first ${(last / first!).toFixed(2)}`,
    );

    const burst = await soak.introspectAtOnce(CONCURRENT);
    console.log(`\n${CONCURRENT} concurrent introspections: ${burst.active} active`);
    for (const [failure, n] of burst.failures) console.log(`  ${n} × ${failure}`);
    if (burst.failures.size === 0) console.log('  no failures');
  } finally {
    await soak.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
