/**
 * The slice of oidc-provider 9 that the sandbox IdP uses. The package ships
 * no types and @types/oidc-provider is not installed, so this declares only
 * what src/core/sandbox/sandbox-idp.ts and idp/ use, checked against lib/ of 9.13.
 */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';
  import type { Socket } from 'node:net';

  export type AnyObject = Record<string, unknown>;

  export interface ResourceServerInfo {
    scope: string;
    audience?: string;
    accessTokenTTL?: number;
    accessTokenFormat?: 'opaque' | 'jwt';
  }

  export interface ClientModel {
    clientId: string;
    clientAuthMethod: string;
    scope?: string;
    redirectUris: string[];
    grantTypes: string[];
    grantTypeAllowed(type: string): boolean;
    redirectUriAllowed(value: string): boolean;
  }

  export interface ClientStatic {
    find(id: string): Promise<ClientModel | undefined>;
    prototype: ClientModel;
  }

  /** AccessToken and ClientCredentials share these fields. */
  export interface TokenModel {
    jti: string;
    kind: string;
    clientId: string;
    accountId?: string;
    grantId?: string;
    gty?: string;
    scope?: string;
    aud?: string | string[];
    iat?: number;
    exp?: number;
    extra?: AnyObject;
    sid?: string;
    sessionUid?: string;
    expiresWithSession?: boolean;
    resource?: string | string[];
    resourceServer?: ResourceServerModel;
    readonly isValid: boolean;
    readonly scopes: Set<string>;
    readonly expiration: number;
    readonly tokenType: string;
    save(): Promise<string>;
    destroy(): Promise<void>;
  }

  export interface TokenStatic {
    new (payload: AnyObject): TokenModel;
    find(value: string, options?: { ignoreExpiration?: boolean }): Promise<TokenModel | undefined>;
  }

  export interface ResourceServerModel {
    scope: string;
    audience?: string;
    readonly scopes: Set<string>;
    identifier(): string;
  }

  export interface GrantModel {
    jti: string;
    accountId: string;
    clientId: string;
    addOIDCScope(scope: string): void;
    addOIDCClaims(claims: string[]): void;
    addResourceScope(resource: string, scope: string): void;
    save(): Promise<string>;
  }

  export interface GrantStatic {
    new (payload: { accountId: string; clientId: string }): GrantModel;
    find(id: string): Promise<GrantModel | undefined>;
  }

  export interface IdTokenModel {
    scope?: string;
    payload(): Promise<AnyObject>;
    issue(options: { use: 'idtoken' | 'logout' }): Promise<string>;
  }

  export interface InteractionDetails {
    uid: string;
    grantId?: string;
    params: AnyObject & { client_id?: string; scope?: string };
    prompt: { name: string; reasons: string[]; details: AnyObject };
    session?: { accountId?: string; uid?: string };
  }

  export interface OidcContext {
    params: AnyObject;
    client?: ClientModel;
    route?: string;
    issuer: string;
    entity(key: string, value: unknown): void;
  }

  export interface KoaContext {
    oidc: OidcContext;
    body: unknown;
    status: number;
    type: string;
    host: string;
    socket: Socket;
    method: string;
    path: string;
    query: Record<string, string | string[] | undefined>;
    get(header: string): string;
    set(header: string, value: string): void;
  }

  export type Middleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void> | void;

  export interface Adapter {
    upsert(id: string, payload: AnyObject, expiresIn?: number): Promise<void>;
    find(id: string): Promise<AnyObject | undefined>;
    findByUserCode(userCode: string): Promise<AnyObject | undefined>;
    findByUid(uid: string): Promise<AnyObject | undefined>;
    consume(id: string): Promise<void>;
    destroy(id: string): Promise<void>;
    revokeByGrantId(grantId: string): Promise<void>;
  }

  export class Provider {
    constructor(issuer: string, configuration: AnyObject);
    readonly issuer: string;
    Client: ClientStatic;
    AccessToken: TokenStatic;
    ClientCredentials: TokenStatic;
    RefreshToken: TokenStatic;
    Grant: GrantStatic;
    IdToken: (new (claims: AnyObject, options: { ctx: KoaContext }) => IdTokenModel) & { prototype: IdTokenModel };
    ResourceServer: new (identifier: string, info: ResourceServerInfo) => ResourceServerModel;
    callback(): (req: IncomingMessage, res: ServerResponse) => Promise<void>;
    registerGrantType(
      name: string,
      handler: Middleware,
      params?: string[] | Set<string>,
      dupes?: string[] | Set<string>,
    ): void;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
    interactionFinished(
      req: IncomingMessage,
      res: ServerResponse,
      result: AnyObject,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>;
    on(event: string, listener: (...args: unknown[]) => void): this;
    use(middleware: Middleware): this;
  }

  export class OIDCProviderError extends Error {
    constructor(status: number, message: string);
    error: string;
    error_description?: string;
    status: number;
  }

  export const errors: {
    InvalidScope: new (description: string, scope?: string) => OIDCProviderError;
    InvalidRequest: new (description: string) => OIDCProviderError;
    InvalidGrant: new (description: string) => OIDCProviderError;
    InvalidTarget: new (description?: string) => OIDCProviderError;
    InvalidClient: new (description?: string) => OIDCProviderError;
    UnauthorizedClient: new (description?: string) => OIDCProviderError;
    OIDCProviderError: typeof OIDCProviderError;
  };
}
