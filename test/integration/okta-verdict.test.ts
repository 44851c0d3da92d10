import { strict as assert } from 'node:assert';
import { toJsonReport } from '../../src/cli/reporters/json';
import { loadFlowFile } from '../../src/core/flow/load';
import { FlowRunner } from '../../src/core/flow/runner';
import { createHttpClient } from '../../src/core/http/client';
import type { Sandbox } from '../../src/core/sandbox/sandbox';
import { startTestSandbox } from '../support/sandbox';

/**
 * What this file proves: with an Okta API token on the IdP (oktaApi), a call
 * refused after the client was deactivated gets a verdict that says Okta
 * confirmed the application is INACTIVE, asked of the sandbox IdP's imitation
 * of Okta's management API as visible diagnosis calls, and the SSWS token
 * appears nowhere in the run's JSON report.
 */
describe("Okta's own answer in the verdict, against the sandbox", function () {
  this.timeout(60_000);
  let sandbox: Sandbox;
  let http: ReturnType<typeof createHttpClient>;

  before(async () => {
    sandbox = await startTestSandbox();
    http = createHttpClient({ env: {} });
  });
  after(async () => {
    await http?.close();
    await sandbox?.close();
  });

  const flow = (oktaApi: string) => `
version: 1
environments:
  sandbox: { issuer: "\${env:SANDBOX_ISSUER}", caFile: "\${env:SANDBOX_CA_FILE}", id: "\${env:SANDBOX_CLIENT_ID}", secret: "\${env:SANDBOX_CLIENT_SECRET}", gw: "\${env:SANDBOX_GATEWAY_URL}", gwId: "\${env:SANDBOX_GATEWAY_CLIENT_ID}" }
idps:
  okta:
    issuer: "{{env.issuer}}"
    caFile: "{{env.caFile}}"
    clientId: "{{env.id}}"
    clientSecret: "{{env.secret}}"
    scopes: [orders:read]
${oktaApi}
routes:
  orders: { baseUrl: "{{env.gw}}", path: /orders, gateway: { kind: kong, config: { issuer: "{{env.issuer}}", auth_methods: [introspection], client_id: ["{{env.gwId}}"], cache_introspection: false } } }
flows:
  f:
    steps:
      - { id: token, type: token, idp: okta, grant: client_credentials, reuse: false }
      - { id: call-ok, type: call, route: orders, assert: [{ status: 200 }] }
      - { id: deactivate, type: admin, idp: okta, action: deactivateClient }
      - { id: call-refused, type: call, route: orders, assert: [{ status: 401 }] }
      - { id: reactivate, type: admin, idp: okta, action: reactivateClient }
`;
  const run = (oktaApi: string) =>
    new FlowRunner(loadFlowFile(flow(oktaApi), { fileName: 'okta-verdict.yaml' }).file, {
      http,
      secrets: { env: sandbox.env },
      admin: sandbox.admin,
    }).run({ flow: 'f' });

  it('says Okta confirmed the application is INACTIVE, and never shows the API token', async () => {
    const result = await run(
      '    oktaApi: { orgUrl: "${env:SANDBOX_OKTA_ORG_URL}", apiToken: "${env:SANDBOX_OKTA_API_TOKEN}" }',
    );
    assert.equal(result.status, 'passed', JSON.stringify(result.steps.map((s) => [s.id, s.status, s.error?.message])));
    const refused = result.steps.find((s) => s.id === 'call-refused')!;
    assert.equal(refused.result.response?.status, 401);
    assert.equal(refused.verdict?.code, 'client_deactivated');
    assert.equal(refused.verdict?.confidence, 'certain');
    assert.match(
      refused.verdict!.summary,
      /^Okta confirms the application (.* \(client [^)]+\)|with client id \S+) is INACTIVE/,
    );
    assert.ok(refused.verdict!.evidence.some((e) => e.source === 'idp-record'));
    const asked = refused.exchanges.filter((x) => x.label === 'diagnosis: Okta management API');
    assert.ok(asked.length >= 1, refused.exchanges.map((x) => x.label).join(', '));

    const apiToken = sandbox.env.SANDBOX_OKTA_API_TOKEN!;
    assert.ok(apiToken.length > 10);
    const report = JSON.stringify(toJsonReport(result), null, 2);
    assert.ok(!report.includes(apiToken), 'the SSWS token is nowhere in the JSON report');
    assert.match(report, /diagnosis: Okta management API/);
  });

  it('without an API token nothing is asked, and the verdict stays the inferred one', async () => {
    const result = await run('');
    const refused = result.steps.find((s) => s.id === 'call-refused')!;
    assert.equal(refused.verdict?.code, 'client_deactivated');
    assert.equal(refused.verdict?.confidence, 'likely');
    assert.ok(!refused.exchanges.some((x) => /Okta management API/.test(x.label ?? '')));
  });
});
