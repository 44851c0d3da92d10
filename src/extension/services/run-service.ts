import type * as vscode from 'vscode';
import type { FlowFile } from '../../core/flow/file-format';
import type { PendingStep, RunEvent, RunResult } from '../../core/flow/runner';
import type { SecretSources } from '../../core/flow/secret-ref';
import type { RerunSpec } from '../../shared/view-model';
import { Emitter } from '../../core/emitter';
import { CONTEXT_KEYS } from '../commands/command-ids';
import type { RunRecorder } from '../results/run-recorder';
import type { RunStore } from '../results/run-store';
import type { KeyValueStore } from '../history/run-history';
import type { SecretScope, SecretService } from '../secrets/secret-service';
import type { FlowSource } from '../workspace/source-model';
import type { RedactedLog } from './log';
import type { SandboxService } from './sandbox-service';
import { gatewayLogFor } from './gateway-log-for';
import { readSettings } from './settings';
import { createClient } from './http-factory';

export interface RunRequest {
  source: FlowSource;
  file: FlowFile;
  flow: string;
  env?: string;
  title: string;
  rerun?: RerunSpec;
  /** Open the results view on this run (default true). */
  show?: boolean;
  /** Values to mask everywhere (a token handed to a one-off call). */
  secrets?: string[];
  /** Pause before each step until Next Step or Continue (step-by-step mode). */
  stepByStep?: boolean;
}

export interface PreparedSecrets {
  envName?: string;
  sources: SecretSources;
  wantsSandbox: boolean;
  /** Values to mask in logs. */
  secretValues: string[];
}

/** An IdP connection of a run, and the source whose file named the IdP. */
export interface IdpRunEvent {
  source: Pick<FlowSource, 'id' | 'kind'>;
  event: Extract<RunEvent, { type: 'idp-connected' | 'idp-failed' }>;
}

export interface RunOutcome {
  runId: string;
  result?: RunResult;
  recorder: RunRecorder;
}

/**
 * What a run command resolves to (for keybindings, tasks, other extensions
 * and tests): statuses and the verdict, never a token or a body.
 */
export interface RunSummary {
  runId: string;
  title: string;
  status: 'passed' | 'failed' | 'error' | 'running';
  /** Each top-level step; `findings` are the rules the route's config lint raised on a call. */
  steps: Array<{ id: string; status: string; httpStatus?: number; findings?: string[] }>;
  verdict?: { code: string; summary: string; stepPath: string };
}

/** The summary of a finished (or failed-to-start) run, from its redacted view. */
export function summarize(outcome: RunOutcome): RunSummary {
  const view = outcome.recorder.view(false);
  return {
    runId: outcome.runId,
    title: view.title,
    status: view.status,
    steps: view.steps.map((step) => ({
      id: step.path,
      status: step.status,
      ...(step.httpStatus !== undefined ? { httpStatus: step.httpStatus } : {}),
      ...(step.findings?.length ? { findings: step.findings.map((f) => f.rule) } : {}),
    })),
    ...(view.verdict
      ? { verdict: { code: view.verdict.code, summary: view.verdict.summary, stepPath: view.verdict.stepPath } }
      : {}),
  };
}

/** Something that shows a run as it goes (the results panel). */
export interface RunPresenter {
  showRun(runId: string, focus?: { stepPath?: string }): void;
}

let runCounter = 0;

/** A fresh, unguessable-enough run id (not a secret; it names the run in history and webview state). */
function newRunId(): string {
  runCounter += 1;
  return `run-${Date.now().toString(36)}-${runCounter}`;
}

/**
 * Runs flows in the extension host: resolves ${secret:...} from the secret
 * store (asking for missing ones), starts the sandbox when the environment
 * needs it, shows progress with cancel, streams the run to the results view
 * and records it (redacted) in history.
 */
export class RunService {
  private controller?: AbortController;
  /** Set while a step-by-step run waits before a step. */
  private pause?: { resolve: () => void; stepId: string };
  private stepping = false;
  private last?: RunSummary;
  private readonly ended: vscode.EventEmitter<RunSummary>;
  /** Fires with each run's summary when it ends. */
  readonly onDidEnd: vscode.Event<RunSummary>;
  private readonly idpEvents = new Emitter<IdpRunEvent>();
  /** Fires when a run connected to one of its IdPs (or failed to), so the IdP tree shows what runs learned. */
  readonly onDidConnectIdp = this.idpEvents.event;

