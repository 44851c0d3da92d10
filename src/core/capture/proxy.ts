/**
 * The capture proxy: a reverse proxy in front of a gateway that forwards
 * every request and answer unchanged and records each exchange (with a
 * bounded copy of the bodies) for the capture's list, its verdicts and HAR.
 *
 * What passes through is the point of the tool, so it is not touched: the
 * request and response headers go out as received (order, case, duplicates:
 * req.rawHeaders and res.rawHeaders), bodies stream chunk by chunk (server-
 * sent events arrive as sent), Upgrade requests (WebSocket) are piped both
 * ways. What changes, and only this:
 *  - Host: the target's host, unless `preserveHost` (a gateway routes on Host;
 *    most reverse proxies send the upstream's name);
 *  - the chunk boundaries of a chunked body (the bytes are the same; Node
 *    keeps the gateway's as it reads them);
 *  - nothing is added: not Node's own Connection, Keep-Alive, Date or
 *    Transfer-Encoding headers, either way (see `forward` and the response);
 *  - a body-less POST/PUT/PATCH that names no length goes out with
 *    Transfer-Encoding: chunked and an empty body (Node's client does that);
 *  - a target that cannot be reached: the proxy answers 502 itself, with a
 *    text body saying so and an `X-Oidc-Flow-Capture: proxy-error` header;
 *  - a target that stays silent `targetTimeoutMs` after the request's last byte: 504, the same way.
 * Verdicts are worked out after an exchange ends, never on its path.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import zlib from 'node:zlib';
import { systemClock } from '../clock';
import { Emitter } from '../emitter';
import { OidcError } from '../errors';
import { selectProfile } from '../gateway/profiles';
import type { TokenSource } from '../gateway/profiles';
import { classifyFailure } from '../http/classify-error';
import type { HttpErrorCode } from '../http/error-codes';
import { toHar } from '../http/har';
import { headerValue } from '../http/headers';
import { DEFAULT_MAX_BODY_BYTES } from '../http/limits';
import { SecretRegistry } from '../http/secret-registry';
import type { HeaderList, HttpExchange, RecordedResponse } from '../http/types';
import { listenLocal } from '../listen';
import { findToken } from './find-token';
import type { FoundToken } from './find-token';
import { Ring } from './ring';
import { tokenFacts } from './token-facts';
import type { CaptureDeps, CaptureOptions, CaptureRecord, CaptureSession, CaptureStats, JudgeRequest } from './types';

/** How many exchanges a capture keeps unless told. */
export const DEFAULT_MAX_EXCHANGES = 1000;
/** The bodies all kept records may hold together: the ring drops its oldest records past this. */
export const DEFAULT_MAX_RECORDED_BYTES = 256 * 1024 * 1024;

/** What a record holds that can be large: its bodies (UTF-16 strings, two bytes a character). */
function recordedBytes(record: CaptureRecord): number {
  const { request, response } = record.exchange;
  return 2 * ((request.body?.length ?? 0) + (response?.body.length ?? 0));
}

/**
 * How long the target may stay silent, in ms, once the application stopped sending, before the proxy
 * answers 504 itself (nginx's proxy_read_timeout default): an application behind a silent gateway
 * otherwise waits for ever, and the capture line would never print.
 */
export const DEFAULT_TARGET_TIMEOUT_MS = 60_000;

/** How long an application may take to send its request headers, in ms (Node's default): a slowloris bound. */
export const DEFAULT_CLIENT_HEADERS_TIMEOUT_MS = 60_000;

/** How long an application may take to send a whole request, in ms (Node's default): a body that never ends gets 408. */
export const DEFAULT_CLIENT_REQUEST_TIMEOUT_MS = 300_000;

/** The header the proxy marks its own answers with (the 502 for an unreachable target, the 504 for a silent one). */
export const PROXY_ERROR_HEADER = 'X-Oidc-Flow-Capture';

/** Whether `host` is a loopback address (or a name that only ever means one). */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare === '::1') return true;
  return isIP(bare) === 4 && bare.startsWith('127.');
}

