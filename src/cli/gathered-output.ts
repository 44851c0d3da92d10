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

export interface DeferredQueue<T> {
  push(item: T): void;
  /** Handles the queue on the next check phase: the run has just sent a request and waits for its answer. */
  soon(): void;
  /** Handles what is queued now; call it before the command writes anything else or returns. */
  flush(): void;
}

/**
 * Items handled a moment later, in order: when the run has sent its next request (`soon`, from
 * the HTTP client's onRequestSent), or at the latest `fallbackMs` after the first one queued. The
 * step lines of a run (formatting, and masking them, which first learns the secrets of the
 * exchanges they follow) are then made while a request is on the network, not between a response
 * and the next request: on a small machine that gap is wall time of the whole run (issue #14
 * point 1). Only for a pipe or a file: a terminal's progress line is drawn between writes made as
 * the events come. An item that throws stops the queue; the error comes out of the next push or flush.
 */
export function deferredQueue<T>(handle: (item: T) => void, fallbackMs = GATHER_MS): DeferredQueue<T> {
  let queue: T[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let immediate: ReturnType<typeof setImmediate> | undefined;
  let failure: { error: unknown } | undefined;
  const drain = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    if (immediate !== undefined) clearImmediate(immediate);
    timer = undefined;
    immediate = undefined;
    const items = queue;
    queue = [];
    try {
      for (const item of items) handle(item);
    } catch (error) {
      failure = { error };
    }
  };
  const rethrow = (): void => {
    if (!failure) return;
    const { error } = failure;
    failure = undefined;
    throw error;
  };
  return {
    push(item: T): void {
      rethrow();
      queue.push(item);
      // The timer keeps the process alive until it fires or a drain clears it: nothing is lost.
      timer ??= setTimeout(drain, fallbackMs);
    },
    soon(): void {
      if (queue.length > 0) immediate ??= setImmediate(drain);
    },
    flush(): void {
      drain();
      rethrow();
    },
  };
}
