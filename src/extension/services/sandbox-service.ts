import type * as vscode from 'vscode';
import type { HttpExchange } from '../../core/http/types';
import type { Sandbox } from '../../core/sandbox/sandbox';
import { CONTEXT_KEYS } from '../commands/command-ids';
import type { RedactedLog } from './log';

/**
 * The local sandbox (IdP + gateway + upstream) running inside the extension
 * host. Started on demand only; its gateway's own calls to the IdP are
 * passed to whoever listens (the run in progress) so the timeline shows them.
 */
export class SandboxService implements vscode.Disposable {
  private sandbox?: Sandbox;
  private starting?: Promise<Sandbox>;
  private readonly emitter: vscode.EventEmitter<Sandbox | undefined>;
  private gatewayListener?: (exchange: HttpExchange) => void;
  readonly onDidChange: vscode.Event<Sandbox | undefined>;

  constructor(
    private readonly vs: typeof vscode,
    private readonly log: RedactedLog,
  ) {
    this.emitter = new vs.EventEmitter<Sandbox | undefined>();
    this.onDidChange = this.emitter.event;
  }

  get current(): Sandbox | undefined {
    return this.sandbox;
  }

  /** Routes the gateway's IdP calls to `listener` until the returned function is called. */
  listenToGateway(listener: (exchange: HttpExchange) => void): () => void {
    this.gatewayListener = listener;
    return () => {
      if (this.gatewayListener === listener) this.gatewayListener = undefined;
    };
  }

  /** Starts the sandbox, or returns the running one. */
  async start(): Promise<Sandbox> {
    if (this.sandbox) return this.sandbox;
    this.starting ??= this.boot().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async boot(): Promise<Sandbox> {
    const { startSandbox } = await import('../../core/sandbox/sandbox');
    const { createHttpClient } = await import('../../core/http/client');
    const sandbox = await startSandbox({
      createHttpClient: ({ ca }) =>
        createHttpClient({
          ca,
          env: {},
          onExchange: (exchange) => {
            const labelled = {
              ...exchange,
              lane: 'gateway' as const,
              label: exchange.label?.startsWith('gateway')
                ? exchange.label
                : `gateway: ${exchange.label ?? 'IdP call'}`,
            };
            this.gatewayListener?.(labelled);
          },
        }),
      onDecision: (event) =>
        this.log.info(
          `sandbox gateway: ${event.route ?? '?'} → ${event.status}${event.reason ? ` (${event.reason})` : ''}`,
        ),
    });
    this.sandbox = sandbox;
    this.log.info(`Sandbox started: IdP ${sandbox.idp.issuer}, gateway ${sandbox.gateway.url}`);
    await this.vs.commands.executeCommand('setContext', CONTEXT_KEYS.sandboxRunning, true);
    this.emitter.fire(sandbox);
    return sandbox;
  }

  async stop(): Promise<boolean> {
    const sandbox = this.sandbox;
    if (!sandbox) return false;
    this.sandbox = undefined;
    await sandbox.close();
    this.log.info('Sandbox stopped.');
    await this.vs.commands.executeCommand('setContext', CONTEXT_KEYS.sandboxRunning, false);
    this.emitter.fire(undefined);
    return true;
  }

  dispose(): void {
    void this.sandbox?.close();
    this.sandbox = undefined;
    this.emitter.dispose();
  }
}
