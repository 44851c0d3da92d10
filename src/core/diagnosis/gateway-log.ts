/**
 * The gateway's own words about a request: its error log, parsed and joined
 * to one exchange by time (and by path and client where the lines say them).
 * People debug 401s by reading that log next to the request; the verdict
 * shows the matching lines as evidence, marked as the gateway's.
 *
 * Formats: Apache httpd's error log (mod_auth_openidc writes there) and
 * nginx's (Kong's error.log). Any other line is kept as it is. Parsing is
 * one anchored match per line (linear), over a bounded tail of the file.
 */
import type { Clock } from '../clock';
import { systemClock } from '../clock';
import { OidcError } from '../errors';
import { headerValue } from '../http/headers';
import { redactLogText } from '../http/redact-log';
import type { HttpExchange } from '../http/types';
import { fsPromises } from '../text-file';

export interface GatewayLogLine {
  /** Epoch milliseconds, when the line carries a time. */
  at?: number;
  level?: string;
  /** Apache's module (auth_openidc, proxy, ...) or Kong's plugin name. */
  module?: string;
  /** "address:port" of the client the line is about, when it says. */
  client?: string;
  /** The request path the line is about, when it says. */
  path?: string;
  message: string;
  format: 'apache' | 'nginx' | 'plain';
  /** The line marks the start of a request's handling (mod_auth_openidc's "incoming request"). */
  starts?: boolean;
  /** Kong's request id (the X-Kong-Request-Id header), which Kong appends to every line of a request. */
  requestId?: string;
}

export interface ParseLogOptions {
  /**
   * Minutes east of UTC of the clock that wrote the log: Apache and nginx
   * write local time without a zone. Default: this machine's offset.
   */
  utcOffsetMinutes?: number;
  /** At most this many lines (the last ones) are kept. Default 20,000. */
  maxLines?: number;
}

/** The most of a log file worth reading: its tail. */
export const GATEWAY_LOG_MAX_BYTES = 4 * 1024 * 1024;
const MAX_LINE = 4000;

// [Fri Dec 04 20:31:16.244335 2026] [auth_openidc:debug] [pid 1:tid 2] src/oauth.c(199): [client 127.0.0.1:5] message
const APACHE =
  /^\[(?:[A-Z][a-z]{2}) ([A-Z][a-z]{2}) (\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))? (\d{4})\] \[([\w.-]*):(\w+)\] \[pid \d+(?::tid \d+)?\](?: [^\s[]+\(\d+\):)?(?: \[client ([^\]\s]+)\])?(?: \[remote [^\]\s]+\])? (.*)$/;
// 2026/12/04 20:30:01 [error] 1234#0: *56 [kong] handler.lua:123 [openid-connect] message, client: 1.2.3.4, server: kong, request: "GET /x HTTP/1.1", host: "h"
const NGINX = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2}) \[(\w+)\] \d+#\d+: (?:\*\d+ )?(.*)$/;
// Kong's PDK: "[kong] handler.lua:197 [plugin] message"; openid-connect logs through ngx.log instead:
// "[lua] responses.lua:30: [openid-connect] message" (docs/reference/kong-error-log.md says why).
const NGINX_KONG = /^\[kong\] [\w./-]+:\d+ (?:\[([\w-]+)\] )?(.*)$/;
const NGINX_LUA = /^\[lua\] [\w./-]+:\d+: (?:[\w.:]+\(\): )?(?:\[([\w-]+)\] )?(.*)$/;
const NGINX_CONTEXT = /, client: ([^,\s]+), server: [^,]*, request: "(?:[A-Z]+) ([^\s"?]*)[^"]*"(?:, .*)?$/;
const NGINX_REQUEST_ID = /, request_id: "([0-9a-f]{8,64})"\s*$/;
const APACHE_INCOMING = /incoming request: "([^"?]*)/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function localTime(parts: number[], offsetMinutes: number): number {
  const [year, month, day, hour, minute, second, micros] = parts as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return Date.UTC(year, month, day, hour, minute, second) + Math.floor(micros / 1000) - offsetMinutes * 60_000;
}

