/**
 * What the extension knows about each IdP's discovery: from the Discover
 * command and from every run that connected to the IdP, so the IdP tree
 * says "discovered" once anything has read the document. No vscode import.
 */
import { Emitter } from '../../core/emitter';
import type { RunEvent } from '../../core/flow/runner';
import type { FlowSource } from '../workspace/source-model';
import { entryId, SANDBOX_SOURCE_ID } from '../workspace/source-model';
import type { DiscoveryState } from './idp-nodes';
import { endpointsFromMetadata } from './idp-nodes';

export class IdpDiscovery {
  private readonly states = new Map<string, DiscoveryState>();
  private readonly changed = new Emitter<void>();
  readonly onDidChange = this.changed.event;

  get(entryId: string): DiscoveryState | undefined {
    return this.states.get(entryId);
  }

  set(entryId: string, state: DiscoveryState): void {
    this.states.set(entryId, state);
    this.changed.fire();
  }

  /** Forgets every IdP of a source: a restarted sandbox has new ports, so what was read of the old one is wrong. */
  forgetSource(sourceId: string): void {
    const prefix = entryId.idp(sourceId, '');
    const before = this.states.size;
    for (const id of [...this.states.keys()]) if (id.startsWith(prefix)) this.states.delete(id);
    if (this.states.size !== before) this.changed.fire();
  }

  /** Keeps what a run of `source` learned about one of its IdPs (the run service masked its secrets). */
  learn(source: Pick<FlowSource, 'id' | 'kind'>, event: RunEvent): void {
    if (event.type !== 'idp-connected' && event.type !== 'idp-failed') return;
    // The built-in demo's IdPs are the sandbox's (sandboxSource copies them): the tree lists them under the sandbox.
    const id = entryId.idp(source.kind === 'sandbox' ? SANDBOX_SOURCE_ID : source.id, event.name);
    if (event.type === 'idp-failed') {
      this.set(id, { status: 'failed', code: event.code, message: event.message, at: event.at });
      return;
    }
    // Endpoints written by hand, without a discovery document, leave the state as it was.
    if (!event.discovered) return;
    this.set(id, {
      status: 'ok',
      issuer: event.metadata.issuer,
      endpoints: endpointsFromMetadata(event.metadata as unknown as Record<string, unknown>),
      at: event.at,
    });
  }

  dispose(): void {
    this.changed.dispose();
  }
}
