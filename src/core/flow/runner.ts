import type { Clock } from '../clock';
import { systemClock } from '../clock';
import type { Verdict } from '../diagnosis/diagnose';
import type { GatewayLogSource, LogFileReader } from '../diagnosis/gateway-log';
import { asOidcError, OidcError } from '../errors';
import type { ErrorCode } from '../errors';
import type { LintFinding } from '../gateway/lint';
import { SecretRegistry } from '../http/secret-registry';
import type { HttpClient, HttpExchange, HttpRequest, HttpResponse } from '../http/types';
import type * as Jwt from '../jwt';
import type { JwtVerification } from '../jwt';
import type * as OAuth from '../oauth';
import type { AuthorizationServerMetadata, ConnectedIdp, DeviceUserCode, DiscoveryCache, TokenStore } from '../oauth';
import { evaluateAssertions } from './assertions';
import type { AssertionResult } from './assertions';
import type { RunErrorCode } from './error-codes';
import type {
  AdminStep,
  Assertion,
  CallStep,
  FlowFile,
  RouteConfig,
  StepDef,
  TokenStep,
  VerifyStep,
} from './file-format';
import { innerSteps } from './file-format';
import { responseResult, runCallStep, runRequestStep } from './http-steps';
import type { RunScope } from './run-scope';
import { getFlow, runStartEvent, selectEnvironment } from './select';
import type { RunStartEvent } from './select';
import { runStatus } from './run-status';
import { isSecretValueRef } from './secret-ref';
import type { SecretSources } from './secret-ref';
import type { StepResult, TemplateContext } from './step-result';
import { holdsNoTemplate, renderEnvironment, renderTemplate, renderTemplateString } from './template';
import type * as TokenSteps from './token-step';

let oauthModule: typeof OAuth | undefined;
let jwtModule: typeof Jwt | undefined;
let tokenStepModule: typeof TokenSteps | undefined;

/*
 * The OAuth, JWT and token-step modules (discovery, grants, client authentication, jose's loader, the
 * verifier and explainer, the Okta connector) load at the first step that needs them, not with the
 * runner: a run of plain calls and requests never does (issue #14, CLI start). A `require` from src/
 * is where esbuild.config.mjs cuts the CLI's bundles; once loaded, each is kept.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const oauth = (): typeof OAuth => (oauthModule ??= require('../oauth') as typeof OAuth);
const jwt = (): typeof Jwt => (jwtModule ??= require('../jwt') as typeof Jwt);
const tokenSteps = (): typeof TokenSteps => (tokenStepModule ??= require('./token-step') as typeof TokenSteps);
/* eslint-enable @typescript-eslint/no-require-imports */

/** Sandbox admin actions the `admin` step may call. */
export interface SandboxAdmin {
  deactivateClient(clientId: string): void | Promise<void>;
  reactivateClient(clientId: string): void | Promise<void>;
  rotateKeys(options: { dropOld: boolean }): Promise<unknown>;
}

export interface RunnerDeps {
  http: HttpClient;
  clock?: Clock;
  /** Waits; injectable so tests do not sleep. Resolves early when the signal aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Where ${env:..} and ${secret:..} references are looked up. */
  secrets: SecretSources;
  /**
   * Learns every secret the run reads, sends or receives; shells pass theirs to redact what
   * they print, store and export with it. Default: a new one, as `runner.secrets`.
   */
  secretRegistry?: SecretRegistry;
  admin?: SandboxAdmin;
  /** Asks a person to confirm a `wait` step with `confirm: true`; absent in non-interactive runs. */
  confirm?: (message: string) => Promise<boolean>;
  openBrowser?: (url: string) => Promise<void> | void;
  onDeviceCode?: (info: DeviceUserCode) => void;
  tokenStore?: TokenStore;
  discoveryCache?: DiscoveryCache;
  signal?: AbortSignal;
  /** Reads a CA file named by an IdP's caFile (injectable for tests). */
  readTextFile?: (path: string) => Promise<string>;
  /** Reads the gateway logs routes name (a route's `log`); injectable for tests. Default: the file system. */
  readLog?: LogFileReader;
  /**
   * The gateway log of a route whose flow-file entry names none (the
   * extension's oidcFlow.gatewayLogs setting); `where` names that setting
   * in the note an unreadable log leaves.
   */
  gatewayLogFor?: (route: string, config: RouteConfig) => (GatewayLogSource & { where?: string }) | undefined;
  /**
   * Called before each top-level step that is about to run; the run waits
   * until it resolves (step-by-step mode). Aborting the signal while it
   * waits stops the run there, with the remaining steps skipped.
   */
  beforeStep?: (step: PendingStep) => Promise<void>;
}

/** The step a step-by-step run is paused before. */
export interface PendingStep {
  id: string;
  type: string;
  name?: string;
  /** 0-based position in the flow. */
  index: number;
  total: number;
}

