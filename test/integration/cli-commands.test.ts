import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { explainCommand } from '../../src/cli/commands/explain';
import type { ExplainReport } from '../../src/cli/commands/explain';
import { introspectCommand } from '../../src/cli/commands/introspect';
import { revokeCommand } from '../../src/cli/commands/revoke';
import { createTokenCommand, tokenCommand } from '../../src/cli/commands/token';
import { verifyCommand } from '../../src/cli/commands/verify';
import { createHttpClient } from '../../src/core/http/client';
import { revoke } from '../../src/core/oauth';
import type { Sandbox } from '../../src/core/sandbox/sandbox';
import { completeLogin } from '../support/idp-login';
import { invoke } from '../support/cli-invoke';
import { captureIo } from '../support/capture-io';
import { startTestSandbox } from '../support/sandbox';

/**
 * The token, introspect, verify and explain commands against the real
 * sandbox: the IdP over TLS (its CA passed with --ca) and the Kong-like gateway.
 */
describe('CLI commands against the sandbox', function () {
  this.timeout(60_000);
  let sandbox: Sandbox;
  let dir: string;
  let secret: string;
  const idpArgs = () => ['--issuer', sandbox.idp.issuer, '--ca', sandbox.caFile, '--client-id', 'cc-basic'];
  const env = (extra: Record<string, string> = {}) => ({ OIDC_CLIENT_SECRET: secret, ...extra });

  before(async () => {
    sandbox = await startTestSandbox();
    secret = sandbox.idp.clients['cc-basic'].clientSecret!;
    dir = mkdtempSync(join(tmpdir(), 'oidc-flow-cli-'));
  });
  after(async () => {
    await sandbox?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function getToken(): Promise<string> {
    const c = captureIo({ env: env() });
    assert.equal(await invoke(tokenCommand, [...idpArgs(), '--scope', 'orders:read'], c.io), 0, c.err());
    return c.out().trim();
  }

  describe('token', () => {
    it('prints only the access token on stdout and a summary on stderr (client credentials, cc-basic)', async () => {
      const c = captureIo({ env: env() });
      assert.equal(await invoke(tokenCommand, [...idpArgs(), '--scope', 'orders:read'], c.io), 0, c.err());
      assert.match(c.out(), /^[\w-]+\.[\w-]+\.[\w-]+\n$/, 'one JWT line, ready for $(...)');
      assert.match(
        c.err(),
        /✔ Bearer token \(JWT\), scopes orders:read, expires \d{4}-\d\d-\d\d \d\d:\d\d:\d\d .*\(in \d+ (minutes|hour)/,
      );
      assert.ok(!c.err().includes(secret), 'the client secret is never printed');
    });

    it('prints the token set as JSON, export lines for eval, and the redacted request as curl', async () => {
      const json = captureIo({ env: env() });
      assert.equal(await invoke(tokenCommand, [...idpArgs(), '--output', 'json', '--curl'], json.io), 0, json.err());
      const set = JSON.parse(json.out());
      assert.equal(set.tokenType, 'Bearer');
      assert.equal(typeof set.accessToken, 'string');
      assert.match(json.err(), /# token endpoint\ncurl \\\n  '.*\/token' \\/);
      assert.match(json.err(), /--header 'Authorization: Basic/);
      assert.ok(
        !json.err().includes(secret) && !json.err().includes(Buffer.from(`cc-basic:${secret}`).toString('base64')),
        'curl is redacted',
      );

      const envOut = captureIo({ env: env() });
      assert.equal(await invoke(tokenCommand, [...idpArgs(), '--output', 'env'], envOut.io), 0, envOut.err());
      assert.match(
        envOut.out(),
        /^export OIDC_ACCESS_TOKEN='[\w.-]+'\nexport OIDC_TOKEN_TYPE='Bearer'\nexport OIDC_TOKEN_EXPIRES_AT='\d+'\n$/,
      );
    });

    it('reports a refused client with the endpoint and the error code (exit 1, no stack trace)', async () => {
      const c = captureIo({ env: { OIDC_CLIENT_SECRET: 'wrong-secret' } });
      assert.equal(await invoke(tokenCommand, idpArgs(), c.io), 1);
      assert.match(c.err(), /Token endpoint https:.*\/token answered HTTP 401 invalid_client/);
      assert.match(c.err(), /\[oauth\.invalid_client\]/);
      assert.doesNotMatch(c.err(), /at .*\.ts:\d+/);
      assert.ok(!c.err().includes('wrong-secret'));
    });

    it('runs the authorization-code grant through the injected browser (spa, public client)', async () => {
      const command = createTokenCommand({
        openBrowser: async (url) => {
          const redirect = await completeLogin(url, {
            username: 'alice',
            password: 'alice-password',
            ca: sandbox.idp.caPem,
          });
          await (await fetch(redirect)).text();
        },
      });
      const c = captureIo();
      const code = await invoke(
        command,
        [
          '--issuer',
          sandbox.idp.issuer,
          '--ca',
          sandbox.caFile,
          '--client-id',
          'spa',
          '--grant',
          'authorization_code',
          '--scope',
          'openid orders:read',
          '--output',
          'json',
        ],
        c.io,
      );
      assert.equal(code, 0, c.err());
      assert.match(c.err(), /Opening the browser to sign in/);
      const set = JSON.parse(c.out());
      assert.equal(typeof set.idToken, 'string');
      assert.match(c.err(), /with an ID token/);
    });

    it('takes the IdP from a flow file with --file and --idp', async () => {
      const file = join(dir, 'flows.yaml');
      writeFileSync(
        file,
        `
version: 1
environments: { sandbox: { issuer: "\${env:SANDBOX_ISSUER}", ca: "\${env:SANDBOX_CA_FILE}", secret: "\${env:SANDBOX_CLIENT_SECRET}" } }
idps:
  okta: { issuer: "{{env.issuer}}", caFile: "{{env.ca}}", clientId: cc-basic, clientSecret: "{{env.secret}}", scopes: [orders:read] }
`,
      );
      const c = captureIo({ env: sandbox.env });
      assert.equal(await invoke(tokenCommand, ['--file', file, '--idp', 'okta'], c.io), 0, c.err());
      assert.match(c.err(), /scopes orders:read/);
    });
  });

  describe('introspect', () => {
    it('says active and explains the claims (exit 0), then inactive after revocation (exit 1)', async () => {
      const token = await getToken();
      const active = captureIo({ env: env({ TOKEN: token }) });
      assert.equal(await invoke(introspectCommand, [...idpArgs(), '--token-env', 'TOKEN'], active.io), 0, active.err());
      assert.match(active.out(), /^ACTIVE: the IdP says the token is active\./);
      assert.match(active.out(), /scope +Granted scopes: orders:read/);
      assert.match(active.out(), /exp +The token is usable until/);

      const http = createHttpClient({ ca: sandbox.idp.caPem, env: {} });
      try {
        const metadata = { issuer: sandbox.idp.issuer, revocation_endpoint: `${sandbox.idp.issuer}/v1/revoke` };
        await revoke(
          { http, metadata, client: { clientId: 'cc-basic', clientSecret: secret, authMethod: 'client_secret_basic' } },
          token,
        );
      } finally {
        await http.close();
      }
      const inactive = captureIo({ env: env(), stdin: token });
      assert.equal(await invoke(introspectCommand, [...idpArgs(), '-'], inactive.io), 1, inactive.err());
      assert.match(inactive.out(), /^INACTIVE: the IdP says the token is not active/);
    });

    it('asks for a signed answer with --jwt and verifies it against the JWKS (gateway client)', async () => {
      const token = await getToken();
      const c = captureIo({ env: { GW_SECRET: sandbox.env.SANDBOX_GATEWAY_CLIENT_SECRET!, TOKEN: token } });
      const args = [
        '--issuer',
        sandbox.idp.issuer,
        '--ca',
        sandbox.caFile,
        '--client-id',
        'gateway',
        '--client-secret-env',
        'GW_SECRET',
        '--token-env',
        'TOKEN',
        '--jwt',
      ];
      assert.equal(await invoke(introspectCommand, args, c.io), 0, c.err());
      assert.match(c.out(), /^ACTIVE: the IdP says the token is active \(signed answer, verified against https:.*\)\./);
    });
  });

  describe('revoke', () => {
    it('revokes a token from --token-env (exit 0, never printed); introspect then says inactive', async () => {
      const token = await getToken();
      const c = captureIo({ env: env({ TOKEN: token }) });
      assert.equal(
        await invoke(revokeCommand, [...idpArgs(), '--token-env', 'TOKEN', '--hint', 'access_token'], c.io),
        0,
        c.err(),
      );
      assert.match(
        c.out(),
        /^ACCEPTED: the revocation endpoint https:.*\/revoke answered HTTP 200.* for the access token\./,
      );
      assert.match(c.out(), /RFC 7009 has the IdP answer 200 for unknown, expired and already revoked tokens too/);
      assert.ok(!c.out().includes(token) && !c.err().includes(token) && !c.out().includes(secret));
      const after = captureIo({ env: env(), stdin: token });
      assert.equal(await invoke(introspectCommand, [...idpArgs(), '-'], after.io), 1, after.err());
      assert.match(after.out(), /^INACTIVE/);
    });

    it('answers 200 for a token the IdP never issued (stdin), and says that proves nothing', async () => {
      const c = captureIo({ env: env(), stdin: 'not-a-token-this-idp-issued' });
      assert.equal(await invoke(revokeCommand, [...idpArgs(), '-'], c.io), 0, c.err());
      assert.match(c.out(), /answered HTTP 200/);
      assert.match(c.out(), /does not prove the token existed/);
      assert.doesNotMatch(c.out(), /not-a-token-this-idp-issued/);
    });

    it('a refused client names the endpoint and the error code (exit 1)', async () => {
      const c = captureIo({ env: { OIDC_CLIENT_SECRET: 'wrong-secret' } });
      assert.equal(await invoke(revokeCommand, [...idpArgs(), 'some-token'], c.io), 1);
      assert.match(c.err(), /Revocation endpoint https:.*\/revoke answered HTTP 401/);
      assert.match(c.err(), /invalid_client/);
      assert.doesNotMatch(c.err(), /some-token|wrong-secret/);
    });
  });

  describe('verify', () => {
    it('shows every check and exits 0 for a valid token', async () => {
      const c = captureIo({ env: { TOKEN: await getToken() } });
      assert.equal(
        await invoke(
          verifyCommand,
          ['--token-env', 'TOKEN', '--issuer', sandbox.idp.issuer, '--ca', sandbox.caFile],
          c.io,
        ),
        0,
        c.out() + c.err(),
      );
      assert.match(c.out(), /✔ The signature is valid \(RS256/);
      assert.match(c.out(), /✔ The issuer is ".*", as expected\./);
      assert.match(c.out(), /VALID: every check passed\./);
    });

    it('fails the audience check with the audience it saw (exit 1)', async () => {
      const c = captureIo({ env: { TOKEN: await getToken() } });
      assert.equal(
        await invoke(
          verifyCommand,
          [
            '--token-env',
            'TOKEN',
            '--issuer',
            sandbox.idp.issuer,
            '--ca',
            sandbox.caFile,
            '--audience',
            'https://wrong.example',
          ],
          c.io,
        ),
        1,
      );
      assert.match(c.out(), /✖ .*https:\/\/wrong\.example.*\[jwt\.audience_mismatch\]/);
      assert.match(c.out(), /✔ The signature is valid/);
      assert.match(c.out(), /INVALID: 1 of \d+ checks failed\./);
    });
  });

  describe('explain', () => {
    it('on /orders: accepted (exit 0), then after deactivating the client, refused with the client_deactivated verdict (exit 1)', async () => {
      const token = await getToken();
      const url = `${sandbox.gateway.url}/orders`;
      const ok = captureIo({ env: env({ TOKEN: token }) });
      assert.equal(
        await invoke(explainCommand, [url, '--token-env', 'TOKEN', ...idpArgs()], ok.io),
        0,
        ok.out() + ok.err(),
      );
      assert.match(ok.out(), /^GET .*\/orders → HTTP 200/);
      assert.match(ok.out(), /Verdict: The gateway accepted the request \(200\)/);

      sandbox.admin.deactivateClient('cc-basic');
      try {
        const refused = captureIo({ env: env({ TOKEN: token, COLUMNS: '150' }) });
        assert.equal(
          await invoke(explainCommand, [url, '--token-env', 'TOKEN', ...idpArgs()], refused.io),
          1,
          refused.out() + refused.err(),
        );
        const out = refused.out();
        assert.match(out, /→ HTTP 401/);
        assert.match(out, /WWW-Authenticate: Bearer .*error="invalid_token"/);
        assert.match(out, /Local JWT check +│ IdP introspection +│ Gateway/);
        assert.match(out, /✔ valid +│ ✖ failed +│ ✖ HTTP 401/);
        assert.match(out, /Verdict: The IdP no longer accepts the client application/);
        assert.match(out, /\[client_deactivated\]/);
        assert.match(out, /Fix: Reactivate the application/);
        assert.ok(!out.includes(token) && !out.includes(secret), 'neither the token nor the secret is printed');
      } finally {
        await sandbox.admin.reactivateClient('cc-basic');
      }
    });

    it('--output json: the verdict, the local JWT checks and the IdP error code, parsed; no token, no secret', async () => {
      const token = await getToken();
      sandbox.admin.deactivateClient('cc-basic');
      try {
        const c = captureIo({ env: env({ TOKEN: token }) });
        const args = [`${sandbox.gateway.url}/orders`, '--token-env', 'TOKEN', '--output', 'json', ...idpArgs()];
        assert.equal(await invoke(explainCommand, args, c.io), 1, c.out() + c.err());
        assert.ok(!c.out().includes(token) && !c.out().includes(secret), 'neither the token nor the secret');
        const report = JSON.parse(c.out()) as ExplainReport;
        assert.equal(report.verdict.code, 'client_deactivated');
        assert.match(report.verdict.fix ?? '', /Reactivate the application/);
        assert.equal(report.verdict.decidedBy, 'gateway');
        assert.ok(report.verdict.evidence.some((e) => e.source === 'introspection'));
        assert.equal(report.checked.local.state, 'verified');
        if (report.checked.local.state === 'verified') {
          assert.equal(report.checked.local.verification.valid, true);
          assert.ok(report.checked.local.verification.checks.some((check) => check.id === 'signature' && check.ok));
        }
        assert.equal(report.checked.introspection.state, 'error');
        if (report.checked.introspection.state === 'error')
          assert.match(report.checked.introspection.code, /^[a-z_]+\.[a-z_]+$/);
        assert.equal(report.checked.gateway.status, 401);
        assert.equal(report.checked.gateway.challenge?.params.error, 'invalid_token');
        assert.equal(report.gatewayLog, undefined);
      } finally {
        await sandbox.admin.reactivateClient('cc-basic');
      }
    });

    it('on /scope-claim/orders with the route config: the scope-claim verdict (exit 1)', async () => {
      const config = join(dir, 'kong.yaml');
      writeFileSync(
        config,
        'name: openid-connect\nconfig:\n  auth_methods: [bearer]\n  scopes_required: [orders:read]\n',
      );
      const c = captureIo({ env: env({ TOKEN: await getToken() }) });
      assert.equal(
        await invoke(
          explainCommand,
          [`${sandbox.gateway.url}/scope-claim/orders`, '--token-env', 'TOKEN', '--kong-config', config, ...idpArgs()],
          c.io,
        ),
        1,
        c.out() + c.err(),
      );
      assert.match(c.out(), /→ HTTP 403/);
      assert.match(
        c.out(),
        /Verdict: The gateway looks for scopes in the "scope" claim, but this Okta token carries them in "scp" \(orders:read\)/,
      );
      assert.match(c.out(), /Fix: Set scopes_claim to \["scp"\]/);
    });

    it('with --check-accepted on the cached route: a dead token the gateway still accepts (exit 0, accepted_inactive_token)', async () => {
      const token = await getToken();
      const url = `${sandbox.gateway.url}/cached/orders`;
      const config = join(dir, 'cached.json');
      writeFileSync(
        config,
        JSON.stringify({ auth_methods: ['introspection'], cache_introspection: true, cache_ttl_max: 20 }),
      );
      const first = captureIo({ env: env({ TOKEN: token }) });
      assert.equal(await invoke(explainCommand, [url, '--token-env', 'TOKEN'], first.io), 0, first.out());
      sandbox.admin.deactivateClient('cc-basic');
      try {
        // Asked as the gateway asks (its own client), the IdP answers active: false.
        const c = captureIo({ env: { TOKEN: token, GW_SECRET: sandbox.env.SANDBOX_GATEWAY_CLIENT_SECRET! } });
        const args = [
          url,
          '--token-env',
          'TOKEN',
          '--check-accepted',
          '--kong-config',
          config,
          '--issuer',
          sandbox.idp.issuer,
          '--ca',
          sandbox.caFile,
          '--client-id',
          'gateway',
          '--client-secret-env',
          'GW_SECRET',
        ];
        assert.equal(await invoke(explainCommand, args, c.io), 0, c.out() + c.err());
        assert.match(c.out(), /→ HTTP 200/);
        assert.match(c.out(), /✖ active: false/);
        assert.match(c.out(), /\[accepted_inactive_token\]/);
        assert.match(c.out(), /up to 20 s after it last asked the IdP/);
      } finally {
        await sandbox.admin.reactivateClient('cc-basic');
      }
    });

    it('without a token: the no-token verdict, without asking the IdP', async () => {
      const c = captureIo();
      assert.equal(await invoke(explainCommand, [`${sandbox.gateway.url}/orders`], c.io), 1, c.err());
      assert.match(c.out(), /\[no_token\]/);
    });
  });
});
