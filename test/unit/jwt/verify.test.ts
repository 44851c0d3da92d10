import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { createLocalJWKSet, generateSecret, SignJWT } from 'jose';
import { ManualClock } from '../../../src/core/clock';
import { OidcError } from '../../../src/core/errors';
import { decodeJwt } from '../../../src/core/jwt/decode';
import { JwksCache } from '../../../src/core/jwt/jwks';
import type { JwtCheck, JwtVerification, VerifyJwtOptions } from '../../../src/core/jwt/verify';
import { verifyJwt } from '../../../src/core/jwt/verify';
import type { TestKey } from '../../support/jwt-fixtures';
import {
  FakeJwksServer,
  ISSUER,
  JWKS_URI,
  NOW,
  NOW_MS,
  accessClaims,
  makeKey,
  rawToken,
  sign,
} from '../../support/jwt-fixtures';

function check(result: JwtVerification, id: JwtCheck['id']): JwtCheck {
  const found = result.checks.find((c) => c.id === id);
  assert.ok(found, `no ${id} check in ${result.checks.map((c) => c.id).join(', ')}`);
  return found;
}

function failed(result: JwtVerification): string[] {
  return result.checks.filter((c) => !c.ok).map((c) => `${c.id}:${c.code}`);
}

function atHash(accessToken: string, hash = 'sha256'): string {
  const digest = createHash(hash).update(accessToken).digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

describe('verifyJwt', () => {
  let rsa: TestKey;
  let ec: TestKey;
  let ed: TestKey;
  let stranger: TestKey;
  let clock: ManualClock;
  let server: FakeJwksServer;
  let jwks: JwksCache;

  before(async () => {
    [rsa, ec, ed, stranger] = await Promise.all([
      makeKey('RS256', 'rsa-1'),
      makeKey('ES256', 'ec-1'),
      makeKey('EdDSA', 'ed-1'),
      makeKey('RS256', 'rsa-1'),
    ]);
  });

  beforeEach(() => {
    clock = new ManualClock(NOW_MS);
    server = new FakeJwksServer([rsa.publicJwk, ec.publicJwk, ed.publicJwk]);
    jwks = new JwksCache({ http: server, jwksUri: JWKS_URI, clock });
  });

  const opts = (extra: Partial<VerifyJwtOptions> = {}): VerifyJwtOptions => ({
    keys: jwks,
    clock,
    issuer: ISSUER,
    audience: 'api://default',
    ...extra,
  });

  it('accepts RS256, ES256 and EdDSA tokens against a JWKS and lists every check', async () => {
    for (const key of [rsa, ec, ed]) {
      const result = await verifyJwt(await sign(key, accessClaims()), opts());
      assert.deepEqual(failed(result), [], key.alg);
      assert.equal(result.valid, true);
      assert.deepEqual(
        result.checks.map((c) => c.id),
        ['format', 'alg', 'signature', 'iss', 'aud', 'exp', 'iat'],
      );
      assert.equal(result.payload.sub, 'user@example.com');
      assert.equal(result.header.kid, key.kid);
    }
    assert.match(
      check(await verifyJwt(await sign(rsa, accessClaims()), opts()), 'exp').message,
      /expires at 2024-05-01 15:00:00 UTC, in 1 hour/,
    );
  });

  it('verifies again from the remembered key, and with the new one once the issuer re-keys the kid', async () => {
    const token = await sign(rsa, accessClaims());
    assert.equal((await verifyJwt(token, opts())).valid, true);
    assert.ok(jwks.cachedKey({ kid: 'rsa-1', alg: 'RS256' }), 'the key is remembered');
    assert.equal((await verifyJwt(token, opts())).valid, true);
    const forged = await sign(stranger, accessClaims());
    assert.deepEqual(failed(await verifyJwt(forged, opts())), ['signature:jwt.signature_invalid']);
    assert.equal(server.fetches, 1);

    // The issuer replaces the key behind kid rsa-1; after maxAgeMs the set is fetched again.
    server.setKeys([stranger.publicJwk]);
    clock.advance(10 * 60_000);
    const later = (claims = {}) => accessClaims({ iat: NOW + 600, exp: NOW + 4200, ...claims });
    assert.equal((await verifyJwt(await sign(stranger, later()), opts())).valid, true);
    assert.equal(server.fetches, 2);
    assert.deepEqual(failed(await verifyJwt(await sign(rsa, later()), opts())), ['signature:jwt.signature_invalid']);
  });

  it('accepts keys given directly: CryptoKey, JWK and a jose resolver', async () => {
    const token = await sign(ec, accessClaims());
    for (const keys of [ec.publicKey, ec.publicJwk, createLocalJWKSet({ keys: [ec.publicJwk] })]) {
      assert.equal((await verifyJwt(token, opts({ keys }))).valid, true);
    }
  });

  it('verifies a token its caller decoded already exactly as the token itself', async () => {
    const good = await sign(rsa, accessClaims());
    const bad = await sign(stranger, accessClaims({ iss: 'https://evil.example', exp: NOW - 300 }));
    for (const token of [good, bad]) {
      const decoded = decodeJwt(token);
      assert.deepEqual(await verifyJwt(decoded, opts()), await verifyJwt(token, opts()));
    }
  });

  it('runs all checks instead of stopping at the first failure', async () => {
    const token = await sign(
      stranger,
      accessClaims({ iss: 'https://evil.example', aud: 'api://other', exp: NOW - 300 }),
    );
    const result = await verifyJwt(token, opts());
    assert.equal(result.valid, false);
    assert.deepEqual(failed(result), [
      'signature:jwt.signature_invalid',
      'iss:jwt.issuer_mismatch',
      'aud:jwt.audience_mismatch',
      'exp:jwt.expired',
    ]);
  });

  it('reports an invalid signature (jwt.signature_invalid)', async () => {
    const token = await sign(stranger, accessClaims());
    const sig = check(await verifyJwt(token, opts()), 'signature');
    assert.equal(sig.code, 'jwt.signature_invalid');
    assert.match(sig.message, /does not match the JWKS at/);
    const [h, , s] = token.split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify(accessClaims({ sub: 'admin' }))).toString('base64url')}.${s}`;
    assert.equal(
      check(await verifyJwt(tampered, opts({ keys: rsa.publicKey })), 'signature').code,
      'jwt.signature_invalid',
    );
  });

  it('reports an unknown kid from the JWKS (jwt.unknown_kid) with the kids it has', async () => {
    const sig = check(await verifyJwt(await sign(rsa, accessClaims(), { kid: 'rotated-away' }), opts()), 'signature');
    assert.equal(sig.code, 'jwt.unknown_kid');
    assert.match(sig.message, /"rsa-1", "ec-1", "ed-1"/);
    assert.match(sig.hint ?? '', /rotated/);
  });

  it('reports a key of the wrong type (jwt.no_matching_key)', async () => {
    const sig = check(await verifyJwt(await sign(rsa, accessClaims()), opts({ keys: ec.publicKey })), 'signature');
    assert.equal(sig.code, 'jwt.no_matching_key');
  });

  it('reports an unreachable JWKS on the signature check without throwing', async () => {
    server.status = 503;
    const result = await verifyJwt(await sign(rsa, accessClaims()), opts());
    assert.equal(check(result, 'signature').code, 'jwks.fetch_failed');
    assert.equal(check(result, 'exp').ok, true);
  });

  it('rejects alg none and does not check a signature (jwt.alg_none)', async () => {
    const result = await verifyJwt(rawToken({ alg: 'none' }, accessClaims()), opts());
    assert.equal(result.valid, false);
    assert.equal(check(result, 'alg').code, 'jwt.alg_none');
    assert.equal(check(result, 'signature').code, 'jwt.signature_not_checked');
    assert.equal(server.fetches, 0);
    assert.equal(check(result, 'iss').ok, true, 'claim checks still run');
  });

  it('names a crit header as such and does not check the signature (jwt.crit_unsupported), even when the key fits', async () => {
    // jose will not sign with an extension it does not know, so the token is signed by hand.
    const input = `${Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'rsa-1', crit: ['exp2'], exp2: 1 })).toString('base64url')}.${Buffer.from(JSON.stringify(accessClaims())).toString('base64url')}`;
    const signature = await crypto.subtle.sign('RSASSA-PKCS1-v1_5', rsa.privateKey, Buffer.from(input));
    const token = `${input}.${Buffer.from(signature).toString('base64url')}`;
    const result = await verifyJwt(token, opts());
    assert.equal(result.valid, false);
    assert.equal(check(result, 'crit').code, 'jwt.crit_unsupported');
    assert.match(check(result, 'crit').message, /marks "exp2" as critical \(crit\)/);
    assert.match(check(result, 'crit').hint ?? '', /RFC 7515 4\.1\.11/);
    assert.equal(check(result, 'signature').code, 'jwt.signature_not_checked');
    assert.match(check(result, 'signature').message, /critical header was refused/);
    const malformed = await verifyJwt(rawToken({ alg: 'RS256', crit: 'exp2' }, accessClaims(), 'c2ln'), opts());
    assert.match(check(malformed, 'crit').message, /not a list of header names/);
  });

  it('refuses HS256 by default and accepts it when allowed with the secret (jwt.alg_not_allowed)', async () => {
    const secret = (await generateSecret('HS256', { extractable: true })) as CryptoKey;
    const token = await new SignJWT(accessClaims()).setProtectedHeader({ alg: 'HS256' }).sign(secret);
    const refused = await verifyJwt(token, opts({ keys: secret }));
    assert.equal(check(refused, 'alg').code, 'jwt.alg_not_allowed');
    assert.match(check(refused, 'alg').hint ?? '', /shared secret/);
    assert.equal(refused.valid, false);
    const allowed = await verifyJwt(token, opts({ keys: secret, allowedAlgorithms: ['HS256'] }));
    assert.deepEqual(failed(allowed), []);
    const onlyEs = await verifyJwt(await sign(rsa, accessClaims()), opts({ allowedAlgorithms: ['ES256'] }));
    assert.equal(check(onlyEs, 'alg').code, 'jwt.alg_not_allowed');
  });

  it('shows both issuers and points out a trailing-slash-only difference (jwt.issuer_mismatch)', async () => {
    const iss = check(await verifyJwt(await sign(rsa, accessClaims()), opts({ issuer: `${ISSUER}/` })), 'iss');
    assert.equal(iss.code, 'jwt.issuer_mismatch');
    assert.ok(iss.message.includes(`"${ISSUER}"`) && iss.message.includes(`"${ISSUER}/"`));
    assert.match(iss.message, /trailing slash/);
    const org = check(
      await verifyJwt(await sign(rsa, accessClaims()), opts({ issuer: 'https://example.okta.com' })),
      'iss',
    );
    assert.doesNotMatch(org.message, /trailing slash/);
    assert.match(org.hint ?? '', /org authorization server/);
  });

  it('accepts any of several expected audiences and reports a mismatch (jwt.audience_mismatch)', async () => {
    const token = await sign(rsa, accessClaims({ aud: ['api://a', 'api://b'] }));
    assert.equal(check(await verifyJwt(token, opts({ audience: ['api://x', 'api://b'] })), 'aud').ok, true);
    const aud = check(await verifyJwt(token, opts({ audience: 'api://kong' })), 'aud');
    assert.equal(aud.code, 'jwt.audience_mismatch');
    assert.match(aud.message, /\["api:\/\/a","api:\/\/b"\].*"api:\/\/kong"/);
  });

  it('reports a missing claim the caller expects (jwt.missing_claim)', async () => {
    const { iss: _iss, aud: _aud, ...rest } = accessClaims();
    const result = await verifyJwt(await sign(rsa, rest), opts());
    assert.deepEqual(failed(result), ['iss:jwt.missing_claim', 'aud:jwt.missing_claim']);
  });

  it('says when and how long ago a token expired, honouring the leeway (jwt.expired)', async () => {
    const token = await sign(rsa, accessClaims({ iat: NOW - 3600, exp: NOW + 43 }));
    clock.set(NOW_MS + (43 + 300) * 1000);
    const exp = check(await verifyJwt(token, opts()), 'exp');
    assert.equal(exp.code, 'jwt.expired');
    assert.equal(exp.message, 'The token expired at 2024-05-01 14:00:43 UTC, 5 minutes ago (leeway 0 s).');
    const lenient = check(await verifyJwt(token, opts({ leewaySeconds: 600 })), 'exp');
    assert.equal(lenient.ok, true);
    assert.match(lenient.message, /still accepted within the leeway of 600 s/);
    clock.set(NOW_MS + 43 * 1000);
    assert.equal(check(await verifyJwt(token, opts()), 'exp').code, 'jwt.expired', 'exp itself is already too late');
    clock.set(NOW_MS + 42 * 1000);
    assert.equal(check(await verifyJwt(token, opts()), 'exp').ok, true);
  });

  it('reports a token used before nbf and one issued in the future (jwt.not_yet_valid, jwt.iat_in_future)', async () => {
    const token = await sign(rsa, accessClaims({ iat: NOW + 120, nbf: NOW + 120 }));
    const result = await verifyJwt(token, opts());
    assert.deepEqual(failed(result), ['nbf:jwt.not_yet_valid', 'iat:jwt.iat_in_future']);
    assert.match(check(result, 'nbf').message, /in 2 minutes \(leeway 0 s\)/);
    assert.deepEqual(failed(await verifyJwt(token, opts({ leewaySeconds: 120 }))), []);
  });

  it('reports claims of the wrong type (jwt.invalid_claim)', async () => {
    const token = await sign(rsa, accessClaims({ exp: 'tomorrow' as unknown as number }));
    assert.equal(check(await verifyJwt(token, opts()), 'exp').code, 'jwt.invalid_claim');
  });

  it('accepts a token without exp in the generic profile but requires it for access tokens', async () => {
    const { exp: _exp, ...rest } = accessClaims();
    const token = await sign(rsa, rest);
    assert.match(check(await verifyJwt(token, opts()), 'exp').message, /never expires/);
    assert.equal(check(await verifyJwt(token, opts({ profile: 'access_token' })), 'exp').code, 'jwt.missing_claim');
  });

  describe('RFC 9068 profile', () => {
    const rfcClaims = () => accessClaims({ client_id: '0oa-client' });

    it('accepts typ at+jwt and application/at+jwt with all required claims', async () => {
      for (const typ of ['at+jwt', 'application/at+jwt', 'AT+JWT']) {
        const result = await verifyJwt(await sign(rsa, rfcClaims(), { typ }), opts({ profile: 'rfc9068' }));
        assert.deepEqual(failed(result), [], typ);
        assert.deepEqual(
          result.checks.map((c) => c.id),
          ['format', 'alg', 'signature', 'typ', 'iss', 'aud', 'sub', 'client_id', 'exp', 'iat', 'jti'],
        );
      }
    });

    it('rejects another typ or none (jwt.typ) and missing required claims', async () => {
      const jwt = check(
        await verifyJwt(await sign(rsa, rfcClaims(), { typ: 'JWT' }), opts({ profile: 'rfc9068' })),
        'typ',
      );
      assert.equal(jwt.code, 'jwt.typ');
      assert.match(jwt.message, /"at\+jwt"/);
      assert.equal(
        check(await verifyJwt(await sign(rsa, rfcClaims()), opts({ profile: 'rfc9068' })), 'typ').code,
        'jwt.typ',
      );
      const okta = { iss: ISSUER, aud: 'api://default', iat: NOW, exp: NOW + 60, cid: '0oa', scp: ['read'] };
      const result = await verifyJwt(await sign(rsa, okta, { typ: 'at+jwt' }), opts({ profile: 'rfc9068' }));
      assert.deepEqual(failed(result), [
        'sub:jwt.missing_claim',
        'client_id:jwt.missing_claim',
        'jti:jwt.missing_claim',
      ]);
    });

    it('compares client_id (or Okta cid) with the expected client (jwt.client_id_mismatch)', async () => {
      const okta = await sign(rsa, accessClaims({ cid: '0oa-client' }));
      assert.equal(
        check(await verifyJwt(okta, opts({ profile: 'access_token', clientId: '0oa-client' })), 'client_id').ok,
        true,
      );
      assert.equal(
        check(await verifyJwt(okta, opts({ profile: 'access_token', clientId: '0oa-other' })), 'client_id').code,
        'jwt.client_id_mismatch',
      );
    });
  });

  describe('ID token profile', () => {
    const clientId = '0oa-web';
    const accessToken = 'eyJ.access.token';
    const idClaims = (extra = {}) => ({
      iss: ISSUER,
      aud: clientId,
      sub: '00u1',
      iat: NOW - 10,
      exp: NOW + 3600,
      nonce: 'n-123',
      auth_time: NOW - 100,
      ...extra,
    });
    const idOpts = (extra: Partial<VerifyJwtOptions> = {}) =>
      opts({ audience: undefined, profile: 'id_token', clientId, nonce: 'n-123', ...extra });

    it('accepts a correct ID token with nonce, at_hash (RS256 and EdDSA) and azp', async () => {
      const rs = await sign(rsa, idClaims({ at_hash: atHash(accessToken), azp: clientId }));
      const result = await verifyJwt(rs, idOpts({ accessToken, maxAgeSeconds: 300 }));
      assert.deepEqual(failed(result), []);
      assert.deepEqual(
        result.checks.map((c) => c.id),
        [
          'format',
          'alg',
          'signature',
          'typ',
          'iss',
          'aud',
          'sub',
          'azp',
          'exp',
          'iat',
          'auth_time',
          'nonce',
          'at_hash',
        ],
      );
      const eddsa = await sign(ed, idClaims({ at_hash: atHash(accessToken, 'sha512') }));
      assert.equal(check(await verifyJwt(eddsa, idOpts({ accessToken })), 'at_hash').ok, true);
    });

    it('uses the client id as the expected audience', async () => {
      const aud = check(await verifyJwt(await sign(rsa, idClaims({ aud: 'another-app' })), idOpts()), 'aud');
      assert.equal(aud.code, 'jwt.audience_mismatch');
    });

    it('reports a wrong or missing nonce (jwt.nonce_mismatch)', async () => {
      assert.equal(
        check(await verifyJwt(await sign(rsa, idClaims()), idOpts({ nonce: 'other' })), 'nonce').code,
        'jwt.nonce_mismatch',
      );
      assert.equal(
        check(await verifyJwt(await sign(rsa, idClaims({ nonce: undefined })), idOpts()), 'nonce').code,
        'jwt.missing_claim',
      );
    });

    it('reports an access token that was not issued with the ID token (jwt.at_hash_mismatch)', async () => {
      const token = await sign(rsa, idClaims({ at_hash: atHash('another-token') }));
      const result = check(await verifyJwt(token, idOpts({ accessToken })), 'at_hash');
      assert.equal(result.code, 'jwt.at_hash_mismatch');
      assert.ok(!result.message.includes(accessToken), 'the access token is not echoed');
      assert.equal(
        check(await verifyJwt(await sign(rsa, idClaims()), idOpts({ accessToken })), 'at_hash').ok,
        true,
        'at_hash is optional',
      );
    });

    it('applies the azp rules of OIDC Core 3.1.3.7 (jwt.azp_mismatch)', async () => {
      assert.equal(
        check(await verifyJwt(await sign(rsa, idClaims({ azp: 'other-client' })), idOpts()), 'azp').code,
        'jwt.azp_mismatch',
      );
      const multi = await sign(rsa, idClaims({ aud: [clientId, 'api://x'] }));
      assert.equal(check(await verifyJwt(multi, idOpts()), 'azp').code, 'jwt.missing_claim');
      assert.equal(
        check(
          await verifyJwt(await sign(rsa, idClaims({ aud: [clientId, 'api://x'], azp: clientId })), idOpts()),
          'azp',
        ).ok,
        true,
      );
    });

    it('refuses an access token (typ at+jwt) as an ID token and checks max_age', async () => {
      const token = await sign(rsa, idClaims(), { typ: 'at+jwt' });
      assert.equal(check(await verifyJwt(token, idOpts()), 'typ').code, 'jwt.typ');
      assert.equal(
        check(await verifyJwt(token, idOpts({ maxAgeSeconds: 60 })), 'auth_time').code,
        'jwt.auth_time_too_old',
      );
      const { sub: _sub, ...noSub } = idClaims();
      assert.equal(check(await verifyJwt(await sign(rsa, noSub), idOpts()), 'sub').code, 'jwt.missing_claim');
    });
  });

  it('throws the decode errors for input that is not a JWT at all', async () => {
    await assert.rejects(
      verifyJwt('opaque-token', opts()),
      (e: unknown) => e instanceof OidcError && e.code === 'jwt.malformed.parts',
    );
    await assert.rejects(verifyJwt('', opts()), (e: unknown) => e instanceof OidcError && e.code === 'jwt.empty');
  });

  it('accepts a pasted "Bearer" token', async () => {
    assert.equal((await verifyJwt(`Bearer ${await sign(rsa, accessClaims())}`, opts())).valid, true);
  });
});
