import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli/cli';
import type { ErrorCode } from '../../src/core/errors';
import { isOidcError } from '../../src/core/errors';
import type { FlowFile, StepDef } from '../../src/core/flow/file-format';
import { checkFlowFile } from '../../src/core/flow/load';
import { FlowRunner } from '../../src/core/flow/runner';
import { isAuthPlugin } from '../../src/core/gateway/model';
import { lintGateway, lintGatewayRoute, lintPlugin } from '../../src/core/gateway/route-lint';
import { loadGatewayModel } from '../../src/core/gateway/source';
import { createHttpClient } from '../../src/core/http/client';
import type { ImportResult, SourceFormat } from '../../src/core/importers';
import { importAny } from '../../src/core/importers';
import { discover } from '../../src/core/oauth/discovery';
import type { Sandbox } from '../../src/core/sandbox/sandbox';
import { captureIo } from '../support/capture-io';
import { FakeHttp } from '../support/fake-http';
import { assertLoads } from '../unit/importers/helpers';
import { startTestSandbox } from '../support/sandbox';

/**
 * Issue #12's proof: every public export and gateway config under
 * test/fixtures/real/ goes through the code paths a user's file goes
 * through (import → validate → load; decK/Apache → routes → lint; the CLI
 * commands over them), and a token step an import yields is run against the
 * sandbox's real IdP. The table says what each file gives today;
 * test/fixtures/real/EXPECTED.md says what the issue asks beyond that, to
 * tighten here once those features land.
 */

const REAL = join(__dirname, '..', '..', 'test', 'fixtures', 'real');

/** What an export gives today: the flow file's shape, or the coded refusal. */
type ImportExpectation =
  | {
      kind: 'import';
      format: SourceFormat;
      idps: string[];
      /** Step types of the only flow, in order; for a long collection, how many of each type. */
      steps: string | Record<string, number>;
      /** A Postman environment under real/ imported with the collection (like `import --environment`). */
      environment?: string;
      /** Token steps as `idp:grant`. */
      tokens: string[];
      /** Environment variables the flow file reads secrets from. */
      secrets: string[];
      notCarried: number;
      /** Text the written flow file must hold (chaining references, environment values). */
      yamlIncludes?: string[];
      /** Values from the export that must not reach the flow file or the CLI output. */
      secretValues?: string[];
    }
  | { kind: 'import'; refused: ErrorCode; mentions: RegExp };

/** What a gateway config gives today: each route with its lint rules, or the coded refusal. */
type GatewayExpectation =
  | {
      kind: 'deck' | 'apache';
      routes: Record<string, string[]>;
      /** Global auth plugins by name, with their lint rules (listed once, not per route). */
      global?: Record<string, string[]>;
      /** What the routes' findings must say, beyond their rule names. */
      says?: RegExp[];
    }
  | { kind: 'deck' | 'apache'; refused: ErrorCode; mentions: RegExp };

type Expectation = (ImportExpectation | GatewayExpectation) & {
  /** The EXPECTED.md entry that says what the issue asks beyond today. */
  pending?: string;
};

const RELYING_PARTY = ['apache-relying-party', 'ssl-verify-off'];

