import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lintCommand } from '../../../src/cli/commands/lint';
import { routesCommand } from '../../../src/cli/commands/routes';
import type { CliIo } from '../../../src/cli/io';
import { EXIT, UsageError } from '../../../src/cli/io';
import type { KongServer } from '../../support/kong-server';
import { ADMIN_TOKEN, KONNECT_PAT, startKongServer } from '../../support/kong-server';
import { startIdp } from '../../support/idp-server';
import { httpServer } from '../../support/loopback-servers';
import { captureIo } from '../../support/capture-io';

const FIXTURES = join(__dirname, '..', '..', 'fixtures');
const DECK = join(FIXTURES, 'gateway', 'bearer-scopes.yaml');
const APACHE = join(FIXTURES, 'apache', 'oidc-gateway.conf');

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = Math.floor(Date.now() / 1000);
/** An Okta client-credentials access token: scp and cid, sub = client id. */
const OKTA_JWT = `${b64({ alg: 'RS256', kid: 'k1' })}.${b64({ iss: 'https://example.okta.com/oauth2/default', aud: 'api://billing', cid: '0oa1', sub: '0oa1', scp: ['orders:read'], iat: now, exp: now + 3600 })}.c2ln`;

/** Runs a command the way runCli does for usage errors (exit 2 with the message on stderr). */
async function run(
  command: (args: string[], io: CliIo) => Promise<number>,
  args: string[],
  env: Record<string, string> = {},
) {
  const c = captureIo({ env });
  let code: number;
  try {
    code = await command(args, c.io);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    c.io.stderr.write(`${error.message}\n`);
    code = EXIT.usage;
  }
  return { code, out: c.out(), err: c.err() };
}