export interface RunOptions {
  flow: string;
  env?: string;
  /** Receives every event as it happens (timeline, progress). */
  onEvent?: (event: RunEvent) => void;
}

export interface StepRun {
  id: string;
  /** Position in the run, e.g. "until-refused/call-refused#3" for repeats. */
  path: string;
  type: StepDef['type'];
  name?: string;
  status: 'passed' | 'failed' | 'error' | 'skipped';
  startedAt: number;
  durationMs: number;
  assertions: AssertionResult[];
  error?: { code: ErrorCode; message: string; hint?: string };
  /** Every HTTP exchange this step made, diagnosis calls included. */
  exchanges: HttpExchange[];
  /** Why the gateway answered as it did (call and request steps with a token). */
  verdict?: Verdict;
  /** Local JWT checks (verify steps and diagnosed calls). */
  jwtChecks?: JwtVerification['checks'];
  /** Call steps to a route with a Kong config: what the config lint says about it, for this token. */
  gatewayFindings?: LintFinding[];
  notes: string[];
  result: StepResult;
  /** For repeat steps: how many iterations ran, and each inner step run in order. */
  attempts?: number;
  children?: StepRun[];
}

export interface RunResult {
  flow: string;
  env?: string;
  status: 'passed' | 'failed' | 'error';
  startedAt: number;
  durationMs: number;
  steps: StepRun[];
}

export type RunEvent =
  | RunStartEvent
  | { type: 'step-start'; id: string; path: string; stepType: string; at: number }
  | { type: 'exchange'; path: string; exchange: HttpExchange }
  | { type: 'step-end'; step: StepRun }
  | { type: 'note'; path: string; message: string }
  /** A repeat waits `every` seconds after iteration `iteration` of `times`, until the clock reads `until`. */
  | { type: 'waiting'; id: string; path: string; iteration: number; times: number; until: number; at: number }
  /** A step-by-step run waits before step `id` (beforeStep). */
  | { type: 'paused'; id: string; at: number }
  /**
   * The run connected to an IdP of the file (its discovery document read when it has an issuer), or
   * failed to: shells keep what runs learned about an IdP, as the Discover command would.
   */
  | { type: 'idp-connected'; name: string; discovered: boolean; metadata: AuthorizationServerMetadata; at: number }
  | { type: 'idp-failed'; name: string; code: ErrorCode; message: string; at: number }
  | { type: 'run-end'; result: RunResult };

/** How many of a repeat's last iterations keep their details; earlier ones are only counted. */
export const REPEAT_DETAIL_ITERATIONS = 20;

/** The longest a repeat runs without giving the event loop a turn of its own (a signal, a timer). */
const REPEAT_YIELD_MS = 10;

/**
 * The event sink of a run that no one listens to. The hot events (run start, step start and end, each
 * exchange) are not even made then: a run-start's summary of the steps, and four objects a call
 * step, built to be dropped (issue #14 point 2: the runner's own cost per request in process).
 */
const NO_LISTENER = (): void => undefined;

const defaultSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

/** Runs one flow of a loaded flow file, step by step, emitting events as it goes. */
export class FlowRunner {
  private readonly clock: Clock;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Made at the first IdP connection (see `oauth` above); `deps.discoveryCache` when given. */
  private discoveries?: DiscoveryCache;
  private readonly idps = new Map<string, Promise<ConnectedIdp>>();
  /** The connections of `idps` that succeeded, for the scope's knownIdp (which does not wait). */
  private readonly connected = new Map<string, ConnectedIdp>();
  /** What the step pieces share with this loop; its token memory is per run. */
  private readonly scope: RunScope;
  /** The latest token step of the run, so calls can renew its token when it expires. */
  private lastTokenStep?: TokenStep;
  /** Token steps run so far, by id: a call that names one's token renews that one, not the latest. */
  private tokenSteps = new Map<string, TokenStep>();
  /** The clock's time, read only when an assertion needs it (see EvaluateOptions.now). */
  private readonly readClock = (): number => this.clock.now();
  /** What every assertion of this runner's steps is checked with (evaluateAssertions keeps none of it). */
  private readonly assertionOptions: { now: () => number; secrets: SecretRegistry };
  /** Step definitions with nothing to render (see render). */
  private readonly inertSteps = new WeakSet<StepDef>();
  /** The rendered environment of the current run; IdP and route templates read it. */
  private envValues: Record<string, unknown> = {};
  /**
   * The last run's environment, when its values hold no template (see environmentOf): the same
   * selection and values for a run that asks for the same environment and flow.
   */
  private inertEnv?: {
    requested: string | undefined;
    flow: string;
    env: ReturnType<typeof selectEnvironment>;
    values: Record<string, unknown>;
  };
  /** Every secret value the runs of this runner read, sent or received: the one redactor of what they left. */
  readonly secrets: SecretRegistry;
  /** Whether the registry is the runner's own, emptied per run; a shell's registry lives as long as the shell wants. */
  private readonly ownsSecrets: boolean;
  private readonly deps: RunnerDeps;
  /** The current run's event sink; connecting to an IdP happens deep in steps and reports through it. */
  private emit: (event: RunEvent) => void = NO_LISTENER;