const EXPECTED: Record<string, Expectation> = {
  'insomnia/oauth.yaml': {
    kind: 'import',
    format: 'Insomnia v5',
    idps: ['idp-127', 'idp-127-2', 'idp-127-3', 'idp-127-4'],
    steps: 'token,call,call,token,call,call,request,request,token,call,token,call',
    tokens: [
      'idp-127:authorization_code',
      'idp-127-2:authorization_code',
      'idp-127-3:client_credentials',
      'idp-127-4:password',
    ],
    secrets: ['IDP_127_CLIENT_SECRET', 'IDP_127_4_PASSWORD'],
    // responseType ×7, PKCE plain, two implicit-grant requests with no token step.
    notCarried: 9,
    secretValues: ['clientSecret: secret', 'password: bar'],
  },
  'insomnia/auth-types.yaml': {
    kind: 'import',
    format: 'Insomnia v5',
    idps: [],
    // Insomnia's sortKey order: the OAuth 1.0 request comes first.
    steps: 'request,request',
    tokens: [],
    // Basic auth becomes the step's basicAuth, its password an ${env:} reference.
    secrets: ['SENDS_REQUEST_WITH_BASIC_AUTHENTICATION_PASSWORD'],
    // OAuth 1.0 auth and the cookie jar's cookie (named, its value not copied), each with what to do instead.
    notCarried: 2,
    yamlIncludes: [
      'cookie jar: 1 cookie (foo (domain.com)) is not carried',
      'basicAuth:\n          username: user\n          password: ${env:SENDS_REQUEST_WITH_BASIC_AUTHENTICATION_PASSWORD}',
    ],
    // The disabled literal header (user:pass in base64) and the password stay out.
    secretValues: ['dXNlcjpwYXNz', 'password: pass'],
  },
  'insomnia/chained-responses.yaml': {
    kind: 'import',
    format: 'Insomnia v5',
    idps: [],
    steps: 'request,request,request',
    tokens: [],
    secrets: [],
    notCarried: 0,
    // Each {% response %} tag (JSONPath $.data, base64 in the tag) becomes a step reference.
    yamlIncludes: [
      '{{steps.first.response.body.$.data}} and second',
      '{{steps.second.response.body.$.data}} and third',
      // Written without a scheme (localhost:4010/echo): sent as http://, as Insomnia does.
      'url: http://localhost:4010/echo',
    ],
  },
  'insomnia/insomnia4.yaml': {
    kind: 'import',
    format: 'Insomnia v4',
    idps: [],
    steps: 'request',
    tokens: [],
    secrets: [],
    notCarried: 0,
    yamlIncludes: ['url: "{{env.base_url}}/sleep"', 'base_url: http://127.0.0.1:4010'],
  },
  'insomnia/oauth2_0-auth-v2_1-output.json': {
    kind: 'import',
    format: 'Insomnia v4',
    // Its token URL is just "test": Insomnia sends that to http://test, so the IdP is named after that host.
    idps: ['test'],
    steps: 'token,call,token,call,request,token,call,token,call',
    tokens: ['test:authorization_code', 'test:authorization_code', 'test:password', 'test:client_credentials'],
    secrets: ['TEST_CLIENT_SECRET', 'TEST_PASSWORD'],
    notCarried: 5,
    // The token URL "test" and the scheme-less request URL as Insomnia sends them; tokenPrefix "test" is the route's scheme.
    yamlIncludes: ['token: http://test', 'scheme: test', 'url: http://mockbin.org/request/any'],
  },
  'insomnia/postman-export-oauth2-v2_1-output.json': {
    kind: 'import',
    refused: 'import.empty',
    mentions: /holds no HTTP request/,
    pending: 'postman-export-oauth2-v2_1-output.json',
  },
  // Collection v2.0 is read like v2.1; its single request has no URL, so nothing is left to import.
  'insomnia/minimal-v2_0-input.json': {
    kind: 'import',
    refused: 'import.empty',
    mentions: /The Postman v2\.0 export "Minimal Test Collection" holds no HTTP request/,
  },
  'insomnia/scripts-import-v2_1-input.json': {
    kind: 'import',
    format: 'Postman v2.1',
    idps: [],
    steps: 'request',
    tokens: [],
    secrets: [],
    // The pre-request and the test script, each reported rather than dropped.
    notCarried: 2,
  },
  'insomnia/postman-env-basic-input.json': {
    kind: 'import',
    refused: 'import.unrecognised',
    mentions: /Postman environment/,
  },
  'postman-collection-transformer/helpers-v2.1.0.json': {
    kind: 'import',
    format: 'Postman v2.1',
    idps: [],
    steps: 'request,request,call,request',
    tokens: [],
    // Basic auth as basicAuth with its password from ${env:}; the bearer token too.
    secrets: ['BASICAUTH_PASSWORD', 'TEST_BEARER_AUTH_SUCCESS_TOKEN'],
    // Three multipart bodies, oauth1 and digest auth, and four test scripts: three under the legacy `events` key.
    notCarried: 9,
    yamlIncludes: [
      'request "basicAuth" > test script',
      'request "DigestAuth" > test script',
      'url: http://httpbin.org/get',
      'basicAuth:\n          username: abhijit\n          password: ${env:BASICAUTH_PASSWORD}',
    ],
    // The bearer token, the basic/digest password and the OAuth 1.0 consumer secret.
    secretValues: ['wkjehbxoqnunc2k3', 'kane', 'asdgf'],
  },
  'wise/Groups API Sandbox (empty).postman_environment.json': {
    kind: 'import',
    refused: 'import.unrecognised',
    mentions: /Postman environment/,
  },
  'keycloak-postman-ubrt/Keycloak Local.postman_environment.json': {
    kind: 'import',
    refused: 'import.unrecognised',
    mentions: /Postman environment/,
  },
  // One service without routes: the global openid-connect plugin is shown and linted once, for any route added.
  'kong-go-database-reconciler/initial-ee-openid.yaml': {
    kind: 'deck',
    routes: {},
    global: {
      'openid-connect': [
        'introspection-client-missing',
        'introspection-cache-delays-revocation',
        'ssl-verify-off',
        'auth-methods-default',
        'token-in-query',
      ],
    },
  },
  // Only a global jwt plugin: linted once, for any route added later.
  'kong-deck/initial-jwt-reorder-set.yaml': {
    kind: 'deck',
    routes: {},
    global: { jwt: ['jwt-exp-not-verified', 'token-in-query', 'jwt-not-introspected', 'jwt-no-credentials'] },
  },
  'kong-deck/ai2kong-identity-providers-output.yaml': {
    kind: 'deck',
    routes: {
      'openai-chat': [
        'introspection-client-missing',
        'jwt-not-introspected',
        'introspection-cache-delays-revocation',
        'ssl-verify-off',
        'auth-methods-default',
        'token-in-query',
        // anonymous: anonymous lets a request without a valid token through as that consumer.
        'anonymous-consumer',
      ],
    },
    // ... whose own request-termination answers the 401, not the openid-connect plugin.
    says: [/answered 401 "Unauthorized" by request-termination\. That 401 is not the openid-connect plugin's/],
  },
  'kong-go-apiops/16-security-oidc-generation.expected.json': {
    kind: 'deck',
    routes: Object.fromEntries(
      [1, 2, 3, 4, 5].map((n) => [
        `oidc-tests_opsid${n}`,
        [
          'introspection-client-missing',
          'introspection-cache-delays-revocation',
          'ssl-verify-off',
          'auth-methods-default',
          'token-in-query',
        ],
      ]),
    ),
  },
  // No _format_version at all: Kong's own declarative loader refuses such a file, so the reader says so (exit 2).
  'kong-deck/kong.yaml': {
    kind: 'deck',
    refused: 'gateway.deck_version',
    mentions: /no _format_version/,
  },
  // decK 1.1 (Kong 2.x): read; the global Kong oauth2 plugin is a provider that accepts only its own tokens.
  'gsa-tts-idva/kong.yaml': {
    kind: 'deck',
    routes: { 'idemia-route': ['oauth2-provider'] },
    global: { oauth2: ['oauth2-provider'] },
  },
  // decK's own convert test pair: the 1.1 input and the 3.0 output it converts to read into the same route.
  'deck/convert-4-input-1.1.yaml': { kind: 'deck', routes: { r1: ['route-unprotected'] } },
  'deck/convert-4-output-3.0.yaml': { kind: 'deck', routes: { r1: ['route-unprotected'] } },
  // Okta's own collections, imported with Okta's environment file as Postman users use them.
  'okta/open-id-connect.json': {
    kind: 'import',
    format: 'Postman v2.1',
    environment: 'okta/example.oktapreview.com.environment',
    idps: ['okta', 'okta-2'],
    steps: { request: 11, token: 7, introspect: 2, revoke: 2, call: 1 },
    tokens: [
      'okta:authorization_code',
      'okta-2:authorization_code',
      'okta:authorization_code',
      'okta:refresh_token',
      'okta-2:refresh_token',
      'okta:password',
      'okta-2:password',
    ],
    secrets: ['APIKEY', 'PASSWORD', 'CLIENT_SECRET', 'REFRESH_TOKEN'],
    notCarried: 34,
    yamlIncludes: ['url: https://{yourOktaDomain}', 'clientSecret: ${env:CLIENT_SECRET}'],
  },
  'okta/api-access-mgmt.json': {
    kind: 'import',
    format: 'Postman v2.1',
    environment: 'okta/example.oktapreview.com.environment',
    idps: ['okta', 'okta-2'],
    steps: { request: 40, token: 12, introspect: 2, revoke: 2, call: 1 },
    tokens: [
      'okta:authorization_code',
      'okta-2:authorization_code',
      'okta:authorization_code',
      'okta:authorization_code',
      'okta-2:authorization_code',
      'okta:authorization_code',
      'okta:refresh_token',
      'okta-2:refresh_token',
      'okta:password',
      'okta-2:password',
      'okta:client_credentials',
      'okta-2:client_credentials',
    ],
    secrets: ['LIST_KEYS_AUTHORIZATION', 'APIKEY', 'PASSWORD', 'CLIENT_SECRET', 'REFRESH_TOKEN'],
    notCarried: 45,
    yamlIncludes: ['issuer: "{{env.url}}/oauth2/{{env.authorizationServerId}}"'],
  },
  // Alone it holds no request: the CLI says to give it with its collection (--environment), as the entries above do.
  'okta/example.oktapreview.com.environment': {
    kind: 'import',
    refused: 'import.unrecognised',
    mentions: /Postman environment, which holds no requests: give it with its collection/,
  },
  'mod-auth-openidc/openidc.conf': {
    kind: 'apache',
    // /protected is the relying party, a login route: said so, with OIDCSSLValidateServer Off flagged on it.
    // /api is the resource server (AuthType oauth20).
    routes: { '/protected': ['apache-relying-party', 'ssl-verify-off'], '/api': ['ssl-verify-off'] },
  },
  'openstack-keystone/apache_oidc.conf': {
    kind: 'apache',
    routes: {
      // Four relying-party (login) Locations under the global OIDCSSLValidateServer Off.
      '/v3/redirect_uri': RELYING_PARTY,
      '/v3/auth/OS-FEDERATION/websso/openid': RELYING_PARTY,
      '/v3/auth/OS-FEDERATION/identity_providers/%IDP_ID%/protocols/openid/websso': RELYING_PARTY,
      '/v3/auth/OS-FEDERATION/identity_providers/%IDP_ID%/protocols/openid/auth': RELYING_PARTY,
      // "%OIDC_CLIENT_SECRET%" is devstack's placeholder, filled in at install: not a plain-text secret.
      '/v3/OS-FEDERATION/identity_providers/%IDP_ID%/protocols/openid/auth': [
        'introspection-cache-delays-revocation',
        'ssl-verify-off',
        'apache-remote-user-claim',
      ],
    },
    pending: 'apache_oidc.conf',
  },
};

/** Every fixture file under test/fixtures/real/, as `<project>/<file>`. */
function realFiles(): string[] {
  const out: string[] = [];
  for (const project of readdirSync(REAL)) {
    if (!statSync(join(REAL, project)).isDirectory()) continue;
    for (const file of readdirSync(join(REAL, project))) {
      if (file === 'SOURCES.md' || file === 'LICENSE') continue;
      out.push(`${project}/${file}`);
    }
  }
  return out.sort();
}

const text = (file: string) => readFileSync(join(REAL, file), 'utf8');
const baseName = (file: string) => file.split('/').pop()!;

/** The options `oidc-flow import <file> [--environment <environment>]` passes. */
function importOptions(file: string, environment?: string) {
  return {
    fileName: baseName(file),
    ...(environment ? { environments: [{ text: text(environment), fileName: baseName(environment) }] } : {}),
  };
}

/** Imports like `oidc-flow import`; returns the result or the coded refusal (anything else fails the test). */
function tryImport(file: string, environment?: string): ImportResult | { code: ErrorCode; message: string } {
  try {
    return importAny(text(file), importOptions(file, environment));
  } catch (error) {
    assert.ok(
      isOidcError(error),
      `${file}: the importer threw something other than a coded OidcError: ${String(error)}`,
    );
    return { code: error.code, message: error.message };
  }
}

function onlyFlowSteps(file: FlowFile): StepDef[] {
  const flows = Object.values(file.flows ?? {});
  assert.equal(flows.length, 1);
  return flows[0]!.steps;
}

/** A CLI run's output, asserted free of stack traces: bad input gets a message, never a trace. */
async function cli(args: string[]): Promise<{ code: number; out: string }> {
  const c = captureIo({ env: {} });
  const code = await runCli(args, c.io);
  const out = c.out() + c.err();
  assert.doesNotMatch(out, /^\s+at .+\(.+:\d+:\d+\)$/m, `stack trace in the output of ${args.join(' ')}`);
  return { code, out };
}

describe('real public exports and gateway configs (test/fixtures/real)', function () {
  this.timeout(60_000);
  let tmp: string;
  let http: ReturnType<typeof createHttpClient>;
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'oidc-real-'));
    // The readers of files make no request; the client is what the CLI would hand them.
    http = createHttpClient({ env: {} });
  });
  after(async () => {
    await http?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('has an expectation for every file, at least 15 files from 10 projects, and nothing listed that is missing', () => {
    const files = realFiles();
    assert.deepEqual(files, Object.keys(EXPECTED).sort());
    assert.ok(files.length >= 15, `${files.length} files`);
    assert.ok(new Set(files.map((f) => f.split('/')[0])).size >= 10);
  });

  it('names the repository, path, 40-hex commit and licence of every file in its SOURCES.md', () => {
    for (const file of realFiles()) {
      const [project, name] = file.split('/') as [string, string];
      const sources = readFileSync(join(REAL, project, 'SOURCES.md'), 'utf8');
      const row = sources.split('\n').find((line) => line.startsWith(`| \`${name}\` |`));
      assert.ok(row, `${project}/SOURCES.md has no row for ${name}`);
      assert.match(row, /\| [\w.-]+\/[\w.-]+ \| `[^`]+` \| [0-9a-f]{40} \|/, row);
      // "none stated": published for anyone to import (Okta's collections) in a repository with no licence file.
      assert.match(
        sources,
        /^Licence: (MIT|Apache-2\.0|CC0-1\.0|none stated) \(https:\/\/github\.com\//m,
        `${project}/SOURCES.md`,
      );
    }
  });

  it('lists every pending expectation of the table in EXPECTED.md', () => {
    const expected = readFileSync(join(REAL, 'EXPECTED.md'), 'utf8');
    for (const [file, expectation] of Object.entries(EXPECTED)) {
      if (expectation.pending) assert.ok(expected.includes(expectation.pending), `${file}: ${expectation.pending}`);
    }
  });

  for (const [file, expectation] of Object.entries(EXPECTED)) {
    if (expectation.kind !== 'import') continue;
    const environment = 'environment' in expectation ? expectation.environment : undefined;
    const shape = 'refused' in expectation ? expectation.refused : JSON.stringify(expectation.steps).replace(/"/g, '');
    it(`imports ${file}${environment ? ` with ${baseName(environment)}` : ''}: ${shape}`, async () => {
      const result = tryImport(file, environment);
      const out = join(tmp, `${baseName(file)}.oidc-flow.yaml`);
      const run = await cli([
        'import',
        join(REAL, file),
        ...(environment ? ['--environment', join(REAL, environment)] : []),
        '-o',
        out,
        '--force',
      ]);
      if ('refused' in expectation) {
        assert.ok('code' in result, `${file} was imported`);
        assert.equal(result.code, expectation.refused);
        assert.match(result.message, expectation.mentions);
        // A setup problem: exit 2 with the same message.
        assert.equal(run.code, 2, run.out);
        assert.match(run.out, expectation.mentions);
        return;
      }
      assert.ok(!('code' in result), `${file}: ${'message' in result ? result.message : ''}`);
      assert.equal(run.code, 0, run.out);
      assert.match(
        result.yaml,
        new RegExp(`^# Imported by "oidc-flow import" from .+ \\(${expectation.format} export`),
      );
      // Validate: the written file passes the schema and cross-checks with no error, and loads to the same data.
      const check = checkFlowFile(readFileSync(out, 'utf8'), { fileName: out });
      assert.deepEqual(
        check.issues.filter((issue) => issue.severity === 'error'),
        [],
      );
      assertLoads(result);
      assert.deepEqual(Object.keys(result.file.idps ?? {}), expectation.idps);
      const steps = onlyFlowSteps(result.file);
      if (typeof expectation.steps === 'string')
        assert.equal(steps.map((step) => step.type).join(','), expectation.steps);
      else {
        const counts: Record<string, number> = {};
        for (const step of steps) counts[step.type] = (counts[step.type] ?? 0) + 1;
        assert.deepEqual(counts, expectation.steps);
      }
      assert.deepEqual(
        steps.flatMap((step) => (step.type === 'token' ? [`${step.idp}:${step.grant}`] : [])),
        expectation.tokens,
      );
      assert.deepEqual(
        result.secrets.map((secret) => secret.name),
        expectation.secrets,
      );
      assert.equal(result.notCarried.length, expectation.notCarried);
      for (const value of expectation.yamlIncludes ?? []) assert.ok(result.yaml.includes(value), `${file}: ${value}`);
      for (const value of expectation.secretValues ?? []) {
        assert.ok(!result.yaml.includes(value), `${file}: a secret value reached the flow file`);
        assert.ok(!run.out.includes(value), `${file}: a secret value reached the terminal`);
      }
    });
  }

  for (const [file, expectation] of Object.entries(EXPECTED)) {
    if (expectation.kind === 'import') continue;
    it(`reads ${file} as ${expectation.kind === 'deck' ? 'a decK' : 'an Apache'} source: ${'refused' in expectation ? expectation.refused : `${Object.keys(expectation.routes).length} route(s)`}`, async () => {
      const path = join(REAL, file);
      const source = expectation.kind === 'deck' ? { kind: 'deck' as const, path } : { kind: 'apache' as const, path };
      const flag = expectation.kind === 'deck' ? '--deck' : '--apache-conf';
      const run = await cli(['routes', flag, path]);
      let model;
      try {
        model = await loadGatewayModel(source, { http, readFile: (p) => readFile(p, 'utf8') });
      } catch (error) {
        assert.ok(
          isOidcError(error),
          `${file}: the reader threw something other than a coded OidcError: ${String(error)}`,
        );
        assert.ok('refused' in expectation, `${file}: ${error.message}`);
        assert.equal(error.code, expectation.refused);
        assert.match(error.message, expectation.mentions);
        assert.equal(run.code, 2, run.out);
        assert.match(run.out, expectation.mentions);
        return;
      }
      assert.ok(!('refused' in expectation), `${file} was read`);
      assert.equal(run.code, 0, run.out);
      const findings = model.routes.map((route) => [route.name, lintGatewayRoute(route, model)] as const);
      const lint = Object.fromEntries(findings.map(([name, list]) => [name, list.map((finding) => finding.rule)]));
      assert.deepEqual(lint, expectation.routes);
      const messages = findings.flatMap(([, list]) => list.map((finding) => finding.message)).join('\n');
      for (const pattern of expectation.says ?? []) assert.match(messages, pattern);
      for (const name of Object.keys(expectation.routes))
        assert.ok(run.out.includes(name), `routes output lacks ${name}`);
      const global = Object.fromEntries(
        (model.globalPlugins ?? [])
          .filter((plugin) => isAuthPlugin(plugin.name))
          .map((plugin) => [plugin.name, lintPlugin(plugin, model).map((finding) => finding.rule)]),
      );
      assert.deepEqual(global, expectation.global ?? global);
      if (model.routes.length === 0)
        for (const name of Object.keys(global)) assert.ok(run.out.includes(`global plugin ${name} `), run.out);
    });
  }

  it('Postman environment files, given with a collection (import --environment), become its environments, secrets as ${env:}', () => {
    const expected: Record<string, Record<string, Record<string, string>>> = {
      // The disabled value (bar) is left out.
      'insomnia/postman-env-basic-input.json': { 'production-env': { foo: 'production' } },
      'wise/Groups API Sandbox (empty).postman_environment.json': {
        'groups-api-sandbox-empty': {
          host: 'https://api.sandbox.transferwise.tech',
          token: '${env:TOKEN}',
          profile_id: '',
          group_id: '',
          refresh_token: '${env:REFRESH_TOKEN}',
          client_id: '',
          client_secret: '${env:CLIENT_SECRET}',
          client_auth_code: '',
          client_redirect_uri: '',
        },
      },
      'keycloak-postman-ubrt/Keycloak Local.postman_environment.json': {
        'keycloak-local': {
          baseUrl: 'http://localhost:8080',
          clientId: '<ClientId>',
          clientSecret: '${env:CLIENT_SECRET}',
          realm: 'master',
          token: '${env:TOKEN}',
          token_expiry: '<ExpireDate>',
        },
      },
    };
    const collection = 'insomnia/scripts-import-v2_1-input.json';
    for (const [environment, environments] of Object.entries(expected)) {
      const result = tryImport(collection, environment);
      assert.ok(!('code' in result), `${environment}: ${'message' in result ? result.message : ''}`);
      assertLoads(result);
      assert.deepEqual(result.file.environments, environments, environment);
    }
  });

  it("deck/: decK's convert pair reads into the same route, the 1.1 file's regex paths with the ~ decK convert adds", async () => {
    const read = (file: string) =>
      loadGatewayModel({ kind: 'deck', path: join(REAL, file) }, { http, readFile: (p) => readFile(p, 'utf8') });
    const [input, output] = await Promise.all([
      read('deck/convert-4-input-1.1.yaml'),
      read('deck/convert-4-output-3.0.yaml'),
    ]);
    const shape = (model: typeof input) =>
      model.routes.map(({ name, service, paths, regexPaths }) => ({ name, service, paths, regexPaths }));
    assert.deepEqual(shape(input), shape(output));
    assert.deepEqual(input.routes[0]!.paths, ['~/status/\\d+', '~/code/\\d+']);
    assert.match(input.warnings.join('\n'), /_format_version "1\.1" is decK's format for Kong 2\.x/);
    assert.deepEqual(output.warnings, []);
  });

  it('kong-go-database-reconciler/initial-ee-openid.yaml: an issuer written as its discovery URL, as Kong accepts, is no issuer mismatch', async () => {
    // Kong's openid-connect plugin reference: config.issuer is "the discovery endpoint (or the issuer identifier)".
    const model = await loadGatewayModel(
      { kind: 'deck', path: join(REAL, 'kong-go-database-reconciler/initial-ee-openid.yaml') },
      { http, readFile: (p) => readFile(p, 'utf8') },
    );
    const discovery = 'https://accounts.google.test/.well-known/openid-configuration';
    assert.equal(model.globalPlugins?.find((plugin) => plugin.name === 'openid-connect')?.config.issuer, discovery);
    const idp = (issuer: string) =>
      new FakeHttp().on(discovery, {
        body: {
          issuer,
          authorization_endpoint: `${issuer}/o/oauth2/v2/auth`,
          token_endpoint: `${issuer}/token`,
          jwks_uri: `${issuer}/oauth2/v3/certs`,
          response_types_supported: ['code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
        },
      });
    const fetched = idp('https://accounts.google.test');
    const report = await lintGateway(fetched, model);
    assert.deepEqual(
      fetched.requests.map((request) => request.url),
      [discovery],
    );
    const [global] = report.global;
    assert.equal(global?.plugin.name, 'openid-connect');
    const rules = global!.findings.map((finding) => finding.rule);
    assert.ok(!rules.includes('discovery-failed'), rules.join());
    assert.ok(!rules.includes('issuer-mismatch'), rules.join());
    // The same file against an IdP whose document names another issuer is reported: the check is live, not skipped.
    const other = await lintGateway(idp('https://accounts.google.test/other'), model);
    const mismatch = other.global[0]!.findings.find((finding) => finding.rule === 'discovery-failed');
    assert.equal(mismatch?.evidence, '[discovery.issuer_mismatch]');
  });

  it('kong-go-apiops/16-security-oidc-generation.expected.json with a token: scopes_required per route, each issuer discovered once', async () => {
    const model = await loadGatewayModel(
      { kind: 'deck', path: join(REAL, 'kong-go-apiops/16-security-oidc-generation.expected.json') },
      { http, readFile: (p) => readFile(p, 'utf8') },
    );
    const idps = new FakeHttp().on(/^https:\/\/konghq\.com\/[\w-]+\/\.well-known\/openid-configuration$/, (request) => {
      const issuer = request.url.replace(/\/\.well-known\/openid-configuration$/, '');
      return {
        body: {
          issuer,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: `${issuer}/token`,
          introspection_endpoint: `${issuer}/introspect`,
          jwks_uri: `${issuer}/keys`,
          response_types_supported: ['code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
        },
      };
    });
    // A token carrying the scopes of route 1 and route 4 only.
    const token = {
      kind: 'jwt' as const,
      claims: { iss: 'https://konghq.com/oidc4', scope: 'scope1 scope2 top-scope oidc4-scope' },
    };
    const report = await lintGateway(idps, model, { token });
    // oidc4 serves routes 4 and 5: four issuers, four discovery requests.
    assert.deepEqual(
      idps.requests.map((request) => request.url).sort(),
      ['oidc2', 'oidc3', 'oidc4', 'top-level'].map((p) => `https://konghq.com/${p}/.well-known/openid-configuration`),
    );
    const missing = Object.fromEntries(
      report.routes.map((result) => [
        result.route.name,
        result.findings
          .filter((f) => f.rule === 'scopes-not-in-token')
          .map((f) => /requires scope (.+?), which/.exec(f.message)?.[1]),
      ]),
    );
    assert.deepEqual(missing, {
      'oidc-tests_opsid1': [],
      'oidc-tests_opsid2': ['oidc2-plugin-ref'],
      // Kong ORs the entries of scopes_required: either extra-scope or oidc3-security-ref would do; the first is named.
      'oidc-tests_opsid3': ['extra-scope'],
      'oidc-tests_opsid4': [],
      'oidc-tests_opsid5': ['oidc5-scope'],
    });
    // Regex paths: shown as such, with no URL to call.
    for (const route of model.routes)
      assert.ok(route.regexPaths.length === 1 && route.paths[0]!.startsWith('~'), route.name);
  });

  describe('against the sandbox', () => {
    let sandbox: Sandbox;
    let sandboxHttp: ReturnType<typeof createHttpClient>;
    before(async () => {
      sandbox = await startTestSandbox();
      sandboxHttp = createHttpClient({ ca: sandbox.idp.caPem, env: {} });
    });
    after(async () => {
      await sandboxHttp?.close();
      await sandbox?.close();
    });

    /**
     * The imported flow with one token step, its IdP pointed at the sandbox:
     * the published token URL (http://127.0.0.1:4010/oidc/token, the
     * smoke test's own server) and client become the sandbox's; the grant,
     * scopes and client authentication stay as imported, and the secret
     * comes through the ${env:} reference the importer wrote.
     */
    async function runImportedTokenStep(file: string, stepId: string, scopes?: string[]) {
      const result = importAny(text(file), { fileName: baseName(file) });
      const copy = JSON.parse(JSON.stringify(result.file)) as FlowFile;
      const step = onlyFlowSteps(copy).find((s) => s.id === stepId);
      assert.ok(step?.type === 'token', `${file} has no token step ${stepId}`);
      if (scopes) step.scopes = scopes;
      const idp = copy.idps![step.idp]!;
      const { metadata } = await discover(sandboxHttp, sandbox.idp.issuer);
      idp.endpoints = { ...idp.endpoints, token: metadata.token_endpoint };
      idp.clientId = sandbox.env.SANDBOX_CLIENT_ID!;
      copy.flows = { sandbox: { steps: [step] } };
      const secret = /^\$\{env:(\w+)\}$/.exec(String(idp.clientSecret))?.[1];
      assert.ok(secret, `the imported client secret is not an \${env:} reference: ${String(idp.clientSecret)}`);
      const runner = new FlowRunner(copy, {
        http: sandboxHttp,
        secrets: { env: { [secret]: sandbox.env.SANDBOX_CLIENT_SECRET } },
      });
      return (await runner.run({ flow: 'sandbox' })).steps[0]!;
    }

    it("okta/api-access-mgmt.json with Okta's environment file, only the environment's values filled in: client credentials gets a token", async () => {
      const file = 'okta/api-access-mgmt.json';
      const result = importAny(text(file), importOptions(file, 'okta/example.oktapreview.com.environment'));
      const copy = JSON.parse(JSON.stringify(result.file)) as FlowFile;
      const step = onlyFlowSteps(copy).find((s) => s.id === 'get-access-token-with-client-credentials');
      assert.ok(step?.type === 'token' && step.grant === 'client_credentials');
      copy.flows = { sandbox: { steps: [step] } };
      const [envName] = Object.keys(copy.environments ?? {});
      assert.equal(envName, 'youroktadomain');
      // The sandbox IdP is Okta-shaped ({origin}/oauth2/default): the collection's own URLs reach it once
      // url and authorizationServerId are filled in, as an Okta user fills them in Postman.
      const issuer = new URL(sandbox.idp.issuer);
      assert.equal(issuer.pathname, '/oauth2/default');
      Object.assign(copy.environments![envName!]!, {
        url: issuer.origin,
        authorizationServerId: 'default',
        clientId: sandbox.env.SANDBOX_CLIENT_ID,
        scopes: 'orders:read',
      });
      const runner = new FlowRunner(copy, {
        http: sandboxHttp,
        // The importer wrote clientSecret: ${env:CLIENT_SECRET} into the environment; the secret comes from there.
        // The other ${env:} values of Okta's environment are read when it is; this step sends none of them.
        secrets: {
          env: {
            CLIENT_SECRET: sandbox.env.SANDBOX_CLIENT_SECRET,
            APIKEY: 'unused',
            PASSWORD: 'unused',
            REFRESH_TOKEN: 'unused',
          },
        },
      });
      const run = await runner.run({ flow: 'sandbox', env: envName! });
      assert.equal(run.status, 'passed', JSON.stringify(run.steps[0]?.error));
      const exchange = run.steps[0]!.exchanges.at(-1)!;
      assert.equal(exchange.request.url, `${sandbox.idp.issuer}/v1/token`);
      assert.equal(exchange.response?.status, 200);
      assert.match(
        exchange.request.headers.find(([name]) => name.toLowerCase() === 'authorization')?.[1] ?? '',
        /^Basic /,
      );
    });

    it('insomnia/auth-types.yaml basic auth, pointed at the echo upstream: sends the Basic header Insomnia sends, password from the environment', async () => {
      const result = importAny(text('insomnia/auth-types.yaml'), { fileName: 'auth-types.yaml' });
      const copy = JSON.parse(JSON.stringify(result.file)) as FlowFile;
      const step = onlyFlowSteps(copy).find((s) => s.id === 'sends-request-with-basic-authentication');
      assert.ok(step?.type === 'request' && step.basicAuth);
      step.url = `${sandbox.upstream.url}/auth/basic`;
      copy.flows = { sandbox: { steps: [step] } };
      const runner = new FlowRunner(copy, {
        http: sandboxHttp,
        secrets: { env: { SENDS_REQUEST_WITH_BASIC_AUTHENTICATION_PASSWORD: 'pass' } },
      });
      const run = await runner.run({ flow: 'sandbox' });
      assert.equal(run.status, 'passed', JSON.stringify(run.steps[0]?.error));
      const echoed = run.steps[0]!.exchanges.at(-1)!.response!;
      assert.equal(echoed.status, 200);
      // The header the export itself holds (disabled) for user:pass: the same bytes reach the server.
      assert.equal(JSON.parse(echoed.body ?? '{}').headers.authorization, 'Basic dXNlcjpwYXNz');
    });

    it("insomnia/insomnia4.yaml's request, its environment's base_url pointed at the sandbox, is answered there", async () => {
      const result = importAny(text('insomnia/insomnia4.yaml'), { fileName: 'insomnia4.yaml' });
      const copy = JSON.parse(JSON.stringify(result.file)) as FlowFile;
      // The value the environment composed from scheme, host and base_path, now the sandbox's echo upstream.
      copy.environments!['insomnia-environment']!.base_url = sandbox.upstream.url;
      const runner = new FlowRunner(copy, { http: sandboxHttp, secrets: { env: {} } });
      const run = await runner.run({ flow: Object.keys(copy.flows!)[0]!, env: 'insomnia-environment' });
      assert.equal(run.status, 'passed', JSON.stringify(run.steps.map((s) => s.error)));
      const exchange = run.steps[0]!.exchanges.at(-1)!;
      assert.equal(exchange.request.url, `${sandbox.upstream.url}/sleep`);
      assert.equal(exchange.response?.status, 200);
    });

    it('insomnia/oauth.yaml client credentials as published: the IdP refuses scope openid and the step names it', async () => {
      const run = await runImportedTokenStep('insomnia/oauth.yaml', 'token-idp-127-3');
      assert.equal(run.status, 'error');
      assert.equal(run.error?.code, 'oauth.invalid_scope');
      assert.match(run.error!.message, /v1\/token answered HTTP 400 invalid_scope/);
      assert.match(run.error!.hint ?? '', /client credentials grant .* rejects openid/);
    });

    it('insomnia/oauth.yaml client credentials with a custom scope, as the hint says: the token step gets a token', async () => {
      const run = await runImportedTokenStep('insomnia/oauth.yaml', 'token-idp-127-3', ['orders:read']);
      assert.equal(run.status, 'passed', JSON.stringify(run.error));
      const exchange = run.exchanges.at(-1)!;
      assert.equal(exchange.response?.status, 200);
      // client_secret_basic as imported: the secret travels in the header, never in the body.
      assert.match(
        exchange.request.headers.find(([name]) => name.toLowerCase() === 'authorization')?.[1] ?? '',
        /^Basic /,
      );
    });
  });
});
