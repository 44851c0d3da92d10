import type { KeyValueStore } from '../../src/extension/history/run-history';
import type { SecretStore } from '../../src/extension/secrets/token-vault';

/** A vscode.Memento stand-in that keeps what a reload would see: values go through JSON. */
export function memoryMemento(): KeyValueStore & { data: Map<string, string>; raw(): string } {
  const data = new Map<string, string>();
  return {
    data,
    get: <T>(key: string) => (data.has(key) ? (JSON.parse(data.get(key)!) as T) : undefined),
    update: async (key: string, value: unknown) => void data.set(key, JSON.stringify(value)),
    raw: () => [...data.values()].join('\n'),
  };
}

/** A vscode.SecretStorage stand-in over a Map the test can inspect. */
export function memorySecrets(): SecretStore & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    get: async (key) => data.get(key),
    store: async (key, value) => void data.set(key, value),
    delete: async (key) => void data.delete(key),
  };
}
