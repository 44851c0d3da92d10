import { redactExchange } from './redact';
import type { HttpExchange } from './types';

export interface CurlOptions {
  /** Put secrets in the command as they are (the user explicitly asked). */
  reveal?: boolean;
}

/** Headers curl computes itself; copying them would only risk a mismatch. */
const COMPUTED_HEADERS = new Set(['content-length', 'host', 'connection', 'transfer-encoding']);

/** Quotes a word for a POSIX shell: single quotes, with each ' written as '\''. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A copy-pasteable POSIX-shell curl command for the exchange's request, redacted unless `reveal`. */
export function toCurl(exchange: HttpExchange, options: CurlOptions = {}): string {
  const shown = redactExchange(exchange, options);
  const { request } = shown;
  const method = request.method.toUpperCase();
  const hasBody = request.body !== undefined && request.body !== '';
  const parts: string[] = ['curl'];

  if (method === 'HEAD') parts.push('--head');
  else if (!(method === 'GET' && !hasBody) && !(method === 'POST' && hasBody))
    parts.push(`--request ${shellQuote(method)}`);
  // Masks like "[redacted 12 chars]" would otherwise be read as curl URL globs.
  if (/[[\]{}]/.test(request.url)) parts.push('--globoff');
  parts.push(shellQuote(request.url));

  for (const [name, value] of request.headers) {
    if (COMPUTED_HEADERS.has(name.toLowerCase())) continue;
    parts.push(`--header ${shellQuote(`${name}: ${value}`)}`);
  }
  if (hasBody) parts.push(`--data-raw ${shellQuote(request.body as string)}`);

  const transport = shown.transport ?? {};
  if (transport.insecure) parts.push('--insecure');
  // The PEM files are not part of the exchange: these names are placeholders to replace.
  if (transport.customCa) parts.push('--cacert ca.pem');
  if (transport.clientCertificate) parts.push('--cert client-cert.pem --key client-key.pem');
  if (transport.proxy) parts.push(`--proxy ${shellQuote(transport.proxy)}`);

  return parts.join(' \\\n  ');
}
