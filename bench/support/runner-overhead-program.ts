/**
 * The measuring program of bench/runner-overhead.ts, which bundles it the way the CLI ships its
 * code and runs the bundle: see there. Three sides make the same requests to the same loopback
 * servers in one process: raw undici (the baseline), our HTTP client, and the flow runner.
 */
import { request } from 'undici';
import { loadFlowFile } from '../../src/core/flow/load';
import { FlowRunner } from '../../src/core/flow/runner';
import { createHttpClient } from '../../src/core/http/client';
import { startEchoUpstream } from '../../src/core/sandbox/echo-upstream';
import { startOpaqueTokenIdp } from './opaque-token-idp';
import { emitRow, median, medianRange } from './report';

// 12,000 runs (240 blocks, some 15 s a side here): at 3,000 the 95% interval of the median block ratio
// was about ±0.04x, as wide as the distance between a reading and its 1.15x goal.
const RUNS = Number(process.env.RUNS ?? (process.env.BENCH_QUICK === '1' ? 200 : 12_000));
const STEPS = 3;
const WARMUP = Number(process.env.WARMUP ?? 50);
/** Runs of one side in a row before the next side's turn. */
const BLOCK = Number(process.env.BLOCK ?? 50);

async function main(): Promise<void> {
  const upstream = await startEchoUpstream();
  // A token endpoint that issues a new opaque token every time, so each run brings new token state.
  const idp = await startOpaqueTokenIdp();
  const { tokenUrl } = idp;
  const flowText = `
version: 1
environments: { local: { url: "${upstream.url}" } }
idps:
  idp: { discovery: false, endpoints: { token: "${tokenUrl}" }, clientId: bench, clientAuth: none }
routes:
  # A Kong route config, so each call also pays for token injection and the config lint.
  orders: { baseUrl: "{{env.url}}", gateway: { kind: kong, config: { auth_methods: [introspection], scopes_required: [orders:read], cache_introspection: false } } }
flows:
  f:
    steps:
      - { id: token, type: token, idp: idp, reuse: false }
${Array.from({ length: STEPS }, (_, i) => `      - { id: r${i}, type: call, route: orders, path: /orders/${i}, assert: [{ status: 200 }, { json: $.upstream, equals: echo }] }`).join('\n')}
`;
  const { file } = loadFlowFile(flowText, { fileName: 'bench' });
  const http = createHttpClient({ env: {} });
  const runner = new FlowRunner(file, { http, secrets: { env: {} } });

  const baseline = async () => {
    const token = await request(tokenUrl, {
      method: 'POST',
      body: 'grant_type=client_credentials&client_id=bench',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    const accessToken = ((await token.body.json()) as { access_token?: string }).access_token;
    if (!accessToken) throw new Error('baseline token failed');
    for (let i = 0; i < STEPS; i += 1) {
      const res = await request(`${upstream.url}/orders/${i}`, { headers: { authorization: `Bearer ${accessToken}` } });
      const body = (await res.body.json()) as { upstream?: string };
      if (res.statusCode !== 200 || body.upstream !== 'echo') throw new Error('baseline failed');
    }
  };
  const viaClient = async () => {
    const token = await http.send({
      method: 'POST',
      url: tokenUrl,
      form: { grant_type: 'client_credentials', client_id: 'bench' },
    });
    const accessToken = token.json<{ access_token?: string }>().access_token;
    if (!accessToken) throw new Error('client token failed');
    for (let i = 0; i < STEPS; i += 1) {
      const res = await http.send({
        method: 'GET',
        url: `${upstream.url}/orders/${i}`,
        headers: { Authorization: `Bearer ${accessToken}` },
        secrets: [accessToken],
      });
      if (res.status !== 200 || res.json<{ upstream?: string }>().upstream !== 'echo') throw new Error('client failed');
    }
  };
  const viaRunner = async () => {
    const result = await runner.run({ flow: 'f' });
    if (result.status !== 'passed') throw new Error('runner run failed');
  };

  for (let i = 0; i < WARMUP; i += 1) {
    await baseline();
    await viaClient();
    await viaRunner();
  }
  // The three sides take turns in blocks of BLOCK runs, each block's order rotated, so a slow moment
  // of the machine, a garbage collection or V8 compiling in the background falls on all sides alike
  // and within one block's ratio. Five long rounds of each side in turn (the method before) moved
  // the runner's ratio between 1.01x and 1.21x from one run of the benchmark to the next.
  const sides = [baseline, viaClient, viaRunner];
  const wall: number[][] = [[], [], []];
  const cpu = [0, 0, 0];
  const blocks = Math.max(1, Math.round(RUNS / BLOCK));
  for (let b = 0; b < blocks; b += 1) {
    for (let k = 0; k < 3; k += 1) {
      const side = (b + k) % 3;
      const fn = sides[side]!;
      const cpuMark = process.cpuUsage();
      const start = process.hrtime.bigint();
      for (let i = 0; i < BLOCK; i += 1) await fn();
      wall[side]!.push(Number(process.hrtime.bigint() - start) / 1e6);
      const used = process.cpuUsage(cpuMark);
      cpu[side]! += (used.user + used.system) / 1000;
    }
  }
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  const quantile = (values: number[], q: number) =>
    [...values].sort((a, b) => a - b)[Math.floor(q * (values.length - 1))]!;
  const ratios = (side: number) => wall[side]!.map((ms, b) => ms / wall[0]![b]!);
  const requests = blocks * BLOCK * (STEPS + 1);
  const perRequest = (side: number) => sum(wall[side]!) / requests;
  const describe = (side: number) => {
    const r = ratios(side);
    // The median's 95% interval (distribution-free, bench/support/report.ts): what a reading can be told apart from.
    const interval = medianRange(r, 3);
    const intervalText = interval ? `95% interval ${interval}` : 'too few blocks for a 95% interval';
    return {
      ratio: median(r),
      interval,
      text: `${(perRequest(side) * 1000).toFixed(1)} µs/request, ratio ${median(r).toFixed(3)}x wall (median of ${blocks} blocks, ${intervalText}; middle half ${quantile(r, 0.25).toFixed(2)}-${quantile(r, 0.75).toFixed(2)}x; in total ${(sum(wall[side]!) / sum(wall[0]!)).toFixed(3)}x), ${(cpu[side]! / cpu[0]!).toFixed(3)}x CPU`,
    };
  };
  const client = describe(1);
  const flow = describe(2);

  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  for (let i = 0; i < RUNS; i += 1) await viaRunner();
  global.gc?.();
  const heapAfter = process.memoryUsage().heapUsed;
  const heapMb = (heapAfter - heapBefore) / 1024 / 1024;

  process.stdout.write(
    `runs: ${blocks * BLOCK} of each side in blocks of ${BLOCK}, after ${WARMUP} of each; a run is 1 token + ${STEPS} calls to a Kong-configured route; same process, same local servers\n`,
  );
  process.stdout.write(`baseline (raw undici request + JSON parse): ${(perRequest(0) * 1000).toFixed(1)} µs/request\n`);
  process.stdout.write(`HTTP layer (recording, timings, redaction-ready exchange): ${client.text}\n`);
  process.stdout.write(`flow runner (templates, assertions, recording, events): ${flow.text} (goal <= 1.15x)\n`);
  process.stdout.write(
    `heap after ${RUNS} more runs vs before: ${heapMb.toFixed(2)} MiB (${global.gc ? 'after gc' : 'run with --expose-gc for a clean figure'})\n`,
  );
  const baselineText = `${(perRequest(0) * 1000).toFixed(1)} µs/request (raw undici)`;
  emitRow({
    bench: 'runner-overhead',
    case: 'HTTP layer per request, in process (built like the CLI)',
    figure: `${(perRequest(1) * 1000).toFixed(1)} µs`,
    baseline: baselineText,
    ratio: client.ratio,
  });
  emitRow({
    bench: 'runner-overhead',
    case: `flow runner per request, in process (token + ${STEPS} calls a run)`,
    figure: `${(perRequest(2) * 1000).toFixed(1)} µs${flow.interval ? ` (95% interval of the ratio ${flow.interval})` : ''}`,
    baseline: baselineText,
    ratio: flow.ratio,
    goal: '≤1.15×',
  });
  emitRow({
    bench: 'runner-overhead',
    case: `heap after ${RUNS} more runs (after GC)`,
    figure: `${heapMb.toFixed(2)} MiB`,
  });
  await http.close();
  await upstream.close();
  idp.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
