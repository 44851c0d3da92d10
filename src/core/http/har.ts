import { headerValue } from './headers';
import { redactExchange } from './redact';
import type { HeaderList, HttpExchange } from './types';

/** HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/), the parts this tool fills in. */
export interface HarNameValue {
  name: string;
  value: string;
}

export interface HarRequest {
  method: string;
  url: string;
  httpVersion: string;
  cookies: HarNameValue[];
  headers: HarNameValue[];
  queryString: HarNameValue[];
  postData?: { mimeType: string; text: string; params?: HarNameValue[] };
  headersSize: number;
  bodySize: number;
}

export interface HarResponse {
  status: number;
  statusText: string;
  httpVersion: string;
  cookies: HarNameValue[];
  headers: HarNameValue[];
  content: { size: number; mimeType: string; text?: string };
  redirectURL: string;
  headersSize: number;
  bodySize: number;
}

export interface HarTimings {
  blocked: number;
  dns: number;
  connect: number;
  ssl: number;
  send: number;
  wait: number;
  receive: number;
}

export interface HarEntry {
  startedDateTime: string;
  time: number;
  request: HarRequest;
  response: HarResponse;
  cache: Record<string, never>;
  timings: HarTimings;
  comment?: string;
  /** HAR 1.2: the IP address of the server (through a proxy: the proxy's). */
  serverIPAddress?: string;
  /** HAR 1.2: an id of the TCP connection; here the client port, which gateways log. */
  connection?: string;
  _warnings?: string[];
  _error?: { code: string; message: string };
  _label?: string;
  _lane?: string;
}

export interface Har {
  log: {
    version: '1.2';
    creator: { name: string; version: string };
    entries: HarEntry[];
  };
}

export interface HarOptions {
  reveal?: boolean;
  creatorVersion?: string;
}

function pairs(headers: HeaderList): HarNameValue[] {
  return headers.map(([name, value]) => ({ name, value }));
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}

/** `a=1&b=2` to name/value pairs; tolerant of masks and odd encodings. */
function parsePairs(text: string): HarNameValue[] {
  return text
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const eq = pair.indexOf('=');
      return eq < 0
        ? { name: decode(pair), value: '' }
        : { name: decode(pair.slice(0, eq)), value: decode(pair.slice(eq + 1)) };
    });
}

function queryOf(url: string): HarNameValue[] {
  const start = url.indexOf('?');
  if (start < 0) return [];
  const end = url.indexOf('#', start);
  return parsePairs(url.slice(start + 1, end < 0 ? undefined : end));
}

function requestCookies(headers: HeaderList): HarNameValue[] {
  return headers
    .filter(([name]) => name.toLowerCase() === 'cookie')
    .flatMap(([, value]) => value.split(';'))
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const eq = part.indexOf('=');
      return eq < 0 ? { name: part, value: '' } : { name: part.slice(0, eq), value: part.slice(eq + 1) };
    });
}

function responseCookies(headers: HeaderList): HarNameValue[] {
  return headers
    .filter(([name]) => name.toLowerCase() === 'set-cookie')
    .map(([, value]) => {
      const first = value.split(';')[0]!.trim();
      const eq = first.indexOf('=');
      return eq < 0 ? { name: first, value: '' } : { name: first.slice(0, eq), value: first.slice(eq + 1) };
    });
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function entryOf(exchange: HttpExchange): HarEntry {
  const { request, response, timings } = exchange;
  const contentType = headerValue(request.headers, 'content-type') ?? '';
  const postData =
    request.body === undefined
      ? undefined
      : {
          mimeType: contentType,
          text: request.body,
          ...(/application\/x-www-form-urlencoded/i.test(contentType) ? { params: parsePairs(request.body) } : {}),
        };

  // HAR counts TLS inside `connect` too (kept for HAR 1.1 readers).
  const dns = timings.dns ?? -1;
  const ssl = timings.tls ?? -1;
  const connect = timings.connect === undefined ? -1 : timings.connect + (timings.tls ?? 0);
  const send = timings.send ?? 0;
  const wait = timings.ttfb ?? 0;
  const receive = timings.download ?? 0;
  const accounted = Math.max(0, dns) + Math.max(0, connect) + send + wait + receive;
  // Whatever is left (queueing, or the time spent failing) is `blocked`, so the phases add up to `time`.
  const blocked = Math.max(0, timings.total - accounted);

  const entry: HarEntry = {
    startedDateTime: new Date(exchange.startedAt).toISOString(),
    time: round(blocked + accounted),
    request: {
      method: request.method,
      url: request.url,
      httpVersion: response?.httpVersion ?? 'HTTP/1.1',
      cookies: requestCookies(request.headers),
      headers: pairs(request.headers),
      queryString: queryOf(request.url),
      ...(postData ? { postData } : {}),
      headersSize: -1,
      bodySize: request.body === undefined ? 0 : request.bodySize,
    },
    response: response
      ? {
          status: response.status,
          statusText: response.statusText,
          httpVersion: response.httpVersion,
          cookies: responseCookies(response.headers),
          headers: pairs(response.headers),
          content: { size: response.bodySize, mimeType: response.contentType ?? '', text: response.body },
          redirectURL: headerValue(response.headers, 'location') ?? '',
          headersSize: -1,
          bodySize: response.bodySize,
        }
      : {
          // No answer: HAR still needs a response object; status 0 is what browsers export.
          status: 0,
          statusText: '',
          httpVersion: '',
          cookies: [],
          headers: [],
          content: { size: 0, mimeType: 'x-unknown' },
          redirectURL: '',
          headersSize: -1,
          bodySize: -1,
        },
    cache: {},
    timings: {
      blocked: round(blocked),
      dns: dns < 0 ? -1 : round(dns),
      connect: connect < 0 ? -1 : round(connect),
      ssl: ssl < 0 ? -1 : round(ssl),
      send: round(send),
      wait: round(wait),
      receive: round(receive),
    },
  };
  if (exchange.connection?.remoteAddress) entry.serverIPAddress = exchange.connection.remoteAddress;
  if (exchange.connection?.localPort !== undefined) entry.connection = String(exchange.connection.localPort);
  if (exchange.label) entry._label = exchange.label;
  entry._lane = exchange.lane;
  if (exchange.warnings.length) entry._warnings = [...exchange.warnings];
  if (exchange.error) {
    entry._error = { ...exchange.error };
    entry.comment = `${exchange.error.code}: ${exchange.error.message}`;
  }
  return entry;
}

/** A HAR 1.2 log of the exchanges (redirect hops first, as separate entries), redacted unless `reveal`. */
export function toHar(exchanges: HttpExchange[], options: HarOptions = {}): Har {
  const entries = exchanges.flatMap((original) => {
    const shown = redactExchange(original, { reveal: options.reveal });
    return [...(shown.redirects ?? []), shown].map(entryOf);
  });
  return {
    log: {
      version: '1.2',
      creator: { name: 'OIDC Flow Debugger', version: options.creatorVersion ?? '0.0.0' },
      entries,
    },
  };
}
