/**
 * The last N exchanges of a capture, redacted for the Capture view, and each
 * one as a one-step run for the results view (the same RunRecorder a flow's
 * call goes through, so a captured exchange looks like a called route: its
 * lanes, headers, verdict and answers). Memory is bounded by the ring: the
 * oldest exchange goes when a new one arrives. No vscode import; loaded
 * lazily with the capture.
 */
import type { Verdict } from '../../core/diagnosis/diagnose';
import type { RunResult, StepRun } from '../../core/flow/runner';
import { SecretRegistry } from '../../core/http/secret-registry';
import type { HttpExchange } from '../../core/http/types';
import { RunRecorder } from '../results/run-recorder';
import type { CapturedExchange, CaptureRow } from './capture-api';

interface Entry {
  seq: number;
  captured: CapturedExchange;
  /** Why no verdict will come. */
  skipped?: string;
}

/** Path and query of a URL (absolute or not), for a row's label. */
function pathOf(url: string): string {
  try {
    const parsed = new URL(url, 'http://capture.invalid');
    return `${parsed.pathname}${parsed.search}`;
  } catch {
    return url;
  }
}

export class CaptureLog {
  private readonly entries = new Map<string, Entry>();
  private seq = 0;
  /**
   * Every secret the kept exchanges carried: a token sent in one request is masked wherever it
   * shows up again (an echo, an error text), as a run's registry does. Bounded like the ring: once
   * it has learned from well more exchanges than are kept, it is rebuilt from the kept ones.
   */
  private readonly registry = new SecretRegistry();
  private learned = 0;
  /** Secrets given by the caller, kept across rebuilds. */
  private readonly fixed: string[] = [];
  /** rows() until the next change: the view redraws often, the ring changes less. */
  private cached?: CaptureRow[];

  constructor(readonly ring: number) {}

  /** Exchanges seen since the capture started. */
  get total(): number {
    return this.seq;
  }

  get size(): number {
    return this.entries.size;
  }

  add(captured: CapturedExchange): void {
    this.entries.set(captured.id, { seq: ++this.seq, captured });
    while (this.entries.size > this.ring) this.entries.delete(this.entries.keys().next().value!);
    if (++this.learned > 2 * this.ring + 100) {
      this.registry.clear();
      this.registry.add(...this.fixed);
      for (const entry of this.entries.values()) this.registry.addExchange(entry.captured.exchange);
      this.learned = this.entries.size;
    } else this.registry.addExchange(captured.exchange);
    this.cached = undefined;
  }

  /** Values the capture knows are secret without seeing them pass (the verdict IdP's client secret). */
  addSecrets(values: readonly string[]): void {
    this.fixed.push(...values);
    this.registry.add(...values);
    this.cached = undefined;
  }

  /** A verdict that came after its exchange; false when the exchange has left the ring. */
  setVerdict(id: string, verdict: Verdict): boolean {
    const entry = this.entries.get(id);
    if (!entry) return false;
    entry.captured = { ...entry.captured, verdict };
    this.cached = undefined;
    return true;
  }

  /** Why an exchange gets no verdict; false when it has left the ring. */
  setSkipped(id: string, reason: string): boolean {
    const entry = this.entries.get(id);
    if (!entry) return false;
    entry.skipped = reason;
    this.cached = undefined;
    return true;
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  /** The rows of the view, oldest first; everything in them redacted. */
  rows(): CaptureRow[] {
    this.cached ??= [...this.entries.values()].map(({ seq, captured, skipped }) => {
      const { exchange, token, verdict } = captured;
      return {
        id: captured.id,
        seq,
        method: exchange.request.method,
        path: this.registry.url(pathOf(exchange.request.url)),
        ...(exchange.response ? { status: exchange.response.status } : {}),
        ...(exchange.error ? { error: this.registry.text(exchange.error.message) } : {}),
        durationMs: exchange.timings.total,
        ...(token ? { token: this.registry.value(token) } : {}),
        ...(verdict ? { verdict: { code: verdict.code, summary: this.registry.text(verdict.summary) } } : {}),
        ...(skipped && !verdict ? { skipped: this.registry.text(skipped) } : {}),
      };
    });
    return this.cached;
  }

  /** The exchange as a finished one-step run, for the results view; undefined once it left the ring. */
  recorder(id: string, runId: string, label: string): RunRecorder | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    const { exchange, verdict } = entry.captured;
    const secrets = new SecretRegistry();
    secrets.add(...this.registry.list());
    const recorder = new RunRecorder({
      id: runId,
      title: `Captured #${entry.seq}: ${exchange.request.method} ${this.registry.url(pathOf(exchange.request.url))}`,
      source: label,
      secrets,
      now: () => exchange.startedAt + exchange.timings.total,
    });
    feed(recorder, exchange, verdict);
    return recorder;
  }
}

/** The events a flow's one call step would have sent, so the recorder builds the same view. */
function feed(recorder: RunRecorder, exchange: HttpExchange, verdict: Verdict | undefined): void {
  const at = exchange.startedAt;
  const durationMs = exchange.timings.total;
  const status = exchange.response?.status;
  const outcome: RunResult['status'] = exchange.error
    ? 'error'
    : status !== undefined && status < 400
      ? 'passed'
      : 'failed';
  const step: StepRun = {
    id: 'captured',
    path: 'captured',
    type: 'call',
    name: `${exchange.request.method} ${pathOf(exchange.request.url)}`,
    status: outcome,
    startedAt: at,
    durationMs,
    assertions: [],
    exchanges: [exchange],
    ...(verdict ? { verdict } : {}),
    notes: ['Seen by the capture: the request and answer passed through unchanged.'],
    result: {
      status: outcome,
      ...(status !== undefined ? { response: { status, headers: {}, body: undefined } } : {}),
      durationMs,
    },
  };
  const result: RunResult = {
    flow: 'capture',
    status: outcome,
    startedAt: at,
    durationMs,
    steps: [step],
  };
  recorder.onEvent({ type: 'run-start', flow: 'capture', steps: [{ id: step.id, type: 'call', name: step.name }], at });
  recorder.onEvent({ type: 'step-start', id: step.id, path: step.path, stepType: 'call', at });
  recorder.onEvent({ type: 'exchange', path: step.path, exchange });
  recorder.onEvent({ type: 'step-end', step });
  recorder.onEvent({ type: 'run-end', result });
}
