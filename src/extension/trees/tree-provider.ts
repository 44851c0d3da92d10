import type * as vscode from 'vscode';
import type { NodeData } from './node';
import { accessibleLabel } from './node';

/** Maps plain nodes to TreeItems; the roots come from a function so each view owns its model. */
export class NodeTreeProvider implements vscode.TreeDataProvider<NodeData>, vscode.Disposable {
  private readonly emitter: vscode.EventEmitter<NodeData | undefined | void>;
  readonly onDidChangeTreeData: vscode.Event<NodeData | undefined | void>;

  constructor(
    private readonly vs: typeof vscode,
    private readonly roots: () => Promise<NodeData[]> | NodeData[],
  ) {
    this.emitter = new vs.EventEmitter<NodeData | undefined | void>();
    this.onDidChangeTreeData = this.emitter.event;
  }

  refresh(): void {
    this.emitter.fire();
  }

  getTreeItem(node: NodeData): vscode.TreeItem {
    const vs = this.vs;
    const state =
      node.collapsible === 'none'
        ? vs.TreeItemCollapsibleState.None
        : node.collapsible === 'expanded'
          ? vs.TreeItemCollapsibleState.Expanded
          : vs.TreeItemCollapsibleState.Collapsed;
    const item = new vs.TreeItem(node.label, state);
    item.id = node.id;
    item.description = node.description;
    item.tooltip = node.tooltip;
    item.contextValue = node.contextValue;
    item.accessibilityInformation = { label: accessibleLabel(node) };
    if (node.icon)
      item.iconPath = new vs.ThemeIcon(node.icon, node.iconColor ? new vs.ThemeColor(node.iconColor) : undefined);
    if (node.resourceUri) item.resourceUri = vs.Uri.parse(node.resourceUri);
    if (node.command)
      item.command = { command: node.command.command, title: node.command.title, arguments: node.command.args };
    else if (node.resourceUri)
      item.command = { command: 'vscode.open', title: 'Open', arguments: [vs.Uri.parse(node.resourceUri)] };
    return item;
  }

  async getChildren(node?: NodeData): Promise<NodeData[]> {
    if (!node) return this.roots();
    return node.children?.() ?? [];
  }

  dispose(): void {
    this.emitter.dispose();
  }
}
