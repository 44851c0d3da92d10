import { DEFAULT_MAX_BODY_BYTES } from './limits';
import { performance } from 'node:perf_hooks';
import type { Dispatcher } from 'undici';
import type { Clock } from '../clock';
import { systemClock } from '../clock';
import type { ClassifiedFailure, FailureSurface } from './classify-error';
import {
  BodyTooLargeSignal,
  CallerAbortSignal,
  capitalize,
  classifyFailure,
  ExchangeDeadlineSignal,
} from './classify-error';
import type { TransportSettings } from './dispatchers';
import { DispatcherCache } from './dispatchers';
import { HeaderTexts } from './header-texts';
import { headerValue } from './headers';
import { HttpError } from './http-error';
import type { Env } from './proxy';
import { describeProxy, hasProxyVariable, proxyVariables, selectProxy } from './proxy';
import type { PendingDeadline } from './deadline-timer';
import { DeadlineTimer } from './deadline-timer';
import { redactText, redactUrl } from './redact';
import type { ConnectionPhases } from './timed-connector';
import { awaitConnection } from './timed-connector';
import type {
  ExchangeListener,
  HeaderList,
  HttpClient,
  HttpExchange,
  HttpOptions,
  HttpRequest,
  HttpResponse,
  Lane,
  RecordedResponse,
  TransportInfo,
} from './types';

const HEX_DIGIT = '0123456789abcdef';
/** Each byte's two hex digits, by value. */
const BYTE_HEX: readonly string[] = Array.from({ length: 256 }, (_, n) => HEX_DIGIT[n >>> 4]! + HEX_DIGIT[n & 15]!);

/**
 * A version 4 UUID naming one exchange in views, reports and exports. An exchange id is a handle,
 * not a secret or a nonce, so Math.random's bits do: node:crypto's randomUUID made every
 * request-sending command load node:crypto (+34M instructions at start on Node 24, a third of
 * `node -e 0`; issue #14), which a `run` of calls without OAuth otherwise never needs.
 */
export function exchangeId(): string {
  // Four draws of 32 bits written through a table of byte pairs: each digit pair is a lookup, not a
  // toString(16) and padStart per draw and five slices (~2.7x faster an id, measured side by side;
  // issue #14 point 2, seventh pass). 122 random bits: the version digit and two variant bits are fixed.
  const a = (Math.random() * 0x100000000) >>> 0;
  const b = (Math.random() * 0x100000000) >>> 0;
  const c = (Math.random() * 0x100000000) >>> 0;
  const d = (Math.random() * 0x100000000) >>> 0;
  return (
    BYTE_HEX[a >>> 24]! +
    BYTE_HEX[(a >>> 16) & 255]! +
    BYTE_HEX[(a >>> 8) & 255]! +
    BYTE_HEX[a & 255]! +
    '-' +
    BYTE_HEX[b >>> 24]! +
    BYTE_HEX[(b >>> 16) & 255]! +
    '-4' +
    HEX_DIGIT[(b >>> 8) & 15]! +
    BYTE_HEX[b & 255]! +
    '-' +
    BYTE_HEX[((c >>> 24) & 0x3f) | 0x80]! +
    BYTE_HEX[(c >>> 16) & 255]! +
    '-' +
    BYTE_HEX[(c >>> 8) & 255]! +
    BYTE_HEX[c & 255]! +
    BYTE_HEX[d >>> 24]! +
    BYTE_HEX[(d >>> 16) & 255]! +
    BYTE_HEX[(d >>> 8) & 255]! +
    BYTE_HEX[d & 255]!
  );
}

export interface HttpClientOptions extends HttpOptions {
  /** Gets every exchange, success or failure; redirect hops arrive inside the final exchange's `redirects`. */
  onExchange?: ExchangeListener;
  /** Source of `startedAt`; durations come from a monotonic timer. */
  clock?: Clock;
  /** For HTTPS_PROXY, HTTP_PROXY and NO_PROXY (any case); defaults to process.env. */
  env?: Env;
  /** Who shows failures: their hints name the CLI flags ('cli') or the VS Code settings ('vscode'). */
  surface?: FailureSurface;
  /**
   * Called each time a request has been handed to its connection: until its answer comes, the
   * caller's other work (a reporter's lines) costs the run no time. Its errors are ignored.
   */
  onRequestSent?: () => void;
}

