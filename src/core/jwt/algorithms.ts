/**
 * What each JWS algorithm needs from a key, and which hash it implies.
 * Kept here so the JWKS key selection, the algorithm policy and the
 * at_hash computation agree on one table.
 */

export interface JwsAlgorithmInfo {
  /** JWK key type that can verify this algorithm. */
  kty: 'RSA' | 'EC' | 'OKP' | 'oct';
  /** Required curve, when the algorithm fixes one. */
  crv?: string;
  /** Shared-secret (MAC) algorithm: never published in a JWKS. */
  symmetric: boolean;
  /** Hash used for OIDC's at_hash / c_hash (OIDC Core 3.1.3.6; EdDSA with Ed25519 uses SHA-512). */
  hash: 'SHA-256' | 'SHA-384' | 'SHA-512';
}

const TABLE: Record<string, JwsAlgorithmInfo> = {
  HS256: { kty: 'oct', symmetric: true, hash: 'SHA-256' },
  HS384: { kty: 'oct', symmetric: true, hash: 'SHA-384' },
  HS512: { kty: 'oct', symmetric: true, hash: 'SHA-512' },
  RS256: { kty: 'RSA', symmetric: false, hash: 'SHA-256' },
  RS384: { kty: 'RSA', symmetric: false, hash: 'SHA-384' },
  RS512: { kty: 'RSA', symmetric: false, hash: 'SHA-512' },
  PS256: { kty: 'RSA', symmetric: false, hash: 'SHA-256' },
  PS384: { kty: 'RSA', symmetric: false, hash: 'SHA-384' },
  PS512: { kty: 'RSA', symmetric: false, hash: 'SHA-512' },
  ES256: { kty: 'EC', crv: 'P-256', symmetric: false, hash: 'SHA-256' },
  ES384: { kty: 'EC', crv: 'P-384', symmetric: false, hash: 'SHA-384' },
  ES512: { kty: 'EC', crv: 'P-521', symmetric: false, hash: 'SHA-512' },
  EdDSA: { kty: 'OKP', crv: 'Ed25519', symmetric: false, hash: 'SHA-512' },
  Ed25519: { kty: 'OKP', crv: 'Ed25519', symmetric: false, hash: 'SHA-512' },
};

/**
 * Accepted by default: the asymmetric families. HS* is left out on purpose,
 * like Kong's `enable_hs_signatures: false`, because a verifier that accepts
 * HMAC with a public key as the secret can be fooled (algorithm confusion).
 */
export const DEFAULT_ALLOWED_ALGORITHMS: readonly string[] = Object.freeze(
  Object.keys(TABLE).filter((alg) => !TABLE[alg]!.symmetric),
);

/** The key requirements of a JWS algorithm, or undefined when it is unknown. */
export function jwsAlgorithmInfo(alg: string): JwsAlgorithmInfo | undefined {
  return Object.hasOwn(TABLE, alg) ? TABLE[alg] : undefined;
}
