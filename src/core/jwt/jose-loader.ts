import type * as JoseErrors from 'jose/errors';
import type { compactVerify } from 'jose/jws/compact/verify';
import type { importJWK } from 'jose/key/import';
import type { SignJWT } from 'jose/jwt/sign';
import type { jwtVerify } from 'jose/jwt/verify';

/**
 * jose, evaluated when it is first needed (a signature to check or make),
 * not when a module that may need it loads (issue #14, CLI start). Each
 * promise is kept: an import() per call goes through the module loader each
 * time, which cost two thirds of verifyJwt's throughput under tsx.
 *
 * Each part comes from its own entry of jose's package exports (`jose/jws/*`,
 * `jose/key/import`, `jose/jwt/*`, `jose/errors`), not from the index: the
 * index also evaluates encryption (JWE), key generation, the embedded and
 * remote key sets (jwks/remote.js reads `navigator` at load) and the unsecured
 * JWT, none of which is used here: `verify` ran about 40 of jose's modules to
 * use 10 (issue #14, CLI start). The entries are public, so an upgrade keeps
 * them or fails typechecking and test/unit/jwt/jose-loader.test.ts.
 */
function once<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => (loaded ??= load());
}

/** jose's compactVerify (a JWS's signature, then the caller checks the claims). */
export const loadCompactVerify: () => Promise<{ compactVerify: typeof compactVerify }> = once(
  () => import('jose/jws/compact/verify'),
);

/** jose's importJWK (a key of a JWKS, for one algorithm). */
export const loadImportJwk: () => Promise<{ importJWK: typeof importJWK }> = once(() => import('jose/key/import'));

/** jose's SignJWT (client assertions: private_key_jwt, client_secret_jwt). */
export const loadSignJwt: () => Promise<{ SignJWT: typeof SignJWT }> = once(() => import('jose/jwt/sign'));

/** jose's jwtVerify and its error classes (signed introspection answers, RFC 9701). */
export const loadJwtVerify: () => Promise<{ jwtVerify: typeof jwtVerify; errors: typeof JoseErrors }> = once(
  async () => {
    const [{ jwtVerify }, errors] = await Promise.all([import('jose/jwt/verify'), import('jose/errors')]);
    return { jwtVerify, errors };
  },
);
