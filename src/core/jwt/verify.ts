/**
 * JWT verification that reports every check instead of stopping at the
 * first failure: a debugger must show that a token is expired AND has the
 * wrong audience, not one after the other. jose does the cryptography
 * (compactVerify); the claim rules live in claim-checks.ts.
 */
import type { JWK, JWTVerifyGetKey, KeyObject } from 'jose';
import type { Clock } from '../clock';
import { systemClock } from '../clock';
import { isOidcError } from '../errors';
import type { JwtCheck, TimeContext } from './claim-checks';
import {
  checkAccessTokenTyp,
  checkAtHash,
  checkAudience,
  checkAuthorizedParty,
  checkAuthTime,
  checkClientId,
  checkExpiry,
  checkIdTokenTyp,
  checkIssuedAt,
  checkIssuer,
  checkNonce,
  checkNotBefore,
  checkPresent,
  fail,
  pass,
} from './claim-checks';
import type { DecodedJwt } from './decode';
import { loadCompactVerify } from './jose-loader';
import { decodeJwt } from './decode';
import { checkJwtHeader } from './header-checks';
import { JwksCache } from './jwks';

export type { JwtCheck, JwtCheckId } from './claim-checks';

/**
 * generic: only what the options ask for. access_token: exp required.
 * rfc9068: RFC 9068 JWT access token (typ at+jwt; iss, exp, aud, sub, client_id, iat, jti).
 * id_token: OIDC Core 3.1.3.7 (iss, sub, aud, exp, iat; nonce, at_hash, azp when given).
 */
export type JwtProfile = 'generic' | 'access_token' | 'rfc9068' | 'id_token';

export type VerificationKeys = JwksCache | JWTVerifyGetKey | CryptoKey | Uint8Array | JWK;

export interface VerifyJwtOptions {
  keys: VerificationKeys;
  issuer?: string;
  audience?: string | string[];
  /** Seconds of clock skew tolerated in exp/nbf/iat/auth_time; default 0 (like Kong's `leeway`). */
  leewaySeconds?: number;
  clock?: Clock;
  /** Default: RS*, PS*, ES*, EdDSA. HS* must be allowed explicitly. */
  allowedAlgorithms?: string[];
  profile?: JwtProfile;
  /** ID tokens: the nonce sent in the authorization request. */
  nonce?: string;
  /** ID tokens: the access token from the same response, to check at_hash. */
  accessToken?: string;
  /** ID tokens: this client's id (aud must contain it, azp must equal it); access tokens: compared with client_id/cid. */
  clientId?: string;
  /** ID tokens: the max_age sent in the authorization request, checked against auth_time. */
  maxAgeSeconds?: number;
}

export interface JwtVerification {
  /** True only when every check passed. */
  valid: boolean;
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  /** Every applicable check, passed or failed, in a stable order. */
  checks: JwtCheck[];
}

const PROFILE_NAMES: Record<JwtProfile, string> = {
  generic: 'a JWT',
  access_token: 'a JWT access token',
  rfc9068: 'an RFC 9068 access token',
  id_token: 'an OIDC ID token',
};

/**
 * Verifies a JWT and reports every check; throws only when the input is not a JWT at all (decode errors).
 * A caller that decoded the token already (to print its header's checks first, to read its claims)
 * hands the decoded token, which is then not decoded a second time.
 */
export async function verifyJwt(token: string | DecodedJwt, options: VerifyJwtOptions): Promise<JwtVerification> {
  const decoded = typeof token === 'string' ? decodeJwt(token) : token;
  const profile = options.profile ?? 'generic';
  const clock = options.clock ?? systemClock;
  const time: TimeContext = { now: Math.floor(clock.now() / 1000), leeway: Math.max(0, options.leewaySeconds ?? 0) };
  const { header, payload } = decoded;
  const requiredBy = profile === 'generic' ? undefined : PROFILE_NAMES[profile];
  const strict = profile === 'rfc9068' || profile === 'id_token' ? PROFILE_NAMES[profile] : undefined;

  const headerChecks = checkJwtHeader(decoded, options.allowedAlgorithms);
  // A new list each call (checkJwtHeader makes it): the other checks are pushed onto it.
  const checks: Array<JwtCheck | undefined> = headerChecks.checks;
  const refused = headerChecks.refused;
  checks.push(refused ? signatureNotChecked(refused) : await checkSignature(decoded, options.keys));

  if (profile === 'rfc9068') checks.push(checkAccessTokenTyp(header));
  if (profile === 'id_token') checks.push(checkIdTokenTyp(header));

  const audience =
    options.audience === undefined
      ? undefined
      : typeof options.audience === 'string'
        ? [options.audience]
        : options.audience;
  const expectedAudience =
    audience ?? (profile === 'id_token' && options.clientId !== undefined ? [options.clientId] : undefined);
  checks.push(checkIssuer(payload, options.issuer, strict));
  checks.push(checkAudience(payload, expectedAudience, strict));
  if (strict !== undefined) checks.push(checkPresent(payload, 'sub', 'sub', strict));
  if (profile === 'id_token') checks.push(checkAuthorizedParty(payload, options.clientId));
  else checks.push(checkClientId(payload, options.clientId, profile === 'rfc9068' ? PROFILE_NAMES.rfc9068 : undefined));

  checks.push(checkExpiry(payload, time, requiredBy));
  checks.push(checkNotBefore(payload, time));
  checks.push(checkIssuedAt(payload, time, strict));
  if (profile === 'id_token') checks.push(checkAuthTime(payload, time, options.maxAgeSeconds));
  if (profile === 'rfc9068') checks.push(checkPresent(payload, 'jti', 'jti', PROFILE_NAMES.rfc9068));
  if (profile === 'id_token') {
    checks.push(checkNonce(payload, options.nonce));
    checks.push(await checkAtHash(payload, decoded.alg, options.accessToken));
  }

  const done = checks.filter((c): c is JwtCheck => c !== undefined);
  return { valid: done.every((c) => c.ok), header, payload, checks: done };
}