  constructor(
    private readonly vs: typeof vscode,
    private readonly log: RedactedLog,
    private readonly sandbox: SandboxService,
    private readonly secrets: SecretService,
    private readonly store: RunStore,
    private readonly presenter: () => RunPresenter,
    /** The workspace's state, where approved ${env:NAME} names are remembered. */
    private readonly workspaceState: KeyValueStore,
  ) {
    this.ended = new vs.EventEmitter<RunSummary>();
    this.onDidEnd = this.ended.event;
  }

  /** The summary of the last run that ended. */
  get lastSummary(): RunSummary | undefined {
    return this.last;
  }

  dispose(): void {
    this.ended.dispose();
    this.idpEvents.dispose();
  }

  get running(): boolean {
    return this.controller !== undefined;
  }

  /** Stops the run in progress, if any (a paused run stops where it waits). */
  stop(): boolean {
    if (!this.controller) return false;
    this.controller.abort();
    this.release();
    return true;
  }

  /** The step a step-by-step run waits before, if it waits. */
  get pausedBefore(): string | undefined {
    return this.pause?.stepId;
  }

  /** Runs the step a paused run waits before, then pauses again. */
  next(): boolean {
    return this.release();
  }

  /** Lets a paused run go on to the end without pausing. */
  continue(): boolean {
    if (!this.pause) return false;
    this.stepping = false;
    return this.release();
  }

  private release(): boolean {
    const pause = this.pause;
    if (!pause) return false;
    this.pause = undefined;
    void this.vs.commands.executeCommand('setContext', CONTEXT_KEYS.paused, false);
    pause.resolve();
    return true;
  }

  /** The runner's beforeStep hook in step-by-step mode: waits for Next Step, Continue or Stop. */
  private async waitBefore(step: PendingStep, recorderId: string, report: (message: string) => void): Promise<void> {
    if (!this.stepping) return;
    const waited = new Promise<void>((resolve) => {
      this.pause = { resolve, stepId: step.id };
    });
    await this.vs.commands.executeCommand('setContext', CONTEXT_KEYS.paused, true);
    report(`paused before step ${step.index + 1}/${step.total} ${step.name ?? step.id}: Next Step or Continue`);
    this.store.changed(recorderId);
    await waited;
  }

  /** Runs one flow of a loaded file; failures to start come back as a run with an error. */
  async run(request: RunRequest): Promise<RunOutcome | undefined> {
    const vs = this.vs;
    if (this.controller) {
      void vs.window.showWarningMessage('A run is already in progress. Stop it first (OIDC Flow: Stop Run).');
      return undefined;
    }
    // Refused before anything starts, so the message is the command's own, not a failed run in the results view.
    await this.requireTrust(request.source, `${request.title} was not run`);
    const { RunRecorder } = await import('../results/run-recorder');
    const { storableView } = await import('../history/run-history');
    const { scrubStrings } = await import('../results/run-recorder');
    const { asOidcError } = await import('../../core/errors');
    const runId = newRunId();
    // The recorder's registry is the run's (the runner fills it): one redactor for the view, the
    // history entry, the exports and the log lines.
    const recorder = new RunRecorder({
      id: runId,
      title: request.title,
      source: request.source.label,
      rerun: request.rerun,
    });
    recorder.addSecrets(request.secrets ?? []);
    const controller = new AbortController();
    this.controller = controller;
    this.stepping = request.stepByStep === true;
    await vs.commands.executeCommand('setContext', CONTEXT_KEYS.running, true);
    this.store.begin(recorder);
    if (request.show !== false) this.presenter().showRun(runId);
    let result: RunResult | undefined;
    try {
      result = await vs.window.withProgress(
        { location: vs.ProgressLocation.Notification, title: `OIDC Flow: ${request.title}`, cancellable: true },
        async (progress, cancel) => {
          cancel.onCancellationRequested(() => {
            controller.abort();
            this.release();
          });
          return this.execute(request, recorder, controller.signal, (message) => progress.report({ message }));
        },
      );
    } catch (error) {
      const e = asOidcError(error);
      recorder.fail({ code: e.code, message: e.message, hint: e.hint });
      this.log.error(`${request.title}: ${e.code}: ${e.message}`, recorder.secrets());
    } finally {
      this.controller = undefined;
      this.stepping = false;
      this.release();
      await vs.commands.executeCommand('setContext', CONTEXT_KEYS.running, false);
    }
    await this.store.history.add(storableView(recorder.view(false), recorder.secrets(), scrubStrings));
    await vs.commands.executeCommand('setContext', CONTEXT_KEYS.hasLastRun, true);
    this.store.changed(runId);
    const outcome = { runId, result, recorder };
    this.last = summarize(outcome);
    this.ended.fire(this.last);
    return outcome;
  }

