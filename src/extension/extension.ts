import { readFile } from 'node:fs/promises';
import { VERSION } from '../core/version';
import type * as vscode from 'vscode';
import { CaptureService, captureRedraw } from './capture/capture-service';
import { commandHandlers } from './commands/handlers';
import { API_VERSION, snapshot } from './api';
import type { OidcFlowApi } from './api';
import { COMMAND_IDS, CONTEXT_KEYS, VIEW_IDS } from './commands/command-ids';
import type { ViewId } from './commands/command-ids';
import type { Services } from './commands/command-services';
import { FlowCodeLensProvider } from './editor/codelens';
import { FlowDiagnostics } from './editor/diagnostics';
import { FlowChecker, nodeWorkerStarter } from './editor/flow-checker';
import { lintFlowRoutes } from './gateway/flow-route-lint';
import { gatewayLoader } from './gateway/gateway-loader';
import { GATEWAY_SETTING_FULL, readGatewaySettings } from './gateway/gateway-settings';
import { GatewaySourceStore } from './gateway/gateway-source-store';
import { GatewayTokens } from './gateway/gateway-tokens';
import { CaptureStatusBar } from './editor/capture-status-bar';
import { TokenStatusBar } from './editor/status-bar';
import { RunHistory } from './history/run-history';
import { ResultsPanel } from './results/results-panel';
import { RunStore } from './results/run-store';
import { SecretService } from './secrets/secret-service';
import { TokenVault } from './secrets/token-vault';
import { createClient } from './services/http-factory';
import { RedactedLog } from './services/log';
import { visibleEnvironment } from './services/env-approval';
import { RunService } from './services/run-service';
import { SandboxService } from './services/sandbox-service';
import { readSettings } from './services/settings';
import { captureNodes } from './trees/capture-nodes';
import { historyNodes } from './trees/history-nodes';
import { idpNode } from './trees/idp-nodes';
import { IdpDiscovery } from './trees/idp-discovery';
import { DECODED_TOKEN_SCHEME, DecodedTokenDocuments } from './editor/decoded-tokens';
import { sourceNodes } from './trees/flow-nodes';
import { expiryTicker } from './trees/expiry-ticker';
import { routeTreeNodes } from './trees/route-nodes';
import { NodeTreeProvider } from './trees/tree-provider';
import { FlowIndex } from './workspace/flow-index';
import { displayContext, flowEntries, idpEntries, routeEntries, SANDBOX_SOURCE_ID } from './workspace/source-model';

/**
 * Composition root. Builds every service once, wires them by constructor,
 * and pushes each disposable into context.subscriptions. Activation makes
 * no network call and loads no protocol module: the core (undici, jose,
 * the flow engine, the sandbox) is imported when a view or command needs it.
 */
