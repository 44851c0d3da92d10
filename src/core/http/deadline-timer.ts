import { performance } from 'node:perf_hooks';

/**
 * One timer for every pending whole-exchange deadline of a client. A `setTimeout` a request cost a
 * timer-list insert and an unenroll on the path between a response and the next request (~12 ms
 * per 2,000 requests in the end-to-end profile; issue #14 point 1), and its delay, a fraction of a
 * millisecond off each time, made Node create and drop a timer list every time. Here the timer is
 * armed for the earliest deadline and left alone while later deadlines come and go: a run of
 * sequential requests with the same budget touches it about once a budget, not twice a request.
 */

/** A pending deadline; `remove` it when its request settles. */
export interface PendingDeadline {
  /** performance.now() at which it expires. */
  readonly at: number;
  /** Called once, when `at` has passed and the deadline is still pending; it must not throw. */
  readonly expire: () => void;
}

/** setTimeout's largest delay; a longer one fires at once (with a warning), so longer waits are re-armed. */
const MAX_DELAY = 2 ** 31 - 1;

function byTime(a: PendingDeadline, b: PendingDeadline): number {
  return a.at - b.at;
}

export class DeadlineTimer {
  private readonly pending = new Set<PendingDeadline>();
  private timer: NodeJS.Timeout | undefined;
  /** performance.now() the armed timer fires at; Infinity when none is armed. */
  private armedAt = Infinity;

  /** Starts a deadline at `at` (performance.now() time); `expire` runs once when it passes. */
  add(at: number, expire: () => void): PendingDeadline {
    const entry: PendingDeadline = { at, expire };
    this.pending.add(entry);
    if (at < this.armedAt) this.arm(at);
    // A pending deadline holds the process open, as its own setTimeout did: a request must settle.
    else if (this.pending.size === 1) this.timer?.ref();
    return entry;
  }

  /** Forgets a deadline whose request settled; the timer stays armed, and stops holding the process open. */
  remove(entry: PendingDeadline): void {
    if (this.pending.delete(entry) && this.pending.size === 0) this.timer?.unref();
  }

  /** Whether the timer keeps the process alive (only while a deadline is pending); for tests. */
  holdsProcess(): boolean {
    return this.timer?.hasRef() ?? false;
  }

  private arm(at: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.armedAt = at;
    // Timers count whole milliseconds from a loop time that can lag performance.now(): one that fires
    // early finds nothing due and is armed again for the rest.
    this.timer = setTimeout(this.fire, Math.min(MAX_DELAY, Math.max(1, Math.ceil(at - performance.now()))));
  }

  /** Arrow property, made once per timer: setTimeout calls it unbound. */
  private readonly fire = (): void => {
    this.timer = undefined;
    this.armedAt = Infinity;
    const now = performance.now();
    const due: PendingDeadline[] = [];
    let next = Infinity;
    for (const entry of this.pending) {
      if (entry.at <= now) due.push(entry);
      else if (entry.at < next) next = entry.at;
    }
    for (const entry of due) this.pending.delete(entry);
    if (next !== Infinity) this.arm(next);
    // In deadline order, as their own timers fired.
    if (due.length > 1) due.sort(byTime);
    for (const entry of due) entry.expire();
  };
}
