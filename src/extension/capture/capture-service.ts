/**
 * The one capture of this window: starts it through the injected starter (the
 * core's proxy, imported only when the person starts a capture, never at
 * activation), keeps its last N exchanges redacted (capture-log.ts, loaded
 * with it) and tells the Capture view and the status bar when something
 * changed. No vscode import: unit tests drive it with a fake starter.
 */
import { Emitter } from '../../core/emitter';
import type { Disposable, Event } from '../../core/emitter';
import type { RunRecorder } from '../results/run-recorder';
import type { CaptureInfo, CaptureRow, CaptureSession, CaptureStartOptions, StartCapture } from './capture-api';
import type { CaptureLog } from './capture-log';

export interface CaptureServiceDeps {
  /** The proxy's start function, loaded on first use. */
  loadStarter(): Promise<StartCapture>;
  /** Where failures of a running capture are written (the redacted output channel). */
  warn(message: string): void;
}

export class CaptureService implements Disposable {
  private session?: CaptureSession;
  private log?: CaptureLog;
  private listeners: Disposable[] = [];
  private readonly changes = new Emitter<void>();
  /** Fires when a capture starts or stops, an exchange arrives or a verdict comes. */
  readonly onDidChange: Event<void> = this.changes.event;

  constructor(private readonly deps: CaptureServiceDeps) {}

  /** The running capture, or undefined. */
  get info(): CaptureInfo | undefined {
    const { session, log } = this;
    if (!session || !log) return undefined;
    return { host: session.host, port: session.port, target: session.target, total: log.total, ring: log.ring };
  }

  /** What the Capture view lists: the ring's exchanges, oldest first, redacted. */
  rows(): CaptureRow[] {
    return this.log?.rows() ?? [];
  }

  async start(options: CaptureStartOptions): Promise<CaptureInfo> {
    await this.stop();
    const [start, { CaptureLog }] = await Promise.all([this.deps.loadStarter(), import('./capture-log')]);
    const log = new CaptureLog(Math.max(1, Math.floor(options.ring)));
    const session = await start(options);
    this.log = log;
    this.session = session;
    this.listeners = [
      session.onExchange((captured) => {
        log.add(captured);
        this.changes.fire();
      }),
      session.onVerdict((event) => {
        if ('verdict' in event ? log.setVerdict(event.id, event.verdict) : log.setSkipped(event.id, event.skipped))
          this.changes.fire();
      }),
    ];
    this.changes.fire();
    return this.info!;
  }

  /** Stops the running capture; false when none was running. The rows stay until the next start. */
  async stop(): Promise<boolean> {
    const session = this.session;
    if (!session) return false;
    this.session = undefined;
    for (const listener of this.listeners) listener.dispose();
    this.listeners = [];
    try {
      await session.stop();
    } catch (error) {
      this.deps.warn(`capture on port ${session.port}: stopping failed: ${(error as Error).message}`);
    }
    this.changes.fire();
    return true;
  }

  /** Values to mask in everything the capture shows (the verdict IdP's client secret). */
  addSecrets(values: readonly string[]): void {
    this.log?.addSecrets(values);
  }

  /** The exchange as a finished run for the results view; undefined once it left the ring. */
  recorder(exchangeId: string): RunRecorder | undefined {
    const info = this.info;
    return this.log?.recorder(
      exchangeId,
      `capture:${exchangeId}`,
      info ? `capture on ${info.host}:${info.port} → ${info.target}` : 'capture (stopped)',
    );
  }

  dispose(): void {
    void this.stop();
    this.changes.dispose();
  }
}

export interface RedrawTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * A listener for CaptureService.onDidChange that redraws the Capture view at most once per
 * `everyMs` (a busy client sends hundreds of calls a second; the tree need not redraw for each),
 * and tells `running` at once when the capture started or stopped.
 */
export function captureRedraw(
  redraw: () => void,
  running: () => void,
  isRunning: () => boolean,
  everyMs = 250,
  timers: RedrawTimers = globalThis as unknown as RedrawTimers,
): () => void {
  let pending: unknown;
  let wasRunning = false;
  return () => {
    const now = isRunning();
    if (now !== wasRunning) {
      wasRunning = now;
      running();
    }
    if (pending !== undefined) return;
    redraw();
    pending = timers.setTimeout(() => {
      pending = undefined;
      redraw();
    }, everyMs);
  };
}
