import type { Adapter, AnyObject } from 'oidc-provider';
import { OidcError } from '../../errors';

/**
 * oidc-provider's storage for the sandbox: in memory, shared by every
 * Provider instance of one IdP (a key rotation builds a new Provider and
 * must keep sessions, grants and tokens), with two sandbox twists:
 *
 * - Clients come from a registry that can deactivate them, so a deactivated
 *   client is simply unknown, as an Okta app that was deactivated. Every
 *   token, code and grant remembers which activation of its client it was
 *   issued under, so reactivating the app does not revive them: Okta
 *   invalidates a deactivated app's tokens for good ("Reactivating a
 *   deactivated app does not revive its old tokens", shared/reference/protocols.md).
 * - JWT access tokens are not stored by oidc-provider. The sandbox keeps a
 *   "shadow" record for each one, reachable only through the `~jwt~<jti>`
 *   handle, so introspection, revocation and grant revocation work on them
 *   as Okta's do.
 */

/** Handle under which a JWT access token's shadow record is found. */
export const JWT_HANDLE_PREFIX = '~jwt~';

interface Entry {
  payload: AnyObject;
  /** epoch ms; undefined = no expiry */
  expiresAt?: number;
  shadow: boolean;
  /** The client's activation the entry was made under; undefined for entries of no client. */
  activation?: number;
}

const GRANTABLE = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'ClientCredentials',
]);

/**
 * Entries below which the store is never swept. A dead entry (expired, or of a client deactivated
 * since) is otherwise only dropped when looked up, and the scenario's tokens never are again: a
 * sandbox left running (the extension's, a soak) grew with every token it issued.
 */
const MIN_SWEEP_AT = 1024;

/** Client metadata the registry serves while the client is active. */
export type ClientMetadata = AnyObject & { client_id: string };

export class SandboxStore {
  readonly #entries = new Map<string, Entry>();
  readonly #grants = new Map<string, Set<string>>();
  readonly #userCodes = new Map<string, string>();
  readonly #sessionUids = new Map<string, string>();
  readonly #clients = new Map<string, ClientMetadata>();
  readonly #inactiveClients = new Set<string>();
  /** Bumped on each deactivation: entries of an earlier activation are dead. */
  readonly #activations = new Map<string, number>();
  /** The entry count at which the next sweep runs; doubling keeps sweeping linear over a run. */
  #sweepAt = MIN_SWEEP_AT;

  constructor(private readonly clockToleranceSeconds = 0) {}

  /** The adapter factory handed to oidc-provider's `adapter` option. */
  adapterFactory(): (model: string) => Adapter {
    return (model: string) => this.#adapter(model);
  }

  registerClient(metadata: ClientMetadata): void {
    this.#clients.set(metadata.client_id, metadata);
  }

  /** Throws sandbox.idp.unknown_client unless the client is registered. */
  requireClient(clientId: string): void {
    if (!this.#clients.has(clientId)) {
      throw new OidcError('sandbox.idp.unknown_client', `The sandbox IdP has no client "${clientId}".`, {
        hint: `Use one of: ${[...this.#clients.keys()].join(', ')}.`,
      });
    }
  }

  setClientActive(clientId: string, active: boolean): void {
    this.requireClient(clientId);
    if (active) this.#inactiveClients.delete(clientId);
    else if (!this.#inactiveClients.has(clientId)) {
      this.#inactiveClients.add(clientId);
      this.#activations.set(clientId, this.#activation(clientId) + 1);
    }
  }

  isClientActive(clientId: string): boolean {
    return this.#clients.has(clientId) && !this.#inactiveClients.has(clientId);
  }