describe('oidc-flow routes and lint', () => {
  const closers: Array<() => Promise<void>> = [];
  let tmp: string;
  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'oidc-routes-'));
  });
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
    rmSync(tmp, { recursive: true, force: true });
  });
  const kong = async (options: Parameters<typeof startKongServer>[0] = {}): Promise<KongServer> => {
    const server = await startKongServer(options);
    closers.push(server.close);
    return server;
  };

  describe('routes', () => {
    it('lists a decK file: services, route URLs through the proxy, regex paths and where each plugin comes from', async () => {
      const r = await run(routesCommand, ['--deck', DECK, '--proxy-url', 'https://gw.example.com/']);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /^decK file bearer-scopes\.yaml: 3 service\(s\), 4 route\(s\)/);
      assert.match(
        r.out,
        /service billing → http:\/\/billing\.internal:9000\n  invoices  ANY  \/invoices\n      https:\/\/gw\.example\.com\/invoices\n      openid-connect \(route-level, bearer-scopes\.yaml line 24 \(services\[0\]\.routes\[0\]\.plugins\[0\]\)\): auth_methods bearer; issuer https:\/\/example\.okta\.com\/oauth2\/default; scopes "invoices:read" in scp; audience "api:\/\/billing"/,
      );
      assert.match(
        r.out,
        /invoice-by-id  GET  ~\/invoices\/\\d\+\$\n      regex path ~\/invoices\/\\d\+\$: Kong matches it as a regular expression, so there is no single URL to call/,
      );
      assert.match(
        r.out,
        /reports-monthly  ANY  \/reports\/monthly  host api\.example\.com\n      https:\/\/gw\.example\.com\/reports\/monthly  \(Host: api\.example\.com\)/,
      );
      assert.match(
        r.out,
        /status  ANY  \/status\n      https:\/\/gw\.example\.com\/status\n      openid-connect \(global-level, .*\n      key-auth \(route-level/,
      );
    });

    it('lists a Kong Admin API as JSON with the RBAC token from the environment, secrets redacted', async () => {
      const server = await kong({ pageSize: 2 });
      const r = await run(routesCommand, ['--admin-url', server.url, '--admin-token-env', 'KONG_TOKEN', '--json'], {
        KONG_TOKEN: ADMIN_TOKEN,
      });
      assert.equal(r.code, 0, r.err);
      const json = JSON.parse(r.out) as { routes: Array<{ name: string; oidc?: { config: Record<string, unknown> } }> };
      assert.equal(json.routes.length, 5);
      const orders = json.routes.find((route) => route.name === 'orders')!;
      assert.deepEqual(orders.oidc!.config.client_secret, ['<redacted>']);
      assert.ok(!r.out.includes('plain-secret-value'));
      assert.ok(!r.out.includes(ADMIN_TOKEN));
    });

    it('lists a Konnect control plane by name', async () => {
      const server = await kong();
      const r = await run(
        routesCommand,
        [
          '--konnect-region',
          'us',
          '--control-plane',
          'quickstart',
          '--konnect-url',
          server.url,
          '--konnect-token-env',
          'PAT',
        ],
        { PAT: KONNECT_PAT },
      );
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /^Konnect control plane quickstart/);
      assert.match(r.out, /service orders-api → http:\/\/orders\.internal:8080\/v1\n  orders  GET  \/orders/);
    });

    it('lists the Apache config the integration tests use', async () => {
      const r = await run(routesCommand, ['--apache-conf', APACHE, '--proxy-url', 'http://127.0.0.1:8080']);
      assert.equal(r.code, 0, r.err);
      assert.match(
        r.out,
        /\/orders  ANY  \/orders\n      http:\/\/127\.0\.0\.1:8080\/orders\n      openid-connect \(route-level, oidc-gateway\.conf line 34 .*auth_methods introspection; introspection \$\{INTROSPECTION_ENDPOINT\}; no introspection cache\n      Require valid-user/,
      );
    });

    it('a wrong RBAC token exits 2 with the Admin API error and its code', async () => {
      const server = await kong();
      const r = await run(routesCommand, ['--admin-url', server.url, '--admin-token-env', 'KONG_TOKEN'], {
        KONG_TOKEN: 'not-the-token',
      });
      assert.equal(r.code, 2);
      assert.match(
        r.err,
        /^oidc-flow routes: The Kong Admin API refused the request to .* with 401 .*Kong-Admin-Token.* \[gateway\.admin_unauthorized\]\n$/,
      );
      assert.ok(!r.err.includes('not-the-token'));
    });

    it('a wrong PAT exits 2 with gateway.konnect_unauthorized', async () => {
      const server = await kong();
      const r = await run(
        routesCommand,
        ['--konnect-region', 'eu', '--control-plane', 'quickstart', '--konnect-url', server.url],
        { KONNECT_TOKEN: 'kpat_bad' },
      );
      assert.equal(r.code, 2);
      assert.match(
        r.err,
        /refused the request .* with 401 \("Invalid credentials"\).*\[gateway\.konnect_unauthorized\]/,
      );
    });

    it('an unknown decK _format_version exits 2 naming the supported versions', async () => {
      const file = join(tmp, 'old.yaml');
      writeFileSync(file, '_format_version: "0.1"\nservices: []\n');
      const r = await run(routesCommand, ['--deck', file]);
      assert.equal(r.code, 2);
      assert.match(
        r.err,
        /decK file old\.yaml line 1: _format_version is "0\.1", which this reader does not understand\. Supported: "3\.0", "2\.1", "1\.1"\..*\[gateway\.deck_version\]/,
      );
    });

    it('a Kong 2.x decK file (1.1) is read, with a warning that says how to convert it', async () => {
      const file = join(tmp, 'kong2.yaml');
      writeFileSync(file, '_format_version: "1.1"\nroutes: [{ name: r, paths: [/status/\\d+] }]\n');
      const r = await run(routesCommand, ['--deck', file]);
      assert.equal(r.code, 0, r.err);
      assert.match(
        r.out,
        /decK's format for Kong 2\.x.*deck file convert --from kong-gateway-2\.x --to kong-gateway-3\.x/,
      );
    });

    it('a missing file exits 2', async () => {
      const r = await run(routesCommand, ['--deck', join(tmp, 'missing.yaml')]);
      assert.equal(r.code, 2);
      assert.match(r.err, /Cannot read the decK file .*missing\.yaml \(ENOENT\)\. .*\[gateway\.file_unreadable\]/);
    });

    it('needs exactly one source, and tokens only from set environment variables', async () => {
      assert.match((await run(routesCommand, [])).err, /Name a gateway source/);
      const two = await run(routesCommand, ['--deck', DECK, '--apache-conf', APACHE]);
      assert.equal(two.code, 2);
      assert.match(two.err, /Give only one gateway source, not --deck and --apache-conf/);
      const unset = await run(routesCommand, ['--admin-url', 'http://127.0.0.1:1', '--admin-token-env', 'NOPE']);
      assert.equal(unset.code, 2);
      assert.match(unset.err, /The environment variable NOPE \(from --admin-token-env\) is not set or empty/);
      const pat = await run(routesCommand, ['--konnect-region', 'us', '--control-plane', 'cp']);
      assert.match(pat.err, /KONNECT_TOKEN \(from the default of --konnect-token-env\) is not set/);
    });
  });

  describe('lint', () => {
    it('exits 1 on error findings and prints severity, field, message, evidence and fix', async () => {
      const idp = await startIdp();
      closers.push(idp.close);
      const r = await run(
        lintCommand,
        ['--deck', DECK, '--route', 'invoices', '--issuer', idp.issuer, '--token-env', 'TOKEN'],
        { TOKEN: OKTA_JWT },
      );
      assert.equal(r.code, 1, r.err);
      assert.match(
        r.out,
        new RegExp(
          `route invoices \\(service billing\\): openid-connect from the route \\(bearer-scopes\\.yaml line 24 .*\\), checked against ${idp.issuer.replace(/[.]/g, '\\.')}`,
        ),
      );
      assert.match(
        r.out,
        /ERROR   config\.issuer  The plugin's issuer https:\/\/example\.okta\.com\/oauth2\/default does not match the IdP's issuer/,
      );
      assert.match(
        r.out,
        /ERROR   config\.scopes_required  The route requires scope invoices:read, which this token does not carry \(it has: orders:read\); the gateway will answer 403\.\n           fix: Request the token with scope "invoices:read", or change scopes_required\./,
      );
      assert.match(
        r.out,
        /WARNING config\.introspect_jwt_tokens  JWT access tokens are verified locally .*\n           evidence: this token lives 60 minutes\n/,
      );
      assert.match(r.out, /INFO    plugins  The service-level openid-connect plugin/);
      assert.match(r.out, /\n\d+ error\(s\), \d+ warning\(s\), 3 note\(s\) in 1 route\(s\)\n$/);
      assert.ok(!r.out.includes(OKTA_JWT));
    });

    it('says what it lints before it asks the IdP anything', async () => {
      const c = captureIo({ env: {} });
      let printedAtFirstRequest: string | undefined;
      const idp = await httpServer((_req, res) => {
        printedAtFirstRequest ??= c.out();
        res.writeHead(404).end();
      });
      closers.push(idp.close);
      const code = await lintCommand(['--deck', DECK, '--issuer', `${idp.url}/oauth2/default`], c.io);
      assert.equal(code, EXIT.failed, c.err());
      assert.match(printedAtFirstRequest ?? '', /^decK file bearer-scopes\.yaml[^\n]*\n/);
      assert.ok(c.out().startsWith(printedAtFirstRequest!), 'the lines said first are not said again');
      assert.doesNotMatch(printedAtFirstRequest!, /route |error\(s\)/);
    });

    it('exits 0 when only warnings remain, and prints JSON', async () => {
      const r = await run(lintCommand, ['--deck', join(FIXTURES, 'gateway', 'vault-refs.json'), '--json']);
      assert.equal(r.code, 0, r.err);
      const json = JSON.parse(r.out) as { routes: Array<{ route: string; findings: Array<{ severity: string }> }> };
      assert.equal(json.routes[0]!.route, 'payments');
      assert.ok(json.routes[0]!.findings.every((f) => f.severity !== 'error'));
    });

    it("prints a global plugin's findings once, and each route it covers points at them", async () => {
      const file = join(tmp, 'global.yaml');
      writeFileSync(
        file,
        '_format_version: "3.0"\nplugins:\n  - name: openid-connect\n    config: { auth_methods: [bearer], ssl_verify: false }\nroutes:\n  - { name: a, paths: [/a] }\n  - { name: b, paths: [/b] }\n',
      );
      const r = await run(lintCommand, ['--deck', file]);
      assert.equal(r.code, 0, r.err);
      assert.equal(r.out.match(/ssl_verify is false/g)?.length, 1);
      assert.match(r.out, /\nglobal plugin openid-connect \(global\.yaml line 3 \(plugins\[0\]\)\), on routes a, b\n/);
      assert.equal(r.out.match(/global openid-connect applies: its findings are listed once, above/g)?.length, 2);
      assert.match(r.out, /in 2 route\(s\) and 1 global plugin\(s\)\n$/);
      const json = JSON.parse((await run(lintCommand, ['--deck', file, '--json'])).out) as {
        global: Array<{ plugin: { name: string }; routes: string[]; findings: Array<{ rule: string }> }>;
        routes: Array<{ findings: unknown[]; globalPlugins: unknown[] }>;
      };
      assert.deepEqual(json.global[0]!.routes, ['a', 'b']);
      assert.ok(json.global[0]!.findings.some((f) => f.rule === 'ssl-verify-off'));
      assert.ok(json.routes.every((route) => route.findings.length === 0 && route.globalPlugins.length === 1));
    });

    it('lints the Apache config of the integration tests, and fails it for a token without sub when no remote-user claim is set', async () => {
      const clean = await run(lintCommand, ['--apache-conf', APACHE]);
      assert.equal(clean.code, 0, clean.out + clean.err);
      assert.match(clean.out, /route \/orders \(service \$\{UPSTREAM\}\/orders\): openid-connect from the route/);
      const file = join(tmp, 'no-remote-user.conf');
      writeFileSync(file, readFileSync(APACHE, 'utf8').replace(/^OIDCOAuthRemoteUserClaim .*$/m, ''));
      const noSub = `${b64({ alg: 'RS256' })}.${b64({ iss: 'https://example.okta.com/oauth2/default', client_id: '0oa1', scope: 'orders:read', iat: now, exp: now + 300 })}.c2ln`;
      const r = await run(lintCommand, ['--apache-conf', file, '--token-env', 'TOKEN'], { TOKEN: noSub });
      assert.equal(r.code, 1);
      assert.match(
        r.out,
        /ERROR   OIDCOAuthRemoteUserClaim  This token has no "sub" claim, so mod_auth_openidc cannot set REMOTE_USER and answers 401; only Apache's error log says why/,
      );
      assert.match(
        r.out,
        /fix: Set OIDCOAuthRemoteUserClaim to a claim every token carries \(client_id for client-credentials tokens\); it defaults to sub\./,
      );
    });

    it('lints a Kong Admin API source; an --issuer that cannot be discovered is an error, so the lint fails (exit 1)', async () => {
      const server = await kong();
      const r = await run(
        lintCommand,
        [
          '--admin-url',
          server.url,
          '--admin-token-env',
          'KONG_TOKEN',
          '--route',
          'orders',
          '--issuer',
          'http://127.0.0.1:1/oauth2/default',
          '--timeout',
          '2000',
        ],
        { KONG_TOKEN: ADMIN_TOKEN },
      );
      assert.equal(r.code, 1, r.out + r.err);
      assert.match(
        r.out,
        /ERROR   --issuer  The IdP's discovery document for http:\/\/127\.0\.0\.1:1\/oauth2\/default could not be fetched/,
      );
      assert.match(r.out, /\n[1-9]\d* error\(s\), /);
    });

    it('an --issuer that cannot be discovered fails the JSON lint too (exit 1)', async () => {
      const r = await run(lintCommand, [
        '--deck',
        DECK,
        '--route',
        'invoices',
        '--issuer',
        'http://127.0.0.1:1/oauth2/default',
        '--timeout',
        '2000',
        '--json',
      ]);
      assert.equal(r.code, 1, r.out + r.err);
      const json = JSON.parse(r.out) as {
        routes: Array<{ findings: Array<{ rule: string; severity: string; field: string }> }>;
      };
      assert.deepEqual(
        json.routes[0]!.findings.filter((f) => f.rule === 'discovery-failed').map((f) => [f.severity, f.field]),
        [['error', '--issuer']],
      );
    });

    it("a plugin's own issuer that cannot be discovered stays a warning (no --issuer given)", async () => {
      const deck = join(tmp, 'own-issuer.yaml');
      writeFileSync(
        deck,
        readFileSync(DECK, 'utf8').replaceAll(
          'https://example.okta.com/oauth2/default',
          'http://127.0.0.1:1/oauth2/default',
        ),
      );
      const r = await run(lintCommand, ['--deck', deck, '--route', 'invoices', '--timeout', '2000', '--json']);
      const json = JSON.parse(r.out) as {
        routes: Array<{ findings: Array<{ rule: string; severity: string; field: string }> }>;
      };
      assert.deepEqual(
        json.routes[0]!.findings.filter((f) => f.rule === 'discovery-failed').map((f) => [f.severity, f.field]),
        [['warning', 'config.issuer']],
      );
    });

    it('--issuer must be an http(s) URL: a typo is a usage error, not a lint that checked nothing and passed (exit 2)', async () => {
      const typo = await run(lintCommand, ['--deck', DECK, '--issuer', 'not-a-url']);
      assert.equal(typo.code, 2);
      assert.equal(typo.out, '');
      assert.match(typo.err, /--issuer takes an absolute URL, got "not-a-url"\./);
      const ftp = await run(lintCommand, ['--deck', DECK, '--issuer', 'ftp://idp.example']);
      assert.equal(ftp.code, 2);
      assert.match(ftp.err, /--issuer takes an http\(s\) URL, got "ftp:\/\/idp\.example"\./);
    });

    it('an opaque token is noted, not guessed at', async () => {
      const r = await run(
        lintCommand,
        ['--deck', join(FIXTURES, 'gateway', 'vault-refs.json'), '--token-env', 'TOKEN'],
        { TOKEN: 'k3jd8s9Fq0opaque' },
      );
      assert.equal(r.code, 0);
      assert.match(r.out, /note: The token in TOKEN is opaque: only the IdP can tell its claims/);
    });

    it('usage errors exit 2: unknown route, unset token variable', async () => {
      const route = await run(lintCommand, ['--deck', DECK, '--route', 'nope']);
      assert.equal(route.code, 2);
      assert.match(
        route.err,
        /No route named "nope" in decK file bearer-scopes\.yaml; its routes are: invoices, invoice-by-id, reports-monthly, status/,
      );
      const token = await run(lintCommand, ['--deck', DECK, '--token-env', 'UNSET']);
      assert.equal(token.code, 2);
      assert.match(token.err, /The environment variable UNSET \(from --token-env\) is not set or empty/);
    });
  });
});
