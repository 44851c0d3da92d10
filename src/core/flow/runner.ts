import { readFile } from 'node:fs/promises';
import type { Clock } from '../clock';
import { systemClock } from '../clock';
import { diagnose } from '../diagnosis/diagnose';
import type { KongOidcConfig } from '../gateway/kong-oidc-config';
import { lintKongOidc } from '../gateway/lint';
import type { LintContext, LintFinding } from '../gateway/lint';
import type { DiagnosisInput, Verdict } from '../diagnosis/diagnose';
import { asOidcError, OidcError } from '../errors';
import type { HttpClient, HttpExchange, HttpOptions, HttpRequest, HttpResponse } from '../http/types';
import { readCaText } from '../http/ca-file';
import { headerValue } from '../http/headers';
import { classifyToken, decodeJwt, JwksCache, verifyJwt } from '../jwt';
import type { JwtVerification } from '../jwt';
import {
  authorizationCode,
  clientCredentials,
  deviceAuthorization,
  discover,
  DiscoveryCache,
  introspect,
  oktaIssuer,
  passwordGrant,
  refreshToken,
  revoke,
  tokenExchange,
  TokenStore,
} from '../oauth';
import type { AuthorizationServerMetadata, ClientConfig, DeviceUserCode, OAuthContext, TokenSet } from '../oauth';
import { evaluateAssertions } from './assertions';
import type { AssertionResult } from './assertions';
import type { AdminStep, Assertion, CallStep, FlowFile, IdpConfig, RequestStep, StepDef, TokenStep, VerifyStep } from './file-format';
import { ENDPOINT_METADATA_FIELDS, innerSteps } from './file-format';
import { getFlow, selectEnvironment } from './select';
import type { SecretSources } from './secret-ref';
import type { StepResult, StepTokenResult, TemplateContext } from './step-result';
import { renderTemplate, renderTemplateString } from './template';

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
  error?: { code: string; message: string; hint?: string };
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
  | { type: 'run-start'; flow: string; env?: string; steps: Array<{ id: string; type: string; name?: string }>; at: number }
  | { type: 'step-start'; id: string; path: string; stepType: string; at: number }
  | { type: 'exchange'; path: string; exchange: HttpExchange }
  | { type: 'step-end'; step: StepRun }
  | { type: 'note'; path: string; message: string }
  /** A step-by-step run waits before step `id` (beforeStep). */
  | { type: 'paused'; id: string; at: number }
  | { type: 'run-end'; result: RunResult };

interface IdpRuntime {
  name: string;
  ctx: OAuthContext;
  config: IdpConfig;
  jwks?: JwksCache;
  httpOptions: Partial<HttpOptions>;
}

const defaultSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });

function headersOf(response: HttpResponse): Record<string, string> {
  return response.headers;
}

