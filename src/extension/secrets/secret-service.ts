/**
 * The values behind `${secret:KEY}` references, kept in VS Code's
 * SecretStorage. Only key names are remembered elsewhere (to offer them in
 * pickers); values never leave the secret store except into a run.
 */
import type { KeyValueStore } from '../history/run-history';
import type { SecretStore } from './token-vault';

const PREFIX = 'oidcFlow.secret/';
const KEYS = 'oidcFlow.secretKeys.v1';
const KEY_PATTERN = /^[A-Za-z0-9_.\-/]+$/;

/** True when `key` can be written as ${secret:KEY}. */
export function isValidSecretKey(key: string): boolean {
  return KEY_PATTERN.test(key) && key.length <= 200;
}

export class SecretService {
  constructor(
    private readonly store: SecretStore,
    private readonly names: KeyValueStore,
  ) {}

  async get(key: string): Promise<string | undefined> {
    const value = await this.store.get(PREFIX + key);
    return value === '' ? undefined : value;
  }

  async set(key: string, value: string): Promise<void> {
    await this.store.store(PREFIX + key, value);
    const known = new Set(this.keys());
    known.add(key);
    await this.names.update(KEYS, [...known].sort());
  }

  async delete(key: string): Promise<void> {
    await this.store.delete(PREFIX + key);
    await this.names.update(
      KEYS,
      this.keys().filter((k) => k !== key),
    );
  }

  /** Key names stored through this extension (values are not listed anywhere). */
  keys(): string[] {
    const saved = this.names.get<unknown>(KEYS);
    return Array.isArray(saved) ? saved.filter((k): k is string => typeof k === 'string') : [];
  }

  /** Values for `keys`, looked up once before a run; missing keys are absent. */
  async resolve(keys: readonly string[]): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const key of keys) {
      const value = await this.get(key);
      if (value !== undefined) out[key] = value;
    }
    return out;
  }
}