function parseLine(raw: string, offset: number): GatewayLogLine {
  const line = raw.length > MAX_LINE ? `${raw.slice(0, MAX_LINE)}…` : raw;
  const a = APACHE.exec(line);
  if (a) {
    const micros = Number((a[6] ?? '0').padEnd(6, '0'));
    const at = localTime(
      [Number(a[7]), MONTHS.indexOf(a[1]!), Number(a[2]), Number(a[3]), Number(a[4]), Number(a[5]), micros],
      offset,
    );
    const message = a[11]!;
    const path = APACHE_INCOMING.exec(message)?.[1];
    return {
      at,
      level: a[9],
      module: a[8] || undefined,
      client: a[10],
      path,
      message,
      format: 'apache',
      ...(path === undefined ? {} : { starts: true }),
    };
  }
  const n = NGINX.exec(line);
  if (n) {
    const at = localTime(
      [Number(n[1]), Number(n[2]) - 1, Number(n[3]), Number(n[4]), Number(n[5]), Number(n[6]), 0],
      offset,
    );
    let message = n[8]!;
    const requestId = NGINX_REQUEST_ID.exec(message)?.[1];
    const context = NGINX_CONTEXT.exec(message);
    if (context) message = message.slice(0, context.index);
    const kong = NGINX_KONG.exec(message) ?? NGINX_LUA.exec(message);
    return {
      at,
      level: n[7],
      module: kong ? (kong[1] ?? (message.startsWith('[kong]') ? 'kong' : 'lua')) : undefined,
      client: context?.[1],
      path: context?.[2],
      message: kong ? kong[2]! : message,
      format: 'nginx',
      ...(requestId ? { requestId } : {}),
    };
  }
  return { message: line, format: 'plain' };
}

/** Parses a gateway's error log (its last `maxLines` lines). Never throws. */
export function parseGatewayLog(text: string, options: ParseLogOptions = {}): GatewayLogLine[] {
  const offset = options.utcOffsetMinutes ?? -new Date().getTimezoneOffset();
  const max = options.maxLines ?? 20_000;
  const tail = text.length > GATEWAY_LOG_MAX_BYTES ? text.slice(text.length - GATEWAY_LOG_MAX_BYTES) : text;
  const lines = tail.split(/\r?\n/).filter((line) => line.trim() !== '');
  return (lines.length > max ? lines.slice(lines.length - max) : lines).map((line) => parseLine(line, offset));
}

export interface RequestWindow {
  /** When the request was sent and how long it took, epoch milliseconds. */
  startedAt: number;
  durationMs: number;
  /** The path called, to tell concurrent requests apart. */
  path?: string;
  /** The local port of the connection the request went out on (Apache logs it as the client's). */
  clientPort?: number;
  /** The gateway's id for the request, from its answer (Kong: X-Kong-Request-Id). */
  requestId?: string;
  /** Slack for clocks and log buffering, milliseconds (default 1000). */
  slackMs?: number;
}

/**
 * The lines the gateway wrote while handling this request. Kong stamps its
 * request id on each of them, which settles it. Otherwise time picks the
 * candidates among the lines that name a client or a request (within the
 * request, plus slack), and the connection narrows them: the client port
 * where the lines name it (and, of its lines, none older than the request
 * when there are such), else the path. A kept-alive connection carries
 * several requests, so where the gateway marks a request's start
 * (mod_auth_openidc's "incoming request" at debug level) only the run of
 * lines from the mark nearest the request's start is kept.
 */
