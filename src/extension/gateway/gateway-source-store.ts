/**
 * What the Gateway Routes view knows about each configured gateway source:
 * the last model read, each route's lint findings, when it was read, and
 * why the last read failed. A failed refresh keeps what was read before, so
 * the view never goes blank because a gateway is briefly unreachable.
 *
 * Nothing is read until the view asks (ensureLoaded) or a refresh is
 * requested; the lint is imported on first use. No vscode import.
 */
import type { LintFinding } from '../../core/gateway/lint';
import type { GatewayModel, GatewayRoute } from '../../core/gateway/model';
import type { GatewaySourceConfig } from './gateway-settings';
import { gatewaySourceId } from './gateway-settings';
import { Emitter } from '../../core/emitter';
import type { Event } from '../../core/emitter';

/** A failed read, as the core's OidcError described it. */
export interface GatewaySourceError {
  code: string;
  message: string;
  hint?: string;
  /** When the read failed (ms since epoch). */
  at: number;
}

export interface GatewaySourceState {
  /** `gateway:<name>`; stable while the name is. */
  id: string;
  config: GatewaySourceConfig;
  /** The last model read successfully. */
  model?: GatewayModel;
  /** Lint findings of the model's routes, by gatewayRouteKey. */
  findings: ReadonlyMap<string, readonly LintFinding[]>;
  /** When `model` was read (ms since epoch). */
  loadedAt?: number;
  /** Why the last read failed; cleared by the next successful read. */
  error?: GatewaySourceError;
  refreshing: boolean;
}

export type GatewayRouteLinter = (route: GatewayRoute, model: GatewayModel) => readonly LintFinding[];

export interface GatewaySourceStoreDeps {
  /** Reads one source (the real one calls loadGatewayModel). */
  load(config: GatewaySourceConfig): Promise<GatewayModel>;
  /** Lints one route without I/O; default: the core's lintGatewayRoute, imported on first use. */
  linter?(): Promise<GatewayRouteLinter>;
  now?(): number;
  /** Told about every failed read (for the output channel). */
  onError?(config: GatewaySourceConfig, error: GatewaySourceError): void;
}

/** A route's key within its source: its id when the source gives one, else service and name. */
export function gatewayRouteKey(route: Pick<GatewayRoute, 'id' | 'service' | 'name'>): string {
  return route.id ?? `${route.service}/${route.name}`;
}

function describeError(error: unknown, at: number): GatewaySourceError {
  const value = (typeof error === 'object' && error !== null ? error : {}) as {
    code?: unknown;
    message?: unknown;
    hint?: unknown;
  };
  const message = typeof value.message === 'string' ? value.message : String(error);
  return {
    code: typeof value.code === 'string' ? value.code : 'internal',
    message,
    ...(typeof value.hint === 'string' && value.hint ? { hint: value.hint } : {}),
    at,
  };
}

async function defaultLinter(): Promise<GatewayRouteLinter> {
  const { lintGatewayRoute } = await import('../../core/gateway/route-lint');
  // No discovery and no token here: the tree lints offline; `oidc-flow lint` adds the IdP's view.
  return (route, model) => lintGatewayRoute(route, model);
}

interface Entry {
  state: GatewaySourceState;
  /** Whether the view should read this source the next time it asks. */
  pending: boolean;
  /** Bumped by every read and reconfiguration, so a late answer for an old config is dropped. */
  generation: number;
  inFlight?: Promise<void>;
}

export class GatewaySourceStore {
  private entries = new Map<string, Entry>();
  private readonly changes = new Emitter<void>();
  /** Fires after every change of a source's state. */
  readonly onDidChange: Event<void> = this.changes.event;
  private disposed = false;

  constructor(private readonly deps: GatewaySourceStoreDeps) {}

  /**
   * Sets the configured sources (from the setting). A source whose entry
   * changed keeps what it showed and is read again the next time the view
   * asks; a source no longer configured is dropped.
   */
  configure(configs: readonly GatewaySourceConfig[]): void {
    const next = new Map<string, Entry>();
    let changed = configs.length !== this.entries.size;
    for (const config of configs) {
      const id = gatewaySourceId(config.name);
      const old = this.entries.get(id);
      if (old && JSON.stringify(old.state.config) === JSON.stringify(config)) {
        next.set(id, old);
        continue;
      }
      changed = true;
      if (old) {
        old.generation += 1;
        next.set(id, { state: { ...old.state, config, refreshing: false }, pending: true, generation: old.generation });
      } else {
        next.set(id, { state: { id, config, findings: new Map(), refreshing: false }, pending: true, generation: 0 });
      }
    }
    for (const [id, old] of this.entries) if (!next.has(id)) old.generation += 1;
    this.entries = next;
    if (changed) this.fire();
  }

  /** Every configured source, in setting order. */
  states(): GatewaySourceState[] {
    return [...this.entries.values()].map((entry) => entry.state);
  }

  state(id: string): GatewaySourceState | undefined {
    return this.entries.get(id)?.state;
  }

  /** Reads the sources not read since they were configured; what the view calls when it shows. */
  ensureLoaded(): Promise<void> {
    const waits = [...this.entries.values()].map((entry) =>
      entry.pending ? this.read(entry) : (entry.inFlight ?? Promise.resolve()),
    );
    return Promise.all(waits).then(() => undefined);
  }

  /** Reads one source again (or all when no id); resolves when done, whatever the outcome. */
  refresh(id?: string): Promise<void> {
    const targets =
      id === undefined ? [...this.entries.values()] : [this.entries.get(id)].filter((e): e is Entry => e !== undefined);
    return Promise.all(targets.map((entry) => entry.inFlight ?? this.read(entry))).then(() => undefined);
  }

  dispose(): void {
    this.disposed = true;
    for (const entry of this.entries.values()) entry.generation += 1;
    this.changes.dispose();
  }

  private read(entry: Entry): Promise<void> {
    entry.pending = false;
    const generation = ++entry.generation;
    const config = entry.state.config;
    const current = () =>
      !this.disposed && entry.generation === generation && this.entries.get(entry.state.id) === entry;
    entry.state = { ...entry.state, refreshing: true };
    this.fire();
    const run = (async () => {
      try {
        const model = await this.deps.load(config);
        const lint = await (this.deps.linter ?? defaultLinter)();
        const findings = new Map<string, readonly LintFinding[]>();
        for (const route of model.routes) findings.set(gatewayRouteKey(route), lint(route, model));
        if (!current()) return;
        const { error: _previous, ...rest } = entry.state;
        entry.state = { ...rest, model, findings, loadedAt: this.now(), refreshing: false };
      } catch (error) {
        if (!current()) return;
        const described = describeError(error, this.now());
        entry.state = { ...entry.state, error: described, refreshing: false };
        this.deps.onError?.(config, described);
      } finally {
        if (entry.generation === generation) entry.inFlight = undefined;
      }
      this.fire();
    })();
    entry.inFlight = run;
    return run;
  }

  private now(): number {
    return this.deps.now ? this.deps.now() : Date.now();
  }

  private fire(): void {
    if (this.disposed) return;
    this.changes.fire();
  }
}
