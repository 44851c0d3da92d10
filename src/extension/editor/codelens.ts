import type * as vscode from 'vscode';
import type { CommandId } from '../commands/command-ids';
import type { NodeRef } from '../trees/node';
import type { FlowChecker } from './flow-checker';

/** "Run flow", "Run step…" and "Step through" above each flow of a flow file. */
export class FlowCodeLensProvider implements vscode.CodeLensProvider {
  private readonly emitter: vscode.EventEmitter<void>;
  readonly onDidChangeCodeLenses: vscode.Event<void>;

  constructor(
    private readonly vs: typeof vscode,
    private readonly checker: FlowChecker,
  ) {
    this.emitter = new vs.EventEmitter<void>();
    this.onDidChangeCodeLenses = this.emitter.event;
  }

  refresh(): void {
    this.emitter.fire();
  }

  async provideCodeLenses(doc: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    const vs = this.vs;
    const text = doc.getText();
    // The shared check: the diagnostics and the flow index ask for the same text, and it is parsed once.
    const check = await this.checker.check(doc.uri.toString(), text, vs.workspace.asRelativePath(doc.uri));
    const lenses: vscode.CodeLens[] = [];
    for (const { flow, offset } of check?.flows ?? []) {
      const position = doc.positionAt(offset);
      const line = new vs.Range(position.line, 0, position.line, 0);
      const ref: NodeRef = { kind: 'flow', sourceId: doc.uri.toString(), flow };
      lenses.push(
        new vs.CodeLens(line, {
          title: '$(play) Run flow',
          tooltip: `Run the flow ${flow}`,
          command: 'oidcFlow.runFlow' satisfies CommandId,
          arguments: [ref],
        }),
      );
      lenses.push(
        new vs.CodeLens(line, {
          title: 'Run step…',
          tooltip: `Run ${flow} up to a step you pick`,
          command: 'oidcFlow.runStep' satisfies CommandId,
          arguments: [ref],
        }),
      );
      lenses.push(
        new vs.CodeLens(line, {
          title: 'Step through',
          tooltip: `Run ${flow} one step at a time: it pauses before each step`,
          command: 'oidcFlow.runFlowStepByStep' satisfies CommandId,
          arguments: [ref],
        }),
      );
    }
    return lenses;
  }
}
