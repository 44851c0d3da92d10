import type { Clock } from '../clock';
import type { HttpClient } from '../http/types';
import type { ConnectedIdp, TokenStore } from '../oauth';
import type { RunnerDeps } from './runner';

/** An introspection answer remembered for a token. */
export interface KnownIntrospection {
  active: boolean;
  claims: Record<string, unknown>;
}

/**
 * What the step pieces (token, HTTP, diagnosis) share with the run loop:
 * the injected dependencies and what this run has learnt so far. Passed as
 * one object so the pieces stay functions, testable without a FlowRunner.
 */
export interface RunScope {
  deps: RunnerDeps;
  clock: Clock;
  tokenStore: TokenStore;
  /** Connects to a flow-file IdP, at most once per run environment. */
  idp(name: string, http: HttpClient): Promise<ConnectedIdp>;
  /**
   * An IdP this run already connected to, without connecting or waiting (undefined when it did not,
   * failed, or is still connecting). Synchronous: every call step's lint asks, and an await a call
   * costs more than the answer.
   */
  knownIdp(name: string): ConnectedIdp | undefined;
  /** Which IdP issued each token seen in this run. */
  tokenOrigin: Map<string, string>;
  /** The last introspection answer per token in this run. */
  lastIntrospection: Map<string, KnownIntrospection>;
}
