/**
 * Credentials of configured gateway sources (a Kong Admin API RBAC token, a
 * Konnect personal access token) in VS Code's SecretStorage, one entry per
 * source name. Kept apart from the `${secret:KEY}` values so they are never
 * offered to flow files. Each token is kept with the origin it was set for
 * (see gateway-token-policy.ts): a source's name is only a label a workspace
 * can reuse, its URL is what the person trusted.
 */
import type { SecretStore } from '../secrets/token-vault';
import type { StoredGatewayToken } from './gateway-token-policy';

const PREFIX = 'oidcFlow.gatewayToken/';

/** The SecretStorage key of a source's token. */
export function gatewayTokenKey(sourceName: string): string {
  return PREFIX + sourceName;
}

/** Reads either format: `{"v":2,token,origin}` or an older plain token (kept, never dropped). */
export function parseStoredToken(raw: string | undefined): StoredGatewayToken | undefined {
  if (!raw) return undefined;
  if (raw.startsWith('{')) {
    try {
      const value = JSON.parse(raw) as { v?: unknown; token?: unknown; origin?: unknown };
      if (value.v === 2 && typeof value.token === 'string' && value.token) {
        return typeof value.origin === 'string' ? { token: value.token, origin: value.origin } : { token: value.token };
      }
    } catch {
      // Not ours: an older plain token that happens to start with "{".
    }
  }
  return { token: raw };
}

export class GatewayTokens {
  constructor(private readonly store: SecretStore) {}

  async get(sourceName: string): Promise<StoredGatewayToken | undefined> {
    return parseStoredToken(await this.store.get(gatewayTokenKey(sourceName)));
  }

  /** Stores `token` for the origin the source points at now. */
  async set(sourceName: string, token: string, origin: string | undefined): Promise<void> {
    await this.store.store(
      gatewayTokenKey(sourceName),
      JSON.stringify(origin ? { v: 2, token, origin } : { v: 2, token }),
    );
  }

  async delete(sourceName: string): Promise<void> {
    await this.store.delete(gatewayTokenKey(sourceName));
  }
}
