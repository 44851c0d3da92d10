export * from './types';
export { createHttpClient, INSECURE_TLS_WARNING, timeoutBudget } from './client';
export type { HttpClientOptions } from './client';
export { HttpError, isHttpError } from './http-error';
export {
  redactExchange,
  redactText,
  redactUrl,
  redactHeaders,
  redactBody,
  isSecretField,
  isSecretHeader,
  mask,
} from './redact';
export type { RedactOptions } from './redact';
export { SecretRegistry } from './secret-registry';
export { toCurl, shellQuote } from './curl';
export type { CurlOptions } from './curl';
export { toHar } from './har';
export type { Har, HarEntry, HarOptions, HarRequest, HarResponse, HarTimings, HarNameValue } from './har';
export { matchesNoProxy, selectProxy } from './proxy';
export { headerKey, headerValue } from './headers';
export type { HeaderSource } from './headers';
