/**
 * Turns the runner's events into the results view's model as they arrive.
 * It keeps the raw exchanges (for an explicit reveal, curl and HAR in this
 * window session) and hands out views that are redacted and free of token
 * values. No vscode import: tests drive it with plain RunEvents.
 */
import type { Verdict } from '../../core/diagnosis/diagnose';
import type { RunEvent, RunResult, StepRun } from '../../core/flow/runner';
import { headerValue } from '../../core/http/headers';
import { prettyJson, redactExchange } from '../../core/http/redact';
import { SecretRegistry } from '../../core/http/secret-registry';
import type { HeaderList, HttpExchange } from '../../core/http/types';
import { classifyToken, decodeJwt, explainClaims } from '../../core/jwt';
import type { JwtCheck } from '../../core/jwt';
import type {
  AnswersView,
  BodyView,
  ExchangeView,
  HeaderView,
  LaneName,
  RerunSpec,
  RunView,
  StepView,
  TokenView,
  VerdictView,
} from '../../shared/view-model';

/** Bodies longer than this reach the webview cut, with "Show all". */
export const VIEW_BODY_LIMIT = 100_000;

export interface RecorderOptions {
  id: string;
  title: string;
  source: string;
  now?: () => number;
  bodyLimit?: number;
  /** How to run it again (flow runs only); shown as "Run again". */
  rerun?: RerunSpec;
  /**
   * The run's secret registry (the runner's, which also knows the secrets the run read): every
   * view, stored run and export is masked with it. Default: a new one, filled from the events.
   */
  secrets?: SecretRegistry;
}

interface RecordedExchange {
  exchange: HttpExchange;
  stepPath: string;
  /** Made by the gateway itself (seen through the sandbox), not by us. */
  byGateway: boolean;
}

/** Pretty JSON when the text is JSON, else the text unchanged. */
export const prettyBody = prettyJson;

/** A body for the view: pretty (unless `printed` says it already is), cut at `limit` characters. */
export function bodyView(text: string, contentType: string | undefined, limit: number, printed = false): BodyView {
  const pretty = printed ? text : prettyBody(text);
  const truncated = pretty.length > limit;
  return { text: truncated ? pretty.slice(0, limit) : pretty, size: pretty.length, truncated, contentType };
}

function headerViews(headers: HeaderList): HeaderView[] {
  return headers.map(([name, value]) => ({ name, value }));
}

/** Which lanes an exchange connects. */
export function lanesOf(exchange: HttpExchange, byGateway: boolean): { from: LaneName; to: LaneName } {
  if (byGateway || exchange.label?.startsWith('gateway:'))
    return { from: 'gateway', to: exchange.lane === 'upstream' ? 'upstream' : 'idp' };
  switch (exchange.lane) {
    case 'idp':
      return { from: 'client', to: 'idp' };
    case 'gateway':
      return { from: 'client', to: 'gateway' };
    case 'upstream':
      return { from: 'gateway', to: 'upstream' };
    default:
      return { from: 'client', to: 'upstream' };
  }
}

/** The view of one exchange: redacted unless `reveal`, bodies cut at `limit`. */
export function exchangeView(
  recorded: RecordedExchange,
  runStartedAt: number,
  options: { reveal?: boolean; limit: number; secrets?: SecretRegistry },
): ExchangeView {
  // Redaction prints JSON bodies as the view shows them, so bodyView need not parse them again.
  const printed = !options.reveal;
  const shown =
    options.secrets && !options.reveal
      ? options.secrets.exchange(recorded.exchange, { prettyJson: true })
      : redactExchange(recorded.exchange, { reveal: options.reveal, prettyJson: printed });
  const { from, to } = lanesOf(recorded.exchange, recorded.byGateway);
  const requestType = headerValue(shown.request.headers, 'content-type');
  const view: ExchangeView = {
    id: shown.id,
    stepPath: recorded.stepPath,
    label: shown.label ?? `${shown.request.method} ${shown.request.url}`,
    from,
    to,
    method: shown.request.method,
    url: shown.request.url,
    status: shown.response?.status,
    statusText: shown.response?.statusText,
    offsetMs: Math.max(0, shown.startedAt - runStartedAt),
    durationMs: shown.timings.total,
    timings: {
      dns: shown.timings.dns,
      connect: shown.timings.connect,
      tls: shown.timings.tls,
      ttfb: shown.timings.ttfb,
      download: shown.timings.download,
      send: shown.timings.send,
    },
    request: {
      headers: headerViews(shown.request.headers),
      ...(shown.request.body !== undefined && shown.request.body !== ''
        ? { body: bodyView(shown.request.body, requestType, options.limit, printed) }
        : {}),
    },
    warnings: shown.warnings,
  };
  if (shown.response)
    view.response = {
      headers: headerViews(shown.response.headers),
      body: bodyView(shown.response.body, shown.response.contentType, options.limit, printed),
      httpVersion: shown.response.httpVersion,
    };
  if (shown.error) view.error = shown.error;
  if (options.reveal) view.revealed = true;
  return view;
}

