import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHttpClient } from '../../src/core/http/client';
import { loadFlowFile } from '../../src/core/flow/load';
import { FlowRunner } from '../../src/core/flow/runner';
import type { Sandbox } from '../../src/core/sandbox/sandbox';
import { startTestSandbox } from '../support/sandbox';
import type { CodeServer } from './support/code-server';
import { productVsixPath, startCodeServer } from './support/code-server';
import type { Workbench } from './support/browser';
import { openWorkbench } from './support/browser';
import {
  clearNotifications,
  openOidcFlowSidebar,
  resultsView,
  treeRow,
  waitForFinishedRun,
} from './support/oidc-flow-ui';
import { reportFailure, requireE2eTools } from './support/lifecycle';

/**
 * Issue #16 in code-server, as a person does it: the workspace's flow file
 * names a route of the sandbox gateway (Kong-like, introspecting at the real
 * IdP) and the IdP with the application's client, which verdicts ask. Start Capture from the
 * route's context menu listens on a free loopback port (the status bar says
 * which); this test process is the application: it sends one call with a
 * fresh token (200) and one after the IdP deactivated the token's client
 * application (401). The Capture view lists both under the token; the refused
 * one, opened, shows the gateway's verdict in the results view.
 */
const TOKEN_FLOW = `version: 1
idps:
  okta: { issuer: "\${env:SANDBOX_ISSUER}", caFile: "\${env:SANDBOX_CA_FILE}", clientId: "\${env:SANDBOX_CLIENT_ID}", clientAuth: client_secret_basic, clientSecret: "\${env:SANDBOX_CLIENT_SECRET}", scopes: [orders:read] }
flows:
  token:
    steps:
      - { id: token, type: token, idp: okta, grant: client_credentials, reuse: false }
`;

function workspaceFlow(sandbox: Sandbox): string {
  const {
    SANDBOX_ISSUER: issuer,
    SANDBOX_CA_FILE: caFile,
    SANDBOX_CLIENT_ID: client,
    SANDBOX_GATEWAY_CLIENT_ID: gatewayClient,
  } = sandbox.env;
  return `version: 1
idps:
  okta: { issuer: "${issuer}", caFile: "${caFile}", clientId: "${client}", clientAuth: client_secret_basic, clientSecret: "\${env:E2E_CLIENT_SECRET}" }
routes:
  orders:
    baseUrl: "${sandbox.gateway.url}"
    path: /orders
    gateway:
      kind: kong
      config: { issuer: "${issuer}", auth_methods: [introspection], client_id: ["${gatewayClient}"], cache_introspection: false, scopes_required: [orders:read], bearer_token_param_type: [header], ssl_verify: true }
`;
}

