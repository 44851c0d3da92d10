import { strict as assert } from 'node:assert';
import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import type { JWK } from 'jose';
import { ManualClock } from '../../../src/core/clock';
import {
  applyClientAuth,
  basicAuthorization,
  formUrlEncode,
  JWT_BEARER_ASSERTION_TYPE,
} from '../../../src/core/oauth/client-auth';
import type { ClientConfig } from '../../../src/core/oauth/client-auth';

const TOKEN = 'https://idp.example/oauth2/default/v1/token';
const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const clock = new ManualClock(NOW);

/** How a server decodes client_secret_basic (RFC 6749 §2.3.1). */
function serverDecodeBasic(header: string): { id: string; secret: string } {
  const decoded = Buffer.from(header.replace(/^Basic /, ''), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
  return { id: decode(decoded.slice(0, colon)), secret: decode(decoded.slice(colon + 1)) };
}

function client(partial: Partial<ClientConfig>): ClientConfig {
  return { clientId: '0oa1client', authMethod: 'client_secret_basic', ...partial };
}

describe('client authentication', () => {
  describe('client_secret_basic', () => {
    it('form-encodes id and secret before base64 (space → +, : and % escaped)', () => {
      const header = basicAuthorization('my client:1', 'p%s+s w:rd');
      const inner = Buffer.from(header.slice(6), 'base64').toString('utf8');
      assert.equal(inner, 'my+client%3A1:p%25s%2Bs+w%3Ard');
      assert.equal(formUrlEncode('é ü'), '%C3%A9+%C3%BC');
    });

    it('lets a server recover any id and secret (property)', () => {
      fc.assert(
        fc.property(
          fc.string({ unit: 'grapheme', minLength: 1 }),
          fc.string({ unit: 'grapheme', minLength: 1 }),
          (id, secret) => {
            assert.deepEqual(serverDecodeBasic(basicAuthorization(id, secret)), { id, secret });
          },
        ),
      );
    });

    it('sets only the Authorization header and lists the secret and the header for redaction', async () => {
      const r = await applyClientAuth(
        client({ clientSecret: 's3cr et' }),
        { form: { grant_type: 'client_credentials' } },
        TOKEN,
        { clock },
      );
      assert.deepEqual(r.form, { grant_type: 'client_credentials' });
      assert.equal(r.headers.Authorization, basicAuthorization('0oa1client', 's3cr et'));
      assert.ok(r.secrets.includes('s3cr et'));
      assert.ok(r.secrets.includes('s3cr+et'), 'the form-encoded variant is listed too');
      assert.ok(r.secrets.includes(r.headers.Authorization!));
      assert.ok(r.secrets.includes(r.headers.Authorization!.slice(6)));
    });

    it('makes the header once per client and again when its id or secret changes', async () => {
      const config = client({ clientSecret: 'first' });
      const one = await applyClientAuth(config, { form: {} }, TOKEN);
      const two = await applyClientAuth(config, { form: {} }, TOKEN);
      assert.deepEqual(two, one);
      assert.notEqual(two.secrets, one.secrets, 'each request gets its own list');
      config.clientSecret = 'second';
      const changed = await applyClientAuth(config, { form: {} }, TOKEN);
      assert.equal(changed.headers.Authorization, basicAuthorization('0oa1client', 'second'));
      assert.ok(changed.secrets.includes('second') && !changed.secrets.includes('first'));
      config.clientId = 'other';
      const renamed = await applyClientAuth(config, { form: {} }, TOKEN);
      assert.equal(renamed.headers.Authorization, basicAuthorization('other', 'second'));
    });

    it('needs a secret', async () => {
      await assert.rejects(applyClientAuth(client({}), { form: {} }, TOKEN), (e: { code: string; message: string }) => {
        assert.equal(e.code, 'client_auth.missing_secret');
        assert.match(e.message, /"0oa1client" uses client_secret_basic/);
        return true;
      });
    });
  });

  it('client_secret_post puts both values in the form', async () => {
    const r = await applyClientAuth(
      client({ authMethod: 'client_secret_post', clientSecret: 'shh' }),
      { form: { a: '1' } },
      TOKEN,
    );
    assert.deepEqual(r.form, { a: '1', client_id: '0oa1client', client_secret: 'shh' });
    assert.equal(r.headers.Authorization, undefined);
    assert.deepEqual(r.secrets, ['shh']);
  });

  it('none sends only client_id and never a client_secret, even if one is configured or smuggled in', async () => {
    const r = await applyClientAuth(
      client({ authMethod: 'none', clientSecret: 'ignored' }),
      { form: { client_secret: '' } },
      TOKEN,
    );
    assert.deepEqual(r.form, { client_id: '0oa1client' });
    assert.ok(!('client_secret' in r.form));
    assert.equal(r.headers.Authorization, undefined);
    assert.deepEqual(r.secrets, []);
  });

  it('client_secret_jwt signs an RFC 7523 assertion with HS256 and the secret', async () => {
    const secret = 'a-client-secret-that-is-long-enough-for-hs256';
    const r = await applyClientAuth(
      client({ authMethod: 'client_secret_jwt', clientSecret: secret }),
      { form: {} },
      TOKEN,
      { clock },
    );
    assert.equal(r.form.client_assertion_type, JWT_BEARER_ASSERTION_TYPE);
    const assertion = r.form.client_assertion!;
    assert.equal(decodeProtectedHeader(assertion).alg, 'HS256');
    const { payload } = await jwtVerify(assertion, new TextEncoder().encode(secret), {
      currentDate: new Date(NOW),
      audience: TOKEN,
      issuer: '0oa1client',
      subject: '0oa1client',
    });
    assert.equal(payload.iat, NOW / 1000);
    assert.equal(payload.exp, NOW / 1000 + 60);
    assert.equal(typeof payload.jti, 'string');
    assert.ok(r.secrets.includes(assertion));
    assert.ok(r.secrets.includes(secret));
    assert.ok(!('client_secret' in r.form));
  });

  it('client_secret_jwt uses a fresh jti each time', async () => {
    const c = client({ authMethod: 'client_secret_jwt', clientSecret: 'x'.repeat(40) });
    const a = await applyClientAuth(c, { form: {} }, TOKEN, { clock });
    const b = await applyClientAuth(c, { form: {} }, TOKEN, { clock });
    const jti = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()).jti;
    assert.notEqual(jti(a.form.client_assertion!), jti(b.form.client_assertion!));
  });

  it('client_secret_jwt refuses a non-HMAC alg', async () => {
    await assert.rejects(
      applyClientAuth(
        client({ authMethod: 'client_secret_jwt', clientSecret: 'x', signingAlg: 'RS256' }),
        { form: {} },
        TOKEN,
      ),
      { code: 'client_auth.invalid_key' },
    );
  });

  describe('private_key_jwt', () => {
    const cases = [
      { name: 'RSA', pair: generateKeyPairSync('rsa', { modulusLength: 2048 }), alg: 'RS256' },
      { name: 'EC P-256', pair: generateKeyPairSync('ec', { namedCurve: 'P-256' }), alg: 'ES256' },
      { name: 'Ed25519', pair: generateKeyPairSync('ed25519'), alg: 'EdDSA' },
    ];
    for (const { name, pair, alg } of cases) {
      it(`signs with a ${name} PEM key using ${alg} by default`, async () => {
        const pem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
        const r = await applyClientAuth(
          client({ authMethod: 'private_key_jwt', privateKey: pem, keyId: 'k1' }),
          { form: {} },
          TOKEN,
          { clock },
        );
        const assertion = r.form.client_assertion!;
        assert.deepEqual(decodeProtectedHeader(assertion), { alg, kid: 'k1' });
        const { payload } = await jwtVerify(assertion, pair.publicKey, {
          currentDate: new Date(NOW),
          audience: TOKEN,
          issuer: '0oa1client',
          subject: '0oa1client',
        });
        assert.equal(payload.exp! - payload.iat!, 60);
        assert.equal(r.form.client_assertion_type, JWT_BEARER_ASSERTION_TYPE);
        assert.deepEqual(r.secrets, [assertion]);
      });
    }

    it('signs with a JWK, taking kid from it, and honours signingAlg (PS256)', async () => {
      const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const jwk = { ...(pair.privateKey.export({ format: 'jwk' }) as JWK), kid: 'from-jwk' };
      const r = await applyClientAuth(
        client({ authMethod: 'private_key_jwt', privateKey: jwk, signingAlg: 'PS256' }),
        { form: {} },
        TOKEN,
        { clock },
      );
      assert.deepEqual(decodeProtectedHeader(r.form.client_assertion!), { alg: 'PS256', kid: 'from-jwk' });
      await jwtVerify(r.form.client_assertion!, pair.publicKey, { currentDate: new Date(NOW) });
    });

    it('accepts a JWK given as JSON text', async () => {
      const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const r = await applyClientAuth(
        client({
          authMethod: 'private_key_jwt',
          privateKey: JSON.stringify(pair.privateKey.export({ format: 'jwk' })),
        }),
        { form: {} },
        TOKEN,
        { clock },
      );
      assert.equal(decodeProtectedHeader(r.form.client_assertion!).alg, 'ES256');
    });

    it('reports a missing key, a public key and garbage without echoing the key', async () => {
      const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      await assert.rejects(applyClientAuth(client({ authMethod: 'private_key_jwt' }), { form: {} }, TOKEN), {
        code: 'client_auth.missing_key',
      });
      const publicPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
      await assert.rejects(
        applyClientAuth(client({ authMethod: 'private_key_jwt', privateKey: publicPem }), { form: {} }, TOKEN),
        (e: { code: string; message: string; hint: string }) => {
          assert.equal(e.code, 'client_auth.invalid_key');
          assert.match(e.message, /public key/);
          assert.ok(!e.message.includes('BEGIN'));
          assert.match(e.hint, /PRIVATE key/);
          return true;
        },
      );
      await assert.rejects(
        applyClientAuth(
          client({ authMethod: 'private_key_jwt', privateKey: pair.publicKey.export({ format: 'jwk' }) as JWK }),
          { form: {} },
          TOKEN,
        ),
        { code: 'client_auth.invalid_key' },
      );
      await assert.rejects(
        applyClientAuth(client({ authMethod: 'private_key_jwt', privateKey: 'not a key' }), { form: {} }, TOKEN),
        { code: 'client_auth.invalid_key' },
      );
      await assert.rejects(
        applyClientAuth(client({ authMethod: 'private_key_jwt', privateKey: '{not json' }), { form: {} }, TOKEN),
        { code: 'client_auth.invalid_key' },
      );
    });

    it('reports an alg that does not fit the key', async () => {
      const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const pem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      await assert.rejects(
        applyClientAuth(
          client({ authMethod: 'private_key_jwt', privateKey: pem, signingAlg: 'RS256' }),
          { form: {} },
          TOKEN,
        ),
        { code: 'client_auth.invalid_key' },
      );
      await assert.rejects(
        applyClientAuth(
          client({ authMethod: 'private_key_jwt', privateKey: pem, signingAlg: 'HS256' }),
          { form: {} },
          TOKEN,
        ),
        { code: 'client_auth.invalid_key' },
      );
    });
  });

  for (const method of ['tls_client_auth', 'self_signed_tls_client_auth'] as const) {
    it(`${method} sends client_id and passes the certificate and key as request options`, async () => {
      const r = await applyClientAuth(
        client({ authMethod: method, certificate: 'CERT-PEM', certificateKey: 'KEY-PEM' }),
        { form: {} },
        TOKEN,
      );
      assert.deepEqual(r.form, { client_id: '0oa1client' });
      assert.deepEqual(r.options, { cert: 'CERT-PEM', key: 'KEY-PEM' });
      assert.deepEqual(r.secrets, ['KEY-PEM']);
      await assert.rejects(applyClientAuth(client({ authMethod: method }), { form: {} }, TOKEN), {
        code: 'client_auth.missing_certificate',
      });
    });
  }

  it('rejects an unknown method', async () => {
    await assert.rejects(applyClientAuth(client({ authMethod: 'magic' as never }), { form: {} }, TOKEN), {
      code: 'client_auth.unsupported_method',
    });
  });

  it("does not mutate the caller's form or headers", async () => {
    const form = { a: '1' };
    const headers = { Accept: 'application/json' };
    await applyClientAuth(client({ authMethod: 'client_secret_post', clientSecret: 's' }), { form, headers }, TOKEN);
    assert.deepEqual(form, { a: '1' });
    assert.deepEqual(headers, { Accept: 'application/json' });
  });
});
