import { nodeCrypto } from '../node-crypto';

/** Source of cryptographic randomness; injectable so tests can be deterministic. */
export type RandomBytes = (length: number) => Uint8Array;

export const cryptoRandom: RandomBytes = (length) => new Uint8Array(nodeCrypto().randomBytes(length));

/** A URL-safe random string carrying `bytes` bytes of entropy (state, nonce, jti). */
export function randomToken(random: RandomBytes = cryptoRandom, bytes = 32): string {
  return Buffer.from(random(bytes)).toString('base64url');
}
