/**
 * What the capture proxy (`oidc-flow capture`, issue #16) costs an
 * application: the latency it adds per request against calling the sandbox
 * gateway directly (sequential, keep-alive, direct and proxied calls
 * interleaved so both see the same machine), and whether it sustains 1,000
 * requests per second with flat memory. The sandbox and the capture each run
 * as the built CLI in a process of their own, as a user runs them; this
 * process is only the client. Memory is the capture process's RSS, read
 * from /proc after a warm-up that fills its ring and again at the end.
 *
 *   npm run build && node --expose-gc --import tsx bench/capture-proxy.ts
 *   (PAIRS=2000 sequential pairs, DURATION_S=20 at RATE=1000/s; BENCH_QUICK=1: 300 pairs, 5 s;
 *   CAPTURE_PROFILE_DIR=/tmp/prof writes the capture process's CPU profile there)
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createHttpClient } from '../src/core/http/client';
import { CLI, emitRow, mb, QUICK, requireBuiltCli } from './support/report';

const PAIRS = Number(process.env.PAIRS ?? (QUICK ? 300 : 2000));
const SECONDS = Number(process.env.DURATION_S ?? (QUICK ? 5 : 20));
const RATE = Number(process.env.RATE ?? 1000);
/** The sandbox route that verifies JWTs locally: the gateway's own cost stays small next to the proxy's. */
const ROUTE = '/jwt/orders';

interface Started {
  child: ChildProcess;
  /** Everything it printed so far (the capture's lines are counted, not kept). */
  out: () => string;
  lines: () => number;
}

/** Starts the built CLI and resolves once its output matches `ready`. */
function startCli(
  args: string[],
  ready: RegExp,
  keep = true,
  nodeArgs: string[] = [],
): Promise<Started & { match: RegExpExecArray }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, CLI, ...args], {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let lines = 0;
    let done = false;
    child.stdout!.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines++;
      if (keep || !done) out = (out + text).slice(-65536);
      const match = done ? null : ready.exec(out);
      if (match) {
        done = true;
        resolve({ child, out: () => out, lines: () => lines, match });
      }
    });
    let err = '';
    child.stderr!.on('data', (chunk: Buffer) => (err = (err + chunk.toString('utf8')).slice(-4096)));
    child.on('exit', (code) => {
      if (!done) reject(new Error(`oidc-flow ${args[0]} exited with ${code} before it was ready:\n${out}\n${err}`));
    });
  });
}

function stop(started: Started): Promise<void> {
  return new Promise((resolve) => {
    if (started.child.exitCode !== null) return resolve();
    started.child.once('exit', () => resolve());
    started.child.kill('SIGINT');
  });
}

/** The resident set of a process, from /proc (Linux), in MB. */
function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status);
  if (!kb) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(kb[1]) / 1024;
}

/** CPU time (user + system) a process used so far, from /proc (Linux), in ms. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
    .replace(/^.*\) /s, '')
    .split(' ');
  // utime and stime are fields 14 and 15 of stat, 12 and 13 after the command name; in clock ticks (100/s).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** One GET, resolved with its milliseconds once the whole answer arrived. */
