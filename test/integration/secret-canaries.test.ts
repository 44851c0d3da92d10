import { strict as assert } from 'node:assert';
import { createPrivateKey } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMMAND_NAMES, runCli } from '../../src/cli/cli';
import type { CliIo } from '../../src/cli/io';
import type { Sandbox } from '../../src/core/sandbox/sandbox';
import { captureIo } from '../support/capture-io';
import { ADMIN_TOKEN, KONNECT_PAT, startKongServer } from '../support/kong-server';
import type { KongServer } from '../support/kong-server';
import { startTestSandbox } from '../support/sandbox';

/**
 * The standing secret-canary suite of issue #13: every CLI command (the list comes from COMMANDS
 * in src/cli/cli.ts, so a new command without a case here fails) runs against the sandbox with
 * canary client secrets, a private_key_jwt key, a client certificate key, a password, tokens, the
 * Okta API token and Admin API / Konnect tokens. Then stdout, stderr and every file the command
 * wrote are searched for each canary raw, base64, base64url, URL-encoded, form-encoded and
 * JSON-escaped, and for any whole JWT: zero hits, except where the user asked for the secret
 * (`oidc-flow token` prints the token it fetched; `sandbox --write-env` writes a mode-600 file).
 */

/** A secret that the IdP refuses, with characters each encoding changes. */
const ODD_SECRET = 'canary/odd+secret "quoted" & ä=1';
/** A token the IdP never issued, so introspection says inactive and the gateway refuses it. */
const UNKNOWN_TOKEN = 'canary-opaque-token-5f1e9a77c2';
const IMPORT_SECRETS = {
  clientSecret: 'canary-postman-client-secret-8c1d',
  password: 'canary-postman-password-4e2b',
  accessToken: 'canary-postman-access-token-9a0f',
  headerToken: 'canary-postman-header-token-77aa',
  variable: 'canary-postman-variable-secret-3b3b',
};
const LITERAL_SECRET = 'canary-literal-flow-secret-6d6d';

/** Whole JWTs: a report may show a token's claims, never the token itself. */
const JWT = /eyJ[\w-]{4,}\.eyJ[\w-]{4,}\.[\w-]{20,}/g;

const b64 = (value: string, encoding: BufferEncoding) => Buffer.from(value).toString(encoding);

