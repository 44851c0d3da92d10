import { strict as assert } from 'node:assert';
import { request } from 'undici';
import { createHttpClient } from '../../src/core/http/client';
import type { HttpExchange } from '../../src/core/http/types';
import { classifyToken, decodeJwt, JwksCache, verifyJwt } from '../../src/core/jwt';
import {
  authorizationCode,
  clientCredentials,
  deviceAuthorization,
  discover,
  DiscoveryCache,
  introspect,
  passwordGrant,
  refreshToken,
  revoke,
  tokenExchange,
} from '../../src/core/oauth';
import type { AuthorizationServerMetadata, ClientConfig, OAuthContext } from '../../src/core/oauth';
import { startSandboxIdp } from '../../src/core/sandbox/sandbox-idp';
import type { SandboxClient, SandboxIdp } from '../../src/core/sandbox/sandbox-idp';
import { approveDeviceCode, completeLogin } from '../support/idp-login';

/**
 * The protocol core against a real OpenID provider (oidc-provider laid out as
 * an Okta custom authorization server), over https with the test's own CA.
 */
describe('protocol core against a real IdP (oidc-provider, Okta layout)', function () {
  this.timeout(60_000);
  let idp: SandboxIdp;
  let http: ReturnType<typeof createHttpClient>;
  let metadata: AuthorizationServerMetadata;
  const exchanges: HttpExchange[] = [];

  const clientOf = (c: SandboxClient): ClientConfig => ({
    clientId: c.clientId,
    authMethod: c.authMethod,
    clientSecret: c.clientSecret,
    privateKey: c.privateJwk,
    keyId: c.kid,
    certificate: c.certificate,
    certificateKey: c.certificateKey,
  });
  const ctx = (name: keyof SandboxIdp['clients']): OAuthContext => ({
    http,
    metadata,
    client: clientOf(idp.clients[name]),
  });

  before(async () => {
    idp = await startSandboxIdp();
    http = createHttpClient({ ca: idp.caPem, onExchange: (x) => exchanges.push(x) });
    metadata = (await discover(http, idp.issuer)).metadata;
  });
  after(async () => {
    await http?.close();
    await idp?.close();
  });

  describe('discovery', () => {
    it('finds the OIDC document with the prefixed Okta endpoints', () => {
      assert.equal(metadata.issuer, idp.issuer);
      assert.equal(metadata.token_endpoint, `${idp.issuer}/v1/token`);
      assert.equal(metadata.introspection_endpoint, `${idp.issuer}/v1/introspect`);
      assert.equal(metadata.jwks_uri, `${idp.issuer}/v1/keys`);
    });

    it('finds the RFC 8414 document in both forms, and caches', async () => {
      const oauth = await discover(http, idp.issuer, { kind: 'oauth' });
      assert.equal(oauth.metadata.issuer, idp.issuer);
      const insertion = await discover(http, `${idp.origin}/.well-known/oauth-authorization-server/oauth2/default`);
      assert.equal(insertion.metadata.issuer, idp.issuer);
      const cache = new DiscoveryCache();
      await discover(http, idp.issuer, { cache });
      assert.equal((await discover(http, idp.issuer, { cache })).fromCache, true);
    });

    it('refuses a wrong issuer, naming both', async () => {
      await assert.rejects(discover(http, `${idp.origin}/oauth2/other`), (e: { code: string; message: string }) =>
        /discovery\./.test(e.code),
      );
      await assert.rejects(
        discover(http, `${idp.issuer}/`),
        (e: { code: string; message: string; hint?: string }) =>
          e.code === 'discovery.issuer_mismatch' && /trailing slash/.test(`${e.message} ${e.hint}`),
      );
    });

    it('fails with tls.unknown_ca when the IdP CA is not trusted', async () => {
      const untrusting = createHttpClient({});
      try {
        await assert.rejects(discover(untrusting, idp.issuer), (e: { code: string }) => e.code === 'tls.unknown_ca');
      } finally {
        await untrusting.close();
      }
    });
  });

  describe('client credentials with every client authentication method', () => {
    for (const name of ['cc-basic', 'cc-post', 'cc-jwt', 'cc-pkjwt', 'cc-mtls'] as const) {
      it(`${name}`, async () => {
        const tokens = await clientCredentials(ctx(name), { scope: 'orders:read' });
        assert.equal(classifyToken(tokens.accessToken), 'jwt');
        const claims = decodeJwt(tokens.accessToken).payload;
        assert.equal(claims.cid, idp.clients[name].clientId);
        assert.deepEqual(claims.scp, ['orders:read']);
        assert.ok(tokens.expiresAt! > Date.now());
        const last = exchanges.filter((x) => x.label === 'token endpoint').at(-1)!;
        if (idp.clients[name].clientSecret)
          assert.ok(last.secrets.includes(idp.clients[name].clientSecret!), 'the secret is listed for redaction');
      });
    }

    it('refuses the openid scope like Okta (oauth.invalid_scope)', async () => {
      await assert.rejects(
        clientCredentials(ctx('cc-basic'), { scope: 'openid' }),
        (e: { code: string; hint?: string }) => e.code === 'oauth.invalid_scope',
      );
    });

    it('says the client was refused for a wrong secret (oauth.invalid_client)', async () => {
      const bad: OAuthContext = {
        ...ctx('cc-basic'),
        client: { ...clientOf(idp.clients['cc-basic']), clientSecret: 'wrong' },
      };
      await assert.rejects(
        clientCredentials(bad, { scope: 'orders:read' }),
        (e: { code: string; status?: number }) => e.code === 'oauth.invalid_client',
      );
    });
  });

  describe('JWT access tokens', () => {
    it('verify against the live JWKS with Okta claims, then after key rotation refetch once', async () => {
      const jwks = new JwksCache({ http, jwksUri: metadata.jwks_uri! });
      const first = await clientCredentials(ctx('cc-basic'), { scope: 'orders:read' });
      const ok = await verifyJwt(first.accessToken, {
        keys: jwks,
        issuer: idp.issuer,
        audience: 'api://default',
        profile: 'access_token',
      });
      assert.equal(ok.valid, true, JSON.stringify(ok.checks.filter((c) => !c.ok)));
      const before = exchanges.filter((x) => x.label === 'JWKS endpoint').length;
      const rotated = await idp.rotateKeys();
      assert.notEqual(rotated.previousKid, rotated.currentKid);
      const second = await clientCredentials(ctx('cc-basic'), { scope: 'orders:read' });
      assert.equal(decodeJwt(second.accessToken).kid, rotated.currentKid);
      const again = await verifyJwt(second.accessToken, { keys: jwks, issuer: idp.issuer, profile: 'access_token' });
      assert.equal(again.valid, true, JSON.stringify(again.checks.filter((c) => !c.ok)));
      assert.equal(
        exchanges.filter((x) => x.label === 'JWKS endpoint').length,
        before + 1,
        'one refetch for the new kid',
      );
    });

    it('report the wrong audience as a failed check', async () => {
      const token = await clientCredentials(ctx('cc-basic'), { scope: 'orders:read' });
      const result = await verifyJwt(token.accessToken, {
        keys: new JwksCache({ http, jwksUri: metadata.jwks_uri! }),
        issuer: idp.issuer,
        audience: 'api://orders',
      });
      assert.equal(result.valid, false);
      assert.equal(result.checks.find((c) => c.id === 'aud')?.code, 'jwt.audience_mismatch');
    });
  });

  describe('introspection and revocation', () => {
    for (const kind of ['jwt', 'opaque'] as const) {
      it(`a ${kind} token is active, then inactive after revocation`, async () => {
        const tokens = await clientCredentials(ctx('cc-basic'), {
          scope: 'orders:read',
          resource: kind === 'opaque' ? 'api://opaque' : undefined,
        });
        assert.equal(classifyToken(tokens.accessToken), kind);
        const before = await introspect(ctx('gateway'), tokens.accessToken, { tokenTypeHint: 'access_token' });
        assert.equal(before.active, true);
        assert.equal(before.claims.client_id ?? before.claims.cid, 'cc-basic');
        await revoke(ctx('cc-basic'), tokens.accessToken, { tokenTypeHint: 'access_token' });
        const afterRevoke = await introspect(ctx('gateway'), tokens.accessToken);
        assert.equal(afterRevoke.active, false);
        assert.deepEqual(Object.keys(afterRevoke.claims), ['active']);
      });
    }

    it("a deactivated client's tokens go inactive at once", async () => {
      const tokens = await clientCredentials(ctx('cc-post'), { scope: 'orders:read' });
      idp.deactivateClient('cc-post');
      try {
        assert.equal((await introspect(ctx('gateway'), tokens.accessToken)).active, false);
        await assert.rejects(
          clientCredentials(ctx('cc-post'), { scope: 'orders:read' }),
          (e: { code: string }) => e.code === 'oauth.invalid_client',
        );
      } finally {
        idp.reactivateClient('cc-post');
      }
    });

    it('verifies a signed JWT introspection answer (RFC 9701)', async () => {
      const tokens = await clientCredentials(ctx('cc-basic'), { scope: 'orders:read' });
      const jwks = new JwksCache({ http, jwksUri: metadata.jwks_uri! });
      const result = await introspect(ctx('gateway'), tokens.accessToken, {
        accept: 'jwt',
        verifyKey: jwks.keyResolver(),
      });
      assert.equal(result.format, 'jwt');
      assert.equal(result.active, true);
    });
  });

  describe('user grants', () => {
    const browser = (username: string) => async (url: string) => {
      const redirect = await completeLogin(url, { username, password: `${username}-password`, ca: idp.caPem });
      const answer = await request(redirect);
      await answer.body.text();
    };

    it('authorization code with PKCE through a loopback listener, groups and an ID token, then refresh', async () => {
      const result = await authorizationCode(ctx('web'), {
        scope: 'openid profile offline_access orders:read',
        openBrowser: browser('alice'),
      });
      const claims = decodeJwt(result.accessToken).payload;
      assert.deepEqual(claims.groups, ['Everyone', 'orders-admins']);
      assert.ok(result.idToken);
      const idToken = await verifyJwt(result.idToken!, {
        keys: new JwksCache({ http, jwksUri: metadata.jwks_uri! }),
        issuer: idp.issuer,
        profile: 'id_token',
        nonce: result.nonce,
        clientId: 'web',
        accessToken: result.accessToken,
      });
      assert.equal(idToken.valid, true, JSON.stringify(idToken.checks.filter((c) => !c.ok)));
      assert.ok(result.refreshToken);
      const refreshed = await refreshToken(ctx('web'), result.refreshToken!);
      assert.notEqual(refreshed.accessToken, result.accessToken);
    });

    it('a public client (none) never sends a client secret', async () => {
      const result = await authorizationCode(ctx('spa'), { scope: 'openid orders:read', openBrowser: browser('bob') });
      assert.ok(result.accessToken);
      const tokenCall = exchanges.filter((x) => x.label === 'token endpoint').at(-1)!;
      assert.doesNotMatch(tokenCall.request.body ?? '', /client_secret/);
      assert.equal(
        tokenCall.request.headers.find(([n]) => n.toLowerCase() === 'authorization'),
        undefined,
      );
    });

    it('device authorization, approved by the user', async () => {
      const tokens = await deviceAuthorization(ctx('spa'), {
        scope: 'openid orders:read',
        onUserCode: (info) => {
          void approveDeviceCode(idp, info.userCode, { username: 'bob', password: 'bob-password' });
        },
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 200))),
      });
      assert.equal(decodeJwt(tokens.accessToken).payload.uid !== undefined, true);
    });

    it('password grant (legacy) and token exchange', async () => {
      const user = await passwordGrant(ctx('web'), {
        username: 'alice',
        password: 'alice-password',
        scope: 'orders:read',
      });
      assert.ok(user.accessToken);
      await assert.rejects(
        passwordGrant(ctx('web'), { username: 'alice', password: 'nope', scope: 'orders:read' }),
        (e: { code: string }) => e.code === 'oauth.invalid_grant',
      );
      const exchanged = await tokenExchange(ctx('web'), {
        subjectToken: user.accessToken,
        subjectTokenType: 'urn:ietf:params:oauth:token-type:access_token',
        scope: 'orders:read',
      });
      assert.equal(exchanged.issuedTokenType, 'urn:ietf:params:oauth:token-type:access_token');
      assert.deepEqual((decodeJwt(exchanged.accessToken).payload.act as { sub?: string }).sub, 'web');
    });
  });

  describe('flow files with key and certificate credentials (the runner, as the extension writes them)', () => {
    const FLOW = (name: string, auth: string, fields: string) => `version: 1
idps:
  okta:
    issuer: \${env:ISSUER}
    caFile: \${env:CA_FILE}
    clientId: ${name}
    clientAuth: ${auth}
${fields}
flows:
  token:
    steps:
      - { id: token, type: token, idp: okta, grant: client_credentials, scopes: [orders:read], reuse: false }
`;
    async function runFlow(text: string, env: Record<string, string>) {
      const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
      const { tmpdir } = await import('node:os');
      const { join } = await import('node:path');
      const { loadFlowFile } = await import('../../src/core/flow/load');
      const { FlowRunner } = await import('../../src/core/flow/runner');
      const dir = await mkdtemp(join(tmpdir(), 'oidc-flow-keys-'));
      const caFile = join(dir, 'ca.pem');
      await writeFile(caFile, idp.caPem);
      const runHttp = createHttpClient({});
      try {
        const { file } = loadFlowFile(text, { fileName: 'keys.yaml' });
        const runner = new FlowRunner(file, {
          http: runHttp,
          secrets: { env: { ISSUER: idp.issuer, CA_FILE: caFile, ...env } },
        });
        return await runner.run({ flow: 'token' });
      } finally {
        await runHttp.close();
        await rm(dir, { recursive: true, force: true });
      }
    }

    it('private_key_jwt with a JWK private key and its kid', async () => {
      const client = idp.clients['cc-pkjwt'];
      const result = await runFlow(
        FLOW(
          'cc-pkjwt',
          'private_key_jwt',
          '    privateKey: ${env:KEY}\n    keyId: ' + client.kid + '\n    signingAlg: RS256',
        ),
        { KEY: JSON.stringify(client.privateJwk) },
      );
      const step = result.steps[0]!;
      assert.equal(step.status, 'passed', JSON.stringify(step.error));
      assert.equal(decodeJwt(step.result.token!.access_token).payload.cid, 'cc-pkjwt');
    });

    it('tls_client_auth with the certificate and its private key (mutual TLS)', async () => {
      const client = idp.clients['cc-mtls'];
      const result = await runFlow(
        FLOW('cc-mtls', 'tls_client_auth', '    certificate: ${env:CERT}\n    privateKey: ${env:KEY}'),
        { CERT: client.certificate!, KEY: client.certificateKey! },
      );
      const step = result.steps[0]!;
      assert.equal(step.status, 'passed', JSON.stringify(step.error));
      assert.equal(decodeJwt(step.result.token!.access_token).payload.cid, 'cc-mtls');
    });
  });
});
