import { tryUrl } from '../../url';
import type { ClientAuthMethod as OAuthClientAuthMethod } from '../../oauth/client-auth';
import { randomBytes } from 'node:crypto';
import type { JWK } from 'jose';
import type { CertificateAuthority } from '../certs';
import type { ClientMetadata } from './store';
import { newSigningKey } from './keys';

/** Grant type URNs the sandbox registers beyond oidc-provider's own. */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
export const PASSWORD_GRANT = 'password';

/** Scopes of the sandbox's resource servers (Okta's "custom scopes"). */
export const CUSTOM_SCOPES = ['orders:read', 'orders:write', 'admin'] as const;
/** OIDC scopes, which only user-facing clients may request. */
export const OIDC_SCOPES = ['openid', 'profile', 'email', 'groups', 'offline_access'] as const;

export type SandboxClientName = 'cc-basic' | 'cc-post' | 'cc-jwt' | 'cc-pkjwt' | 'cc-mtls' | 'web' | 'spa' | 'gateway';

/** The methods the sandbox's clients use (self-signed mTLS is not offered). */
export type ClientAuthMethod = Exclude<OAuthClientAuthMethod, 'self_signed_tls_client_auth'>;

/** What a test or the sandbox user needs to act as one preconfigured client. */
export interface SandboxClient {
  clientId: string;
  clientSecret?: string;
  authMethod: ClientAuthMethod;
  /** private_key_jwt: the RS256 private key and its kid. */
  privateJwk?: JWK;
  kid?: string;
  /** tls_client_auth: a client certificate issued by the sandbox CA, and its key. */
  certificate?: string;
  certificateKey?: string;
  /** Redirect URI registered for browser clients; any port on the loopback host is accepted. */
  redirectUri?: string;
}

export interface SandboxClients {
  clients: Record<SandboxClientName, SandboxClient>;
  metadata: ClientMetadata[];
}

/** The redirect URI registered for the browser clients. */
export const LOOPBACK_REDIRECT = 'http://127.0.0.1/callback';

function secret(): string {
  // 32 bytes: long enough for HS256 client_secret_jwt.
  return randomBytes(32).toString('base64url');
}

/** Builds the preconfigured clients with fresh secrets, keys and certificates. */
export function createSandboxClients(ca: CertificateAuthority): SandboxClients {
  const customScope = CUSTOM_SCOPES.join(' ');
  const userScope = [...OIDC_SCOPES, ...CUSTOM_SCOPES].join(' ');
  const machine = { grant_types: ['client_credentials'], response_types: [], redirect_uris: [], scope: customScope };

  const pkjwtKey = newSigningKey('cc-pkjwt');
  const mtlsCert = ca.issue({ commonName: 'cc-mtls', dnsNames: [], usage: 'client' });

  const clients: Record<SandboxClientName, SandboxClient> = {
    'cc-basic': { clientId: 'cc-basic', clientSecret: secret(), authMethod: 'client_secret_basic' },
    'cc-post': { clientId: 'cc-post', clientSecret: secret(), authMethod: 'client_secret_post' },
    'cc-jwt': { clientId: 'cc-jwt', clientSecret: secret(), authMethod: 'client_secret_jwt' },
    'cc-pkjwt': {
      clientId: 'cc-pkjwt',
      authMethod: 'private_key_jwt',
      privateJwk: pkjwtKey.privateJwk,
      kid: pkjwtKey.kid,
    },
    'cc-mtls': {
      clientId: 'cc-mtls',
      authMethod: 'tls_client_auth',
      certificate: mtlsCert.cert,
      certificateKey: mtlsCert.key,
    },
    web: { clientId: 'web', clientSecret: secret(), authMethod: 'client_secret_basic', redirectUri: LOOPBACK_REDIRECT },
    spa: { clientId: 'spa', authMethod: 'none', redirectUri: LOOPBACK_REDIRECT },
    gateway: { clientId: 'gateway', clientSecret: secret(), authMethod: 'client_secret_basic' },
  };

  const metadata: ClientMetadata[] = [
    {
      client_id: 'cc-basic',
      client_secret: clients['cc-basic'].clientSecret,
      token_endpoint_auth_method: 'client_secret_basic',
      ...machine,
    },
    {
      client_id: 'cc-post',
      client_secret: clients['cc-post'].clientSecret,
      token_endpoint_auth_method: 'client_secret_post',
      ...machine,
    },
    {
      client_id: 'cc-jwt',
      client_secret: clients['cc-jwt'].clientSecret,
      token_endpoint_auth_method: 'client_secret_jwt',
      token_endpoint_auth_signing_alg: 'HS256',
      ...machine,
    },
    {
      client_id: 'cc-pkjwt',
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'RS256',
      jwks: { keys: [pkjwtKey.publicJwk] },
      ...machine,
    },
    {
      client_id: 'cc-mtls',
      token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_subject_dn: 'CN=cc-mtls',
      ...machine,
    },
    {
      client_id: 'web',
      client_secret: clients.web.clientSecret,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code', 'refresh_token', TOKEN_EXCHANGE_GRANT, PASSWORD_GRANT],
      response_types: ['code'],
      redirect_uris: [LOOPBACK_REDIRECT],
      post_logout_redirect_uris: [LOOPBACK_REDIRECT],
      scope: userScope,
    },
    {
      client_id: 'spa',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token', DEVICE_CODE_GRANT],
      response_types: ['code'],
      redirect_uris: [LOOPBACK_REDIRECT],
      post_logout_redirect_uris: [LOOPBACK_REDIRECT],
      scope: userScope,
    },
    {
      client_id: 'gateway',
      client_secret: clients.gateway.clientSecret,
      token_endpoint_auth_method: 'client_secret_basic',
      // RFC 9701: the gateway gets a signed introspection answer when it asks for one.
      introspection_signed_response_alg: 'RS256',
      ...machine,
    },
  ];

  return { clients, metadata };
}

/** RFC 8252 §7.3: a loopback redirect URI matches with any port (and, in the sandbox, any path). */
export function isLoopbackRedirect(value: string): boolean {
  const url = tryUrl(value);
  if (!url || url.protocol !== 'http:' || url.hash) return false;
  return url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
}