export function activate(context: vscode.ExtensionContext): OidcFlowApi {
  // Activation's own cost, in the log: bench/extension-cost.ts reads it (goal under 20 ms).
  const activationStart = performance.now();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const vs = require('vscode') as typeof vscode;
  const subs = context.subscriptions;

  const log = new RedactedLog(vs.window.createOutputChannel('OIDC Flow', { log: true }));
  // The same version `oidc-flow --version` prints (root package.json, set at build time): what a bug report quotes.
  log.info(`OIDC Flow Debugger ${VERSION}`);
  const sandbox = new SandboxService(vs, log);
  // One check per text for the index, CodeLens and diagnostics; large files in a worker thread.
  const checker = new FlowChecker({
    startWorker: nodeWorkerStarter(vs.Uri.joinPath(context.extensionUri, 'dist', 'flow-check-worker.js').fsPath),
  });
  const index = new FlowIndex(vs, sandbox, checker);
  const history = new RunHistory(context.workspaceState, readSettings(vs).historySize);
  const store = new RunStore(history);
  const secrets = new SecretService(context.secrets, context.globalState);
  const vault = new TokenVault(context.secrets, context.workspaceState);
  const panel = new ResultsPanel(vs, context.extensionUri, store, log);
  const runs = new RunService(vs, log, sandbox, secrets, store, () => panel, context.workspaceState);
  // Discover and every run write it; the IdP tree redraws on its change.
  const discovery = new IdpDiscovery();
  const decodedTokens = new DecodedTokenDocuments(vs);
  subs.push(
    vs.workspace.registerTextDocumentContentProvider(DECODED_TOKEN_SCHEME, decodedTokens),
    vs.workspace.onDidCloseTextDocument((doc) => decodedTokens.forget(doc.uri)),
  );
  // Trees render ${env:NAME} only for approved names (see env-approval.ts).
  const visibleEnv = () =>
    visibleEnvironment(context.workspaceState, readSettings(vs).allowedEnvironmentVariables, process.env);
  // The proxy is imported when a capture starts, never at activation.
  const capture = new CaptureService({
    loadStarter: async () => (await import('./capture/capture-core-adapter')).startCapture,
    warn: (message) => log.warn(message),
  });
  subs.push(sandbox, checker, index, panel, runs, discovery, capture);

  // Configured gateways are read when the Gateway Routes view first shows them, never at activation.
  const gatewayTokens = new GatewayTokens(context.secrets);
  const gateways = new GatewaySourceStore({
    load: gatewayLoader({
      token: (name) => gatewayTokens.get(name),
      bindToken: (name, token, origin) => gatewayTokens.set(name, token, origin),
      confirmBind: async (name, origin) => {
        const send = `Send to ${origin}`;
        const answer = await vs.window.showWarningMessage(
          `The token of the gateway source ${name} was stored before tokens were bound to a URL. Send it to ${origin} and keep it for that URL only?`,
          {
            modal: true,
            detail:
              'Only if you configured this URL yourself: a workspace can point a source of the same name anywhere.',
          },
          send,
        );
        return answer === send;
      },
      trusted: () => vs.workspace.isTrusted,
      workspaceRoot: () => vs.workspace.workspaceFolders?.[0]?.uri.fsPath,
      env: process.env,
      createHttp: () => createClient(readSettings(vs)),
      readFile: (path) => readFile(path, 'utf8'),
    }),
    onError: (config, error) => log.warn(`gateway source ${config.name}: ${error.code}: ${error.message}`),
  });
  const configureGateways = () => {
    const { sources, problems } = readGatewaySettings(vs);
    for (const problem of problems) log.warn(problem);
    gateways.configure(sources);
  };
  configureGateways();
  subs.push({ dispose: () => gateways.dispose() });

  const idpTree = new NodeTreeProvider(vs, async () => {
    const now = Date.now();
    return idpEntries(await index.sources(), displayContext(context.workspaceState, visibleEnv())).map((entry) =>
      idpNode(entry, discovery.get(entry.id), vault.forIdp(entry.id), now),
    );
  });
  const routeTree = new NodeTreeProvider(vs, async () => {
    const sources = await index.sources();
    // Restricted Mode: the workspace's settings chose the URLs and paths, so nothing is read (one node says why).
    const trusted = vs.workspace.isTrusted;
    // The view is showing: read the gateways not read yet; the store's change event redraws it.
    if (trusted) void gateways.ensureLoaded();
    return routeTreeNodes({
      flowRoutes: routeEntries(sources, displayContext(context.workspaceState, visibleEnv())),
      flowFindings: await lintFlowRoutes(sources),
      gateways: gateways.states(),
      untrusted: !trusted,
    });
  });
  const flowTree = new NodeTreeProvider(vs, async () => {
    const sources = await index.sources();
    return sourceNodes(sources, flowEntries(sources));
  });
  const historyTree = new NodeTreeProvider(vs, () => historyNodes(history.list(), Date.now()));
  const captureTree = new NodeTreeProvider(vs, () => captureNodes(capture.rows(), Date.now()));
  const refreshTrees = () => {
    idpTree.refresh();
    routeTree.refresh();
    flowTree.refresh();
    historyTree.refresh();
  };
  for (const [id, provider] of [
    [VIEW_IDS.idps, idpTree],
    [VIEW_IDS.routes, routeTree],
    [VIEW_IDS.flows, flowTree],
    [VIEW_IDS.history, historyTree],
    [VIEW_IDS.capture, captureTree],
  ] as const) {
    subs.push(
      provider,
      vs.window.createTreeView(id, {
        treeDataProvider: provider,
        showCollapseAll: id !== VIEW_IDS.history && id !== VIEW_IDS.capture,
      }),
    );
  }

  const codeLens = new FlowCodeLensProvider(vs, checker);
  const selector: vscode.DocumentSelector = [
    { pattern: '**/*.oidc-flow.{yaml,yml,json}' },
    { pattern: '**/oidc-flow.{yaml,yml,json}' },
  ];
  subs.push(vs.languages.registerCodeLensProvider(selector, codeLens));
  subs.push(new FlowDiagnostics(vs, checker));
  subs.push(new TokenStatusBar(vs, vault), new CaptureStatusBar(vs, capture));

  subs.push(
    index.onDidChange(() => {
      refreshTrees();
      codeLens.refresh();
    }),
    history.onDidChange(() => historyTree.refresh()),
    vault.onDidChange(() => idpTree.refresh()),
    runs.onDidConnectIdp(({ source, event }) => discovery.learn(source, event)),
    discovery.onDidChange(() => idpTree.refresh()),
    sandbox.onDidChange(() => discovery.forgetSource(SANDBOX_SOURCE_ID)),
    gateways.onDidChange(() => routeTree.refresh()),
    capture.onDidChange(
      captureRedraw(
        () => captureTree.refresh(),
        () => void vs.commands.executeCommand('setContext', CONTEXT_KEYS.captureRunning, capture.info !== undefined),
        () => capture.info !== undefined,
      ),
    ),
    vs.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration(GATEWAY_SETTING_FULL)) configureGateways();
    }),
    // Trusting the workspace applies its restricted settings and allows reads: show what was held back.
    vs.workspace.onDidGrantWorkspaceTrust(() => {
      configureGateways();
      refreshTrees();
    }),
  );
  // Token expiry in the IdP tree is shown in minutes; refresh it while tokens exist.
  subs.push(
    expiryTicker(
      () => vault.list().length > 0,
      () => idpTree.refresh(),
    ),
    // The Capture view's groups say when their token expires.
    expiryTicker(
      () => capture.rows().some((row) => row.token?.expiresAt !== undefined),
      () => captureTree.refresh(),
    ),
  );

  const services: Services = {
    vs,
    context,
    log,
    sandbox,
    index,
    runs,
    store,
    history,
    secrets,
    vault,
    panel,
    discovery,
    decodedTokens,
    refreshTrees,
    gateways,
    gatewayTokens,
    capture,
  };
  const handlers = commandHandlers(services);
  for (const id of COMMAND_IDS) {
    const handler = handlers[id];
    subs.push(
      vs.commands.registerCommand(id, async (...args: unknown[]) => {
        try {
          return await handler(...args);
        } catch (error) {
          const { asOidcError } = await import('../core/errors');
          const e = asOidcError(error);
          log.error(`${id}: ${e.code}: ${e.message}`);
          void vs.window.showErrorMessage(e.toUserMessage());
          return undefined;
        }
      }),
    );
  }
  void vs.commands.executeCommand('setContext', CONTEXT_KEYS.hasLastRun, history.list().length > 0);

  const trees: Record<ViewId, NodeTreeProvider> = {
    [VIEW_IDS.idps]: idpTree,
    [VIEW_IDS.routes]: routeTree,
    [VIEW_IDS.flows]: flowTree,
    [VIEW_IDS.history]: historyTree,
    [VIEW_IDS.capture]: captureTree,
  };
  log.info(`Activated in ${(performance.now() - activationStart).toFixed(1)} ms.`);
  return {
    apiVersion: API_VERSION,
    lastRun: () => runs.lastSummary,
    onDidEndRun: runs.onDidEnd,
    treeSnapshot: async (view, depth) => snapshot(await trees[view].getChildren(), depth),
    pausedBefore: () => runs.pausedBefore,
    sandbox: () => {
      const current = sandbox.current;
      return current
        ? { running: true, idpIssuer: current.idp.issuer, gatewayUrl: current.gateway.url, caFile: current.caFile }
        : { running: false };
    },
  };
}

export function deactivate(): void {}
