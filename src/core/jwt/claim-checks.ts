/**
 * The claim checks of JWT verification, each a pure function of the decoded
 * token, the expectations and "now". Each returns a JwtCheck instead of
 * throwing so that the caller can run all of them and show every result.
 */
import type { ErrorCode } from '../errors';
import { jwsAlgorithmInfo } from './algorithms';
import { formatDuration, formatUtc } from './time-format';

export type JwtCheckId =
  | 'format'
  | 'alg'
  | 'crit'
  | 'signature'
  | 'iss'
  | 'aud'
  | 'exp'
  | 'nbf'
  | 'iat'
  | 'auth_time'
  | 'jti'
  | 'typ'
  | 'nonce'
  | 'at_hash'
  | 'azp'
  | 'sub'
  | 'client_id';

export interface JwtCheck {
  id: JwtCheckId;
  ok: boolean;
  /** Stable failure code (e.g. `jwt.expired`, or the JWKS's own failure); absent when the check passed. */
  code?: ErrorCode;
  /** What was checked and what was seen, in plain words. */
  message: string;
  /** What to do about a failure. */
  hint?: string;
}

export type Claims = Record<string, unknown>;

/** Seconds since the epoch, plus the leeway applied to time comparisons. */
export interface TimeContext {
  now: number;
  leeway: number;
}

export const pass = (id: JwtCheckId, message: string): JwtCheck => ({ id, ok: true, message });

export const fail = (id: JwtCheckId, code: ErrorCode, message: string, hint?: string): JwtCheck =>
  hint === undefined ? { id, ok: false, code, message } : { id, ok: false, code, message, hint };

const missing = (id: JwtCheckId, claim: string, why: string): JwtCheck =>
  fail(
    id,
    'jwt.missing_claim',
    `The token has no "${claim}" claim, which ${why} requires.`,
    'Check the token type and the authorization server configuration.',
  );

const show = (value: unknown): string => JSON.stringify(value) ?? String(value);

const stripSlashes = (value: string): string => value.replace(/\/+$/, '');

/** iss must equal the expected issuer exactly (RFC 8414 / OIDC Core 3.1.3.7 step 2). */
export function checkIssuer(payload: Claims, expected: string | undefined, requiredBy?: string): JwtCheck | undefined {
  const iss = payload.iss;
  if (expected === undefined) {
    if (requiredBy === undefined) return undefined;
    if (typeof iss !== 'string') return missing('iss', 'iss', requiredBy);
    return pass('iss', `The issuer is "${iss}" (not compared: no expected issuer was given).`);
  }
  if (iss === undefined) return missing('iss', 'iss', 'the expected issuer');
  if (iss === expected) return pass('iss', `The issuer is "${iss}", as expected.`);
  let message = `The token was issued by ${show(iss)}, but the expected issuer is "${expected}".`;
  let hint = 'Set the expected issuer to exactly the "issuer" of the discovery document that issued the token.';
  if (typeof iss === 'string' && stripSlashes(iss) === stripSlashes(expected)) {
    message += ' The only difference is a trailing slash, and issuers are compared character by character.';
    hint = 'Copy the issuer from the discovery document, including or omitting the trailing slash exactly as it does.';
  } else if (typeof iss === 'string' && (iss.includes('/oauth2/') || expected.includes('/oauth2/'))) {
    hint =
      'Okta has an org authorization server (https://{domain}) and custom ones (https://{domain}/oauth2/{id}); the token and the configuration use different ones.';
  }
  return fail('iss', 'jwt.issuer_mismatch', message, hint);
}

