import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { loadCompactVerify, loadImportJwk, loadJwtVerify, loadSignJwt } from '../../../src/core/jwt/jose-loader';

describe("jose from its package's own entries (src/core/jwt/jose-loader.ts, issue #14 CLI start)", () => {
  it("hands out the very functions and error classes of jose's index", async () => {
    // The same module instances: an error thrown inside jwtVerify is an instance of these classes.
    const jose = await import('jose');
    assert.equal((await loadCompactVerify()).compactVerify, jose.compactVerify);
    assert.equal((await loadImportJwk()).importJWK, jose.importJWK);
    assert.equal((await loadSignJwt()).SignJWT, jose.SignJWT);
    const { jwtVerify, errors } = await loadJwtVerify();
    assert.equal(jwtVerify, jose.jwtVerify);
    assert.equal(errors.JOSEError, jose.errors.JOSEError);
    assert.equal(errors.JWTClaimValidationFailed, jose.errors.JWTClaimValidationFailed);
    // Kept: one import a part, whatever the number of calls.
    assert.equal(loadCompactVerify(), loadCompactVerify());
  });

  it('signs and verifies with an imported key without evaluating the index, encryption or the remote key set', function () {
    this.timeout(30_000);
    // A process of its own (the test above loads the index), which lists every jose module it loads
    // (module.registerHooks sees require and import alike); a jose upgrade that moves an entry fails
    // here or in typechecking.
    const loader = JSON.stringify(join(__dirname, '..', '..', '..', 'src', 'core', 'jwt', 'jose-loader.ts'));
    const script = `
      const seen = [];
      require('node:module').registerHooks({
        resolve(specifier, context, next) {
          const resolved = next(specifier, context);
          const m = /\\/jose\\/dist\\/webapi\\/(.*)$/.exec(resolved.url.replace(/\\\\/g, '/'));
          if (m) seen.push(m[1]);
          return resolved;
        },
      });
      const { loadCompactVerify, loadImportJwk, loadSignJwt } = require(${loader});
      (async () => {
        const secret = { kty: 'oct', k: Buffer.alloc(32, 1).toString('base64url') };
        const key = await (await loadImportJwk()).importJWK(secret, 'HS256');
        const { SignJWT } = await loadSignJwt();
        const jwt = await new SignJWT({ sub: 'a' }).setProtectedHeader({ alg: 'HS256' }).sign(key);
        const { payload } = await (await loadCompactVerify()).compactVerify(jwt, key);
        process.stdout.write(JSON.stringify({ sub: JSON.parse(Buffer.from(payload).toString()).sub, seen: [...new Set(seen)] }));
      })();`;
    const { sub, seen } = JSON.parse(
      execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8' }),
    ) as {
      sub: string;
      seen: string[];
    };
    assert.equal(sub, 'a');
    for (const entry of ['jws/compact/verify.js', 'key/import.js', 'jwt/sign.js'])
      assert.ok(seen.includes(entry), `${entry} not loaded: ${seen.join(', ')}`);
    assert.deepEqual(
      seen.filter(
        (file) =>
          file === 'index.js' ||
          /^(jwe|jwks)\//.test(file) ||
          /^lib\/(jwe_encrypt|jwe_decrypt|content_encryption|deflate|key_management)\.js$/.test(file),
      ),
      [],
    );
  });
});