function parseBody(response: HttpResponse): unknown {
  const type = response.headers['content-type'] ?? '';
  if (/json/i.test(type) || /^\s*[[{]/.test(response.text)) {
    try {
      return JSON.parse(response.text) as unknown;
    } catch {
      return response.text;
    }
  }
  return response.text;
}

function tokenResult(set: TokenSet): StepTokenResult {
  const out: StepTokenResult = { access_token: set.accessToken, token_type: set.tokenType };
  if (set.idToken) out.id_token = set.idToken;
  if (set.refreshToken) out.refresh_token = set.refreshToken;
  if (set.expiresAt !== undefined) out.expires_at = Math.floor(set.expiresAt / 1000);
  if (set.scope) out.scope = set.scope.join(' ');
  if (classifyToken(set.accessToken) === 'jwt') {
    try {
      out.claims = decodeJwt(set.accessToken).payload;
    } catch {
      // An access token that only looks like a JWT is treated as opaque.
    }
  }
  return out;
}

/** Runs one flow of a loaded flow file, step by step, emitting events as it goes. */
export class FlowRunner {
  private readonly clock: Clock;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly tokenStore: TokenStore;
  private readonly discoveryCache: DiscoveryCache;
  private readonly idps = new Map<string, Promise<IdpRuntime>>();
  /** Which IdP issued each token seen in this run, for diagnosis. */
  private readonly tokenOrigin = new Map<string, string>();
  /** The last introspection answer per token in this run. */
  private readonly lastIntrospection = new Map<string, { active: boolean; claims: Record<string, unknown> }>();
  /** The latest token step of the run, so calls can renew its token when it expires. */
  private lastTokenStep?: TokenStep;
  /** The rendered environment of the current run; IdP and route templates read it. */
  private envValues: Record<string, unknown> = {};

  constructor(
    private readonly file: FlowFile,
    private readonly deps: RunnerDeps,
  ) {
    this.clock = deps.clock ?? systemClock;
    this.sleep = deps.sleep ?? defaultSleep;
    this.tokenStore = deps.tokenStore ?? new TokenStore({ clock: this.clock });
    this.discoveryCache = deps.discoveryCache ?? new DiscoveryCache({ clock: this.clock });
  }

  async run(options: RunOptions): Promise<RunResult> {
    const emit = options.onEvent ?? (() => undefined);
    const flow = getFlow(this.file, options.flow);
    const env = selectEnvironment(this.file, options.env, options.flow);
    const startedAt = this.clock.now();
    // What the runner learns about tokens is per run, so a long-lived runner's memory stays flat.
    this.tokenOrigin.clear();
    this.lastIntrospection.clear();
    this.lastTokenStep = undefined;
    const ctx: TemplateContext = { env: {}, steps: {}, vars: flow.vars ?? {} };
    const steps: StepRun[] = [];
    emit({ type: 'run-start', flow: options.flow, env: env?.name, steps: flow.steps.map((s) => ({ id: s.id, type: s.type, name: s.name })), at: startedAt });
    let halted = false;
    try {
      ctx.env = env ? (renderTemplate(env.values, { env: {}, steps: {} }, { secrets: this.deps.secrets, where: `environment ${env.name}` }) as Record<string, unknown>) : {};
      if (JSON.stringify(ctx.env) !== JSON.stringify(this.envValues)) this.idps.clear();
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
    for (const [index, def] of flow.steps.entries()) {
      if (!halted && !this.deps.signal?.aborted && this.deps.beforeStep && !(def.onlyIn && env && !def.onlyIn.includes(env.name))) {
        emit({ type: 'paused', id: def.id, at: this.clock.now() });
        await this.deps.beforeStep({ id: def.id, type: def.type, ...(def.name ? { name: def.name } : {}), index, total: flow.steps.length });
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
      if ((run.status === 'failed' || run.status === 'error') && !def.continueOnFailure) halted = true;
    }
    const failed = steps.some((s) => s.status === 'failed' && !flow.steps.find((d) => d.id === s.id)?.continueOnFailure);
    // A stopped run did not pass, whatever its finished steps said.
    const errored = this.deps.signal?.aborted === true || steps.some((s) => s.status === 'error' && !flow.steps.find((d) => d.id === s.id)?.continueOnFailure);
    const result: RunResult = {
      flow: options.flow,
      env: env?.name,
      status: errored ? 'error' : failed ? 'failed' : 'passed',
      startedAt,
      durationMs: this.clock.now() - startedAt,
      steps,
    };
    emit({ type: 'run-end', result });
    return result;
  }

  private skipped(def: Pick<StepDef, 'id' | 'type' | 'name'>, path: string, at: number): StepRun {
    return { id: def.id, path, type: def.type, name: def.name, status: 'skipped', startedAt: at, durationMs: 0, assertions: [], exchanges: [], notes: [], result: { status: 'skipped' } };
  }

  /** Runs one step (a repeat runs its inner steps) and records its result in the template context. */
  private async runStep(def: StepDef, path: string, ctx: TemplateContext, emit: (event: RunEvent) => void): Promise<StepRun> {
    const startedAt = this.clock.now();
    emit({ type: 'step-start', id: def.id, path, stepType: def.type, at: startedAt });
    const run: StepRun = { id: def.id, path, type: def.type, name: def.name, status: 'passed', startedAt, durationMs: 0, assertions: [], exchanges: [], notes: [], result: { status: 'passed' } };
    const recorder: HttpClient = {
      send: async (request: HttpRequest) => {
        try {
          const response = await this.deps.http.send(request);
          run.exchanges.push(response.exchange);
          emit({ type: 'exchange', path, exchange: response.exchange });
          return response;
        } catch (error) {
          const exchange = (error as { exchange?: HttpExchange }).exchange;
          if (exchange) {
            run.exchanges.push(exchange);
            emit({ type: 'exchange', path, exchange });
          }
          throw error;
        }
      },
    };
    const note = (message: string) => {
      run.notes.push(message);
      emit({ type: 'note', path, message });
    };
    try {
      if (def.type === 'repeat') {
        await this.runRepeat(def, path, ctx, emit, run);
      } else {
        run.result = await this.execute(def, ctx, recorder, run, note);
        run.assertions = evaluateAssertions(def.assert ?? [], run.result, { now: this.clock.now() });
        if (run.assertions.some((a) => !a.passed)) run.status = 'failed';
      }
    } catch (error) {
      const e = asOidcError(error);
      run.status = 'error';
      run.error = { code: e.code, message: e.message, hint: e.hint };
    }
    // Stopped while this step ran: a wait or a repeat ends early and would
    // otherwise read as passed, though it did not do what it says.
    if (this.deps.signal?.aborted && run.status === 'passed') {
      run.status = 'error';
      run.error = { code: 'flow.stopped', message: 'The run was stopped during this step.', hint: 'Run the flow again to see this step finish.' };
    }
    run.result.status = run.status;
    run.result.durationMs = run.durationMs = this.clock.now() - startedAt;
    ctx.steps[def.id] = run.result;
    emit({ type: 'step-end', step: run });
    return run;
  }

  private async runRepeat(def: Extract<StepDef, { type: 'repeat' }>, path: string, ctx: TemplateContext, emit: (event: RunEvent) => void, run: StepRun): Promise<void> {
    const inner = innerSteps(def);
    const until: Assertion[] = def.until === undefined ? [] : Array.isArray(def.until) ? def.until : [def.until];
    let last: StepRun | undefined;
    let attempts = 0;
    for (let i = 1; i <= def.times; i += 1) {
      if (this.deps.signal?.aborted) break;
      attempts = i;
      for (const step of inner) {
        last = await this.runStep(step, `${path}/${step.id}#${i}`, ctx, emit);
        (run.children ??= []).push(last);
        run.exchanges.push(...last.exchanges);
        if (last.status === 'error') break;
      }
      if (last && until.length > 0 && evaluateAssertions(until, last.result, { now: this.clock.now() }).every((a) => a.passed)) break;
      if (until.length === 0 && last?.status === 'passed' && i === def.times) break;
      if (i < def.times && def.every) await this.sleep(def.every * 1000, this.deps.signal);
    }
    run.attempts = attempts;
    run.result = last ? { ...last.result } : { status: 'skipped' };
    run.verdict = last?.verdict;
    run.notes.push(`Ran ${attempts} time(s)${def.every ? `, every ${def.every} s` : ''}.`);
    run.assertions = evaluateAssertions(def.assert ?? (until.length ? until : []), run.result, { now: this.clock.now() });
    if (last?.status === 'error') {
      run.status = 'error';
      run.error = last.error;
    } else if (run.assertions.some((a) => !a.passed)) run.status = 'failed';
  }

  private async execute(def: StepDef, ctx: TemplateContext, http: HttpClient, run: StepRun, note: (message: string) => void): Promise<StepResult> {
    const where = `step ${def.id}`;
    const render = <T>(value: T): T => renderTemplate(value, ctx, { secrets: this.deps.secrets, where }) as T;
    switch (def.type) {
      case 'token':
        this.lastTokenStep = def;
        return this.token(render(def), http, note);
      case 'introspect': {
        const step = render(def);
        const idp = await this.idp(step.idp, http);
        const result = await introspect({ ...idp.ctx, http: this.withOptions(http, idp.httpOptions) }, step.token, { tokenTypeHint: step.hint, accept: step.accept, verifyKey: idp.jwks?.keyResolver() });
        this.lastIntrospection.set(step.token, { active: result.active, claims: result.claims });
        return { status: 'passed', introspection: { ...result.claims, active: result.active }, response: { status: result.response.status, headers: headersOf(result.response), body: parseBody(result.response) } };
      }
      case 'revoke': {
        const step = render(def);
        const idp = await this.idp(step.idp, http);
        const { response } = await revoke({ ...idp.ctx, http: this.withOptions(http, idp.httpOptions) }, step.token, { tokenTypeHint: step.hint });
        return { status: 'passed', response: { status: response.status, headers: headersOf(response), body: parseBody(response) } };
      }
      case 'decode': {
        const step = render(def);
        const decoded = decodeJwt(step.token);
        note('Decoded without verifying the signature (UNVERIFIED).');
        return { status: 'passed', claims: decoded.payload, header: decoded.header };
      }
      case 'verify':
        return this.verify(render(def), http, run);
      case 'call':
        if (def.token === undefined) await this.renewExpiredToken(ctx, http, note);
        return this.call(render(def), ctx, http, run);
      case 'request':
        return this.request(render(def), http, run);
      case 'wait': {
        const step = render(def);
        if (step.confirm) {
          if (!this.deps.confirm) throw new StepFailureWithError('flow.needs_person', `Step ${def.id} waits for a person to confirm ("${step.message ?? 'continue'}"), but this run is not interactive.`, 'Run it from VS Code or a terminal, or choose an environment where the step does not run (onlyIn).');
          const ok = await this.deps.confirm(step.message ?? `Continue after step ${def.id}?`);
          if (!ok) throw new StepFailureWithError('flow.cancelled', 'The run was cancelled at a confirmation step.');
        } else if (step.seconds) {
          if (step.message) note(step.message);
          await this.sleep(step.seconds * 1000, this.deps.signal);
        }
        return { status: 'passed' };
      }
      case 'admin':
        return this.admin(render(def), note);
      case 'repeat':
        return { status: 'passed' };
    }
  }

  private async admin(step: AdminStep, note: (message: string) => void): Promise<StepResult> {
    if (!this.deps.admin) {
      throw new StepFailureWithError('flow.admin_unavailable', `Step ${step.id} is a sandbox action (${step.action}), and this run is not against the sandbox.`, 'Run with the sandbox (oidc-flow run --sandbox), or give the step onlyIn: [sandbox].');
    }
    const idpConfig = this.file.idps?.[step.idp];
    const clientId = step.clientId ?? (idpConfig?.clientId ? renderTemplateString(idpConfig.clientId, { env: this.envValues, steps: {} }, { secrets: this.deps.secrets }) : undefined);
    if (step.action === 'rotateKeys') {
      const rotated = await this.deps.admin.rotateKeys({ dropOld: step.keepOldKey === false });
      note(`Signing keys rotated: ${JSON.stringify(rotated)}.`);
    } else {
      if (!clientId) throw new StepFailureWithError('flow.admin_client', `Step ${step.id} needs a client id: set clientId on the step or on IdP ${step.idp}.`);
      await this.deps.admin[step.action](clientId);
      note(step.action === 'deactivateClient' ? `Client ${clientId} deactivated at the IdP: its tokens are now inactive.` : `Client ${clientId} reactivated.`);
    }
    return { status: 'passed' };
  }

  /** Adds per-IdP TLS options (CA file, insecure) to every request. */
  private withOptions(http: HttpClient, options: Partial<HttpOptions>): HttpClient {
    if (Object.keys(options).length === 0) return http;
    return { send: (request) => http.send({ ...request, options: { ...options, ...request.options } }) };
  }

  private idp(name: string, http: HttpClient): Promise<IdpRuntime> {
    let pending = this.idps.get(name);
    if (!pending) {
      pending = this.buildIdp(name, http);
      this.idps.set(name, pending);
      pending.catch(() => this.idps.delete(name));
    }
    return pending;
  }

  private async buildIdp(name: string, http: HttpClient): Promise<IdpRuntime> {
    const raw = this.file.idps?.[name];
    if (!raw) throw new StepFailureWithError('flowfile.reference', `There is no IdP '${name}' in this file.`);
    const envCtx: TemplateContext = { env: this.envValues, steps: {} };
    const config = renderTemplate(raw, envCtx, { secrets: this.deps.secrets, where: `idps.${name}` }) as IdpConfig;
    const httpOptions: Partial<HttpOptions> = {};
    if (config.caFile) httpOptions.ca = await readCaText(config.caFile, `idps.${name}.caFile`, this.deps.readTextFile ?? ((p: string) => readFile(p, 'utf8')));
    if (config.insecureSkipTlsVerify) httpOptions.insecureSkipTlsVerify = true;
    const tlsHttp = this.withOptions(http, httpOptions);
    let metadata: AuthorizationServerMetadata;
    // An Okta preset names the org server 'org'; any other id (default: 'default') is a custom server.
    const serverId = config.okta?.authorizationServerId ?? 'default';
    const issuer = config.issuer ?? (config.okta ? oktaIssuer({ domain: config.okta.domain, authorizationServerId: serverId === 'org' ? undefined : serverId }) : undefined);
    if (issuer && config.discovery !== false) {
      metadata = (await discover(tlsHttp, issuer, { cache: this.discoveryCache })).metadata;
    } else {
      metadata = { issuer: issuer ?? '' };
    }
    // Endpoints written in the file override what discovery found.
    for (const [name, field] of ENDPOINT_METADATA_FIELDS) {
      const url = config.endpoints?.[name];
      if (url) metadata = { ...metadata, [field]: url };
    }
    const client: ClientConfig = {
      clientId: config.clientId ?? '',
      authMethod: config.clientAuth ?? (config.clientSecret ? 'client_secret_basic' : 'none'),
      clientSecret: config.clientSecret,
      privateKey: config.privateKey,
      keyId: config.keyId,
      signingAlg: config.signingAlg,
      certificate: config.certificate,
      // For mutual TLS the file's privateKey is the key of the client certificate.
      ...(config.clientAuth === 'tls_client_auth' || config.clientAuth === 'self_signed_tls_client_auth' ? { certificateKey: config.privateKey } : {}),
    };
    const jwks = metadata.jwks_uri ? new JwksCache({ http: tlsHttp, jwksUri: metadata.jwks_uri, clock: this.clock }) : undefined;
    return { name, config, ctx: { http: tlsHttp, metadata, client, clock: this.clock }, jwks, httpOptions };
  }

  private async token(step: TokenStep, http: HttpClient, note: (message: string) => void): Promise<StepResult> {
    const idp = await this.idp(step.idp, http);
    const ctx: OAuthContext = { ...idp.ctx, http: this.withOptions(http, idp.httpOptions) };
    const scope = step.scopes ?? idp.config.scopes;
    const audience = step.audience ?? idp.config.audience;
    // The grants send one resource indicator; a list uses its first entry.
    const resourceValue = step.resource ?? idp.config.resource;
    const resource = Array.isArray(resourceValue) ? resourceValue[0] : resourceValue;
    const extra = { ...(idp.config.extra ?? {}), ...(step.extra ?? {}) } as Record<string, string>;
    const grant = step.grant ?? 'client_credentials';
    const fetch = async (): Promise<TokenSet> => {
      switch (grant) {
        case 'client_credentials':
          return clientCredentials(ctx, { scope, audience, resource, extra });
        case 'password':
          return passwordGrant(ctx, { username: step.username ?? '', password: step.password ?? '', scope, extra });
        case 'refresh_token':
          return refreshToken(ctx, step.refreshToken ?? '', { scope, extra });
        case 'token_exchange':
          return tokenExchange(ctx, { subjectToken: step.subjectToken ?? '', subjectTokenType: step.subjectTokenType ?? 'access_token', actorToken: step.actorToken, actorTokenType: step.actorTokenType, requestedTokenType: step.requestedTokenType, audience, resource, scope, extra });
        case 'device_code':
          return deviceAuthorization(ctx, { scope, extra, onUserCode: (info) => {
            note(`Open ${info.verificationUriComplete ?? info.verificationUri} and enter the code ${info.userCode}.`);
            this.deps.onDeviceCode?.(info);
          }, signal: this.deps.signal });
        case 'authorization_code': {
          const open = this.deps.openBrowser;
          if (!open) throw new StepFailureWithError('flow.needs_browser', `Step ${step.id} signs a person in with the authorization-code grant, which needs a browser, and this run has none.`, 'Run it from VS Code or an interactive terminal.');
          return authorizationCode(ctx, { scope: scope ?? ['openid'], openBrowser: open, extra });
        }
      }
    };
    let set: TokenSet;
    if (step.reuse === false || grant === 'authorization_code' || grant === 'device_code') {
      set = await fetch();
    } else {
      const key = JSON.stringify([step.idp, grant, scope, audience, resource, extra]);
      const got = await this.tokenStore.get(key, { fetch, refresh: grant === 'client_credentials' ? undefined : (rt) => refreshToken(ctx, rt, { scope }) });
      if (got.source === 'cache') note('Reused a cached token that is still valid.');
      if (got.source === 'refetched-after-expiry') note('The cached token had expired, so a new one was fetched.');
      if (got.source === 'refreshed') note('The cached token had expired and was refreshed.');
      set = got.token;
    }
    this.tokenOrigin.set(set.accessToken, step.idp);
    const token = tokenResult(set);
    return { status: 'passed', token, claims: token.claims };
  }

  private async verify(step: VerifyStep, http: HttpClient, run: StepRun): Promise<StepResult> {
    const idpName = step.idp ?? this.tokenOrigin.get(step.token);
    const idp = idpName ? await this.idp(idpName, http) : undefined;
    const keys = step.jwks ? new JwksCache({ http, jwksUri: step.jwks, clock: this.clock }) : idp?.jwks;
    if (!keys) throw new StepFailureWithError('flow.verify_keys', `Step ${step.id} cannot verify: name an idp with a jwks_uri, or give jwks.`);
    const verification = await verifyJwt(step.token, { keys, issuer: step.issuer ?? idp?.ctx.metadata.issuer, audience: step.audience, allowedAlgorithms: step.algorithms, leewaySeconds: step.clockToleranceSeconds, clock: this.clock, profile: 'access_token' });
    run.jwtChecks = verification.checks;
    if (!verification.valid) {
      run.status = 'failed';
      run.notes.push(...verification.checks.filter((c) => !c.ok).map((c) => c.message));
    }
    return { status: verification.valid ? 'passed' : 'failed', claims: verification.payload, header: verification.header };
  }

  /**
   * A call that uses the flow's latest token renews it first when it has
   * expired (or will within 30 s), as long as the token step allows it and
   * needs no person (client credentials, password, refresh, exchange).
   */
  private async renewExpiredToken(ctx: TemplateContext, http: HttpClient, note: (message: string) => void): Promise<void> {
    const def = this.lastTokenStep;
    if (!def || def.refetchOnExpiry === false || def.grant === 'authorization_code' || def.grant === 'device_code') return;
    const current = ctx.steps[def.id]?.token;
    if (!current?.expires_at || current.expires_at * 1000 - 30_000 > this.clock.now()) return;
    const renewed = await this.token(renderTemplate({ ...def, reuse: true }, ctx, { secrets: this.deps.secrets, where: `step ${def.id}` }) as TokenStep, http, note);
    ctx.steps[def.id] = { ...ctx.steps[def.id], ...renewed, status: ctx.steps[def.id]?.status ?? 'passed' };
    note(`The token from step ${def.id} expired at ${new Date(current.expires_at * 1000).toISOString()}; a new one was fetched before this call.`);
  }

  private lastToken(ctx: TemplateContext): string | undefined {
    const results = Object.values(ctx.steps);
    for (let i = results.length - 1; i >= 0; i -= 1) {
      const token = results[i]?.token?.access_token;
      if (token) return token;
    }
    return undefined;
  }

  private async call(step: CallStep, ctx: TemplateContext, http: HttpClient, run: StepRun): Promise<StepResult> {
    const raw = this.file.routes?.[step.route];
    if (!raw) throw new StepFailureWithError('flowfile.reference', `There is no route '${step.route}' in this file.`);
    const route = renderTemplate(raw, { env: ctx.env, steps: {} }, { secrets: this.deps.secrets, where: `routes.${step.route}` }) as typeof raw;
    const token = step.token === false ? undefined : (step.token ?? this.lastToken(ctx));
    const url = new URL(`${route.baseUrl.replace(/\/$/, '')}${step.path ?? route.path ?? ''}`);
    for (const [key, value] of Object.entries({ ...(route.query ?? {}), ...(step.query ?? {}) })) url.searchParams.set(key, String(value));
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries({ ...(route.headers ?? {}), ...(step.headers ?? {}) })) headers[key] = String(value);
    const placement = route.token ?? {};
    const where = placement.in ?? 'header';
    let form = step.form as Record<string, string> | undefined;
    if (token) {
      if (where === 'header') headers[placement.name ?? 'Authorization'] = placement.scheme === '' ? token : `${placement.scheme ?? 'Bearer'} ${token}`;
      else if (where === 'query') url.searchParams.set(placement.name ?? 'access_token', token);
      else if (where === 'cookie') headers.Cookie = `${placement.name ?? 'access_token'}=${token}`;
      else form = { ...(form ?? {}), [placement.name ?? 'access_token']: token };
    }
    const request: HttpRequest = { method: step.method ?? route.method ?? 'GET', url: url.toString(), headers, label: `route ${step.route}`, lane: 'gateway', secrets: token ? [token] : [] };
    if (step.json !== undefined) request.json = step.json;
    else if (form) request.form = form;
    else if (step.body !== undefined) request.body = step.body;
    const response = await http.send(request);
    const result: StepResult = { status: 'passed', request: { method: request.method, url: request.url, headers }, response: { status: response.status, headers: headersOf(response), body: parseBody(response) } };
    run.verdict = await this.diagnoseCall(response, token, where, placement.scheme ?? 'Bearer', route.gateway, http, run);
    run.gatewayFindings = await this.routeFindings(route.gateway, token);
    return result;
  }

  /**
   * The route's Kong config linted against this token and, when the token's
   * IdP was already discovered, its metadata. No I/O of its own. The config
   * is a flow file's description, so what it leaves out is unknown (partial).
   */
  private async routeFindings(gateway: { kind: string; config?: Record<string, unknown> } | undefined, token: string | undefined): Promise<LintFinding[] | undefined> {
    if (gateway?.kind !== 'kong' || !gateway.config) return undefined;
    const context: LintContext = { partial: true };
    if (token) {
      const idpName = this.tokenOrigin.get(token);
      const idp = idpName ? await this.idps.get(idpName)?.catch(() => undefined) : undefined;
      if (idp?.ctx.metadata.issuer) context.metadata = idp.ctx.metadata;
      const kind = classifyToken(token);
      const introspected = this.lastIntrospection.get(token);
      if (kind === 'jwt') {
        try {
          context.token = { kind, claims: decodeJwt(token).payload };
        } catch {
          // An undecodable token has no claims to check requirements against.
        }
      } else if (introspected?.active) {
        context.token = { kind, claims: introspected.claims ?? {} };
      }
    }
    return lintKongOidc(gateway.config as KongOidcConfig, context);
  }

  /** Explains a gateway's answer; for a 401/403 it asks the token's IdP about the token (a visible extra call). */
  private async diagnoseCall(response: HttpResponse, token: string | undefined, location: 'header' | 'query' | 'cookie' | 'body', scheme: string, gateway: { kind: string; config?: Record<string, unknown> } | undefined, http: HttpClient, run: StepRun): Promise<Verdict | undefined> {
    const rejected = response.status === 401 || response.status === 403;
    const known = token ? this.lastIntrospection.get(token) : undefined;
    if (!rejected && !(known && !known.active)) return undefined;
    const input: DiagnosisInput = {
      now: this.clock.now(),
      gateway: { status: response.status, headers: response.headers, body: response.text.slice(0, 2000) },
      request: { tokenLocation: token ? location : 'none', authorizationScheme: token && location === 'header' ? scheme : undefined },
      gatewayKind: gateway?.kind === 'kong' || gateway?.kind === 'apache' ? gateway.kind : 'other',
      kongConfig: gateway?.kind === 'kong' ? (gateway.config as DiagnosisInput['kongConfig']) : undefined,
    };
    if (token) {
      const kind = classifyToken(token);
      input.token = { kind };
      if (kind === 'jwt') {
        try {
          const decoded = decodeJwt(token);
          input.token.header = decoded.header;
          input.token.payload = decoded.payload;
        } catch {
          input.token = { kind: 'opaque' };
        }
      }
      const idpName = this.tokenOrigin.get(token);
      if (idpName && rejected) {
        const idp = await this.idp(idpName, http).catch(() => undefined);
        if (idp) {
          const diagHttp = this.withOptions(http, idp.httpOptions);
          if (kind === 'jwt' && idp.jwks) {
            const verification = await verifyJwt(token, { keys: idp.jwks, issuer: idp.ctx.metadata.issuer, clock: this.clock }).catch(() => undefined);
            if (verification) {
              input.token.verification = verification;
              run.jwtChecks = verification.checks;
            }
          }
          if (idp.ctx.metadata.introspection_endpoint) {
            try {
              const answer = await introspect({ ...idp.ctx, http: { send: (r) => diagHttp.send({ ...r, label: `diagnosis: ${r.label ?? 'introspection'}` }) } }, token, {});
              input.introspection = { active: answer.active, claims: answer.claims };
              this.lastIntrospection.set(token, { active: answer.active, claims: answer.claims });
            } catch (error) {
              const e = asOidcError(error);
              input.introspection = { error: { code: e.code, message: e.message } };
            }
          }
        }
      } else if (known) {
        input.introspection = known;
      }
    }
    return diagnose(input);
  }

  private async request(step: RequestStep, http: HttpClient, run: StepRun): Promise<StepResult> {
    const url = new URL(step.url);
    for (const [key, value] of Object.entries(step.query ?? {})) url.searchParams.set(key, String(value));
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(step.headers ?? {})) headers[key] = String(value);
    const auth = headerValue(headers, 'authorization');
    const request: HttpRequest = { method: step.method ?? 'GET', url: url.toString(), headers, label: `request ${step.id}`, lane: 'other', secrets: auth ? [auth.replace(/^\S+\s+/, '')] : [] };
    if (step.json !== undefined) request.json = step.json;
    else if (step.form) request.form = step.form as Record<string, string>;
    else if (step.body !== undefined) request.body = step.body;
    const response = await http.send(request);
    void run;
    return { status: 'passed', request: { method: request.method, url: request.url, headers }, response: { status: response.status, headers: headersOf(response), body: parseBody(response) } };
  }
}

/** A step-level failure with a stable code, shown as the step's error. */
class StepFailureWithError extends OidcError {
  constructor(code: string, message: string, hint?: string) {
    super(code, message, { hint });
  }
}