/** aud must contain one of the expected audiences (RFC 7519 4.1.3). */
export function checkAudience(
  payload: Claims,
  expected: readonly string[] | undefined,
  requiredBy?: string,
): JwtCheck | undefined {
  const aud = payload.aud;
  if (expected === undefined || expected.length === 0) {
    if (requiredBy === undefined) return undefined;
    if (aud === undefined) return missing('aud', 'aud', requiredBy);
    return pass('aud', `The audience is ${show(aud)} (not compared: no expected audience was given).`);
  }
  if (aud === undefined) return missing('aud', 'aud', 'the expected audience');
  const audiences =
    typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : [];
  const match = audiences.find((a) => expected.includes(a));
  if (match !== undefined) return pass('aud', `The audience ${show(aud)} includes "${match}", as expected.`);
  const wanted = expected.length === 1 ? `"${expected[0]}"` : `one of ${expected.map((e) => `"${e}"`).join(', ')}`;
  return fail(
    'aud',
    'jwt.audience_mismatch',
    `The token is meant for ${show(aud)}, but the expected audience is ${wanted}.`,
    "The audience comes from the authorization server (Okta: the authorization server's Audience setting, e.g. api://default); make it match what the API expects (Kong: audience_required).",
  );
}

function numericDate(payload: Claims, claim: string, id: JwtCheckId): number | JwtCheck | undefined {
  const value = payload[claim];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    return fail(
      id,
      'jwt.invalid_claim',
      `The "${claim}" claim is ${show(value)}, not a number of seconds since 1970.`,
      'The token is malformed; verifiers will reject it.',
    );
  }
  return value;
}

const leewayText = (leeway: number): string => `leeway ${leeway} s`;

/** exp: the token must not be used at or after this time (RFC 7519 4.1.4). */
export function checkExpiry(payload: Claims, time: TimeContext, requiredBy?: string): JwtCheck {
  const exp = numericDate(payload, 'exp', 'exp');
  if (typeof exp === 'object') return exp;
  if (exp === undefined) {
    return requiredBy === undefined
      ? pass('exp', 'The token has no "exp" claim, so it never expires.')
      : missing('exp', 'exp', requiredBy);
  }
  const { now, leeway } = time;
  if (exp > now) return pass('exp', `The token expires at ${formatUtc(exp)}, in ${formatDuration(exp - now)}.`);
  const ago = formatDuration(now - exp);
  if (exp + leeway > now) {
    return pass(
      'exp',
      `The token expired at ${formatUtc(exp)}, ${ago} ago, but is still accepted within the leeway of ${leeway} s.`,
    );
  }
  return fail(
    'exp',
    'jwt.expired',
    `The token expired at ${formatUtc(exp)}, ${ago} ago (${leewayText(leeway)}).`,
    'Get a new token. If it should still be valid, check the clocks of this machine and the authorization server.',
  );
}

/** nbf: the token must not be used before this time (RFC 7519 4.1.5). */
export function checkNotBefore(payload: Claims, time: TimeContext): JwtCheck | undefined {
  const nbf = numericDate(payload, 'nbf', 'nbf');
  if (nbf === undefined || typeof nbf === 'object') return nbf;
  const { now, leeway } = time;
  if (nbf <= now) return pass('nbf', `The token became valid at ${formatUtc(nbf)}, ${formatDuration(now - nbf)} ago.`);
  if (nbf <= now + leeway)
    return pass(
      'nbf',
      `The token becomes valid at ${formatUtc(nbf)}, in ${formatDuration(nbf - now)}, and is accepted within the leeway of ${leeway} s.`,
    );
  return fail(
    'nbf',
    'jwt.not_yet_valid',
    `The token is not valid before ${formatUtc(nbf)}, which is in ${formatDuration(nbf - now)} (${leewayText(leeway)}).`,
    'The clocks of this machine and the authorization server probably differ; sync them or allow some leeway.',
  );
}