function verdictView(verdict: Verdict): VerdictView {
  return {
    code: verdict.code,
    summary: verdict.summary,
    fix: verdict.fix,
    decidedBy: verdict.decidedBy,
    confidence: verdict.confidence,
    evidence: verdict.evidence.map((e) => ({ source: e.source, text: e.text })),
  };
}

function checksView(checks: JwtCheck[]) {
  return checks.map((c) => ({ id: c.id, ok: c.ok, code: c.code, message: c.message, hint: c.hint }));
}

/** What decoding shows of a token, without the token. */
export function tokenView(
  title: string,
  token: string | undefined,
  claims: Record<string, unknown> | undefined,
  header: Record<string, unknown> | undefined,
  options: { now: number; checks?: JwtCheck[]; scope?: string; expiresAt?: number },
): TokenView {
  let kind: TokenView['kind'] = token ? classifyToken(token) : claims ? 'jwt' : 'opaque';
  let head = header;
  let payload = claims;
  if (token && kind === 'jwt' && (!head || !payload)) {
    try {
      const decoded = decodeJwt(token);
      head ??= decoded.header;
      payload ??= decoded.payload;
    } catch {
      kind = 'opaque';
    }
  }
  const explained = payload ? explainClaims(payload, { clock: { now: () => options.now } }) : [];
  const exp = typeof payload?.exp === 'number' ? payload.exp : options.expiresAt;
  const checks = options.checks ? checksView(options.checks) : undefined;
  const signatureCheck = options.checks?.find((c) => c.id === 'signature');
  return {
    title,
    kind,
    header: head ? JSON.stringify(head, null, 2) : undefined,
    claims: explained.map((c) => ({
      name: c.name,
      value: JSON.stringify(c.value) ?? String(c.value),
      label: c.label,
      explanation: c.explanation,
      custom: c.custom,
    })),
    expiresAt: exp,
    checks,
    signature: signatureCheck ? (signatureCheck.ok ? 'verified' : 'failed') : 'not checked',
    scope: options.scope,
  };
}

function answersFor(step: StepRun, lastIntrospection: { active: boolean } | undefined): AnswersView | undefined {
  if (!step.verdict) return undefined;
  const answers: AnswersView = {};
  if (step.jwtChecks && step.jwtChecks.length > 0) {
    const failed = step.jwtChecks.find((c) => !c.ok);
    answers.local = failed
      ? { ok: false, text: failed.message }
      : { ok: true, text: "Signature and claims check out against the IdP's JWKS." };
  }
  const said = step.verdict.evidence.find((e) => e.source === 'introspection');
  if (said) answers.introspection = { ok: /active: true/.test(said.text), text: said.text };
  else if (lastIntrospection)
    answers.introspection = {
      ok: lastIntrospection.active,
      text: `The IdP's introspection said active: ${lastIntrospection.active} (earlier step).`,
    };
  const status = step.result.response?.status;
  if (status !== undefined) {
    const gatewaySaid = step.verdict.evidence.find((e) => e.source === 'gateway');
    const log = step.verdict.evidence.filter((e) => e.source === 'gateway-log').map((e) => e.text);
    answers.gateway = {
      ok: status < 400,
      text: gatewaySaid?.text ?? `The gateway answered ${status}.`,
      ...(log.length > 0 ? { log } : {}),
    };
  }
  return answers;
}

/** Every token value a run's results hold, so nothing shown or stored can leak one. */
export function tokenValuesOf(steps: StepRun[]): string[] {
  const out: string[] = [];
  const visit = (step: StepRun) => {
    const t = step.result.token;
    if (t)
      out.push(
        ...[t.access_token, t.id_token, t.refresh_token].filter(
          (v): v is string => typeof v === 'string' && v.length > 0,
        ),
      );
    step.children?.forEach(visit);
  };
  steps.forEach(visit);
  return out;
}