/** Every way a secret can be written out: as is and in each encoding an exchange or a report uses. */
function forms(secret: string, clientIds: string[]): string[] {
  return [
    secret,
    b64(secret, 'base64'),
    b64(secret, 'base64url'),
    encodeURIComponent(secret),
    new URLSearchParams({ v: secret }).toString().slice(2),
    JSON.stringify(secret).slice(1, -1),
    ...clientIds.map((id) => b64(`${id}:${secret}`, 'base64')),
    ...clientIds.map((id) => b64(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`, 'base64')),
    ...clientIds.map((id) => b64(new URLSearchParams({ [id]: secret }).toString().replace('=', ':'), 'base64')),
  ];
}

interface Case {
  title: string;
  args: () => string[];
  env?: () => Record<string, string>;
  stdin?: () => string;
  /** The exit codes this case may end with (a refused token is a finding, not a failure of the suite). */
  codes: number[];
  /** The user asked for the token on stdout (`oidc-flow token`): whole JWTs there are not leaks. */
  revealsTokenOnStdout?: boolean;
  /** Stops a long-running command once its output says it is ready. */
  stopWhen?: RegExp;
  /** With stopWhen: what to do once ready, before stopping (send traffic through `capture`). */
  whenReady?: (stdout: string) => Promise<void>;
}

describe('secret canaries: every CLI command against the sandbox', function () {
  this.timeout(120_000);
  let sandbox: Sandbox;
  let kong: KongServer;
  let dir: string;
  /** Files the test wrote as input (they hold canaries on purpose) or the user asked to hold secrets. */
  const inputs = new Set<string>();
  let canaries: Map<string, string>;
  let accessToken: string;
  let refreshToken: string;
  let userAccessToken: string;
  let idToken: string;
  let gatewayPath: string;

  const file = (name: string, text: string, input = true): string => {
    const path = join(dir, 'in', name);
    writeFileSync(path, text, { mode: 0o600 });
    if (input) inputs.add(path);
    return path;
  };
  const out = (name: string) => join(dir, 'out', name);
  const secretOf = (name: keyof Sandbox['idp']['clients']) => sandbox.idp.clients[name].clientSecret!;
  const idp = (client: string) => ['--issuer', sandbox.idp.issuer, '--ca', sandbox.caFile, '--client-id', client];

  async function tokenOf(args: string[], env: Record<string, string>) {
    const c = captureIo({ env });
    assert.equal(await runCli(['token', ...args, '--output', 'json'], c.io), 0, c.err());
    return JSON.parse(c.out()) as { accessToken: string; refreshToken?: string; idToken?: string };
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'oidc-canaries-'));
    mkdirSync(join(dir, 'in'));
    mkdirSync(join(dir, 'out'));
    sandbox = await startTestSandbox();
    kong = await startKongServer();
    gatewayPath = sandbox.gateway.routes[0]!.paths[0]!;
    const basic = { OIDC_CLIENT_SECRET: secretOf('cc-basic') };
    accessToken = (await tokenOf([...idp('cc-basic'), '--scope', 'orders:read'], basic)).accessToken;
    const user = await tokenOf(
      [
        ...idp('web'),
        '--grant',
        'password',
        '--username',
        'alice',
        '--password-env',
        'PW',
        '--scope',
        'openid offline_access orders:read',
      ],
      { OIDC_CLIENT_SECRET: secretOf('web'), PW: 'alice-password' },
    );
    userAccessToken = user.accessToken;
    refreshToken = user.refreshToken!;
    idToken = user.idToken!;
    assert.ok(refreshToken && idToken, 'the password grant gave a refresh and an ID token');

    const clients = Object.values(sandbox.idp.clients);
    const ids = clients.map((c) => c.clientId);
    const named: Array<[string, string]> = [
      ...clients.filter((c) => c.clientSecret).map((c): [string, string] => [`${c.clientId} secret`, c.clientSecret!]),
      ['cc-pkjwt private key d', String(sandbox.idp.clients['cc-pkjwt'].privateJwk!.d)],
      ['cc-mtls key', pemBody(sandbox.idp.clients['cc-mtls'].certificateKey!)],
      ['alice password', 'alice-password'],
      ['Okta API token', sandbox.idp.apiToken],
      ['Admin API token', ADMIN_TOKEN],
      ['Konnect token', KONNECT_PAT],
      ['access token', accessToken],
      ['user access token', userAccessToken],
      ['refresh token', refreshToken],
      ['ID token', idToken],
      ['odd secret', ODD_SECRET],
      ['unknown token', UNKNOWN_TOKEN],
      ['literal flow secret', LITERAL_SECRET],
      ...Object.entries(IMPORT_SECRETS).map(([k, v]): [string, string] => [`Postman ${k}`, v]),
    ];
    canaries = new Map();
    for (const [name, secret] of named) for (const form of forms(secret, ids)) canaries.set(form, name);
  });
  after(async () => {
    await kong?.close();
    await sandbox?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The base64 body of a PEM key (one line of it is enough to rebuild nothing, but shows a leak). */
  function pemBody(pem: string): string {
    return pem.split('\n').filter((line) => line && !line.startsWith('-----'))[1]!;
  }

  const sandboxEnvFile = () => out('sandbox.env');
  const privateKeyPem = () =>
    createPrivateKey({ key: sandbox.idp.clients['cc-pkjwt'].privateJwk as never, format: 'jwk' })
      .export({ type: 'pkcs8', format: 'pem' })
      .toString();

  const flowFile = () =>
    file(
      'canary.oidc-flow.yaml',
      `version: 1
idps:
  sandbox:
    issuer: "\${env:SANDBOX_ISSUER}"
    caFile: "\${env:SANDBOX_CA_FILE}"
    clientId: web
    clientSecret: "\${env:WEB_SECRET}"
  gateway:
    issuer: "\${env:SANDBOX_ISSUER}"
    caFile: "\${env:SANDBOX_CA_FILE}"
    clientId: gateway
    clientSecret: "\${env:SANDBOX_GATEWAY_CLIENT_SECRET}"
routes:
  orders:
    baseUrl: "\${env:SANDBOX_GATEWAY_URL}"
    path: ${gatewayPath}
    token: { in: header, name: Authorization, scheme: Bearer }
flows:
  canary:
    steps:
      - { id: tok, type: token, idp: sandbox, grant: password, username: alice, password: "\${env:PW}", scopes: [openid, offline_access, "orders:read"] }
      - { id: ok, type: call, route: orders, token: "{{steps.tok.token.access_token}}", assert: [{ status: 200 }] }
      - { id: intro, type: introspect, idp: gateway, token: "{{steps.tok.token.access_token}}", assert: [{ active: true }] }
      - { id: rt, type: introspect, idp: gateway, token: "{{steps.tok.token.refresh_token}}", hint: refresh_token }
      - { id: rev, type: revoke, idp: gateway, token: "{{steps.tok.token.refresh_token}}" }
      - id: echo
        type: request
        method: POST
        url: "\${env:SANDBOX_GATEWAY_URL}${gatewayPath}?access_token={{steps.tok.token.access_token}}"
        headers: { X-Id-Token: "{{steps.tok.token.id_token}}" }
        form: { client_secret: "\${env:WEB_SECRET}", password: "\${env:PW}" }
        continueOnFailure: true
        assert: [{ status: 201 }]
      - { id: refused, type: call, route: orders, token: "\${env:UNKNOWN}", assert: [{ status: 200 }] }
`,
    );
  const runEnv = () => ({ ...sandbox.env, WEB_SECRET: secretOf('web'), PW: 'alice-password', UNKNOWN: UNKNOWN_TOKEN });

  const postmanExport = () =>
    file(
      'canary.postman_collection.json',
      JSON.stringify({
        info: { name: 'Canary', schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json' },
        auth: {
          type: 'oauth2',
          oauth2: [
            { key: 'grant_type', value: 'password_credentials' },
            { key: 'accessTokenUrl', value: `${sandbox.idp.issuer}/v1/token` },
            { key: 'clientId', value: 'web' },
            { key: 'clientSecret', value: IMPORT_SECRETS.clientSecret },
            { key: 'username', value: 'alice' },
            { key: 'password', value: IMPORT_SECRETS.password },
            { key: 'accessToken', value: IMPORT_SECRETS.accessToken },
          ],
        },
        variable: [{ key: 'client_secret', value: IMPORT_SECRETS.variable }],
        item: [
          {
            name: 'Orders',
            request: {
              method: 'GET',
              header: [{ key: 'Authorization', value: `Bearer ${IMPORT_SECRETS.headerToken}` }],
              url: `${sandbox.gateway.url}${gatewayPath}?client_secret={{client_secret}}`,
            },
          },
        ],
      }),
    );

  const cases: Record<string, Case[]> = {
    run: [
      { title: 'pretty', args: () => ['run', flowFile()], env: runEnv, codes: [1] },
      {
        title: 'json to --output',
        args: () => ['run', flowFile(), '--reporter', 'json', '--output', out('run.json')],
        env: runEnv,
        codes: [1],
      },
      {
        title: 'junit to --output',
        args: () => ['run', flowFile(), '--reporter', 'junit', '--output', out('run.xml')],
        env: runEnv,
        codes: [1],
      },
      {
        title: 'the documented example with --sandbox, json to --output',
        args: () => [
          ...['run', join(__dirname, '..', '..', 'examples', 'introspection-scenario.yaml'), '--sandbox'],
          ...['--env', 'sandbox', '--reporter', 'json', '--output', out('example.json')],
        ],
        codes: [0],
      },
      {
        title: 'the IdP refuses an odd client secret',
        args: () => ['run', flowFile(), '--reporter', 'json'],
        env: () => ({ ...runEnv(), WEB_SECRET: ODD_SECRET }),
        codes: [1],
      },
    ],
    demo: [{ title: 'the introspection scenario', args: () => ['demo', '--skip-cached'], codes: [0] }],
    sandbox: [
      {
        title: '--write-env and --gateway-log',
        args: () => ['sandbox', '--write-env', sandboxEnvFile(), '--gateway-log', out('kong-error.log')],
        codes: [0, 130],
        stopWhen: /written to/,
      },
    ],
    token: [
      {
        title: 'client_secret_basic with --curl',
        args: () => ['token', ...idp('cc-basic'), '--curl'],
        env: () => ({ OIDC_CLIENT_SECRET: secretOf('cc-basic') }),
        codes: [0],
        revealsTokenOnStdout: true,
      },
      {
        title: 'client_secret_post, --output env',
        args: () => ['token', ...idp('cc-post'), '--client-auth', 'client_secret_post', '--output', 'env', '--curl'],
        env: () => ({ SECRET: secretOf('cc-post'), OIDC_CLIENT_SECRET: secretOf('cc-post') }),
        codes: [0],
        revealsTokenOnStdout: true,
      },
      {
        title: 'client_secret_jwt',
        args: () => ['token', ...idp('cc-jwt'), '--client-auth', 'client_secret_jwt', '--curl'],
        env: () => ({ OIDC_CLIENT_SECRET: secretOf('cc-jwt') }),
        codes: [0],
        revealsTokenOnStdout: true,
      },
      {
        title: 'private_key_jwt from a key file',
        args: () => [
          'token',
          ...idp('cc-pkjwt'),
          '--private-key-file',
          file('pkjwt.pem', privateKeyPem()),
          '--key-id',
          sandbox.idp.clients['cc-pkjwt'].kid!,
          '--curl',
        ],
        codes: [0],
        revealsTokenOnStdout: true,
      },
      {
        title: 'tls_client_auth with a certificate and key file',
        args: () => [
          'token',
          ...idp('cc-mtls'),
          '--cert-file',
          file('mtls.crt', sandbox.idp.clients['cc-mtls'].certificate!),
          '--key-file',
          file('mtls.key', sandbox.idp.clients['cc-mtls'].certificateKey!),
        ],
        codes: [0],
        revealsTokenOnStdout: true,
      },
      {
        title: 'password grant',
        args: () => [
          'token',
          ...idp('web'),
          ...['--grant', 'password', '--username', 'alice', '--password-env', 'PW', '--curl', '--scope', 'openid'],
        ],
        env: () => ({ OIDC_CLIENT_SECRET: secretOf('web'), PW: 'alice-password' }),
        codes: [0],
        revealsTokenOnStdout: true,
      },
      {
        title: 'refresh_token grant',
        args: () => ['token', ...idp('web'), '--grant', 'refresh_token', '--refresh-token-env', 'RT', '--curl'],
        env: () => ({ OIDC_CLIENT_SECRET: secretOf('web'), RT: refreshToken }),
        codes: [0, 1],
        revealsTokenOnStdout: true,
      },
      {
        title: 'the IdP refuses an odd secret and a wrong password',
        args: () => [
          'token',
          ...idp('web'),
          ...['--grant', 'password', '--username', 'alice', '--password-env', 'PW', '--curl'],
        ],
        env: () => ({ OIDC_CLIENT_SECRET: ODD_SECRET, PW: ODD_SECRET }),
        codes: [1],
      },
    ],
    introspect: [
      {
        title: '--token-env, --json',
        args: () => ['introspect', '--token-env', 'T', '--json', ...idp('gateway')],
        env: () => ({ T: accessToken, OIDC_CLIENT_SECRET: secretOf('gateway') }),
        codes: [0],
      },
      {
        title: 'a refresh token from stdin, signed answer (--jwt)',
        args: () => ['introspect', '-', '--hint', 'refresh_token', '--jwt', ...idp('gateway')],
        stdin: () => refreshToken,
        env: () => ({ OIDC_CLIENT_SECRET: secretOf('gateway') }),
        codes: [0, 1],
      },
      {
        title: 'an unknown token with an odd client secret',
        args: () => ['introspect', '--token-env', 'T', ...idp('gateway')],
        env: () => ({ T: UNKNOWN_TOKEN, OIDC_CLIENT_SECRET: ODD_SECRET }),
        codes: [1],
      },
    ],
    revoke: [
      {
        title: '--token-env',
        args: () => ['revoke', '--token-env', 'T', '--hint', 'access_token', ...idp('cc-basic')],
        env: () => ({ T: UNKNOWN_TOKEN, OIDC_CLIENT_SECRET: secretOf('cc-basic') }),
        codes: [0],
      },
      {
        title: 'refused client',
        args: () => ['revoke', '--token-env', 'T', ...idp('cc-basic')],
        env: () => ({ T: userAccessToken, OIDC_CLIENT_SECRET: ODD_SECRET }),
        codes: [1],
      },
    ],
    verify: [
      {
        title: '--token-env, --json',
        args: () => ['verify', '--token-env', 'T', '--issuer', sandbox.idp.issuer, '--ca', sandbox.caFile, '--json'],
        env: () => ({ T: accessToken }),
        codes: [0],
      },
      {
        title: 'an ID token with the wrong audience, pretty',
        args: () => [
          ...['verify', '-', '--issuer', sandbox.idp.issuer, '--ca', sandbox.caFile],
          ...['--profile', 'id_token', '--client-id', 'someone-else'],
        ],
        stdin: () => idToken,
        codes: [1],
      },
    ],
    explain: [
      {
        title: 'accepted, --check-accepted, --json',
        args: () => [
          ...['explain', `${sandbox.gateway.url}${gatewayPath}`, '--token-env', 'T', '--check-accepted', '--json'],
          ...idp('gateway'),
        ],
        env: () => ({ T: accessToken, OIDC_CLIENT_SECRET: secretOf('gateway') }),
        codes: [0],
      },
      {
        title: 'refused, with the Okta API token and a secret header, text',
        args: () => [
          ...['explain', `${sandbox.gateway.url}${gatewayPath}`, '--token-env', 'T'],
          ...['--header', `X-Api-Key: ${ODD_SECRET}`, '--okta-api-token-env', 'OKTA', '--okta-org-url'],
          ...[sandbox.idp.origin, '--gateway-log', file('gateway-error.log', '')],
          ...idp('gateway'),
        ],
        env: () => ({ T: UNKNOWN_TOKEN, OIDC_CLIENT_SECRET: secretOf('gateway'), OKTA: sandbox.idp.apiToken }),
        codes: [1],
      },
      {
        title: 'refused user token from stdin, --output json',
        args: () => [
          ...['explain', `${sandbox.gateway.url}/none-such`, '--token-stdin', '--output', 'json'],
          ...['--okta-api-token-env', 'OKTA'],
          ...idp('gateway'),
        ],
        stdin: () => idToken,
        env: () => ({ OIDC_CLIENT_SECRET: secretOf('gateway'), OKTA: sandbox.idp.apiToken }),
        codes: [0, 1],
      },
    ],
    capture: [
      {
        title: 'traffic with tokens, cookies and secret headers through the proxy, --check-accepted, --har',
        args: () => [
          ...['capture', '--target', sandbox.gateway.url, '--listen', '127.0.0.1:0', '--check-accepted'],
          ...['--har', out('capture.har'), ...idp('gateway')],
        ],
        env: () => ({ OIDC_CLIENT_SECRET: secretOf('gateway') }),
        codes: [0],
        stopWhen: /Capturing (http:\/\/127\.0\.0\.1:\d+)/,
        whenReady: async (stdout) => {
          const proxy = /Capturing (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)![1]!;
          for (const [token, extra] of [
            [accessToken, { Cookie: `session=${ODD_SECRET}` }],
            [UNKNOWN_TOKEN, { 'X-Api-Key': ODD_SECRET }],
            [idToken, {}],
          ] as const) {
            const answer = await fetch(`${proxy}${gatewayPath}?access_token=${encodeURIComponent(token)}`, {
              headers: { Authorization: `Bearer ${token}`, ...extra },
            });
            await answer.arrayBuffer();
          }
          // Verdicts arrive after the exchanges: give them a moment to be printed.
          await new Promise((resolve) => setTimeout(resolve, 1500));
        },
      },
    ],
    decode: [
      {
        title: '--token-env, --json',
        args: () => ['decode', '--token-env', 'T', '--json'],
        env: () => ({ T: idToken }),
        codes: [0],
      },
      { title: 'stdin, pretty', args: () => ['decode', '-'], stdin: () => accessToken, codes: [0] },
    ],
    routes: [
      {
        title: 'Admin API with an RBAC token, --json',
        args: () => ['routes', '--admin-url', kong.url, '--admin-token-env', 'KT', '--json'],
        env: () => ({ KT: ADMIN_TOKEN }),
        codes: [0],
      },
      {
        title: 'Admin API refusing a token',
        args: () => ['routes', '--admin-url', kong.url, '--admin-token-env', 'KT'],
        env: () => ({ KT: ODD_SECRET }),
        codes: [2],
      },
      {
        title: 'Konnect with a token',
        args: () => [
          ...['routes', '--konnect-region', 'us', '--control-plane', 'quickstart', '--konnect-url', kong.url],
          ...['--konnect-token-env', 'PAT'],
        ],
        env: () => ({ PAT: KONNECT_PAT }),
        codes: [0],
      },
    ],
    lint: [
      {
        title: 'Admin API with a token and a real access token, --json',
        args: () => [
          ...['lint', '--admin-url', kong.url, '--admin-token-env', 'KT', '--token-env', 'T', '--json'],
          ...['--issuer', sandbox.idp.issuer, '--ca', sandbox.caFile],
        ],
        env: () => ({ KT: ADMIN_TOKEN, T: accessToken }),
        codes: [0, 1],
      },
      {
        title: 'Konnect with a token, text',
        args: () => [
          ...['lint', '--konnect-region', 'us', '--control-plane', 'quickstart', '--konnect-url', kong.url],
          ...['--konnect-token-env', 'PAT', '--token-env', 'T'],
        ],
        env: () => ({ PAT: KONNECT_PAT, T: userAccessToken }),
        codes: [0, 1, 2],
      },
    ],
    validate: [
      { title: 'the canary flow', args: () => ['validate', flowFile()], codes: [0] },
      {
        title: 'a flow file with a literal secret',
        args: () => [
          'validate',
          file(
            'literal.oidc-flow.yaml',
            `version: 1\nidps:\n  x:\n    issuer: https://idp.example\n    clientId: a\n    clientSecret: "${LITERAL_SECRET}"\nflows:\n  f:\n    steps:\n      - { id: t, type: token, idp: x, grant: client_credentials }\n      - { id: c, type: request, url: "https://api.example/?access_token=${LITERAL_SECRET}" }\n`,
          ),
        ],
        codes: [2],
      },
    ],
    import: [
      {
        title: 'a Postman export holding secrets, to a file',
        args: () => ['import', postmanExport(), '-o', out('imported.oidc-flow.yaml'), '--force'],
        codes: [0, 2],
      },
      { title: 'the same to stdout', args: () => ['import', postmanExport(), '-o', '-'], codes: [0, 2] },
    ],
    // No secret goes in or out; tried all the same, with the environment full of them.
    completion: [
      { title: 'bash', args: () => ['completion', 'bash'], env: runEnv, codes: [0] },
      { title: 'fish', args: () => ['completion', 'fish'], env: runEnv, codes: [0] },
    ],
    __complete: [
      {
        title: "the canary flow's environments",
        args: () => ['__complete', 'environments', flowFile()],
        env: runEnv,
        codes: [0],
      },
      { title: "the canary flow's IdPs", args: () => ['__complete', 'idps', flowFile()], env: runEnv, codes: [0] },
    ],
  };

  it('has a canary case for every command in COMMANDS (src/cli/cli.ts)', () => {
    assert.deepEqual(
      COMMAND_NAMES.filter((name) => !cases[name]?.length),
      [],
      'add a case for each new command above',
    );
  });

  function filesWritten(): Array<{ path: string; text: string }> {
    const found: Array<{ path: string; text: string }> = [];
    const walk = (at: string): void => {
      for (const name of readdirSync(at)) {
        const path = join(at, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (!inputs.has(path)) found.push({ path, text: readFileSync(path, 'utf8') });
      }
    };
    walk(dir);
    return found;
  }

  function leaksIn(text: string, jwtsAllowed = false): string[] {
    const hits = [...canaries].filter(([form]) => text.includes(form)).map(([, name]) => name);
    if (!jwtsAllowed) hits.push(...[...text.matchAll(JWT)].map((m) => `a whole JWT ${m[0].slice(0, 12)}…`));
    return [...new Set(hits)];
  }

  it('the search sees a leak: what --reveal-secrets shows is found (the suite is not blind)', async () => {
    const c = captureIo({ env: runEnv() });
    assert.equal(await runCli(['run', flowFile(), '--reporter', 'json', '--reveal-secrets'], c.io), 1, c.err());
    const found = leaksIn(c.out());
    for (const name of ['web secret', 'alice password', 'unknown token'])
      assert.ok(found.includes(name), `${name} found in ${found.join(', ')}`);
    assert.ok(
      found.some((name) => name.startsWith('a whole JWT')),
      'the received tokens are found',
    );
  });

  for (const [command, list] of Object.entries(cases))
    for (const c of list)
      it(`${command}: ${c.title}`, async () => {
        const captured = captureIo({ env: c.env?.() ?? {}, stdin: c.stdin?.() });
        let io: CliIo = captured.io;
        let stop: () => void = () => undefined;
        if (c.stopWhen) {
          let ready = false;
          const interrupted = new Promise<void>((resolve) => (stop = resolve));
          const stdout = {
            write: (text: string) => {
              captured.io.stdout.write(text);
              if (c.stopWhen!.test(captured.out()) && !ready) {
                ready = true;
                void (c.whenReady ?? (async () => undefined))(captured.out()).finally(() => setTimeout(stop, 50));
              }
            },
          };
          io = { ...captured.io, stdout, interrupted };
        }
        const code = await runCli(c.args(), io);
        stop();
        const report = `exit ${code}\n--- stdout\n${captured.out()}\n--- stderr\n${captured.err()}`;
        assert.ok(c.codes.includes(code), report);
        assert.deepEqual(leaksIn(captured.out(), c.revealsTokenOnStdout), [], `stdout: ${report}`);
        assert.deepEqual(leaksIn(captured.err()), [], `stderr: ${report}`);
        for (const written of filesWritten()) {
          // The file the user asked to hold the sandbox's secrets (mode 600): its tokens are all it may hold.
          if (written.path === sandboxEnvFile()) {
            assert.equal(statSync(written.path).mode & 0o077, 0, 'the env file is private');
            continue;
          }
          assert.deepEqual(leaksIn(written.text), [], `${written.path}:\n${written.text.slice(0, 4000)}`);
        }
        if (command === 'sandbox') {
          // The sandbox's own secrets are in the env file and must not be on the terminal.
          const env = Object.fromEntries(
            readFileSync(sandboxEnvFile(), 'utf8')
              .trim()
              .split('\n')
              .map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]),
          );
          for (const name of ['SANDBOX_CLIENT_SECRET', 'SANDBOX_GATEWAY_CLIENT_SECRET', 'SANDBOX_OKTA_API_TOKEN'])
            assert.ok(!(captured.out() + captured.err()).includes(env[name]!), `${name} on the terminal`);
          rmSync(sandboxEnvFile());
        }
      });
});
