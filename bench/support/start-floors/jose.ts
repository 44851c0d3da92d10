import { compactVerify } from 'jose/jws/compact/verify';
import { get } from './http';

/**
 * `verify`'s library work: fetch the JWKS and have jose check the token against it (from its own
 * module, as src/core/jwt/jose-loader.ts loads it). The bench's JWKS is empty, so jose asks for a
 * key after reading the header and the answer is "no key", as `verify`'s is.
 */
export async function verifyAgainst(jwt: string, jwksUrl: string): Promise<string> {
  const { keys } = JSON.parse((await get(jwksUrl)).body) as { keys: Array<{ kid?: string }> };
  try {
    await compactVerify(jwt, (header) => {
      if (!keys.some((key) => key.kid === header.kid)) throw new Error(`no key ${header.kid} in the JWKS`);
      throw new Error('the bench JWKS has no usable key');
    });
    return 'verified';
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
