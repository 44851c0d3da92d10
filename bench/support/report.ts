/**
 * What every benchmark shares: the quick mode CI uses, medians, timing a
 * whole child process with its peak memory, and the one line format the
 * orchestrator (bench/all.ts) gathers into its table.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const REPO = join(__dirname, '..', '..');
/** CI's short version: fewer iterations and repetitions, same code paths. */
export const QUICK = process.env.BENCH_QUICK === '1';

/** One row of the orchestrator's table: a figure, its baseline measured in the same run, and the goal. */
export interface BenchRow {
  bench: string;
  case: string;
  figure: string;
  baseline?: string;
  /** figure / baseline, for times; undefined when a row has no baseline. */
  ratio?: number;
  goal?: string;
}

/** The line prefix bench/all.ts looks for; everything else a benchmark prints passes through. */
export const ROW_PREFIX = '@bench-row ';

/** Printed only under bench/all.ts (BENCH_ROWS=1): run by itself, a benchmark prints just its own table. */
export function emitRow(row: BenchRow): void {
  if (process.env.BENCH_ROWS === '1') process.stdout.write(`${ROW_PREFIX}${JSON.stringify(row)}\n`);
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * A distribution-free interval for the median of `values` (the order statistics that bracket it,
 * from the binomial distribution of how many values fall below it), at `level` or just above.
 * Undefined when there are too few values for one: five or fewer at 95%. What the median of a
 * benchmark's paired ratios can be told apart from: one pair at N=1000 moves by ±10% on a shared
 * 2-core machine, so "1.03×" of six pairs and of thirty are not the same reading (issue #14).
 */
export function medianInterval(values: readonly number[], level = 0.95): [number, number] | undefined {
  const n = values.length;
  const sorted = [...values].sort((a, b) => a - b);
  // below[j]: the chance that fewer than j+1 of n values fall below the true median (Binomial(n, 1/2)).
  let chance = 0.5 ** n;
  let below = chance;
  let k = -1;
  for (let j = 0; 2 * below <= 1 - level; j += 1) {
    k = j;
    chance = (chance * (n - j)) / (j + 1);
    below += chance;
  }
  // x_(k+1) and x_(n-k), 1-based: k values are left out at each end.
  return k < 0 ? undefined : [sorted[k]!, sorted[n - 1 - k]!];
}

/** medianInterval of ratios as the benchmarks print it, e.g. "1.02–1.10×"; undefined when there is none. */
export function medianRange(ratios: readonly number[], digits = 2): string | undefined {
  const interval = medianInterval(ratios);
  return interval && `${interval[0].toFixed(digits)}–${interval[1].toFixed(digits)}×`;
}

export const RSS_PRELOAD = join(REPO, 'test', 'support', 'report-rss.cjs');
export const CLI = join(REPO, 'dist', 'cli.js');

/** Fails, saying what to run, when the CLI bundle the process benchmarks time is missing. */
export function requireBuiltCli(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first (npm run bench builds it)`);
}

export interface ProcessTiming {
  /** From spawn to exit, in the parent. */
  wallMs: number;
  /** From spawn to the first byte on stdout (or the exit when none came). */
  firstOutputMs: number;
  /** Peak resident set of the node process (report-rss.cjs), when it was preloaded. */
  maxRssMb?: number;
  /** CPU time of the node process (user + system, all its threads), when report-rss.cjs was preloaded. */
  cpuMs?: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The last 64 KB of a stream. Chunks are joined and cut only when twice that arrived: cutting the
 * tail again for every chunk copied 64 KB per chunk in this process, which also hosts the sandbox
 * IdP of bench/e2e-tools.ts, so a contender printing a line per request (oidc-flow run, newman)
 * paid for it in the IdP's time.
 */
class Tail {
  private chunks: string[] = [];
  private size = 0;

  add(chunk: Buffer): void {
    const text = chunk.toString('utf8');
    this.chunks.push(text);
    this.size += text.length;
    if (this.size > 2 * TAIL_CHARS) {
      const kept = this.text();
      this.chunks = [kept];
      this.size = kept.length;
    }
  }

  text(): string {
    return this.chunks.join('').slice(-TAIL_CHARS);
  }
}

const TAIL_CHARS = 65536;

/**
 * Runs a node script as a whole process, with report-rss.cjs preloaded so it
 * prints its peak RSS on exit. Output is kept to the last 64 KB per stream:
 * a chatty contender must not cost the parent memory.
 */
export function timeNode(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; rss?: boolean; stdin?: string } = {},
): Promise<ProcessTiming> {
  const nodeArgs = options.rss === false ? args : ['--require', RSS_PRELOAD, ...args];
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    let firstOutput: bigint | undefined;
    const child = spawn(process.execPath, nodeArgs, {
      cwd: options.cwd ?? REPO,
      env: options.env ?? process.env,
      stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const out = new Tail();
    const err = new Tail();
    child.stdout!.on('data', (chunk: Buffer) => {
      firstOutput ??= process.hrtime.bigint();
      out.add(chunk);
    });
    child.stderr!.on('data', (chunk: Buffer) => err.add(chunk));
    if (options.stdin !== undefined) child.stdin?.end(options.stdin);
    child.on('error', reject);
    child.on('close', (code) => {
      const end = process.hrtime.bigint();
      const stdout = out.text();
      const stderr = err.text();
      const rss = /maxRSS-KB (\d+)(?: cpu-us (\d+))?/.exec(stderr);
      resolve({
        wallMs: Number(end - start) / 1e6,
        firstOutputMs: Number((firstOutput ?? end) - start) / 1e6,
        maxRssMb: rss ? Number(rss[1]) / 1024 : undefined,
        cpuMs: rss?.[2] === undefined ? undefined : Number(rss[2]) / 1000,
        code,
        stdout,
        stderr: stderr.replace(/\n?maxRSS-KB \d+(?: cpu-us \d+)?\n?/, ''),
      });
    });
  });
}

export const ms = (value: number): string => `${value.toFixed(value < 10 ? 2 : 0)} ms`;
export const mb = (value: number): string => `${value.toFixed(1)} MB`;
