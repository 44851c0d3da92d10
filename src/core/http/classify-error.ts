/**
 * Turns what undici and Node throw (codes on the error, its cause, or inside
 * an AggregateError from happy-eyeballs) into stable codes, messages that
 * name the endpoint, and hints.
 */
import type { HttpErrorCode } from './error-codes';
import { INVALID_PROXY } from './proxy';

export interface FailureContext {
  /** e.g. "the token endpoint (https://idp/oauth2/v1/token)", already redacted. */
  target: string;
  host: string;
  port: string;
  connectTimeout: number;
  headersTimeout: number;
  bodyTimeout: number;
  totalTimeout: number;
  /** The proxy in use, already without its credentials (describeProxy). */
  proxy?: string;
  clientCertificate: boolean;
  /** Who shows the hint: hints then name the CLI flags or the VS Code settings. */
  surface?: FailureSurface;
}

/** Where a failure is shown; decides whether hints name CLI flags or VS Code settings. */
export type FailureSurface = 'cli' | 'vscode';

export interface ClassifiedFailure {
  code: HttpErrorCode;
  message: string;
  hint: string;
}

/** Thrown into undici by the client itself when the body passes the cap. */
export class BodyTooLargeSignal extends Error {
  constructor(readonly limit: number) {
    super(`response body exceeds ${limit} bytes`);
  }
}

/** Thrown into undici by the client itself when the whole exchange outlives totalTimeout. */
export class ExchangeDeadlineSignal extends Error {
  /** How far the exchange got: no connection, no response headers, or a body still arriving (bytes so far). */
  constructor(readonly reached: { phase: 'connect' } | { phase: 'headers' } | { phase: 'body'; bytes: number }) {
    super('the whole exchange exceeded totalTimeout');
  }
}

const REACHED: Record<ExchangeDeadlineSignal['reached']['phase'], string> = {
  connect: 'no connection was made',
  headers: 'no response headers had arrived',
  body: 'the body was still arriving',
};

/** Thrown into undici by the client itself when the caller's AbortSignal fires. */
export class CallerAbortSignal extends Error {
  constructor() {
    super('aborted by the caller');
  }
}

const UNKNOWN_CA = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
]);

/** The knobs a hint may name, in the words of the surface the user is looking at. */
interface Knobs {
  /** Completes "If the server uses a private or corporate CA, ...". */
  ca: string;
  /** How to raise the headers, body or whole-exchange timeout. */
  raiseTimeout: (which: 'headers' | 'body' | 'total') => string;
  /** How to raise the connect timeout; absent when the surface has no such knob. */
  raiseConnectTimeout?: string;
  /** Where the proxy is set. */
  proxy: string;
  /** Where the mutual-TLS client certificate and key are set. */
  clientCertificate: string;
}

const KNOBS: Record<FailureSurface | 'core', Knobs> = {
  cli: {
    ca: 'add its PEM certificate with --ca FILE; use --insecure only as a last resort.',
    raiseTimeout: () => 'raise --timeout (milliseconds)',
    raiseConnectTimeout: 'raise --timeout (milliseconds)',
    proxy: '--proxy or HTTPS_PROXY',
    clientCertificate:
      "the client certificate and key (--cert-file and --key-file, or the IdP's certificate and privateKey in a flow file)",
  },
  vscode: {
    ca: 'add its PEM certificate in the oidcFlow.caFile setting; turn on oidcFlow.insecureSkipTlsVerify only as a last resort.',
    raiseTimeout: () => 'raise the oidcFlow.timeoutMs setting',
    raiseConnectTimeout: 'raise the oidcFlow.timeoutMs setting',
    proxy: 'the oidcFlow.proxy setting or HTTPS_PROXY',
    clientCertificate: "the client certificate and key (the IdP's certificate and privateKey in the flow file)",
  },
  // Library default (tests, other embedders): the HttpOptions names.
  core: {
    ca: 'add its PEM certificate in the CA file setting (`ca`); turn on insecureSkipTlsVerify only as a last resort.',
    raiseTimeout: (which) => `raise ${which}Timeout`,
    raiseConnectTimeout: 'raise connectTimeout',
    proxy: 'HTTPS_PROXY',
    clientCertificate: 'the client certificate and key (cert/key)',
  },
};