/** The warning every exchange made with insecureSkipTlsVerify carries. */
export const INSECURE_TLS_WARNING =
  "TLS certificate verification was disabled for this request (insecureSkipTlsVerify): the server's identity was not checked.";

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

interface ResolvedOptions extends HttpOptions {
  connectTimeout: number;
  headersTimeout: number;
  bodyTimeout: number;
  totalTimeout: number;
  maxBodyBytes: number;
  redirect: 'follow' | 'manual' | 'error';
  maxRedirects: number;
}

const DEFAULTS = {
  connectTimeout: 10_000,
  headersTimeout: 30_000,
  bodyTimeout: 30_000,
  totalTimeout: 60_000,
  maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
  redirect: 'manual',
  maxRedirects: 5,
} as const;

/** The per-phase timeouts and the whole-exchange deadline, all `ms`: what one --timeout or timeoutMs sets. */
export function timeoutBudget(
  ms: number,
): Required<Pick<HttpOptions, 'connectTimeout' | 'headersTimeout' | 'bodyTimeout' | 'totalTimeout'>> {
  return { connectTimeout: ms, headersTimeout: ms, bodyTimeout: ms, totalTimeout: ms };
}

function resolveOptions(base: HttpOptions, override: Partial<HttpOptions> | undefined): ResolvedOptions {
  const merged: HttpOptions = { ...base };
  for (const [key, value] of Object.entries(override ?? {})) {
    if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
  }
  return {
    ...merged,
    connectTimeout: merged.connectTimeout ?? DEFAULTS.connectTimeout,
    headersTimeout: merged.headersTimeout ?? DEFAULTS.headersTimeout,
    bodyTimeout: merged.bodyTimeout ?? DEFAULTS.bodyTimeout,
    totalTimeout: merged.totalTimeout ?? DEFAULTS.totalTimeout,
    maxBodyBytes: merged.maxBodyBytes ?? DEFAULTS.maxBodyBytes,
    redirect: merged.redirect ?? DEFAULTS.redirect,
    maxRedirects: merged.maxRedirects ?? DEFAULTS.maxRedirects,
  };
}

/** How requests with one set of resolved options and one proxy reach their server. */
interface Route {
  proxy: string | undefined;
  /** The proxy without its credentials, for exchanges and messages. */
  shownProxy: string | undefined;
  settings: Readonly<TransportSettings>;
}

function makeRoute(opts: ResolvedOptions, proxy: string | undefined): Route {
  // A copy, frozen with the rest: the dispatcher is found by this object from now on.
  const ca = opts.ca === undefined ? undefined : Object.freeze(Array.isArray(opts.ca) ? [...opts.ca] : [opts.ca]);
  const settings: TransportSettings = {
    ...(ca?.length ? { ca } : {}),
    ...(opts.cert ? { cert: opts.cert } : {}),
    ...(opts.key ? { key: opts.key } : {}),
    ...(opts.passphrase ? { passphrase: opts.passphrase } : {}),
    insecure: opts.insecureSkipTlsVerify === true,
    ...(proxy ? { proxy } : {}),
    connectTimeout: opts.connectTimeout,
  };
  return { proxy, shownProxy: proxy ? describeProxy(proxy) : undefined, settings: Object.freeze(settings) };
}

/** What goes on the wire for one hop. */
interface Outgoing {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: Buffer;
  /** `body` as text, when the request was made from text that decodes back to itself (a form, JSON). */
  bodyText?: string;
}

interface RequestContext {
  label?: string;
  lane: Lane;
  secrets: string[];
  signal?: AbortSignal;
  /** performance.now() by which the whole request (every hop) must be done. */
  deadline: number;
}

interface AttemptResult {
  exchange: HttpExchange;
  headers: Record<string, string>;
  failure?: ClassifiedFailure & { cause: unknown };
}

function withoutHeaders(headers: Record<string, string>, names: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([key]) => !names.includes(key.toLowerCase())));
}