/** iat: a token issued in the future means the clocks disagree. */
export function checkIssuedAt(payload: Claims, time: TimeContext, requiredBy?: string): JwtCheck | undefined {
  const iat = numericDate(payload, 'iat', 'iat');
  if (typeof iat === 'object') return iat;
  if (iat === undefined) return requiredBy === undefined ? undefined : missing('iat', 'iat', requiredBy);
  const { now, leeway } = time;
  if (iat <= now) return pass('iat', `The token was issued at ${formatUtc(iat)}, ${formatDuration(now - iat)} ago.`);
  if (iat <= now + leeway)
    return pass(
      'iat',
      `The token was issued at ${formatUtc(iat)}, ${formatDuration(iat - now)} in the future, which the leeway of ${leeway} s tolerates.`,
    );
  return fail(
    'iat',
    'jwt.iat_in_future',
    `The token claims to be issued at ${formatUtc(iat)}, ${formatDuration(iat - now)} in the future (${leewayText(leeway)}).`,
    'The clocks of this machine and the authorization server differ; sync them or allow some leeway.',
  );
}

/** auth_time + max_age: the user must have logged in recently enough (OIDC Core 3.1.3.7 step 11). */
export function checkAuthTime(
  payload: Claims,
  time: TimeContext,
  maxAgeSeconds: number | undefined,
): JwtCheck | undefined {
  if (maxAgeSeconds === undefined) return undefined;
  const authTime = numericDate(payload, 'auth_time', 'auth_time');
  if (typeof authTime === 'object') return authTime;
  if (authTime === undefined) return missing('auth_time', 'auth_time', 'a max_age request');
  const { now, leeway } = time;
  const age = now - authTime;
  if (age <= maxAgeSeconds + leeway)
    return pass(
      'auth_time',
      `The user logged in at ${formatUtc(authTime)}, ${formatDuration(age)} ago, within max_age ${maxAgeSeconds} s.`,
    );
  return fail(
    'auth_time',
    'jwt.auth_time_too_old',
    `The user logged in at ${formatUtc(authTime)}, ${formatDuration(age)} ago, longer than max_age ${maxAgeSeconds} s (${leewayText(leeway)}).`,
    'The authorization server should have asked the user to log in again; check how it handles max_age.',
  );
}

/** Presence of a string claim a profile requires. */
export function checkPresent(payload: Claims, id: JwtCheckId, claim: string, requiredBy: string): JwtCheck {
  const value = payload[claim];
  if (value === undefined) return missing(id, claim, requiredBy);
  return pass(id, `The "${claim}" claim is ${show(value)}.`);
}

/** RFC 9068 2.1: the header typ must be at+jwt (media type application/at+jwt). */
export function checkAccessTokenTyp(header: Claims): JwtCheck {
  const typ = header.typ;
  if (typeof typ === 'string' && normalizeTyp(typ) === 'at+jwt')
    return pass('typ', `The header typ is "${typ}", as RFC 9068 requires.`);
  return fail(
    'typ',
    'jwt.typ',
    `The header typ is ${typ === undefined ? 'missing' : show(typ)}; RFC 9068 access tokens must have typ "at+jwt" (or "application/at+jwt").`,
    'This may be an ID token or a token from a server that does not follow RFC 9068; check the token and the profile you verify against.',
  );
}

/** An access token (typ at+jwt) must not be accepted as an ID token. */
export function checkIdTokenTyp(header: Claims): JwtCheck {
  const typ = header.typ;
  if (typeof typ === 'string' && normalizeTyp(typ) === 'at+jwt') {
    return fail(
      'typ',
      'jwt.typ',
      `The header typ is "${typ}": this is an access token, not an ID token.`,
      'Verify the id_token from the token response, not the access_token.',
    );
  }
  return pass(
    'typ',
    typ === undefined ? 'The header has no typ, which is fine for an ID token.' : `The header typ is ${show(typ)}.`,
  );
}

function normalizeTyp(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower;
}

