import { strict as assert } from 'node:assert';
import { createHttpClient } from '../../src/core/http/client';
import { classifyToken, decodeJwt, JwksCache, verifyJwt } from '../../src/core/jwt';
import { clientCredentials, discover, introspect, revoke } from '../../src/core/oauth';
import type { AuthorizationServerMetadata, OAuthContext } from '../../src/core/oauth';
import { describeApacheRevokeScenario } from '../support/apache-scenario';
import { glewlwydUnavailable, startGlewlwyd } from '../support/glewlwyd';
import type { Glewlwyd, GlewlwydClient } from '../support/glewlwyd';

/**
 * A second real IdP that nobody on this project wrote: Glewlwyd 2.7.5 from
 * Debian's `glewlwyd` package (OAuth2/OIDC server in C), started on loopback
 * over https by test/support/glewlwyd.ts and provisioned through its admin
 * API. Proves that our protocol core (discover, clientCredentials,
 * introspect, revoke, verifyJwt with JwksCache) works against it, and that
 * Apache mod_auth_openidc introspecting at it gives 200, then 401 once the
 * token is revoked, with the verdict "token inactive".
 *
 * How Glewlwyd's answers differ from Okta's (and from oidc-provider laid out
 * as Okta, our sandbox), all observed here; the tests below pin them:
 * - Issuer and endpoints: issuer <origin>/api/<plugin name>, endpoints
 *   /token, /introspect, /revoke, /jwks under it (Okta: /v1/token, /v1/keys).
 * - Discovery: grant_types_supported is ["authorization_code","implicit"]
 *   even with client credentials enabled ("client_credentials" and
 *   "refresh_token" are listed in response_types_supported instead);
 *   scopes_supported only lists "openid", not the scopes made through the API.
 * - Token response: token_type "bearer" (lower case; Okta "Bearer"), no id_token.
 * - Access token (JWT, header typ "at+jwt", RS256 with our kid): claims iss,
 *   aud, client_id, sub, iat, nbf, exp, jti, type "access_token", scope.
 *   scope is a space-separated string (Okta: scp, an array); client_id, not
 *   Okta's cid; sub is the client id for client credentials (Okta: the same);
 *   aud is the granted scope list, e.g. "orders:read", when no resource
 *   indicator was sent (Okta: the authorization server's audience, e.g.
 *   api://default). It passes our rfc9068 profile.
 * - Introspection, active: client_id, aud, scope (string), token_type
 *   "bearer" (Okta "Bearer"), iat, nbf, exp, jti; no iss, no sub and no
 *   username for a client-credentials token (Okta: iss and sub too).
 * - Introspection, inactive (revoked, unknown, garbage): 200 {"active":false}
 *   and nothing else, like Okta. A token_type_hint that does not match the
 *   token (e.g. refresh_token for an access token) also gives
 *   {"active":false}: Glewlwyd only looks where the hint says.
 * - Who may introspect: see test/support/glewlwyd.ts. With Basic auth only
 *   ("target client"), a client only ever sees its own tokens as active; a
 *   gateway client needs the bearer mode (an access token with the configured
 *   scope) or, as here, both modes on, which lets any client_secret_basic
 *   client see every token. Revocation follows the same rule (in "target
 *   client" mode another client's revocation answers 200 and does nothing;
 *   seen by hand, not pinned here).
 * - Revocation: 200 with an empty body, also for unknown or already revoked
 *   tokens. A revoked JWT still verifies locally (signature, exp): only
 *   introspection knows it is revoked (Glewlwyd's docs say so too).
 * - RFC 9701 signed introspection (Accept: application/token-introspection+jwt):
 *   typ token-introspection+jwt, signed with the token key, but its aud is
 *   the token's aud (the scope list), not the requesting client's id, so our
 *   core refuses it (introspection.jwt_invalid on aud).
 * - Errors at the token endpoint: a wrong client secret, no client
 *   authentication, an authentication method the client may not use
 *   (client_secret_post for a client_secret_basic client) and a request
 *   without scope all answer 403 with an EMPTY body and no WWW-Authenticate
 *   (Okta: 401 {"error":"invalid_client"}); our core says oauth.unexpected_status
 *   and points at the client's credentials and the scope requested (it used to
 *   say oauth.not_json and guess at a wrong URL or a proxy: wrong advice here).
 *   An unknown or not-allowed scope answers 400 {"error":"scope_invalid"}, not
 *   RFC 6749's invalid_scope (our core: oauth.scope_invalid, Okta's answer
 *   gives oauth.invalid_scope).
 * - Errors at /introspect and /revoke for bad client credentials: 401 with an
 *   empty body and no WWW-Authenticate (our core: oauth.invalid_client).
 */