export function linesForRequest(lines: readonly GatewayLogLine[], request: RequestWindow): GatewayLogLine[] {
  // Kong stamps its request id on every line it writes for the request: no guessing needed.
  if (request.requestId) {
    const byId = lines.filter((line) => line.requestId === request.requestId);
    if (byId.length > 0) return byId;
  }
  const slack = request.slackMs ?? 1000;
  const from = request.startedAt - slack;
  const to = request.startedAt + request.durationMs + slack;
  // nginx stamps whole seconds, rounded down: its lines may read up to a second early.
  // A timed line that names no client is about the server (start-up, workers), not about a request.
  const inWindow = lines.filter(
    (line) =>
      line.at !== undefined &&
      line.at >= from - (line.format === 'nginx' ? 1000 : 0) &&
      line.at <= to &&
      (line.client !== undefined || line.path !== undefined),
  );
  const port = request.clientPort === undefined ? undefined : `:${request.clientPort}`;
  const byPort = port ? inWindow.filter((line) => line.client?.endsWith(port)) : [];
  if (byPort.length > 0) {
    // A kept-alive connection carried the requests before this one too, and at the default level
    // nothing marks where one ends. On one clock (a gateway on this machine) none of this request's
    // lines is older than its start; the slack is only for a gateway whose clock differs.
    // Both clocks read milliseconds, so the previous request's last lines can carry this one's start
    // time to the millisecond (seen: 8 in 40 back-to-back calls); this request's own lines come after an
    // IdP round trip. Strictly later wins; the same millisecond only when nothing is later.
    // Where the gateway marks each request's start (debug level), the marks separate them instead.
    const sameMs = byPort.filter((line) => line.at! >= request.startedAt);
    const later = byPort.some((line) => line.starts) ? [] : byPort.filter((line) => line.at! > request.startedAt);
    const own = later.length > 0 ? later : sameMs;
    return nearestRun(own.length > 0 ? own : byPort, request.startedAt);
  }
  if (!request.path) return inWindow;
  const clients = new Set(
    inWindow.filter((line) => line.client && line.path === request.path).map((line) => line.client),
  );
  const matching = inWindow.filter((line) =>
    line.path !== undefined ? line.path === request.path : clients.size === 0 || clients.has(line.client),
  );
  return clients.size === 1 ? nearestRun(matching, request.startedAt) : matching;
}

/** Of lines split at each request-start mark, the run whose mark is nearest `at`. */
function nearestRun(lines: readonly GatewayLogLine[], at: number): GatewayLogLine[] {
  const runs: GatewayLogLine[][] = [];
  for (const line of lines) {
    if (line.starts || runs.length === 0) runs.push([]);
    runs[runs.length - 1]!.push(line);
  }
  if (runs.length === 1) return runs[0]!;
  const distance = (run: GatewayLogLine[]) => Math.abs((run[0]!.at ?? at) - at);
  return runs.reduce((best, run) => (distance(run) < distance(best) ? run : best));
}

/** What a gateway log line says about a refusal, in a form the verdict can use. */
export type GatewayLogSignal =
  | 'introspection_client_refused'
  | 'introspection_tls_failed'
  | 'introspection_unreachable'
  | 'introspection_inactive'
  | 'no_token'
  | 'remote_user_claim_missing'
  | 'token_expired'
  | 'issuer_not_allowed'
  | 'audience_mismatch'
  | 'unknown_signing_key'
  | 'required_claims_missing'
  | 'claim_forbidden'
  | 'consumer_not_found'
  | 'discovery_failed'
  | 'jwks_failed'
  | 'token_accepted'
  | 'claim_rule_failed'
  | 'authorization_failed';

export interface LogEvidence {
  signal?: GatewayLogSignal;
  /** The line as the gateway wrote it, secrets masked. */
  text: string;
  level?: string;
}

