/**
 * Recent runs, kept in memory and in the workspace state so they can be
 * reopened after a reload. Entries are the redacted views only; bodies are
 * cut shorter than in the live view to keep the workspace state small, and
 * every string is scrubbed again of the run's secrets before it is stored.
 */
import type { RunView } from '../../shared/view-model';
import { Emitter } from '../../core/emitter';
import type { Event } from '../../core/emitter';

/** The part of vscode.Memento this needs; tests pass a Map-backed object. */
export interface KeyValueStore {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): Thenable<void> | Promise<void>;
}

export const HISTORY_KEY = 'oidcFlow.history.v1';
export const HISTORY_BODY_LIMIT = 16_000;
export const DEFAULT_HISTORY_SIZE = 25;

export interface HistorySummary {
  id: string;
  title: string;
  status: RunView['status'];
  startedAt: number;
  durationMs: number;
  verdict?: string;
  source: string;
}

function cutBody<T extends { text: string; truncated: boolean } | undefined>(body: T, limit: number): T {
  if (!body || body.text.length <= limit) return body;
  return { ...body, text: body.text.slice(0, limit), truncated: true };
}

/** The form of a run view that may be stored: no revealed exchanges, short bodies, not live. */
export function storableView(
  view: RunView,
  secrets: readonly string[],
  scrub: (value: RunView, secrets: readonly string[]) => RunView,
): RunView {
  const exchanges = view.exchanges
    .filter((x) => !x.revealed)
    .map((x) => ({
      ...x,
      request: { ...x.request, body: cutBody(x.request.body, HISTORY_BODY_LIMIT) },
      response: x.response ? { ...x.response, body: cutBody(x.response.body, HISTORY_BODY_LIMIT) } : undefined,
    }));
  return scrub({ ...view, exchanges, live: false }, secrets);
}

/** Recent runs, newest first. */
export class RunHistory {
  private entries: RunView[];
  private readonly changes = new Emitter<void>();
  /** Fires after every change. */
  readonly onDidChange: Event<void> = this.changes.event;

  constructor(
    private readonly store: KeyValueStore,
    private readonly maxEntries = DEFAULT_HISTORY_SIZE,
  ) {
    const saved = store.get<unknown>(HISTORY_KEY);
    this.entries = Array.isArray(saved) ? (saved.filter(isStoredRun) as RunView[]) : [];
  }

  /** Adds (or replaces, by id) a run; `view` must already be storable. */
  async add(view: RunView): Promise<void> {
    this.entries = [view, ...this.entries.filter((e) => e.id !== view.id)].slice(0, this.maxEntries);
    await this.save();
  }

  get(id: string): RunView | undefined {
    return this.entries.find((e) => e.id === id);
  }

  list(): HistorySummary[] {
    return this.entries.map((e) => ({
      id: e.id,
      title: e.title,
      status: e.status,
      startedAt: e.startedAt,
      durationMs: e.durationMs,
      verdict: e.verdict?.summary,
      source: e.source,
    }));
  }

  /** The newest run with a rejection verdict, if any. */
  lastRejection(): RunView | undefined {
    return this.entries.find((e) => e.verdict !== undefined);
  }

  async remove(id: string): Promise<void> {
    this.entries = this.entries.filter((e) => e.id !== id);
    await this.save();
  }

  async clear(): Promise<void> {
    this.entries = [];
    await this.save();
  }

  private async save(): Promise<void> {
    await this.store.update(HISTORY_KEY, this.entries);
    this.changes.fire();
  }
}

function isStoredRun(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.id === 'string' && typeof v.title === 'string' && Array.isArray(v.steps) && Array.isArray(v.exchanges)
  );
}
