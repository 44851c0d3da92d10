import { OidcError } from '../errors';

export interface DecodedJwtParts {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signature: string;
}

/** Placeholder decode; the JWT module replaces this with the full one. */
export function decodeJwtParts(token: string): DecodedJwtParts {
  const parts = token.trim().split('.');
  if (parts.length !== 3) {
    throw new OidcError('jwt.malformed', `This is not a JWT: it has ${parts.length} part(s) separated by dots, a JWS has 3.`, {
      hint: 'Check that the whole token was copied; opaque (reference) tokens cannot be decoded, introspect them instead.',
    });
  }
  const part = (p: string) => JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
  return { header: part(parts[0]!), payload: part(parts[1]!), signature: parts[2]! };
}