/** The target as a URL, or an OidcError saying what is wrong with it. */
export function parseTarget(target: string): URL {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new OidcError('capture.target_invalid', `The capture target "${target}" is not an absolute URL.`, {
      hint: "Give the gateway's base URL, e.g. --target http://localhost:8000.",
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new OidcError('capture.target_invalid', `The capture target ${url.protocol}// is not http or https.`, {
      hint: "Give the gateway's base URL, e.g. --target http://localhost:8000.",
    });
  if (url.username || url.password)
    throw new OidcError('capture.target_invalid', 'The capture target carries a user name or password.', {
      hint: "Leave credentials out of the target: the application's own requests carry theirs.",
    });
  if (url.search || url.hash)
    throw new OidcError(
      'capture.target_invalid',
      `The capture target ${url.origin}${url.pathname} has a query or fragment.`,
      {
        hint: "Give a base URL only; the application's path and query are appended to it.",
      },
    );
  return url;
}

/** A bounded copy of a body stream: the first `cap` bytes, and how many passed in all. */
class BodyTap {
  private chunks: Buffer[] = [];
  private kept = 0;
  size = 0;

  constructor(private readonly cap: number) {}

  add(chunk: Buffer): void {
    this.size += chunk.length;
    const room = this.cap - this.kept;
    if (room <= 0) return;
    const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
    this.chunks.push(part);
    this.kept += part.length;
  }

  get truncated(): boolean {
    return this.size > this.kept;
  }

  /** The kept bytes (copied out, so the socket's buffers are not held), and the tap emptied. */
  take(): Buffer {
    const out = Buffer.concat(this.chunks, this.kept);
    this.chunks = [];
    return out;
  }
}

/** A recorded body as text: decompressed when whole and encoded (gzip, deflate, br), else as UTF-8. */
function bodyText(bytes: Buffer, encoding: string | undefined, truncated: boolean, cap: number): string {
  const coding = encoding?.trim().toLowerCase();
  if (!coding || coding === 'identity' || bytes.length === 0) return bytes.toString('utf8');
  if (truncated) return `[${coding}-encoded body, cut at ${bytes.length} bytes: not decoded]`;
  try {
    const options = { maxOutputLength: cap };
    const plain =
      coding === 'gzip' || coding === 'x-gzip'
        ? zlib.gunzipSync(bytes, options)
        : coding === 'deflate'
          ? zlib.inflateSync(bytes, options)
          : coding === 'br'
            ? zlib.brotliDecompressSync(bytes, options)
            : undefined;
    return plain ? plain.toString('utf8') : `[${coding}-encoded body, ${bytes.length} bytes: not decoded]`;
  } catch {
    return `[${coding}-encoded body, ${bytes.length} bytes: could not be decoded]`;
  }
}

function pairs(raw: readonly string[]): HeaderList {
  const out: HeaderList = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!, raw[i + 1]!]);
  return out;
}

/** The gateway's answer as recorded before its body arrives. */
function recordedAnswer(answer: IncomingMessage): RecordedResponse {
  const headers = pairs(answer.rawHeaders);
  const contentType = headerValue(headers, 'content-type');
  return {
    status: answer.statusCode ?? 0,
    statusText: answer.statusMessage ?? '',
    httpVersion: `HTTP/${answer.httpVersion}`,
    headers,
    body: '',
    bodySize: 0,
    truncated: false,
    ...(contentType ? { contentType } : {}),
  };
}

/** Which framing headers a raw header list (name, value, name, value...) names, in one pass. */
function framing(raw: readonly string[]): { connection: boolean; length: boolean } {
  let connection = false;
  let length = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    // Only names of these lengths can match: most headers are passed over without lower-casing them.
    if (name.length === 10 && name.toLowerCase() === 'connection') connection = true;
    else if (
      (name.length === 14 && name.toLowerCase() === 'content-length') ||
      (name.length === 17 && name.toLowerCase() === 'transfer-encoding')
    )
      length = true;
  }
  return { connection, length };
}

function hostHeaderOf(url: URL): string {
  return url.host;
}

/** The raw header list to send: the client's as received, with Host set to the target's unless kept. */
function outgoingHeaders(raw: readonly string[], target: URL, preserveHost: boolean): string[] {
  const out = [...raw];
  if (preserveHost) return out;
  let found = false;
  for (let i = 0; i + 1 < out.length; i += 2) {
    if (out[i]!.length === 4 && out[i]!.toLowerCase() === 'host') {
      out[i + 1] = hostHeaderOf(target);
      found = true;
    }
  }
  if (!found) out.push('Host', hostHeaderOf(target));
  return out;
}

/** The path on the target: its base path, then the application's path and query. */
function targetPath(base: string, requestUrl: string): string {
  let path = requestUrl;
  if (!path.startsWith('/') && path !== '*') {
    // An absolute-form request (the application treats us as a forward proxy): its path and query.
    try {
      const absolute = new URL(path);
      path = `${absolute.pathname}${absolute.search}`;
    } catch {
      path = `/${path}`;
    }
  }
  if (path === '*') return path;
  const trimmed = base.replace(/\/+$/, '');
  return `${trimmed}${path}`;
}