  constructor(
    private readonly file: FlowFile,
    given: RunnerDeps,
  ) {
    const secrets = given.secretRegistry ?? new SecretRegistry();
    this.secrets = secrets;
    this.ownsSecrets = given.secretRegistry === undefined;
    this.assertionOptions = { now: this.readClock, secrets };
    const sources = given.secrets;
    const deps: RunnerDeps = {
      ...given,
      secrets: {
        ...sources,
        onRead: (value, ref) => {
          sources.onRead?.(value, ref);
          if (isSecretValueRef(ref)) secrets.add(value);
        },
      },
    };
    this.deps = deps;
    this.clock = deps.clock ?? systemClock;
    this.sleep = deps.sleep ?? defaultSleep;
    this.discoveries = deps.discoveryCache;
    const clock = this.clock;
    let tokenStore = deps.tokenStore;
    this.scope = {
      deps,
      clock,
      // Made when a token step first asks for it, with the OAuth modules (see `oauth` above).
      get tokenStore() {
        return (tokenStore ??= new (oauth().TokenStore)({ clock }));
      },
      idp: (name, http) => this.idp(name, http),
      knownIdp: (name) => this.connected.get(name),
      tokenOrigin: new Map(),
      lastIntrospection: new Map(),
    };
  }

  async run(options: RunOptions): Promise<RunResult> {
    const emit = options.onEvent ?? NO_LISTENER;
    this.emit = emit;
    const flow = getFlow(this.file, options.flow);
    const kept = this.inertEnv;
    const same = kept !== undefined && kept.requested === options.env && kept.flow === options.flow;
    const env = same ? kept.env : selectEnvironment(this.file, options.env, options.flow);
    const startedAt = this.clock.now();
    // What the runner learns about tokens is per run, so a long-lived runner's memory stays flat.
    // A map that holds something is replaced, an empty one kept: Map#clear is a call into V8's C++
    // runtime that makes a new table anyway, even for an empty map, and between a run's requests
    // each such call ran cold at ~0.3–1 µs (issue #14 point 2). Everything reads these maps
    // through the scope and this runner, never keeping one across runs.
    if (this.scope.tokenOrigin.size > 0) this.scope.tokenOrigin = new Map();
    if (this.scope.lastIntrospection.size > 0) this.scope.lastIntrospection = new Map();
    if (this.ownsSecrets) this.secrets.clear();
    this.lastTokenStep = undefined;
    if (this.tokenSteps.size > 0) this.tokenSteps = new Map();
    const ctx: TemplateContext = { env: {}, steps: {}, vars: flow.vars ?? {} };
    const steps: StepRun[] = [];
    if (emit !== NO_LISTENER) emit(runStartEvent(options.flow, flow, env, startedAt));
    let halted = false;
    try {
      ctx.env = same ? kept.values : this.environmentOf(env, options);
      // The same object when the environment holds no template (rendering shares what it does not change).
      if (ctx.env !== this.envValues && JSON.stringify(ctx.env) !== JSON.stringify(this.envValues)) {
        this.idps.clear();
        this.connected.clear();
      }
      this.envValues = ctx.env;
    } catch (error) {
      const e = asOidcError(error);
      const step = this.skipped(flow.steps[0] ?? { id: 'environment', type: 'wait' }, 'environment', startedAt);
      step.status = 'error';
      step.error = { code: e.code, message: e.message, hint: e.hint };
      steps.push(step);
      emit({ type: 'step-end', step });
      halted = true;
    }
    // Steps that could not run for want of a person (a browser sign-in, a confirmation) in a
    // non-interactive run, and the steps that read them: only those are skipped, the rest run.
    // Made when the first one shows (most runs have none).
    let unavailable: Map<string, string> | undefined;
    let latestToken: string | undefined;
    // By index, not entries(): no iterator and [index, def] pair a step (issue #14 point 2).
    for (let index = 0; index < flow.steps.length; index += 1) {
      const def = flow.steps[index]!;
      const needed = halted ? undefined : neededUnavailable(def, unavailable, latestToken);
      if (def.type === 'token') latestToken = def.id;
      if (needed !== undefined) {
        const skipped = this.skipped(def, def.id, this.clock.now());
        skipped.notes.push(`Skipped: it needs step ${needed}, which could not run here (${unavailable?.get(needed)}).`);
        (unavailable ??= new Map()).set(def.id, `it needs step ${needed}`);
        ctx.steps[def.id] = skipped.result;
        steps.push(skipped);
        emit({ type: 'step-end', step: skipped });
        continue;
      }
      if (
        !halted &&
        !this.deps.signal?.aborted &&
        this.deps.beforeStep &&
        !(def.onlyIn && env && !def.onlyIn.includes(env.name))
      ) {
        emit({ type: 'paused', id: def.id, at: this.clock.now() });
        await this.deps.beforeStep({
          id: def.id,
          type: def.type,
          ...(def.name ? { name: def.name } : {}),
          index,
          total: flow.steps.length,
        });
      }
      if (halted || this.deps.signal?.aborted) {
        if (!steps.some((s) => s.id === def.id)) {
          const skipped = this.skipped(def, def.id, this.clock.now());
          if (this.deps.signal?.aborted) skipped.notes.push('The run was stopped.');
          steps.push(skipped);
          emit({ type: 'step-end', step: skipped });
        }
        continue;
      }
      if (def.onlyIn && env && !def.onlyIn.includes(env.name)) {
        const skipped = this.skipped(def, def.id, this.clock.now());
        skipped.notes.push(`Runs only in: ${def.onlyIn.join(', ')}.`);
        ctx.steps[def.id] = skipped.result;
        steps.push(skipped);
        emit({ type: 'step-end', step: skipped });
        continue;
      }
      const run = await this.runStep(def, def.id, ctx, emit);
      steps.push(run);
      if (run.status === 'error' && run.error && NEEDS_A_PERSON.has(run.error.code)) {
        (unavailable ??= new Map()).set(
          def.id,
          run.error.code === 'flow.needs_browser' ? 'it needs a browser' : 'it needs a person',
        );
        continue;
      }
      if ((run.status === 'failed' || run.status === 'error') && !def.continueOnFailure) halted = true;
    }
    const result: RunResult = {
      flow: options.flow,
      env: env?.name,
      status: runStatus(steps, { stopped: this.deps.signal?.aborted === true }),
      startedAt,
      durationMs: this.clock.now() - startedAt,
      steps,
    };
    if (emit !== NO_LISTENER) emit({ type: 'run-end', result });
    return result;
  }

