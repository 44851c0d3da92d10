/**
 * The HTTP contract every protocol module speaks. The real client lives in
 * ./client.ts (undici); tests may pass any object with the same shape.
 */
import type { HttpErrorCode } from './error-codes';

/** Which participant an exchange talks to; drives the timeline's lanes. */
export type Lane = 'idp' | 'gateway' | 'upstream' | 'other';

export type HeaderList = Array<[name: string, value: string]>;

export interface HttpRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  /** Raw body. Mutually exclusive with `form` and `json`. */
  body?: string | Uint8Array;
  /** application/x-www-form-urlencoded body. */
  form?: Record<string, string | undefined>;
  /** application/json body. */
  json?: unknown;
  /** Human name of the endpoint, e.g. "token endpoint"; used in errors and the timeline. */
  label?: string;
  lane?: Lane;
  /** Extra values to redact wherever this exchange is shown (tokens, secrets, assertions). */
  secrets?: string[];
  /** Per-request overrides of the client's options. */
  options?: Partial<HttpOptions>;
  signal?: AbortSignal;
}

export interface Timings {
  /** Milliseconds; undefined when the phase did not happen (reused connection, plain http). */
  dns?: number;
  connect?: number;
  tls?: number;
  /** Request sent to first response byte. */
  ttfb?: number;
  /** Response body download. */
  download?: number;
  /** Writing the request (headers and body) to the connection. */
  send?: number;
  total: number;
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: HeaderList;
  body?: string;
  bodySize: number;
}

export interface RecordedResponse {
  status: number;
  statusText: string;
  httpVersion: string;
  headers: HeaderList;
  /** Body as text (UTF-8); cut at the size cap when `truncated`. */
  body: string;
  bodySize: number;
  truncated: boolean;
  contentType?: string;
}

/** One request and its answer (or failure), as recorded for timeline, curl and HAR. */
export interface HttpExchange {
  id: string;
  label?: string;
  lane: Lane;
  /** Epoch milliseconds. */
  startedAt: number;
  request: RecordedRequest;
  response?: RecordedResponse;
  timings: Timings;
  /** Set when no usable response arrived (timeout, TLS, DNS, size cap...). */
  error?: { code: HttpErrorCode; message: string };
  /** Things the user must see next to the result, e.g. "TLS verification was disabled". */
  warnings: string[];
  /** Redirect hops that led here, oldest first. */
  redirects?: HttpExchange[];
  /** Values to redact in anything shown or exported. Never exported itself. */
  secrets: readonly string[];
  /** How the request travelled, so curl and HAR exports can reproduce it. */
  transport?: TransportInfo;
  /**
   * The socket the request went out on. The local port is what a gateway's
   * log calls the client (Apache: `[client 127.0.0.1:<port>]`), so the log's
   * lines join to this request exactly.
   */
  connection?: ConnectionInfo;
}

/** Both ends of a connection; through a proxy, the connection to the proxy. */
export interface ConnectionInfo {
  localAddress?: string;
  localPort?: number;
  remoteAddress?: string;
  remotePort?: number;
}

export interface TransportInfo {
  /** TLS certificate verification was turned off. */
  insecure?: boolean;
  /** Extra CA certificates were trusted. */
  customCa?: boolean;
  /** A client certificate was offered (mTLS). */
  clientCertificate?: boolean;
  /** Proxy URL used, without credentials. */
  proxy?: string;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  /** Response body as text. */
  text: string;
  /** Parses the body as JSON or throws OidcError `http.invalid_json` naming the endpoint. */
  json<T = unknown>(): T;
  exchange: HttpExchange;
}

export interface HttpOptions {
  /** Extra CA certificates (PEM text) trusted in addition to the system's. */
  ca?: string | string[];
  /** Client certificate and key (PEM) for mTLS. */
  cert?: string;
  key?: string;
  passphrase?: string;
  /** Opt-in: skip TLS verification. Every exchange made so carries a warning. */
  insecureSkipTlsVerify?: boolean;
  /** HTTP(S) proxy URL; when undefined, HTTPS_PROXY/HTTP_PROXY/NO_PROXY from the environment apply. */
  proxy?: string;
  noProxy?: string;
  /** Milliseconds. */
  connectTimeout?: number;
  headersTimeout?: number;
  bodyTimeout?: number;
  /**
   * Milliseconds for the whole exchange (connect, headers and the whole body, redirects included):
   * the other three time each gap, so a server dripping a byte per gap would hold a run forever.
   */
  totalTimeout?: number;
  /** Response body size cap in bytes. */
  maxBodyBytes?: number;
  redirect?: 'follow' | 'manual' | 'error';
  maxRedirects?: number;
}

export interface HttpClient {
  send(request: HttpRequest): Promise<HttpResponse>;
}

/** Receives every exchange as it completes (the runner and timeline listen here). */
export type ExchangeListener = (exchange: HttpExchange) => void;
