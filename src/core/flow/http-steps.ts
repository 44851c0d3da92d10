/** The HTTP steps: `call` (a route, with the run's token, diagnosed) and `request` (any URL, as written). */
import { OidcError } from '../errors';
import { headerKey, headerValue } from '../http/headers';
import type { HttpClient, HttpRequest, HttpResponse } from '../http/types';
import type * as CallDiagnosis from './call-diagnosis';
import { callNeedsDiagnosis, routeHasFindings } from './diagnosis-needed';
import type { Assertion, CallStep, FlowFile, RequestStep } from './file-format';
import type { RunScope } from './run-scope';
import type { StepRun } from './runner';
import type { StepResponse, StepResult, TemplateContext } from './step-result';
import { renderTemplate } from './template';
import { emptyHostVariables, emptyVariables, unusableUrl } from './url-variables';
import { placeTokenInto } from './token-placement';
import { TextMemo } from '../text-memo';

let callDiagnosisModule: typeof CallDiagnosis | undefined;

/**
 * call-diagnosis, with the diagnosis engine, the gateway profiles and Kong's lint rules, loads at the
 * first call that needs it (a 401 or 403, a token known inactive, a Kong route with its config), not
 * with the runner: a run of calls that pass never does (issue #14, CLI start). A `require` from src/
 * is where esbuild.config.mjs cuts the CLI's bundles.
 */
function callDiagnosis(): typeof CallDiagnosis {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (callDiagnosisModule ??= require('./call-diagnosis') as typeof CallDiagnosis);
}

