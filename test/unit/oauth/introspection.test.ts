import { strict as assert } from 'node:assert';
import { generateKeyPairSync } from 'node:crypto';
import { createLocalJWKSet, SignJWT } from 'jose';
import type { JWK } from 'jose';
import { ManualClock } from '../../../src/core/clock';
import type { OidcError } from '../../../src/core/errors';
import type { ClientConfig } from '../../../src/core/oauth/client-auth';
import { introspect, INTROSPECTION_JWT_TYPE } from '../../../src/core/oauth/introspection';
import { oktaMetadata } from '../../../src/core/oauth/okta';
import { FakeHttp, formOf } from '../../support/fake-http';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const metadata = oktaMetadata({ domain: 'dev-1.okta.com', authorizationServerId: 'default' });
const INTROSPECT = metadata.introspection_endpoint!;
const client: ClientConfig = { clientId: '0oa-kong', authMethod: 'client_secret_basic', clientSecret: 'kong-secret' };
const clock = new ManualClock(NOW);

const ACTIVE = {
  active: true,
  scope: 'orders:read orders:write',
  client_id: '0oa-app',
  exp: NOW / 1000 + 300,
  token_type: 'Bearer',
  uid: 'u1',
};

describe('introspection', () => {
  it('posts token and token_type_hint with client authentication and reads the answer', async () => {
    const http = new FakeHttp().on(INTROSPECT, { body: ACTIVE });
    const r = await introspect({ http, metadata, client, clock }, 'the-token', { tokenTypeHint: 'access_token' });
    assert.equal(r.active, true);
    assert.equal(r.format, 'json');
    assert.deepEqual(r.scope, ['orders:read', 'orders:write']);
    assert.equal(r.expiresAt, NOW + 300_000);
    assert.equal(r.claims.uid, 'u1');
    assert.deepEqual(r.warnings, []);
    const req = http.last();
    assert.equal(req.label, 'introspection endpoint');
    assert.equal(req.lane, 'idp');
    assert.deepEqual(formOf(req), { token: 'the-token', token_type_hint: 'access_token' });
    assert.equal(req.headers!.Accept, 'application/json');
    assert.ok(req.headers!.Authorization!.startsWith('Basic '));
    assert.ok(req.secrets!.includes('the-token'));
    assert.ok(req.secrets!.includes('kong-secret'));
    assert.equal(r.response.status, 200);
  });

  it('reads an inactive answer', async () => {
    const http = new FakeHttp().on(INTROSPECT, { body: { active: false } });
    const r = await introspect({ http, metadata, client, clock }, 't');
    assert.equal(r.active, false);
    assert.equal(r.scope, undefined);
  });

  it('uses the introspection endpoint itself as the JWT assertion audience by default', async () => {
    const http = new FakeHttp().on(INTROSPECT, { body: { active: false } });
    await introspect(
      {
        http,
        metadata,
        client: { clientId: 'c', authMethod: 'client_secret_jwt', clientSecret: 'x'.repeat(40) },
        clock,
      },
      't',
    );
    const aud = (c: string) => JSON.parse(Buffer.from(c.split('.')[1]!, 'base64url').toString()).aud;
    assert.equal(aud(formOf(http.last()).client_assertion!), INTROSPECT);
    await introspect(
      {
        http,
        metadata,
        client: {
          clientId: 'c',
          authMethod: 'client_secret_jwt',
          clientSecret: 'x'.repeat(40),
          assertionAudience: 'token_endpoint',
        },
        clock,
      },
      't',
    );
    assert.equal(aud(formOf(http.last()).client_assertion!), metadata.token_endpoint);
  });

  it('requires a boolean active', async () => {
    for (const body of [{ scope: 'x' }, { active: 'true' }, [1]]) {
      const http = new FakeHttp().on(INTROSPECT, { body });
      await assert.rejects(
        introspect({ http, metadata, client, clock }, 't'),
        (e: OidcError) => e.code === 'introspection.invalid_response' && e.message.includes(INTROSPECT),
      );
    }
  });

  it("explains a 401 as the caller's own credentials being refused, with or without a body", async () => {
    for (const canned of [
      { status: 401, body: { error: 'invalid_client', error_description: 'Invalid value for client_id parameter.' } },
      { status: 401, body: '' },
    ]) {
      const http = new FakeHttp().on(INTROSPECT, canned);
      await assert.rejects(introspect({ http, metadata, client, clock }, 't'), (e: OidcError) => {
        assert.equal(e.code, 'oauth.invalid_client');
        assert.equal(e.status, 401);
        assert.match(e.message, new RegExp(`Introspection endpoint ${INTROSPECT} answered HTTP 401`));
        assert.match(e.hint!, /own client credentials, not the token/);
        return true;
      });
    }
  });

  it('reports HTML and server failures naming the endpoint', async () => {
    const html = new FakeHttp().on(INTROSPECT, {
      status: 200,
      headers: { 'content-type': 'text/html' },
      body: '<html></html>',
    });
    await assert.rejects(
      introspect({ http: html, metadata, client, clock }, 't'),
      (e: OidcError) => e.code === 'oauth.not_json' && e.message.includes(INTROSPECT),
    );
    const down = new FakeHttp().on(INTROSPECT, { status: 503, body: 'unavailable' });
    await assert.rejects(introspect({ http: down, metadata, client, clock }, 't'), { code: 'oauth.server_status' });
  });

  it('needs an introspection endpoint', async () => {
    await assert.rejects(introspect({ http: new FakeHttp(), metadata: { issuer: 'https://idp' }, client }, 't'), {
      code: 'introspection.missing_endpoint',
    });
  });

  describe('JWT answers (RFC 9701)', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwks = createLocalJWKSet({
      keys: [{ ...(publicKey.export({ format: 'jwk' }) as JWK), kid: 'k1', alg: 'ES256' }],
    });

    function signed(overrides: { typ?: string; iss?: string; aud?: string; claims?: unknown } = {}): Promise<string> {
      return new SignJWT({ token_introspection: overrides.claims ?? ACTIVE })
        .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: overrides.typ ?? 'token-introspection+jwt' })
        .setIssuer(overrides.iss ?? metadata.issuer)
        .setAudience(overrides.aud ?? client.clientId)
        .setIssuedAt(NOW / 1000)
        .sign(privateKey);
    }

    it('asks for the JWT type and verifies it', async () => {
      const http = new FakeHttp().on(INTROSPECT, {
        headers: { 'content-type': INTROSPECTION_JWT_TYPE },
        body: await signed(),
      });
      const r = await introspect({ http, metadata, client, clock }, 't', { accept: 'jwt', verifyKey: jwks });
      assert.equal(http.last().headers!.Accept, INTROSPECTION_JWT_TYPE);
      assert.equal(r.format, 'jwt');
      assert.equal(r.active, true);
      assert.equal(r.claims.client_id, '0oa-app');
    });

    it('rejects a wrong typ, issuer, audience or signature as introspection.jwt_invalid', async () => {
      const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const forged = await new SignJWT({ token_introspection: ACTIVE })
        .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'token-introspection+jwt' })
        .setIssuer(metadata.issuer)
        .setAudience(client.clientId)
        .sign(other.privateKey);
      for (const body of [
        await signed({ typ: 'JWT' }),
        await signed({ iss: 'https://evil' }),
        await signed({ aud: 'someone-else' }),
        forged,
      ]) {
        const http = new FakeHttp().on(INTROSPECT, { headers: { 'content-type': INTROSPECTION_JWT_TYPE }, body });
        await assert.rejects(
          introspect({ http, metadata, client, clock }, 't', { accept: 'jwt', verifyKey: jwks }),
          (e: OidcError) => e.code === 'introspection.jwt_invalid' && e.message.includes(INTROSPECT),
        );
      }
    });

    it('a signed answer with a wrong aud shows the aud it had and says the IdP sent it', async () => {
      const http = new FakeHttp().on(INTROSPECT, {
        headers: { 'content-type': INTROSPECTION_JWT_TYPE },
        body: await signed({ aud: 'orders:read' }),
      });
      await assert.rejects(
        introspect({ http, metadata, client, clock }, 't', { accept: 'jwt', verifyKey: jwks }),
        (e: OidcError) =>
          e.code === 'introspection.jwt_invalid' &&
          /addressed to aud "orders:read", not to the client that asked \(0oa-kong\)/.test(e.message) &&
          /the IdP's doing/.test(e.hint ?? ''),
      );
    });

    it('needs a key and a token_introspection object', async () => {
      const http = new FakeHttp().on(INTROSPECT, {
        headers: { 'content-type': INTROSPECTION_JWT_TYPE },
        body: await signed(),
      });
      await assert.rejects(introspect({ http, metadata, client, clock }, 't', { accept: 'jwt' }), {
        code: 'introspection.jwt_invalid',
      });
      const noClaim = new FakeHttp().on(INTROSPECT, {
        headers: { 'content-type': INTROSPECTION_JWT_TYPE },
        body: await signed({ claims: 'nope' }),
      });
      await assert.rejects(
        introspect({ http: noClaim, metadata, client, clock }, 't', { accept: 'jwt', verifyKey: jwks }),
        { code: 'introspection.invalid_response' },
      );
    });

    it('warns when the server answers plain JSON to a JWT request', async () => {
      const http = new FakeHttp().on(INTROSPECT, { body: ACTIVE });
      const r = await introspect({ http, metadata, client, clock }, 't', { accept: 'jwt', verifyKey: jwks });
      assert.equal(r.format, 'json');
      assert.match(r.warnings[0]!, /unsigned/);
    });
  });
});
