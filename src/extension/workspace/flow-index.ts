import type * as vscode from 'vscode';
import type { FlowFile } from '../../core/flow/file-format';
import type { FlowFileIssue } from '../../core/flow/issues';
import type { FlowCheckResult } from '../editor/flow-check-data';
import type { FlowChecker } from '../editor/flow-checker';
import { uncheckedResult } from '../editor/flow-checker';
import type { SandboxService } from '../services/sandbox-service';
import { FLOW_FILE_GLOB } from './flow-file-names';
import type { FlowSource } from './source-model';
import { SANDBOX_SOURCE_ID } from './source-model';

const EXCLUDE_GLOB = '{**/node_modules/**,**/.git/**}';

/**
 * Knows every flow file in the workspace and the running sandbox. Scans only
 * when a view or command first asks, then follows file changes.
 */
export class FlowIndex implements vscode.Disposable {
  private files = new Map<string, FlowSource>();
  /**
   * Bumped by every watcher event for a file: a reload that was still
   * reading when a later event (a delete, say) arrived must not write its
   * stale result back. Older VS Code (1.90) delivers the create or change of
   * a write late enough to race the delete that follows it.
   */
  private generations = new Map<string, number>();
  private sandbox?: FlowSource;
  private scanned?: Promise<void>;
  private readonly emitter: vscode.EventEmitter<void>;
  private readonly disposables: vscode.Disposable[] = [];
  readonly onDidChange: vscode.Event<void>;

  constructor(
    private readonly vs: typeof vscode,
    private readonly sandboxService: SandboxService,
    private readonly checker: FlowChecker,
  ) {
    this.emitter = new vs.EventEmitter<void>();
    this.onDidChange = this.emitter.event;
    const watcher = vs.workspace.createFileSystemWatcher(FLOW_FILE_GLOB);
    this.disposables.push(
      watcher,
      this.emitter,
      watcher.onDidCreate((uri) => void this.reload(uri)),
      watcher.onDidChange((uri) => void this.reload(uri)),
      watcher.onDidDelete((uri) => {
        this.nextGeneration(uri.toString());
        if (this.files.delete(uri.toString())) this.emitter.fire();
      }),
      vs.workspace.onDidChangeWorkspaceFolders(() => {
        this.scanned = undefined;
        this.files.clear();
        this.emitter.fire();
      }),
      sandboxService.onDidChange(() => void this.updateSandbox()),
    );
  }

  /** Every source (scanning the workspace the first time). */
  async sources(): Promise<FlowSource[]> {
    await this.ensureScanned();
    return [...(this.sandbox ? [this.sandbox] : []), ...this.files.values()];
  }

  /** Sources known right now, without scanning. */
  known(): FlowSource[] {
    return [...(this.sandbox ? [this.sandbox] : []), ...this.files.values()];
  }

  async get(sourceId: string): Promise<FlowSource | undefined> {
    if (sourceId === SANDBOX_SOURCE_ID) return this.sandbox;
    await this.ensureScanned();
    return this.files.get(sourceId);
  }

  /** Rescans the workspace. */
  async refresh(): Promise<void> {
    this.scanned = undefined;
    await this.ensureScanned();
    this.emitter.fire();
  }

  /**
   * Loads a source for a run: a file is read again (open editors win over
   * disk) and must load without errors; throws the loader's FlowFileError.
   */
  async loadForRun(sourceId: string): Promise<{ source: FlowSource; file: FlowFile }> {
    const { OidcError } = await import('../../core/errors');
    const source = await this.get(sourceId);
    if (!source)
      throw new OidcError('extension.source_missing', `The flow source ${sourceId} is gone.`, {
        hint: 'Refresh the OIDC Flow views; the file may have been moved or deleted.',
      });
    if (source.kind === 'sandbox') return { source, file: source.file! };
    const uri = this.vs.Uri.parse(source.id);
    let check: FlowCheckResult;
    try {
      check = await this.checkedText(uri, this.vs.workspace.asRelativePath(uri));
    } catch (error) {
      if (!(error instanceof this.vs.FileSystemError && error.code === 'FileNotFound')) throw error;
      // Deleted without the watcher telling us (VS Code can drop the events of a short-lived file).
      this.nextGeneration(source.id);
      this.files.delete(source.id);
      this.emitter.fire();
      throw new OidcError('extension.source_missing', `The flow file ${source.label} no longer exists.`, {
        hint: 'It was moved or deleted; the OIDC Flow views no longer list it.',
      });
    }
    if (check.unchecked) {
      const issue = check.issues[0]!;
      throw new OidcError('extension.flow_unchecked', issue.message, { hint: issue.hint, where: issue.where });
    }
    const { flowFileError } = await import('../../core/flow/load');
    const error = flowFileError(check.issues as FlowFileIssue[]);
    if (error) throw error;
    // The check is shared with the views and the editor: the run gets its own copy to hold.
    return { source, file: structuredClone(check.file!) };
  }