  /**
   * The environment's values rendered; kept for the next run when they hold no template (then they
   * are the file's own object, and no secret source is read). Selecting the environment again
   * (its name's keys listed) and walking its values on every run took ~1.3 µs a run timed in place
   * (issue #14 point 2); a templated environment is rendered every run, as its sources may change.
   */
  private environmentOf(env: ReturnType<typeof selectEnvironment>, options: RunOptions): Record<string, unknown> {
    const values = renderEnvironment(env, this.deps.secrets);
    this.inertEnv =
      env !== undefined && values === env.values && holdsNoTemplate(env.values)
        ? { requested: options.env, flow: options.flow, env, values }
        : undefined;
    return values;
  }

  private skipped(def: Pick<StepDef, 'id' | 'type' | 'name'>, path: string, at: number): StepRun {
    return {
      id: def.id,
      path,
      type: def.type,
      name: def.name,
      status: 'skipped',
      startedAt: at,
      durationMs: 0,
      assertions: [],
      exchanges: [],
      notes: [],
      result: { status: 'skipped' },
    };
  }

  /**
   * Runs one step (a repeat runs its inner steps) and records its result in the template context.
   *
   * Not an async function for a step that is no repeat: the step's own promise, finished in its
   * `then` (the same turns as the await). runStep's async frame, its promise and the await's
   * closures were its largest allocation, ~1 KB a step (sampling heap profile, issue #14 point 2).
   * Whatever the step throws, before or after its answer (its assertions included), is its error.
   */
  private runStep(def: StepDef, path: string, ctx: TemplateContext, emit: (event: RunEvent) => void): Promise<StepRun> {
    const startedAt = this.clock.now();
    if (emit !== NO_LISTENER) emit({ type: 'step-start', id: def.id, path, stepType: def.type, at: startedAt });
    const run: StepRun = {
      id: def.id,
      path,
      type: def.type,
      name: def.name,
      status: 'passed',
      startedAt,
      durationMs: 0,
      assertions: [],
      exchanges: [],
      notes: [],
      result: { status: 'passed' },
    };
    if (def.type === 'repeat') return this.runRepeatStep(def, path, ctx, emit, run);
    let pending: Promise<StepResult>;
    try {
      pending = this.execute(def, ctx, new StepRecorder(this.deps.http, this.secrets, run, emit), run);
    } catch (error) {
      stepFailed(run, error);
      return Promise.resolve(this.stepDone(def, ctx, emit, run));
    }
    return pending.then(
      (result) => {
        try {
          this.stepAnswered(def, run, result);
        } catch (error) {
          stepFailed(run, error);
        }
        return this.stepDone(def, ctx, emit, run);
      },
      (error: unknown) => {
        stepFailed(run, error);
        return this.stepDone(def, ctx, emit, run);
      },
    );
  }

