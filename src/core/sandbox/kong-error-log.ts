import { appendFileSync } from 'node:fs';
import { OidcError } from '../errors';

/**
 * Kong's error log as the sandbox gateway writes it: the nginx line Kong's
 * plugins produce, so the diagnosis reads the sandbox's log exactly as it
 * reads a real Kong's (docs/reference/kong-error-log.md, §1).
 */

export type NginxLevel = 'debug' | 'info' | 'notice' | 'warn' | 'error';

/** One line about one request. */
export interface KongLogEntry {
  level: NginxLevel;
  /**
   * What lua-nginx-module or the PDK puts before the message, e.g.
   * `[lua] responses.lua:30: [openid-connect] ` or `[kong] handler.lua:64 [jwt] `.
   */
  prefix: string;
  message: string;
}

/** The request a line is about, as nginx's log handler appends it. */
export interface KongLogRequest {
  /** nginx's connection number (`*N`). */
  connection: number;
  /** The client's address, without port. */
  client: string;
  method: string;
  /** The request target as sent (path and query). */
  uri: string;
  httpVersion: string;
  host?: string;
  /** $kong_request_id, the same as the X-Kong-Request-Id header. */
  requestId: string;
}

/** Where openid-connect's lines come from (kong-error-log.md §1c and §2). */
export const OIDC_LOG = {
  /** Every 401/403 refusal: plugins-ee/openid-connect/.../responses.lua:30 @4df4c98e. */
  refusal: '[lua] responses.lua:30: [openid-connect] ',
  /** Every 500: unexpected.lua:21 @4df4c98e. */
  unexpected: '[lua] unexpected.lua:21: [openid-connect] ',
  /** cache.lua:1223 @4df4c98e, once per call to the IdP (not on a cache hit). */
  introspecting: '[lua] cache.lua:1223: [openid-connect] ',
  /** cache.lua:1487 @4df4c98e, once per call to the userinfo endpoint. */
  userinfo: '[lua] cache.lua:1487: [openid-connect] ',
  /** cache.lua:1017 @4df4c98e, once per consumer lookup that misses Kong's cache. */
  consumerLoad: '[lua] cache.lua:1017: [openid-connect] ',
  /** cache.lua:1049 @4df4c98e, the lookup found no consumer. */
  consumerFailed: '[lua] cache.lua:1049: [openid-connect] ',
} as const;

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** nginx's error-log time: local time, `YYYY/MM/DD HH:MM:SS`, no zone. */
export function nginxTime(at: number, utcOffsetMinutes?: number): string {
  const offset = utcOffsetMinutes ?? -new Date(at).getTimezoneOffset();
  const d = new Date(at + offset * 60_000);
  return `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/**
 * One error-log line: nginx's `date [level] pid#0: *conn`, the plugin's
 * message, nginx's request context, and lua-kong-nginx-module's
 * `, request_id: "…"` (src/ngx_http_lua_kong_log_handler.c:40).
 */
export function formatKongLogLine(
  entry: KongLogEntry,
  request: KongLogRequest,
  options: { at: number; pid: number; utcOffsetMinutes?: number },
): string {
  const host = request.host === undefined ? '' : `, host: "${request.host}"`;
  return (
    `${nginxTime(options.at, options.utcOffsetMinutes)} [${entry.level}] ${options.pid}#0: *${request.connection} ` +
    `${entry.prefix}${entry.message}, client: ${request.client}, server: kong, ` +
    `request: "${request.method} ${request.uri} HTTP/${request.httpVersion}"${host}, request_id: "${request.requestId}"`
  );
}

/** Where the lines go. */
export interface KongErrorLogSink {
  write(line: string): void;
}

/**
 * Appends lines to a file, synchronously, so a line is on disk before the
 * response that it explains reaches the client (the diagnosis reads it then).
 */
export function fileErrorLog(path: string): KongErrorLogSink {
  try {
    appendFileSync(path, '');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new OidcError(
      'sandbox.gateway.log_unwritable',
      `Cannot write the gateway's error log to ${path} (${code}).`,
      {
        hint: 'Choose a writable file for --gateway-log (its folder must exist).',
      },
    );
  }
  return { write: (line) => appendFileSync(path, `${line}\n`) };
}
