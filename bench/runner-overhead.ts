/**
 * How much the flow runner adds over the requests it makes, and whether
 * memory stays flat over thousands of runs. Prints ratios against a
 * baseline measured in the same process (raw undici requests to the same
 * local echo upstream), never absolute pass/fail times.
 *
 *   node --expose-gc --import tsx bench/runner-overhead.ts   (RUNS=2000; BENCH_QUICK=1 runs 200;
 *   WARMUP=50 runs of each side first, WARMUP=2000 for V8's steady state)
 *
 * To see where the time goes: add --cpu-prof --cpu-prof-dir=/tmp/prof and open the main
 * thread's .cpuprofile (the other one is tsx's loader thread) in Chrome DevTools.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { loadFlowFile } from '../src/core/flow/load';
import { FlowRunner } from '../src/core/flow/runner';
import { createHttpClient } from '../src/core/http/client';
import { startEchoUpstream } from '../src/core/sandbox/echo-upstream';

const RUNS = Number(process.env.RUNS ?? (process.env.BENCH_QUICK === '1' ? 200 : 2000));
const STEPS = 3;
const WARMUP = Number(process.env.WARMUP ?? 50);

async function main(): Promise<void> {
  const upstream = await startEchoUpstream();
  // A token endpoint that issues a new opaque token every time, so each run brings new token state.
  const idp = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({ access_token: randomBytes(24).toString('base64url'), token_type: 'Bearer', expires_in: 3600 }),
    );
  });
  await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
  const tokenUrl = `http://127.0.0.1:${(idp.address() as AddressInfo).port}/token`;
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

  // Warm both paths (JIT, connections) before measuring. The runner runs many more functions than a
  // raw request, each a few times a run, so V8 optimises them only after ~1,500 runs: WARMUP=2000
  // measures that steady state; the default measures what a short run pays (compilation included).
  for (let i = 0; i < WARMUP; i += 1) {
    await baseline();
    await viaRunner();
  }
  const time = async (fn: () => Promise<void>, n: number) => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i += 1) await fn();
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  // Interleave rounds so machine noise hits all sides alike; the ratio is the median of the rounds' ratios,
  // so one round slowed down by another process on a shared machine does not move it.
  const rounds = 5;
  const perRound = Math.max(1, Math.round(RUNS / rounds));
  const base: number[] = [];
  const client: number[] = [];
  const viaRunnerMs: number[] = [];
  // CPU time of this process (client and the loopback servers alike) per round: other processes on a
  // busy machine stretch wall time a lot and CPU time little, so its ratio is the steadier figure.
  const cpu = { base: [] as number[], client: [] as number[], runner: [] as number[] };
  const cpuMs = (since: NodeJS.CpuUsage): number => {
    const used = process.cpuUsage(since);
    return (used.user + used.system) / 1000;
  };
  for (let r = 0; r < rounds; r += 1) {
    let mark = process.cpuUsage();
    base.push(await time(baseline, perRound));
    cpu.base.push(cpuMs(mark));
    mark = process.cpuUsage();
    client.push(await time(viaClient, perRound));
    cpu.client.push(cpuMs(mark));
    mark = process.cpuUsage();
    viaRunnerMs.push(await time(viaRunner, perRound));
    cpu.runner.push(cpuMs(mark));
  }
  const median = (values: number[]): number => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  };
  const baseMs = median(base) * rounds;
  const clientMs = median(client) * rounds;
  const runnerMs = median(viaRunnerMs) * rounds;
  const clientRatio = median(client.map((ms, i) => ms / base[i]!));
  const runnerRatio = median(viaRunnerMs.map((ms, i) => ms / base[i]!));
  const clientCpuRatio = median(cpu.client.map((ms, i) => ms / cpu.base[i]!));
  const runnerCpuRatio = median(cpu.runner.map((ms, i) => ms / cpu.base[i]!));
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  await time(viaRunner, RUNS);
  global.gc?.();
  const heapAfter = process.memoryUsage().heapUsed;

  const requests = perRound * rounds * (STEPS + 1);
  const perRequestBase = baseMs / requests;
  const perRequestRunner = runnerMs / requests;
  process.stdout.write(
    `runs: ${RUNS} flows x (1 token + ${STEPS} calls to a Kong-configured route) after ${WARMUP} of each side, same process, same local servers\n`,
  );
  process.stdout.write(`baseline (raw undici request + JSON parse): ${perRequestBase.toFixed(3)} ms/request\n`);
  const perRequestClient = clientMs / requests;
  process.stdout.write(
    `HTTP layer (recording, timings, redaction-ready exchange): ${perRequestClient.toFixed(3)} ms/request, ratio ${clientRatio.toFixed(2)}x wall, ${clientCpuRatio.toFixed(2)}x CPU (medians of ${rounds} rounds)\n`,
  );
  process.stdout.write(
    `flow runner (templates, assertions, recording, events): ${perRequestRunner.toFixed(3)} ms/request, ratio ${runnerRatio.toFixed(2)}x wall, ${runnerCpuRatio.toFixed(2)}x CPU (goal <= 1.15x)\n`,
  );
  process.stdout.write(`runner over HTTP layer: ${(runnerRatio / clientRatio).toFixed(2)}x\n`);
  process.stdout.write(
    `heap after ${RUNS} more runs vs before: ${((heapAfter - heapBefore) / 1024 / 1024).toFixed(2)} MiB (${global.gc ? 'after gc' : 'run with --expose-gc for a clean figure'})\n`,
  );
  await http.close();
  await upstream.close();
  idp.close();
}

void main();
