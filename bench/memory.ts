/**
 * Issue #14 point 7, memory: 10,000 flow runs in one process (one runner,
 * as the extension keeps one), each a fresh token then a call through a
 * Kong-configured route to the echo upstream, all on loopback. Prints the
 * heap after a full garbage collection at the start (after a warm-up) and at
 * the end. Goal: growth under 5 MB. The soak test in the unit/integration
 * suites holds the behaviour; this only prints the figure.
 *
 *   node --import tsx bench/memory.ts        (MEMORY_RUNS=10000; BENCH_QUICK=1: 1000)
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { loadFlowFile } from '../src/core/flow/load';
import { FlowRunner } from '../src/core/flow/runner';
import { createHttpClient } from '../src/core/http/client';
import { startEchoUpstream } from '../src/core/sandbox/echo-upstream';
import { startOpaqueTokenIdp } from './support/opaque-token-idp';
import { emitRow, mb, QUICK } from './support/report';

const RUNS = Number(process.env.MEMORY_RUNS ?? (QUICK ? 1000 : 10_000));

/** A full collection, with or without --expose-gc (the flag can be set at run time). */
function fullGc(): void {
  if (!global.gc) setFlagsFromString('--expose-gc');
  const gc = global.gc ?? (runInNewContext('gc') as () => void);
  // Twice: the first pass can leave objects a finalizer only just released.
  gc();
  gc();
}

async function main(): Promise<void> {
  const upstream = await startEchoUpstream();
  const idp = await startOpaqueTokenIdp();
  const tokenUrl = idp.tokenUrl;
  const { file } = loadFlowFile(
    `version: 1
idps:
  idp: { discovery: false, endpoints: { token: "${tokenUrl}" }, clientId: bench, clientAuth: none }
routes:
  orders: { baseUrl: "${upstream.url}", gateway: { kind: kong, config: { auth_methods: [introspection], scopes_required: [orders:read] } } }
flows:
  f:
    steps:
      - { id: token, type: token, idp: idp, reuse: false }
      - { id: call, type: call, route: orders, path: /orders/1, assert: [{ status: 200 }, { json: $.upstream, equals: echo }] }
`,
    { fileName: 'bench-memory' },
  );
  const http = createHttpClient({ env: {} });
  const runner = new FlowRunner(file, { http, secrets: { env: {} } });
  const runOnce = async () => {
    const result = await runner.run({ flow: 'f' });
    if (result.status !== 'passed') throw new Error(`run failed: ${JSON.stringify(result.steps.map((s) => s.status))}`);
  };
  try {
    for (let i = 0; i < 200; i += 1) await runOnce();
    fullGc();
    const start = process.memoryUsage().heapUsed;
    const began = Date.now();
    for (let i = 0; i < RUNS; i += 1) await runOnce();
    fullGc();
    const end = process.memoryUsage().heapUsed;
    const growth = (end - start) / 1024 / 1024;
    process.stdout.write(
      `memory: ${RUNS} flow runs (token + call) in one process in ${((Date.now() - began) / 1000).toFixed(1)} s\n` +
        `  heap after GC at the start ${mb(start / 1024 / 1024)}, at the end ${mb(end / 1024 / 1024)}: ` +
        `growth ${growth.toFixed(2)} MB (goal < 5 MB)\n`,
    );
    emitRow({
      bench: 'memory',
      case: `heap growth over ${RUNS} runs (after GC)`,
      figure: `${growth.toFixed(2)} MB`,
      baseline: `${mb(start / 1024 / 1024)} at start`,
      goal: '< 5 MB',
    });
  } finally {
    await http.close();
    await upstream.close();
    idp.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench/memory: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
