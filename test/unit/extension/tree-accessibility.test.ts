// Tree rows as a screen reader reads them: label, description and what an icon alone shows,
// set on every TreeItem the one generic provider makes.
import assert from 'node:assert/strict';
import type * as vscode from 'vscode';
import type { LintFinding } from '../../../src/core/gateway/lint';
import { Emitter } from '../../../src/core/emitter';
import { idpNode } from '../../../src/extension/trees/idp-nodes';
import type { NodeData } from '../../../src/extension/trees/node';
import { accessibleLabel, CONTEXT_VALUES } from '../../../src/extension/trees/node';
import { findingNodes } from '../../../src/extension/trees/route-nodes';
import { NodeTreeProvider } from '../../../src/extension/trees/tree-provider';
import type { IdpEntry } from '../../../src/extension/workspace/source-model';

/** The parts of the vscode API the provider uses. */
const vs = {
  EventEmitter: Emitter,
  TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
  TreeItem: class {
    id?: string;
    accessibilityInformation?: { label: string };
    constructor(readonly label: string) {}
  },
  ThemeIcon: class {
    constructor(readonly id: string) {}
  },
  ThemeColor: class {
    constructor(readonly id: string) {}
  },
  Uri: { parse: (text: string) => text },
} as unknown as typeof vscode;

describe('tree rows for screen readers', () => {
  it('reads the label, then the description with its " · " parts as pauses', () => {
    const entry = { id: 'idp:sandbox#sandbox', name: 'sandbox', sourceKind: 'sandbox', endpoints: {} };
    const node = idpNode(entry as unknown as IdpEntry, undefined, [], 0);
    assert.equal(accessibleLabel(node), 'sandbox, sandbox, not discovered');
  });

  it("says a finding's severity, which only its icon shows", () => {
    const finding: LintFinding = {
      rule: 'plugin-shadowed',
      severity: 'warning',
      field: 'plugins',
      message: 'Shadowed.',
      fix: 'Remove it.',
    };
    assert.equal(accessibleLabel(findingNodes('r', [finding])[0]!), 'Shadowed., plugins, warning');
  });

  it('gives every TreeItem the accessible label', () => {
    const node: NodeData = {
      id: 'n',
      label: 'Tokens',
      description: '2 · fetched',
      contextValue: CONTEXT_VALUES.group,
      collapsible: 'none',
    };
    const item = new NodeTreeProvider(vs, () => [node]).getTreeItem(node);
    assert.deepEqual(item.accessibilityInformation, { label: 'Tokens, 2, fetched' });
  });
});