function get(agent: http.Agent, url: string, token: string): Promise<{ ms: number; status: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, headers: { Authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ ms: performance.now() - started, status: res.statusCode ?? 0 }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

async function main(): Promise<void> {
  requireBuiltCli();
  const dir = mkdtempSync(join(tmpdir(), 'bench-capture-'));
  const envFile = join(dir, 'sandbox.env');
  const sandbox = await startCli(['sandbox', '--write-env', envFile], /written to/);
  let capture: (Started & { match: RegExpExecArray }) | undefined;
  const client = createHttpClient({ env: {} });
  try {
    const gateway = /gateway {6}(http:\/\/127\.0\.0\.1:\d+)/.exec(sandbox.out())?.[1];
    if (!gateway) throw new Error(`the sandbox printed no gateway URL:\n${sandbox.out()}`);
    const env = Object.fromEntries(
      readFileSync(envFile, 'utf8')
        .trim()
        .split('\n')
        .map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]),
    );
    const ca = readFileSync(env.SANDBOX_CA_FILE!, 'utf8');
    const tokenAnswer = await client.send({
      method: 'POST',
      url: `${env.SANDBOX_ISSUER}/v1/token`,
      form: { grant_type: 'client_credentials', scope: 'orders:read' },
      headers: {
        Authorization: `Basic ${Buffer.from(`${env.SANDBOX_CLIENT_ID}:${env.SANDBOX_CLIENT_SECRET}`).toString('base64')}`,
      },
      options: { ca },
    });
    const token = tokenAnswer.json<{ access_token: string }>().access_token;
    // The capture as a user runs it, with the IdP options so refusals would be explained.
    capture = await startCli(
      [
        ...['capture', '--target', gateway, '--listen', '127.0.0.1:0'],
        ...['--issuer', env.SANDBOX_ISSUER!, '--ca', env.SANDBOX_CA_FILE!],
      ],
      /Capturing (http:\/\/127\.0\.0\.1:\d+)/,
      false,
      process.env.CAPTURE_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.CAPTURE_PROFILE_DIR}`] : [],
    );
    const proxy = capture.match[1]!;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

    // Warm-up: both paths, and enough requests to fill the capture's ring (1,000 records).
    for (let i = 0; i < 1200; i++) {
      const answer = await get(agent, `${i % 2 ? proxy : gateway}${ROUTE}`, token);
      if (answer.status !== 200) throw new Error(`warm-up got HTTP ${answer.status}`);
    }

    // 1. Added latency, sequential: direct and proxied calls alternate.
    const direct: number[] = [];
    const proxied: number[] = [];
    for (let i = 0; i < PAIRS; i++) {
      const first = i % 2 === 0;
      const a = await get(agent, `${first ? gateway : proxy}${ROUTE}`, token);
      const b = await get(agent, `${first ? proxy : gateway}${ROUTE}`, token);
      (first ? direct : proxied).push(a.ms);
      (first ? proxied : direct).push(b.ms);
    }
    const p50 = [percentile(direct, 50), percentile(proxied, 50)] as const;
    const p99 = [percentile(direct, 99), percentile(proxied, 99)] as const;
    const row = (name: string, [d, p]: readonly [number, number], goal: string) => {
      const added = p - d;
      console.log(
        `${name}: direct ${d.toFixed(3)} ms, through the capture ${p.toFixed(3)} ms, added ${added.toFixed(3)} ms`,
      );
      emitRow({
        bench: 'capture-proxy',
        case: `${name} added per request (${PAIRS} sequential pairs, ${ROUTE})`,
        figure: `${added.toFixed(3)} ms (${p.toFixed(3)} ms through it)`,
        baseline: `${d.toFixed(3)} ms direct`,
        ratio: p / d,
        goal,
      });
    };
    row('p50', p50, 'added < 0.5 ms');
    row('p99', p99, 'added < 2 ms');

    // 2. Sustained rate, open loop (requests start on schedule, whatever answers lag): first straight
    // to the gateway, the baseline of what this machine sustains, then through the capture.
    const sustained = async (base: string) => {
      const latencies: number[] = [];
      let failed = 0;
      let sent = 0;
      const pending = new Set<Promise<void>>();
      const started = performance.now();
      const total = RATE * SECONDS;
      while (sent < total) {
        const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * RATE));
        for (; sent < due; sent++) {
          const one: Promise<void> = get(agent, `${base}${ROUTE}`, token)
            .then((answer) => {
              if (answer.status === 200) latencies.push(answer.ms);
              else failed++;
            })
            .catch(() => void failed++)
            .finally(() => pending.delete(one));
          pending.add(one);
        }
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      await Promise.all(pending);
      const elapsed = (performance.now() - started) / 1000;
      return {
        ok: latencies.length,
        failed,
        rate: latencies.length / elapsed,
        p99: percentile(latencies, 99),
        elapsed,
      };
    };
    const baseline = await sustained(gateway);
    const pid = capture.child.pid!;
    const rssBefore = rssMb(pid);
    const cpuBefore = cpuMs(pid);
    const linesBefore = capture.lines();
    // RSS each second: flat means it levels off once the ring is full, whatever the run's length.
    const samples: number[] = [];
    const sampler = setInterval(() => samples.push(rssMb(pid)), 1000);
    const through = await sustained(proxy);
    clearInterval(sampler);
    const total = RATE * SECONDS;
    // The capture prints its last lines a moment after the answers went out.
    for (let i = 0; i < 100 && capture.lines() - linesBefore < total; i++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const rssAfter = rssMb(pid);
    const cpuPerRequest = (cpuMs(pid) - cpuBefore) / total;
    const listed = capture.lines() - linesBefore;
    const text = (r: typeof through) =>
      `${r.rate.toFixed(0)}/s answered, ${r.failed} failed, p99 ${r.p99.toFixed(1)} ms`;
    console.log(`sustained direct: ${text(baseline)}`);
    console.log(
      `sustained through the capture: ${text(through)}; listed ${listed}; capture CPU ${cpuPerRequest.toFixed(3)} ms/request; RSS ${rssBefore.toFixed(1)} → ${rssAfter.toFixed(1)} MB (each second: ${samples.map((v) => v.toFixed(0)).join(' ')})`,
    );
    emitRow({
      bench: 'capture-proxy',
      case: `${RATE}/s offered for ${SECONDS} s through the capture (${ROUTE})`,
      figure: `${text(through)}, ${listed} listed`,
      baseline: `${text(baseline)} direct`,
      goal: `${RATE}/s sustained`,
    });
    emitRow({
      bench: 'capture-proxy',
      case: 'capture process CPU per request over the sustained run',
      figure: `${cpuPerRequest.toFixed(3)} ms`,
    });
    emitRow({
      bench: 'capture-proxy',
      case: `capture process RSS over the sustained run (ring of 1,000 full before)`,
      figure: `${mb(rssBefore)} → ${mb(rssAfter)}; each second: ${samples.map((v) => v.toFixed(0)).join(' ')} MB`,
      goal: 'flat',
    });
    agent.destroy();
  } finally {
    if (capture) await stop(capture);
    await stop(sandbox);
    await client.close?.();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