  /**
   * The shared check of a file's current text (open editors win over disk).
   * When newer text of it is already being checked, that check's result is
   * the one to use: the text is read again and the newer check joined.
   */
  private async checkedText(uri: vscode.Uri, label: string): Promise<FlowCheckResult> {
    for (let attempt = 1; ; attempt++) {
      const text = await this.textOf(uri);
      const check = await this.checker.check(uri.toString(), text, label);
      if (check) return check;
      if (attempt === 5) return uncheckedResult(label, 'it changed faster than it could be checked');
    }
  }

  async textOf(uri: vscode.Uri): Promise<string> {
    const open = this.vs.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (open) return open.getText();
    return new TextDecoder().decode(await this.vs.workspace.fs.readFile(uri));
  }

  private ensureScanned(): Promise<void> {
    this.scanned ??= this.scan();
    return this.scanned;
  }

  private async scan(): Promise<void> {
    const uris = await this.vs.workspace.findFiles(FLOW_FILE_GLOB, EXCLUDE_GLOB, 500);
    const next = new Map<string, FlowSource>();
    for (const uri of uris) {
      const source = await this.read(uri);
      if (source) next.set(uri.toString(), source);
    }
    this.files = next;
    await this.updateSandbox(false);
  }

  private async reload(uri: vscode.Uri): Promise<void> {
    if (!this.scanned) return;
    const key = uri.toString();
    const generation = this.nextGeneration(key);
    const source = await this.read(uri);
    if (this.generations.get(key) !== generation) return;
    if (source) this.files.set(key, source);
    else if (!this.files.delete(key)) return;
    this.emitter.fire();
  }

  private nextGeneration(key: string): number {
    const next = (this.generations.get(key) ?? 0) + 1;
    this.generations.set(key, next);
    return next;
  }

  /** The file as a source; undefined when it no longer exists. */
  private async read(uri: vscode.Uri): Promise<FlowSource | undefined> {
    const label = this.vs.workspace.asRelativePath(uri);
    try {
      const check = await this.checkedText(uri, label);
      const errors = check.issues.filter((i) => i.severity === 'error');
      return {
        id: uri.toString(),
        kind: 'file',
        label,
        file: check.file,
        errorCount: errors.length,
        firstError: errors[0] ? `${errors[0].where}: ${errors[0].message}` : undefined,
      };
    } catch (error) {
      if (error instanceof this.vs.FileSystemError && error.code === 'FileNotFound') return undefined;
      return {
        id: uri.toString(),
        kind: 'file',
        label,
        errorCount: 1,
        firstError: `Cannot read ${label}: ${(error as Error).message}`,
      };
    }
  }

  private async updateSandbox(fire = true): Promise<void> {
    const running = this.sandboxService.current;
    if (!running) {
      this.sandbox = undefined;
    } else {
      const { loadFlowFile } = await import('../../core/flow/load');
      const { DEMO_FLOW_FILE } = await import('../../core/sandbox/demo-flow');
      const { sandboxSource } = await import('./sandbox-source');
      this.sandbox = sandboxSource(loadFlowFile(DEMO_FLOW_FILE, { fileName: 'built-in demo' }).file, running);
    }
    if (fire) this.emitter.fire();
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
