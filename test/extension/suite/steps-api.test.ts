/**
 * The extension's public face in the extension host: what activate()
 * returns, what run commands resolve to (without anyone answering a
 * notification), and a step-by-step run driven by its commands.
 *
 * This file sorts after product.test.ts on purpose: that suite checks the
 * state right after activation (no socket yet), and these tests start the
 * sandbox.
 */
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api, SANDBOX_ENVIRONMENTS, within, writeFlowFile } from './probe';
import type { RunSummary, SnapshotNode } from './probe';
import { waitFor } from './wait';

function walk(nodes: readonly SnapshotNode[]): SnapshotNode[] {
  return nodes.flatMap((node) => [node, ...walk(node.children ?? [])]);
}

// Three steps on the sandbox, no waiting and no admin action: a token, the
// gateway route with it, and the IdP's introspection of it.
const STEP_FLOW = `version: 1
${SANDBOX_ENVIRONMENTS}
idps:
  stepper:
    issuer: "{{env.issuer}}"
    caFile: "{{env.caFile}}"
    clientId: "{{env.clientId}}"
    clientAuth: client_secret_basic
    clientSecret: "{{env.clientSecret}}"
    scopes: [orders:read]
routes:
  orders:
    service: orders-service
    baseUrl: "{{env.gateway}}"
    path: /orders
flows:
  three-steps:
    steps:
      - { id: token, type: token, idp: stepper, grant: client_credentials, reuse: false }
      - { id: call, type: call, route: orders, assert: [{ status: 200 }] }
      - { id: introspect, type: introspect, idp: stepper, token: "{{steps.token.token.access_token}}", assert: [{ active: true }] }
`;

const RENDER_FLOW = `version: 1
defaultEnvironment: dev
environments:
  dev: { issuer: "https://idp.render-fixture.test/oauth2/default", gw: "https://gw.render-fixture.test" }
idps:
  render-okta: { issuer: "{{env.issuer}}", clientId: render-client }
routes:
  render-orders: { baseUrl: "{{env.gw}}", path: /orders, service: render-service }
`;

// A decK file describing the sandbox gateway's orders route (the proxy URL is
// set in the settings entry), with one setting the config lint calls out.
const DECK = (issuer: string) => `_format_version: "3.0"
services:
  - name: orders-service
    url: http://upstream.invalid
    routes:
      - name: orders
        paths: [/orders]
        methods: [GET]
    plugins:
      - name: openid-connect
        config:
          issuer: ${issuer}
          auth_methods: [introspection]
          scopes_required: [orders:read]
          ssl_verify: false
`;

