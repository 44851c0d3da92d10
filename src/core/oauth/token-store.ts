import type { Clock } from '../clock';
import { systemClock } from '../clock';
import { Emitter } from '../emitter';
import { isOidcError } from '../errors';
import type { TokenSet } from './token-response';

export type TokenSource = 'cache' | 'fetched' | 'refreshed' | 'refetched-after-expiry';

export interface TokenStoreGetOptions {
  /** Gets a brand-new token (e.g. the client credentials grant). */
  fetch: () => Promise<TokenSet>;
  /** Uses a refresh token; when absent or refused with invalid_grant, `fetch` runs instead. */
  refresh?: (refreshToken: string) => Promise<TokenSet>;
  /** Seconds before expiry at which a token counts as expired; default 30. */
  skewSeconds?: number;
}

/** What a listing shows: never the token values. */
export interface TokenSummary {
  key: string;
  tokenType: string;
  obtainedAt: number;
  expiresAt?: number;
  scope?: string[];
  hasRefreshToken: boolean;
  hasIdToken: boolean;
}

export interface TokenStoreChange {
  key: string;
  kind: 'stored' | 'invalidated';
  summary?: TokenSummary;
}

interface Pending {
  promise: Promise<{ token: TokenSet; source: TokenSource }>;
}

/** Caches tokens per key, renews them near expiry, and shares in-flight requests. */
export class TokenStore {
  private readonly tokens = new Map<string, TokenSet>();
  private readonly pending = new Map<string, Pending>();
  // Bumped by invalidate() so an answer that was in flight is not stored afterwards.
  private readonly generations = new Map<string, number>();
  private readonly changed = new Emitter<TokenStoreChange>();
  /** Fires on every store and invalidation. */
  readonly onDidChange = this.changed.event;
  private readonly clock: Clock;

  constructor(options: { clock?: Clock } = {}) {
    this.clock = options.clock ?? systemClock;
  }

  /** The cached token while fresh; otherwise a refreshed or newly fetched one. */
  get(key: string, options: TokenStoreGetOptions): Promise<{ token: TokenSet; source: TokenSource }> {
    const inFlight = this.pending.get(key);
    if (inFlight) return inFlight.promise;
    const cached = this.tokens.get(key);
    const skewMs = (options.skewSeconds ?? 30) * 1000;
    if (cached && (cached.expiresAt === undefined || this.clock.now() < cached.expiresAt - skewMs)) {
      return Promise.resolve({ token: cached, source: 'cache' });
    }
    const generation = this.generations.get(key) ?? 0;
    const promise = this.renew(cached, options).then((outcome) => {
      if ((this.generations.get(key) ?? 0) === generation) this.store(key, outcome.token);
      return outcome;
    });
    const entry: Pending = { promise };
    this.pending.set(key, entry);
    const clear = (): void => {
      if (this.pending.get(key) === entry) this.pending.delete(key);
    };
    promise.then(clear, clear);
    return promise;
  }

  private async renew(
    cached: TokenSet | undefined,
    options: TokenStoreGetOptions,
  ): Promise<{ token: TokenSet; source: TokenSource }> {
    if (!cached) return { token: await options.fetch(), source: 'fetched' };
    if (cached.refreshToken && options.refresh) {
      try {
        return { token: await options.refresh(cached.refreshToken), source: 'refreshed' };
      } catch (error) {
        // A dead refresh token is routine; anything else (network, server) must surface.
        if (!(isOidcError(error) && error.code === 'oauth.invalid_grant')) throw error;
      }
    }
    return { token: await options.fetch(), source: 'refetched-after-expiry' };
  }

  private store(key: string, token: TokenSet): void {
    this.tokens.set(key, token);
    this.emit({ key, kind: 'stored', summary: summarize(key, token) });
  }

  /** Forgets the token under `key`; the next get fetches anew. */
  invalidate(key: string): void {
    this.generations.set(key, (this.generations.get(key) ?? 0) + 1);
    this.pending.delete(key);
    if (this.tokens.delete(key)) this.emit({ key, kind: 'invalidated' });
  }

  /** One summary per cached token, for display; carries no token values. */
  list(): TokenSummary[] {
    return [...this.tokens.entries()].map(([key, token]) => summarize(key, token));
  }

  private emit(change: TokenStoreChange): void {
    this.changed.fire(change);
  }
}

function summarize(key: string, token: TokenSet): TokenSummary {
  return {
    key,
    tokenType: token.tokenType,
    obtainedAt: token.obtainedAt,
    expiresAt: token.expiresAt,
    scope: token.scope,
    hasRefreshToken: Boolean(token.refreshToken),
    hasIdToken: Boolean(token.idToken),
  };
}
