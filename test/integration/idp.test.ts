import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, importJWK, jwtVerify, SignJWT } from 'jose';
import type { JSONWebKeySet, JWTPayload } from 'jose';
import { Agent, fetch } from 'undici';
import { isOidcError } from '../../src/core/errors';
import { ACCESS_TOKEN_TYPE, SANDBOX_ORG_IDP, startSandboxIdp } from '../../src/core/sandbox/sandbox-idp';
import type { SandboxClient, SandboxIdp } from '../../src/core/sandbox/sandbox-idp';
import { approveDeviceCode, completeLogin } from '../support/idp-login';

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown>;
}

interface Peer {
  idp: SandboxIdp;
  dispatcher: Agent;
}

async function startPeer(): Promise<Peer> {
  const idp = await startSandboxIdp();
  return { idp, dispatcher: new Agent({ connect: { ca: idp.caPem } }) };
}

async function stopPeer(peer: Peer | undefined): Promise<void> {
  if (!peer) return;
  await peer.dispatcher.close();
  await peer.idp.close();
}

async function answer(response: Awaited<ReturnType<typeof fetch>>): Promise<Answer> {
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON (a JWT introspection answer, an HTML page)
  }
  return { status: response.status, headers: response.headers as unknown as Headers, text, json };
}

function basic(client: SandboxClient): string {
  const encode = (value: string) => encodeURIComponent(value);
  return `Basic ${Buffer.from(`${encode(client.clientId)}:${encode(client.clientSecret ?? '')}`).toString('base64')}`;
}

