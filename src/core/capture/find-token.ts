/**
 * Finds the token a request carries where the gateway reads it (the
 * profile's token sources: a header, a query parameter, a cookie or a form
 * field), in the order the gateway looks. Linear in the request's size.
 */
import type { TokenSource } from '../gateway/profiles';
import type { HeaderList } from '../http/types';

export interface FoundToken {
  token: string;
  source: TokenSource;
  /** The Authorization scheme it came with ("Bearer", "DPoP"), for a header. */
  scheme?: string;
}

/** Where every gateway reads a token when nothing more is known: RFC 6750's Authorization header. */
export const DEFAULT_TOKEN_SOURCES: readonly TokenSource[] = [{ in: 'header', name: 'Authorization' }];

const CREDENTIALS = /^([A-Za-z][A-Za-z0-9._~+-]*) +(\S+)\s*$/;
// Only these schemes carry an access token; Basic carries a client's password.
const TOKEN_SCHEMES = /^(bearer|dpop)$/i;

function fromHeader(headers: HeaderList, name: string): { token: string; scheme?: string } | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of headers) {
    if (key.toLowerCase() !== wanted) continue;
    const credentials = CREDENTIALS.exec(value.trim());
    if (credentials && TOKEN_SCHEMES.test(credentials[1]!)) return { token: credentials[2]!, scheme: credentials[1]! };
    // Kong's access-token and x-access-token headers take the bare token too.
    if (wanted !== 'authorization' && value.trim() !== '' && !/\s/.test(value.trim())) return { token: value.trim() };
  }
  return undefined;
}

function fromPairs(text: string, name: string): string | undefined {
  try {
    const value = new URLSearchParams(text).get(name);
    return value === null || value === '' ? undefined : value;
  } catch {
    return undefined;
  }
}

function fromCookies(headers: HeaderList, name: string): string | undefined {
  for (const [key, value] of headers) {
    if (key.toLowerCase() !== 'cookie') continue;
    for (const part of value.split(';')) {
      const eq = part.indexOf('=');
      if (eq > 0 && part.slice(0, eq).trim() === name) {
        const found = part.slice(eq + 1).trim();
        if (found !== '') return found;
      }
    }
  }
  return undefined;
}

/** The request's side a token can be in; `body` only when it was recorded whole as a form. */
export interface TokenCarrier {
  /** The path and query as sent (`/orders?access_token=...`) or a whole URL. */
  url: string;
  headers: HeaderList;
  /** The request body, when it was recorded whole. */
  body?: string;
  contentType?: string;
}

/** The first token found at one of `sources`, in their order; undefined when the request carries none there. */
export function findToken(
  request: TokenCarrier,
  sources: readonly TokenSource[] = DEFAULT_TOKEN_SOURCES,
): FoundToken | undefined {
  for (const source of sources) {
    if (source.in === 'header') {
      const found = fromHeader(request.headers, source.name);
      if (found) return { token: found.token, source, ...(found.scheme ? { scheme: found.scheme } : {}) };
    } else if (source.in === 'query') {
      const question = request.url.indexOf('?');
      if (question < 0) continue;
      const hash = request.url.indexOf('#', question);
      const token = fromPairs(request.url.slice(question + 1, hash < 0 ? undefined : hash), source.name);
      if (token) return { token, source };
    } else if (source.in === 'cookie') {
      const token = fromCookies(request.headers, source.name);
      if (token) return { token, source };
    } else if (
      request.body !== undefined &&
      request.contentType &&
      /application\/x-www-form-urlencoded/i.test(request.contentType)
    ) {
      const token = fromPairs(request.body, source.name);
      if (token) return { token, source };
    }
  }
  return undefined;
}
