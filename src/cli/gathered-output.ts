/**
 * Output to a pipe or a file, gathered into fewer writes. `oidc-flow run` prints a line or two
 * per step, and a long `repeat` prints thousands of steps: each `write` to a pipe is a system
 * call in this process and a wake-up of the reader at the other end (the CI runner, `tee`), which
 * on a small machine competes with the very servers the run is measuring (issue #14 point 1: ~70 µs
 * a write under load, two writes an iteration). A terminal keeps one write per step: there a person
 * watches the run and the progress line is drawn between writes.
 */

/** A run's lines reach the reader at most this late. */
export const GATHER_MS = 100;
/** A pending text this long is written at once. */
const GATHER_CHARS = 64 * 1024;

export interface GatheredOutput {
  write(text: string): void;
  /** Writes what is pending now; call it before the command returns or writes anything else. */
  flush(): void;
}

export function gatheredOutput(write: (text: string) => void, delayMs = GATHER_MS): GatheredOutput {
  let pending = '';
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (pending === '') return;
    const text = pending;
    pending = '';
    write(text);
  };
  return {
    write(text: string): void {
      pending += text;
      if (pending.length >= GATHER_CHARS) flush();
      // The timer keeps the process alive until it fires or flush() clears it: nothing is lost.
      else if (timer === undefined) timer = setTimeout(flush, delayMs);
    },
    flush,
  };
}
