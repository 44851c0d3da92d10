/**
 * Every command the extension contributes. The union is the single source
 * of truth for handlers; a unit test keeps it equal to package.json's
 * contributes.commands. No vscode import here, so plain Node tests can read it.
 */
export const COMMAND_IDS = [
  'oidcFlow.startSandbox',
  'oidcFlow.stopSandbox',
  'oidcFlow.runDemo',
  'oidcFlow.runFlow',
  'oidcFlow.runStep',
  'oidcFlow.stopRun',
  'oidcFlow.runFlowStepByStep',
  'oidcFlow.nextStep',
  'oidcFlow.continueRun',
  'oidcFlow.selectEnvironment',
  'oidcFlow.decodeToken',
  'oidcFlow.verifyToken',
  'oidcFlow.fetchToken',
  'oidcFlow.introspectToken',
  'oidcFlow.revokeToken',
  'oidcFlow.copyToken',
  'oidcFlow.forgetToken',
  'oidcFlow.callRoute',
  'oidcFlow.storeSecret',
  'oidcFlow.importCollection',
  'oidcFlow.exportHar',
  'oidcFlow.copyCurl',
  'oidcFlow.explainLastRejection',
  'oidcFlow.addIdp',
  'oidcFlow.editIdp',
  'oidcFlow.removeIdp',
  'oidcFlow.discoverIdp',
  'oidcFlow.addGatewaySource',
  'oidcFlow.removeGatewaySource',
  'oidcFlow.refreshGatewaySources',
  'oidcFlow.refreshGatewaySource',
  'oidcFlow.setGatewayToken',
  'oidcFlow.refresh',
  'oidcFlow.showResults',
  'oidcFlow.openHistoryEntry',
  'oidcFlow.clearHistory',
  'oidcFlow.openWalkthrough',
  'oidcFlow.startCapture',
  'oidcFlow.stopCapture',
  'oidcFlow.openCapturedExchange',
] as const;

export type CommandId = (typeof COMMAND_IDS)[number];

/** The palette category every command is listed under. */
export const COMMAND_CATEGORY = 'OIDC Flow';

export const VIEW_CONTAINER_ID = 'oidcFlow';

export const VIEW_IDS = {
  idps: 'oidcFlow.idps',
  routes: 'oidcFlow.routes',
  flows: 'oidcFlow.flows',
  history: 'oidcFlow.history',
  capture: 'oidcFlow.capture',
} as const;

export type ViewId = (typeof VIEW_IDS)[keyof typeof VIEW_IDS];

/** Context keys set by the extension for `when` clauses. */
export const CONTEXT_KEYS = {
  sandboxRunning: 'oidcFlow.sandboxRunning',
  running: 'oidcFlow.running',
  paused: 'oidcFlow.paused',
  hasLastRun: 'oidcFlow.hasLastRun',
  captureRunning: 'oidcFlow.captureRunning',
} as const;

export const RESULTS_VIEW_TYPE = 'oidcFlow.results';
export const WALKTHROUGH_ID = 'oidcFlow.gettingStarted';