  #activation(clientId: string): number {
    return this.#activations.get(clientId) ?? 0;
  }

  /** Removes everything issued under a grant (tokens, codes), as revoking the grant at Okta does. */
  revokeGrant(grantId: string): void {
    for (const key of this.#grants.get(grantId) ?? []) this.#delete(key);
    this.#grants.delete(grantId);
  }

  /** Records a JWT access token so it can be introspected and revoked. */
  recordJwtAccessToken(
    model: 'AccessToken' | 'ClientCredentials',
    payload: AnyObject & { jti: string; exp: number },
  ): void {
    const key = `${model}:${payload.jti}`;
    this.#set(key, model, payload, payload.exp * 1000, true);
  }

  #adapter(model: string): Adapter {
    const keyOf = (id: string): string => `${model}:${id}`;
    const lookup = (id: string): AnyObject | undefined => {
      if (model === 'Client') {
        return this.isClientActive(id) ? structuredClone(this.#clients.get(id)) : undefined;
      }
      const handle = id.startsWith(JWT_HANDLE_PREFIX);
      const entry = this.#get(keyOf(handle ? id.slice(JWT_HANDLE_PREFIX.length) : id));
      // A shadow is only reachable through its handle, and a handle only reaches shadows:
      // a bare jti must not work as an opaque token.
      if (!entry || entry.shadow !== handle) return undefined;
      const { clientId } = entry.payload;
      if (typeof clientId === 'string' && entry.activation !== this.#activation(clientId)) return undefined;
      return entry.payload;
    };
    return {
      upsert: async (id, payload, expiresIn) => {
        const expiresAt =
          typeof expiresIn === 'number' ? Date.now() + (expiresIn + this.clockToleranceSeconds) * 1000 : undefined;
        this.#set(keyOf(id), model, payload, expiresAt, false);
      },
      find: async (id) => lookup(id),
      findByUserCode: async (userCode) => {
        const id = this.#userCodes.get(userCode);
        return id === undefined ? undefined : lookup(id);
      },
      findByUid: async (uid) => {
        const id = this.#sessionUids.get(uid);
        return id === undefined ? undefined : lookup(id);
      },
      consume: async (id) => {
        const entry = this.#get(keyOf(id));
        if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
      },
      destroy: async (id) => {
        this.#delete(keyOf(id));
      },
      revokeByGrantId: async (grantId) => this.revokeGrant(grantId),
    };
  }

  /** How many entries the store holds, live or not yet swept (tests and the soak watch it). */
  get size(): number {
    return this.#entries.size;
  }

  #set(key: string, model: string, payload: AnyObject, expiresAt: number | undefined, shadow: boolean): void {
    this.#delete(key);
    if (this.#entries.size >= this.#sweepAt) this.#sweep();
    const activation = typeof payload.clientId === 'string' ? this.#activation(payload.clientId) : undefined;
    this.#entries.set(key, { payload, expiresAt, shadow, activation });
    const id = key.slice(key.indexOf(':') + 1);
    if (typeof payload.grantId === 'string' && GRANTABLE.has(model)) {
      const members = this.#grants.get(payload.grantId) ?? new Set<string>();
      members.add(key);
      this.#grants.set(payload.grantId, members);
    }
    if (typeof payload.userCode === 'string') this.#userCodes.set(payload.userCode, id);
    if (model === 'Session' && typeof payload.uid === 'string') this.#sessionUids.set(payload.uid, id);
  }

  /** Drops every entry no lookup can return any more: expired, or issued under an earlier activation. */
  #sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.#entries) {
      const { clientId } = entry.payload;
      const dead = typeof clientId === 'string' && entry.activation !== this.#activation(clientId);
      if (dead || (entry.expiresAt !== undefined && entry.expiresAt <= now)) this.#delete(key);
    }
    this.#sweepAt = Math.max(MIN_SWEEP_AT, 2 * this.#entries.size);
  }

  #get(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      this.#delete(key);
      return undefined;
    }
    return entry;
  }

  #delete(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    const id = key.slice(key.indexOf(':') + 1);
    const { grantId, userCode, uid } = entry.payload;
    if (typeof grantId === 'string') {
      const members = this.#grants.get(grantId);
      members?.delete(key);
      if (members?.size === 0) this.#grants.delete(grantId);
    }
    if (typeof userCode === 'string' && this.#userCodes.get(userCode) === id) this.#userCodes.delete(userCode);
    if (typeof uid === 'string' && this.#sessionUids.get(uid) === id) this.#sessionUids.delete(uid);
  }
}
