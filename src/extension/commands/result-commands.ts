import { executeCommand } from './execute-command';
import { offer } from './offer';
import type * as vscode from 'vscode';
import { refOf } from '../trees/node';
import { readSettings } from '../services/settings';
import type { CommandId } from './command-ids';
import type { Handler, Services } from './command-services';
import { writeUserFile } from '../workspace/write-file';

function runIdOf(s: Services, arg: unknown): string | undefined {
  const ref = refOf(arg);
  if (ref?.kind === 'history') return ref.runId;
  return s.panel.visibleRunId ?? s.store.lastRunId();
}

/** Asks whether an export carries secrets; redacted unless the person picks "Include Secrets". Undefined: cancelled. */
async function askReveal(vs: typeof vscode, what: string): Promise<boolean | undefined> {
  if (readSettings(vs).redaction === 'always') return false;
  const choice = await vs.window.showWarningMessage(
    `${what}: redacted, or with secrets?`,
    {
      modal: true,
      detail:
        'Tokens, client secrets and credentials are masked by default. Include them only if you need to replay the exact calls, and never share the result.',
    },
    'Redacted',
    'Include Secrets',
  );
  return choice === undefined ? undefined : choice === 'Include Secrets';
}

function liveRecorder(s: Services, runId: string | undefined) {
  if (!runId) {
    void s.vs.window.showInformationMessage('No run yet. Run a flow or the demo first.');
    return undefined;
  }
  const recorder = s.store.recorder(runId);
  if (!recorder)
    void s.vs.window.showInformationMessage(
      'That run is from an earlier session; only its redacted summary was kept. Run it again to export it.',
    );
  return recorder;
}

/** Result handlers: HAR, curl, explain, show, history. */
export function resultCommands(s: Services) {
  const vs = s.vs;
  return {
    'oidcFlow.exportHar': async (arg?: unknown) => {
      const recorder = liveRecorder(s, runIdOf(s, arg));
      if (!recorder) return;
      const exchanges = recorder.allExchanges().map((exchange) => recorder.exportable(exchange));
      if (exchanges.length === 0) {
        void vs.window.showInformationMessage('That run made no HTTP calls.');
        return;
      }
      const reveal = await askReveal(vs, 'Export the run as HAR');
      if (reveal === undefined) return;
      const folder = vs.workspace.workspaceFolders?.[0]?.uri;
      const name = `${recorder.view(false).flow || 'run'}-${new Date().toISOString().replace(/[:.]/g, '-')}.har`;
      const target = await vs.window.showSaveDialog({
        defaultUri: folder ? vs.Uri.joinPath(folder, name) : undefined,
        filters: { HAR: ['har'] },
        saveLabel: reveal ? 'Export with Secrets' : 'Export Redacted',
      });
      if (!target) return;
      const { toHar } = await import('../../core/http/har');
      const version = String((s.context.extension.packageJSON as { version?: string }).version ?? '0');
      const har = `${JSON.stringify(toHar(exchanges, { reveal, creatorVersion: version }), null, 2)}\n`;
      // Owner-only when it holds revealed secrets.
      await writeUserFile(vs, target, har, { mode: reveal ? 0o600 : 0o644 });
      s.log.info(
        `Exported ${exchanges.length} exchanges as HAR (${reveal ? 'WITH secrets' : 'redacted'}) to ${target.fsPath}`,
      );
      void vs.window.showInformationMessage(
        `Exported ${exchanges.length} exchange${exchanges.length === 1 ? '' : 's'} ${reveal ? 'WITH secrets' : 'redacted'}.`,
      );
    },
    'oidcFlow.copyCurl': async (arg?: unknown, exchangeId?: unknown) => {
      const recorder = liveRecorder(s, runIdOf(s, arg));
      if (!recorder) return;
      let id = typeof exchangeId === 'string' ? exchangeId : undefined;
      if (!id) {
        const view = recorder.view(true);
        const chosen = await vs.window.showQuickPick(
          view.exchanges.map((x) => ({
            label: `${x.method} ${x.label}`,
            description: x.status !== undefined ? String(x.status) : (x.error?.code ?? ''),
            detail: x.url,
            value: x.id,
          })),
          { placeHolder: 'Copy which request as curl?' },
        );
        id = chosen?.value;
      }
      const exchange = id ? recorder.exchange(id) : undefined;
      if (!exchange) return;
      const reveal = await askReveal(vs, 'Copy the request as curl');
      if (reveal === undefined) return;
      const { toCurl } = await import('../../core/http/curl');
      await vs.env.clipboard.writeText(toCurl(recorder.exportable(exchange), { reveal }));
      void vs.window.showInformationMessage(`curl command copied (${reveal ? 'WITH secrets' : 'redacted'}).`);
    },
    'oidcFlow.explainLastRejection': async () => {
      const candidates = [s.panel.visibleRunId, s.store.lastRunId()].filter((id): id is string => id !== undefined);
      let run = candidates.map((id) => s.store.view(id)).find((v) => v?.verdict);
      run ??= s.history.lastRejection();
      if (!run?.verdict) {
        offer(
          vs.window.showInformationMessage(
            "No rejected call yet. The demo scenario ends with one: the gateway's 401 after the app is deactivated.",
            'Run Demo',
          ),
          {
            'Run Demo': () => executeCommand(vs, 'oidcFlow.runDemo'),
          },
        );
        return;
      }
      s.panel.showRun(run.id, { stepPath: run.verdict.stepPath });
      const v = run.verdict;
      void vs.window.showInformationMessage(`${v.summary}${v.fix ? ` Fix: ${v.fix}` : ''}`);
    },
    'oidcFlow.showResults': (arg?: unknown) => {
      const runId = runIdOf(s, arg);
      if (!runId) {
        void vs.window.showInformationMessage('No run yet. Run a flow, or the demo scenario.', 'Run Demo').then((c) => {
          if (c) void executeCommand(vs, 'oidcFlow.runDemo');
        });
        return;
      }
      s.panel.showRun(runId);
    },
    'oidcFlow.openHistoryEntry': (arg?: unknown) => {
      const ref = refOf(arg);
      if (ref?.kind === 'history') s.panel.showRun(ref.runId);
    },
    'oidcFlow.clearHistory': async (arg?: unknown) => {
      const ref = refOf(arg);
      if (ref?.kind === 'history') {
        await s.history.remove(ref.runId);
        return;
      }
      const sure = await vs.window.showWarningMessage(
        'Clear the run history of this workspace?',
        { modal: true },
        'Clear',
      );
      if (sure) await s.history.clear();
    },
  } satisfies Partial<Record<CommandId, Handler>>;
}
