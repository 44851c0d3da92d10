/**
 * The product extension seen from inside the same extension host (through
 * the probe in probe.ts): activation, the trees, notifications, the results
 * webview and the network.
 */
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activeProduct, errorsAfter, find, probe, product, rows, runAnswering, VIEWS } from './probe';
import { waitFor } from './wait';

async function stopSandbox(): Promise<void> {
  const since = probe.seq;
  await vscode.commands.executeCommand('oidcFlow.stopSandbox');
  assert.deepEqual(errorsAfter(since), [], 'stopping the sandbox showed an error');
}

async function gatewayAnswer(
  url: string,
): Promise<{ status: number; wwwAuthenticate: string | null } | { refused: string }> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    await response.arrayBuffer();
    return { status: response.status, wwwAuthenticate: response.headers.get('www-authenticate') };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    return { refused: cause?.code ?? (error as Error).message };
  }
}

// A small flow file for the trees: one IdP, one route, one flow. It names its
// client secret by reference, as flow files must.
const TREE_FIXTURE = `version: 1
defaultEnvironment: dev
environments:
  dev:
    issuer: https://idp.tree-fixture.test/oauth2/default
idps:
  acme-okta:
    description: The tree fixture's IdP.
    issuer: "{{env.issuer}}"
    clientId: tree-client
    clientAuth: client_secret_basic
    clientSecret: \${secret:acme.clientSecret}
    scopes: [orders:read]
routes:
  list-invoices:
    description: Invoices behind the gateway.
    service: billing-service
    baseUrl: https://gateway.tree-fixture.test
    path: /invoices
    method: GET
    gateway:
      kind: kong
      plugin: openid-connect
      config: { issuer: "{{env.issuer}}", auth_methods: [introspection] }
flows:
  invoices-smoke:
    description: Token, then the invoices route.
    steps:
      - { id: token, name: Get a token, type: token, idp: acme-okta, grant: client_credentials }
      - { id: call, type: call, route: list-invoices, assert: [{ status: 200 }] }
`;

// A copy of test/fixtures/gateway/bearer-scopes.yaml (the test bundle carries no
// fixture files): services with routes, a regex path, shadowed plugins and
// lint findings, read as a decK source configured in oidcFlow.gateways.
const DECK_FIXTURE = `# Modelled on Kong's openid-connect examples: JWT bearer validation with
# Okta's scp claim (scopes_claim), a plugin at service level overridden at
# route level, a global plugin, top-level routes and plugins referring to
# services and routes by name, a regex path and consumers.
_format_version: "3.0"
services:
  - name: billing
    url: http://billing.internal:9000
    plugins:
      - name: openid-connect
        config:
          issuer: https://example.okta.com/oauth2/default
          auth_methods:
            - bearer
          scopes_claim:
            - scp
          scopes_required:
            - billing:read
    routes:
      - name: invoices
        paths:
          - /invoices
        plugins:
          - name: openid-connect
            config:
              issuer: https://example.okta.com/oauth2/default
              auth_methods:
                - bearer
              scopes_claim:
                - scp
              scopes_required:
                - invoices:read
              audience_required:
                - api://billing
      - name: invoice-by-id
        paths:
          - ~/invoices/\\d+$
        methods:
          - GET
  - name: reports
    host: reports.internal
    port: 8443
    protocol: https
    path: /api
  - name: health
    url: http://health.internal
routes:
  - name: reports-monthly
    service: reports
    paths:
      - /reports/monthly
    hosts:
      - api.example.com
  - name: status
    service:
      name: health
    paths:
      - /status
plugins:
  - name: openid-connect
    config:
      issuer: https://example.okta.com/oauth2/default/
      client_id:
        - kong-gateway
      client_secret:
        - kong-plain-text-secret
  - name: key-auth
    route: status
    config:
      key_names:
        - apikey
  - name: openid-connect
    consumer: partner-app
    config:
      issuer: https://partner.example.com
consumers:
  - username: partner-app
    custom_id: 0oa-partner
`;

// ---- tests ---------------------------------------------------------------------