interface Pending {
  record: CaptureRecord;
  request: JudgeRequest;
}

/** Starts a capture proxy in front of `options.target`; resolves once it listens. */
export async function startCapture(options: CaptureOptions, deps: CaptureDeps = {}): Promise<CaptureSession> {
  const target = parseTarget(options.target);
  const host = options.host ?? '127.0.0.1';
  if (!isLoopbackHost(host) && !options.allowRemote)
    throw new OidcError(
      'capture.remote_not_allowed',
      `The capture would listen on ${host}, which other machines can reach: every token the application sends would pass through it.`,
      { hint: 'Listen on 127.0.0.1 (the default), or confirm with --allow-remote that other machines may use it.' },
    );
  const clock = deps.clock ?? systemClock;
  const cap = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const ring = new Ring<CaptureRecord>(options.maxExchanges ?? DEFAULT_MAX_EXCHANGES, {
    bytes: options.maxRecordedBytes ?? DEFAULT_MAX_RECORDED_BYTES,
    weigh: recordedBytes,
  });
  const secrets = new SecretRegistry();
  const groupSecret = randomBytes(32);
  const onExchange = new Emitter<CaptureRecord>();
  const onVerdict = new Emitter<CaptureRecord>();
  const gateway = options.gateway ?? {};
  const profile = selectProfile({
    gatewayProfile: gateway.profile,
    gatewayKind: gateway.kind,
    config: gateway.config,
    plugin: gateway.plugin,
  });
  const sources: TokenSource[] = profile.tokenSources(gateway.config);
  const secure = target.protocol === 'https:';
  const agentOptions = { keepAlive: true, maxSockets: Infinity, maxFreeSockets: 256 };
  const agent = secure
    ? new https.Agent({
        ...agentOptions,
        ...(options.tls?.ca ? { ca: options.tls.ca } : {}),
        rejectUnauthorized: options.tls?.insecureSkipTlsVerify !== true,
      })
    : new http.Agent(agentOptions);
  const request = secure ? https.request : http.request;
  const port = target.port ? Number(target.port) : secure ? 443 : 80;
  const warnings =
    options.tls?.insecureSkipTlsVerify && secure ? ['TLS verification towards the target was disabled.'] : [];
  const stats = { total: 0, evicted: 0, inFlight: 0 };
  const concurrency = options.verdictConcurrency ?? 4;
  const maxPending = options.maxPendingVerdicts ?? 256;
  const targetTimeout = options.targetTimeoutMs ?? DEFAULT_TARGET_TIMEOUT_MS;
  const silence = {
    code: 'http.timeout.headers' as const,
    message: `The target ${target.origin} sent no answer within ${targetTimeout / 1000} s of the request's last byte.`,
    hint: 'The gateway (or the service behind it) is hanging: look at its logs. A long poll that answers later needs a longer target timeout (oidc-flow capture --target-timeout MS).',
  };
  const queue: Pending[] = [];
  let judging = 0;
  const judged = new Set<Promise<void>>();
  const sockets = new Set<Socket>();
  let seq = 0;
  let closed = false;

  /**
   * What the registry learns: on the forwarding path only each exchange's token (cheap), and
   * everything else an exchange carries (cookies, secret headers, credential fields) when it is
   * judged or handed out redacted or as HAR. Learning every exchange whole cost a third of the
   * capture's CPU at 1,000 requests a second (bench/capture-proxy.ts's profile). The registry is
   * kept as bounded as the ring: rebuilt from the kept records once it has grown well past them.
   */
  let learned = 0;
  const learn = (exchange: HttpExchange, whole: boolean): void => {
    if (whole) secrets.addExchange(exchange);
    else secrets.add(...exchange.secrets);
    learned++;
    if (learned > 2 * ring.capacity + 100) {
      secrets.clear();
      learned = 0;
      for (const kept of ring.toArray()) {
        secrets.add(...kept.exchange.secrets);
        learned++;
      }
      secrets.add(...exchange.secrets);
    }
  };

  /** Facts of the tokens seen lately: an application sends the same token many times (one HMAC and decode each). */
  const factsCache = new Map<string, ReturnType<typeof tokenFacts>>();
  const factsOf = (found: FoundToken): ReturnType<typeof tokenFacts> => {
    let facts = factsCache.get(found.token);
    if (!facts) {
      facts = tokenFacts(found.token, groupSecret, found.source, found.scheme);
      if (factsCache.size >= 256) factsCache.clear();
      factsCache.set(found.token, facts);
    }
    // The cached facts are the token's; where this request carried it is this request's.
    const { scheme: _scheme, ...base } = facts;
    return { ...base, source: { ...found.source }, ...(found.scheme ? { scheme: found.scheme } : {}) };
  };

  /**
   * Tells the listeners (the CLI's printer, the extension's view). A listener that throws must not
   * break the exchange it is told about, nor the next ones: its error is dropped here, on purpose.
   */
  const tell = (emitter: Emitter<CaptureRecord>, record: CaptureRecord): void => {
    try {
      emitter.fire(record);
    } catch {
      // A shell's bug stays the shell's: the capture keeps forwarding.
    }
  };

  const runJudge = (pending: Pending): void => {
    const judge = deps.judge!;
    judging++;
    const done = judge
      .judge(pending.request)
      .then(
        (verdict) => {
          pending.record.verdict = verdict ? { state: 'done', verdict } : { state: 'none' };
        },
        (error: unknown) => {
          const message = error instanceof Error ? error.message : String(error);
          pending.record.verdict = { state: 'skipped', reason: `The verdict could not be worked out: ${message}` };
        },
      )
      .then(() => {
        judging--;
        judged.delete(done);
        if (pending.record.verdict.state !== 'none') tell(onVerdict, pending.record);
        const next = queue.shift();
        if (next) runJudge(next);
      });
    judged.add(done);
  };

  const finish = (record: CaptureRecord, found: FoundToken | undefined): void => {
    stats.inFlight--;
    const { exchange } = record;
    const status = exchange.response?.status;
    const refused = status === 401 || status === 403;
    const accepted = status !== undefined && status >= 200 && status < 300 && found !== undefined;
    const wanted = !record.answeredByProxy && (refused || (options.checkAccepted === true && accepted));
    learn(exchange, wanted);
    stats.evicted += ring.push(record);
    if (wanted && deps.judge) {
      if (judging + queue.length >= concurrency + maxPending) {
        record.verdict = {
          state: 'skipped',
          reason: `More than ${maxPending} verdicts were waiting; this exchange was not judged (the capture keeps up with the traffic, not with the IdP).`,
        };
      } else {
        record.verdict = { state: 'pending' };
        const pending = { record, request: { exchange, found, accepted: !refused } };
        if (judging < concurrency) runJudge(pending);
        else queue.push(pending);
      }
    }
    tell(onExchange, record);
    if (record.verdict.state === 'skipped') tell(onVerdict, record);
  };

  /** A new record for a request; the token is read off the request line and headers (a form body's later). */
  const begin = (req: IncomingMessage, kind: CaptureRecord['kind']) => {
    stats.total++;
    stats.inFlight++;
    seq++;
    const id = `capture-${seq}`;
    const path = targetPath(target.pathname, req.url ?? '/');
    const headers = pairs(outgoingHeaders(req.rawHeaders, target, options.preserveHost === true));
    const exchange: HttpExchange = {
      id,
      label: kind === 'upgrade' ? 'captured upgrade' : 'captured request',
      lane: 'gateway',
      startedAt: clock.now(),
      request: {
        method: req.method ?? 'GET',
        url: `${target.origin}${path === '*' ? '' : path}`,
        headers,
        bodySize: 0,
      },
      timings: { total: 0 },
      warnings: [...warnings],
      secrets: [],
    };
    const record: CaptureRecord = { id, seq, exchange, kind, verdict: { state: 'none' } };
    return { record, path, headers };
  };

  /** Adds the token facts once the request is known whole (a form body can carry the token). */
  const tokenOf = (record: CaptureRecord): FoundToken | undefined => {
    const { request: recorded } = record.exchange;
    const found = findToken(
      {
        url: recorded.url,
        headers: recorded.headers,
        ...(recorded.body !== undefined ? { body: recorded.body } : {}),
        contentType: headerValue(recorded.headers, 'content-type'),
      },
      sources,
    );
    if (found) {
      record.token = factsOf(found);
      record.exchange.secrets = [found.token];
    }
    return found;
  };

  /** The request to the target: the application's method, path and raw headers. */
  const forward = (req: IncomingMessage, path: string, via: http.Agent | false): http.ClientRequest => {
    const upstream = request({
      protocol: target.protocol,
      hostname: target.hostname,
      port,
      method: req.method,
      path,
      headers: outgoingHeaders(req.rawHeaders, target, options.preserveHost === true),
      setHost: false,
      agent: via,
      ...(secure
        ? {
            servername: isIP(target.hostname) ? undefined : target.hostname,
            ...(options.tls?.ca ? { ca: options.tls.ca } : {}),
            rejectUnauthorized: options.tls?.insecureSkipTlsVerify !== true,
          }
        : {}),
    });
    // Node's client adds `Connection: keep-alive` to a request that names no Connection (the HTTP/1.1
    // default anyway), and gateways such as Apache answer it with Keep-Alive headers the application
    // would not have got: the head Node stored is sent without that line, as the application sent it.
    if (!framing(req.rawHeaders).connection) {
      const head = (upstream as unknown as { _header?: unknown })._header;
      if (typeof head === 'string')
        (upstream as unknown as { _header: string })._header = head.replace(/\r\nConnection: keep-alive\r\n/, '\r\n');
    }
    return upstream;
  };

  /**
   * What went wrong towards the target. classifyFailure reads undici's errors; node:http's client
   * reports an answer it cannot parse as HPE_* codes ("Parse Error: ..."), named here so the 502
   * says the target answered something broken rather than that it could not be reached.
   */
  const failureOf = (error: unknown): { code: HttpErrorCode; message: string; hint: string } => {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'HPE_HEADER_OVERFLOW')
      return {
        code: 'http.headers_too_large',
        message: `The answer's headers from the capture target (${target.origin}) are larger than the capture accepts (about 16 KB in all), so it was refused.`,
        hint: 'A gateway or proxy in between may be adding huge headers or cookies; check the gateway.',
      };
    if (typeof code === 'string' && code.startsWith('HPE_'))
      return {
        code: 'http.malformed_response',
        message: `The answer from the capture target (${target.origin}) is not valid HTTP/1.1: ${(error as Error).message}.`,
        hint: 'The gateway, or a proxy in between, sent a broken answer (a control character in a header, a bad status line); check its logs.',
      };
    return classifyFailure(error, {
      target: `the capture target (${target.origin})`,
      host: target.hostname,
      port: String(port),
      connectTimeout: 0,
      headersTimeout: 0,
      bodyTimeout: 0,
      totalTimeout: 0,
      clientCertificate: false,
      surface: options.surface ?? 'cli',
    });
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const started = performance.now();
    const { record, path } = begin(req, 'http');
    const { exchange } = record;
    const requestTap = new BodyTap(cap);
    const responseTap = new BodyTap(cap);
    let done = false;
    let found: FoundToken | undefined;
    // Node adds a Date header unless told not to; the gateway's own (or none) passes instead.
    res.sendDate = false;

    const complete = (error?: { code: HttpErrorCode; message: string }): void => {
      if (done) return;
      done = true;
      exchange.timings.total = performance.now() - started;
      const requestBytes = requestTap.take();
      exchange.request.bodySize = requestTap.size;
      if (requestTap.size > 0) exchange.request.body = requestBytes.toString('utf8');
      if (requestTap.truncated)
        exchange.warnings.push(`The request body was recorded up to ${cap} bytes of ${requestTap.size}.`);
      if (exchange.response) {
        const truncated = responseTap.truncated;
        exchange.response.body = bodyText(
          responseTap.take(),
          headerValue(exchange.response.headers, 'content-encoding'),
          truncated,
          cap,
        );
        exchange.response.bodySize = responseTap.size;
        exchange.response.truncated = truncated;
      }
      if (error) exchange.error = error;
      found = tokenOf(record);
      finish(record, found);
    };

    let upstream = forward(req, path, agent);
    let retried = false;

    /**
     * The target's deadline: re-armed while the application still sends (a slow upload is not the
     * target's silence), cleared by the answer's head. When it fires the upstream request is torn
     * down and the error path answers 504.
     */
    let silent = false;
    let deadline: NodeJS.Timeout | undefined;
    const arm = (): void => {
      // Once the answer's head is here (or the exchange is over) the target is no longer silent.
      if (exchange.response || done) return;
      if (deadline) clearTimeout(deadline);
      deadline = setTimeout(() => {
        silent = true;
        upstream.destroy(new Error(silence.message));
      }, targetTimeout);
    };
    const disarm = (): void => {
      if (deadline) clearTimeout(deadline);
      deadline = undefined;
    };

    const attach = (): void => {
      arm();
      upstream.on('finish', arm);
      upstream.on('socket', (socket: Socket) => {
        const note = (): void => {
          exchange.connection = {
            localAddress: socket.localAddress,
            localPort: socket.localPort,
            remoteAddress: socket.remoteAddress,
            remotePort: socket.remotePort,
          };
        };
        if (socket.remotePort !== undefined && !socket.connecting) note();
        else socket.once('connect', note);
      });

      upstream.on('response', (answer: IncomingMessage) => {
        disarm();
        exchange.response = recordedAnswer(answer);
        exchange.timings.ttfb = performance.now() - started;
        // Node's server adds Connection (and Keep-Alive) when the answer names none, and chunks a body
        // that names no length: the gateway's answer goes out with neither added.
        const named = framing(answer.rawHeaders);
        if (!named.connection) res.removeHeader('connection');
        if (!named.length) res.removeHeader('transfer-encoding');
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.rawHeaders);
        // Headers go out with the first body chunk (one write); an answer whose body does not follow at
        // once (server-sent events, a long poll) gets its headers now, so the application sees them as sent.
        let bodyStarted = false;
        setImmediate(() => {
          if (!bodyStarted && !res.writableEnded && !res.destroyed) res.flushHeaders();
        });
        answer.on('data', (chunk: Buffer) => {
          bodyStarted = true;
          responseTap.add(chunk);
        });
        answer.pipe(res);
        answer.on('end', () => {
          exchange.timings.download = performance.now() - started - (exchange.timings.ttfb ?? 0);
        });
        answer.on('error', () => res.destroy());
        answer.on('aborted', () => res.destroy());
      });

      upstream.on('error', (error: NodeJS.ErrnoException) => {
        disarm();
        // A kept-alive connection the gateway closed just as it was reused: a request without a body
        // is sent again once on a new one, as a browser would, rather than answered 502 by us. Only
        // then: a target that answered garbage or stayed silent has seen the request, and sending it
        // twice would change what passes through.
        const closedUnderUs = error.code === 'ECONNRESET' || error.code === 'EPIPE';
        if (
          closedUnderUs &&
          !silent &&
          !exchange.response &&
          upstream.reusedSocket &&
          !retried &&
          requestTap.size === 0 &&
          req.readableEnded
        ) {
          retried = true;
          upstream = forward(req, path, agent);
          attach();
          upstream.end();
          return;
        }
        if (exchange.response) {
          // The answer was under way: cut the application's connection as the gateway cut ours.
          res.destroy();
          complete({
            code: 'http.connection_reset',
            message: 'The target closed the connection before its answer ended.',
          });
          return;
        }
        const failure = silent ? silence : failureOf(error);
        const status = silent ? 504 : 502;
        const statusText = silent ? 'Gateway Timeout' : 'Bad Gateway';
        const what = silent
          ? 'did not answer'
          : failure.code === 'http.headers_too_large' || failure.code === 'http.malformed_response'
            ? 'sent an answer that cannot be passed on'
            : 'could not be reached';
        const text = `oidc-flow capture: the target ${target.origin} ${what}, so the capture proxy answers instead of the gateway.\n${failure.message}\n${failure.hint}\n`;
        const body = Buffer.from(text, 'utf8');
        if (!res.headersSent) {
          const headers = [
            'Content-Type',
            'text/plain; charset=utf-8',
            'Content-Length',
            String(body.length),
            PROXY_ERROR_HEADER,
            'proxy-error',
          ];
          res.writeHead(status, statusText, headers);
          res.end(body);
          record.answeredByProxy = true;
          exchange.response = {
            status,
            statusText,
            httpVersion: 'HTTP/1.1',
            headers: pairs(headers),
            body: text,
            bodySize: body.length,
            truncated: false,
            contentType: 'text/plain; charset=utf-8',
          };
        } else res.destroy();
        req.resume();
        complete({ code: failure.code, message: failure.message });
      });
    };
    attach();

    req.on('data', (chunk: Buffer) => {
      requestTap.add(chunk);
      arm();
    });
    req.pipe(upstream);
    req.on('error', () => upstream.destroy());

    res.on('finish', () => complete());
    res.on('close', () => {
      disarm();
      if (!res.writableFinished) {
        upstream.destroy();
        complete({ code: 'http.aborted', message: 'The application closed the connection before the answer ended.' });
      }
    });
  };

  const onUpgrade = (req: IncomingMessage, socket: Socket, head: Buffer): void => {
    const started = performance.now();
    const { record, path } = begin(req, 'upgrade');
    const { exchange } = record;
    let done = false;
    const complete = (error?: { code: HttpErrorCode; message: string }): void => {
      if (done) return;
      done = true;
      exchange.timings.total = performance.now() - started;
      if (error) exchange.error = error;
      finish(record, tokenOf(record));
    };
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    // An upgraded connection is not the agent's to reuse.
    const upstream = forward(req, path, false);
    // A silent target gets the same deadline as a plain request's (the handshake has no body to wait for).
    let silent = false;
    const deadline = setTimeout(() => {
      silent = true;
      upstream.destroy(new Error(silence.message));
    }, targetTimeout);
    upstream.on('upgrade', () => clearTimeout(deadline));
    upstream.on('response', () => clearTimeout(deadline));
    upstream.on('error', () => clearTimeout(deadline));
    socket.on('close', () => {
      clearTimeout(deadline);
      // The application left before the handshake's answer: the request to the target goes too.
      if (!exchange.response) upstream.destroy();
      complete({ code: 'http.aborted', message: 'The application closed the connection before the answer ended.' });
    });
    const statusBlock = (answer: IncomingMessage, raw: readonly string[]): string => {
      let text = `HTTP/${answer.httpVersion} ${answer.statusCode} ${answer.statusMessage ?? ''}\r\n`;
      for (let i = 0; i + 1 < raw.length; i += 2) text += `${raw[i]}: ${raw[i + 1]}\r\n`;
      return `${text}\r\n`;
    };
    const recordAnswer = (answer: IncomingMessage): void => {
      exchange.response = recordedAnswer(answer);
      exchange.timings.ttfb = performance.now() - started;
    };
    upstream.on('upgrade', (answer: IncomingMessage, upSocket: Socket, upHead: Buffer) => {
      recordAnswer(answer);
      sockets.add(upSocket);
      upSocket.on('close', () => sockets.delete(upSocket));
      socket.write(statusBlock(answer, answer.rawHeaders));
      if (upHead.length) socket.write(upHead);
      if (head.length) upSocket.write(head);
      upSocket.on('error', () => socket.destroy());
      socket.on('error', () => upSocket.destroy());
      upSocket.pipe(socket);
      socket.pipe(upSocket);
      complete();
    });
    upstream.on('response', (answer: IncomingMessage) => {
      // The gateway refused the upgrade (a 401, say): its answer goes back whole, then the connection closes.
      const raw: string[] = [];
      for (let i = 0; i + 1 < answer.rawHeaders.length; i += 2) {
        const name = answer.rawHeaders[i]!.toLowerCase();
        // The body is passed decoded; the connection ends it.
        if (name === 'transfer-encoding' || name === 'connection') continue;
        raw.push(answer.rawHeaders[i]!, answer.rawHeaders[i + 1]!);
      }
      raw.push('Connection', 'close');
      const tap = new BodyTap(cap);
      recordAnswer(answer);
      socket.write(statusBlock(answer, raw));
      answer.on('data', (chunk: Buffer) => tap.add(chunk));
      answer.pipe(socket);
      answer.on('end', () => {
        const truncated = tap.truncated;
        exchange.response!.body = bodyText(
          tap.take(),
          headerValue(exchange.response!.headers, 'content-encoding'),
          truncated,
          cap,
        );
        exchange.response!.bodySize = tap.size;
        exchange.response!.truncated = truncated;
        complete();
      });
    });
    upstream.on('error', (error) => {
      const failure = silent ? silence : failureOf(error);
      const status = silent ? 504 : 502;
      const statusText = silent ? 'Gateway Timeout' : 'Bad Gateway';
      if (!exchange.response) {
        const text = silent
          ? `oidc-flow capture: the target ${target.origin} did not answer: ${failure.message}\n`
          : `oidc-flow capture: the target ${target.origin} could not be reached: ${failure.message}\n`;
        socket.end(
          `HTTP/1.1 ${status} ${statusText}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\n${PROXY_ERROR_HEADER}: proxy-error\r\nConnection: close\r\n\r\n${text}`,
        );
        record.answeredByProxy = true;
        exchange.response = {
          status,
          statusText,
          httpVersion: 'HTTP/1.1',
          headers: [['Content-Type', 'text/plain; charset=utf-8']],
          body: text,
          bodySize: Buffer.byteLength(text),
          truncated: false,
        };
      } else socket.destroy();
      complete({ code: failure.code, message: failure.message });
    });
    upstream.end();
  };

  // The application's side is as untrusted as the target's: Node's own bounds, stated here so a
  // test can shorten them. Headers dribbled byte by byte (slowloris), or a connection that sends
  // nothing, are cut after `headersTimeout` (408); a request body that never ends after
  // `requestTimeout` (408, and its upstream request is destroyed with it). The check runs at
  // least four times per headers timeout, so a cut comes at most a quarter late.
  const headersTimeout = options.clientHeadersTimeoutMs ?? DEFAULT_CLIENT_HEADERS_TIMEOUT_MS;
  const requestTimeout = Math.max(options.clientRequestTimeoutMs ?? DEFAULT_CLIENT_REQUEST_TIMEOUT_MS, headersTimeout);
  /** Connections that have sent a request (an idle new connection is closed after headersTimeout). */
  const started = new WeakSet<Socket>();
  const server = http.createServer({
    noDelay: true,
    headersTimeout,
    requestTimeout,
    connectionsCheckingInterval: Math.max(50, Math.min(30_000, Math.floor(headersTimeout / 4))),
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    started.add(req.socket);
    onRequest(req, res);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    started.add(socket);
    onUpgrade(req, socket, head);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    // Node's headersTimeout counts from a request's first byte: a connection that never sends one
    // would stay open for ever (a thousand of them hold a thousand sockets). It gets the same bound,
    // and is closed without an answer (there was no request to answer).
    const idle = setTimeout(() => {
      // One that sent bytes is Node's: it answers 408 when the headers do not end in time.
      if (!started.has(socket) && socket.bytesRead === 0) socket.destroy();
    }, headersTimeout);
    idle.unref();
    socket.on('close', () => {
      clearTimeout(idle);
      sockets.delete(socket);
    });
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    // A request Node cannot parse (a bad request line, both Content-Length and Transfer-Encoding,
    // two lengths) never reaches the gateway: answer as any server would, and close.
    // An answer already under way on this connection (a target that answered before the request
    // body ended) must not get our status line in the middle of its body: the connection is cut.
    const answering = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (!socket.writable || answering?.headersSent) socket.destroy();
    else if (error.code === 'HPE_HEADER_OVERFLOW')
      socket.end('HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n');
    else if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT')
      socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n');
    else socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  });
  const listening = await listenLocal(
    server,
    options.port,
    {
      code: 'capture.listen',
      what: 'The capture proxy',
      hint: 'Pick another port (--listen 127.0.0.1:PORT), or 0 for a free one.',
    },
    host,
  );
  const shownHost = host.includes(':') ? `[${host}]` : host;

  const session: CaptureSession = {
    url: `http://${shownHost}:${listening}`,
    host,
    port: listening,
    target: `${target.origin}${target.pathname === '/' ? '' : target.pathname}`,
    secrets,
    onExchange: onExchange.event,
    onVerdict: onVerdict.event,
    records: () => ring.toArray(),
    redacted(record) {
      secrets.addExchange(record.exchange);
      return {
        ...record,
        exchange: secrets.exchange(record.exchange),
        ...(record.token ? { token: { ...record.token, source: { ...record.token.source } } } : {}),
        verdict: secrets.value(record.verdict),
      };
    },
    har(harOptions = {}) {
      const kept = ring.toArray();
      for (const record of kept) secrets.addExchange(record.exchange);
      const list = secrets.list();
      return toHar(
        kept.map((record) => ({ ...record.exchange, secrets: [...record.exchange.secrets, ...list] })),
        { creatorVersion: harOptions.creatorVersion },
      );
    },
    stats(): CaptureStats {
      return { ...stats, pendingVerdicts: judging + queue.length };
    },
    async close(closeOptions = {}) {
      if (closed) return;
      closed = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
        server.closeAllConnections();
      });
      agent.destroy();
      // Verdicts not started yet will not be: their records say so rather than stay pending.
      for (const waiting of queue.splice(0)) {
        waiting.record.verdict = { state: 'skipped', reason: 'The capture stopped before this exchange was judged.' };
        tell(onVerdict, waiting.record);
      }
      const grace = closeOptions.graceMs ?? 2000;
      if (judged.size > 0)
        await Promise.race([
          Promise.allSettled([...judged]),
          new Promise((resolve) => setTimeout(resolve, grace).unref()),
        ]);
      onExchange.dispose();
      onVerdict.dispose();
    },
    dispose() {
      void session.close({ graceMs: 0 });
    },
  };
  return session;
}
