/**
 * Tree nodes as plain data. Providers turn them into TreeItems; commands get
 * them back as arguments and read `ref`. No vscode import, so the node
 * builders are unit-tested in plain Node.
 */
import type { CommandId } from '../commands/command-ids';

export type NodeRef =
  | { kind: 'source'; sourceId: string }
  | { kind: 'idp'; sourceId: string; name: string; idpId: string }
  | { kind: 'token'; tokenId: string; idpId: string }
  | { kind: 'route'; sourceId: string; name: string }
  | { kind: 'flow'; sourceId: string; flow: string }
  | { kind: 'step'; sourceId: string; flow: string; step: string }
  | { kind: 'history'; runId: string }
  | { kind: 'gatewaySource'; sourceId: string; name: string }
  /** A route of a configured gateway that has a URL to call (a plain path and the source's proxyUrl). */
  | { kind: 'gatewayRoute'; sourceId: string; routeKey: string }
  /** An exchange the running capture saw (the Capture view). */
  | { kind: 'capturedExchange'; exchangeId: string }
  | { kind: 'info' };

/** contextValue of each kind of node; `view/item/context` menus match on these. */
export const CONTEXT_VALUES = {
  source: 'source',
  idpFile: 'idp.file',
  idpSandbox: 'idp.sandbox',
  token: 'token',
  tokenExpired: 'token.expired',
  route: 'route',
  service: 'service',
  flow: 'flow',
  step: 'step',
  history: 'history',
  info: 'info',
  group: 'group',
  gatewaySource: 'gatewaySource',
  /** A gateway source that takes a token (Admin API, Konnect). */
  gatewaySourceToken: 'gatewaySource.token',
  gatewayRoute: 'gatewayRoute',
  gatewayRouteCallable: 'gatewayRoute.callable',
  finding: 'finding',
  /** The Capture view: a token's group, and one exchange under it. */
  captureGroup: 'capture.group',
  capturedExchange: 'capture.exchange',
} as const;

export type ContextValue = (typeof CONTEXT_VALUES)[keyof typeof CONTEXT_VALUES];

export interface NodeData {
  /** Stable across refreshes. */
  id: string;
  label: string;
  description?: string;
  tooltip?: string;
  contextValue: ContextValue;
  /** A codicon name, e.g. "key". */
  icon?: string;
  /** A theme color id for the icon, e.g. "testing.iconFailed". */
  iconColor?: string;
  /** What the icon says that the label and description do not (a finding's severity), for screen readers. */
  iconMeaning?: string;
  collapsible: 'none' | 'collapsed' | 'expanded';
  command?: { command: CommandId; title: string; args?: unknown[] };
  ref?: NodeRef;
  /** Workspace file to open (for source nodes). */
  resourceUri?: string;
  children?: () => NodeData[];
}

/**
 * What a screen reader says for a node: its label, its description (the " · " that separates its
 * parts read as a pause) and what its icon alone shows. VS Code's own default leaves the icon out.
 */
export function accessibleLabel(node: Pick<NodeData, 'label' | 'description' | 'iconMeaning'>): string {
  return [node.label, node.description?.replace(/ · /g, ', '), node.iconMeaning].filter(Boolean).join(', ');
}

/** A node's ref, whether the command got a node (tree), a ref (CodeLens) or nothing (palette). */
export function refOf(arg: unknown): NodeRef | undefined {
  if (typeof arg !== 'object' || arg === null) return undefined;
  const value = arg as { ref?: unknown; kind?: unknown };
  if (typeof value.ref === 'object' && value.ref !== null) return value.ref as NodeRef;
  if (typeof value.kind === 'string') return value as NodeRef;
  return undefined;
}