/** A module function, not a closure made per request (issue #14 point 2). */
function setDefaultType(headers: Record<string, string>, type: string): void {
  if (headerValue(headers, 'content-type') === undefined) headers['content-type'] = type;
}

/** A request's headers and body as sent; `bodyText` as in Outgoing. */
interface Encoded {
  headers: Record<string, string>;
  body?: Buffer;
  bodyText?: string;
}

/** What application/x-www-form-urlencoded leaves as it is: ASCII letters and digits, `*`, `-`, `.` and `_`. */
const FORM_PLAIN = /^[A-Za-z0-9*\-._]*$/;
/** What encodeURIComponent writes otherwise than URLSearchParams: the space, and five marks it leaves as they are. */
const URI_COMPONENT_ONLY = /%20|[!'()~]/g;
const FORM_FORMS: Record<string, string> = { '%20': '+', '!': '%21', "'": '%27', '(': '%28', ')': '%29', '~': '%7E' };

function formForm(found: string): string {
  return FORM_FORMS[found]!;
}

/**
 * One name or value as URLSearchParams writes it. A form's names and most of its values (grant
 * types, client ids, codes, tokens) need no escape and are used as they are; URLSearchParams built
 * an object and serialized every pair again for each request (issue #14 point 2, seventh pass).
 */
function formComponent(given: unknown): string {
  const text = typeof given === 'string' ? given : String(given);
  if (FORM_PLAIN.test(text)) return text;
  try {
    return encodeURIComponent(text).replace(URI_COMPONENT_ONLY, formForm);
  } catch {
    // A lone surrogate, which encodeURIComponent refuses and URLSearchParams writes as U+FFFD.
    const one = new URLSearchParams();
    one.append(text, '');
    return one.toString().slice(0, -1);
  }
}

/** The form as URLSearchParams serializes it (fields in order, undefined ones left out); exported for its test. */
export function formEncoded(form: Readonly<Record<string, string | undefined>>): string {
  let text = '';
  for (const key of Object.keys(form)) {
    const value = form[key];
    if (value === undefined) continue;
    text += `${text === '' ? '' : '&'}${formComponent(key)}=${formComponent(value)}`;
  }
  return text;
}

function encodeBody(request: HttpRequest): Encoded {
  const headers = { ...(request.headers ?? {}) };
  const given =
    (request.body === undefined ? 0 : 1) + (request.form === undefined ? 0 : 1) + (request.json === undefined ? 0 : 1);
  if (given > 1) throw new Error('only one of body, form and json may be set');
  if (request.form !== undefined) {
    setDefaultType(headers, 'application/x-www-form-urlencoded');
    // Kept for the record, which decoded the bytes just encoded from it: a form is ASCII.
    const bodyText = formEncoded(request.form);
    return { headers, body: Buffer.from(bodyText), bodyText };
  }
  if (request.json !== undefined) {
    setDefaultType(headers, 'application/json');
    // JSON.stringify escapes lone surrogates, so its text survives UTF-8 both ways.
    const bodyText = JSON.stringify(request.json);
    return { headers, body: Buffer.from(bodyText), bodyText };
  }
  if (request.body !== undefined) {
    const body =
      typeof request.body === 'string'
        ? Buffer.from(request.body)
        : Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength);
    return { headers, body };
  }
  return { headers };
}

/** The caller's secrets that can be masked (non-empty strings), in a new list. */
function usableSecrets(given: readonly unknown[] | undefined): string[] {
  const secrets: string[] = [];
  if (given) for (const secret of given) if (typeof secret === 'string' && secret !== '') secrets.push(secret);
  return secrets;
}

function describeTarget(label: string | undefined, url: string): string {
  return label ? `the ${label} (${url})` : url;
}

function headerListFrom(
  controller: Dispatcher.DispatchController,
  parsed: Record<string, string | string[] | undefined>,
  texts: HeaderTexts,
): HeaderList {
  const raw = controller.rawHeaders;
  if (Array.isArray(raw)) {
    const list: HeaderList = [];
    for (let i = 0; i + 1 < raw.length; i += 2) list.push([texts.text(raw[i]), texts.text(raw[i + 1])]);
    return list;
  }
  const list: HeaderList = [];
  for (const [name, value] of Object.entries(parsed)) {
    if (Array.isArray(value)) for (const item of value) list.push([name, item]);
    else if (value !== undefined) list.push([name, value]);
  }
  return list;
}

