import type * as vscode from 'vscode';
import type { HostMessage, RequestResult, WebviewMessage } from '../../shared/protocol';
import { isPersistedState, isWebviewMessage, PROTOCOL_VERSION } from '../../shared/protocol';
import type { ResultsContent } from '../../shared/view-model';
import { RESULTS_VIEW_TYPE, VIEW_IDS } from '../commands/command-ids';
import { executeCommand } from '../commands/execute-command';
import type { RedactedLog } from '../services/log';
import { readSettings } from '../services/settings';
import type { RunPresenter } from '../services/run-service';
import type { RunStore } from './run-store';
import { createNonce, resultsHtml } from './webview-html';

type Current = { kind: 'run'; runId: string; focus?: { stepPath?: string } } | { kind: 'empty' };

/**
 * Hosts the results webview: one panel, reused. Sends content only after
 * the webview's `ready`, answers its requests by id, and asks the person
 * before revealing any secret.
 */
export class ResultsPanel implements RunPresenter, vscode.Disposable {
  private panel?: vscode.WebviewPanel;
  private ready = false;
  private current: Current = { kind: 'empty' };
  private readonly disposables: vscode.Disposable[] = [];
  private panelDisposables: vscode.Disposable[] = [];

  constructor(
    private readonly vs: typeof vscode,
    private readonly extensionUri: vscode.Uri,
    private readonly store: RunStore,
    private readonly log: RedactedLog,
  ) {
    this.disposables.push(
      store.onDidChange((runId) => {
        if (this.current.kind === 'run' && this.current.runId === runId) this.push();
      }),
    );
    this.disposables.push(
      vs.window.registerWebviewPanelSerializer(RESULTS_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel, state) => {
          if (isPersistedState(state) && state.runId && store.view(state.runId))
            this.current = { kind: 'run', runId: state.runId };
          this.attach(panel);
        },
      }),
    );
  }

  /** Opens (or reveals) the panel on a run. */
  showRun(runId: string, focus?: { stepPath?: string }): void {
    this.current = { kind: 'run', runId, focus };
    this.open();
    this.push();
  }

  get visibleRunId(): string | undefined {
    return this.panel && this.current.kind === 'run' ? this.current.runId : undefined;
  }

  private open(): void {
    if (this.panel) {
      this.panel.reveal(undefined, true);
      return;
    }
    const panel = this.vs.window.createWebviewPanel(
      RESULTS_VIEW_TYPE,
      'OIDC Flow Results',
      { viewColumn: this.vs.ViewColumn.Beside, preserveFocus: true },
      this.options(),
    );
    this.attach(panel);
  }

  private options(): vscode.WebviewOptions & vscode.WebviewPanelOptions {
    return {
      enableScripts: true,
      enableCommandUris: false,
      localResourceRoots: [
        this.vs.Uri.joinPath(this.extensionUri, 'dist'),
        this.vs.Uri.joinPath(this.extensionUri, 'media'),
      ],
    };
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.panelDisposables.forEach((d) => d.dispose());
    this.panelDisposables = [];
    this.panel = panel;
    this.ready = false;
    panel.iconPath = this.vs.Uri.joinPath(this.extensionUri, 'media', 'oidc-flow.svg');
    panel.webview.options = this.options();
    const webview = panel.webview;
    webview.html = resultsHtml({
      cspSource: webview.cspSource,
      nonce: createNonce(),
      scriptUri: webview.asWebviewUri(this.vs.Uri.joinPath(this.extensionUri, 'dist', 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(this.vs.Uri.joinPath(this.extensionUri, 'media', 'results.css')).toString(),
    });
    this.panelDisposables.push(
      webview.onDidReceiveMessage((message: unknown) => void this.onMessage(message)),
      panel.onDidDispose(() => {
        this.panel = undefined;
        this.ready = false;
        this.panelDisposables.forEach((d) => d.dispose());
        this.panelDisposables = [];
      }),
    );
  }

  private post(message: HostMessage): void {
    if (this.panel && this.ready) void this.panel.webview.postMessage(message);
  }

  private content(): ResultsContent {
    if (this.current.kind === 'run') {
      const run = this.store.view(this.current.runId);
      return run ? { kind: 'run', run } : { kind: 'empty' };
    }
    return { kind: 'empty' };
  }

  private push(): void {
    const focus = this.current.kind === 'run' ? this.current.focus : undefined;
    this.post({ type: 'show', content: this.content(), ...(focus ? { focus } : {}) });
  }

  private async onMessage(message: unknown): Promise<void> {
    if (!isWebviewMessage(message)) {
      this.log.warn('Results view: dropped a malformed message from the webview.');
      return;
    }
    switch (message.type) {
      case 'ready':
        if (message.version !== PROTOCOL_VERSION)
          this.log.warn(`Results view speaks protocol ${message.version}, the host ${PROTOCOL_VERSION}.`);
        this.ready = true;
        this.post({ type: 'settings', allowReveal: readSettings(this.vs).redaction === 'allowReveal' });
        this.push();
        return;
      case 'request':
        await this.answer(message);
        return;
      case 'command':
        await this.command(message);
        return;
    }
  }

  private async answer(message: Extract<WebviewMessage, { type: 'request' }>): Promise<void> {
    const fail = (code: string, text: string) =>
      this.post({ type: 'response', requestId: message.requestId, ok: false, error: { code, message: text } });
    const ok = (result: RequestResult) =>
      this.post({ type: 'response', requestId: message.requestId, ok: true, result });
    const request = message.request;
    const recorder = this.store.recorder(request.runId);
    if (!recorder) {
      fail(
        'results.not_live',
        'This run is from an earlier session: only its redacted, shortened copy was kept. Run it again to see everything.',
      );
      return;
    }
    if (request.kind === 'full-body') {
      const view = recorder.exchangeView(request.exchangeId, { full: true });
      const body = request.part === 'request' ? view?.request.body : view?.response?.body;
      if (!body) fail('results.no_body', 'That exchange has no such body.');
      else ok({ kind: 'full-body', body });
      return;
    }
    if (readSettings(this.vs).redaction === 'always') {
      fail('results.reveal_disabled', 'Revealing secrets is turned off (setting oidcFlow.redaction is "always").');
      return;
    }
    const choice = await this.vs.window.showWarningMessage(
      'Reveal the secrets in this exchange?',
      {
        modal: true,
        detail:
          'Tokens, client secrets and credentials of this request and response will be shown unmasked in the results view. Make sure nobody is watching your screen. Nothing is stored.',
      },
      'Reveal',
    );
    if (choice !== 'Reveal') {
      fail('results.reveal_cancelled', 'Reveal cancelled; the exchange stays redacted.');
      return;
    }
    const view = recorder.exchangeView(request.exchangeId, { reveal: true });
    if (!view) fail('results.no_exchange', 'That exchange is no longer available.');
    else ok({ kind: 'reveal-exchange', exchange: view });
  }

  private async command(message: Extract<WebviewMessage, { type: 'command' }>): Promise<void> {
    const vs = this.vs;
    switch (message.command) {
      case 'export-har':
        await executeCommand(vs, 'oidcFlow.exportHar', { kind: 'history', runId: message.runId });
        return;
      case 'copy-curl':
        await executeCommand(vs, 'oidcFlow.copyCurl', { kind: 'history', runId: message.runId }, message.exchangeId);
        return;
      case 'step-control':
        await executeCommand(
          vs,
          message.action === 'next'
            ? 'oidcFlow.nextStep'
            : message.action === 'continue'
              ? 'oidcFlow.continueRun'
              : 'oidcFlow.stopRun',
        );
        return;
      case 'rerun': {
        const run = this.store.view(message.runId);
        if (run?.rerun) await executeCommand(vs, run.rerun.demo ? 'oidcFlow.runDemo' : 'oidcFlow.runFlow', run.rerun);
        else void vs.window.showInformationMessage('This run cannot be repeated from here; run its command again.');
        return;
      }
      case 'open-history':
        await vs.commands.executeCommand(`${VIEW_IDS.history}.focus`);
        return;
    }
  }

  dispose(): void {
    this.panel?.dispose();
    this.panelDisposables.forEach((d) => d.dispose());
    this.disposables.forEach((d) => d.dispose());
  }
}