  /**
   * Throws when `source` is a workspace flow file and the workspace is not
   * trusted. The built-in sandbox flows stay allowed: they are the product's
   * own, against servers it starts on loopback (see workspace-trust.ts).
   */
  async requireTrust(source: FlowSource, what: string): Promise<void> {
    if (source.kind === 'sandbox' || this.vs.workspace.isTrusted) return;
    const { untrustedWorkspaceError } = await import('./workspace-trust');
    throw untrustedWorkspaceError(what);
  }

  /**
   * What a run (or a one-off call) against `file` needs to resolve its
   * references: the sandbox's values when the environment uses them (the
   * sandbox is started), and the ${secret:...} values it names (asked for
   * and stored when missing).
   */
  async prepare(
    request: { source: FlowSource; file: FlowFile; flow?: string; env?: string; title: string },
    report: (message: string) => void = () => undefined,
  ): Promise<PreparedSecrets> {
    const vs = this.vs;
    await this.requireTrust(request.source, `${request.title} was not run`);
    const { findSecretRefs, isSecretValueRef } = await import('../../core/flow/secret-ref');
    const { selectEnvironment } = await import('../../core/flow/select');
    const env = selectEnvironment(request.file, request.env, request.flow);
    const used = [
      env?.values ?? {},
      request.file.idps ?? {},
      request.file.routes ?? {},
      request.flow ? (request.file.flows?.[request.flow] ?? {}) : {},
    ];
    const refs = findSecretRefs(used);
    let sandboxEnv: Record<string, string> = {};
    const wantsSandbox =
      request.source.kind === 'sandbox' || refs.some((r) => r.kind === 'env' && r.name.startsWith('SANDBOX_'));
    if (wantsSandbox) {
      if (!this.sandbox.current) report('starting the sandbox…');
      sandboxEnv = (await this.sandbox.start()).env;
    }
    const { approvedEnvironment } = await import('./env-approval');
    const hostEnv = await approvedEnvironment(
      refs.filter((r) => r.kind === 'env').map((r) => r.name),
      request.title,
      {
        state: this.workspaceState,
        allowed: readSettings(vs).allowedEnvironmentVariables,
        env: process.env,
        ask: (names) => this.askEnvironment(request.title, names),
      },
    );
    const { secretScopeOf } = await import('../secrets/secret-scope');
    const scope = secretScopeOf(vs, request.source.id);
    const secretKeys = [...new Set(refs.filter((r) => r.kind === 'secret').map((r) => r.name))];
    const secretValues = await this.secrets.resolve(scope, secretKeys, (key, into) => this.offerLegacy(key, into));
    for (const key of secretKeys.filter((k) => secretValues[k] === undefined)) {
      const value = await vs.window.showInputBox({
        title: `Secret ${key}`,
        prompt: `${request.title} uses \${secret:${key}}, which is not in VS Code's secret storage for ${scope.label} yet. Enter its value to store it.`,
        password: true,
        ignoreFocusOut: true,
      });
      if (value) {
        await this.secrets.set(scope, key, value);
        secretValues[key] = value;
      }
    }
    return {
      envName: env?.name,
      // Only approved variables: a flow file never sees the rest of the extension host's environment.
      sources: { env: { ...hostEnv, ...sandboxEnv, ...(request.source.env ?? {}) }, secrets: secretValues },
      wantsSandbox,
      // Only the sandbox's credentials: its URLs (SANDBOX_ISSUER, ...) masked would hide every call of the report.
      secretValues: [
        ...Object.values(secretValues),
        ...Object.entries(sandboxEnv)
          .filter(([name]) => isSecretValueRef({ kind: 'env', name }))
          .map(([, value]) => value),
      ],
    };
  }

  /** Asks (modal) whether flows of this workspace may read `names` from the environment. */
  private async askEnvironment(title: string, names: readonly string[]): Promise<boolean> {
    const allow = 'Allow';
    const answer = await this.vs.window.showWarningMessage(
      `${title} reads ${names.length === 1 ? 'the environment variable' : 'these environment variables'} ${names.join(', ')} from the environment VS Code started with. Allow flows of this workspace to read ${names.length === 1 ? 'it' : 'them'}?`,
      {
        modal: true,
        detail:
          'Their values are sent wherever the flow file says. You are asked once per workspace; names in oidcFlow.allowedEnvironmentVariables (user settings) are never asked about.',
      },
      allow,
    );
    return answer === allow;
  }

