/**
 * The codes of transport failures (closed: a code that is not here cannot be
 * raised). `classifyFailure` maps what undici and Node throw onto these.
 */
export type TlsErrorCode =
  | 'tls.cert_expired'
  | 'tls.cert_not_yet_valid'
  | 'tls.client_certificate'
  | 'tls.failed'
  | 'tls.hostname_mismatch'
  | 'tls.unknown_ca';

export type HttpErrorCode =
  | 'http.aborted'
  | 'http.body_too_large'
  | 'http.connection_refused'
  | 'http.connection_reset'
  | 'http.dns'
  | 'http.failed'
  | 'http.headers_too_large'
  | 'http.invalid_json'
  | 'http.invalid_request'
  | 'http.malformed_response'
  | 'http.proxy'
  | 'http.proxy_unreachable'
  | 'http.redirect'
  | 'http.timeout.body'
  | 'http.timeout.connect'
  | 'http.timeout.headers'
  | 'http.timeout.total'
  | 'http.too_many_redirects'
  | TlsErrorCode;
