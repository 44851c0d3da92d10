import { escapeControlCharsExcept } from '../core/control-chars';
import { isConfigurationFailure } from '../core/flow/run-status';
import type { RunResult } from '../core/flow/runner';

/** What a CLI command may touch: streams and environment, injected for tests. */
export interface CliIo {
  /** columns: the terminal's width, when standard output is one (help folds to it). */
  stdout: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  /** statusLine: set by terminalSafeIo, the only way to rewrite a line (src/cli/progress.ts). */
  stderr: { write(text: string): unknown; isTTY?: boolean; statusLine?(text: string): unknown };
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

const STYLES = { bold: '1', dim: '2', red: '31', green: '32', yellow: '33', cyan: '36' } as const;

/** The only escape sequences the CLI writes: the styler's colours and their reset. */
const OWN_SEQUENCES = new RegExp(String.raw`\u001b\[(?:0|${Object.values(STYLES).join('|')})m`);

/** ANSI styling only when writing to a terminal and NO_COLOR is unset. */
export function styler(stream: { isTTY?: boolean }, env: Record<string, string | undefined>) {
  const on = Boolean(stream.isTTY) && env.NO_COLOR === undefined && env.TERM !== 'dumb';
  const wrap = (code: string) => (text: string) => (on ? `\u001b[${code}m${text}\u001b[0m` : text);
  return {
    bold: wrap(STYLES.bold),
    dim: wrap(STYLES.dim),
    red: wrap(STYLES.red),
    green: wrap(STYLES.green),
    yellow: wrap(STYLES.yellow),
    cyan: wrap(STYLES.cyan),
    enabled: on,
  };
}

/** `text` fit for a terminal: control characters from outside data escaped, the styler's colours kept. */
export function terminalText(text: string): string {
  return escapeControlCharsExcept(text, OWN_SEQUENCES);
}

/**
 * The io with both streams writing terminalText: every command's output goes through it, so no
 * claim, server message or file value can clear the screen or retitle the window. Outside data
 * can at most colour text, as the styler does.
 */
export function terminalSafeIo(io: CliIo): CliIo {
  const safe = (stream: CliIo['stderr']): CliIo['stderr'] => ({
    write: (text: string) => stream.write(terminalText(text)),
    isTTY: stream.isTTY,
    // The progress line: carriage return and erase-line are written here only, before escaped text.
    statusLine: (text: string) => stream.write(`\r\u001b[2K${terminalText(text)}`),
  });
  return Object.assign(Object.create(io) as CliIo, {
    stdout: { ...safe(io.stdout), columns: io.stdout.columns },
    stderr: safe(io.stderr),
  });
}

export type Styler = ReturnType<typeof styler>;

/** A usage error: the CLI prints it with the command's usage line and exits 2. */
export class UsageError extends Error {}