function parseBody(contentType: string, text: string): unknown {
  if (/json/i.test(contentType) || /^\s*[[{]/.test(text)) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

/** A response's body as its result holds it: parsed when its type or first character says JSON, else the text. */
function parsedBody(headers: StepResponse['headers'], text: string): unknown {
  const type = headers['content-type'];
  return parseBody(typeof type === 'string' ? type : '', text);
}

/** A body not parsed yet (undefined is a body: an assignment may set it). */
const NOT_READ = Symbol('not read yet');

/**
 * A base whose constructor hands back the object it is given: `super(target)` in a subclass makes
 * `target` the `this` that the subclass's private fields are added to. Private fields are no
 * property: keys, JSON, structuredClone, spreads and deep equality never see them.
 */
class Stamp {
  constructor(target: object) {
    return target as Stamp;
  }
}

/** A response result's body text and, once read or assigned, its value (see responseResult). */
class LazyBody extends Stamp {
  readonly #text: string;
  #body: unknown = NOT_READ;

  private constructor(target: StepResponse, text: string) {
    super(target);
    this.#text = text;
  }

  /** `target` with its body's slots; the body property itself is LAZY_BODY. */
  static attach(target: StepResponse, text: string): StepResponse {
    return new LazyBody(target, text) as unknown as StepResponse;
  }

  static read(target: StepResponse): unknown {
    const self = target as unknown as LazyBody;
    if (self.#body === NOT_READ) {
      self.#body = parsedBody(target.headers, self.#text);
    }
    return self.#body;
  }

  static write(target: StepResponse, value: unknown): void {
    (target as unknown as LazyBody).#body = value;
  }
}

/** One accessor pair for every response result: objects that share it share their hidden class. */
const LAZY_BODY: PropertyDescriptor = {
  enumerable: true,
  configurable: true,
  get(this: StepResponse): unknown {
    return LazyBody.read(this);
  },
  set(this: StepResponse, value: unknown): void {
    LazyBody.write(this, value);
  },
};

/**
 * A response as step results and assertions see it: status, headers and the body parsed when it is JSON.
 *
 * The body is parsed when first read, then kept. A `repeat` keeps its last iterations' results
 * while it runs and nothing reads most of their bodies unless a template, an assertion, a report
 * or a view asks: parsed up front, each call's JSON body (an echo of the request's headers holds
 * the token twice) was a second copy of the text the exchange already keeps, and enough of it
 * survived each young-generation collection that V8 doubled the young generation during a
 * 1,000-iteration run (issue #14, peak RSS). `body` stays an own enumerable property, so JSON,
 * structuredClone, spreads, deep equality and masked copies read the same value as before.
 *
 * One shared accessor pair, with the text and value in private slots: an accessor pair written in
 * the object literal made two closures and left every response in dictionary mode (V8's
 * %HasFastProperties is false for it), ~1 µs a call against ~0.4 µs, with slow reads of its
 * status, headers and body downstream (issue #14 point 2).
 */
export function responseResult(response: HttpResponse, readNow = false): StepResponse {
  // A body the step's own assertions read at once is parsed now, into a plain data property, in
  // the same key order: the same value a read of the lazy one gives, and the same copy kept in the
  // result once read. The lazy body's defineProperty and private slots took ~1.4 µs a response timed
  // in place between a run's requests (a call into V8's runtime running cold; issue #14 point 2).
  if (readNow)
    return { status: response.status, headers: response.headers, body: parsedBody(response.headers, response.text) };
  const result = LazyBody.attach({ status: response.status, headers: response.headers } as StepResponse, response.text);
  return Object.defineProperty(result, 'body', LAZY_BODY);
}

/**
 * Whether a step's assertions read its response body as soon as it answers (a `json` or an
 * `active` assertion: a call has no introspection result for `active` to read first).
 */
export function assertionsReadBody(assertions: readonly Assertion[] | undefined): boolean {
  if (assertions === undefined) return false;
  // A loop over a few objects, no closure: this runs once a call (issue #14 point 2).
  for (let i = 0; i < assertions.length; i += 1) {
    const assertion = assertions[i]!;
    if (Object.hasOwn(assertion, 'json') || Object.hasOwn(assertion, 'active')) return true;
  }
  return false;
}

/** The empty host variables of each URL template, by the environment they were found in (see emptyHostOf). */
const emptyHostsByEnv = new WeakMap<object, Map<string, readonly string[]>>();
const NO_VARIABLES: readonly string[] = Object.freeze([]);

/**
 * emptyHostVariables of a step's URL template, once per template and environment: a run's
 * environment does not change, and finding a template's references on every call of a repeat
 * showed in the runner's profile (issue #14 point 2). A template without `{{` has none.
 */
function emptyHostOf(template: string | undefined, env: Record<string, unknown>): readonly string[] {
  if (template === undefined || !template.includes('{{')) return NO_VARIABLES;
  let byTemplate = emptyHostsByEnv.get(env);
  if (!byTemplate) emptyHostsByEnv.set(env, (byTemplate = new Map()));
  let empty = byTemplate.get(template);
  if (!empty) byTemplate.set(template, (empty = Object.freeze(emptyHostVariables(template, env))));
  return empty;
}

/** The URL a step sends to; one that does not parse, or whose host is an empty variable, names the variables. */
function stepUrl(
  text: string,
  written: Array<string | undefined>,
  env: Record<string, unknown>,
  stepId: string,
  via = '',
): URL {
  const emptyHost = emptyHostOf(written[0], env);
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (url && emptyHost.length === 0) return url;
  const shown = `${written.filter((w) => w !== undefined && w !== '').join('') || 'its URL'}${via}`;
  throw unusableUrl(`Step ${stepId}`, shown, url ? [...emptyHost] : emptyVariables(written, env), `step ${stepId}`);
}

/**
 * The href a step sends to: stepUrl's, with `query` set. Without a query, the href of a text that
 * parsed before is reused, by the text: a flow's calls send the same few URLs on every run, and
 * parsing and printing each with the WHATWG URL class cost ~0.5 µs a call (issue #14 point 2).
 * A text parses the same every time, so only the empty-host check, which reads the environment,
 * is made again.
 */
function stepHref(
  text: string,
  written: Array<string | undefined>,
  env: Record<string, unknown>,
  stepId: string,
  via: string,
  query: Record<string, unknown> | undefined,
): string {
  if (query === undefined) {
    const known = hrefByText.get(text);
    if (known !== undefined && emptyHostOf(written[0], env).length === 0) return known;
  }
  const url = stepUrl(text, written, env, stepId, via);
  if (query !== undefined) {
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, String(value));
    return url.href;
  }
  return hrefByText.set(text, url.href);
}
const hrefByText = new TextMemo<string>(256, 2_048);

/**
 * The access token of the latest step that got one. A walk over the results in their order that
 * keeps the last token seen: no array of them made for every call (issue #14 point 2); a run has
 * a few steps. for-in lists a plain object's own keys in Object.values' order.
 */
function lastToken(ctx: TemplateContext): string | undefined {
  const steps = ctx.steps;
  let latest: string | undefined;
  for (const id in steps) {
    const token = steps[id]?.token?.access_token;
    if (token) latest = token;
  }
  return latest;
}

function withBody(
  request: HttpRequest,
  body: { json?: unknown; form?: Record<string, string>; body?: string },
): HttpRequest {
  if (body.json !== undefined) request.json = body.json;
  else if (body.form) request.form = body.form;
  else if (body.body !== undefined) request.body = body.body;
  return request;
}

export interface CallStepOptions {
  /** The run's template context: route templates read its environment, the token defaults to its latest. */
  ctx: TemplateContext;
  routes: FlowFile['routes'];
  /** The step's recording client. */
  http: HttpClient;
  /** Receives the verdict, JWT checks and gateway findings. */
  run: StepRun;
  /** The step as written (before templates), to name what made an unusable URL. */
  written?: CallStep;
}

type Route = NonNullable<FlowFile['routes']>[string];

/** Each route as rendered for the run's environment (see renderRoute). */
const renderedRoutes = new WeakMap<Route, { env: TemplateContext['env']; secrets: unknown; route: Route }>();

/**
 * A route's templates read only the environment (no step results), which a run renders once and
 * never changes: rendered once per run and environment, not on every call (a repeat's calls
 * rendered the same route each iteration, issue #14 point 1). A new run brings a new environment object.
 */
function renderRoute(raw: Route, name: string, ctx: TemplateContext, scope: RunScope): Route {
  const known = renderedRoutes.get(raw);
  if (known && known.env === ctx.env && known.secrets === scope.deps.secrets) return known.route;
  const route = renderTemplate(
    raw,
    { env: ctx.env, steps: {} },
    { secrets: scope.deps.secrets, where: `routes.${name}` },
  ) as Route;
  renderedRoutes.set(raw, { env: ctx.env, secrets: scope.deps.secrets, route });
  return route;
}

/** `base` less one trailing slash, as `replace(/\/$/, '')` (JS's `$` is the end of the text) without a regex per call. */
function withoutTrailingSlash(base: string): string {
  return base.endsWith('/') ? base.slice(0, -1) : base;
}

/**
 * A call's href by its step, with the route it was made from: a step and an environment without
 * templates are the same objects on every run (see render, renderRoute), and so is their href.
 * Looked up by the text instead, each call joined a new text that V8 had to flatten and hash for
 * the lookup, with the message parts made for nothing: ~1.6 µs a call, timed in place between a
 * run's requests (issue #14 point 2). The empty-host check reads the environment: under the
 * environment object the href was made in it passed, and emptyHostOf's answer for an environment
 * object never changes (it is kept by that object); under another it runs as stepHref runs it.
 */
const hrefByCall = new WeakMap<CallStep, { raw: Route; route: Route; env: object; href: string }>();

/**
 * Calls a route of the flow file with a token placed as the route says, then explains the answer.
 *
 * Not an async function: the request is prepared and sent here, and the answer handled in the
 * client's promise's `then`. An async frame, its promise and the await's closures a call were the
 * largest allocations of a call step after runStep's (sampling heap profile, issue #14 point 2).
 * The same turns for an answer that needs no diagnosis (the handler runs one turn after the
 * answer, as the await resumed); anything thrown before the request is sent rejects, as the async
 * function's promise did.
 */
export function runCallStep(step: CallStep, options: CallStepOptions, scope: RunScope): Promise<StepResult> {
  let call: PreparedCall;
  let sent: Promise<HttpResponse>;
  try {
    call = prepareCall(step, options, scope);
    sent = options.http.send(withBody(call.request, { json: step.json, form: call.form, body: step.body }));
  } catch (error) {
    return Promise.reject(error);
  }
  return sent.then((response) => callAnswered(step, options, scope, call, response));
}

/** What a call step sent, and what its answer is read with. */
interface PreparedCall {
  route: Route;
  token: string | undefined;
  request: HttpRequest;
  /** The request's headers, as the step result shows them. */
  headers: Record<string, string>;
  form: Record<string, string> | undefined;
}

function prepareCall(step: CallStep, options: CallStepOptions, scope: RunScope): PreparedCall {
  const { ctx } = options;
  const raw = options.routes?.[step.route];
  if (!raw) throw new OidcError('flowfile.reference', `There is no route '${step.route}' in this file.`);
  const route = renderRoute(raw, step.route, ctx, scope);
  const token = step.token === false ? undefined : (step.token ?? lastToken(ctx));
  // Merged into a copy only when both the route and the step have some (a call usually has neither):
  // one object's entries are its copy's entries, in the same order.
  const query = route.query && step.query ? { ...route.query, ...step.query } : (route.query ?? step.query);
  const known = query === undefined ? hrefByCall.get(step) : undefined;
  let href: string;
  if (
    known !== undefined &&
    known.raw === raw &&
    known.route === route &&
    (known.env === ctx.env || emptyHostOf(raw.baseUrl, ctx.env).length === 0)
  )
    href = known.href;
  else {
    href = stepHref(
      `${withoutTrailingSlash(route.baseUrl)}${step.path ?? route.path ?? ''}`,
      [raw.baseUrl, options.written?.path ?? step.path ?? raw.path],
      ctx.env,
      step.id,
      ` (route ${step.route})`,
      query,
    );
    if (query === undefined) hrefByCall.set(step, { raw, route, env: ctx.env, href });
  }
  const headers: Record<string, string> = {};
  const written =
    route.headers && step.headers ? { ...route.headers, ...step.headers } : (route.headers ?? step.headers);
  if (written) for (const [key, value] of Object.entries(written)) headers[key] = String(value);
  // Made for this call alone, so the token is placed into it rather than into copies.
  const plain = { url: href, headers, form: step.form as Record<string, string> | undefined };
  const target = token ? placeTokenInto(plain, token, route.token) : plain;
  const request: HttpRequest = {
    method: step.method ?? route.method ?? 'GET',
    url: target.url,
    headers: target.headers,
    label: `route ${step.route}`,
    lane: 'gateway',
    secrets: token ? [token] : [],
  };
  return { route, token, request, headers: target.headers, form: target.form };
}

/** A call's answer as its step result, diagnosed when it needs it (see runCallStep). */
function callAnswered(
  step: CallStep,
  options: CallStepOptions,
  scope: RunScope,
  call: PreparedCall,
  response: HttpResponse,
): StepResult | Promise<StepResult> {
  const { request, route, token } = call;
  const { http, run } = options;
  const result: StepResult = {
    status: 'passed',
    request: { method: request.method, url: request.url, headers: call.headers },
    response: responseResult(response, assertionsReadBody(step.assert)),
  };
  if (!callNeedsDiagnosis(response, token, scope)) {
    run.verdict = undefined;
    return withRouteFindings(run, route, token, scope, result);
  }
  // The gateway's log only for a call diagnosed: the flow file's own word first; else what the
  // shell knows (the extension's setting, looked up among its entries).
  const log = route.log
    ? { ...route.log, where: `routes.${step.route}.log` }
    : scope.deps.gatewayLogFor?.(step.route, route);
  return callDiagnosis()
    .diagnoseCall(
      {
        response,
        token,
        placement: route.token,
        gateway: route.gateway,
        ...(log ? { log: { where: `the gateway log of route ${step.route}`, ...log } } : {}),
        http,
        run,
      },
      scope,
    )
    .then((verdict) => {
      run.verdict = verdict;
      return withRouteFindings(run, route, token, scope, result);
    });
}

/** The route's own findings (Kong's config lint) on the step run, after its verdict. */
function withRouteFindings(
  run: StepRun,
  route: Route,
  token: string | undefined,
  scope: RunScope,
  result: StepResult,
): StepResult {
  run.gatewayFindings = routeHasFindings(route.gateway)
    ? callDiagnosis().routeFindings(route.gateway, token, scope)
    : undefined;
  return result;
}

/** Sends a request exactly as the step writes it; a written Authorization value is kept out of logs. */
export async function runRequestStep(
  step: RequestStep,
  http: HttpClient,
  written?: { step: RequestStep; env: Record<string, unknown> },
): Promise<StepResult> {
  const href = stepHref(step.url, [written?.step.url ?? step.url], written?.env ?? {}, step.id, '', step.query);
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(step.headers ?? {})) headers[key] = String(value);
  const basic = step.basicAuth;
  if (basic) {
    // Flow templates cannot base64-encode, so the credentials are encoded here; UTF-8 as Postman and Insomnia send them.
    for (let key = headerKey(headers, 'authorization'); key; key = headerKey(headers, 'authorization'))
      delete headers[key];
    headers.Authorization = `Basic ${Buffer.from(`${basic.username}:${basic.password}`, 'utf8').toString('base64')}`;
  }
  const auth = headerValue(headers, 'authorization');
  const request: HttpRequest = {
    method: step.method ?? 'GET',
    url: href,
    headers,
    label: `request ${step.id}`,
    lane: 'other',
    secrets: [...(auth ? [auth.replace(/^\S+\s+/, '')] : []), ...(basic?.password ? [basic.password] : [])],
  };
  const response = await http.send(
    withBody(request, { json: step.json, form: step.form as Record<string, string> | undefined, body: step.body }),
  );
  return {
    status: 'passed',
    request: { method: request.method, url: request.url, headers },
    response: responseResult(response),
  };
}
