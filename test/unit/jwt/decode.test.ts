import { strict as assert } from 'node:assert';
import { OidcError } from '../../../src/core/errors';
import { classifyToken, decodeJwt, decodeJwtParts } from '../../../src/core/jwt/decode';
import { accessClaims, makeKey, rawToken, sign } from '../../support/jwt-fixtures';

function throwsCode(fn: () => unknown, code: string, message?: RegExp): OidcError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof OidcError, `expected an OidcError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code);
  if (message) assert.match(caught.message, message);
  assert.ok(caught.hint, 'every decode error carries a hint');
  return caught;
}

describe('jwt decode', () => {
  let token: string;

  before(async () => {
    token = await sign(await makeKey('RS256', 'k1'), accessClaims(), { typ: 'at+jwt' });
  });

  it('decodes header, payload, signature and signing input without verifying', () => {
    const decoded = decodeJwt(token);
    assert.equal(decoded.header.alg, 'RS256');
    assert.equal(decoded.header.typ, 'at+jwt');
    assert.equal(decoded.alg, 'RS256');
    assert.equal(decoded.kid, 'k1');
    assert.equal(decoded.payload.sub, 'user@example.com');
    assert.equal(decoded.verified, false);
    assert.equal(decoded.unsecured, false);
    assert.equal(decoded.raw, token);
    assert.equal(`${decoded.signingInput}.${decoded.signature}`, token);
  });

  it('hands out a frozen decode (header and claims), so the last token and header can be shared', () => {
    const first = decodeJwt(token);
    assert.throws(() => {
      (first.header as Record<string, unknown>).alg = 'changed by a caller';
    }, TypeError);
    assert.throws(() => {
      (first.payload as Record<string, unknown>).sub = 'changed by a caller';
    }, TypeError);
    assert.equal(decodeJwt(token), first, 'the same token text is decoded once');
    assert.equal(decodeJwt(token).header.alg, 'RS256');
    const nested = (kid: string, sub = 'x'): string =>
      rawToken({ alg: 'RS256', kid, jwk: { kty: 'RSA', n: 'AQAB', e: 'AQAB' } }, { sub, aud: ['a', 'b'] });
    const a = decodeJwt(nested('n1'));
    assert.ok(Object.isFrozen(a) && Object.isFrozen(a.header) && Object.isFrozen(a.payload));
    const b = decodeJwt(nested('n1', 'y'));
    assert.equal(b.header, a.header, 'a new token with the same header text shares its frozen header');
    assert.equal(b.payload.sub, 'y');
    assert.equal(decodeJwt(nested('n2')).kid, 'n2', 'another header text is decoded, not remembered');
  });

  it('keeps the decodeJwtParts shape the CLI and extension use', () => {
    const parts = decodeJwtParts(token);
    assert.deepEqual(Object.keys(parts).sort(), ['header', 'payload', 'signature']);
    assert.equal(parts.payload.iss, 'https://example.okta.com/oauth2/default');
  });

  it('tolerates a Bearer prefix, an Authorization header name, quotes and whitespace', () => {
    for (const pasted of [
      `Bearer ${token}`,
      `  ${token}\n`,
      `"${token}"`,
      `'Bearer ${token}'`,
      `Authorization: Bearer ${token}`,
      `bearer   "${token}"`,
      `DPoP ${token}`,
    ]) {
      assert.equal(decodeJwt(pasted).raw, token, pasted.slice(0, 20));
    }
  });

  it('decodes alg none but flags it as unsecured', () => {
    const decoded = decodeJwt(rawToken({ alg: 'none' }, { sub: 'x' }));
    assert.equal(decoded.unsecured, true);
    assert.equal(decoded.signature, '');
    assert.equal(decodeJwt(rawToken({ alg: 'NONE' }, { sub: 'x' })).unsecured, true);
  });

  it('rejects an empty token (jwt.empty)', () => {
    throwsCode(() => decodeJwt(''), 'jwt.empty');
    throwsCode(() => decodeJwt('  Bearer  '), 'jwt.empty');
    throwsCode(() => decodeJwt('""'), 'jwt.empty');
  });

  it('says how many parts a wrong token has (jwt.malformed.parts)', () => {
    throwsCode(() => decodeJwt('a.b'), 'jwt.malformed.parts', /2 parts \(1 dot\)/);
    throwsCode(() => decodeJwt('a.b.c.d'), 'jwt.malformed.parts', /4 parts \(3 dots\)/);
    throwsCode(() => decodeJwt('00Oabcdef1234567890'), 'jwt.malformed.parts', /opaque/);
  });

  it('recognises a JWE and says it cannot be decoded without the key (jwt.encrypted)', () => {
    const header = Buffer.from(JSON.stringify({ alg: 'RSA-OAEP-256', enc: 'A256GCM' })).toString('base64url');
    const error = throwsCode(() => decodeJwt(`${header}.a.b.c.d`), 'jwt.encrypted', /without the decryption key/);
    assert.match(error.message, /RSA-OAEP-256/);
    throwsCode(() => decodeJwt('x.a.b.c.d'), 'jwt.encrypted');
  });

  it('names the part that is not base64url (jwt.malformed.base64)', () => {
    const [h, p, s] = token.split('.') as [string, string, string];
    throwsCode(() => decodeJwt(`${h}+.${p}.${s}`), 'jwt.malformed.base64', /header \(part 1 of 3\).*"\+"/);
    throwsCode(() => decodeJwt(`${h}.${p}=.${s}`), 'jwt.malformed.base64', /payload \(part 2 of 3\).*padding/);
    throwsCode(() => decodeJwt(`${h}.${p}.${s}/x`), 'jwt.malformed.base64', /signature \(part 3 of 3\)/);
    throwsCode(() => decodeJwt(`${h}.${p.slice(0, 10)} ${p.slice(10)}.${s}`), 'jwt.malformed.base64', /whitespace/);
    throwsCode(() => decodeJwt(`${h}.${p}A.${s}`.replace(p + 'A', 'abcde')), 'jwt.malformed.base64', /length/);
  });

  it('names the part that is not JSON (jwt.malformed.json)', () => {
    throwsCode(() => decodeJwt(rawToken('not json', { a: 1 })), 'jwt.malformed.json', /header/);
    throwsCode(() => decodeJwt(rawToken({ alg: 'RS256' }, '{"broken":')), 'jwt.malformed.json', /payload/);
    throwsCode(() => decodeJwt(`.${rawToken({}, {}).split('.')[1]}.`), 'jwt.malformed.json', /header .* is empty/);
    const notUtf8 = Buffer.from([0xff, 0xfe, 0xfd]).toString('base64url');
    throwsCode(() => decodeJwt(`${notUtf8}.e30.`), 'jwt.malformed.json', /UTF-8/);
  });

  it('rejects JSON that is not an object (jwt.malformed.not_object)', () => {
    throwsCode(() => decodeJwt(rawToken([1, 2], { a: 1 })), 'jwt.malformed.not_object', /header .*an array/);
    throwsCode(() => decodeJwt(rawToken({ alg: 'RS256' }, 'null')), 'jwt.malformed.not_object', /payload .*null/);
    throwsCode(() => decodeJwt(rawToken({ alg: 'RS256' }, '42')), 'jwt.malformed.not_object', /a number/);
  });

  it('never puts the token into an error message', () => {
    const secretish = `${token.slice(0, -5)}+++++`;
    const error = throwsCode(() => decodeJwt(secretish), 'jwt.malformed.base64');
    assert.ok(!error.message.includes(token.split('.')[1]!));
    assert.ok(!error.toUserMessage().includes(token.split('.')[0]!));
  });

  describe('classifyToken', () => {
    it('tells JWT, JWE and opaque tokens apart without throwing', () => {
      const jweHeader = Buffer.from(JSON.stringify({ alg: 'dir', enc: 'A128GCM' })).toString('base64url');
      assert.equal(classifyToken(token), 'jwt');
      assert.equal(classifyToken(`Bearer ${token}`), 'jwt');
      assert.equal(classifyToken(`${jweHeader}..iv.ct.tag`), 'jwe');
      assert.equal(classifyToken('00Oabcdef1234567890'), 'opaque');
      assert.equal(classifyToken('v2.local.abcdef'), 'opaque');
      assert.equal(classifyToken(''), 'opaque');
      assert.equal(classifyToken('a.b.c.d.e'), 'opaque');
    });
  });
});
