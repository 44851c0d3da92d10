import { createHash } from 'node:crypto';
import type { CheckedIssue, FlowCheckResult } from './flow-check-data';

/**
 * The one checker of flow-file text in the extension. Diagnostics, CodeLens
 * and the flow index all ask it, so one edit is parsed once, not three times
 * (a 4 MB file takes seconds). Large texts are checked in a worker thread:
 * the extension host's main thread runs every extension, and a parse there
 * freezes them all. Small ones are checked inline, where a worker's start-up
 * would cost more than the parse.
 *
 * Imports no vscode and nothing heavy: it is built at activation, and loads
 * the checker (lazy.js) or the worker only on the first check.
 */

export interface FlowCheckRequest {
  id: number;
  text: string;
  fileName: string;
}

export type FlowCheckResponse = { id: number; result: FlowCheckResult } | { id: number; error: string };

/** The part of a node:worker_threads Worker the checker uses (tests pass their own). */
export interface CheckWorker {
  postMessage(request: FlowCheckRequest): void;
  on(event: 'message', listener: (response: FlowCheckResponse) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  terminate(): Promise<number>;
}

export interface FlowCheckerOptions {
  /** Starts a worker thread running dist/flow-check-worker.js (or a stand-in). */
  startWorker: () => CheckWorker | Promise<CheckWorker>;
  /** Checks a small text on this thread; default: flow-check-data, loaded on first use. */
  checkInline?: (text: string, fileName: string) => FlowCheckResult | Promise<FlowCheckResult>;
  /** Texts at least this long (characters) go to the worker. */
  workerThreshold?: number;
  /** A worker check that takes longer is stopped and reported as unchecked. */
  timeLimitMs?: number;
  /** An idle worker is stopped after this long, so its memory goes back. */
  idleMs?: number;
}

/**
 * Measured (2 busy cores): a 200 KB flow file (240 steps) checks in about 90 ms
 * inline once the checker is warm, a 3.7 MB one in about 5 s; a fresh worker
 * takes about 1 s to load its bundle and compile the schema.
 */
export const WORKER_THRESHOLD_CHARS = 200_000;
export const CHECK_TIME_LIMIT_MS = 10_000;
const IDLE_MS = 60_000;
/** Documents remembered; the index holds at most 500 files, and each result is dropped when its text changes. */
const MAX_ENTRIES = 1000;

interface Job {
  id: number;
  text: string;
  fileName: string;
  done: boolean;
  /** Settles the job's promise: a result, or undefined when newer text superseded it. */
  settle(result: FlowCheckResult | undefined): void;
}

interface Entry {
  digest: string;
  job: Job;
  promise: Promise<FlowCheckResult | undefined>;
}

interface RunningWorker {
  handle: CheckWorker;
  current?: Job;
  timer?: ReturnType<typeof setTimeout>;
  idle?: ReturnType<typeof setTimeout>;
}

/** The one issue of a file the checker could not check (a crashed or too slow worker). */
export function uncheckedResult(fileName: string, reason: string): FlowCheckResult {
  const start = { line: 1, col: 1, offset: 0 };
  const issue: CheckedIssue = {
    code: 'extension.flow_unchecked',
    severity: 'error',
    message: `${fileName} could not be checked: ${reason}.`,
    hint: 'The same text is not checked again: edit the file to retry; if it keeps failing, split it into smaller flow files.',
    path: [],
    range: { start, end: start },
    where: `${fileName}:1:1`,
  };
  return { issues: [issue], flows: [], unchecked: true };
}

export class FlowChecker {
  private readonly entries = new Map<string, Entry>();
  private readonly queue: Job[] = [];
  private worker?: RunningWorker;
  private starting?: Promise<RunningWorker | undefined>;
  private nextId = 1;
  private disposed = false;
  private readonly threshold: number;
  private readonly timeLimitMs: number;
  private readonly idleMs: number;
  private readonly checkInline: NonNullable<FlowCheckerOptions['checkInline']>;
  /** Checks run, inline or in the worker (not cache hits): what the tests count. */
  parses = 0;

  constructor(private readonly options: FlowCheckerOptions) {
    this.threshold = options.workerThreshold ?? WORKER_THRESHOLD_CHARS;
    this.timeLimitMs = options.timeLimitMs ?? CHECK_TIME_LIMIT_MS;
    this.idleMs = options.idleMs ?? IDLE_MS;
    this.checkInline =
      options.checkInline ??
      (async (text, fileName) => (await import('./flow-check-data')).checkFlowText(text, fileName));
  }