describe('e2e: a capture started from the route tree lists real calls and explains the refused one', function () {
  let root: string | undefined;
  let sandbox: Sandbox | undefined;
  let server: CodeServer | undefined;
  let workbench: Workbench | undefined;
  const http = createHttpClient({ env: {} });

  /** A fresh client-credentials token from the sandbox IdP, as the application would get it. */
  async function freshToken(): Promise<string> {
    const runner = new FlowRunner(loadFlowFile(TOKEN_FLOW, { fileName: 'token' }).file, {
      http,
      secrets: { env: sandbox!.env },
    });
    const result = await runner.run({ flow: 'token' });
    const token = result.steps[0]?.result.token?.access_token;
    assert.ok(token, `no token: ${JSON.stringify(result.steps[0]?.error)}`);
    return token;
  }

  before(async function () {
    requireE2eTools();
    sandbox = await startTestSandbox();
    root = mkdtempSync(join(tmpdir(), 'oidc-e2e-capture-'));
    writeFileSync(join(root, 'capture.oidc-flow.yaml'), workspaceFlow(sandbox));
    server = await startCodeServer({
      vsixPaths: [productVsixPath()],
      folder: root,
      settings: { 'oidcFlow.allowedEnvironmentVariables': ['E2E_CLIENT_SECRET'] },
      env: { E2E_CLIENT_SECRET: sandbox.env.SANDBOX_CLIENT_SECRET! },
    });
    workbench = await openWorkbench(server.workbenchUrl);
  });

  afterEach(async function () {
    await reportFailure(this, 'capture-', workbench, server);
  });

  after(async function () {
    await workbench?.close();
    await server?.stop();
    await http.close();
    await sandbox?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('Start Capture on a route, a 200 and a 401 through it, the verdict in the results view', async function () {
    const wb = workbench!;
    const page = wb.page;
    await openOidcFlowSidebar(page);
    const route = treeRow(page, 'Gateway Routes', 'orders');
    await route.waitFor({ state: 'visible', timeout: 60_000 });

    await route.click({ button: 'right' });
    const item = page.locator('.context-view .action-item', { hasText: 'Start Capture…' });
    await item.waitFor({ state: 'visible', timeout: 15_000 });
    await item.hover();
    await item.click();
    const listen = page.locator('.quick-input-widget', { hasText: 'Start Capture: listen on' });
    // The menu sometimes ignores a click that lands while it is still opening; its hovered item then takes Enter.
    await listen.waitFor({ state: 'visible', timeout: 8_000 }).catch(async () => {
      if (await item.isVisible()) await page.keyboard.press('Enter');
      await listen.waitFor({ state: 'visible', timeout: 30_000 });
    });
    // The first choice: loopback, a free port.
    await wb.screenshot('capture-01-listen-on-loopback');
    await page.keyboard.press('Enter');

    const status = page.locator('.statusbar-item', { hasText: /Capture :\d+ \(0\)/ });
    await status.waitFor({ state: 'visible', timeout: 60_000 });
    const port = Number(/Capture :(\d+)/.exec((await status.textContent()) ?? '')![1]);
    assert.ok(port > 0, 'the status bar names the port');
    await wb.screenshot('capture-02-status-bar-port');

    // The application: one call with a fresh token, one after its client was deactivated at the IdP.
    const token = await freshToken();
    const call = () => fetch(`http://127.0.0.1:${port}/orders`, { headers: { authorization: `Bearer ${token}` } });
    const accepted = await call();
    assert.equal(accepted.status, 200, await accepted.text());
    await sandbox!.admin.deactivateClient(sandbox!.env.SANDBOX_CLIENT_ID!);
    const refused = await call();
    assert.equal(refused.status, 401, await refused.text());
    await refused.text().catch(() => undefined);

    await page.locator('.statusbar-item', { hasText: 'Capture :' + port + ' (2)' }).waitFor({ timeout: 30_000 });
    const clientId = sandbox!.env.SANDBOX_CLIENT_ID!;
    const group = treeRow(page, 'Capture', `${clientId} / ${clientId}`, '2 calls');
    await group.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match((await group.locator('.label-description').textContent()) ?? '', /expires in \d+m/);
    await treeRow(page, 'Capture', '200 GET /orders').waitFor({ state: 'visible' });
    // The verdict's short text joins the row once the IdP answered.
    const refusedRow = treeRow(page, 'Capture', '401 GET /orders', 'The IdP');
    await refusedRow.waitFor({ state: 'visible', timeout: 60_000 });
    await clearNotifications(wb);
    await wb.screenshot('capture-03-capture-view-by-token');

    await refusedRow.click();
    const results = resultsView(page);
    const header = await waitForFinishedRun(results, 'Captured #2: GET /orders');
    assert.equal((await header.locator('.badge').first().textContent())?.trim(), 'failed');
    const verdict = results.locator('section.verdict');
    await verdict.waitFor({ state: 'visible', timeout: 30_000 });
    const sentence = (await verdict.locator('p.summary').textContent())?.trim() ?? '';
    assert.match(
      sentence,
      /no longer accepts the client application that obtained this token/,
      `the verdict: ${sentence}`,
    );
    const html = await results.locator('body').innerHTML();
    assert.ok(!html.includes(token), 'the token reached the results view');
    await wb.screenshot('capture-04-refused-call-verdict');

    const running = page.locator('.statusbar-item', { hasText: /Capture :\d+/ });
    await running.click();
    await running.waitFor({ state: 'hidden', timeout: 30_000 });
    await assert.rejects(call(), 'the capture stopped listening');
  });
});
