/**
 * The codes of decoding and verifying JWTs and of reading a JWKS. Failed
 * verification checks carry them too (JwtCheck.code), and the diagnosis
 * reads them there.
 */
export type JwtMalformedCode =
  'jwt.malformed.base64' | 'jwt.malformed.json' | 'jwt.malformed.not_object' | 'jwt.malformed.parts';

export type JwtErrorCode =
  | 'jwt.alg_none'
  | 'jwt.alg_not_allowed'
  | 'jwt.at_hash_mismatch'
  | 'jwt.audience_mismatch'
  | 'jwt.auth_time_too_old'
  | 'jwt.azp_mismatch'
  | 'jwt.client_id_mismatch'
  | 'jwt.crit_unsupported'
  | 'jwt.empty'
  | 'jwt.encrypted'
  | 'jwt.expired'
  | 'jwt.iat_in_future'
  | 'jwt.invalid_claim'
  | 'jwt.issuer_mismatch'
  | 'jwt.missing_claim'
  | 'jwt.no_matching_key'
  | 'jwt.nonce_mismatch'
  | 'jwt.not_yet_valid'
  | 'jwt.signature_invalid'
  | 'jwt.signature_not_checked'
  | 'jwt.time_zone'
  | 'jwt.typ'
  | 'jwt.unknown_kid'
  | JwtMalformedCode;

export type JwksErrorCode = 'jwks.fetch_failed' | 'jwks.invalid';