describe('OIDC Flow Debugger: API, command results, step by step', function () {
  this.timeout(120_000);
  const written: vscode.Uri[] = [];
  let fetchedTokenId: string | undefined;

  const writeFlow = (name: string, text: string): Promise<vscode.Uri> =>
    writeFlowFile('api-suite', name, text, written);

  after(async function () {
    for (const uri of written)
      await vscode.workspace.fs.delete(uri, { useTrash: false }).then(undefined, () => undefined);
    await vscode.commands.executeCommand('oidcFlow.stopRun');
    await vscode.commands.executeCommand('oidcFlow.stopSandbox');
    await vscode.commands.executeCommand('oidcFlow.refresh');
  });

  it('activate() returns a versioned, read-only API', async function () {
    const exported = await api();
    assert.equal(exported.apiVersion, 1);
    assert.equal(typeof exported.treeSnapshot, 'function');
    assert.ok(Array.isArray(await exported.treeSnapshot('oidcFlow.flows')));
  });

  it('shows IdP issuers and route URLs rendered with the environment, not as {{templates}}', async function () {
    const exported = await api();
    await writeFlow('render.oidc-flow.yaml', RENDER_FLOW);
    const idp = await waitFor('the IdP render-okta', async () =>
      walk(await exported.treeSnapshot('oidcFlow.idps', 2)).find((n) => n.label === 'render-okta'),
    );
    const issuer = idp.children?.find((c) => c.label === 'Issuer');
    assert.equal(issuer?.description, 'https://idp.render-fixture.test/oauth2/default');
    const routes = walk(await exported.treeSnapshot('oidcFlow.routes'));
    const route = routes.find((n) => n.label === 'render-orders');
    assert.ok(route, `the routes view shows no render-orders: ${JSON.stringify(routes.map((r) => r.label))}`);
    assert.match(route.description ?? '', /https:\/\/gw\.render-fixture\.test\/orders/);
    assert.ok(
      !walk(await exported.treeSnapshot('oidcFlow.idps')).some((n) => (n.description ?? '').includes('{{')),
      'a template is shown unrendered',
    );
  });

  it('Run Demo resolves with the run summary and the 401 verdict while its notification is still open', async function () {
    const exported = await api();
    const ended: RunSummary[] = [];
    const listener = exported.onDidEndRun((summary) => ended.push(summary));
    try {
      const summary = await within(
        'oidcFlow.runDemo',
        vscode.commands.executeCommand<RunSummary>('oidcFlow.runDemo'),
        90_000,
      );
      assert.ok(summary, 'oidcFlow.runDemo resolved with nothing');
      assert.equal(summary.verdict?.code, 'client_deactivated', JSON.stringify(summary));
      assert.ok(
        summary.steps.some((s) => s.httpStatus === 200) && summary.steps.some((s) => s.httpStatus === 401),
        JSON.stringify(summary.steps),
      );
      assert.deepEqual(exported.lastRun(), summary);
      assert.equal(ended.at(-1)?.runId, summary.runId);
      assert.equal(exported.sandbox().running, true, 'the demo runs on the sandbox');
    } finally {
      listener.dispose();
    }
  });

  it('Fetch Token with a grant resolves with where the token is kept, never its value', async function () {
    const exported = await api();
    const idp = await waitFor('a sandbox IdP', async () =>
      (await exported.treeSnapshot('oidcFlow.idps', 0)).find((n) => n.contextValue === 'idp.sandbox'),
    );
    const [, name] = /#(.+)$/.exec(idp.id) ?? [];
    const fetched = await within(
      'oidcFlow.fetchToken',
      vscode.commands.executeCommand<Record<string, unknown>>('oidcFlow.fetchToken', {
        kind: 'idp',
        sourceId: 'sandbox',
        name,
        idpId: idp.id,
        grant: 'client_credentials',
      }),
      60_000,
    );
    assert.ok(fetched, 'oidcFlow.fetchToken resolved with nothing');
    assert.equal(fetched.grant, 'client_credentials');
    assert.equal(typeof fetched.tokenId, 'string');
    assert.ok(typeof fetched.expiresAt === 'number' && fetched.expiresAt > Date.now() / 1000);
    assert.ok(
      !/eyJ|access_token/.test(JSON.stringify(fetched)),
      `the result carries a token: ${JSON.stringify(fetched)}`,
    );
    fetchedTokenId = fetched.tokenId as string;
  });

  it("Call Route on a configured gateway's route: 200 with a token, 401 and a verdict without, and the config findings", async function () {
    const exported = await api();
    const sandbox = exported.sandbox();
    assert.ok(
      sandbox.running && sandbox.gatewayUrl && sandbox.idpIssuer && fetchedTokenId,
      'needs the sandbox and the token of the tests before',
    );
    const folder = vscode.workspace.workspaceFolders![0]!;
    const deck = vscode.Uri.joinPath(folder.uri, 'api-suite', 'sandbox.kong.yaml');
    await vscode.workspace.fs.writeFile(deck, new TextEncoder().encode(DECK(sandbox.idpIssuer)));
    written.push(deck);
    const config = vscode.workspace.getConfiguration('oidcFlow');
    await config.update(
      'gateways',
      [{ name: 'sandbox-deck', kind: 'deck', path: 'api-suite/sandbox.kong.yaml', proxyUrl: sandbox.gatewayUrl }],
      vscode.ConfigurationTarget.Workspace,
    );
    try {
      const route = await waitFor('the decK route orders', async () =>
        walk(await exported.treeSnapshot('oidcFlow.routes')).find(
          (n) => n.label === 'orders' && n.contextValue === 'gatewayRoute.callable',
        ),
      );
      assert.match(route.description ?? '', new RegExp(`GET ${sandbox.gatewayUrl.replace(/[.]/g, '\\.')}/orders`));
      const ref = { kind: 'gatewayRoute', sourceId: 'gateway:sandbox-deck', routeKey: 'orders-service/orders' };

      const ok = await within(
        'Call Route with a token',
        vscode.commands.executeCommand<RunSummary>('oidcFlow.callRoute', { ...ref, tokenId: fetchedTokenId }),
        60_000,
      );
      assert.equal(ok?.steps[0]?.httpStatus, 200, JSON.stringify(ok));
      assert.deepEqual(ok.steps[0]!.findings, ['ssl-verify-off'], 'the route config findings travel with the call');

      const refused = await within(
        'Call Route without a token',
        vscode.commands.executeCommand<RunSummary>('oidcFlow.callRoute', { ...ref, withoutToken: true }),
        60_000,
      );
      assert.equal(refused?.steps[0]?.httpStatus, 401, JSON.stringify(refused));
      assert.equal(refused.verdict?.code, 'no_token', JSON.stringify(refused.verdict));
    } finally {
      await config.update('gateways', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('runs a flow step by step: it waits before each step until Next Step, then Continue runs the rest', async function () {
    const exported = await api();
    const uri = await writeFlow('steps.oidc-flow.yaml', STEP_FLOW);
    await waitFor('the flow three-steps', async () =>
      walk(await exported.treeSnapshot('oidcFlow.flows')).some((n) => n.label === 'three-steps'),
    );
    const before = exported.lastRun()?.runId;
    const done = vscode.commands.executeCommand<RunSummary>('oidcFlow.runFlowStepByStep', {
      kind: 'flow',
      sourceId: uri.toString(),
      flow: 'three-steps',
    });
    assert.equal(await waitFor('a pause before token', () => exported.pausedBefore(), 60_000), 'token');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(exported.pausedBefore(), 'token', 'the run went on without Next Step');
    assert.equal(exported.lastRun()?.runId, before, 'the run ended without Next Step');

    await vscode.commands.executeCommand('oidcFlow.nextStep');
    assert.equal(await waitFor('a pause before call', () => exported.pausedBefore() === 'call' && 'call'), 'call');
    await vscode.commands.executeCommand('oidcFlow.continueRun');
    const summary = await within('the step-by-step run', done, 60_000);
    assert.deepEqual(
      summary.steps.map((s) => [s.id, s.status]),
      [
        ['token', 'passed'],
        ['call', 'passed'],
        ['introspect', 'passed'],
      ],
    );
    assert.equal(exported.pausedBefore(), undefined);
  });

  it('Stop while paused ends the run there: the remaining steps are skipped', async function () {
    const exported = await api();
    const uri =
      written.find((u) => u.path.endsWith('steps.oidc-flow.yaml')) ??
      (await writeFlow('steps.oidc-flow.yaml', STEP_FLOW));
    const done = vscode.commands.executeCommand<RunSummary>('oidcFlow.runFlowStepByStep', {
      kind: 'flow',
      sourceId: uri.toString(),
      flow: 'three-steps',
    });
    await waitFor('a pause before token', () => exported.pausedBefore() === 'token' && true, 60_000);
    await vscode.commands.executeCommand('oidcFlow.nextStep');
    await waitFor('a pause before call', () => exported.pausedBefore() === 'call' && true);
    await vscode.commands.executeCommand('oidcFlow.stopRun');
    const summary = await within('the stopped run', done, 30_000);
    assert.deepEqual(
      summary.steps.map((s) => [s.id, s.status]),
      [
        ['token', 'passed'],
        ['call', 'skipped'],
        ['introspect', 'skipped'],
      ],
    );
    assert.equal(exported.pausedBefore(), undefined);
  });
});
