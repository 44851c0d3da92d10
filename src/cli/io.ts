import { isConfigurationFailure } from '../core/flow/run-status';
import type { RunResult } from '../core/flow/runner';

/** What a CLI command may touch: streams and environment, injected for tests. */
export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  env: Record<string, string | undefined>;
  /** Reads all of standard input; undefined when stdin is a terminal (nothing piped). */
  readStdin?: () => Promise<string | undefined>;
  /** Resolves when the user interrupts (Ctrl-C); long-running commands stop then. */
  interrupted?: Promise<void>;
}

/** Exit codes shared by every command. */
/** 130 is what a shell reports for a program ended by Ctrl-C (128 + SIGINT). */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

/** The exit code of a finished flow run (run, demo): 2 when its setup stopped it, like an unset ${env:NAME}. */
export function runExitCode(result: Pick<RunResult, 'status' | 'steps'>): number {
  if (result.status === 'passed') return EXIT.ok;
  return isConfigurationFailure(result) ? EXIT.usage : EXIT.failed;
}

/** ANSI styling only when writing to a terminal and NO_COLOR is unset. */
export function styler(stream: { isTTY?: boolean }, env: Record<string, string | undefined>) {
  const on = Boolean(stream.isTTY) && env.NO_COLOR === undefined && env.TERM !== 'dumb';
  const wrap = (code: string) => (text: string) => (on ? `\u001b[${code}m${text}\u001b[0m` : text);
  return {
    bold: wrap('1'),
    dim: wrap('2'),
    red: wrap('31'),
    green: wrap('32'),
    yellow: wrap('33'),
    cyan: wrap('36'),
    enabled: on,
  };
}

export type Styler = ReturnType<typeof styler>;

/** A usage error: the CLI prints it with the command's usage line and exits 2. */
export class UsageError extends Error {}