/** The body's chunks as UTF-8 text; one chunk (most answers) is decoded where it lies, not copied first. */
function decodeBody(chunks: Buffer[]): string {
  return chunks.length === 1 ? chunks[0]!.toString() : Buffer.concat(chunks).toString('utf8');
}

/**
 * The response's header record: undici's own (names lowercased through its table of known names,
 * values read as latin1) when it says exactly what ours would, name for name and value for value in
 * the same order, with no repeated name; else made from the list. Taking undici's saves lowercasing
 * every name and building a second object (~1.5 µs a response; issue #14 point 1); a non-ASCII value,
 * which latin1 and UTF-8 read apart, or a repeated header falls back.
 */
function responseHeaderRecord(
  list: HeaderList,
  parsed: Record<string, string | string[] | undefined> | undefined,
  texts: HeaderTexts,
): Record<string, string> {
  if (parsed === undefined) return headerRecord(list);
  let i = 0;
  for (const key in parsed) {
    const value = parsed[key];
    const entry = list[i];
    if (typeof value !== 'string' || entry === undefined || value !== entry[1]) return headerRecord(list);
    if (key !== entry[0] && key !== texts.lowerCase(entry[0])) return headerRecord(list);
    i += 1;
  }
  return i === list.length ? (parsed as Record<string, string>) : headerRecord(list);
}

function headerRecord(list: HeaderList): Record<string, string> {
  const record: Record<string, string> = {};
  for (const [name, value] of list) {
    const key = name.toLowerCase();
    record[key] = record[key] === undefined ? value : `${record[key]}, ${value}`;
  }
  return record;
}

function invalidJson(exchange: HttpExchange, text: string, cause: unknown): HttpError {
  const url = redactUrl(exchange.request.url, exchange.secrets);
  const target = describeTarget(exchange.label, url);
  const status = exchange.response?.status;
  const contentType = exchange.response?.contentType;
  const snippet = redactText(text, exchange.secrets).replace(/\s+/g, ' ').trim();
  const shown = snippet.length > 120 ? `${snippet.slice(0, 120)}…` : snippet;
  const what =
    snippet === ''
      ? 'an empty body'
      : `a body that is not JSON${contentType ? ` (Content-Type: ${contentType})` : ''}: "${shown}"`;
  const html = /^<(!doctype|html|head|body)\b/i.test(snippet) || /text\/html/i.test(contentType ?? '');
  const message = `${capitalize(target)} answered ${status ?? ''} with ${what}, where JSON was expected.`.replace(
    '  ',
    ' ',
  );
  return new HttpError('http.invalid_json', message, exchange, {
    where: `${exchange.label ?? 'request'} ${url}`,
    status,
    cause,
    hint: html
      ? 'That is an HTML page: the URL probably points at a login page, a proxy or a gateway error page instead of the API. Check the URL and any proxy in between.'
      : 'Check that the URL is the API endpoint itself, and look at the full response in the timeline.',
  });
}

function toResponse(exchange: HttpExchange, headers: Record<string, string>): HttpResponse {
  const response = exchange.response as RecordedResponse;
  return {
    status: response.status,
    headers,
    text: response.body,
    json<T = unknown>(): T {
      try {
        return JSON.parse(response.body) as T;
      } catch (error) {
        throw invalidJson(exchange, response.body, error);
      }
    },
    exchange,
  };
}

/**
 * Hands one request to its dispatcher, then tells `onRequestSent`; a dispatcher that throws (a bad
 * header, say) fails the exchange.
 */
function startExchange(
  dispatcher: Dispatcher,
  origin: string,
  out: Outgoing,
  opts: ResolvedOptions,
  handler: Dispatcher.DispatchHandler,
  fail: (error: unknown) => void,
  onRequestSent: (() => void) | undefined,
): void {
  try {
    dispatcher.dispatch(
      {
        origin,
        path: `${out.url.pathname}${out.url.search}`,
        method: out.method as Dispatcher.HttpMethod,
        headers: out.headers,
        body: out.body ?? null,
        headersTimeout: opts.headersTimeout,
        bodyTimeout: opts.bodyTimeout,
      },
      handler,
    );
  } catch (error) {
    fail(error);
    return;
  }
  try {
    onRequestSent?.();
  } catch {
    // Like a failing exchange listener: never the request's failure.
  }
}