/** nonce must equal the one sent in the authorization request (OIDC Core 3.1.3.7 step 11). */
export function checkNonce(payload: Claims, expected: string | undefined): JwtCheck | undefined {
  if (expected === undefined) return undefined;
  const nonce = payload.nonce;
  if (nonce === undefined) return missing('nonce', 'nonce', 'an authorization request with a nonce');
  if (nonce === expected) return pass('nonce', 'The nonce matches the one sent in the authorization request.');
  return fail(
    'nonce',
    'jwt.nonce_mismatch',
    `The nonce in the token (${show(nonce)}) differs from the one sent in the authorization request ("${expected}").`,
    'The ID token belongs to another login (replayed or mixed-up session); start the login again.',
  );
}

/** at_hash must be the left half of the hash of the access token (OIDC Core 3.1.3.8 / 3.2.2.9). */
export async function checkAtHash(
  payload: Claims,
  alg: string | undefined,
  accessToken: string | undefined,
): Promise<JwtCheck | undefined> {
  if (accessToken === undefined) return undefined;
  const atHash = payload.at_hash;
  if (atHash === undefined) {
    return pass(
      'at_hash',
      'The ID token has no at_hash, which is allowed in the authorization code flow, so the access token is not bound to it.',
    );
  }
  const info = alg === undefined ? undefined : jwsAlgorithmInfo(alg);
  if (info === undefined) {
    return fail(
      'at_hash',
      'jwt.at_hash_mismatch',
      `at_hash cannot be computed for alg ${alg ?? '(none)'}.`,
      'Use a token signed with a standard algorithm.',
    );
  }
  const digest = new Uint8Array(await crypto.subtle.digest(info.hash, new TextEncoder().encode(accessToken)));
  // Buffer's base64url is jose's base64url.encode (no padding); jose loads only to verify a signature.
  const computed = Buffer.from(digest.slice(0, digest.length / 2)).toString('base64url');
  if (computed === atHash) return pass('at_hash', `The at_hash matches the access token (${info.hash}, left half).`);
  return fail(
    'at_hash',
    'jwt.at_hash_mismatch',
    'The at_hash claim does not match the access token given: that access token was not issued together with this ID token.',
    'Pass the access_token from the same token response as the ID token.',
  );
}

/** OIDC Core 3.1.3.7 steps 4-5: with several audiences azp should be present, and azp must be our client. */
export function checkAuthorizedParty(payload: Claims, clientId: string | undefined): JwtCheck | undefined {
  if (clientId === undefined) return undefined;
  const azp = payload.azp;
  if (azp === undefined) {
    if (Array.isArray(payload.aud) && payload.aud.length > 1) {
      return fail(
        'azp',
        'jwt.missing_claim',
        `The token has ${payload.aud.length} audiences but no "azp" claim naming the client it was issued to.`,
        'OIDC Core 3.1.3.7 expects azp with several audiences; check the authorization server.',
      );
    }
    return pass('azp', 'No azp claim, which is fine with a single audience.');
  }
  if (azp === clientId) return pass('azp', `The authorized party (azp) is "${clientId}", this client.`);
  return fail(
    'azp',
    'jwt.azp_mismatch',
    `The token was issued to client ${show(azp)} (azp), not to "${clientId}".`,
    'The ID token belongs to another application; check the client_id used for the login.',
  );
}

/** client_id (RFC 9068) or Okta's cid must name the expected client. */
export function checkClientId(
  payload: Claims,
  clientId: string | undefined,
  requiredBy?: string,
): JwtCheck | undefined {
  const claim = payload.client_id !== undefined ? 'client_id' : payload.cid !== undefined ? 'cid' : undefined;
  if (clientId === undefined) {
    if (requiredBy === undefined) return undefined;
    return checkPresent(payload, 'client_id', 'client_id', requiredBy);
  }
  if (claim === undefined) return missing('client_id', 'client_id', 'the expected client id');
  const value = payload[claim];
  if (value === clientId) return pass('client_id', `The token was requested by client "${clientId}" (${claim}).`);
  return fail(
    'client_id',
    'jwt.client_id_mismatch',
    `The token was requested by client ${show(value)} (${claim}), not by "${clientId}".`,
    'Check which application obtained the token.',
  );
}
