import { strict as assert } from 'node:assert';
import { CLIENT_OPTIONS_HELP, rejectSecretFlags, requireIdpSpec, resolveIdpSpec } from '../../../src/cli/idp-options';
import { connectIdp } from '../../../src/cli/idp-connect';
import { CLIENT_AUTH_METHODS } from '../../../src/core/oauth/client-auth';
import type { IdpOptionValues } from '../../../src/cli/idp-options';
import { UsageError } from '../../../src/cli/io';
import { FakeHttp } from '../../support/fake-http';
import { captureIo } from '../../support/capture-io';

const usage = (fn: () => unknown, pattern: RegExp) =>
  assert.throws(fn, (error: unknown) => error instanceof UsageError && pattern.test(error.message));

describe('cli IdP options', () => {
  describe('rejectSecretFlags', () => {
    it('refuses secrets as flag values and says which variable option to use instead', () => {
      usage(
        () => rejectSecretFlags(['--issuer', 'https://idp', '--client-secret', 's3cr3t']),
        /--client-secret is not accepted.*shell history.*--client-secret-env/,
      );
      usage(() => rejectSecretFlags(['--client-secret=s3cr3t']), /--client-secret-env/);
      usage(() => rejectSecretFlags(['--password', 'x']), /--password-env/);
      usage(() => rejectSecretFlags(['--refresh-token', 'x']), /--refresh-token-env/);
    });

    it('never echoes the secret and ignores what follows "--"', () => {
      assert.throws(
        () => rejectSecretFlags(['--client-secret=hunter2']),
        (error: Error) => !error.message.includes('hunter2'),
      );
      assert.doesNotThrow(() => rejectSecretFlags(['--client-secret-env', 'X', '--', '--client-secret']));
    });
  });

  describe('resolveIdpSpec', () => {
    const spec = (values: IdpOptionValues, env: Record<string, string | undefined> = {}) => resolveIdpSpec(values, env);

    it('is undefined when nothing names an IdP, and requireIdpSpec says how to name one', () => {
      assert.equal(spec({}), undefined);
      usage(() => requireIdpSpec({}, {}), /--issuer URL, --okta-domain D, --file F --idp NAME/);
    });

    it('builds Okta issuers for custom, default and org authorization servers', () => {
      assert.deepEqual(spec({ 'okta-domain': 'dev-1.okta.com' })?.server, {
        kind: 'issuer',
        issuer: 'https://dev-1.okta.com/oauth2/default',
        label: 'Okta https://dev-1.okta.com/oauth2/default',
      });
      assert.equal(
        (spec({ 'okta-domain': 'dev-1.okta.com', 'auth-server': 'aus9' })?.server as { issuer: string }).issuer,
        'https://dev-1.okta.com/oauth2/aus9',
      );
      assert.equal(
        (spec({ 'okta-domain': 'https://dev-1.okta.com/', 'auth-server': 'org' })?.server as { issuer: string }).issuer,
        'https://dev-1.okta.com',
      );
      usage(() => spec({ 'okta-domain': 'dev-1.okta.com/oauth2/default' }), /has a path/);
    });

    it('--allow-endpoint-origin keeps origins only, and refuses what is not an http(s) URL', () => {
      assert.deepEqual(
        spec({
          issuer: 'https://accounts.google.com',
          'allow-endpoint-origin': ['https://oauth2.googleapis.com/token'],
        })?.allowEndpointOrigins,
        ['https://oauth2.googleapis.com'],
      );
      usage(
        () => spec({ issuer: 'https://a', 'allow-endpoint-origin': ['oauth2.googleapis.com'] }),
        /--allow-endpoint-origin takes an absolute URL/,
      );
    });

    it('refuses conflicting or orphaned server options', () => {
      usage(() => spec({ issuer: 'https://a', 'okta-domain': 'b' }), /only one of --issuer, --okta-domain and --file/);
      usage(() => spec({ 'auth-server': 'default' }), /--auth-server goes with --okta-domain/);
      usage(() => spec({ idp: 'okta' }), /add --file/);
      usage(() => spec({ file: 'f.yaml', 'token-endpoint': 'https://idp/token' }), /cannot be combined with --file/);
      usage(() => spec({ issuer: 'idp.example' }), /--issuer takes an absolute URL/);
      usage(() => spec({ 'client-id': 'abc' }), /--client-id needs an IdP/);
    });

    it('accepts endpoints given by hand without an issuer', () => {
      const result = spec({ 'token-endpoint': 'https://idp/token', 'jwks-uri': 'https://idp/keys' });
      assert.deepEqual(result?.server, { kind: 'endpoints' });
      assert.deepEqual(result?.endpoints, { token_endpoint: 'https://idp/token', jwks_uri: 'https://idp/keys' });
      usage(() => spec({ 'token-endpoint': 'ftp://idp/token' }), /http\(s\) URL/);
    });

    it('reads the client secret only from the environment, by default OIDC_CLIENT_SECRET', () => {
      assert.equal(spec({ issuer: 'https://idp' }, { OIDC_CLIENT_SECRET: 's' })?.client.clientSecret, 's');
      assert.equal(
        spec({ issuer: 'https://idp', 'client-secret-env': 'MINE' }, { MINE: 'm', OIDC_CLIENT_SECRET: 's' })?.client
          .clientSecret,
        'm',
      );
      usage(
        () => spec({ issuer: 'https://idp', 'client-secret-env': 'MINE' }),
        /MINE \(from --client-secret-env\) is not set/,
      );
      usage(
        () => spec({ issuer: 'https://idp', 'client-auth': 'client_secret_post' }),
        /client_secret_post needs the client secret: set OIDC_CLIENT_SECRET/,
      );
    });

    it('documents every client authentication method the core supports', () => {
      for (const method of CLIENT_AUTH_METHODS)
        assert.match(CLIENT_OPTIONS_HELP, new RegExp(`[ ,]${method}[,\\s]`), method);
    });

    it('validates the client authentication method and its material', () => {
      usage(() => spec({ issuer: 'https://idp', 'client-auth': 'basic' }), /Unknown --client-auth "basic"/);
      usage(() => spec({ issuer: 'https://idp', 'cert-file': 'c.pem' }), /--cert-file and --key-file go together/);
      usage(() => spec({ issuer: 'https://idp', 'client-auth': 'private_key_jwt' }), /needs --private-key-file/);
      assert.equal(spec({ issuer: 'https://idp', 'private-key-file': 'k.pem' })?.client.authMethod, 'private_key_jwt');
      assert.equal(
        spec({ issuer: 'https://idp', 'cert-file': 'c.pem', 'key-file': 'k.pem' })?.client.authMethod,
        'tls_client_auth',
      );
    });
  });

  describe('connectIdp', () => {
    const io = captureIo().io;

    it('uses hand-given endpoints without any request, and picks client_secret_basic when a secret is set', async () => {
      const http = new FakeHttp();
      const spec = requireIdpSpec(
        { 'token-endpoint': 'https://idp/token', 'client-id': 'app' },
        { OIDC_CLIENT_SECRET: 's' },
      );
      const idp = await connectIdp(spec, { http, io, needClient: true });
      assert.equal(http.requests.length, 0);
      assert.equal(idp.ctx.metadata.token_endpoint, 'https://idp/token');
      assert.deepEqual(
        { id: idp.ctx.client.clientId, method: idp.ctx.client.authMethod, secret: idp.ctx.client.clientSecret },
        { id: 'app', method: 'client_secret_basic', secret: 's' },
      );
      assert.equal(idp.jwks, undefined);
    });

    it('is a public client (none) without a secret, and requires a client id when the command needs one', async () => {
      const spec = requireIdpSpec({ 'token-endpoint': 'https://idp/token', 'client-id': 'spa' }, {});
      assert.equal(
        (await connectIdp(spec, { http: new FakeHttp(), io, needClient: true })).ctx.client.authMethod,
        'none',
      );
      await assert.rejects(
        connectIdp(requireIdpSpec({ 'token-endpoint': 'https://idp/token' }, {}), {
          http: new FakeHttp(),
          io,
          needClient: true,
        }),
        /--client-id is required/,
      );
    });

    it('discovers the metadata from --issuer and lets hand-given endpoints win', async () => {
      const http = new FakeHttp().on('https://idp.example/.well-known/openid-configuration', {
        body: {
          issuer: 'https://idp.example',
          authorization_endpoint: 'https://idp.example/authorize',
          token_endpoint: 'https://idp.example/token',
          jwks_uri: 'https://idp.example/keys',
        },
      });
      const spec = requireIdpSpec(
        { issuer: 'https://idp.example', 'introspection-endpoint': 'https://other/introspect', 'client-id': 'app' },
        {},
      );
      const idp = await connectIdp(spec, { http, io, needClient: true });
      assert.equal(idp.ctx.metadata.token_endpoint, 'https://idp.example/token');
      assert.equal(idp.ctx.metadata.introspection_endpoint, 'https://other/introspect');
      assert.equal(idp.jwks?.jwksUri, 'https://idp.example/keys');
    });

    it('reads the private key file for private_key_jwt and reports an unreadable file by its flag', async () => {
      const files: Record<string, string> = { 'key.pem': '-----BEGIN PRIVATE KEY-----\n...' };
      const readTextFile = async (path: string) => {
        if (files[path] === undefined) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
        return files[path]!;
      };
      const spec = requireIdpSpec(
        { 'token-endpoint': 'https://idp/token', 'client-id': 'app', 'private-key-file': 'key.pem', 'key-id': 'k1' },
        {},
      );
      const idp = await connectIdp(spec, { http: new FakeHttp(), io, needClient: true, readTextFile });
      assert.equal(idp.ctx.client.privateKey, files['key.pem']);
      assert.equal(idp.ctx.client.keyId, 'k1');
      const missing = requireIdpSpec(
        { 'token-endpoint': 'https://idp/token', 'client-id': 'app', 'private-key-file': 'nope.pem' },
        {},
      );
      await assert.rejects(
        connectIdp(missing, { http: new FakeHttp(), io, needClient: true, readTextFile }),
        (error: { code?: string; message: string }) =>
          error.code === 'config.file_unreadable' && /nope\.pem \(--private-key-file\): ENOENT/.test(error.message),
      );
    });

    it('takes the IdP from a flow file, with its environment, secret references, CA file and defaults', async () => {
      const flow = `
version: 1
environments:
  dev: { tokenUrl: "https://dev-idp/token", id: dev-app }
  prod: { tokenUrl: "https://prod-idp/token", id: prod-app }
idps:
  okta:
    discovery: false
    endpoints: { token: "{{env.tokenUrl}}" }
    clientId: "{{env.id}}"
    clientSecret: "\${env:APP_SECRET}"
    caFile: ca.pem
    scopes: [orders:read]
    extra: { tenant: 7 }
`;
      const ca = '-----BEGIN CERTIFICATE-----\nCA PEM\n-----END CERTIFICATE-----\n';
      const files: Record<string, string> = { 'flows.yaml': flow, 'ca.pem': ca };
      const http = new FakeHttp().on('https://prod-idp/token', { body: { access_token: 'at', token_type: 'Bearer' } });
      const env = captureIo({ env: { APP_SECRET: 'from-env' } }).io;
      const spec = requireIdpSpec({ file: 'flows.yaml', idp: 'okta', env: 'prod' }, env.env);
      const idp = await connectIdp(spec, {
        http,
        io: env,
        needClient: true,
        readTextFile: async (path) => files[path]!,
      });
      assert.equal(idp.ctx.metadata.token_endpoint, 'https://prod-idp/token');
      assert.deepEqual(
        { id: idp.ctx.client.clientId, secret: idp.ctx.client.clientSecret, method: idp.ctx.client.authMethod },
        { id: 'prod-app', secret: 'from-env', method: 'client_secret_basic' },
      );
      assert.deepEqual(idp.defaults.scopes, ['orders:read']);
      assert.deepEqual(idp.defaults.extra, { tenant: '7' });
      await idp.ctx.http.send({ method: 'POST', url: 'https://prod-idp/token' });
      assert.equal(http.last().options?.ca, ca, "the file's caFile travels with every request");
    });

    it('refuses a flow file IdP whose secret variable is unset, naming it, before any request', async () => {
      const flow =
        'version: 1\nidps:\n  okta: { discovery: false, endpoints: { token: "https://idp/token" }, clientId: app, clientSecret: "${env:APP_SECRET}" }\n';
      const http = new FakeHttp();
      const spec = requireIdpSpec({ file: 'f.yaml' }, {});
      await assert.rejects(
        connectIdp(spec, { http, io, needClient: true, readTextFile: async () => flow }),
        (error: { code?: string; message: string; hint?: string }) =>
          error.code === 'config.secret_unset' &&
          /IdP okta .*APP_SECRET is not set/.test(error.message) &&
          /export APP_SECRET=/.test(error.hint ?? ''),
      );
      assert.equal(http.requests.length, 0);
    });

    it("writes the client flags over the flow file's IdP and reads the mTLS key from --key-file", async () => {
      const flow =
        'version: 1\nidps:\n  okta: { discovery: false, endpoints: { token: "https://idp/token" }, clientId: from-file, caFile: ca.der }\n';
      const files: Record<string, string> = { 'f.yaml': flow, 'c.pem': 'CERT', 'k.pem': 'KEY', 'ca.der': '0\u0082' };
      const readTextFile = async (path: string) => files[path]!;
      const spec = requireIdpSpec(
        { file: 'f.yaml', 'client-id': 'from-flag', 'cert-file': 'c.pem', 'key-file': 'k.pem' },
        {},
      );
      await assert.rejects(
        connectIdp(spec, { http: new FakeHttp(), io, needClient: true, readTextFile }),
        (error: { code?: string }) => error.code === 'config.ca_file',
        "the file's caFile must be PEM",
      );
      files['ca.der'] = '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n';
      const client = (await connectIdp(spec, { http: new FakeHttp(), io, needClient: true, readTextFile })).ctx.client;
      assert.deepEqual(
        { id: client.clientId, method: client.authMethod, cert: client.certificate, key: client.certificateKey },
        { id: 'from-flag', method: 'tls_client_auth', cert: 'CERT', key: 'KEY' },
      );
    });

    it('says which IdPs a flow file has when --idp is missing or wrong', async () => {
      const flow = 'version: 1\nidps:\n  a: { issuer: "https://a" }\n  b: { issuer: "https://b" }\n';
      const read = async () => flow;
      await assert.rejects(
        connectIdp(requireIdpSpec({ file: 'f.yaml' }, {}), {
          http: new FakeHttp(),
          io,
          needClient: false,
          readTextFile: read,
        }),
        /several IdPs; pick one with --idp: a, b/,
      );
      await assert.rejects(
        connectIdp(requireIdpSpec({ file: 'f.yaml', idp: 'c' }, {}), {
          http: new FakeHttp(),
          io,
          needClient: false,
          readTextFile: read,
        }),
        /no IdP "c"; it has: a, b/,
      );
    });
  });
});