/** Creates the real HTTP client (undici): recording, timings, TLS/CA/mTLS, proxy, timeouts, size cap, redirects. */
export function createHttpClient(options: HttpClientOptions = {}): HttpClient & { close(): Promise<void> } {
  const { onExchange, onRequestSent, clock = systemClock, env = process.env, surface, ...base } = options;
  const cache = new DispatcherCache();
  const proxyEnv = proxyVariables(env);
  // Without a proxy variable, only a request's own proxy option can send it through one.
  const envMayProxy = hasProxyVariable(proxyEnv);
  // The transport settings of each resolved options object (one per client, one per frozen override,
  // see optionsOf) and the proxy it last went through: made once, not seven conditional spreads and
  // an array a request, and the same frozen object lets the cache find its dispatcher without a key.
  const routes = new WeakMap<ResolvedOptions, Route>();
  const routeOf = (opts: ResolvedOptions, proxy: string | undefined): Route => {
    let route = routes.get(opts);
    if (route === undefined || route.proxy !== proxy) routes.set(opts, (route = makeRoute(opts, proxy)));
    return route;
  };
  const deadlines = new DeadlineTimer();
  const headerTexts = new HeaderTexts();
  const emit = (exchange: HttpExchange): void => {
    try {
      onExchange?.(exchange);
    } catch {
      // A failing listener must not turn a good response into an error.
    }
  };

  const attempt = (out: Outgoing, opts: ResolvedOptions, ctx: RequestContext): Promise<AttemptResult> => {
    const startedAt = clock.now();
    const t0 = performance.now();
    const urlText = out.url.toString();
    const origin = out.url.origin;
    const proxy = envMayProxy || opts.proxy !== undefined ? selectProxy(out.url, opts, proxyEnv) : undefined;
    const route = routeOf(opts, proxy);
    const transport: TransportInfo = {};
    if (opts.insecureSkipTlsVerify) transport.insecure = true;
    if (route.settings.ca?.length) transport.customCa = true;
    if (opts.cert) transport.clientCertificate = true;
    if (route.shownProxy !== undefined) transport.proxy = route.shownProxy;
    // Literals of one shape each, not conditional spreads: a spread of `{ label }` in the middle of a
    // literal is a runtime copy, and the runner's labelled requests paid it on every exchange.
    const headers = Object.entries(out.headers);
    const recorded: HttpExchange['request'] =
      out.body === undefined
        ? { method: out.method, url: urlText, headers, bodySize: 0 }
        : {
            method: out.method,
            url: urlText,
            headers,
            body: out.bodyText ?? out.body.toString('utf8'),
            bodySize: out.body.length,
          };
    const warnings = opts.insecureSkipTlsVerify && out.url.protocol === 'https:' ? [INSECURE_TLS_WARNING] : [];
    const exchange: HttpExchange =
      ctx.label === undefined
        ? {
            id: exchangeId(),
            lane: ctx.lane,
            startedAt,
            request: recorded,
            timings: { total: 0 },
            warnings,
            secrets: ctx.secrets,
            transport,
          }
        : {
            id: exchangeId(),
            label: ctx.label,
            lane: ctx.lane,
            startedAt,
            request: recorded,
            timings: { total: 0 },
            warnings,
            secrets: ctx.secrets,
            transport,
          };

    return new Promise<AttemptResult>((resolve) => {
      let settled = false;
      let controller: Dispatcher.DispatchController | undefined;
      let phases: ConnectionPhases | undefined;
      let tStart: number | undefined;
      let tSent: number | undefined;
      let tFirstByte: number | undefined;
      let tHeaders: number | undefined;
      let status: number | undefined;
      let statusText = '';
      let responseHeaders: HeaderList = [];
      let parsedHeaders: Record<string, string | string[] | undefined> | undefined;
      const chunks: Buffer[] = [];
      let received = 0;
      let truncated = false;

      const finish = (failure?: unknown): void => {
        if (settled) return;
        settled = true;
        deadlines.remove(deadline);
        if (onAbort) ctx.signal?.removeEventListener('abort', onAbort);
        const tEnd = performance.now();
        const sentAt = tSent ?? tStart;
        const firstByte = tFirstByte ?? tHeaders;
        // Filled in by assignment, in the order the fields are shown, rather than by conditional spreads
        // (each a runtime copy, seven a request).
        const timings: HttpExchange['timings'] = {} as HttpExchange['timings'];
        if (phases?.dns !== undefined) timings.dns = phases.dns;
        if (phases?.connect !== undefined) timings.connect = phases.connect;
        if (phases?.tls !== undefined) timings.tls = phases.tls;
        if (tStart !== undefined && sentAt !== undefined) timings.send = sentAt - tStart;
        if (sentAt !== undefined && firstByte !== undefined) timings.ttfb = Math.max(0, firstByte - sentAt);
        if (tHeaders !== undefined) timings.download = tEnd - tHeaders;
        timings.total = tEnd - t0;
        exchange.timings = timings;
        const headers = responseHeaderRecord(responseHeaders, parsedHeaders, headerTexts);
        if (status !== undefined) {
          const response: RecordedResponse = {
            status,
            statusText,
            httpVersion: 'HTTP/1.1',
            headers: responseHeaders,
            body: decodeBody(chunks),
            bodySize: received,
            truncated,
          };
          if (headers['content-type'] !== undefined) response.contentType = headers['content-type'];
          exchange.response = response;
        }
        if (failure === undefined) {
          resolve({ exchange, headers });
          return;
        }
        // Built here, when the attempt fails, not per request (redacting the URL for a message nobody reads
        // cost every request) and not as a closure made for every request.
        const classified = classifyFailure(failure, {
          target: describeTarget(ctx.label, redactUrl(urlText, ctx.secrets)),
          host: out.url.hostname,
          port: out.url.port || (out.url.protocol === 'https:' ? '443' : '80'),
          connectTimeout: opts.connectTimeout,
          headersTimeout: opts.headersTimeout,
          bodyTimeout: opts.bodyTimeout,
          totalTimeout: opts.totalTimeout,
          ...(route.shownProxy !== undefined ? { proxy: route.shownProxy } : {}),
          clientCertificate: Boolean(opts.cert),
          ...(surface ? { surface } : {}),
        });
        exchange.error = { code: classified.code, message: classified.message };
        resolve({ exchange, headers, failure: { ...classified, cause: failure } });
      };

      // The two ways to stop (the caller's signal, the deadline) abort and finish in place, with no
      // closure between (issue #14 point 2). The listener exists only with a signal.
      const onAbort =
        ctx.signal &&
        ((): void => {
          const reason = new CallerAbortSignal();
          if (controller && !controller.aborted) controller.abort(reason);
          finish(reason);
        });
      // undici times each gap (connect, headers, between body chunks); this deadline bounds their sum.
      const deadline: PendingDeadline = deadlines.add(ctx.deadline, () => {
        const reason = new ExchangeDeadlineSignal(
          status !== undefined
            ? { phase: 'body', bytes: received }
            : { phase: tStart !== undefined && phases !== undefined ? 'headers' : 'connect' },
        );
        if (controller && !controller.aborted) controller.abort(reason);
        finish(reason);
      });
      if (ctx.signal?.aborted) {
        finish(new CallerAbortSignal());
        return;
      }
      if (onAbort) ctx.signal?.addEventListener('abort', onAbort, { once: true });

      // onRequestSent is called by undici 8 only; on undici 7 the send phase stays unmeasured.
      const handler: Dispatcher.DispatchHandler & { onRequestSent?(): void } = {
        onRequestStart(started) {
          controller = started;
          tStart = performance.now();
          awaitConnection((found) => {
            phases = found.phases;
            if (found.connection) exchange.connection = found.connection;
          });
          // The caller gave up, or the deadline passed, while the request waited for a connection.
          if (settled) started.abort(new CallerAbortSignal());
        },
        onRequestSent() {
          tSent = performance.now();
        },
        onResponseStarted() {
          tFirstByte ??= performance.now();
        },
        onResponseStart(started, statusCode, headers, statusMessage) {
          tHeaders = performance.now();
          status = statusCode;
          statusText = statusMessage ?? '';
          parsedHeaders = headers as Record<string, string | string[] | undefined>;
          responseHeaders = headerListFrom(started, parsedHeaders, headerTexts);
          const length = Number(headers['content-length']);
          if (Number.isFinite(length) && length > opts.maxBodyBytes) {
            truncated = true;
            started.abort(new BodyTooLargeSignal(opts.maxBodyBytes));
          }
        },
        onResponseData(started, chunk) {
          if (truncated) return;
          const room = opts.maxBodyBytes - received;
          received += chunk.length;
          if (chunk.length > room) {
            chunks.push(chunk.subarray(0, Math.max(0, room)));
            truncated = true;
            started.abort(new BodyTooLargeSignal(opts.maxBodyBytes));
            return;
          }
          chunks.push(chunk);
        },
        onResponseEnd() {
          finish();
        },
        onResponseError(_controller, error) {
          finish(error);
        },
      };

      let dispatcher: Dispatcher;
      try {
        dispatcher = cache.get(route.settings);
      } catch (error) {
        finish(error);
        return;
      }
      // The origin's idle connection when there is one, so a request right after the last one to
      // the same origin reuses its connection (see DispatcherCache.forRequest).
      startExchange(cache.forRequest(dispatcher, origin), origin, out, opts, handler, finish, onRequestSent);
    });
  };

  const fail = (
    exchange: HttpExchange,
    hops: HttpExchange[],
    failure: ClassifiedFailure & { cause?: unknown },
  ): never => {
    exchange.error = { code: failure.code, message: failure.message };
    if (hops.length) exchange.redirects = hops;
    emit(exchange);
    throw new HttpError(failure.code, failure.message, exchange, {
      hint: failure.hint,
      where: `${exchange.label ?? 'request'} ${redactUrl(exchange.request.url, exchange.secrets)}`,
      ...(exchange.response ? { status: exchange.response.status } : {}),
      ...(failure.cause === undefined ? {} : { cause: failure.cause }),
    });
  };

  // Options resolved once for no override and for each frozen override (an IdP's, see withHttpOptions):
  // two object spreads and an Object.entries per request showed in the end-to-end profile (issue #14
  // point 1). Only frozen objects, since a caller may change its own options object between requests.
  const resolvedBase = Object.freeze(resolveOptions(base, undefined));
  // A connected IdP's options are frozen once and come with every request it makes (connect-idp.ts):
  // one resolution, and so one set of transport settings and one dispatcher, for all of them.
  const resolvedFrozen = new WeakMap<Partial<HttpOptions>, ResolvedOptions>();
  const optionsOf = (override: Partial<HttpOptions> | undefined): ResolvedOptions => {
    if (override === undefined) return resolvedBase;
    if (!Object.isFrozen(override)) return resolveOptions(base, override);
    let resolved = resolvedFrozen.get(override);
    if (!resolved) resolvedFrozen.set(override, (resolved = Object.freeze(resolveOptions(base, override))));
    return resolved;
  };

  const send = async (request: HttpRequest): Promise<HttpResponse> => {
    const opts = optionsOf(request.options);
    // One shape for every request (absent label and signal are undefined): see the exchange in attempt().
    const ctx: RequestContext = {
      label: request.label,
      lane: request.lane ?? 'other',
      secrets: usableSecrets(request.secrets),
      signal: request.signal,
      deadline: performance.now() + opts.totalTimeout,
    };
    const hops: HttpExchange[] = [];

    let url: URL | undefined;
    let encoded: Encoded | undefined;
    let invalid: string | undefined;
    try {
      url = new URL(request.url);
      if (url.protocol !== 'http:' && url.protocol !== 'https:')
        invalid = `it uses ${url.protocol} instead of http: or https:`;
    } catch {
      invalid = 'it is not a valid absolute URL';
    }
    try {
      encoded = encodeBody(request);
    } catch (error) {
      invalid ??= error instanceof Error ? error.message : String(error);
    }
    if (invalid !== undefined || url === undefined || encoded === undefined) {
      const shown = redactUrl(request.url, ctx.secrets);
      const exchange: HttpExchange = {
        id: exchangeId(),
        ...(ctx.label === undefined ? {} : { label: ctx.label }),
        lane: ctx.lane,
        startedAt: clock.now(),
        request: {
          method: request.method,
          url: request.url,
          headers: Object.entries(request.headers ?? {}),
          bodySize: 0,
        },
        timings: { total: 0 },
        warnings: [],
        secrets: ctx.secrets,
      };
      return fail(exchange, hops, {
        code: 'http.invalid_request',
        message: `The request to ${describeTarget(ctx.label, shown)} cannot be sent: ${invalid ?? 'unknown problem'}.`,
        hint: 'Check the URL (scheme, host, port) and the request settings.',
      });
    }

    // Two literals, not a conditional spread: a spread is a runtime copy of a temporary object.
    const method = request.method.toUpperCase();
    let out: Outgoing = encoded.body
      ? { method, url, headers: encoded.headers, body: encoded.body, bodyText: encoded.bodyText }
      : { method, url, headers: encoded.headers };
    for (;;) {
      const result = await attempt(out, opts, ctx);
      const { exchange } = result;
      if (result.failure) return fail(exchange, hops, result.failure);
      const status = exchange.response?.status ?? 0;
      const location = REDIRECT_STATUSES.has(status) ? result.headers.location : undefined;
      if (location === undefined || opts.redirect === 'manual') {
        if (hops.length) exchange.redirects = hops;
        emit(exchange);
        return toResponse(exchange, result.headers);
      }
      const target = describeTarget(ctx.label, redactUrl(out.url.toString(), ctx.secrets));
      const shownLocation = redactUrl(location, ctx.secrets);
      if (opts.redirect === 'error') {
        return fail(exchange, hops, {
          code: 'http.redirect',
          message: `${capitalize(target)} answered ${status} redirecting to ${shownLocation}, and redirects are not allowed for this request.`,
          hint: 'Call the final URL directly (a redirect often means a wrong path, http instead of https, or a login page), or set redirect to "follow".',
        });
      }
      if (hops.length >= opts.maxRedirects) {
        return fail(exchange, hops, {
          code: 'http.too_many_redirects',
          message: `${capitalize(target)} redirected more than ${opts.maxRedirects} times (last to ${shownLocation}).`,
          hint: 'Look at the redirect chain in the timeline for a loop, or raise maxRedirects.',
        });
      }
      let next: URL;
      try {
        next = new URL(location, out.url);
        if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new Error('not http');
      } catch {
        return fail(exchange, hops, {
          code: 'http.redirect',
          message: `${capitalize(target)} answered ${status} with a Location that cannot be followed: ${shownLocation}.`,
          hint: 'The server sent a broken redirect; call the intended URL directly.',
        });
      }
      hops.push(exchange);
      out = redirectedRequest(out, status, next, exchange);
    }
  };

  return { send, close: () => cache.close() };
}

/** The next hop's request, following what browsers and curl do with methods, bodies and credentials. */
function redirectedRequest(previous: Outgoing, status: number, next: URL, hop: HttpExchange): Outgoing {
  let { method, headers, body, bodyText } = previous;
  const becomesGet = (status === 303 && method !== 'HEAD') || ((status === 301 || status === 302) && method === 'POST');
  if (becomesGet) {
    method = 'GET';
    body = undefined;
    bodyText = undefined;
    headers = withoutHeaders(headers, ['content-type', 'content-length']);
  }
  if (next.origin !== previous.url.origin) {
    const dropped = Object.keys(headers).filter((key) =>
      ['authorization', 'cookie', 'proxy-authorization'].includes(key.toLowerCase()),
    );
    if (dropped.length) {
      headers = withoutHeaders(headers, ['authorization', 'cookie', 'proxy-authorization']);
      hop.warnings.push(
        `The redirect leads to another origin (${next.origin}), so ${dropped.join(', ')} was not sent there.`,
      );
    }
  }
  return { method, url: next, headers, ...(body ? { body, bodyText } : {}) };
}
