import { OidcError } from '../errors';
import { nodeCrypto } from '../node-crypto';
import { cryptoRandom } from './random';
import type { RandomBytes } from './random';

export interface Pkce {
  verifier: string;
  challenge: string;
  method: 'S256';
}

const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

/** The S256 code challenge of a verifier: base64url(SHA-256(verifier)). */
export function codeChallengeS256(verifier: string): string {
  return nodeCrypto().createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** A fresh PKCE pair (RFC 7636): a random verifier of `length` unreserved characters and its S256 challenge. */
export function createPkce(length = 64, random: RandomBytes = cryptoRandom): Pkce {
  if (!Number.isInteger(length) || length < 43 || length > 128) {
    throw new OidcError('oauth.pkce_length', `A PKCE code verifier must be 43 to 128 characters long, not ${length}.`, {
      where: 'PKCE',
      hint: 'Use a length between 43 and 128 (64 is a good default).',
    });
  }
  // base64url output only uses unreserved characters, so no rejection sampling is needed.
  const verifier = Buffer.from(random(Math.ceil((length * 3) / 4)))
    .toString('base64url')
    .slice(0, length);
  if (!VERIFIER.test(verifier))
    throw new OidcError('oauth.pkce_random', 'The random source returned too few bytes for a PKCE verifier.', {
      where: 'PKCE',
    });
  return { verifier, challenge: codeChallengeS256(verifier), method: 'S256' };
}
