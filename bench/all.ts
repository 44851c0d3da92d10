/**
 * `npm run bench`: builds the CLI, then runs every benchmark in bench/ (each
 * bench/<name>.ts, a process of its own, one after another so they do not
 * disturb each other) and prints one table of their figures, each with its
 * baseline measured in the same run and the issue's goal. Nothing here
 * passes or fails on a timing; the exit code is 1 only when a benchmark
 * could not run (a crash, a missing tool, its time bound).
 *
 *   npm run bench                     every benchmark, full counts
 *   BENCH_QUICK=1 npm run bench       CI's short version: small counts, a few minutes at most
 *   BENCH_ONLY=e2e-tools,cli-start    just these
 *
 * A benchmark joins the table by printing rows with emitRow
 * (bench/support/report.ts); whatever else it prints is shown as it comes.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { QUICK, REPO, ROW_PREFIX } from './support/report';
import type { BenchRow } from './support/report';

/** How long one benchmark may take before it is stopped and reported as not finished. */
const BOUND_MS = QUICK ? 120_000 : 45 * 60_000;
/** Env each benchmark gets in the short version, for those that read their own count variables. */
const QUICK_ENV: NodeJS.ProcessEnv = { RUNS: '200', N: '5000' };

/** Files in bench/ that are not benchmarks of this table: this one, and the soak (`npm run soak`, minutes long). */
const NOT_BENCHMARKS = new Set(['all.ts', 'soak.ts', 'introspection-soak.ts']);

function benchmarks(): string[] {
  const only = process.env.BENCH_ONLY?.split(',').map((name) => name.trim());
  return readdirSync(join(REPO, 'bench'))
    .filter((file) => file.endsWith('.ts') && !NOT_BENCHMARKS.has(file))
    .map((file) => file.slice(0, -'.ts'.length))
    .filter((name) => !only || only.includes(name))
    .sort();
}

function runOne(name: string, rows: BenchRow[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', join('bench', `${name}.ts`)], {
      cwd: REPO,
      env: { ...(QUICK ? QUICK_ENV : {}), ...process.env, BENCH_ROWS: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const timer = setTimeout(() => child.kill('SIGTERM'), BOUND_MS);
    let pending = '';
    child.stdout.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith(ROW_PREFIX)) rows.push(JSON.parse(line.slice(ROW_PREFIX.length)) as BenchRow);
        else process.stdout.write(`  ${line}\n`);
      }
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (pending) process.stdout.write(`  ${pending}\n`);
      if (signal) resolve(`stopped after ${BOUND_MS / 1000} s (${signal})`);
      else resolve(code === 0 ? undefined : `exited with ${code}`);
    });
  });
}

function table(rows: BenchRow[]): string {
  const header = ['benchmark', 'case', 'figure', 'baseline (same run)', 'ratio', 'goal'];
  const cells = rows.map((row) => [
    row.bench,
    row.case,
    row.figure,
    row.baseline ?? '',
    row.ratio === undefined ? '' : `${row.ratio.toFixed(2)}×`,
    row.goal ?? '',
  ]);
  const line = (values: string[]) => `| ${values.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...cells.map(line)].join('\n');
}

async function main(): Promise<void> {
  const machine =
    `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ` +
    `Node ${process.version}, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} at start`;
  process.stdout.write(`benchmarks${QUICK ? ' (BENCH_QUICK=1: short version)' : ''} on ${machine}\n`);
  process.stdout.write('== build (node esbuild.config.mjs): the CLI the process benchmarks time\n');
  execFileSync(process.execPath, ['esbuild.config.mjs'], { cwd: REPO, stdio: 'inherit' });
  const rows: BenchRow[] = [];
  const failed: string[] = [];
  for (const name of benchmarks()) {
    process.stdout.write(`== ${name}\n`);
    const started = Date.now();
    const problem = await runOne(name, rows);
    process.stdout.write(`  (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
    if (problem) failed.push(`${name}: ${problem}`);
  }
  process.stdout.write(`\n== summary (ratios against baselines measured in the same run; medians)\n${table(rows)}\n`);
  if (failed.length > 0) {
    process.stdout.write(`\nNot measured:\n${failed.map((f) => `  ${f}`).join('\n')}\n`);
    process.exitCode = 1;
  }
}

void main();
