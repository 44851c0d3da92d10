import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { JWK } from 'jose';

/** An RS256 key pair as JWKs, sharing one kid. */
export interface SigningKey {
  kid: string;
  privateJwk: JWK;
  publicJwk: JWK;
}

/** Makes a new RS256 key with a random kid (Okta kids are opaque strings too). */
export function newSigningKey(kidPrefix = 'sandbox'): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = `${kidPrefix}-${randomBytes(6).toString('hex')}`;
  const common = { kid, alg: 'RS256', use: 'sig' };
  return {
    kid,
    privateJwk: { ...(privateKey.export({ format: 'jwk' }) as JWK), ...common },
    publicJwk: { ...(publicKey.export({ format: 'jwk' }) as JWK), ...common },
  };
}

/**
 * The IdP's signing keys, current first. oidc-provider signs with the first
 * RS256 key it finds and publishes all of them, which is how a rotation
 * keeps old tokens verifiable.
 */
export class SigningKeyring {
  #keys: SigningKey[];

  constructor(initial: SigningKey = newSigningKey()) {
    this.#keys = [initial];
  }

  get current(): SigningKey {
    return this.#keys[0]!;
  }

  get all(): readonly SigningKey[] {
    return this.#keys;
  }

  /** Puts a new key in front; drops the others when asked. */
  rotate(dropOld: boolean): { previousKid: string; currentKid: string } {
    const previousKid = this.current.kid;
    const next = newSigningKey();
    this.#keys = dropOld ? [next] : [next, ...this.#keys];
    return { previousKid, currentKid: next.kid };
  }

  /** The private JWK Set handed to oidc-provider's `jwks` option. */
  privateJwks(): { keys: JWK[] } {
    return { keys: this.#keys.map((key) => ({ ...key.privateJwk })) };
  }

  /** The public JWK Set, for verifying our own access tokens. */
  publicJwks(): { keys: JWK[] } {
    return { keys: this.#keys.map((key) => ({ ...key.publicJwk })) };
  }
}
