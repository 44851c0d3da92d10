import type * as vscode from 'vscode';
import type { CaptureService } from '../capture/capture-service';
import type { RunHistory } from '../history/run-history';
import type { ResultsPanel } from '../results/results-panel';
import type { RunStore } from '../results/run-store';
import type { SecretService } from '../secrets/secret-service';
import type { TokenVault } from '../secrets/token-vault';
import type { RedactedLog } from '../services/log';
import type { RunService } from '../services/run-service';
import type { SandboxService } from '../services/sandbox-service';
import type { DecodedTokenDocuments } from '../editor/decoded-tokens';
import type { IdpDiscovery } from '../trees/idp-discovery';
import type { FlowIndex } from '../workspace/flow-index';
import type { GatewaySourceStore } from '../gateway/gateway-source-store';
import type { GatewayTokens } from '../gateway/gateway-tokens';

/** Everything command handlers use, built once in activate() and passed in. */
export interface Services {
  vs: typeof vscode;
  context: vscode.ExtensionContext;
  log: RedactedLog;
  sandbox: SandboxService;
  index: FlowIndex;
  runs: RunService;
  store: RunStore;
  history: RunHistory;
  secrets: SecretService;
  vault: TokenVault;
  panel: ResultsPanel;
  /** Discovery results per IdP entry id. */
  discovery: IdpDiscovery;
  /** Read-only documents that Decode Token opens. */
  decodedTokens: DecodedTokenDocuments;
  /** Configured gateway sources of the Gateway Routes view, and their tokens. */
  gateways: GatewaySourceStore;
  gatewayTokens: GatewayTokens;
  /** The running capture (Start Capture), its last exchanges. */
  capture: CaptureService;
  refreshTrees(): void;
}

/** A command handler: gets whatever VS Code passes (a tree node, a CodeLens ref, nothing). */
export type Handler = (...args: unknown[]) => unknown;
