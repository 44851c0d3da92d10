import { Emitter } from '../../src/core/emitter';
import type { Verdict } from '../../src/core/diagnosis/diagnose';
import type { HttpExchange } from '../../src/core/http/types';
import type {
  CapturedExchange,
  CapturedToken,
  CaptureSession,
  CaptureStartOptions,
  StartCapture,
} from '../../src/extension/capture/capture-api';

/** A capture that listens nowhere: the test says what passed through it. */
export class FakeCaptureSession implements CaptureSession {
  readonly host: string;
  readonly port: number;
  readonly target: string;
  stopped = false;
  private readonly exchanges = new Emitter<CapturedExchange>();
  private readonly verdicts = new Emitter<{ id: string; verdict: Verdict } | { id: string; skipped: string }>();
  readonly onExchange = this.exchanges.event;
  readonly onVerdict = this.verdicts.event;

  constructor(readonly options: CaptureStartOptions) {
    this.host = options.host;
    this.port = options.port || 41234;
    this.target = options.target;
  }

  emit(captured: CapturedExchange): void {
    this.exchanges.fire(captured);
  }

  verdict(id: string, verdict: Verdict): void {
    this.verdicts.fire({ id, verdict });
  }

  skip(id: string, reason: string): void {
    this.verdicts.fire({ id, skipped: reason });
  }

  async stop(): Promise<void> {
    this.stopped = true;
  }
}

/** A StartCapture that records each session it starts. */
export function fakeStarter(): { start: StartCapture; sessions: FakeCaptureSession[] } {
  const sessions: FakeCaptureSession[] = [];
  return {
    sessions,
    start: async (options) => {
      const session = new FakeCaptureSession(options);
      sessions.push(session);
      return session;
    },
  };
}

/** One call through the capture: `status` from the gateway, a bearer token when given. */
export function capturedCall(
  id: string,
  options: {
    status?: number;
    path?: string;
    bearer?: string;
    token?: CapturedToken;
    verdict?: Verdict;
    responseBody?: string;
    startedAt?: number;
  } = {},
): CapturedExchange {
  const status = options.status ?? 200;
  const exchange: HttpExchange = {
    id,
    lane: 'gateway',
    startedAt: options.startedAt ?? Date.UTC(2026, 11, 5, 1, 0, 0),
    request: {
      method: 'GET',
      url: `http://127.0.0.1:8000${options.path ?? '/orders'}`,
      headers: options.bearer ? [['authorization', `Bearer ${options.bearer}`]] : [],
      bodySize: 0,
    },
    response: {
      status,
      statusText: status < 400 ? 'OK' : 'Unauthorized',
      httpVersion: 'HTTP/1.1',
      headers: [['content-type', 'application/json']],
      body: options.responseBody ?? '{}',
      bodySize: (options.responseBody ?? '{}').length,
      truncated: false,
      contentType: 'application/json',
    },
    timings: { total: 12 },
    warnings: [],
    secrets: options.bearer ? [options.bearer] : [],
  } as HttpExchange;
  return {
    id,
    exchange,
    ...(options.token ? { token: options.token } : {}),
    ...(options.verdict ? { verdict: options.verdict } : {}),
  };
}

/** A verdict as the diagnosis gives for a token the IdP no longer honours. */
export function inactiveVerdict(summary = 'The IdP says the token is not active (revoked or expired).'): Verdict {
  return {
    code: 'token_inactive' as Verdict['code'],
    summary,
    fix: 'Get a new token.',
    decidedBy: 'gateway',
    confidence: 'certain',
    evidence: [{ source: 'introspection', text: 'active: false' }] as Verdict['evidence'],
  };
}
