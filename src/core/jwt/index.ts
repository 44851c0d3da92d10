/** The JWT part of the protocol core: decode (unverified), JWKS, verify, explain. */
export { DEFAULT_ALLOWED_ALGORITHMS, jwsAlgorithmInfo } from './algorithms';
export type { JwsAlgorithmInfo } from './algorithms';
export { classifyToken, decodeJwt, decodeJwtParts, normalizeToken } from './decode';
export { notATokenReason } from './token-shape';
export type { DecodedJwt, DecodedJwtParts, JwtPartName, TokenKind } from './decode';
export { explainClaims, formatDuration, tokenLifetime } from './explain';
export type { ClaimExplanation, ExplainOptions, TokenLifetime } from './explain';
export { JwksCache } from './jwks';
export type { JwkSet, JwksCacheOptions, KeyHeader } from './jwks';
export { formatRelative, formatUtc, formatLocal } from './time-format';
export { verifyJwt } from './verify';
export type { JwtCheck, JwtCheckId, JwtProfile, JwtVerification, VerificationKeys, VerifyJwtOptions } from './verify';