function signatureNotChecked(refused: JwtCheck): JwtCheck {
  return fail(
    'signature',
    'jwt.signature_not_checked',
    `The signature was not checked because the ${refused.id === 'crit' ? 'critical header' : 'algorithm'} was refused.`,
    refused.hint,
  );
}

type KeyInput = CryptoKey | KeyObject | JWK | Uint8Array;

function toKeyInput(keys: VerificationKeys, decoded: DecodedJwt): KeyInput | JWTVerifyGetKey {
  // The key this kid and alg resolved to before goes to jose as a key: its resolver call and the
  // result it then builds cost a twentieth of a verification. Same bytes, same header as jose's.
  if (keys instanceof JwksCache) return keys.cachedKey({ kid: decoded.kid, alg: decoded.alg }) ?? keys.keyResolver();
  return keys;
}

async function checkSignature(decoded: DecodedJwt, keys: VerificationKeys): Promise<JwtCheck> {
  const key = toKeyInput(keys, decoded);
  const kidText = decoded.kid === undefined ? '' : `, key "${decoded.kid}"`;
  const { compactVerify } = await loadCompactVerify();
  try {
    // jose's overloads split key and resolver; the union is what we hold.
    // checkAlgorithm found the token's alg among the allowed ones; jose re-checks it against a list
    // of that one (a Set of the whole list per call cost more than our claim checks).
    await compactVerify(decoded.raw, key as KeyInput, { algorithms: oneAlgorithm(decoded.alg) });
    return pass('signature', `The signature is valid (${decoded.alg}${kidText}).`);
  } catch (error) {
    return signatureFailure(error, decoded, keys instanceof JwksCache ? keys : undefined);
  }
}

const singleAlgorithms = new Map<string, string[]>();

function oneAlgorithm(alg: string | undefined): string[] {
  // Only reached with an allowed alg, and algorithms are few: the map stays as small as the list.
  if (alg === undefined) return [];
  let list = singleAlgorithms.get(alg);
  if (list === undefined) {
    list = [alg];
    singleAlgorithms.set(alg, list);
  }
  return list;
}

function signatureFailure(error: unknown, decoded: DecodedJwt, cache: JwksCache | undefined): JwtCheck {
  if (isOidcError(error)) return fail('signature', error.code, error.message, error.hint);
  const code = (error as { code?: unknown }).code;
  const detail = error instanceof Error ? error.message : String(error);
  const source = cache ? `the JWKS at ${cache.jwksUri}` : 'the key given';
  switch (code) {
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return fail(
        'signature',
        'jwt.signature_invalid',
        `The signature does not match ${source}: the token was signed with another key or changed after signing.`,
        'Check that the token comes from the issuer whose keys you use, and that it was copied unchanged.',
      );
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return decoded.kid !== undefined
        ? fail(
            'signature',
            'jwt.unknown_kid',
            `No key with kid "${decoded.kid}" was found in ${source}.`,
            'Were the keys rotated, or does the token come from another issuer?',
          )
        : fail(
            'signature',
            'jwt.no_matching_key',
            `No key in ${source} fits the token (${decoded.alg}).`,
            "Check the token's alg and the keys published by the issuer.",
          );
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return fail(
        'signature',
        'jwt.no_matching_key',
        `Several keys in ${source} fit the token and it has no kid to choose between them.`,
        'The issuer should put a kid in the token header.',
      );
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return fail('signature', 'jwt.alg_not_allowed', `The algorithm ${decoded.alg} is not allowed.`);
    case 'ERR_JWS_INVALID':
      return fail(
        'signature',
        'jwt.signature_invalid',
        `The token cannot be verified: ${detail}.`,
        'The token is malformed.',
      );
    default:
      if (error instanceof TypeError || code === 'ERR_JOSE_NOT_SUPPORTED' || code === 'ERR_JWK_INVALID') {
        return fail(
          'signature',
          'jwt.no_matching_key',
          `The key does not fit the token's algorithm ${decoded.alg}: ${detail}.`,
          "Use the issuer's key of the right type (RSA for RS*/PS*, EC for ES*, OKP for EdDSA).",
        );
      }
      return fail(
        'signature',
        'jwt.signature_invalid',
        `The signature could not be checked: ${detail}.`,
        'Check the key and the token.',
      );
  }
}
