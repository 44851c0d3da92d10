import type * as vscode from 'vscode';
import type { CommandId } from '../commands/command-ids';
import type { NodeRef } from '../trees/node';

/** "Run flow", "Run step…" and "Step through" above each flow of a flow file. */
export class FlowCodeLensProvider implements vscode.CodeLensProvider {
  private readonly emitter: vscode.EventEmitter<void>;
  readonly onDidChangeCodeLenses: vscode.Event<void>;

  constructor(private readonly vs: typeof vscode) {
    this.emitter = new vs.EventEmitter<void>();
    this.onDidChangeCodeLenses = this.emitter.event;
  }

  refresh(): void {
    this.emitter.fire();
  }

  async provideCodeLenses(doc: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    const vs = this.vs;
    const { checkFlowFile } = await import('../../core/flow/load');
    const { readableYamlValue } = await import('../../core/untrusted-input');
    const check = checkFlowFile(doc.getText(), { fileName: doc.uri.path });
    // Lenses come from the raw document so a file with one broken step still offers Run on the others;
    // read as untrusted, since an alias inside its own anchor kept yaml's toJS busy for minutes.
    const data = (check.file ?? readableYamlValue(doc.getText())) as { flows?: unknown } | null | undefined;
    const flows =
      data && typeof data === 'object' && data.flows && typeof data.flows === 'object' ? Object.keys(data.flows) : [];
    const lenses: vscode.CodeLens[] = [];
    for (const flow of flows) {
      const range = check.locate(['flows', flow], { key: true });
      if (!range) continue;
      const position = doc.positionAt(range.start.offset);
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