  /**
   * The check of `text`, the content of the document `key` (its URI): the
   * same promise for the same text. Resolves to undefined when newer text of
   * the same document arrived first; the caller then publishes nothing.
   */
  check(key: string, text: string, fileName: string): Promise<FlowCheckResult | undefined> {
    // A digest, not the text: the index remembers up to 500 files, each up to 4 MB.
    const digest = createHash('sha256').update(fileName).update('\0').update(text).digest('base64');
    const known = this.entries.get(key);
    if (known?.digest === digest) {
      // Most recently used last, so the oldest is the one dropped.
      this.entries.delete(key);
      this.entries.set(key, known);
      return known.promise;
    }
    if (known) this.supersede(known.job);
    let settle!: Job['settle'];
    const promise = new Promise<FlowCheckResult | undefined>((resolve) => (settle = resolve));
    const job: Job = {
      id: this.nextId++,
      text,
      fileName,
      done: false,
      settle: (result) => {
        if (job.done) return;
        job.done = true;
        job.text = ''; // the worker has it, or it is no longer needed
        if (result === undefined && this.entries.get(key)?.job === job) this.entries.delete(key);
        settle(result);
      },
    };
    this.entries.delete(key);
    this.entries.set(key, { digest, job, promise });
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    if (this.disposed) job.settle(undefined);
    else if (text.length >= this.threshold) {
      this.queue.push(job);
      void this.pump();
    } else void this.runInline(job);
    return promise;
  }

  /** Forgets a document (closed or deleted); an in-flight check of it is dropped. */
  forget(key: string): void {
    const known = this.entries.get(key);
    if (known) this.supersede(known.job);
    this.entries.delete(key);
  }

  dispose(): void {
    this.disposed = true;
    for (const { job } of this.entries.values()) job.settle(undefined);
    for (const job of this.queue.splice(0)) job.settle(undefined);
    this.entries.clear();
    this.stopWorker();
  }

  private async runInline(job: Job): Promise<void> {
    const { text, fileName } = job;
    try {
      this.parses += 1;
      job.settle(await this.checkInline(text, fileName));
    } catch (error) {
      job.settle(uncheckedResult(fileName, `the checker stopped with ${firstLine(error)}`));
    }
  }

  private supersede(job: Job): void {
    if (job.done) return;
    const queued = this.queue.indexOf(job);
    if (queued >= 0) this.queue.splice(queued, 1);
    job.settle(undefined);
    // A parse cannot be interrupted: stop the thread rather than wait seconds for a result nobody wants.
    if (this.worker?.current === job) this.stopWorker();
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.disposed || this.queue.length === 0 || this.worker?.current || this.starting) return;
    let worker = this.worker;
    if (!worker) {
      this.starting = this.startWorker();
      worker = await this.starting;
      this.starting = undefined;
      if (!worker) return;
    }
    const job = this.queue.shift();
    if (!job) return this.scheduleIdle(worker);
    clearTimeout(worker.idle);
    worker.current = job;
    worker.timer = setTimeout(() => {
      this.fail(worker, `it took longer than ${this.timeLimitMs / 1000} s (the time limit of a check)`);
    }, this.timeLimitMs);
    this.parses += 1;
    worker.handle.postMessage({ id: job.id, text: job.text, fileName: job.fileName });
  }

  private async startWorker(): Promise<RunningWorker | undefined> {
    let handle: CheckWorker;
    try {
      handle = await this.options.startWorker();
    } catch (error) {
      for (const job of this.queue.splice(0))
        job.settle(uncheckedResult(job.fileName, `the checker thread did not start (${firstLine(error)})`));
      return undefined;
    }
    const worker: RunningWorker = { handle };
    if (this.disposed) {
      void handle.terminate();
      return undefined;
    }
    this.worker = worker;
    handle.on('message', (response) => {
      if (this.worker !== worker || worker.current?.id !== response.id) return;
      const job = worker.current;
      clearTimeout(worker.timer);
      worker.current = undefined;
      job.settle(
        'result' in response
          ? response.result
          : uncheckedResult(job.fileName, `the checker stopped with ${response.error}`),
      );
      void this.pump();
      this.scheduleIdle(worker);
    });
    handle.on('error', (error) => this.fail(worker, `the checker thread failed with ${firstLine(error)}`));
    handle.on('exit', (code) => this.fail(worker, `the checker thread exited with code ${code}`));
    return worker;
  }

  /** The worker's check failed: one issue says so, the thread goes, and the next check starts a fresh one. */
  private fail(worker: RunningWorker, reason: string): void {
    if (this.worker !== worker) return;
    const job = worker.current;
    this.stopWorker();
    job?.settle(uncheckedResult(job.fileName, reason));
    void this.pump();
  }

  private scheduleIdle(worker: RunningWorker): void {
    clearTimeout(worker.idle);
    if (worker.current || this.queue.length > 0) return;
    worker.idle = setTimeout(() => {
      if (this.worker === worker && !worker.current) this.stopWorker();
    }, this.idleMs);
    // An idle timer must not keep a process (the CLI's tests, a host shutting down) alive.
    worker.idle.unref?.();
  }

  private stopWorker(): void {
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    clearTimeout(worker.timer);
    clearTimeout(worker.idle);
    void worker.handle.terminate().catch(() => undefined);
  }
}

/** "RangeError: Maximum call stack size exceeded": the first line only, so no quoted source reaches a message. */
function firstLine(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const line = text.split('\n')[0]!;
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

/** Starts the real worker thread on the bundled script (dist/flow-check-worker.js). */
export function nodeWorkerStarter(script: string, execArgv?: string[]): () => Promise<CheckWorker> {
  return async () => {
    const { Worker } = await import('node:worker_threads');
    // A bound on the thread's heap: a hostile file fails its check instead of exhausting the host's memory.
    return new Worker(script, { execArgv, resourceLimits: { maxOldGenerationSizeMb: 1024 } });
  };
}