  /** runStep for a repeat: its inner steps run one after another. */
  private async runRepeatStep(
    def: Extract<StepDef, { type: 'repeat' }>,
    path: string,
    ctx: TemplateContext,
    emit: (event: RunEvent) => void,
    run: StepRun,
  ): Promise<StepRun> {
    try {
      await this.runRepeat(def, path, ctx, emit, run);
    } catch (error) {
      stepFailed(run, error);
    }
    return this.stepDone(def, ctx, emit, run);
  }

  /** A step's result, the run's secrets from its token, and its assertions checked. */
  private stepAnswered(def: StepDef, run: StepRun, result: StepResult): void {
    run.result = result;
    // A token reused from the store came with no exchange of this run. A step without one
    // (a call) makes no argument list for nothing.
    const token = result.token;
    if (token) this.secrets.add(token.access_token, token.refresh_token, token.id_token);
    // A step without assertions keeps the empty list it was made with; one with them is
    // checked with the runner's one options object, failed by a loop (no closure a step).
    const asserted = def.assert;
    if (asserted !== undefined && asserted.length > 0) {
      const results = evaluateAssertions(asserted, result, this.assertionOptions);
      run.assertions = results;
      for (let i = 0; i < results.length; i += 1) if (!results[i]!.passed) run.status = 'failed';
    }
  }

  /** A step's end: stopped or not, its status and duration, its result in the context, its event. */
  private stepDone(def: StepDef, ctx: TemplateContext, emit: (event: RunEvent) => void, run: StepRun): StepRun {
    // Stopped while this step ran: a wait or a repeat ends early and would
    // otherwise read as passed, though it did not do what it says.
    if (this.deps.signal?.aborted && run.status === 'passed') {
      run.status = 'error';
      run.error = {
        code: 'flow.stopped',
        message: 'The run was stopped during this step.',
        hint: 'Run the flow again to see this step finish.',
      };
    }
    run.result.status = run.status;
    run.result.durationMs = run.durationMs = this.clock.now() - run.startedAt;
    ctx.steps[def.id] = run.result;
    if (emit !== NO_LISTENER) emit({ type: 'step-end', step: run });
    return run;
  }

  private async runRepeat(
    def: Extract<StepDef, { type: 'repeat' }>,
    path: string,
    ctx: TemplateContext,
    emit: (event: RunEvent) => void,
    run: StepRun,
  ): Promise<void> {
    const inner = innerSteps(def);
    const until: Assertion[] = def.until === undefined ? [] : Array.isArray(def.until) ? def.until : [def.until];
    let last: StepRun | undefined;
    let attempts = 0;
    // Only the last iterations keep their details (exchanges, bodies); the
    // earlier ones are counted, so a long repeat runs in bounded memory.
    const kept: StepRun[][] = [];
    const earlier = { iterations: 0, passed: 0, failed: 0, errors: 0 };
    let turnAt = performance.now();
    for (let i = 1; i <= def.times; i += 1) {
      // A step that never waits on the network never gives the event loop a turn: yield when
      // REPEAT_YIELD_MS passed without one, so Ctrl-C and SIGTERM are heard. Not every iteration:
      // that turn sat between a call's answer and the next token request (issue #14 point 1).
      if (performance.now() - turnAt >= REPEAT_YIELD_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        turnAt = performance.now();
      }
      if (this.deps.signal?.aborted) break;
      attempts = i;
      const iteration: StepRun[] = [];
      for (const step of inner) {
        last = await this.runStep(step, `${path}/${step.id}#${i}`, ctx, emit);
        iteration.push(last);
        if (last.status === 'error') break;
      }
      kept.push(iteration);
      if (kept.length > REPEAT_DETAIL_ITERATIONS) {
        earlier.iterations += 1;
        for (const dropped of kept.shift()!) {
          if (dropped.status === 'passed') earlier.passed += 1;
          else if (dropped.status === 'failed') earlier.failed += 1;
          else if (dropped.status === 'error') earlier.errors += 1;
        }
      }
      if (
        last &&
        until.length > 0 &&
        evaluateAssertions(until, last.result, { now: this.readClock, secrets: this.secrets }).every((a) => a.passed)
      )
        break;
      if (until.length === 0 && last?.status === 'passed' && i === def.times) break;
      if (i < def.times && def.every) {
        const at = this.clock.now();
        emit({ type: 'waiting', id: def.id, path, iteration: i, times: def.times, until: at + def.every * 1000, at });
        await this.sleep(def.every * 1000, this.deps.signal);
      }
    }
    run.children = kept.flat();
    run.exchanges.push(...run.children.flatMap((child) => child.exchanges));
    run.attempts = attempts;
    run.result = last ? { ...last.result } : { status: 'skipped' };
    run.verdict = last?.verdict;
    run.notes.push(
      `Ran ${attempts} time(s)${def.every ? `, every ${def.every} s` : ''}.${
        earlier.iterations > 0
          ? ` The details of the last ${REPEAT_DETAIL_ITERATIONS} iterations are kept; the ${earlier.iterations} before: ${earlier.passed} steps passed, ${earlier.failed} failed, ${earlier.errors} errors.`
          : ''
      }`,
    );
    run.assertions = evaluateAssertions(def.assert ?? (until.length ? until : []), run.result, {
      now: this.readClock,
      secrets: this.secrets,
    });
    // An errored attempt is retried, but a failed inner assertion counts on any attempt (waiting belongs in `until`).
    if (last?.status === 'error') {
      run.status = 'error';
      run.error = last.error;
    } else if (
      run.assertions.some((a) => !a.passed) ||
      earlier.failed > 0 ||
      run.children.some((c) => c.status === 'failed')
    )
      run.status = 'failed';
  }

