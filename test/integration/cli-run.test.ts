import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli/cli';
import { captureIo } from '../support/capture-io';

const EXAMPLE = join(__dirname, '..', '..', 'examples', 'introspection-scenario.yaml');

/** `oidc-flow run` on the documented example, against a sandbox it starts itself. */
describe('oidc-flow run --sandbox on examples/introspection-scenario.yaml', function () {
  this.timeout(60_000);

  it('pretty: every step, the gateway lane, the verdict; exit 0', async () => {
    const c = captureIo({ env: {} });
    const code = await runCli(['run', EXAMPLE, '--env', 'sandbox', '--sandbox'], c.io);
    assert.equal(code, 0, c.out() + c.err());
    assert.match(c.out(), /▶ flow introspection-scenario \(environment sandbox\)/);
    assert.match(c.out(), /gateway +→ GET http:\/\/127\.0\.0\.1:\d+\/orders 200/);
    assert.match(c.out(), /gateway +→ GET http:\/\/127\.0\.0\.1:\d+\/orders 401/);
    assert.match(c.out(), /why: The IdP no longer accepts the client application/);
    assert.doesNotMatch(c.out(), /\u001b\[/, 'no colour when not a terminal');
  });

  it('json: the whole run, with no token or secret in it; junit: one testcase per step', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oidc-run-'));
    const json = captureIo({ env: {} });
    assert.equal(
      await runCli(
        ['run', EXAMPLE, '--env', 'sandbox', '--sandbox', '--reporter', 'json', '--output', join(dir, 'run.json')],
        json.io,
      ),
      0,
      json.err(),
    );
    const text = readFileSync(join(dir, 'run.json'), 'utf8');
    const report = JSON.parse(text) as {
      status: string;
      steps: Array<{ id: string; exchanges: Array<{ request: { headers: Array<[string, string]>; body?: string } }> }>;
    };
    assert.equal(report.status, 'passed');
    const tokenStep = report.steps.find((s) => s.id === 'token')!;
    const tokenCall = tokenStep.exchanges.find((x) => x.request.body?.includes('grant_type'))!;
    const auth = tokenCall.request.headers.find(([name]) => name.toLowerCase() === 'authorization')![1];
    assert.match(auth, /^Basic \[redacted \d+ chars\]$/);
    assert.doesNotMatch(text, /eyJ[A-Za-z0-9_-]{10,}\.eyJ/, 'no JWT anywhere in the report');
    assert.doesNotMatch(text, /"access_token":\s*"(?!\[redacted|<redacted)/, 'no access token value');

    const junit = captureIo({ env: {} });
    assert.equal(
      await runCli(['run', EXAMPLE, '--env', 'sandbox', '--sandbox', '--reporter', 'junit'], junit.io),
      0,
      junit.err(),
    );
    assert.match(junit.out(), /<testsuite name="introspection-scenario" tests="8" failures="0" errors="0" skipped="1"/);
  });

  it('a missing secret variable outside the sandbox is a clear error naming it (exit 2, configuration)', async () => {
    const c = captureIo({ env: {} });
    const code = await runCli(['run', EXAMPLE, '--env', 'okta'], c.io);
    assert.equal(code, 2);
    assert.match(c.out(), /OKTA_DOMAIN/);
  });

  it('a file that does not parse is exit 2 with the line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oidc-run-'));
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'version: 1\nflows:\n  f:\n    steps:\n      - { id: a, type: nope }\n');
    const c = captureIo({ env: {} });
    assert.equal(await runCli(['run', bad], c.io), 2);
    assert.match(c.err(), /line 5|Line 5/i);
  });
});

/** Flow files written for one case each, run against a sandbox the CLI starts itself. */
describe('oidc-flow run --sandbox: the exit code says what went wrong', function () {
  this.timeout(60_000);
  const SANDBOX_IDP = `
version: 1
environments:
  sandbox:
    issuer: \${env:SANDBOX_ISSUER}
    caFile: \${env:SANDBOX_CA_FILE}
    clientId: \${env:SANDBOX_CLIENT_ID}
    kongUrl: \${env:SANDBOX_GATEWAY_URL}
idps:
  okta:
    issuer: "{{env.issuer}}"
    caFile: "{{env.caFile}}"
    clientId: "{{env.clientId}}"
    clientAuth: client_secret_basic
    scopes: [orders:read]
`;
  const write = (text: string): string => {
    const path = join(mkdtempSync(join(tmpdir(), 'oidc-run-')), 'flow.yaml');
    writeFileSync(path, text);
    return path;
  };

  it('a failed step with continueOnFailure: the next steps run, and the run fails in every reporter (exit 1)', async () => {
    const flow = write(`${SANDBOX_IDP}    clientSecret: \${env:SANDBOX_CLIENT_SECRET}
routes:
  orders: { baseUrl: "{{env.kongUrl}}", path: /orders }
flows:
  f:
    steps:
      - { id: token, type: token, idp: okta, grant: client_credentials }
      - { id: call-wrong, type: call, route: orders, continueOnFailure: true, assert: [{ status: 418 }] }
      - { id: call-ok, type: call, route: orders, assert: [{ status: 200 }] }
`);
    const pretty = captureIo({ env: {} });
    assert.equal(await runCli(['run', flow, '--sandbox'], pretty.io), 1, pretty.out() + pretty.err());
    assert.match(pretty.out(), /✔ call-ok/, 'the step after the failed one ran');
    assert.match(pretty.out(), /\nfailed: 2 passed, 1 failed, 0 errors, 0 skipped/);

    const json = captureIo({ env: {} });
    assert.equal(await runCli(['run', flow, '--sandbox', '--reporter', 'json'], json.io), 1, json.err());
    assert.equal((JSON.parse(json.out()) as { status: string }).status, 'failed');

    const junit = captureIo({ env: {} });
    assert.equal(await runCli(['run', flow, '--sandbox', '--reporter', 'junit'], junit.io), 1, junit.err());
    assert.match(junit.out(), /<testsuite name="f" tests="3" failures="1" errors="0" skipped="0"/);
  });

  it('an unset ${env:NAME} the flow references is a configuration error naming it, before any request (exit 2)', async () => {
    const flow = write(`${SANDBOX_IDP}    clientSecret: \${env:OIDC_FLOW_TEST_UNSET_SECRET}
flows:
  f:
    steps:
      - { id: token, type: token, idp: okta, grant: client_credentials }
`);
    const c = captureIo({ env: {} });
    assert.equal(await runCli(['run', flow, '--sandbox'], c.io), 2, c.out() + c.err());
    assert.match(c.out(), /OIDC_FLOW_TEST_UNSET_SECRET is not set/);
    assert.match(c.out(), /\[config\.secret_unset\]/);
    assert.doesNotMatch(c.out(), /→/, 'no request was sent');
  });
});
