import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { OidcError } from '../../../src/core/errors';
import { classifyToken, decodeJwt } from '../../../src/core/jwt/decode';
import { explainClaims } from '../../../src/core/jwt/explain';
import { ManualClock } from '../../../src/core/clock';
import { verifyJwt } from '../../../src/core/jwt/verify';
import { NOW_MS, makeKey } from '../../support/jwt-fixtures';

const b64 = (value: string): string => Buffer.from(value).toString('base64url');

/** Either decodes or throws an OidcError with a jwt.* code; anything else fails the property. */
function decodesOrOidcError(token: string): void {
  try {
    const decoded = decodeJwt(token);
    assert.equal(decoded.verified, false);
  } catch (error) {
    assert.ok(error instanceof OidcError, `non-OidcError thrown: ${String(error)}`);
    assert.match(error.code, /^jwt\./);
    assert.ok(error.hint);
  }
}

describe('jwt decode properties', () => {
  it('never throws anything but OidcError on arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), decodesOrOidcError), { numRuns: 2000 });
  });

  it('never throws anything but OidcError on dot-separated base64url-ish strings', () => {
    const segment = fc.oneof(
      fc.base64String().map((s) => s.replace(/=+$/, '')),
      fc.string({ unit: 'grapheme', maxLength: 20 }).map(b64),
      fc.json().map(b64),
      fc.constant(''),
    );
    const token = fc.array(segment, { minLength: 1, maxLength: 6 }).map((parts) => parts.join('.'));
    fc.assert(fc.property(token, decodesOrOidcError), { numRuns: 2000 });
  });

  it('round-trips any JSON object header and payload', () => {
    const obj = fc.dictionary(fc.string(), fc.jsonValue());
    fc.assert(
      fc.property(obj, obj, (header, payload) => {
        const decoded = decodeJwt(`${b64(JSON.stringify(header))}.${b64(JSON.stringify(payload))}.sig`);
        assert.deepEqual(decoded.header, JSON.parse(JSON.stringify(header)));
        assert.deepEqual(decoded.payload, JSON.parse(JSON.stringify(payload)));
        assert.equal(classifyToken(decoded.raw), 'jwt');
      }),
      { numRuns: 300 },
    );
  });

  it('classifyToken never throws and agrees with decode', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (token) => {
        const kind = classifyToken(token);
        let decodes = true;
        try {
          decodeJwt(token);
        } catch {
          decodes = false;
        }
        assert.equal(kind === 'jwt', decodes);
      }),
      { numRuns: 1000 },
    );
  });

  it('explainClaims never throws on arbitrary JSON payloads', () => {
    const clock = new ManualClock(NOW_MS);
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.constantFrom('exp', 'iat', 'nbf', 'act', 'cnf', 'amr', 'scp', 'scope', 'aud', 'sub', 'may_act', 'x'),
          fc.jsonValue(),
        ),
        (payload) => {
          for (const e of explainClaims(payload, { clock, timeZone: 'UTC' }))
            assert.equal(typeof e.explanation, 'string');
        },
      ),
      { numRuns: 500 },
    );
  });

  it('verifyJwt returns checks or rejects with OidcError for arbitrary headers and payloads', async () => {
    const key = await makeKey('ES256', 'k');
    const clock = new ManualClock(NOW_MS);
    const header = fc.record(
      {
        alg: fc.oneof(fc.constantFrom('RS256', 'ES256', 'EdDSA', 'HS256', 'none', 'None'), fc.jsonValue()),
        kid: fc.option(fc.jsonValue()),
        typ: fc.option(fc.jsonValue()),
      },
      { requiredKeys: [] },
    );
    const payload = fc.dictionary(
      fc.constantFrom(
        'iss',
        'aud',
        'exp',
        'nbf',
        'iat',
        'sub',
        'azp',
        'nonce',
        'at_hash',
        'auth_time',
        'client_id',
        'cid',
      ),
      fc.jsonValue(),
    );
    await fc.assert(
      fc.asyncProperty(
        header,
        payload,
        fc.constantFrom('generic', 'access_token', 'rfc9068', 'id_token' as const),
        fc.base64String(),
        async (h, p, profile, sig) => {
          const token = `${b64(JSON.stringify(h))}.${b64(JSON.stringify(p))}.${sig.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')}`;
          try {
            const result = await verifyJwt(token, {
              keys: key.publicKey,
              clock,
              profile,
              issuer: 'https://i',
              audience: 'a',
              clientId: 'c',
              nonce: 'n',
              accessToken: 't',
              maxAgeSeconds: 60,
            });
            assert.equal(
              result.valid,
              result.checks.every((c) => c.ok),
            );
            for (const c of result.checks) assert.ok(c.ok || c.code, `${c.id} failed without a code`);
          } catch (error) {
            assert.ok(error instanceof OidcError, `non-OidcError thrown: ${String(error)}`);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
