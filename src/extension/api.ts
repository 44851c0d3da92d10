/**
 * What activate() returns: a small, read-only view of the extension for
 * other extensions, tasks and tests. It carries statuses, labels and
 * verdicts only; no token, secret or body ever crosses it.
 */
import type * as vscode from 'vscode';
import type { ViewId } from './commands/command-ids';
import type { RunSummary } from './services/run-service';
import type { NodeData } from './trees/node';

export const API_VERSION = 1;

/** A tree node as the person sees it. */
export interface TreeSnapshotNode {
  id: string;
  label: string;
  description?: string;
  contextValue: string;
  icon?: string;
  children?: TreeSnapshotNode[];
}

export interface OidcFlowApi {
  readonly apiVersion: typeof API_VERSION;
  /** The last run of this window (flow, demo or one-off), summarised. */
  lastRun(): RunSummary | undefined;
  /** Fires when any run ends. */
  readonly onDidEndRun: vscode.Event<RunSummary>;
  /** What a view shows, expanded `depth` levels below the roots (default: all). */
  treeSnapshot(view: ViewId, depth?: number): Promise<TreeSnapshotNode[]>;
  /** The step a step-by-step run waits before, if one waits. */
  pausedBefore(): string | undefined;
  /** The sandbox's public addresses while it runs. */
  sandbox(): {
    running: boolean;
    idpIssuer?: string;
    gatewayUrl?: string;
    /** The sandbox CA's certificate (PEM file), for a client that calls the sandbox's https endpoints itself. */
    caFile?: string;
  };
}

/** Walks nodes the way the tree view would, `depth` levels deep. */
export async function snapshot(
  roots: readonly NodeData[],
  depth = Number.POSITIVE_INFINITY,
): Promise<TreeSnapshotNode[]> {
  return Promise.all(
    roots.map(async (node) => {
      const out: TreeSnapshotNode = { id: node.id, label: node.label, contextValue: node.contextValue };
      if (node.description !== undefined) out.description = node.description;
      if (node.icon !== undefined) out.icon = node.icon;
      if (depth > 0 && node.children) out.children = await snapshot(node.children(), depth - 1);
      return out;
    }),
  );
}
