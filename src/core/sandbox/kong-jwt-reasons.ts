/**
 * What Kong's openid-connect library says when a bearer JWT fails
 * oic.token:verify, so the sandbox gateway refuses and logs in Kong's words.
 * Sources: kong/openid-connect/jws.lua and token.lua at
 * Kong/kong@4df4c98e1b266829e1ff6f46b8ccfe87443ed482.
 */

/** The core's check codes that are about the signature, the algorithm or the key (jws.lua). */
export const SIGNATURE_CHECK_CODES: ReadonlySet<string> = new Set([
  'jwt.empty',
  'jwt.encrypted',
  'jwt.alg_none',
  'jwt.alg_not_allowed',
  'jwt.no_matching_key',
  'jwt.unknown_kid',
  'jwt.signature_invalid',
  'jwt.signature_not_checked',
]);

/**
 * jws.lua's text for a signature-side failure. A signature that does not
 * verify has none: lua-resty-openssl's verify returns false without an
 * error (jws.lua:330-333), so the handler falls back to "invalid jwt token".
 */
export function kongSignatureReason(code: string | undefined, header: Record<string, unknown>): string | undefined {
  const alg = typeof header.alg === 'string' ? header.alg : undefined;
  switch (code) {
    case 'jwt.alg_not_allowed':
      return alg ? `jws algorithm (${alg}) is disabled` : 'jws algorithm was not specified'; // jws.lua:168,180
    case 'jwt.no_matching_key':
    case 'jwt.unknown_kid': {
      const kid = typeof header.kid === 'string' ? header.kid : typeof header.x5t === 'string' ? header.x5t : 'unknown';
      return `suitable jwk was not found (${alg ?? ''}/${kid})`; // jws.lua:325
    }
    default:
      return undefined;
  }
}

function stripWellKnown(iss: string): string {
  let out = iss;
  if (out.endsWith('/.well-known/openid-configuration')) out = out.slice(0, -33);
  else if (out.endsWith('/.well-known/oauth-authorization-server')) out = out.slice(0, -39);
  return out.endsWith('/') ? out.slice(0, -1) : out;
}

/**
 * token.lua:998-1044: the token's iss against the discovery issuer, with
 * any /.well-known suffix and one trailing slash dropped on either side,
 * then against issuers_allowed. The message joins issuers_allowed with
 * spaces, and says "unknown error (not a table)" when it is not set
 * (url_array_fmt, token.lua:93-99).
 */
export function kongIssuerError(
  payload: Record<string, unknown>,
  issuer: string | undefined,
  issuersAllowed: readonly string[] | undefined,
): string | undefined {
  if (!issuer || payload.iss === undefined) return undefined;
  const iss = String(payload.iss);
  if (iss === issuer || stripWellKnown(iss) === stripWellKnown(issuer)) return undefined;
  if (issuersAllowed?.some((allowed) => allowed === iss || allowed === stripWellKnown(iss))) return undefined;
  const expected = issuersAllowed ? issuersAllowed.join(' ') : 'unknown error (not a table)';
  return `invalid issuer (${iss}) was specified for access token, ${expected} was expected`;
}

/**
 * token.lua:858-886 and 1120-1162: an access token's exp, nbf and iat are
 * checked only when present, exp as `now - leeway > exp`, nbf and iat as
 * `now + leeway < value`.
 */
export function kongTimeClaimError(payload: Record<string, unknown>, now: number, leeway: number): string | undefined {
  const exp = payload.exp;
  if (typeof exp === 'number' && now - leeway > exp) return `invalid exp claim (${exp}) was specified for access token`;
  const nbf = payload.nbf;
  if (typeof nbf === 'number' && now + leeway < nbf) return `invalid nbf claim (${nbf}) was specified for access token`;
  const iat = payload.iat;
  if (typeof iat === 'number' && now + leeway < iat) return `invalid iat claim (${iat}) was specified for access token`;
  return undefined;
}
