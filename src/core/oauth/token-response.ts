import type { Clock } from '../clock';
import { systemClock } from '../clock';
import { OidcError } from '../errors';
import { responseJson } from '../http/response-json';
import type { HttpResponse } from '../http/types';
import { capitalize, errorFromResponse, isRecord } from './oauth-error';
import type { ErrorContext } from './oauth-error';

/** Tokens from a token endpoint answer, with expiry pinned to the clock at receipt. */
export interface TokenSet {
  accessToken: string;
  tokenType: string;
  /** Seconds, as the server sent it (a numeric string is accepted). */
  expiresIn?: number;
  /** Epoch ms: obtainedAt + expiresIn. */
  expiresAt?: number;
  scope?: string[];
  refreshToken?: string;
  idToken?: string;
  /** RFC 8693 token exchange only. */
  issuedTokenType?: string;
  /** Epoch ms from the injected clock when the answer was parsed. */
  obtainedAt: number;
  /** Every field of the answer, custom ones included. */
  fields: Record<string, unknown>;
}

export interface ParseTokenOptions extends ErrorContext {
  clock?: Clock;
}

/** Splits a space-separated scope string; undefined when absent. */
export function splitScope(value: unknown): string[] | undefined {
  if (typeof value === 'string') return value.split(/\s+/).filter(Boolean);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  return undefined;
}

function readExpiresIn(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** Parses a token endpoint answer into a TokenSet, or throws the server's error as an OidcError. */
export function parseTokenResponse(response: HttpResponse, where: string, options: ParseTokenOptions = {}): TokenSet {
  const clock = options.clock ?? systemClock;
  const ok = response.status >= 200 && response.status < 300;
  // Parsed once for this and the run's secret registry, which learns the tokens in it.
  const parsed = responseJson(response);
  const body = parsed && isRecord(parsed.value) ? parsed.value : undefined;
  if (!ok || !body || typeof body.error === 'string') throw errorFromResponse(response, where, options);

  if (typeof body.access_token !== 'string' || body.access_token === '') {
    const present = Object.keys(body).join(', ') || 'none';
    throw new OidcError(
      'oauth.missing_access_token',
      `${capitalize(where)} answered HTTP ${response.status} without an access_token (fields: ${present}).`,
      {
        where,
        status: response.status,
        hint: 'The endpoint is probably not a token endpoint, or a proxy rewrote the answer; check token_endpoint in the metadata.',
      },
    );
  }
  const obtainedAt = clock.now();
  const expiresIn = readExpiresIn(body.expires_in);
  return {
    accessToken: body.access_token,
    // RFC 6749 makes token_type required; some servers omit it and mean Bearer.
    tokenType: typeof body.token_type === 'string' ? body.token_type : 'Bearer',
    expiresIn,
    expiresAt: expiresIn === undefined ? undefined : obtainedAt + expiresIn * 1000,
    scope: splitScope(body.scope),
    refreshToken: typeof body.refresh_token === 'string' ? body.refresh_token : undefined,
    idToken: typeof body.id_token === 'string' ? body.id_token : undefined,
    issuedTokenType: typeof body.issued_token_type === 'string' ? body.issued_token_type : undefined,
    obtainedAt,
    fields: body,
  };
}
