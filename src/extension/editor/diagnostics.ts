import type * as vscode from 'vscode';
import { isFlowFilePath } from '../workspace/flow-file-names';
import type { FlowChecker } from './flow-checker';

/** Problems of open flow files, from the same checker the CLI uses; updated on open, edit (debounced) and save. */
export class FlowDiagnostics implements vscode.Disposable {
  private readonly collection: vscode.DiagnosticCollection;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(
    private readonly vs: typeof vscode,
    private readonly checker: FlowChecker,
  ) {
    this.collection = vs.languages.createDiagnosticCollection('oidc-flow');
    this.disposables.push(
      this.collection,
      vs.workspace.onDidOpenTextDocument((doc) => void this.check(doc)),
      vs.workspace.onDidSaveTextDocument((doc) => void this.check(doc)),
      vs.workspace.onDidChangeTextDocument((event) => this.schedule(event.document)),
      vs.workspace.onDidCloseTextDocument((doc) => {
        clearTimeout(this.timers.get(doc.uri.toString()));
        this.collection.delete(doc.uri);
      }),
    );
    for (const doc of vs.workspace.textDocuments) void this.check(doc);
  }

  private schedule(doc: vscode.TextDocument): void {
    if (!isFlowFilePath(doc.uri.path)) return;
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => void this.check(doc), 400),
    );
  }

  /** Checks one document if it is a flow file. */
  async check(doc: vscode.TextDocument): Promise<void> {
    if (!isFlowFilePath(doc.uri.path) || doc.isClosed) return;
    const vs = this.vs;
    const result = await this.checker.check(doc.uri.toString(), doc.getText(), vs.workspace.asRelativePath(doc.uri));
    // Undefined: newer text of the document is being checked, and its problems are the ones to show.
    if (!result || doc.isClosed) return;
    const diagnostics = result.issues.map((issue) => {
      const start = issue.range ? doc.positionAt(issue.range.start.offset) : new vs.Position(0, 0);
      let end = issue.range ? doc.positionAt(issue.range.end.offset) : start;
      if (end.isEqual(start)) end = doc.lineAt(start.line).range.end;
      const diagnostic = new vs.Diagnostic(
        new vs.Range(start, end),
        issue.hint ? `${issue.message}\n${issue.hint}` : issue.message,
        issue.severity === 'error' ? vs.DiagnosticSeverity.Error : vs.DiagnosticSeverity.Warning,
      );
      diagnostic.source = 'oidc-flow';
      diagnostic.code = issue.code;
      return diagnostic;
    });
    this.collection.set(doc.uri, diagnostics);
  }

  dispose(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.disposables.forEach((d) => d.dispose());
  }
}
