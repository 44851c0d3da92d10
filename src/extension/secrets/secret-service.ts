/**
 * The values behind `${secret:KEY}` references, kept in VS Code's
 * SecretStorage under the workspace folder that owns the flow file: a flow
 * in one project cannot read another project's secrets by naming the same
 * key. Only key names are remembered elsewhere (to offer them in pickers);
 * values never leave the secret store except into a run.
 */
import type { KeyValueStore } from '../history/run-history';
import type { SecretStore } from './token-vault';

/** Where values stored before secrets were scoped still live (read only to offer a move). */
const LEGACY_PREFIX = 'oidcFlow.secret/';
// A prefix of its own: a legacy key may contain "/", so "<scope>/<key>" under the old prefix could collide.
const PREFIX = 'oidcFlow.secretIn/';
const KEYS = 'oidcFlow.secretKeys.v2';
/** Legacy keys a workspace was offered and declined, so the offer is made once. */
const DECLINED = 'oidcFlow.secretMoveDeclined.v1';
const KEY_PATTERN = /^[A-Za-z0-9_.\-/]+$/;

/** True when `key` can be written as ${secret:KEY}. */
export function isValidSecretKey(key: string): boolean {
  return KEY_PATTERN.test(key) && key.length <= 200;
}

/** The workspace folder (or, outside any folder, the directory) whose flow files share secrets. */
export interface SecretScope {
  /** A hash of the folder's URI: stable, and no path in SecretStorage keys. */
  id: string;
  /** The folder's name, for prompts. */
  label: string;
}

/**
 * Asked once per key and scope when a value stored before this change exists:
 * true moves it into the scope.
 */
export type OfferLegacySecret = (key: string, scope: SecretScope) => Promise<boolean>;

type ByScope = Record<string, string[]>;

export class SecretService {
  constructor(
    private readonly store: SecretStore,
    private readonly names: KeyValueStore,
  ) {}

  async get(scope: SecretScope, key: string): Promise<string | undefined> {
    const value = await this.store.get(this.storageKey(scope, key));
    return value === '' ? undefined : value;
  }

  async set(scope: SecretScope, key: string, value: string): Promise<void> {
    await this.store.store(this.storageKey(scope, key), value);
    await this.updateList(KEYS, scope, (known) => [...new Set([...known, key])].sort());
  }

  async delete(scope: SecretScope, key: string): Promise<void> {
    await this.store.delete(this.storageKey(scope, key));
    await this.updateList(KEYS, scope, (known) => known.filter((k) => k !== key));
  }

  /** Key names stored for `scope` (values are not listed anywhere). */
  keys(scope: SecretScope): string[] {
    return this.list(KEYS, scope);
  }

  /**
   * Values for `keys` in `scope`, looked up once before a run; missing keys
   * are absent. A key stored before secrets were scoped is offered once
   * (`offer`) and copied into the scope on consent; the old value stays where
   * it was, so another project that used it loses nothing.
   */
  async resolve(
    scope: SecretScope,
    keys: readonly string[],
    offer?: OfferLegacySecret,
  ): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const key of keys) {
      let value = await this.get(scope, key);
      if (value === undefined && offer) value = await this.offerLegacy(scope, key, offer);
      if (value !== undefined) out[key] = value;
    }
    return out;
  }

  private async offerLegacy(scope: SecretScope, key: string, offer: OfferLegacySecret): Promise<string | undefined> {
    if (this.list(DECLINED, scope).includes(key)) return undefined;
    const legacy = await this.store.get(LEGACY_PREFIX + key);
    if (!legacy) return undefined;
    if (!(await offer(key, scope))) {
      await this.updateList(DECLINED, scope, (declined) => [...new Set([...declined, key])].sort());
      return undefined;
    }
    await this.set(scope, key, legacy);
    return legacy;
  }

  private storageKey(scope: SecretScope, key: string): string {
    return `${PREFIX}${scope.id}/${key}`;
  }

  private list(name: string, scope: SecretScope): string[] {
    const saved = this.names.get<unknown>(name);
    const list = saved && typeof saved === 'object' ? (saved as ByScope)[scope.id] : undefined;
    return Array.isArray(list) ? list.filter((k): k is string => typeof k === 'string') : [];
  }

  private async updateList(name: string, scope: SecretScope, change: (list: string[]) => string[]): Promise<void> {
    const saved = this.names.get<unknown>(name);
    const all: ByScope = saved && typeof saved === 'object' && !Array.isArray(saved) ? { ...(saved as ByScope) } : {};
    all[scope.id] = change(this.list(name, scope));
    await this.names.update(name, all);
  }
}