interface ErrorLike {
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
  name?: unknown;
}

/** Every error in the chain: the error, its causes, and AggregateError members. */
function chain(error: unknown): ErrorLike[] {
  const out: ErrorLike[] = [];
  const visit = (value: unknown, depth: number): void => {
    if (depth > 6 || value === null || typeof value !== 'object' || out.includes(value as ErrorLike)) return;
    const item = value as ErrorLike;
    out.push(item);
    if (Array.isArray(item.errors)) for (const inner of item.errors) visit(inner, depth + 1);
    visit(item.cause, depth + 1);
  };
  visit(error, 0);
  return out;
}

function codes(error: unknown): string[] {
  return chain(error)
    .map((item) => item.code)
    .filter((code): code is string => typeof code === 'string');
}

function firstMessage(error: unknown): string {
  for (const item of chain(error)) if (typeof item.message === 'string' && item.message) return item.message;
  return String(error);
}

/** Maps a transport failure to a code, a message naming the endpoint, and a hint. */
export function classifyFailure(error: unknown, ctx: FailureContext): ClassifiedFailure {
  const all = codes(error);
  const has = (...wanted: string[]): boolean => all.some((code) => wanted.includes(code));
  const items = chain(error);
  const knobs = KNOBS[ctx.surface ?? 'core'];

  if (items.some((item) => item instanceof BodyTooLargeSignal)) {
    const limit = (items.find((item) => item instanceof BodyTooLargeSignal) as BodyTooLargeSignal).limit;
    return {
      code: 'http.body_too_large',
      message: `The response from ${ctx.target} is larger than the ${limit}-byte limit (maxBodyBytes), so it was cut off.`,
      hint: 'Check the URL (it may point at a download rather than an API), or raise maxBodyBytes if the response really is that large.',
    };
  }
  if (ctx.proxy) {
    const proxied = classifyProxyFailure(error, { ...ctx, proxy: ctx.proxy }, knobs, has);
    if (proxied) return proxied;
  }
  if (items.some((item) => item instanceof CallerAbortSignal) || has('ABORT_ERR', 'UND_ERR_ABORTED')) {
    return {
      code: 'http.aborted',
      message: `The request to ${ctx.target} was cancelled before it completed.`,
      hint: 'Run it again if the cancellation was not intended.',
    };
  }
  const deadline = items.find((item): item is ExchangeDeadlineSignal => item instanceof ExchangeDeadlineSignal);
  if (deadline) {
    const { reached } = deadline;
    const so = reached.phase === 'body' ? `${REACHED.body} (${reached.bytes} bytes so far)` : REACHED[reached.phase];
    return {
      code: 'http.timeout.total',
      message: `The whole exchange with ${ctx.target} (connect, headers and body) exceeded ${ctx.totalTimeout} ms; ${so}.`,
      hint: `The server answers too slowly or keeps the body trickling: check its health and logs, or ${knobs.raiseTimeout('total')}.`,
    };
  }
  if (has('UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT')) {
    return {
      code: 'http.timeout.connect',
      message: `Could not connect to ${ctx.target} within ${ctx.connectTimeout} ms (TCP connection and TLS handshake).`,
      hint: `Check the host, port, firewall or VPN, and whether a proxy is needed (${knobs.proxy})${knobs.raiseConnectTimeout ? `; ${knobs.raiseConnectTimeout} if the network is merely slow` : ''}.`,
    };
  }
  if (has('UND_ERR_HEADERS_TIMEOUT')) {
    return {
      code: 'http.timeout.headers',
      message: `${capitalize(ctx.target)} accepted the request but sent no response headers within ${ctx.headersTimeout} ms.`,
      hint: `The server or something in front of it is hanging: check its health and logs, or ${knobs.raiseTimeout('headers')}.`,
    };
  }
  if (has('UND_ERR_BODY_TIMEOUT')) {
    return {
      code: 'http.timeout.body',
      message: `${capitalize(ctx.target)} started answering but the response body stalled for more than ${ctx.bodyTimeout} ms.`,
      hint: `The server stopped sending mid-response: check its health and logs, or ${knobs.raiseTimeout('body')}.`,
    };
  }
  if (has('ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL')) {
    return {
      code: 'http.dns',
      message: `The host name "${ctx.host}" of ${ctx.target} could not be resolved (DNS).`,
      hint: 'Check the spelling of the host, your DNS or VPN, and whether this network needs a proxy.',
    };
  }
  if (has('ECONNREFUSED')) {
    return {
      code: 'http.connection_refused',
      message: `${capitalize(ctx.target)} refused the connection: nothing accepts connections on ${ctx.host}:${ctx.port}.`,
      hint: 'Check the port and that the server is running and listening on that address.',
    };
  }
  if (has('ERR_TLS_CERT_ALTNAME_INVALID')) {
    return {
      code: 'tls.hostname_mismatch',
      message: `The TLS certificate of ${ctx.target} is not valid for the host "${ctx.host}": ${firstMessage(error)}`,
      hint: 'Use the host name the certificate was issued for, or have the server present a certificate that covers this name.',
    };
  }
  if (has('CERT_HAS_EXPIRED')) {
    return {
      code: 'tls.cert_expired',
      message: `The TLS certificate of ${ctx.target} has expired.`,
      hint: "Renew the server certificate; if it should still be valid, check this machine's clock.",
    };
  }
  if (has('CERT_NOT_YET_VALID')) {
    return {
      code: 'tls.cert_not_yet_valid',
      message: `The TLS certificate of ${ctx.target} is not valid yet.`,
      hint: 'Check the clock on this machine and on the server.',
    };
  }
  const unknownCa = all.find((code) => UNKNOWN_CA.has(code));
  if (unknownCa) {
    return {
      code: 'tls.unknown_ca',
      message: `The TLS certificate of ${ctx.target} is not signed by a trusted certificate authority (${unknownCa}).`,
      hint: `If the server uses a private or corporate CA, ${knobs.ca}`,
    };
  }
  const alert = all.find((code) =>
    /^ERR_SSL_.*ALERT_(CERTIFICATE_REQUIRED|BAD_CERTIFICATE|UNKNOWN_CA|HANDSHAKE_FAILURE|CERTIFICATE_UNKNOWN|ACCESS_DENIED)$/.test(
      code,
    ),
  );
  if (alert) {
    return {
      code: 'tls.client_certificate',
      message: `${capitalize(ctx.target)} rejected the TLS handshake (${alert})${ctx.clientCertificate ? ' and did not accept the client certificate' : '; it probably requires a client certificate'}.`,
      hint: ctx.clientCertificate
        ? 'Check that the server trusts the CA that issued the client certificate and that the certificate allows client authentication.'
        : `The server requires mutual TLS: set ${knobs.clientCertificate}.`,
    };
  }
  if (all.some((code) => code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || code.startsWith('ERR_OSSL_'))) {
    return {
      code: 'tls.failed',
      message: `The TLS handshake with ${ctx.target} failed: ${firstMessage(error)}`,
      hint: 'Check that the URL uses https only where the server speaks TLS, and compare TLS versions and ciphers with the server.',
    };
  }
  if (has('UND_ERR_HEADERS_OVERFLOW')) {
    return {
      code: 'http.headers_too_large',
      message: `The response headers from ${ctx.target} are larger than this client accepts (about 16 KB in all), so the response was refused.`,
      hint: 'A gateway or proxy in between may be adding huge headers or cookies, or the URL points at something that is not an API; check the server and any proxy.',
    };
  }
  // undici's HTTPParserError (llhttp: a broken chunk size, a bad status line), whose code is often unset,
  // and a body shorter or longer than its Content-Length.
  const parse = items.find((item) => item.name === 'HTTPParserError');
  if (parse || has('UND_ERR_RES_CONTENT_LENGTH_MISMATCH')) {
    return {
      code: 'http.malformed_response',
      message: `The response from ${ctx.target} is not valid HTTP/1.1: ${firstMessage(error)}.`,
      hint: 'The server, or a proxy or load balancer in between, sent a broken response; check their logs, and that the URL points at an HTTP server.',
    };
  }
  if (has('ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED')) {
    return {
      code: 'http.connection_reset',
      message: `The connection to ${ctx.target} was closed or reset before a complete response arrived.`,
      hint: ctx.clientCertificate
        ? 'The server, a load balancer or a proxy dropped the connection; check their logs, and that the server accepts this client certificate.'
        : 'The server, a load balancer or a proxy dropped the connection; check their logs. If the server requires mTLS, set a client certificate.',
    };
  }
  return {
    code: 'http.failed',
    message: `The request to ${ctx.target} failed: ${firstMessage(error)}`,
    hint: 'Check the URL and the network path to the server.',
  };
}

