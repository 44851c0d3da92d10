import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import type { SigningKeyring } from './keys';
import { JWT_HANDLE_PREFIX } from './store';

/**
 * oidc-provider refuses to introspect or revoke JWT access tokens and does
 * not accept them at userinfo; Okta does all three. The sandbox verifies its
 * own JWTs and swaps them for the handle of their stored shadow record
 * before oidc-provider sees them.
 */

/** A handle that matches no record: what a foreign, forged or expired JWT becomes. */
export const UNKNOWN_JWT_HANDLE = `${JWT_HANDLE_PREFIX}unknown`;

/** True when the value parses as a JWS, whatever its signature. */
export function looksLikeJwt(value: string): boolean {
  if (value.split('.').length !== 3) return false;
  try {
    decodeProtectedHeader(value);
    return true;
  } catch {
    return false;
  }
}

/** The claims of an access token this IdP signed and that has not expired, else undefined. */
export async function verifyOwnAccessToken(
  token: string,
  keyring: SigningKeyring,
  issuer: string,
): Promise<(Record<string, unknown> & { jti: string }) | undefined> {
  try {
    const { payload } = await jwtVerify(token, createLocalJWKSet(keyring.publicJwks()), {
      issuer,
      typ: 'at+jwt',
      algorithms: ['RS256'],
    });
    return typeof payload.jti === 'string' ? { ...payload, jti: payload.jti } : undefined;
  } catch {
    return undefined;
  }
}

/** The value oidc-provider should look up for a presented JWT access token. */
export async function handleForJwt(token: string, keyring: SigningKeyring, issuer: string): Promise<string> {
  const claims = await verifyOwnAccessToken(token, keyring, issuer);
  return claims ? `${JWT_HANDLE_PREFIX}${claims.jti}` : UNKNOWN_JWT_HANDLE;
}
