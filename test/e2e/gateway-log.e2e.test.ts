import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEchoUpstream } from '../../src/core/sandbox/echo-upstream';
import type { EchoUpstream } from '../../src/core/sandbox/echo-upstream';
import { startSandboxIdp } from '../../src/core/sandbox/sandbox-idp';
import { apacheUnavailable, startApacheGateway } from '../support/apache';
import type { ApacheGateway } from '../support/apache';
import type { CodeServer } from './support/code-server';
import { productVsixPath, startCodeServer } from './support/code-server';
import type { Workbench } from './support/browser';
import { openWorkbench } from './support/browser';
import { openOidcFlowSidebar, resultsView, treeRow, waitForFinishedRun } from './support/oidc-flow-ui';
import { reportFailure, requireE2eTools } from './support/lifecycle';

const RUN_TITLE = 'call (apache.oidc-flow.yaml)';

/**
 * A real gateway that is not Kong: Apache mod_auth_openidc introspecting at
 * the real IdP (oidc-provider) with a wrong client secret of its own (case 1
 * of the diagnosis: the gateway could not ask the IdP), the client's secret
 * in code-server's environment, and the workspace setting
 * `oidcFlow.gatewayLogs` naming Apache's error log. The results view must
 * show Apache's own lines about the refused call (its invalid_client error)
 * in the gateway's lane and in the verdict's evidence.
 */
const FLOW = `version: 1
environments:
  local: { issuer: "\${env:E2E_ISSUER}", caFile: "\${env:E2E_CA_FILE}", gateway: "\${env:E2E_GATEWAY}" }
idps:
  idp: { issuer: "{{env.issuer}}", caFile: "{{env.caFile}}", clientId: cc-basic, clientSecret: "\${env:E2E_CLIENT_SECRET}", scopes: [orders:read] }
routes:
  orders: { baseUrl: "{{env.gateway}}", path: /orders, gateway: { kind: apache } }
flows:
  call:
    steps:
      - { id: token, type: token, idp: idp, reuse: false }
      - { id: refused, type: call, route: orders, assert: [{ status: 401 }] }
`;

describe("e2e: the oidcFlow.gatewayLogs setting puts a real gateway's log lines in the results view", function () {
  let root: string | undefined;
  let idp: Awaited<ReturnType<typeof startSandboxIdp>> | undefined;
  let upstream: EchoUpstream | undefined;
  let apache: ApacheGateway | undefined;
  let server: CodeServer | undefined;
  let workbench: Workbench | undefined;

  before(async function () {
    requireE2eTools();
    const missing = apacheUnavailable();
    if (missing) throw new Error(`cannot run the gateway-log e2e test: ${missing}`);
    idp = await startSandboxIdp();
    upstream = await startEchoUpstream();
    apache = await startApacheGateway({
      introspectionEndpoint: `${idp.issuer}/v1/introspect`,
      clientId: idp.clients.gateway.clientId,
      clientSecret: 'not-the-gateway-secret',
      caPem: idp.caPem,
      upstream: upstream.url,
    });
    root = mkdtempSync(join(tmpdir(), 'oidc-e2e-gateway-log-'));
    const folder = join(root, 'apache-gateway');
    mkdirSync(join(folder, '.vscode'), { recursive: true });
    writeFileSync(join(folder, 'apache.oidc-flow.yaml'), FLOW);
    writeFileSync(join(root, 'idp-ca.pem'), idp.caPem);
    writeFileSync(
      join(folder, '.vscode', 'settings.json'),
      JSON.stringify({ 'oidcFlow.gatewayLogs': [{ gateway: 'apache', file: apache.errorLogPath }] }, null, 2),
    );
    server = await startCodeServer({
      vsixPaths: [productVsixPath()],
      folder,
      // A flow reads only the environment variables the person approved; the user setting approves these.
      settings: {
        'oidcFlow.allowedEnvironmentVariables': ['E2E_ISSUER', 'E2E_CA_FILE', 'E2E_GATEWAY', 'E2E_CLIENT_SECRET'],
      },
      env: {
        E2E_ISSUER: idp.issuer,
        E2E_CA_FILE: join(root, 'idp-ca.pem'),
        E2E_GATEWAY: apache.url,
        E2E_CLIENT_SECRET: idp.clients['cc-basic'].clientSecret!,
      },
    });
    workbench = await openWorkbench(server.workbenchUrl);
  });

  afterEach(async function () {
    await reportFailure(
      this,
      'gateway-log-',
      workbench,
      server,
      () => `  Apache error log (last 2000 chars):\n${apache?.errorLog().slice(-2000) ?? ''}\n`,
    );
  });

  after(async function () {
    await workbench?.close();
    await server?.stop();
    await apache?.close();
    await upstream?.close();
    await idp?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('Run Flow: 401 and the verdict that Apache failed to introspect; its own invalid_client lines are shown, marked as its words', async function () {
    const wb = workbench!;
    const page = wb.page;
    await openOidcFlowSidebar(page);
    await treeRow(page, 'Flows', 'call', '2 steps').waitFor({ state: 'visible', timeout: 60_000 });
    await wb.runCommand('OIDC Flow: Run Flow');

    const results = resultsView(page);
    const header = await waitForFinishedRun(results, RUN_TITLE);
    assert.equal((await header.locator('.badge').first().textContent())?.trim(), 'passed');

    const verdict = results.locator('section.verdict');
    await verdict.waitFor({ state: 'visible' });
    const sentence = (await verdict.locator('p.summary').textContent())?.trim() ?? '';
    assert.match(sentence, /failed to introspect/, `the verdict: ${sentence}`);
    assert.match(sentence, /client credentials/, `the verdict: ${sentence}`);
    // No Kong advice on an Apache route.
    assert.doesNotMatch((await verdict.locator('p.fix').textContent()) ?? '', /Kong|plugin/);

    const evidence = verdict.locator('ul.evidence li.gateway-log');
    await evidence.first().waitFor({ state: 'visible', timeout: 15_000 });
    const evidenceLines = await evidence.locator('code').allTextContents();
    assert.ok(
      evidenceLines.some((line) => /invalid_client/.test(line)),
      `no mod_auth_openidc line in the evidence: ${JSON.stringify(evidenceLines)}`,
    );
    const lane = verdict.locator('.answer', { hasText: "Gateway's answer" }).locator('div.gateway-log');
    assert.match((await lane.locator('p.muted').textContent()) ?? '', /in the gateway's own words/);
    const laneLines = await lane.locator('li code').allTextContents();
    assert.ok(laneLines.length >= 1, 'the gateway lane shows no log line');
    // Only the lines about this request: not Apache's start-up lines, and no token.
    assert.ok(
      laneLines.every((line) => !/resuming normal operations|Command line/.test(line)),
      laneLines.join('\n'),
    );
    assert.ok(
      laneLines.every((line) => !/eyJ[\w-]{20,}\./.test(line)),
      'a token reached the view',
    );
    await lane.scrollIntoViewIfNeeded();
    await wb.screenshot('gateway-log-01-apache-lines-in-verdict');
  });
});
