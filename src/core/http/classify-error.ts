/**
 * Turns what undici and Node throw (codes on the error, its cause, or inside
 * an AggregateError from happy-eyeballs) into stable codes, messages that
 * name the endpoint, and hints.
 */

export interface FailureContext {
  /** e.g. "the token endpoint (https://idp/oauth2/v1/token)", already redacted. */
  target: string;
  host: string;
  port: string;
  connectTimeout: number;
  headersTimeout: number;
  bodyTimeout: number;
  proxy?: string;
  clientCertificate: boolean;
}

export interface ClassifiedFailure {
  code: string;
  message: string;
  hint: string;
}

/** Thrown into undici by the client itself when the body passes the cap. */
export class BodyTooLargeSignal extends Error {
  constructor(readonly limit: number) {
    super(`response body exceeds ${limit} bytes`);
  }
}

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

const CA_HINT =
  'If the server uses a private or corporate CA, add its PEM certificate in the CA file setting (`ca`); turn on insecureSkipTlsVerify only as a last resort.';

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

  if (items.some((item) => item instanceof BodyTooLargeSignal)) {
    const limit = (items.find((item) => item instanceof BodyTooLargeSignal) as BodyTooLargeSignal).limit;
    return {
      code: 'http.body_too_large',
      message: `The response from ${ctx.target} is larger than the ${limit}-byte limit (maxBodyBytes), so it was cut off.`,
      hint: 'Check the URL (it may point at a download rather than an API), or raise maxBodyBytes if the response really is that large.',
    };
  }
  // undici reports a refused CONNECT (e.g. 407) as an aborted request; it is the proxy's answer.
  if (ctx.proxy && (has('UND_ERR_PRX_TLS') || /proxy/i.test(firstMessage(error)))) {
    return {
      code: 'http.proxy',
      message: `The proxy ${ctx.proxy} did not carry the request to ${ctx.target}: ${firstMessage(error)}`,
      hint: 'Check the proxy URL and credentials (HTTPS_PROXY), or add the host to NO_PROXY if it must be reached directly.',
    };
  }
  if (items.some((item) => item instanceof CallerAbortSignal) || has('ABORT_ERR', 'UND_ERR_ABORTED')) {
    return {
      code: 'http.aborted',
      message: `The request to ${ctx.target} was cancelled before it completed.`,
      hint: 'Run it again if the cancellation was not intended.',
    };
  }
  if (has('UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT')) {
    return {
      code: 'http.timeout.connect',
      message: `Could not connect to ${ctx.target} within ${ctx.connectTimeout} ms (TCP connection and TLS handshake).`,
      hint: 'Check the host, port, firewall or VPN, and whether a proxy is needed (HTTPS_PROXY); raise connectTimeout if the network is merely slow.',
    };
  }
  if (has('UND_ERR_HEADERS_TIMEOUT')) {
    return {
      code: 'http.timeout.headers',
      message: `${capitalize(ctx.target)} accepted the request but sent no response headers within ${ctx.headersTimeout} ms.`,
      hint: 'The server or something in front of it is hanging: check its health and logs, or raise headersTimeout.',
    };
  }
  if (has('UND_ERR_BODY_TIMEOUT')) {
    return {
      code: 'http.timeout.body',
      message: `${capitalize(ctx.target)} started answering but the response body stalled for more than ${ctx.bodyTimeout} ms.`,
      hint: 'The server stopped sending mid-response: check its health and logs, or raise bodyTimeout.',
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
      hint: 'Renew the server certificate; if it should still be valid, check this machine\'s clock.',
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
      hint: CA_HINT,
    };
  }
  const alert = all.find((code) => /^ERR_SSL_.*ALERT_(CERTIFICATE_REQUIRED|BAD_CERTIFICATE|UNKNOWN_CA|HANDSHAKE_FAILURE|CERTIFICATE_UNKNOWN|ACCESS_DENIED)$/.test(code));
  if (alert) {
    return {
      code: 'tls.client_certificate',
      message: `${capitalize(ctx.target)} rejected the TLS handshake (${alert})${ctx.clientCertificate ? ' and did not accept the client certificate' : '; it probably requires a client certificate'}.`,
      hint: ctx.clientCertificate
        ? 'Check that the server trusts the CA that issued the client certificate and that the certificate allows client authentication.'
        : 'The server requires mutual TLS: set the client certificate and key (cert/key).',
    };
  }
  if (all.some((code) => code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || code.startsWith('ERR_OSSL_'))) {
    return {
      code: 'tls.failed',
      message: `The TLS handshake with ${ctx.target} failed: ${firstMessage(error)}`,
      hint: 'Check that the URL uses https only where the server speaks TLS, and compare TLS versions and ciphers with the server.',
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

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