describe('OIDC Flow Debugger in the extension host', function () {
  this.timeout(120_000);

  describe('activation', function () {
    it('is lazy: an empty workspace does not activate the extension at startup', function () {
      product();
      assert.equal(
        probe.activeAtLoad,
        false,
        'the extension was already active when the test runner started (onStartupFinished) in an empty workspace: some activation event fires at startup',
      );
    });

    it('opens no socket and starts no server while activating', async function () {
      await activeProduct();
      const sandboxStartedBefore = probe.messages.some((m) => /Sandbox running/.test(m.text));
      assert.equal(
        sandboxStartedBefore,
        false,
        'a test before this one started the sandbox; this check needs the state right after activation',
      );
      assert.deepEqual(
        probe.net,
        [],
        'activation (and the tests before this one) made the extension listen or connect',
      );
    });

    it('loads only its shell bundle while activating, not dist/lazy.js (the runner, OAuth, the sandbox)', async function () {
      const extension = await activeProduct();
      const loaded = Object.keys(require.cache).filter((path) => path.startsWith(extension.extensionPath));
      assert.ok(
        loaded.some((path) => path.endsWith('extension.js')),
        `the product's bundle is not in require.cache: ${JSON.stringify(loaded)}`,
      );
      assert.deepEqual(
        loaded.filter((path) => path.endsWith('lazy.js')),
        [],
        'activation loaded dist/lazy.js',
      );
    });

    it('registers every contributed command, and no oidcFlow command it does not contribute', async function () {
      const extension = await activeProduct();
      const manifest = extension.packageJSON as {
        contributes?: { commands?: Array<{ command: string; category?: string }> };
      };
      const contributed = (manifest.contributes?.commands ?? []).map((c) => c.command);
      assert.ok(contributed.length >= 20, `package.json contributes only ${contributed.length} commands`);
      const registered = (await vscode.commands.getCommands(true)).filter((c) => c.startsWith('oidcFlow.'));
      assert.deepEqual(
        contributed.filter((c) => !registered.includes(c)),
        [],
        'contributed but not registered',
      );
      // View commands (oidcFlow.idps.focus, ...) are VS Code's own, made for each contributed view.
      const viewCommand = new RegExp(
        `^(${Object.values(VIEWS)
          .map((v) => v.replace('.', '\\.'))
          .join('|')})\\.`,
      );
      assert.deepEqual(
        registered.filter((c) => !contributed.includes(c) && !viewCommand.test(c)),
        [],
        'registered but not contributed',
      );
    });

    it('registers a tree for each of its four views', async function () {
      await activeProduct();
      assert.deepEqual([...probe.trees.keys()].sort(), Object.values(VIEWS).sort());
    });
  });

  describe('trees from a workspace flow file', function () {
    let fileUri: vscode.Uri | undefined;

    afterEach(async function () {
      if (fileUri) await vscode.workspace.fs.delete(fileUri, { useTrash: false }).then(undefined, () => undefined);
      fileUri = undefined;
      await vscode.commands.executeCommand('oidcFlow.refresh');
    });

    it("shows the file's IdP, its route grouped by service, and its flow with its steps, without any network", async function () {
      await activeProduct();
      const folder = vscode.workspace.workspaceFolders?.[0];
      assert.ok(folder, 'the test window has no workspace folder to write a flow file into');
      fileUri = vscode.Uri.joinPath(folder.uri, 'trees', 'tree-fixture.oidc-flow.yaml');
      const netBefore = probe.net.length;
      await vscode.workspace.fs.writeFile(fileUri, new TextEncoder().encode(TREE_FIXTURE));
      await vscode.commands.executeCommand('oidcFlow.refresh');

      const sources = await waitFor('the flow file in the Flows view', async () => {
        const shown = await rows(VIEWS.flows);
        return shown.some((s) => s.label.endsWith('tree-fixture.oidc-flow.yaml')) ? shown : undefined;
      });
      const source = sources.find((s) => s.label.endsWith('tree-fixture.oidc-flow.yaml'))!;
      assert.equal(source.description, '1 flow', `the file loads with problems: ${source.tooltip}`);
      const flows = await rows(VIEWS.flows, source.node);
      const flow = find(flows, 'invoices-smoke', 'the file node');
      assert.equal(flow.description, '2 steps');
      const steps = await rows(VIEWS.flows, flow.node);
      assert.deepEqual(
        steps.map((s) => s.label),
        ['Get a token', 'call'],
      );
      assert.deepEqual(
        steps.map((s) => s.description),
        ['token · token', 'call'],
      );

      const idps = await rows(VIEWS.idps);
      const idp = find(idps, 'acme-okta', 'the Identity Providers view');
      assert.match(idp.description, /tree-fixture\.oidc-flow\.yaml · not discovered/);
      assert.match(
        idp.tooltip,
        /Issuer: https:\/\/idp\.tree-fixture\.test\/oauth2\/default|Issuer: \{\{env\.issuer\}\}/,
      );
      const details = await rows(VIEWS.idps, idp.node);
      assert.equal(find(details, 'Client', 'the IdP').description, 'tree-client · client_secret_basic');
      assert.equal(find(details, 'Tokens', 'the IdP').description, 'none fetched');

      // The Gateway Routes view groups by source first, then by service.
      const routeSources = await rows(VIEWS.routes);
      const routeSource = routeSources.find((s) => s.label.endsWith('tree-fixture.oidc-flow.yaml'));
      assert.ok(
        routeSource,
        `the Gateway Routes view shows no tree-fixture source: ${JSON.stringify(routeSources.map((s) => s.label))}`,
      );
      const service = find(
        await rows(VIEWS.routes, routeSource.node),
        'billing-service',
        'the flow file in the Gateway Routes view',
      );
      const routes = await rows(VIEWS.routes, service.node);
      const route = find(routes, 'list-invoices', 'the billing-service group');
      assert.ok(
        route.description.startsWith('GET https://gateway.tree-fixture.test/invoices · openid-connect (introspection)'),
        route.description,
      );

      // Stable ids: a refresh gives the same rows the same ids, so selection and expansion survive.
      await vscode.commands.executeCommand('oidcFlow.refresh');
      const again = await rows(VIEWS.flows, (await rows(VIEWS.flows)).find((s) => s.label === source.label)!.node);
      assert.equal(again.find((f) => f.label === 'invoices-smoke')?.id, flow.id);
      assert.ok(flow.id, 'tree items have no id');

      assert.deepEqual(probe.net.slice(netBefore), [], 'reading the flow file into the trees made network calls');
      const loaded = Object.keys(require.cache).filter((path) => path.startsWith(product().extensionPath));
      assert.ok(
        loaded.some((path) => path.endsWith('lazy.js')),
        `the trees read the flow file without dist/lazy.js: ${JSON.stringify(loaded)}`,
      );
      assert.ok(
        !loaded.some((path) => path.endsWith('sandbox.js')),
        'showing a flow file in the trees loaded dist/sandbox.js (oidc-provider)',
      );
    });

    it("drops the file's rows once the file is deleted", async function () {
      await activeProduct();
      const folder = vscode.workspace.workspaceFolders?.[0];
      assert.ok(folder, 'the test window has no workspace folder');
      fileUri = vscode.Uri.joinPath(folder.uri, 'trees', 'gone.oidc-flow.yaml');
      await vscode.workspace.fs.writeFile(
        fileUri,
        new TextEncoder().encode(
          TREE_FIXTURE.replace('acme-okta', 'gone-okta').replace(/idp: acme-okta/g, 'idp: gone-okta'),
        ),
      );
      // No Refresh here: the file watcher alone must bring the file in and
      // take it out. (A Refresh would let the rows appear before the watcher
      // saw the file; VS Code 1.90 batches its events and drops a create and
      // delete that fall into one batch, so the delete would never come.)
      await waitFor(
        'the IdP gone-okta',
        async () => (await rows(VIEWS.idps)).some((i) => i.label === 'gone-okta') || undefined,
      );
      await vscode.workspace.fs.delete(fileUri, { useTrash: false });
      fileUri = undefined;
      await waitFor(
        'the IdP gone-okta to disappear',
        async () => !(await rows(VIEWS.idps)).some((i) => i.label === 'gone-okta') || undefined,
      );
    });
  });

  describe('gateway sources from the settings', function () {
    let fileUri: vscode.Uri | undefined;

    afterEach(async function () {
      await vscode.workspace
        .getConfiguration('oidcFlow')
        .update('gateways', undefined, vscode.ConfigurationTarget.Workspace);
      if (fileUri) await vscode.workspace.fs.delete(fileUri, { useTrash: false }).then(undefined, () => undefined);
      fileUri = undefined;
    });

    it("shows a decK source's services, routes and findings, and keeps them with an error node when a refresh fails", async function () {
      await activeProduct();
      const folder = vscode.workspace.workspaceFolders?.[0];
      assert.ok(folder, 'the test window has no workspace folder to write a decK file into');
      fileUri = vscode.Uri.joinPath(folder.uri, 'gateways', 'billing.kong.yaml');
      await vscode.workspace.fs.writeFile(fileUri, new TextEncoder().encode(DECK_FIXTURE));
      const netBefore = probe.net.length;
      const entry = {
        name: 'billing-deck',
        kind: 'deck',
        path: 'gateways/billing.kong.yaml',
        proxyUrl: 'http://localhost:8000',
      };
      await vscode.workspace
        .getConfiguration('oidcFlow')
        .update('gateways', [entry], vscode.ConfigurationTarget.Workspace);

      const source = await waitFor('the decK source with its routes in the Gateway Routes view', async () =>
        (await rows(VIEWS.routes)).find((r) => r.label === 'billing-deck' && / · 4 routes · read /.test(r.description)),
      );
      assert.match(source.description, /^decK file · 4 routes · read \d\d:\d\d$/);
      const services = await rows(VIEWS.routes, source.node);
      assert.deepEqual(
        services.map((s) => s.label),
        ['billing', 'reports', 'health'],
      );
      const routes = await rows(VIEWS.routes, find(services, 'billing', 'the decK source').node);
      const invoices = find(routes, 'invoices', 'the billing service');
      assert.match(
        invoices.description,
        /^ANY http:\/\/localhost:8000\/invoices · openid-connect \(bearer\) · route · \d+ findings?$/,
      );
      assert.match(find(routes, 'invoice-by-id', 'the billing service').description, /regex path/);
      const findings = await rows(VIEWS.routes, invoices.node);
      assert.ok(findings.length > 0, 'the invoices route shows no findings');
      assert.ok(
        findings.some((f) => /plugin/.test(f.label) && f.tooltip.includes('Fix: ')),
        `findings: ${JSON.stringify(findings.map((f) => f.label))}`,
      );

      // Pointed at a missing file, a refresh fails: the routes stay and an error node says why.
      await vscode.workspace
        .getConfiguration('oidcFlow')
        .update('gateways', [{ ...entry, path: 'gateways/missing.kong.yaml' }], vscode.ConfigurationTarget.Workspace);
      await vscode.commands.executeCommand('oidcFlow.refreshGatewaySources');
      const failed = await waitFor('the refresh-failed node under the decK source', async () => {
        const shown = (await rows(VIEWS.routes)).find((r) => r.label === 'billing-deck');
        const children = shown ? await rows(VIEWS.routes, shown.node) : [];
        return children[0]?.label.startsWith('Refresh failed:') ? children : undefined;
      });
      assert.match(
        failed[0]!.label,
        /^Refresh failed: Cannot read the decK file .*missing\.kong\.yaml.* — showing routes read at \d\d:\d\d:\d\d$/,
      );
      assert.deepEqual(
        failed.slice(1).map((s) => s.label),
        ['billing', 'reports', 'health'],
      );
      const kept = await rows(VIEWS.routes, find(failed, 'billing', 'the decK source after the failed refresh').node);
      assert.equal(find(kept, 'invoices', 'the billing service after the failed refresh').id, invoices.id);
      assert.deepEqual(probe.net.slice(netBefore), [], 'reading a decK file made network calls');
    });
  });

  describe('the sandbox and the demo scenario', function () {
    afterEach(async function () {
      await stopSandbox();
      // Anything still asking (a toast nobody answered) is closed.
      for (const m of probe.messages) m.answer(undefined);
    });

    it('Start Sandbox starts an IdP and a gateway that answer on loopback, and Stop Sandbox closes them', async function () {
      await activeProduct();
      const netBefore = probe.seq;
      const running = await runAnswering('oidcFlow.startSandbox', /^Sandbox running/, undefined);
      assert.deepEqual(running.items, ['Run Demo', 'Fetch Token']);
      const urls = /IdP (https:\/\/127\.0\.0\.1:\d+\/oauth2\/default), gateway (http:\/\/127\.0\.0\.1:\d+)/.exec(
        running.text,
      );
      assert.ok(urls, `the notification names no IdP and gateway URLs: ${running.text}`);
      const [, issuer, gateway] = urls;
      const servers = probe.net.filter((e) => e.kind === 'listen' && e.seq > netBefore);
      assert.ok(
        servers.length >= 3,
        `expected the IdP, the gateway and the upstream to listen, saw ${JSON.stringify(servers)}`,
      );

      const unauthenticated = await gatewayAnswer(`${gateway}/orders`);
      assert.ok('status' in unauthenticated, `the gateway did not answer: ${JSON.stringify(unauthenticated)}`);
      assert.equal(unauthenticated.status, 401, 'the sandbox gateway let a call without a token through');
      assert.match(unauthenticated.wwwAuthenticate ?? '', /Bearer/);

      const idps = await waitFor('the sandbox IdPs in the Identity Providers view', async () => {
        const shown = await rows(VIEWS.idps);
        return shown.some((i) => i.description.startsWith('sandbox')) ? shown : undefined;
      });
      const sandboxIdp = idps.find((i) => i.description.startsWith('sandbox'))!;
      const issuerRow = find(await rows(VIEWS.idps, sandboxIdp.node), 'Issuer', 'the sandbox IdP');
      assert.ok(
        issuerRow.description === issuer || issuerRow.description.includes('{{env.issuer}}'),
        `the sandbox IdP's issuer row says ${issuerRow.description}`,
      );
      const sandboxRoutes = await rows(
        VIEWS.routes,
        find(await rows(VIEWS.routes), 'Sandbox', 'the Gateway Routes view').node,
      );
      const orders = await rows(
        VIEWS.routes,
        find(sandboxRoutes, 'orders-service', 'the sandbox in the Gateway Routes view').node,
      );
      assert.ok(
        orders.some((r) => r.label === 'orders' && r.description.startsWith(`GET ${gateway}/orders`)),
        `no sandbox route orders at ${gateway}: ${JSON.stringify(orders.map((r) => r.description))}`,
      );

      await stopSandbox();
      const after = await gatewayAnswer(`${gateway}/orders`);
      assert.ok('refused' in after, `the gateway still answers after Stop Sandbox: ${JSON.stringify(after)}`);
      await waitFor(
        'the sandbox IdPs to leave the Identity Providers view',
        async () => !(await rows(VIEWS.idps)).some((i) => i.description.startsWith('sandbox')) || undefined,
      );
    });

    it("Run Demo Scenario gives a 200, then the gateway's 401 with a verdict, in the results panel and the history", async function () {
      await activeProduct();
      await runAnswering('oidcFlow.startSandbox', /^Sandbox running/, undefined);
      const since = probe.seq;
      const finished = await runAnswering('oidcFlow.runDemo', /^Demo finished/, 'Show Verdict', 90_000);
      assert.match(finished.text, /^Demo finished\. The gateway's 401: .{20,}/);
      assert.deepEqual(errorsAfter(since), []);

      // The panel's webview loaded its script (it says `ready`) and was sent the run.
      await waitFor(
        'the results webview to say ready',
        () => probe.fromWebview.some((m) => (m.message as { type?: string }).type === 'ready') || undefined,
      );
      type Shown = {
        type: string;
        content?: {
          kind: string;
          run?: {
            title: string;
            status: string;
            steps: Array<{ id: string; status: string; httpStatus?: number }>;
            verdict?: { summary: string; stepPath: string };
          };
        };
        focus?: { stepPath?: string };
      };
      const shown = await waitFor('the finished demo run in the results webview', () =>
        [...probe.toWebview]
          .reverse()
          .map((m) => m.message as Shown)
          .find(
            (m) =>
              m.type === 'show' &&
              m.content?.run?.title === 'Demo: the introspection scenario' &&
              m.content.run.status !== 'running' &&
              m.focus?.stepPath,
          ),
      );
      const run = shown.content!.run!;
      const step = (id: string) => run.steps.find((s) => s.id === id);
      assert.equal(step('call-ok')?.httpStatus, 200, `steps: ${JSON.stringify(run.steps)}`);
      assert.equal(step('call-ok')?.status, 'passed');
      assert.equal(step('call-refused')?.httpStatus, 401);
      assert.equal(step('call-refused')?.status, 'passed', 'the flow asserts the 401');
      assert.ok(run.verdict, 'the run has no verdict');
      assert.equal(run.verdict.stepPath, 'call-refused');
      assert.equal(shown.focus?.stepPath, 'call-refused', '"Show Verdict" did not focus the refused call');
      assert.ok(finished.text.includes(run.verdict.summary), 'the notification and the panel disagree on the verdict');
      assert.equal(run.status, 'passed');

      const tab = vscode.window.tabGroups.all
        .flatMap((g) => g.tabs)
        .find((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('oidcFlow.results'));
      assert.ok(tab, 'no results panel tab is open');
      assert.equal(tab.label, 'OIDC Flow Results');

      const history = await waitFor('the run in the History view', async () =>
        (await rows(VIEWS.history)).find((h) => h.label === 'Demo: the introspection scenario'),
      );
      assert.match(history.description, /^passed · /);
      assert.ok(history.tooltip.includes(`Verdict: ${run.verdict.summary}`), `history tooltip: ${history.tooltip}`);
    });
  });
});
