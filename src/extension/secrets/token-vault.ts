/**
 * Tokens fetched from the sidebar. Values live in the secret store (VS Code
 * SecretStorage); only what the tree and status bar show (IdP, grant, expiry,
 * scope: never a token) is kept in memory and in the workspace state.
 */
import type { KeyValueStore } from '../history/run-history';
import { Emitter } from '../../core/emitter';
import type { Event } from '../../core/emitter';
import { formatSpan } from '../../core/duration';

/** The part of vscode.SecretStorage this needs. */
export interface SecretStore {
  get(key: string): Thenable<string | undefined> | Promise<string | undefined>;
  store(key: string, value: string): Thenable<void> | Promise<void>;
  delete(key: string): Thenable<void> | Promise<void>;
}

export interface TokenMeta {
  id: string;
  /** The IdP entry the token came from (IdP tree id). */
  idpId: string;
  /** The flow source the IdP is defined in. */
  sourceId: string;
  idpName: string;
  grant: string;
  obtainedAt: number;
  /** Epoch seconds. */
  expiresAt?: number;
  scope?: string;
  kind: 'jwt' | 'jwe' | 'opaque';
  subject?: string;
  hasRefreshToken: boolean;
  hasIdToken: boolean;
}

export interface TokenValues {
  accessToken: string;
  refreshToken?: string;
  idToken?: string;
}

const META_KEY = 'oidcFlow.tokens.v1';
const SECRET_PREFIX = 'oidcFlow.token/';
const MAX_TOKENS = 20;

/** Seconds left before `expiresAt`, or undefined when the token has no expiry. */
export function secondsLeft(meta: Pick<TokenMeta, 'expiresAt'>, nowMs: number): number | undefined {
  return meta.expiresAt === undefined ? undefined : Math.floor(meta.expiresAt - nowMs / 1000);
}

/** "59m 12s", "3h 5m", "expired 2m ago", "no expiry". */
export function formatTimeLeft(seconds: number | undefined): string {
  if (seconds === undefined) return 'no expiry';
  const text = formatSpan(seconds);
  return seconds < 0 ? `expired ${text} ago` : text;
}

export class TokenVault {
  private metas: TokenMeta[];
  private readonly changes = new Emitter<void>();
  /** Fires after every change of the list. */
  readonly onDidChange: Event<void> = this.changes.event;
  private counter = 0;

  constructor(
    private readonly secrets: SecretStore,
    private readonly state: KeyValueStore,
    private readonly now: () => number = Date.now,
  ) {
    const saved = state.get<unknown>(META_KEY);
    this.metas = Array.isArray(saved)
      ? (saved as TokenMeta[]).filter((m) => typeof m?.id === 'string' && typeof m.idpId === 'string')
      : [];
  }

  /** Stores a token: values to the secret store, the rest to the list. Returns its metadata. */
  async add(meta: Omit<TokenMeta, 'id' | 'obtainedAt'>, values: TokenValues): Promise<TokenMeta> {
    this.counter += 1;
    const full: TokenMeta = { ...meta, id: `${this.now().toString(36)}-${this.counter}`, obtainedAt: this.now() };
    await this.secrets.store(SECRET_PREFIX + full.id, JSON.stringify(values));
    const dropped = [full, ...this.metas].slice(MAX_TOKENS);
    this.metas = [full, ...this.metas].slice(0, MAX_TOKENS);
    for (const old of dropped) await this.secrets.delete(SECRET_PREFIX + old.id);
    await this.save();
    return full;
  }

  list(): TokenMeta[] {
    return [...this.metas];
  }

  forIdp(idpId: string): TokenMeta[] {
    return this.metas.filter((m) => m.idpId === idpId);
  }

  get(id: string): TokenMeta | undefined {
    return this.metas.find((m) => m.id === id);
  }

  /** The newest token that has not expired, for the status bar. */
  active(): TokenMeta | undefined {
    const now = this.now();
    return this.metas.find((m) => (secondsLeft(m, now) ?? 1) > 0);
  }

  /** The token values; undefined when the secret store no longer has them. */
  async values(id: string): Promise<TokenValues | undefined> {
    const raw = await this.secrets.get(SECRET_PREFIX + id);
    if (!raw) return undefined;
    try {
      const parsed = JSON.parse(raw) as TokenValues;
      return typeof parsed.accessToken === 'string' ? parsed : undefined;
    } catch {
      return undefined;
    }
  }

  async remove(id: string): Promise<void> {
    this.metas = this.metas.filter((m) => m.id !== id);
    await this.secrets.delete(SECRET_PREFIX + id);
    await this.save();
  }

  private async save(): Promise<void> {
    await this.state.update(META_KEY, this.metas);
    this.changes.fire();
  }
}
