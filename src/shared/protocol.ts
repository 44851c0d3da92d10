/**
 * The one message protocol between the extension host and the results
 * webview. Both sides import this file: message shapes, type guards for
 * everything that crosses postMessage, and request/response matched by id.
 * The webview says `ready` first; the host sends nothing before that.
 */
import type { BodyView, ExchangeView, ResultsContent } from './view-model';

export const PROTOCOL_VERSION = 1;

// ---- webview -> host ---------------------------------------------------------

/** Questions the webview asks; the host answers each with a `response` carrying the same id. */
export type WebviewRequest =
  | { kind: 'reveal-exchange'; runId: string; exchangeId: string }
  | { kind: 'full-body'; runId: string; exchangeId: string; part: 'request' | 'response' };

export type WebviewCommand =
  | { command: 'export-har'; runId: string }
  | { command: 'copy-curl'; runId: string; exchangeId: string }
  | { command: 'rerun'; runId: string }
  | { command: 'step-control'; runId: string; action: StepAction }
  | { command: 'open-history' };

/** What a paused step-by-step run does next. */
export type StepAction = 'next' | 'continue' | 'stop';
const STEP_ACTIONS: readonly string[] = ['next', 'continue', 'stop'] satisfies StepAction[];

export type WebviewMessage =
  | { type: 'ready'; version: number }
  | { type: 'request'; requestId: string; request: WebviewRequest }
  | ({ type: 'command' } & WebviewCommand);

// ---- host -> webview ---------------------------------------------------------

export type RequestResult = { kind: 'reveal-exchange'; exchange: ExchangeView } | { kind: 'full-body'; body: BodyView };

export type HostMessage =
  | { type: 'show'; content: ResultsContent; focus?: { stepPath?: string; exchangeId?: string } }
  | { type: 'response'; requestId: string; ok: true; result: RequestResult }
  | { type: 'response'; requestId: string; ok: false; error: { code: string; message: string } }
  | { type: 'settings'; allowReveal: boolean };

/** What the webview persists across reloads: ids only, never tokens or exchanges. */
export interface PersistedState {
  runId?: string;
}

// ---- guards --------------------------------------------------------------------

type Obj = Record<string, unknown>;

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStr(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= 512;
}

/** True for a well-formed request from the webview. */
export function isWebviewRequest(value: unknown): value is WebviewRequest {
  if (!isObj(value)) return false;
  switch (value.kind) {
    case 'reveal-exchange':
      return isStr(value.runId) && isStr(value.exchangeId);
    case 'full-body':
      return isStr(value.runId) && isStr(value.exchangeId) && (value.part === 'request' || value.part === 'response');
    default:
      return false;
  }
}

/** True for a well-formed message from the webview; the host drops anything else. */
export function isWebviewMessage(value: unknown): value is WebviewMessage {
  if (!isObj(value)) return false;
  switch (value.type) {
    case 'ready':
      return typeof value.version === 'number';
    case 'request':
      return isStr(value.requestId) && isWebviewRequest(value.request);
    case 'command':
      switch (value.command) {
        case 'export-har':
        case 'rerun':
          return isStr(value.runId);
        case 'copy-curl':
          return isStr(value.runId) && isStr(value.exchangeId);
        case 'step-control':
          return isStr(value.runId) && typeof value.action === 'string' && STEP_ACTIONS.includes(value.action);
        case 'open-history':
          return true;
        default:
          return false;
      }
    default:
      return false;
  }
}

/** True for a well-formed message from the host. */
export function isHostMessage(value: unknown): value is HostMessage {
  if (!isObj(value)) return false;
  switch (value.type) {
    case 'show':
      return isObj(value.content) && (value.content.kind === 'run' || value.content.kind === 'empty');
    case 'response':
      if (!isStr(value.requestId)) return false;
      if (value.ok === true)
        return isObj(value.result) && (value.result.kind === 'reveal-exchange' || value.result.kind === 'full-body');
      return value.ok === false && isObj(value.error) && typeof value.error.message === 'string';
    case 'settings':
      return typeof value.allowReveal === 'boolean';
    default:
      return false;
  }
}

/** True when a value is state this webview wrote (ids only). */
export function isPersistedState(value: unknown): value is PersistedState {
  if (!isObj(value)) return false;
  const keys = Object.keys(value);
  return keys.every((k) => k === 'runId') && keys.every((k) => value[k] === undefined || isStr(value[k]));
}

/** Matches answers to questions by id; one instance per side that asks. */
export class PendingRequests<T> {
  private next = 0;
  private readonly waiting = new Map<string, { resolve: (value: T) => void; reject: (error: Error) => void }>();

  constructor(private readonly prefix = 'r') {}

  /** A new id and a promise settled when `settle` is called with that id. */
  open(): { requestId: string; promise: Promise<T> } {
    this.next += 1;
    const requestId = `${this.prefix}${this.next}`;
    const promise = new Promise<T>((resolve, reject) => this.waiting.set(requestId, { resolve, reject }));
    return { requestId, promise };
  }

  /** Settles the request with this id; false when no such request is waiting. */
  settle(requestId: string, outcome: { ok: true; value: T } | { ok: false; message: string }): boolean {
    const entry = this.waiting.get(requestId);
    if (!entry) return false;
    this.waiting.delete(requestId);
    if (outcome.ok) entry.resolve(outcome.value);
    else entry.reject(new Error(outcome.message));
    return true;
  }

  get size(): number {
    return this.waiting.size;
  }
}