  /**
   * A token or call step's promise is handed back as it is: wrapping it in an async function cost
   * each step one more promise and the extra turns of resolving one promise with another (issue #14,
   * point 2, sixth pass). A synchronous throw (a template) still lands in runStep's try.
   */
  private execute(def: StepDef, ctx: TemplateContext, http: StepRecorder, run: StepRun): Promise<StepResult> {
    switch (def.type) {
      case 'token':
        this.lastTokenStep = def;
        this.tokenSteps.set(def.id, def);
        return tokenSteps().runTokenStep(this.render(def, ctx), { http, note: http.note }, this.scope);
      case 'call': {
        // A call renews the token it sends: the latest token step's, or the one it names.
        const named = typeof def.token === 'string' ? TOKEN_READ.exec(def.token)?.[1] : undefined;
        const tokenDef = def.token === undefined ? this.lastTokenStep : named && this.tokenSteps.get(named);
        if (tokenDef && tokenSteps().tokenNeedsRenewal(tokenDef, ctx, run.startedAt))
          return tokenSteps()
            .renewExpiredToken({ def: tokenDef, ctx, http, note: http.note }, this.scope)
            .then(() => this.call(def, ctx, http, run));
        return this.call(def, ctx, http, run);
      }
      default:
        return this.executeOther(def, ctx, http, run, http.note);
    }
  }

  private call(def: CallStep, ctx: TemplateContext, http: HttpClient, run: StepRun): Promise<StepResult> {
    return runCallStep(this.render(def, ctx), { ctx, routes: this.file.routes, http, run, written: def }, this.scope);
  }

  /** Every other step type (see execute). */
  private async executeOther(
    def: Exclude<StepDef, { type: 'token' | 'call' }>,
    ctx: TemplateContext,
    http: HttpClient,
    run: StepRun,
    note: (message: string) => void,
  ): Promise<StepResult> {
    switch (def.type) {
      case 'introspect': {
        const step = this.render(def, ctx);
        const idp = await this.idp(step.idp, http);
        const { introspect, withHttpOptions } = oauth();
        const result = await introspect({ ...idp.ctx, http: withHttpOptions(http, idp.httpOptions) }, step.token, {
          tokenTypeHint: step.hint,
          accept: step.accept,
          verifyKey: idp.jwks?.keyResolver(),
        });
        this.scope.lastIntrospection.set(step.token, { active: result.active, claims: result.claims });
        return {
          status: 'passed',
          introspection: { ...result.claims, active: result.active },
          response: responseResult(result.response),
        };
      }
      case 'revoke': {
        const step = this.render(def, ctx);
        const idp = await this.idp(step.idp, http);
        const { revoke, withHttpOptions } = oauth();
        const { response } = await revoke({ ...idp.ctx, http: withHttpOptions(http, idp.httpOptions) }, step.token, {
          tokenTypeHint: step.hint,
        });
        return { status: 'passed', response: responseResult(response) };
      }
      case 'decode': {
        const step = this.render(def, ctx);
        const decoded = jwt().decodeJwt(step.token);
        note('Decoded without verifying the signature (UNVERIFIED).');
        return { status: 'passed', claims: decoded.payload, header: decoded.header };
      }
      case 'verify':
        return this.verify(this.render(def, ctx), http, run);
      case 'request':
        return runRequestStep(this.render(def, ctx), http, { step: def, env: ctx.env });
      case 'wait': {
        const step = this.render(def, ctx);
        if (step.confirm) {
          if (!this.deps.confirm)
            throw new StepFailureWithError(
              'flow.needs_person',
              `Step ${def.id} waits for a person to confirm ("${step.message ?? 'continue'}"), but this run is not interactive.`,
              'Run it from VS Code or a terminal, or choose an environment where the step does not run (onlyIn).',
            );
          const ok = await this.deps.confirm(step.message ?? `Continue after step ${def.id}?`);
          if (!ok) throw new StepFailureWithError('flow.cancelled', 'The run was cancelled at a confirmation step.');
        } else if (step.seconds) {
          if (step.message) note(step.message);
          await this.sleep(step.seconds * 1000, this.deps.signal);
        }
        return { status: 'passed' };
      }
      case 'admin':
        return this.admin(this.render(def, ctx), note);
      case 'repeat':
        return { status: 'passed' };
    }
  }