/** Masks every listed secret in every string of a JSON-able value (the SecretRegistry's masking). */
export function scrubStrings<T>(value: T, secrets: readonly string[]): T {
  if (secrets.length === 0) return value;
  const registry = new SecretRegistry();
  registry.add(...secrets);
  return registry.value(value);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/** Collects a run's events and renders its (redacted) view at any moment. */
export class RunRecorder {
  private readonly now: () => number;
  private readonly limit: number;
  private startedAt: number;
  private flow = '';
  private env?: string;
  private planned: Array<{ id: string; type: string; name?: string }> = [];
  private readonly steps: StepRun[] = [];
  private readonly exchanges: RecordedExchange[] = [];
  private currentPath?: string;
  private pausedBefore?: string;
  private result?: RunResult;
  private failure?: { code: string; message: string; hint?: string };
  /** Every secret of the run: what its exchanges carried, its tokens, what the caller added. */
  private readonly registry: SecretRegistry;
  /**
   * Each exchange's redacted view, for the secret list it was masked with. A finished run's view is
   * asked for three or four times (the panel, the history, the verdict, the summary) and a running
   * run's after every event: building an exchange's view again redacts and pretty-prints its whole
   * body, 100-800 ms for a 5 MB answer on a loaded machine (bench/results-view.ts). The registry
   * hands out the same list until it learns a value, so a new list means every view must be masked again.
   */
  private exchangeViews?: {
    secrets: readonly string[];
    startedAt: number;
    views: WeakMap<RecordedExchange, ExchangeView>;
  };

  constructor(private readonly options: RecorderOptions) {
    this.registry = options.secrets ?? new SecretRegistry();
    this.now = options.now ?? Date.now;
    this.limit = options.bodyLimit ?? VIEW_BODY_LIMIT;
    this.startedAt = this.now();
  }

  get id(): string {
    return this.options.id;
  }

  get finished(): boolean {
    return this.result !== undefined || this.failure !== undefined;
  }

  get runResult(): RunResult | undefined {
    return this.result;
  }

  /** Feeds one runner event. */
  onEvent(event: RunEvent): void {
    switch (event.type) {
      case 'run-start':
        this.startedAt = event.at;
        this.flow = event.flow;
        this.env = event.env;
        this.planned = event.steps;
        break;
      case 'step-start':
        this.currentPath = event.path;
        if (!event.path.includes('/')) this.pausedBefore = undefined;
        break;
      case 'paused':
        this.pausedBefore = event.id;
        break;
      case 'exchange':
        this.registry.addExchange(event.exchange);
        this.exchanges.push({ exchange: event.exchange, stepPath: event.path, byGateway: false });
        break;
      case 'step-end':
        this.registry.add(...tokenValuesOf([event.step]));
        // Inner steps of a repeat arrive on their own and again inside their parent.
        if (!event.step.path.includes('/')) this.steps.push(event.step);
        break;
      case 'run-end':
        this.result = event.result;
        this.currentPath = undefined;
        this.pausedBefore = undefined;
        break;
      case 'note':
      case 'waiting':
      case 'idp-connected':
      case 'idp-failed':
        break;
    }
  }

  /** An exchange the gateway made on its own (the sandbox reports them), filed under the running step. */
  onGatewayExchange(exchange: HttpExchange): void {
    // The gateway's own client secret and the tokens it introspects are secrets of this run too.
    this.registry.addExchange(exchange);
    this.exchanges.push({ exchange, stepPath: this.currentPath ?? 'gateway', byGateway: true });
  }

  /** The run could not start or crashed outside any step. */
  fail(error: { code: string; message: string; hint?: string }): void {
    this.failure = error;
  }

  /** Raw exchange by id, for curl, HAR and an explicit reveal. */
  exchange(id: string): HttpExchange | undefined {
    return this.exchanges.find((x) => x.exchange.id === id)?.exchange;
  }

  allExchanges(): HttpExchange[] {
    return this.exchanges.map((x) => x.exchange);
  }

  /**
   * An exchange for curl or HAR: the raw one, listing every secret of the run, so the export masks
   * a token wherever it shows up again (an echoed header, an error text), not only where it was sent.
   */
  exportable(exchange: HttpExchange): HttpExchange {
    return { ...exchange, secrets: [...new Set([...(exchange.secrets ?? []), ...this.registry.list()])] };
  }

  /** One exchange's view: redacted unless `reveal`, bodies whole when `full`. */
  exchangeView(id: string, options: { reveal?: boolean; full?: boolean } = {}): ExchangeView | undefined {
    const recorded = this.exchanges.find((x) => x.exchange.id === id);
    if (!recorded) return undefined;
    const view = exchangeView(recorded, this.startedAt, {
      reveal: options.reveal,
      limit: options.full ? Number.POSITIVE_INFINITY : this.limit,
      secrets: this.registry,
    });
    return options.reveal ? view : this.registry.value(view);
  }

  /** Values the caller knows are secret (a token given to a one-off call), masked like the rest. */
  addSecrets(values: readonly string[]): void {
    this.registry.add(...values);
  }

  /** Every secret value seen in this run (exchange secrets, tokens, values added by the caller). */
  secrets(): readonly string[] {
    return this.registry.list();
  }

  /** The run's one redactor, for whatever else shows the run (the output channel, the history). */
  get secretRegistry(): SecretRegistry {
    return this.registry;
  }

  /** The whole run as the webview and the history see it: redacted, no token values. */
  view(live = true): RunView {
    const now = this.now();
    const steps: StepView[] = [];
    let lastIntrospection: { active: boolean } | undefined;
    for (const step of this.steps) {
      const view = this.stepView(step, lastIntrospection);
      if (step.type === 'introspect' && step.result.introspection)
        lastIntrospection = { active: step.result.introspection.active === true };
      steps.push(view);
    }
    for (const planned of this.planned) {
      if (steps.some((s) => s.id === planned.id)) continue;
      steps.push({
        path: planned.id,
        id: planned.id,
        type: planned.type,
        name: planned.name,
        status: this.finished ? 'skipped' : this.currentPath?.split('/')[0] === planned.id ? 'running' : 'pending',
        offsetMs: 0,
        durationMs: 0,
        assertions: [],
        notes: [],
      });
    }
    if (this.failure && steps.length === 0) {
      steps.push({
        path: 'run',
        id: 'run',
        type: 'run',
        status: 'error',
        offsetMs: 0,
        durationMs: 0,
        assertions: [],
        notes: [],
        error: this.failure,
      });
    }
    const verdictStep = [...steps].reverse().find((s) => s.verdict && s.verdict.code !== 'ok');
    const status: RunView['status'] = this.result ? this.result.status : this.failure ? 'error' : 'running';
    const view: RunView = {
      id: this.options.id,
      title: this.options.title,
      flow: this.flow,
      env: this.env,
      source: this.options.source,
      status,
      startedAt: this.startedAt,
      durationMs: this.result?.durationMs ?? now - this.startedAt,
      steps,
      exchanges: [],
      verdict: verdictStep?.verdict ? { ...verdictStep.verdict, stepPath: verdictStep.path } : undefined,
      live,
      ...(this.options.rerun ? { rerun: this.options.rerun } : {}),
      ...(this.pausedBefore && !this.finished ? { pausedBefore: this.pausedBefore } : {}),
    };
    const masked = this.registry.value(view);
    masked.exchanges = this.exchanges.map((x) => this.maskedExchangeView(x));
    return masked;
  }

  /** The exchange's redacted view (bodies cut at the limit), built once per secret list; frozen, as views share it. */
  private maskedExchangeView(recorded: RecordedExchange): ExchangeView {
    const secrets = this.registry.list();
    // Offsets count from the run's start, which run-start may still move.
    if (this.exchangeViews?.secrets !== secrets || this.exchangeViews.startedAt !== this.startedAt)
      this.exchangeViews = { secrets, startedAt: this.startedAt, views: new WeakMap() };
    let view = this.exchangeViews.views.get(recorded);
    if (!view) {
      // registry.value masks what redaction leaves alone (the label, the status text).
      view = deepFreeze(
        this.registry.value(exchangeView(recorded, this.startedAt, { limit: this.limit, secrets: this.registry })),
      );
      this.exchangeViews.views.set(recorded, view);
    }
    return view;
  }

  private stepView(step: StepRun, lastIntrospection: { active: boolean } | undefined): StepView {
    const view: StepView = {
      path: step.path,
      id: step.id,
      type: step.type,
      name: step.name,
      status: step.status,
      offsetMs: Math.max(0, step.startedAt - this.startedAt),
      durationMs: step.durationMs,
      assertions: step.assertions.map((a) => ({ passed: a.passed, message: a.message })),
      notes: step.notes,
      error: step.error,
      attempts: step.attempts,
    };
    if (step.verdict) view.verdict = verdictView(step.verdict);
    const answers = answersFor(step, lastIntrospection);
    if (answers) view.answers = answers;
    if (step.result.response) view.httpStatus = step.result.response.status;
    const now = this.now();
    const token = step.result.token;
    if (token) {
      view.token = tokenView(`Access token from step ${step.id}`, token.access_token, token.claims, undefined, {
        now,
        scope: token.scope,
        expiresAt: token.expires_at,
      });
    } else if ((step.type === 'verify' || step.type === 'decode') && step.result.claims) {
      view.token = tokenView(
        step.type === 'verify' ? `Token verified in step ${step.id}` : `Token decoded in step ${step.id} (UNVERIFIED)`,
        undefined,
        step.result.claims,
        step.result.header,
        { now, checks: step.jwtChecks },
      );
    }
    if (step.result.introspection) view.introspection = JSON.stringify(step.result.introspection, null, 2);
    // A repeat shows the findings of its last call (the same route each time).
    const findings = step.gatewayFindings ?? step.children?.at(-1)?.gatewayFindings;
    if (findings && findings.length > 0)
      view.findings = findings.map((f) => ({
        rule: f.rule,
        severity: f.severity,
        field: f.field,
        message: f.message,
        ...(f.evidence ? { evidence: f.evidence } : {}),
        fix: f.fix,
      }));
    return view;
  }
}