// Only errors that can come from reaching the proxy itself: a connect timeout may be the target's TLS
// handshake through the tunnel, which the generic connect-timeout branch describes.
const PROXY_CONNECT_CODES = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN'];

/** "host:port" of a proxy URL (already without credentials), or the text itself when it does not parse. */
function proxyAddress(proxy: string): string {
  try {
    const url = new URL(proxy);
    return `${url.hostname}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`;
  } catch {
    return proxy;
  }
}

/**
 * Failures that are the proxy's, not the target's: the proxy cannot be reached
 * (a connect-level error while a proxy is in use is always about the proxy: the
 * client only ever connects to it), its URL is unusable, or it refused to carry
 * the request. `ctx.proxy` carries no credentials.
 */
function classifyProxyFailure(
  error: unknown,
  ctx: FailureContext & { proxy: string },
  knobs: Knobs,
  has: (...codes: string[]) => boolean,
): ClassifiedFailure | undefined {
  const shown = ctx.proxy === INVALID_PROXY ? 'the configured proxy' : `the proxy ${ctx.proxy}`;
  const check = `Check the proxy URL (${knobs.proxy}) and that the proxy is running, or add the host to NO_PROXY if it must be reached directly.`;
  if (has(...PROXY_CONNECT_CODES)) {
    const address = proxyAddress(ctx.proxy);
    const why = has('ECONNREFUSED')
      ? `nothing accepts connections on ${address}`
      : `its host name "${address.replace(/:\d+$/, '')}" could not be resolved (DNS)`;
    return {
      code: 'http.proxy_unreachable',
      message: `Could not reach ${shown} to send the request to ${ctx.target}: ${why}.`,
      hint: check,
    };
  }
  if (has('ERR_INVALID_URL', 'UND_ERR_INVALID_ARG') && /invalid url/i.test(firstMessage(error))) {
    return {
      code: 'http.proxy',
      message: `The request to ${ctx.target} could not be sent through ${shown}: the proxy URL is not valid (it must be http(s)://host:port, without a path).`,
      hint: `Fix the proxy URL (${knobs.proxy}): scheme, host and port only, e.g. http://proxy.example:3128.`,
    };
  }
  // undici reports a refused CONNECT (e.g. 407) as an aborted request; it is the proxy's answer.
  if (has('UND_ERR_PRX_TLS') || /proxy/i.test(firstMessage(error))) {
    return {
      code: 'http.proxy',
      message: `The proxy ${ctx.proxy} did not carry the request to ${ctx.target}: ${firstMessage(error)}`,
      hint: `Check the proxy URL and credentials (${knobs.proxy}), or add the host to NO_PROXY if it must be reached directly.`,
    };
  }
  return undefined;
}

/** Starts a sentence: "the token endpoint (…)" becomes "The …"; a bare URL stays as it is written. */
export function capitalize(text: string): string {
  return /^[a-z][a-z+.-]*:\/\//i.test(text) ? text : text.charAt(0).toUpperCase() + text.slice(1);
}