  /** The step with its templates filled in from the run so far. */
  /**
   * A step with no template in it renders to itself on every run, yet rendering walked each of its
   * strings (its assertions' too) on every run (issue #14 point 2): a definition is looked at once,
   * then handed back as it is. A flow file's definitions are not changed once loaded.
   */
  private render<T extends StepDef>(def: T, ctx: TemplateContext): T {
    if (this.inertSteps.has(def)) return def;
    if (holdsNoTemplate(def)) {
      this.inertSteps.add(def);
      return def;
    }
    return renderTemplate(def, ctx, { secrets: this.deps.secrets, where: `step ${def.id}` }) as T;
  }

  private async admin(step: AdminStep, note: (message: string) => void): Promise<StepResult> {
    if (!this.deps.admin) {
      throw new StepFailureWithError(
        'flow.admin_unavailable',
        `Step ${step.id} is a sandbox action (${step.action}), and this run is not against the sandbox.`,
        'Run with the sandbox (oidc-flow run --sandbox), or give the step onlyIn: [sandbox].',
      );
    }
    const idpConfig = this.file.idps?.[step.idp];
    const clientId =
      step.clientId ??
      (idpConfig?.clientId
        ? renderTemplateString(idpConfig.clientId, { env: this.envValues, steps: {} }, { secrets: this.deps.secrets })
        : undefined);
    if (step.action === 'rotateKeys') {
      const rotated = await this.deps.admin.rotateKeys({ dropOld: step.keepOldKey === false });
      note(`Signing keys rotated: ${JSON.stringify(rotated)}.`);
    } else {
      if (!clientId)
        throw new StepFailureWithError(
          'flow.admin_client',
          `Step ${step.id} needs a client id: set clientId on the step or on IdP ${step.idp}.`,
        );
      await this.deps.admin[step.action](clientId);
      note(
        step.action === 'deactivateClient'
          ? `Client ${clientId} deactivated at the IdP: its tokens are now inactive.`
          : `Client ${clientId} reactivated.`,
      );
    }
    return { status: 'passed' };
  }

  private idp(name: string, http: HttpClient): Promise<ConnectedIdp> {
    const cached = this.idps.get(name);
    if (cached) return cached;
    const raw = this.file.idps?.[name];
    const pending = raw
      ? oauth().connectIdp(
          { name, idp: raw, env: this.envValues },
          {
            http,
            secrets: this.deps.secrets,
            clock: this.clock,
            discoveryCache: (this.discoveries ??= new (oauth().DiscoveryCache)({ clock: this.clock })),
            readTextFile: this.deps.readTextFile,
          },
        )
      : Promise.reject(new StepFailureWithError('flowfile.reference', `There is no IdP '${name}' in this file.`));
    this.idps.set(name, pending);
    const emit = this.emit;
    pending.then(
      (connected) => {
        // Only while this connection is still the one kept (an environment change drops it).
        if (this.idps.get(name) === pending) this.connected.set(name, connected);
        emit({
          type: 'idp-connected',
          name,
          discovered: oauth().issuerOf(connected.config) !== undefined && connected.config.discovery !== false,
          metadata: connected.ctx.metadata,
          at: this.clock.now(),
        });
      },
      (error: unknown) => {
        // A failed connection is tried again by the next step that needs the IdP.
        this.idps.delete(name);
        if (!raw) return;
        const e = asOidcError(error);
        emit({ type: 'idp-failed', name, code: e.code, message: e.message, at: this.clock.now() });
      },
    );
    return pending;
  }

  private async verify(step: VerifyStep, http: HttpClient, run: StepRun): Promise<StepResult> {
    const idpName = step.idp ?? this.scope.tokenOrigin.get(step.token);
    const idp = idpName ? await this.idp(idpName, http) : undefined;
    const { JwksCache, verifyJwt } = jwt();
    const keys = step.jwks ? new JwksCache({ http, jwksUri: step.jwks, clock: this.clock }) : idp?.jwks;
    if (!keys)
      throw new StepFailureWithError(
        'flow.verify_keys',
        `Step ${step.id} cannot verify: name an idp with a jwks_uri, or give jwks.`,
      );
    const verification = await verifyJwt(step.token, {
      keys,
      issuer: step.issuer ?? idp?.ctx.metadata.issuer,
      audience: step.audience,
      allowedAlgorithms: step.algorithms,
      leewaySeconds: step.clockToleranceSeconds,
      clock: this.clock,
      profile: 'access_token',
    });
    run.jwtChecks = verification.checks;
    if (!verification.valid) {
      run.status = 'failed';
      run.notes.push(...verification.checks.filter((c) => !c.ok).map((c) => c.message));
    }
    return {
      status: verification.valid ? 'passed' : 'failed',
      claims: verification.payload,
      header: verification.header,
    };
  }
}