  /** Asks (modal, once per key and workspace) to move a value stored before secrets were kept per workspace. */
  private async offerLegacy(key: string, scope: SecretScope): Promise<boolean> {
    const move = `Use It for ${scope.label}`;
    const answer = await this.vs.window.showWarningMessage(
      `\${secret:${key}} has a value stored before secrets were kept per workspace. Use it for the flow files of ${scope.label}?`,
      {
        modal: true,
        detail: `It is copied into ${scope.label}'s secrets; the old value stays for other folders that used it. If you decline, you are asked for a value instead, and not asked about the old one again here.`,
      },
      move,
    );
    return answer === move;
  }

  private async execute(
    request: RunRequest,
    recorder: RunRecorder,
    signal: AbortSignal,
    report: (message: string) => void,
  ): Promise<RunResult> {
    const vs = this.vs;
    const { FlowRunner } = await import('../../core/flow/runner');
    const prepared = await this.prepare(request, report);
    const settings = readSettings(vs);
    const http = await createClient(settings);
    const stopListening = this.sandbox.listenToGateway((exchange) => {
      recorder.onGatewayExchange(exchange);
    });
    recorder.addSecrets(prepared.secretValues);
    const secrets = () => recorder.secrets();
    let lastPush = 0;
    const push = (force: boolean) => {
      const now = Date.now();
      if (!force && now - lastPush < 200) return;
      lastPush = now;
      this.store.changed(recorder.id);
    };
    try {
      const runner = new FlowRunner(request.file, {
        http,
        signal,
        secretRegistry: recorder.secretRegistry,
        secrets: prepared.sources,
        admin: prepared.wantsSandbox ? this.sandbox.current?.admin : undefined,
        openBrowser: async (url) => {
          this.log.info('Opening the system browser for sign-in.');
          const opened = await vs.env.openExternal(vs.Uri.parse(url));
          if (!opened) throw new Error('The browser could not be opened.');
        },
        onDeviceCode: (info) => {
          void vs.window
            .showInformationMessage(
              `Sign in at ${info.verificationUri} with the code ${info.userCode}.`,
              'Open Browser',
            )
            .then((choice) => {
              if (choice) void vs.env.openExternal(vs.Uri.parse(info.verificationUriComplete ?? info.verificationUri));
            });
        },
        ...(settings.gatewayLogs.length > 0
          ? { gatewayLogFor: gatewayLogFor(settings.gatewayLogs, vs.workspace.workspaceFolders?.[0]?.uri.fsPath) }
          : {}),
        confirm: async (message) =>
          (await vs.window.showInformationMessage(message, { modal: true }, 'Continue')) === 'Continue',
        ...(request.stepByStep
          ? { beforeStep: (step: PendingStep) => this.waitBefore(step, recorder.id, report) }
          : {}),
      });
      this.log.info(
        `Run ${request.title} (flow ${request.flow}${prepared.envName ? `, environment ${prepared.envName}` : ''}) from ${request.source.label}`,
      );
      return await runner.run({
        flow: request.flow,
        env: prepared.envName,
        onEvent: (event: RunEvent) => {
          recorder.onEvent(event);
          if (event.type === 'idp-connected' || event.type === 'idp-failed')
            // The failure's message reaches a tooltip: masked like every other text of the run.
            this.idpEvents.fire({ source: request.source, event: recorder.secretRegistry.value(event) });
          if (event.type === 'step-start') report(`step ${event.path}`);
          if (event.type === 'step-end') {
            const s = event.step;
            const verdict = s.verdict && s.verdict.code !== 'ok' ? ` · ${s.verdict.summary}` : '';
            this.log.info(
              `  ${s.path} ${s.type}: ${s.status}${s.result.response ? ` (HTTP ${s.result.response.status})` : ''}${s.error ? ` · ${s.error.code}: ${s.error.message}` : ''}${verdict}`,
              secrets(),
            );
          }
          if (event.type === 'exchange')
            this.log.debug(
              `    ${event.exchange.request.method} ${event.exchange.request.url} → ${event.exchange.response?.status ?? event.exchange.error?.code ?? '?'}`,
              [...secrets(), ...event.exchange.secrets],
            );
          if (event.type === 'note') this.log.info(`    note: ${event.message}`, secrets());
          if (event.type === 'run-end')
            this.log.info(`Run ${request.title}: ${event.result.status} in ${event.result.durationMs} ms`);
          push(event.type === 'step-end' || event.type === 'run-end');
        },
      });
    } finally {
      stopListening();
      await http.close();
    }
  }
}
