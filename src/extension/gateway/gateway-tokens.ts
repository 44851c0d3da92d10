/**
 * Credentials of configured gateway sources (a Kong Admin API RBAC token, a
 * Konnect personal access token) in VS Code's SecretStorage, one entry per
 * source name. Kept apart from the `${secret:KEY}` values so they are never
 * offered to flow files.
 */
import type { SecretStore } from '../secrets/token-vault';

const PREFIX = 'oidcFlow.gatewayToken/';

/** The SecretStorage key of a source's token. */
export function gatewayTokenKey(sourceName: string): string {
  return PREFIX + sourceName;
}

export class GatewayTokens {
  constructor(private readonly store: SecretStore) {}

  async get(sourceName: string): Promise<string | undefined> {
    const value = await this.store.get(gatewayTokenKey(sourceName));
    return value ? value : undefined;
  }

  async set(sourceName: string, token: string): Promise<void> {
    await this.store.store(gatewayTokenKey(sourceName), token);
  }

  async delete(sourceName: string): Promise<void> {
    await this.store.delete(gatewayTokenKey(sourceName));
  }
}