// Checked in order; the first pattern that matches a line names its signal. The Apache lines are
// mod_auth_openidc 2.4's as captured (test/fixtures/gateway-logs); the Kong ones are the message
// texts of Kong's openid-connect source (docs/reference/kong-error-log.md).
const SIGNALS: Array<[RegExp, GatewayLogSignal]> = [
  [
    /"error" entry with value: ""?(invalid_client|unauthorized_client)""?|HTTP response code=401|introspection endpoint \((?:401|403)\)/,
    'introspection_client_refused',
  ],
  [
    /SSL certificate problem|certificate verify failed|unable to get local issuer certificate|handshake failed|SSL routines/i,
    'introspection_tls_failed',
  ],
  [
    /curl_easy_perform\(\) failed|could not get a validation response|introspection endpoint was not specified|received from the introspection endpoint|connection refused|timed out/i,
    'introspection_unreachable',
  ],
  [
    /"active" boolean object with value "false"|response=\{"active":false\}|\binactive token\b|not active anymore/,
    'introspection_inactive',
  ],
  [/no bearer token found|no suitable authorization credentials were provided/i, 'no_token'],
  [/remote user (?:could not be set|claim)/i, 'remote_user_claim_missing'],
  [/invalid exp claim|access token has expired/, 'token_expired'],
  [/invalid issuer \(|issuers required but|required issuers are missing/, 'issuer_not_allowed'],
  [/invalid aud claim|aud claim was not specified/, 'audience_mismatch'],
  [/suitable jwk was not found/, 'unknown_signing_key'],
  [
    /(?:scopes|audience|groups|roles) required but no|required (?:scopes|audience|groups|roles) are missing/,
    'required_claims_missing',
  ],
  [/forbidden claim '/, 'claim_forbidden'],
  [/kong consumer was not found/, 'consumer_not_found'],
  [/using discovery failed|discovery information could not be loaded|rediscovery failed/, 'discovery_failed'],
  [/loading jwks from .* failed|no keys found/, 'jwks_failed'],
  // mod_auth_openidc (debug) once it has accepted the token: whatever refused the request came after it.
  [/oidc_oauth_set_request_user: set user to/, 'token_accepted'],
  // mod_auth_openidc's Require claim (info level) and Apache's own authorization refusal (error level, AH01631).
  [/could not match require claim expression '/, 'claim_rule_failed'],
  [/AH01631|authorization failure for "/, 'authorization_failed'],
];

/** The signal a gateway's message carries (a log line, or the reason Kong appends to its body with display_errors). */
export function logSignal(message: string): GatewayLogSignal | undefined {
  return SIGNALS.find(([pattern]) => pattern.test(message))?.[1];
}

/**
 * Turns log lines into evidence: the lines about a request at notice level
 * and above (Kong writes each refusal's reason as a notice), and quieter
 * lines that carry a signal. Lines of an unknown format are kept as they are.
 */
export function logEvidence(lines: readonly GatewayLogLine[], secrets: readonly string[] = []): LogEvidence[] {
  const out: LogEvidence[] = [];
  for (const line of lines) {
    const signal = logSignal(line.message);
    const aboutRequest =
      line.format === 'plain' || line.client !== undefined || line.path !== undefined || line.requestId !== undefined;
    const quiet = line.level !== undefined && /^(debug|trace\d*|info)$/.test(line.level);
    if (!signal && (quiet || !aboutRequest)) continue;
    out.push({
      ...(signal ? { signal } : {}),
      text: redactLogText(line.message, secrets),
      ...(line.level ? { level: line.level } : {}),
    });
  }
  return out;
}

/** Where a gateway writes its error log, and the clock it writes it in. */
export interface GatewayLogSource {
  file: string;
  /** Minutes east of UTC of the gateway's clock; default this machine's offset. */
  utcOffsetMinutes?: number;
}

/** Reads a log file: its size, and its tail. Injected so tests need no files. */
export interface LogFileReader {
  /** The file's size in bytes; rejects when the file cannot be read. */
  size(path: string): Promise<number>;
  /** The file's last `maxBytes` bytes as UTF-8 text. */
  tail(path: string, maxBytes: number): Promise<string>;
}

/** The real file system. */
export const fileLogReader: LogFileReader = {
  async size(path) {
    const handle = await fsPromises().open(path, 'r');
    try {
      return (await handle.stat()).size;
    } finally {
      await handle.close();
    }
  },
  async tail(path, maxBytes) {
    const handle = await fsPromises().open(path, 'r');
    try {
      const { size } = await handle.stat();
      const length = Math.min(size, maxBytes);
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, size - length);
      return buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close();
    }
  },
};

export interface ReadGatewayLogOptions {
  read?: LogFileReader;
  /** For the wait's deadline; with `sleep`, lets tests wait without time passing. */
  clock?: Clock;
  sleep?: (ms: number) => Promise<void>;
  utcOffsetMinutes?: number;
  /** Values to mask in the lines (the token sent, client secrets). */
  secrets?: readonly string[];
  /** How long to wait for a buffering gateway to write the request's lines (default 300 ms). */
  waitMs?: number;
  /** Where the file was named (a flag, a flow-file field, a setting), for the error. */
  where?: string;
}

export interface GatewayLogReading {
  /** The lines joined to the request. */
  lines: GatewayLogLine[];
  /** The same lines as masked evidence, for DiagnosisInput.gatewayLog. */
  evidence: LogEvidence[];
}

/** What a recorded exchange tells the join: when, which path, which connection, the gateway's request id. */
export function requestWindowOf(exchange: HttpExchange): RequestWindow {
  let path: string | undefined;
  try {
    path = new URL(exchange.request.url).pathname;
  } catch {
    path = undefined;
  }
  const requestId = exchange.response ? headerValue(exchange.response.headers, 'x-kong-request-id') : undefined;
  return {
    startedAt: exchange.startedAt,
    durationMs: exchange.timings.total,
    ...(path ? { path } : {}),
    ...(exchange.connection?.localPort === undefined ? {} : { clientPort: exchange.connection.localPort }),
    ...(requestId ? { requestId } : {}),
  };
}

const POLL_MS = 50;

/**
 * Reads the tail of a gateway's log after a call and returns the lines about
 * that request, masked. The gateway may still be writing (logs are
 * buffered), so while nothing joins, or the file keeps growing, it polls the
 * file's size for up to `waitMs`. A file that cannot be read is a
 * configuration error (config.gateway_log_unreadable) naming it.
 */
export async function readGatewayLogFor(
  path: string,
  request: RequestWindow,
  options: ReadGatewayLogOptions = {},
): Promise<GatewayLogReading> {
  const reader = options.read ?? fileLogReader;
  const clock = options.clock ?? systemClock;
  const now = () => clock.now();
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const deadline = now() + (options.waitMs ?? 300);
  const fail = (cause: unknown): never => {
    const code = (cause as { code?: unknown }).code;
    throw new OidcError(
      'config.gateway_log_unreadable',
      `Cannot read the gateway log ${path}${options.where ? ` (${options.where})` : ''}${typeof code === 'string' ? `: ${code}` : ''}.`,
      {
        where: options.where ?? path,
        cause,
        hint: "Give the path of the gateway's error log (Apache: ErrorLog; Kong: logs/error.log under its prefix), readable by this user.",
      },
    );
  };
  const read = async (): Promise<{ size: number; lines: GatewayLogLine[] }> => {
    try {
      const size = await reader.size(path);
      const text = await reader.tail(path, GATEWAY_LOG_MAX_BYTES);
      const parsed = parseGatewayLog(text, { utcOffsetMinutes: options.utcOffsetMinutes });
      return { size, lines: linesForRequest(parsed, request) };
    } catch (error) {
      return fail(error);
    }
  };
  let { size, lines } = await read();
  while (now() < deadline) {
    await sleep(POLL_MS);
    let grown: number;
    try {
      grown = await reader.size(path);
    } catch (error) {
      return fail(error);
    }
    if (grown === size && lines.length > 0) break;
    if (grown !== size) ({ size, lines } = await read());
  }
  return { lines, evidence: logEvidence(lines, options.secrets) };
}
