/**
 * How much the flow runner and the HTTP layer add over the requests they make (issue #14 point 2),
 * and whether memory stays flat over thousands of runs. Prints ratios against a baseline measured
 * in the same process (raw undici requests to the same local servers), never pass/fail times.
 *
 *   node --expose-gc --import tsx bench/runner-overhead.ts
 *     RUNS=12000 runs of each side (BENCH_QUICK=1: 200), in blocks of BLOCK=50, after WARMUP=50
 *
 * What runs is the code as the CLI ships it: bench/support/runner-overhead-program.ts bundled with
 * the production CLI's esbuild options (bench/support/built-like-cli.ts), baseline and all, so the
 * three sides share one undici. Run from source through tsx, our code alone paid a `__name` call
 * for every function it made, about 0.03x of the runner's ratio.
 *
 * To see where the time goes, give node's profiling flags to this command; they reach the program:
 *   node --expose-gc --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/runner-overhead.ts
 * (BENCH_UNMINIFIED=1 keeps the bundle's names readable in the profile.)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { builtLikeCli } from './support/built-like-cli';
import { REPO } from './support/report';

/** node's own flags of this process, without the tsx loader, for the program's process. */
function nodeFlags(): string[] {
  const flags: string[] = [];
  const given = process.execArgv;
  for (let i = 0; i < given.length; i += 1) {
    const flag = given[i]!;
    if (flag === '--import' || flag === '--require' || flag === '--loader') i += 1;
    else if (!/^--(import|require|loader)=/.test(flag)) flags.push(flag);
  }
  return flags.includes('--expose-gc') ? flags : ['--expose-gc', ...flags];
}

async function main(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'runner-overhead-'));
  try {
    const program = join(dir, 'runner-overhead-program.js');
    await esbuild.build({
      ...builtLikeCli(),
      ...(process.env.BENCH_UNMINIFIED === '1' ? { minify: false } : {}),
      entryPoints: [join(REPO, 'bench', 'support', 'runner-overhead-program.ts')],
      outfile: program,
    });
    const child = spawn(process.execPath, [...nodeFlags(), program], { cwd: REPO, stdio: 'inherit' });
    return await new Promise<number>((resolve) => {
      child.on('error', (error) => {
        process.stderr.write(`runner-overhead: could not start ${program}: ${error.message}\n`);
        resolve(1);
      });
      child.on('close', (code, signal) => resolve(signal ? 1 : (code ?? 1)));
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