const clientOf = (c: GlewlwydClient): OAuthContext['client'] => ({
  clientId: c.clientId,
  clientSecret: c.clientSecret,
  authMethod: 'client_secret_basic',
});

describe('protocol core against a real IdP: Glewlwyd 2.7 (Debian package)', function () {
  this.timeout(60_000);
  let glewlwyd: Glewlwyd;
  let http: ReturnType<typeof createHttpClient>;
  let metadata: AuthorizationServerMetadata;
  const ctx = (name: keyof Glewlwyd['clients']): OAuthContext => ({
    http,
    metadata,
    client: clientOf(glewlwyd.clients[name]),
  });
  const appToken = () => clientCredentials(ctx('app'), { scope: 'orders:read' });

  before(async () => {
    const missing = glewlwydUnavailable();
    // Never a silent skip: npm run test:integration installs Glewlwyd, so a missing one is a failure that says what to install.
    if (missing) throw new Error(`cannot run the Glewlwyd tests: ${missing}`);
    glewlwyd = await startGlewlwyd();
    http = createHttpClient({ ca: glewlwyd.caPem, env: {} });
    metadata = (await discover(http, glewlwyd.issuer)).metadata;
  });
  after(async () => {
    await http?.close();
    await glewlwyd?.close();
  });

  describe('discovery', () => {
    it('finds the OIDC document with the plugin endpoints', () => {
      assert.equal(metadata.issuer, glewlwyd.issuer);
      assert.equal(metadata.token_endpoint, glewlwyd.tokenEndpoint);
      assert.equal(metadata.introspection_endpoint, glewlwyd.introspectionEndpoint);
      assert.equal(metadata.revocation_endpoint, glewlwyd.revocationEndpoint);
      assert.equal(metadata.jwks_uri, glewlwyd.jwksUri);
      assert.equal(`${glewlwyd.issuer}/.well-known/openid-configuration`, glewlwyd.discoveryUrl);
    });

    it('lists both introspection authentications, but not client_credentials among the grant types', () => {
      assert.deepEqual(metadata.introspection_endpoint_auth_methods_supported, ['client_secret_basic', 'bearer']);
      assert.deepEqual(metadata.grant_types_supported, ['authorization_code', 'implicit']);
      assert.ok((metadata.response_types_supported as string[]).includes('client_credentials'));
      assert.deepEqual(metadata.scopes_supported, ['openid']);
    });
  });

  describe('client credentials and the JWT access token', () => {
    it('issues an RS256 at+jwt with scope (a string), client_id, and the scope list as aud', async () => {
      const tokens = await appToken();
      assert.equal(tokens.tokenType, 'bearer');
      assert.deepEqual(tokens.scope, ['orders:read']);
      assert.equal(classifyToken(tokens.accessToken), 'jwt');
      const { header, payload } = decodeJwt(tokens.accessToken);
      assert.equal(header.typ, 'at+jwt');
      assert.equal(header.alg, 'RS256');
      assert.equal(header.kid, glewlwyd.kid);
      assert.equal(payload.iss, glewlwyd.issuer);
      assert.equal(payload.client_id, 'app');
      assert.equal(payload.sub, 'app');
      assert.equal(payload.aud, 'orders:read');
      assert.equal(payload.scope, 'orders:read');
      assert.equal(payload.type, 'access_token');
      assert.equal(payload.scp, undefined);
      assert.equal(payload.cid, undefined);
    });

    it('verifies against the live JWKS, also under the RFC 9068 profile', async () => {
      const tokens = await appToken();
      const keys = new JwksCache({ http, jwksUri: metadata.jwks_uri! });
      for (const profile of ['access_token', 'rfc9068'] as const) {
        const result = await verifyJwt(tokens.accessToken, {
          keys,
          issuer: glewlwyd.issuer,
          audience: 'orders:read',
          clientId: 'app',
          profile,
        });
        assert.equal(result.valid, true, `${profile}: ${JSON.stringify(result.checks.filter((c) => !c.ok))}`);
      }
      const wrongAudience = await verifyJwt(tokens.accessToken, {
        keys,
        issuer: glewlwyd.issuer,
        audience: 'api://default',
      });
      assert.equal(wrongAudience.checks.find((c) => c.id === 'aud')?.code, 'jwt.audience_mismatch');
    });
  });

  describe('introspection and revocation', () => {
    it('the gateway sees the app token active, then inactive after the app revokes it; the JWT still verifies', async () => {
      const tokens = await appToken();
      const before = await introspect(ctx('gateway'), tokens.accessToken, { tokenTypeHint: 'access_token' });
      assert.equal(before.active, true);
      assert.equal(before.claims.client_id, 'app');
      assert.equal(before.claims.token_type, 'bearer');
      assert.equal(before.claims.aud, 'orders:read');
      assert.deepEqual(before.scope, ['orders:read']);
      assert.ok(before.expiresAt! > Date.now());
      for (const absent of ['iss', 'sub', 'username'])
        assert.equal(before.claims[absent], undefined, `${absent} is not in Glewlwyd's answer`);

      const revoked = await revoke(ctx('app'), tokens.accessToken, { tokenTypeHint: 'access_token' });
      assert.equal(revoked.response.status, 200);
      assert.equal(revoked.response.text, '');
      const after = await introspect(ctx('gateway'), tokens.accessToken);
      assert.equal(after.active, false);
      assert.deepEqual(after.claims, { active: false });

      const local = await verifyJwt(tokens.accessToken, {
        keys: new JwksCache({ http, jwksUri: metadata.jwks_uri! }),
        issuer: glewlwyd.issuer,
        profile: 'access_token',
      });
      assert.equal(local.valid, true, 'only introspection knows about the revocation');
      assert.equal((await revoke(ctx('app'), tokens.accessToken)).response.status, 200, 'revoking again is 200 too');
    });

    it('accepts a bearer token carrying the introspect scope instead of client credentials', async () => {
      const tokens = await appToken();
      const gatewayToken = await clientCredentials(ctx('gateway'), { scope: glewlwyd.introspectScope });
      const response = await http.send({
        method: 'POST',
        url: glewlwyd.introspectionEndpoint,
        headers: { Authorization: `Bearer ${gatewayToken.accessToken}` },
        form: { token: tokens.accessToken },
      });
      assert.equal(response.status, 200);
      assert.equal(response.json<{ active: boolean }>().active, true);
    });

    it('answers {"active":false} for an unknown token and for a token_type_hint that does not match', async () => {
      assert.deepEqual((await introspect(ctx('gateway'), 'not-a-token')).claims, { active: false });
      const tokens = await appToken();
      assert.deepEqual(
        (await introspect(ctx('gateway'), tokens.accessToken, { tokenTypeHint: 'refresh_token' })).claims,
        { active: false },
      );
      assert.equal((await introspect(ctx('gateway'), tokens.accessToken)).active, true);
    });

    it('signs RFC 9701 answers with the token aud as aud, which our core refuses', async () => {
      const tokens = await appToken();
      const keys = new JwksCache({ http, jwksUri: metadata.jwks_uri! });
      await assert.rejects(
        introspect(ctx('gateway'), tokens.accessToken, { accept: 'jwt', verifyKey: keys.keyResolver() }),
        (e: { code: string; message: string }) => {
          assert.equal(e.code, 'introspection.jwt_invalid');
          assert.match(e.message, /"aud"/);
          return true;
        },
      );
    });
  });

  describe('error answers', () => {
    it('a wrong client secret at the token endpoint is 403 with an empty body: the client, not a URL', async () => {
      const bad: OAuthContext = { ...ctx('app'), client: { ...clientOf(glewlwyd.clients.app), clientSecret: 'wrong' } };
      await assert.rejects(
        clientCredentials(bad, { scope: 'orders:read' }),
        (e: { code: string; status?: number; hint?: string }) => {
          assert.equal(e.status, 403);
          assert.equal(e.code, 'oauth.unexpected_status');
          assert.match(e.hint ?? '', /client id and secret.*"orders:read"/);
          assert.doesNotMatch(e.hint ?? '', /URL|proxy/);
          return true;
        },
      );
      const noAuth = await http.send({
        method: 'POST',
        url: glewlwyd.tokenEndpoint,
        form: { grant_type: 'client_credentials', scope: 'orders:read' },
      });
      assert.equal(noAuth.status, 403);
      assert.equal(noAuth.text, '');
      assert.equal(noAuth.headers['www-authenticate'], undefined);
    });

    it('an authentication method the client may not use, or no scope, is the same empty 403', async () => {
      const post: OAuthContext = {
        ...ctx('app'),
        client: { ...clientOf(glewlwyd.clients.app), authMethod: 'client_secret_post' },
      };
      await assert.rejects(
        clientCredentials(post, { scope: 'orders:read' }),
        (e: { status?: number }) => e.status === 403,
      );
      await assert.rejects(clientCredentials(ctx('app'), {}), (e: { status?: number }) => e.status === 403);
    });

    it('a scope the client may not have is 400 scope_invalid, not invalid_scope', async () => {
      for (const scope of ['openid', 'introspect', 'no-such-scope']) {
        await assert.rejects(clientCredentials(ctx('app'), { scope }), (e: { code: string; status?: number }) => {
          assert.equal(e.status, 400);
          assert.equal(e.code, 'oauth.scope_invalid');
          return true;
        });
      }
    });

    it('bad client credentials at /introspect and /revoke are an empty 401 (oauth.invalid_client)', async () => {
      const bad: OAuthContext = {
        ...ctx('gateway'),
        client: { ...clientOf(glewlwyd.clients.gateway), clientSecret: 'wrong' },
      };
      await assert.rejects(
        introspect(bad, 'x'),
        (e: { code: string; status?: number }) => e.code === 'oauth.invalid_client' && e.status === 401,
      );
      await assert.rejects(
        revoke(bad, 'x'),
        (e: { code: string; status?: number }) => e.code === 'oauth.invalid_client' && e.status === 401,
      );
      const anonymous = await http.send({ method: 'POST', url: glewlwyd.introspectionEndpoint, form: { token: 'x' } });
      assert.equal(anonymous.status, 401);
      assert.equal(anonymous.text, '');
      assert.equal(anonymous.headers['www-authenticate'], undefined);
    });
  });
});

/**
 * mod_auth_openidc needs an https introspection endpoint: Glewlwyd serves TLS
 * itself with the test CA, and the gateway client authenticates with
 * client_secret_basic (which Glewlwyd lets see every token, see above).
 */
describeApacheRevokeScenario('real gateway: Apache mod_auth_openidc introspecting at Glewlwyd', 'Glewlwyd', {
  unavailable: glewlwydUnavailable,
  start: async () => {
    const glewlwyd = await startGlewlwyd();
    return { ...glewlwyd, caPem: glewlwyd.caPem!, app: glewlwyd.clients.app, gateway: glewlwyd.clients.gateway };
  },
});
