/**
 * The one IdP connector the runner, the CLI and the extension share: its
 * defaults (issuer, client authentication, mTLS key), its CA handling, and
 * that an unresolvable secret is a configuration error before any request.
 */
import { strict as assert } from 'node:assert';
import { isOidcError } from '../../../src/core/errors';
import type { IdpConfig } from '../../../src/core/flow/file-format';
import { connectIdp, withHttpOptions } from '../../../src/core/oauth/connect-idp';
import type { HttpClient, HttpOptions, HttpResponse } from '../../../src/core/http/types';
import type { ConnectIdpDeps } from '../../../src/core/oauth/connect-idp';
import { FakeHttp } from '../../support/fake-http';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const TOKEN_ONLY: IdpConfig = { discovery: false, endpoints: { token: 'https://idp/token' }, clientId: 'app' };

function deps(overrides: Partial<ConnectIdpDeps> = {}): ConnectIdpDeps & { http: FakeHttp } {
  return { http: new FakeHttp(), secrets: { env: {} }, ...overrides } as ConnectIdpDeps & { http: FakeHttp };
}

function configError(code: string, pattern: RegExp) {
  return (error: unknown) => isOidcError(error) && error.code === code && pattern.test(error.message);
}

describe('connectIdp', () => {
  describe('discovered endpoints that would receive credentials elsewhere', () => {
    const ISSUER = 'https://idp.test/oauth2/default';
    const metadata = (extra: Record<string, string>) => ({
      issuer: ISSUER,
      authorization_endpoint: `${ISSUER}/v1/authorize`,
      token_endpoint: `${ISSUER}/v1/token`,
      jwks_uri: `${ISSUER}/v1/keys`,
      ...extra,
    });
    const connect = (d: ReturnType<typeof deps>, idp: Partial<IdpConfig> = {}) =>
      connectIdp({ name: 'idp', idp: { issuer: ISSUER, clientId: 'app', ...idp } }, d);

    for (const [field, url] of [
      ['token_endpoint', 'https://collector.example/token'],
      ['introspection_endpoint', 'https://collector.example/introspect'],
      ['revocation_endpoint', 'http://idp.test/oauth2/default/v1/revoke'],
      ['userinfo_endpoint', 'https://idp.test.collector.example/userinfo'],
    ] as const)
      it(`refuses ${field} on ${new URL(url).origin}, naming the endpoint, the origins and how to allow it`, async () => {
        const d = deps();
        d.http.on(`${ISSUER}/.well-known/openid-configuration`, { body: metadata({ [field]: url }) });
        await assert.rejects(connect(d), (error: unknown) => {
          assert.ok(isOidcError(error));
          assert.equal(error.code, 'discovery.untrusted_endpoint');
          assert.match(error.message, new RegExp(`points ${field} at ${new URL(url).origin.replace(/[.]/g, '\\.')}`));
          assert.match(error.message, /not at the issuer's origin \(https:\/\/idp\.test\)/);
          assert.match(
            error.hint ?? '',
            new RegExp(`allowEndpointOrigins: \\[${new URL(url).origin.replace(/[.]/g, '\\.')}\\]`),
          );
          return true;
        });
        assert.equal(d.http.requests.length, 1, 'only the discovery document was fetched');
      });

    it("allows what the user allowed or wrote by hand, the issuer's own origin, and loopback http of the same origin", async () => {
      const d = deps();
      d.http.on(`${ISSUER}/.well-known/openid-configuration`, {
        body: metadata({
          token_endpoint: 'https://oauth2.googleapis.com/token',
          introspection_endpoint: 'https://elsewhere.example/introspect',
          revocation_endpoint: `${ISSUER}/v1/revoke`,
        }),
      });
      const idp = await connect(d, {
        allowEndpointOrigins: ['https://oauth2.googleapis.com'],
        endpoints: { introspection: 'https://idp.test/oauth2/default/v1/introspect' },
      });
      assert.equal(idp.ctx.metadata.token_endpoint, 'https://oauth2.googleapis.com/token');
      assert.equal(idp.ctx.metadata.introspection_endpoint, 'https://idp.test/oauth2/default/v1/introspect');

      const local = deps();
      const LOCAL = 'http://127.0.0.1:9000/oauth2/default';
      local.http.on(`${LOCAL}/.well-known/openid-configuration`, {
        body: { ...metadata({}), issuer: LOCAL, token_endpoint: `${LOCAL}/v1/token` },
      });
      const loopback = await connectIdp({ name: 'local', idp: { issuer: LOCAL, clientId: 'app' } }, local);
      assert.equal(loopback.ctx.metadata.token_endpoint, `${LOCAL}/v1/token`);
    });
  });

  it('maps an Okta preset to its issuer ("org" is the org server), discovers it and passes warnings back', async () => {
    const d = deps();
    d.http.on('https://dev-1.okta.com/.well-known/openid-configuration', {
      body: {
        issuer: 'https://dev-1.okta.com',
        authorization_endpoint: 'https://dev-1.okta.com/oauth2/v1/authorize',
        token_endpoint: 'https://dev-1.okta.com/oauth2/v1/token',
        jwks_uri: 'https://dev-1.okta.com/oauth2/v1/keys',
        end_session_endpoint: 'http://dev-1.okta.com/logout',
      },
    });
    const org = await connectIdp(
      { name: 'okta', idp: { okta: { domain: 'dev-1.okta.com', authorizationServerId: 'org' }, clientId: 'app' } },
      d,
    );
    assert.equal(org.ctx.metadata.token_endpoint, 'https://dev-1.okta.com/oauth2/v1/token');
    assert.equal(org.jwks?.jwksUri, 'https://dev-1.okta.com/oauth2/v1/keys');
    assert.match(org.warnings.join('\n'), /end_session_endpoint uses plain http/);

    const custom = await connectIdp(
      { name: 'okta', idp: { okta: { domain: 'dev-1.okta.com' }, discovery: false } },
      deps(),
    );
    assert.equal(
      custom.ctx.metadata.issuer,
      'https://dev-1.okta.com/oauth2/default',
      'no id means the built-in "default" server',
    );
  });

  it('lets endpoints written by hand win over discovered ones, and sends nothing without discovery', async () => {
    const d = deps();
    const idp = await connectIdp(
      {
        name: 'manual',
        idp: { ...TOKEN_ONLY, endpoints: { token: 'https://idp/token', introspection: 'https://idp/introspect' } },
      },
      d,
    );
    assert.equal(d.http.requests.length, 0);
    assert.equal(idp.ctx.metadata.introspection_endpoint, 'https://idp/introspect');
    assert.equal(idp.jwks, undefined);
  });

  it('renders the IdP against the environment and resolves its secret references', async () => {
    const idp = await connectIdp(
      {
        name: 'okta',
        idp: { ...TOKEN_ONLY, clientId: '{{env.id}}', clientSecret: '${env:APP_SECRET}' },
        env: { id: 'prod-app' },
      },
      deps({ secrets: { env: { APP_SECRET: 's3' } } }),
    );
    assert.deepEqual(
      { id: idp.ctx.client.clientId, secret: idp.ctx.client.clientSecret, method: idp.ctx.client.authMethod },
      { id: 'prod-app', secret: 's3', method: 'client_secret_basic' },
    );
    assert.equal(idp.config.clientId, 'prod-app', 'the rendered IdP is handed back for token defaults');
  });

  describe('picks one client authentication by default', () => {
    const method = async (idp: Partial<IdpConfig>, keys?: { certificateKey?: string }) =>
      (await connectIdp({ name: 'x', idp: { ...TOKEN_ONLY, ...idp }, keys }, deps())).ctx.client;

    it('a public client without secret, key or certificate', async () => {
      assert.equal((await method({})).authMethod, 'none');
    });

    it('private_key_jwt with a private key', async () => {
      assert.equal((await method({ privateKey: 'KEY' })).authMethod, 'private_key_jwt');
    });

    it('tls_client_auth with a certificate, the private key being its key unless one is given apart', async () => {
      const inferred = await method({ certificate: 'CERT', privateKey: 'KEY' });
      assert.deepEqual(
        { method: inferred.authMethod, key: inferred.certificateKey },
        { method: 'private_key_jwt', key: undefined },
        'a key and a certificate: the key signs assertions',
      );
      const mtls = await method({ clientAuth: 'tls_client_auth', certificate: 'CERT', privateKey: 'KEY' });
      assert.equal(mtls.certificateKey, 'KEY');
      const certOnly = await method({ certificate: 'CERT' }, { certificateKey: 'FILE KEY' });
      assert.deepEqual(
        { method: certOnly.authMethod, key: certOnly.certificateKey },
        { method: 'tls_client_auth', key: 'FILE KEY' },
      );
    });

    it('the stated method wins', async () => {
      assert.equal(
        (await method({ clientAuth: 'client_secret_post', clientSecret: 's' })).authMethod,
        'client_secret_post',
      );
    });
  });

  it('reads the CA file as PEM and sends it with every request to the IdP', async () => {
    const d = deps({ readTextFile: async () => CA });
    const idp = await connectIdp(
      { name: 'corp', idp: { ...TOKEN_ONLY, caFile: 'ca.pem', insecureSkipTlsVerify: true } },
      d,
    );
    d.http.on('https://idp/token', { body: {} });
    await idp.ctx.http.send({ method: 'POST', url: 'https://idp/token' });
    assert.deepEqual(d.http.last().options, { ca: CA, insecureSkipTlsVerify: true });
    await assert.rejects(
      connectIdp(
        { name: 'corp', idp: { ...TOKEN_ONLY, caFile: 'ca.der' } },
        deps({ readTextFile: async () => '\u0030\u0082' }),
      ),
      configError('config.ca_file', /ca\.der \(idps\.corp\.caFile\) holds no PEM/),
    );
  });

  describe('refuses a confidential client whose secret resolves to nothing, before any request', () => {
    it('an unset environment variable: names it and the IdP, and says to set it', async () => {
      const d = deps();
      await assert.rejects(
        connectIdp({ name: 'okta', idp: { ...TOKEN_ONLY, clientSecret: '${env:OKTA_SECRET}' } }, d),
        (error: unknown) => {
          assert.ok(configError('config.secret_unset', /IdP okta .*OKTA_SECRET is not set/)(error), String(error));
          assert.match((error as { hint: string }).hint, /export OKTA_SECRET=/);
          return true;
        },
      );
      assert.equal(d.http.requests.length, 0);
    });

    it('a missing stored secret: says to store it', async () => {
      await assert.rejects(
        connectIdp(
          { name: 'okta', idp: { ...TOKEN_ONLY, clientSecret: '${secret:okta-secret}' } },
          deps({ secrets: { secrets: {} } }),
        ),
        (error: unknown) => {
          assert.ok(configError('config.secret_unset', /IdP okta .*'okta-secret'/)(error), String(error));
          assert.match((error as { hint: string }).hint, /Store Secret/);
          return true;
        },
      );
    });

    it('a secret method with no secret at all', async () => {
      await assert.rejects(
        connectIdp({ name: 'okta', idp: { ...TOKEN_ONLY, clientAuth: 'client_secret_basic' } }, deps()),
        configError(
          'config.secret_unset',
          /IdP okta authenticates with client_secret_basic, but it has no client secret/,
        ),
      );
    });
  });
});

describe('withHttpOptions', () => {
  it('hands a frozen options object to requests as it is, and copies one that could still change', async () => {
    const sent: Array<Partial<HttpOptions> | undefined> = [];
    const http: HttpClient = {
      send: (request) => {
        sent.push(request.options);
        return Promise.resolve({ status: 200, headers: {}, text: '' } as unknown as HttpResponse);
      },
    };
    const frozen = Object.freeze({ ca: CA });
    await withHttpOptions(http, frozen).send({ method: 'GET', url: 'https://idp/x' });
    assert.equal(sent[0], frozen);
    const open: Partial<HttpOptions> = { ca: CA };
    const wrapped = withHttpOptions(http, open);
    open.insecureSkipTlsVerify = true;
    await wrapped.send({ method: 'GET', url: 'https://idp/x' });
    assert.deepEqual(sent[1], { ca: CA }, 'a change after wrapping does not reach requests');
    await wrapped.send({ method: 'GET', url: 'https://idp/x', options: { connectTimeout: 5 } });
    assert.deepEqual(sent[2], { ca: CA, connectTimeout: 5 });
  });

  it("freezes a connected IdP's transport options", async () => {
    const idp = await connectIdp(
      { name: 'okta', idp: { ...TOKEN_ONLY, insecureSkipTlsVerify: true } },
      deps({ secrets: {} }),
    );
    assert.ok(Object.isFrozen(idp.httpOptions));
    assert.deepEqual(idp.httpOptions, { insecureSkipTlsVerify: true });
  });
});
