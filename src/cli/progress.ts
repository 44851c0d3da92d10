// The one updating line a long wait shows on a terminal: a repeat's pause
// between iterations, a device-code grant waiting for the person to approve.
// Only on a terminal (stderr is a TTY) and without --quiet: piped or in CI,
// nothing is written, so logs and captured output hold only the run.
import type { RunEvent } from '../core/flow/runner';
import type { DeviceUserCode } from '../core/oauth';
import type { CliIo } from './io';

/** What the progress line needs of a stream: whether it is a terminal, and a way to rewrite the line. */
export interface StatusStream {
  isTTY?: boolean;
  /** Replaces the current line (terminalSafeIo's streams have it); absent, no line is drawn. */
  statusLine?(text: string): unknown;
}

export interface ProgressTimers {
  now(): number;
  every(ms: number, tick: () => void): () => void;
}

const realTimers: ProgressTimers = {
  now: () => Date.now(),
  every: (ms, tick) => {
    const timer = setInterval(tick, ms);
    // Never what keeps the process alive.
    timer.unref();
    return () => clearInterval(timer);
  },
};

export interface Progress {
  /** Shows `render(seconds left)` until `untilMs`, redrawn every second, until stop(). */
  countdown(untilMs: number, render: (secondsLeft: number) => string): void;
  /** Takes the line away for other output; the next second draws it again. */
  hide(): void;
  /** Ends the countdown and clears the line. */
  stop(): void;
}

const NONE: Progress = { countdown: () => undefined, hide: () => undefined, stop: () => undefined };

/** A progress line on `stream` when it is a terminal and not `quiet` (or TERM=dumb); else one that writes nothing. */
export function createProgress(
  stream: StatusStream,
  options: { quiet?: boolean; env?: CliIo['env'] },
  timers: ProgressTimers = realTimers,
): Progress {
  const write = stream.statusLine?.bind(stream);
  if (!stream.isTTY || !write || options.quiet || options.env?.TERM === 'dumb') return NONE;
  let cancel: (() => void) | undefined;
  let shown = false;
  const clear = (): void => {
    if (shown) write('');
    shown = false;
  };
  return {
    countdown(untilMs, render) {
      cancel?.();
      const draw = (): void => {
        write(render(Math.max(0, Math.ceil((untilMs - timers.now()) / 1000))));
        shown = true;
      };
      draw();
      cancel = timers.every(1000, draw);
    },
    hide: clear,
    stop() {
      cancel?.();
      cancel = undefined;
      clear();
    },
  };
}

/** The line of a device-code wait: the user code is shown (it is typed by hand), never the device_code. */
export function deviceCodeCountdown(progress: Progress, info: DeviceUserCode, now: number): void {
  const url = info.verificationUriComplete ?? info.verificationUri;
  progress.countdown(
    now + info.expiresIn * 1000,
    (left) => `waiting for approval at ${url}, code ${info.userCode}, ${left} s left`,
  );
}

/**
 * Feeds a run's events to the progress line: a repeat's wait starts a countdown; anything the
 * run reports takes the line away first (it is redrawn while the wait goes on), and a step's
 * or the run's end stops it. Called before the reporters, so their lines never follow it.
 */
export function progressReporter(progress: Progress): { onEvent(event: RunEvent): void } {
  return {
    onEvent(event) {
      switch (event.type) {
        case 'waiting':
          progress.countdown(
            event.until,
            (left) => `${event.id}: iteration ${event.iteration}/${event.times}, next in ${left} s`,
          );
          break;
        case 'step-start':
        case 'step-end':
        case 'run-end':
          progress.stop();
          break;
        default:
          progress.hide();
      }
    },
  };
}