async function post(
  peer: Peer,
  path: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
  dispatcher = peer.dispatcher,
): Promise<Answer> {
  const response = await fetch(`${peer.idp.issuer}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...headers },
    body: new URLSearchParams(form).toString(),
    dispatcher,
  });
  return answer(response);
}

async function get(peer: Peer, url: string, headers: Record<string, string> = {}): Promise<Answer> {
  return answer(await fetch(url, { headers, dispatcher: peer.dispatcher }));
}

async function clientCredentials(
  peer: Peer,
  clientName: 'cc-basic' | 'cc-post' | 'gateway',
  form: Record<string, string> = {},
): Promise<Answer> {
  const client = peer.idp.clients[clientName];
  if (client.authMethod === 'client_secret_post') {
    return post(peer, '/v1/token', {
      grant_type: 'client_credentials',
      client_id: client.clientId,
      client_secret: client.clientSecret ?? '',
      ...form,
    });
  }
  return post(peer, '/v1/token', { grant_type: 'client_credentials', ...form }, { authorization: basic(client) });
}

async function introspect(
  peer: Peer,
  token: string,
  asClient: SandboxClient = peer.idp.clients.gateway,
): Promise<Record<string, unknown>> {
  const result = await post(peer, '/v1/introspect', { token }, { authorization: basic(asClient) });
  assert.equal(result.status, 200, result.text);
  return result.json;
}

async function keys(peer: Peer): Promise<JSONWebKeySet> {
  const result = await get(peer, `${peer.idp.issuer}/v1/keys`);
  assert.equal(result.status, 200);
  return result.json as unknown as JSONWebKeySet;
}

async function verifyAccessToken(peer: Peer, token: string): Promise<JWTPayload> {
  const { payload } = await jwtVerify(token, createLocalJWKSet(await keys(peer)), {
    issuer: peer.idp.issuer,
    audience: 'api://default',
  });
  return payload;
}

function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

function authorizeUrl(peer: Peer, params: Record<string, string>): string {
  return `${peer.idp.issuer}/v1/authorize?${new URLSearchParams(params).toString()}`;
}

describe('sandbox IdP (oidc-provider as an Okta custom authorization server)', function () {
  this.timeout(30000);

  describe('metadata and client authentication', () => {
    let peer: Peer;
    before(async () => {
      peer = await startPeer();
    });
    after(async () => stopPeer(peer));

    it('serves discovery at the OIDC and both RFC 8414 locations, with /oauth2/default endpoints', async () => {
      const { issuer, origin } = peer.idp;
      assert.match(issuer, /^https:\/\/127\.0\.0\.1:\d+\/oauth2\/default$/);
      const urls = [
        `${issuer}/.well-known/openid-configuration`,
        `${issuer}/.well-known/oauth-authorization-server`,
        `${origin}/.well-known/oauth-authorization-server/oauth2/default`,
      ];
      for (const url of urls) {
        const { status, json } = await get(peer, url);
        assert.equal(status, 200, url);
        assert.equal(json.issuer, issuer);
        assert.equal(json.authorization_endpoint, `${issuer}/v1/authorize`);
        assert.equal(json.token_endpoint, `${issuer}/v1/token`);
        assert.equal(json.introspection_endpoint, `${issuer}/v1/introspect`);
        assert.equal(json.revocation_endpoint, `${issuer}/v1/revoke`);
        assert.equal(json.jwks_uri, `${issuer}/v1/keys`);
        assert.equal(json.userinfo_endpoint, `${issuer}/v1/userinfo`);
        assert.equal(json.end_session_endpoint, `${issuer}/v1/logout`);
        assert.equal(json.device_authorization_endpoint, `${issuer}/v1/device/authorize`);
        assert.equal(json.pushed_authorization_request_endpoint, `${issuer}/v1/par`);
        const grants = json.grant_types_supported as string[];
        for (const grant of [
          'client_credentials',
          'password',
          'urn:ietf:params:oauth:grant-type:token-exchange',
          'urn:ietf:params:oauth:grant-type:device_code',
        ]) {
          assert.ok(grants.includes(grant), grant);
        }
        assert.ok((json.token_endpoint_auth_methods_supported as string[]).includes('tls_client_auth'));
        assert.ok((json.scopes_supported as string[]).includes('orders:read'));
      }
    });

    it('answers paths outside the authorization server with 404', async () => {
      const { status } = await get(peer, `${peer.idp.origin}/oauth2/other/.well-known/openid-configuration`);
      assert.equal(status, 404);
    });

    it('issues Okta-shaped JWT access tokens to client_secret_basic clients', async () => {
      const result = await clientCredentials(peer, 'cc-basic', { scope: 'orders:read orders:write' });
      assert.equal(result.status, 200, result.text);
      assert.equal(result.json.token_type, 'Bearer');
      assert.equal(result.json.scope, 'orders:read orders:write');
      const token = String(result.json.access_token);
      const header = decodeProtectedHeader(token);
      assert.equal(header.alg, 'RS256');
      assert.ok((await keys(peer)).keys.some((key) => key.kid === header.kid));
      const claims = await verifyAccessToken(peer, token);
      assert.equal(claims.ver, 1);
      assert.equal(claims.cid, 'cc-basic');
      assert.equal(claims.sub, 'cc-basic');
      assert.deepEqual(claims.scp, ['orders:read', 'orders:write']);
      assert.equal(claims.aud, 'api://default');
      assert.equal(claims.uid, undefined);
      assert.equal(claims.scope, undefined);
    });

    it('accepts client_secret_post', async () => {
      const result = await clientCredentials(peer, 'cc-post', { scope: 'orders:read' });
      assert.equal(result.status, 200, result.text);
      assert.equal(decodeJwt(String(result.json.access_token)).cid, 'cc-post');
    });

    it('accepts client_secret_jwt and private_key_jwt assertions', async () => {
      const tokenEndpoint = `${peer.idp.issuer}/v1/token`;
      const assertion = (clientId: string) =>
        new SignJWT({})
          .setIssuer(clientId)
          .setSubject(clientId)
          .setAudience(tokenEndpoint)
          .setJti(randomBytes(12).toString('hex'))
          .setIssuedAt()
          .setExpirationTime('2m');

      const hs = peer.idp.clients['cc-jwt'];
      const hsJwt = await assertion(hs.clientId)
        .setProtectedHeader({ alg: 'HS256' })
        .sign(new TextEncoder().encode(hs.clientSecret));
      const rs = peer.idp.clients['cc-pkjwt'];
      assert.ok(rs.privateJwk && rs.kid);
      const rsJwt = await assertion(rs.clientId)
        .setProtectedHeader({ alg: 'RS256', kid: rs.kid })
        .sign(await importJWK(rs.privateJwk, 'RS256'));

      for (const [clientId, jwt] of [
        [hs.clientId, hsJwt],
        [rs.clientId, rsJwt],
      ] as const) {
        const result = await post(peer, '/v1/token', {
          grant_type: 'client_credentials',
          scope: 'orders:read',
          client_id: clientId,
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: jwt,
        });
        assert.equal(result.status, 200, `${clientId}: ${result.text}`);
        assert.equal(decodeJwt(String(result.json.access_token)).cid, clientId);
      }
    });

    it('accepts tls_client_auth with the client certificate and refuses it without one', async () => {
      const client = peer.idp.clients['cc-mtls'];
      assert.ok(client.certificate && client.certificateKey);
      const withCert = new Agent({
        connect: { ca: peer.idp.caPem, cert: client.certificate, key: client.certificateKey },
      });
      try {
        const result = await post(
          peer,
          '/v1/token',
          { grant_type: 'client_credentials', client_id: client.clientId, scope: 'orders:read' },
          {},
          withCert,
        );
        assert.equal(result.status, 200, result.text);
        assert.equal(decodeJwt(String(result.json.access_token)).cid, 'cc-mtls');
      } finally {
        await withCert.close();
      }
      const without = await post(peer, '/v1/token', {
        grant_type: 'client_credentials',
        client_id: client.clientId,
        scope: 'orders:read',
      });
      assert.equal(without.status, 401);
      // Okta's "invalid_client" row of oauth2-error-codes.json (okta-developer-docs@468de9c).
      assert.deepEqual(without.json, {
        error: 'invalid_client',
        error_description: 'Client authentication failed. Either the client or the client credentials are invalid.',
      });
    });

    it('refuses a wrong client secret with invalid_client', async () => {
      const client = { ...peer.idp.clients['cc-basic'], clientSecret: 'wrong' };
      const result = await post(
        peer,
        '/v1/token',
        { grant_type: 'client_credentials' },
        { authorization: basic(client) },
      );
      assert.equal(result.status, 401);
      assert.equal(result.json.error, 'invalid_client');
    });

    it('refuses the openid scope for client credentials with invalid_scope, as Okta does', async () => {
      const result = await clientCredentials(peer, 'cc-basic', { scope: 'openid orders:read' });
      assert.equal(result.status, 400);
      assert.equal(result.json.error, 'invalid_scope');
    });

    it('issues opaque access tokens for api://opaque and refuses unknown audiences', async () => {
      const result = await clientCredentials(peer, 'cc-basic', { scope: 'orders:read', resource: 'api://opaque' });
      assert.equal(result.status, 200, result.text);
      const token = String(result.json.access_token);
      assert.equal(token.split('.').length, 1, 'an opaque token is not a JWT');
      const info = await introspect(peer, token);
      assert.equal(info.active, true);
      assert.equal(info.aud, 'api://opaque');
      assert.equal(info.client_id, 'cc-basic');
      assert.equal(info.scope, 'orders:read');

      const unknown = await clientCredentials(peer, 'cc-basic', { resource: 'api://nowhere' });
      assert.equal(unknown.status, 400);
      assert.equal(unknown.json.error, 'invalid_target');
    });
  });

  // Okta's words: okta/okta-developer-docs@468de9c511b5e4009bb5f06c25cbf4b85fecb8d0
  // packages/@okta/vuepress-site/data/oauth2-error-codes.json (by internalErrorCode) and, for 429,
  // data/error-codes.json E0000047 and docs/reference/api/authn/index.md.
  describe('refusing as Okta does', () => {
    let peer: Peer;
    before(async () => {
      peer = await startPeer();
    });
    after(async () => stopPeer(peer));

    it('refuses a grant the app may not use with unauthorized_client (unauthorized_client)', async () => {
      const result = await post(
        peer,
        '/v1/token',
        { grant_type: 'client_credentials', scope: 'orders:read' },
        { authorization: basic(peer.idp.clients.web) },
      );
      assert.equal(result.status, 400, result.text);
      assert.equal(result.json.error, 'unauthorized_client');
      assert.equal(
        result.json.error_description,
        'The client is not authorized to use the provided grant type. Configured grant types: ' +
          '[authorization_code, refresh_token, urn:ietf:params:oauth:grant-type:token-exchange, password].',
      );
    });

    it('answers 401 invalid_client "No client credentials found." without client authentication (missing_client_credentials)', async () => {
      const result = await post(peer, '/v1/token', { grant_type: 'client_credentials', scope: 'orders:read' });
      assert.equal(result.status, 401, result.text);
      assert.deepEqual(result.json, { error: 'invalid_client', error_description: 'No client credentials found.' });
    });

    it('words a wrong client secret as Okta does (invalid_client_secret)', async () => {
      const client = { ...peer.idp.clients['cc-basic'], clientSecret: 'wrong' };
      const result = await post(
        peer,
        '/v1/token',
        { grant_type: 'client_credentials', scope: 'orders:read' },
        { authorization: basic(client) },
      );
      assert.equal(result.status, 401);
      assert.deepEqual(result.json, {
        error: 'invalid_client',
        error_description: 'The client secret supplied for a confidential client is invalid.',
      });
    });

    it('refuses an undefined custom scope with invalid_scope instead of an empty scp (no_matching_scope)', async () => {
      const result = await clientCredentials(peer, 'cc-basic', { scope: 'orders:read orders:delete' });
      assert.equal(result.status, 400, result.text);
      assert.deepEqual(result.json, {
        error: 'invalid_scope',
        error_description: 'One or more scopes are not configured for the authorization server resource.',
      });
    });

    it("refuses openid with client credentials in Okta's words (openid_not_allowed_client_creds)", async () => {
      const result = await clientCredentials(peer, 'cc-basic', { scope: 'openid orders:read' });
      assert.equal(result.status, 400, result.text);
      assert.deepEqual(result.json, {
        error: 'invalid_scope',
        error_description: "Cannot request 'openid' scopes using client credentials.",
      });
    });

    it('refuses a client the access policy denies with 401 access_denied until allowed again (no_matching_policy)', async () => {
      peer.idp.denyByPolicy('cc-basic');
      try {
        const refused = await clientCredentials(peer, 'cc-basic', { scope: 'orders:read' });
        assert.equal(refused.status, 401, refused.text);
        assert.deepEqual(refused.json, {
          error: 'access_denied',
          error_description: 'Policy evaluation failed for this request, please check the policy configurations.',
        });
        assert.equal((await clientCredentials(peer, 'cc-post', { scope: 'orders:read' })).status, 200);
      } finally {
        peer.idp.allowByPolicy('cc-basic');
      }
      assert.equal((await clientCredentials(peer, 'cc-basic', { scope: 'orders:read' })).status, 200);
      assert.throws(
        () => peer.idp.denyByPolicy('nobody'),
        (error: unknown) => isOidcError(error) && error.code === 'sandbox.idp.unknown_client',
      );
    });

    it('answers 429 E0000047 with X-Rate-Limit headers once the rate limit a test set is used up', async () => {
      peer.idp.rateLimit(2);
      try {
        const first = await clientCredentials(peer, 'cc-basic', { scope: 'orders:read' });
        assert.equal(first.status, 200, first.text);
        assert.equal(first.headers.get('x-rate-limit-limit'), '2');
        assert.equal(first.headers.get('x-rate-limit-remaining'), '1');
        await clientCredentials(peer, 'cc-basic', { scope: 'orders:read' });
        const limited = await clientCredentials(peer, 'cc-basic', { scope: 'orders:read' });
        assert.equal(limited.status, 429, limited.text);
        assert.equal(limited.headers.get('x-rate-limit-remaining'), '0');
        const reset = Number(limited.headers.get('x-rate-limit-reset'));
        assert.ok(reset > Date.now() / 1000 && reset <= Date.now() / 1000 + 61, String(reset));
        assert.deepEqual(Object.keys(limited.json).sort(), [
          'errorCauses',
          'errorCode',
          'errorId',
          'errorLink',
          'errorSummary',
        ]);
        assert.equal(limited.json.errorCode, 'E0000047');
        assert.equal(limited.json.errorSummary, 'API call exceeded rate limit due to too many requests.');
        assert.equal(limited.json.errorLink, 'E0000047');
        assert.deepEqual(limited.json.errorCauses, []);
      } finally {
        peer.idp.rateLimit(undefined);
      }
      const after = await clientCredentials(peer, 'cc-basic', { scope: 'orders:read' });
      assert.equal(after.status, 200);
      assert.equal(after.headers.get('x-rate-limit-limit'), null);
    });
  });

  // Okta's ID token: okta/okta-developer-docs@468de9c511b5e4009bb5f06c25cbf4b85fecb8d0
  // packages/@okta/vuepress-site/docs/guides/customize-tokens-groups-claim/main/index.md.
  describe('Okta-shaped user tokens', () => {
    let peer: Peer;
    before(async () => {
      peer = await startSandboxIdp({ groupsClaim: false }).then((idp) => ({
        idp,
        dispatcher: new Agent({ connect: { ca: idp.caPem } }),
      }));
    });
    after(async () => stopPeer(peer));

    async function passwordTokens(scope: string): Promise<Answer> {
      const result = await post(
        peer,
        '/v1/token',
        { grant_type: 'password', username: 'alice', password: 'alice-password', scope },
        { authorization: basic(peer.idp.clients.web) },
      );
      assert.equal(result.status, 200, result.text);
      return result;
    }

    it('issues ID tokens with the user id as sub and ver, jti, amr, idp, auth_time', async () => {
      const before = Math.floor(Date.now() / 1000);
      const idToken = decodeJwt(String((await passwordTokens('openid orders:read')).json.id_token));
      assert.equal(idToken.sub, '00ualice0000sandbox1');
      assert.match(String(idToken.sub), /^00u/);
      assert.equal(idToken.ver, 1);
      assert.match(String(idToken.jti), /^ID\./);
      assert.deepEqual(idToken.amr, ['pwd']);
      assert.equal(idToken.idp, SANDBOX_ORG_IDP);
      assert.ok(typeof idToken.auth_time === 'number' && idToken.auth_time >= before - 1, String(idToken.auth_time));
    });

    it('leaves groups out of access tokens when no groups claim is configured', async () => {
      const claims = await verifyAccessToken(
        peer,
        String((await passwordTokens('openid orders:read')).json.access_token),
      );
      assert.equal(claims.sub, 'alice');
      assert.equal(claims.uid, '00ualice0000sandbox1');
      assert.equal(claims.groups, undefined);
    });
  });

  describe('introspection and revocation', () => {
    let peer: Peer;
    before(async () => {
      peer = await startPeer();
    });
    after(async () => stopPeer(peer));

    for (const resource of ['api://default', 'api://opaque']) {
      it(`reports a ${resource} token active, then inactive once its client revokes it`, async () => {
        const issued = await clientCredentials(peer, 'cc-basic', { scope: 'orders:read', resource });
        const token = String(issued.json.access_token);
        const before = await introspect(peer, token);
        assert.equal(before.active, true);
        assert.equal(before.client_id, 'cc-basic');
        assert.equal(before.sub, 'cc-basic');
        assert.equal(before.scope, 'orders:read');
        assert.equal(before.token_type, 'Bearer');

        const revoked = await post(
          peer,
          '/v1/revoke',
          { token },
          { authorization: basic(peer.idp.clients['cc-basic']) },
        );
        assert.equal(revoked.status, 200, revoked.text);
        assert.deepEqual(await introspect(peer, token), { active: false });
      });
    }

    // okta-management-openapi-spec@fdda229 dist/current/oauth-minimal.yaml: /introspect asks only for
    // client authentication; /revoke is the endpoint limited to the client's own tokens.
    it('lets any confidential client introspect any token, as Okta does', async () => {
      const token = String((await clientCredentials(peer, 'cc-basic', { scope: 'orders:read' })).json.access_token);
      assert.equal((await introspect(peer, token, peer.idp.clients['cc-basic'])).active, true);
      assert.equal((await introspect(peer, token, peer.idp.clients['cc-post'])).active, true);
      assert.equal((await introspect(peer, token, peer.idp.clients.web)).active, true);
    });

    it('lets a public client introspect only its own tokens', async () => {
      const token = String((await clientCredentials(peer, 'cc-basic', { scope: 'orders:read' })).json.access_token);
      const result = await post(peer, '/v1/introspect', { token, client_id: 'spa' });
      assert.equal(result.status, 200, result.text);
      assert.deepEqual(result.json, { active: false });
    });

    it('reports forged and unknown tokens inactive', async () => {
      const token = String((await clientCredentials(peer, 'cc-basic', { scope: 'orders:read' })).json.access_token);
      const [header, payload] = token.split('.');
      assert.deepEqual(await introspect(peer, `${header}.${payload}.${Buffer.from('forged').toString('base64url')}`), {
        active: false,
      });
      assert.deepEqual(await introspect(peer, 'not-a-token'), { active: false });
      const { jti } = decodeJwt(token);
      assert.deepEqual(await introspect(peer, String(jti)), { active: false }, 'a bare jti is not a token');
    });

    it('signs the introspection answer for the gateway when asked (RFC 9701)', async () => {
      const token = String((await clientCredentials(peer, 'cc-basic', { scope: 'orders:read' })).json.access_token);
      const result = await post(
        peer,
        '/v1/introspect',
        { token },
        {
          authorization: basic(peer.idp.clients.gateway),
          accept: 'application/token-introspection+jwt',
        },
      );
      assert.equal(result.status, 200, result.text);
      assert.match(result.headers.get('content-type') ?? '', /application\/token-introspection\+jwt/);
      const { payload } = await jwtVerify(result.text, createLocalJWKSet(await keys(peer)), {
        issuer: peer.idp.issuer,
        audience: 'gateway',
      });
      assert.equal((payload.token_introspection as Record<string, unknown>).active, true);
    });
  });

  describe('deactivating an application', () => {
    let peer: Peer;
    before(async () => {
      peer = await startPeer();
    });
    after(async () => stopPeer(peer));

    it('makes its tokens inactive for good and its credentials unknown until reactivated', async () => {
      const jwt = String((await clientCredentials(peer, 'cc-basic', { scope: 'orders:read' })).json.access_token);
      const opaque = String(
        (await clientCredentials(peer, 'cc-basic', { scope: 'orders:read', resource: 'api://opaque' })).json
          .access_token,
      );
      assert.equal((await introspect(peer, jwt)).active, true);

      peer.idp.deactivateClient('cc-basic');
      assert.deepEqual(await introspect(peer, jwt), { active: false });
      assert.deepEqual(await introspect(peer, opaque), { active: false });
      const refused = await clientCredentials(peer, 'cc-basic', { scope: 'orders:read' });
      assert.equal(refused.status, 401);
      assert.equal(refused.json.error, 'invalid_client');

      // Okta: reactivating the app does not revive the tokens issued before (shared/reference/protocols.md, Okta).
      peer.idp.reactivateClient('cc-basic');
      assert.deepEqual(await introspect(peer, jwt), { active: false });
      assert.deepEqual(await introspect(peer, opaque), { active: false });
      const fresh = await clientCredentials(peer, 'cc-basic', { scope: 'orders:read' });
      assert.equal(fresh.status, 200, fresh.text);
      assert.equal((await introspect(peer, String(fresh.json.access_token))).active, true);
    });

    it("keeps a user's refresh token dead after the app is reactivated", async () => {
      const web = peer.idp.clients.web;
      const issued = await post(
        peer,
        '/v1/token',
        { grant_type: 'password', username: 'bob', password: 'bob-password', scope: 'openid offline_access' },
        { authorization: basic(web) },
      );
      assert.equal(issued.status, 200, issued.text);
      peer.idp.deactivateClient('web');
      peer.idp.reactivateClient('web');
      const refreshed = await post(
        peer,
        '/v1/token',
        { grant_type: 'refresh_token', refresh_token: String(issued.json.refresh_token) },
        { authorization: basic(web) },
      );
      assert.equal(refreshed.status, 400, refreshed.text);
      assert.equal(refreshed.json.error, 'invalid_grant');
    });

    it('refuses to deactivate a client it does not have', () => {
      assert.throws(
        () => peer.idp.deactivateClient('nobody'),
        (error: unknown) => isOidcError(error) && error.code === 'sandbox.idp.unknown_client',
      );
    });
  });

  describe('key rotation', () => {
    let peer: Peer;
    before(async () => {
      peer = await startPeer();
    });
    after(async () => stopPeer(peer));

    it('signs with the new key, keeps the old one in the JWKS, and drops it when asked', async () => {
      const before = String((await clientCredentials(peer, 'cc-basic', { scope: 'orders:read' })).json.access_token);
      const { previousKid, currentKid } = await peer.idp.rotateKeys();
      assert.equal(decodeProtectedHeader(before).kid, previousKid);
      assert.notEqual(currentKid, previousKid);

      const after = String((await clientCredentials(peer, 'cc-basic', { scope: 'orders:read' })).json.access_token);
      assert.equal(decodeProtectedHeader(after).kid, currentKid);
      const kids = (await keys(peer)).keys.map((key) => key.kid);
      assert.ok(kids.includes(previousKid) && kids.includes(currentKid), kids.join(','));
      await verifyAccessToken(peer, before);
      assert.equal((await introspect(peer, before)).active, true);

      const dropped = await peer.idp.rotateKeys({ dropOld: true });
      assert.deepEqual(
        (await keys(peer)).keys.map((key) => key.kid),
        [dropped.currentKid],
      );
      await assert.rejects(verifyAccessToken(peer, after));
    });
  });

  describe('user flows', () => {
    let peer: Peer;
    before(async () => {
      peer = await startPeer();
    });
    after(async () => stopPeer(peer));

    async function authorizationCode(clientName: 'spa' | 'web', username: string, password: string, scope: string) {
      const { verifier, challenge } = pkce();
      const state = randomBytes(8).toString('hex');
      // RFC 8252: the loopback port is chosen at run time and need not be registered.
      const redirectUri = 'http://127.0.0.1:53682/callback';
      const url = authorizeUrl(peer, {
        client_id: peer.idp.clients[clientName].clientId,
        response_type: 'code',
        redirect_uri: redirectUri,
        scope,
        state,
        code_challenge: challenge,
        code_challenge_method: 'S256',
      });
      const redirect = new URL(await completeLogin(url, { username, password, ca: peer.idp.caPem }));
      assert.equal(`${redirect.origin}${redirect.pathname}`, redirectUri);
      assert.equal(redirect.searchParams.get('state'), state);
      assert.equal(redirect.searchParams.get('iss'), peer.idp.issuer);
      const code = redirect.searchParams.get('code');
      assert.ok(code, redirect.href);
      const form = { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier };
      const client = peer.idp.clients[clientName];
      return client.authMethod === 'none'
        ? post(peer, '/v1/token', { ...form, client_id: client.clientId })
        : post(peer, '/v1/token', form, { authorization: basic(client) });
    }

    it('runs the authorization code flow with PKCE for the public spa client', async () => {
      const result = await authorizationCode(
        'spa',
        'alice',
        'alice-password',
        'openid profile email offline_access orders:read',
      );
      assert.equal(result.status, 200, result.text);
      const claims = await verifyAccessToken(peer, String(result.json.access_token));
      assert.equal(claims.sub, 'alice');
      assert.equal(claims.cid, 'spa');
      assert.equal(claims.uid, peer.idp.users.find((user) => user.username === 'alice')?.uid);
      assert.deepEqual(claims.groups, ['Everyone', 'orders-admins']);
      assert.ok((claims.scp as string[]).includes('orders:read'));
      assert.ok((claims.scp as string[]).includes('openid'));

      // Okta's ID tokens and userinfo name the user by id (00u…); access tokens by login.
      const alice = peer.idp.users.find((user) => user.username === 'alice');
      const idToken = decodeJwt(String(result.json.id_token));
      assert.equal(idToken.sub, alice?.uid);
      assert.equal(idToken.aud, 'spa');
      assert.equal(idToken.iss, peer.idp.issuer);
      assert.equal(idToken.email, 'alice@example.com');

      const userinfo = await get(peer, `${peer.idp.issuer}/v1/userinfo`, {
        authorization: `Bearer ${String(result.json.access_token)}`,
      });
      assert.equal(userinfo.status, 200, userinfo.text);
      assert.equal(userinfo.json.sub, alice?.uid);
      assert.equal(userinfo.json.email, 'alice@example.com');

      assert.ok(result.json.refresh_token, 'offline_access gives a refresh token');
      const refreshed = await post(peer, '/v1/token', {
        grant_type: 'refresh_token',
        refresh_token: String(result.json.refresh_token),
        client_id: 'spa',
      });
      assert.equal(refreshed.status, 200, refreshed.text);
      const refreshedClaims = await verifyAccessToken(peer, String(refreshed.json.access_token));
      assert.equal(refreshedClaims.sub, 'alice');
      assert.notEqual(refreshedClaims.jti, claims.jti);
    });

    it('runs the flow for the confidential web client and bob, without a refresh token unless asked', async () => {
      const result = await authorizationCode('web', 'bob', 'bob-password', 'openid orders:read');
      assert.equal(result.status, 200, result.text);
      const claims = await verifyAccessToken(peer, String(result.json.access_token));
      assert.equal(claims.sub, 'bob');
      assert.deepEqual(claims.groups, ['Everyone']);
      assert.equal(result.json.refresh_token, undefined);
    });

    it('requires PKCE from the public client', async () => {
      const url = authorizeUrl(peer, {
        client_id: 'spa',
        response_type: 'code',
        redirect_uri: 'http://127.0.0.1:40000/callback',
        scope: 'openid',
        state: 'abc',
      });
      const redirect = new URL(
        await completeLogin(url, { username: 'alice', password: 'alice-password', ca: peer.idp.caPem }),
      );
      assert.equal(redirect.searchParams.get('error'), 'invalid_request');
      assert.equal(redirect.searchParams.get('code'), null);
    });

    it('refuses a wrong password on the sign-in page', async () => {
      const { challenge } = pkce();
      const url = authorizeUrl(peer, {
        client_id: 'spa',
        response_type: 'code',
        redirect_uri: 'http://127.0.0.1:40000/callback',
        scope: 'openid',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      });
      await assert.rejects(
        completeLogin(url, { username: 'alice', password: 'nope', ca: peer.idp.caPem }),
        (error: unknown) => isOidcError(error) && error.code === 'sandbox.login.rejected',
      );
    });

    it('refuses redirect URIs that are not loopback', async () => {
      const { challenge } = pkce();
      const url = authorizeUrl(peer, {
        client_id: 'spa',
        response_type: 'code',
        redirect_uri: 'https://evil.example/callback',
        scope: 'openid',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      });
      await assert.rejects(
        completeLogin(url, { username: 'alice', password: 'alice-password', ca: peer.idp.caPem }),
        (error: unknown) => isOidcError(error) && error.code === 'sandbox.login.error_page',
      );
    });

    it('runs the device flow once the user approves the code', async () => {
      const started = await post(peer, '/v1/device/authorize', {
        client_id: 'spa',
        scope: 'openid offline_access orders:read',
      });
      assert.equal(started.status, 200, started.text);
      assert.equal(started.json.verification_uri, `${peer.idp.issuer}/v1/device`);
      const poll = () =>
        post(peer, '/v1/token', {
          grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
          device_code: String(started.json.device_code),
          client_id: 'spa',
        });
      const pending = await poll();
      assert.equal(pending.status, 400);
      assert.equal(pending.json.error, 'authorization_pending');

      await approveDeviceCode(peer.idp, String(started.json.user_code), { username: 'bob', password: 'bob-password' });
      const done = await poll();
      assert.equal(done.status, 200, done.text);
      const claims = await verifyAccessToken(peer, String(done.json.access_token));
      assert.equal(claims.sub, 'bob');
      assert.equal(claims.cid, 'spa');
      assert.ok(done.json.refresh_token);
      assert.ok(done.json.id_token);
    });

    it('runs the password grant for the web client and refuses wrong credentials', async () => {
      const web = peer.idp.clients.web;
      const result = await post(
        peer,
        '/v1/token',
        {
          grant_type: 'password',
          username: 'alice',
          password: 'alice-password',
          scope: 'openid offline_access orders:read',
        },
        { authorization: basic(web) },
      );
      assert.equal(result.status, 200, result.text);
      const claims = await verifyAccessToken(peer, String(result.json.access_token));
      assert.equal(claims.sub, 'alice');
      assert.deepEqual(claims.scp, ['openid', 'offline_access', 'orders:read']);
      assert.equal(decodeJwt(String(result.json.id_token)).sub, '00ualice0000sandbox1');
      assert.ok(result.json.refresh_token);
      const refreshed = await post(
        peer,
        '/v1/token',
        { grant_type: 'refresh_token', refresh_token: String(result.json.refresh_token) },
        { authorization: basic(web) },
      );
      assert.equal(refreshed.status, 200, refreshed.text);

      const wrong = await post(
        peer,
        '/v1/token',
        { grant_type: 'password', username: 'alice', password: 'bad', scope: 'openid' },
        { authorization: basic(web) },
      );
      assert.equal(wrong.status, 400);
      assert.equal(wrong.json.error, 'invalid_grant');
    });

    it('answers userinfo for opaque user tokens and refuses client-credentials tokens', async () => {
      const web = peer.idp.clients.web;
      const opaque = await post(
        peer,
        '/v1/token',
        {
          grant_type: 'password',
          username: 'bob',
          password: 'bob-password',
          scope: 'openid email',
          resource: 'api://opaque',
        },
        { authorization: basic(web) },
      );
      assert.equal(opaque.status, 200, opaque.text);
      const info = await get(peer, `${peer.idp.issuer}/v1/userinfo`, {
        authorization: `Bearer ${String(opaque.json.access_token)}`,
      });
      assert.equal(info.status, 200, info.text);
      assert.deepEqual(info.json, { sub: '00ubob000000sandbox2', email: 'bob@example.com', email_verified: true });

      const machine = String((await clientCredentials(peer, 'cc-basic', { scope: 'orders:read' })).json.access_token);
      const refused = await get(peer, `${peer.idp.issuer}/v1/userinfo`, { authorization: `Bearer ${machine}` });
      assert.equal(refused.status, 401);
      assert.match(refused.headers.get('www-authenticate') ?? '', /invalid_token/);
    });

    it('exchanges a client-credentials token keeping that client as the subject', async () => {
      const subjectToken = String(
        (await clientCredentials(peer, 'cc-basic', { scope: 'orders:read' })).json.access_token,
      );
      const result = await post(
        peer,
        '/v1/token',
        {
          grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
          subject_token: subjectToken,
          subject_token_type: ACCESS_TOKEN_TYPE,
        },
        { authorization: basic(peer.idp.clients.web) },
      );
      assert.equal(result.status, 200, result.text);
      const claims = await verifyAccessToken(peer, String(result.json.access_token));
      assert.equal(claims.sub, 'cc-basic');
      assert.equal(claims.cid, 'web');
      assert.deepEqual(claims.act, { sub: 'web' });
      assert.deepEqual(claims.scp, ['orders:read']);
    });

    it('exchanges a user access token for one to another audience with an act claim (RFC 8693)', async () => {
      const web = peer.idp.clients.web;
      const subject = await post(
        peer,
        '/v1/token',
        {
          grant_type: 'password',
          username: 'alice',
          password: 'alice-password',
          scope: 'openid orders:read orders:write',
        },
        { authorization: basic(web) },
      );
      const subjectToken = String(subject.json.access_token);
      const exchange = (form: Record<string, string>) =>
        post(
          peer,
          '/v1/token',
          {
            grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
            subject_token: subjectToken,
            subject_token_type: ACCESS_TOKEN_TYPE,
            ...form,
          },
          { authorization: basic(web) },
        );

      const toJwt = await exchange({ audience: 'api://default', scope: 'orders:read' });
      assert.equal(toJwt.status, 200, toJwt.text);
      assert.equal(toJwt.json.issued_token_type, ACCESS_TOKEN_TYPE);
      assert.equal(toJwt.json.token_type, 'Bearer');
      const claims = await verifyAccessToken(peer, String(toJwt.json.access_token));
      assert.equal(claims.sub, 'alice');
      assert.deepEqual(claims.act, { sub: 'web' });
      assert.deepEqual(claims.scp, ['orders:read']);

      const toOpaque = await exchange({ audience: 'api://opaque' });
      assert.equal(toOpaque.status, 200, toOpaque.text);
      const info = await introspect(peer, String(toOpaque.json.access_token));
      assert.equal(info.active, true);
      assert.equal(info.aud, 'api://opaque');
      assert.equal(info.sub, 'alice');
      assert.deepEqual(info.act, { sub: 'web' });

      const tooMuch = await exchange({ scope: 'admin' });
      assert.equal(tooMuch.json.error, 'invalid_scope');
      const bogus = await post(
        peer,
        '/v1/token',
        {
          grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
          subject_token: 'bogus',
          subject_token_type: ACCESS_TOKEN_TYPE,
        },
        { authorization: basic(web) },
      );
      assert.equal(bogus.json.error, 'invalid_grant');
    });
  });
});