/**
 * A step's HTTP client: records every exchange on the step, teaches the run its secrets and tells
 * the listener. A class rather than closures made per step, which showed in
 * bench/runner-overhead.ts's profile.
 */
class StepRecorder implements HttpClient {
  private boundNote: ((message: string) => void) | undefined;

  constructor(
    private readonly http: HttpClient,
    private readonly secrets: SecretRegistry,
    private readonly run: StepRun,
    private readonly emit: (event: RunEvent) => void,
  ) {}

  /**
   * Adds a note to the step and tells the listener: bound once, on first use, since steps pass it
   * around as a function and a call step usually has none to add (a bind per step otherwise).
   */
  get note(): (message: string) => void {
    return (this.boundNote ??= this.addNote.bind(this));
  }

  /**
   * The client's answer, recorded first. A promise handed on with `then`, not an async function:
   * each call's async frame, its promise and the await's closures were ~0.4 KB a request, the
   * largest allocation of the runner's own after the run and step frames (sampling heap profile,
   * issue #14 point 2). The same number of turns: the handler runs one turn after the answer, as
   * the await resumed, and its promise settles there. A client that throws before it answers is
   * recorded and rejected as the async function rejected.
   */
  send(request: HttpRequest): Promise<HttpResponse> {
    let sent: Promise<HttpResponse>;
    try {
      sent = this.http.send(request);
    } catch (error) {
      this.recordFailure(error);
      return Promise.reject(error);
    }
    return sent.then((this.onAnswer ??= this.recordAnswer.bind(this)), (this.onFailure ??= this.rethrow.bind(this)));
  }

  private onAnswer: ((response: HttpResponse) => HttpResponse) | undefined;
  private onFailure: ((error: unknown) => never) | undefined;

  private recordAnswer(response: HttpResponse): HttpResponse {
    this.record(response.exchange);
    return response;
  }

  private rethrow(error: unknown): never {
    this.recordFailure(error);
    throw error;
  }

  /** A failed request's exchange, when the error carries one. */
  private recordFailure(error: unknown): void {
    const exchange = (error as { exchange?: HttpExchange }).exchange;
    if (exchange) this.record(exchange);
  }

  private record(exchange: HttpExchange): void {
    this.secrets.addExchange(exchange);
    this.run.exchanges.push(exchange);
    if (this.emit !== NO_LISTENER) this.emit({ type: 'exchange', path: this.run.path, exchange });
  }

  private addNote(message: string): void {
    this.run.notes.push(message);
    this.emit({ type: 'note', path: this.run.path, message });
  }
}

/** A step that threw: its error, as its result shows it. */
function stepFailed(run: StepRun, error: unknown): void {
  const e = asOidcError(error);
  run.status = 'error';
  run.error = { code: e.code, message: e.message, hint: e.hint };
}

/** Step errors that mean no person could act in this run, not that anything is wrong. */
const NEEDS_A_PERSON = new Set<ErrorCode>(['flow.needs_browser', 'flow.needs_person']);
/** A call's token that is exactly a token step's access token. */
const TOKEN_READ = /^\{\{\s*steps\.([A-Za-z0-9_-]+)\.token\.access_token\s*\}\}$/;

/**
 * The unavailable step a step reads, if any: through a `{{steps.<id>…}}`
 * template anywhere in it, or, for a call without its own token, through
 * the latest token step before it.
 */
function neededUnavailable(
  def: StepDef,
  unavailable: ReadonlyMap<string, string> | undefined,
  latestToken: string | undefined,
): string | undefined {
  if (unavailable === undefined || unavailable.size === 0) return undefined;
  const text = JSON.stringify(def);
  for (const id of unavailable.keys()) {
    const escaped = id.replace(/[-]/g, '\\-');
    if (new RegExp(`\\bsteps\\s*(?:\\.\\s*${escaped}(?![A-Za-z0-9_-])|\\[\\s*\\\\?['"]${escaped}\\\\?['"])`).test(text))
      return id;
  }
  const calls = def.type === 'repeat' ? innerSteps(def) : [def];
  if (latestToken && unavailable.has(latestToken) && calls.some((s) => s.type === 'call' && s.token === undefined))
    return latestToken;
  return undefined;
}

/** A step-level failure with a stable code, shown as the step's error. */
class StepFailureWithError extends OidcError {
  constructor(code: RunErrorCode, message: string, hint?: string) {
    super(code, message, { hint });
  }
}
