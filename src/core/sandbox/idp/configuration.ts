import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { AnyObject, ClientModel, KoaContext, TokenModel } from 'oidc-provider';
import { CUSTOM_SCOPES, OIDC_SCOPES } from './clients';
import type { SigningKeyring } from './keys';
import { oktaExtraClaims, toOktaJwtPayload } from './okta-claims';
import {
  deviceSuccessSource,
  logoutSource,
  postLogoutSuccessSource,
  renderError,
  userCodeConfirmSource,
  userCodeInputSource,
} from './pages';
import { defaultResource, resourceServerInfo } from './resources';
import type { SandboxStore } from './store';
import { userClaims } from './users';
import type { SandboxUser } from './users';
import { interactionPath } from './interactions';

/** Okta-like paths below the `/oauth2/default` mount. */
export const ROUTES = {
  authorization: '/v1/authorize',
  token: '/v1/token',
  introspection: '/v1/introspect',
  revocation: '/v1/revoke',
  jwks: '/v1/keys',
  userinfo: '/v1/userinfo',
  end_session: '/v1/logout',
  device_authorization: '/v1/device/authorize',
  code_verification: '/v1/device',
  pushed_authorization_request: '/v1/par',
} as const;

export interface ConfigurationDeps {
  mountPath: string;
  store: SandboxStore;
  keyring: SigningKeyring;
  users: readonly SandboxUser[];
  cookieKeys: string[];
  /** Whether user access tokens carry a `groups` claim (an Okta custom claim someone configured). */
  groupsClaim: boolean;
  /** Access token lifetime in seconds (default an hour, Okta's default). */
  accessTokenSeconds?: number;
}

function peerCertificate(ctx: KoaContext): X509Certificate | undefined {
  const socket = ctx.socket as TLSSocket;
  if (typeof socket.getPeerCertificate !== 'function') return undefined;
  const cert = socket.getPeerCertificate(false);
  return cert?.raw ? new X509Certificate(cert.raw) : undefined;
}

/** "CN=a, O=b" and "CN=a\nO=b" compare equal. */
function normalizeDn(dn: string): string {
  return dn
    .split(/[,\n]/)
    .map((part) => part.trim())
    .filter(Boolean)
    .join(',');
}

function certificateSubjectMatches(ctx: KoaContext, property: string, expected: string): boolean {
  const cert = peerCertificate(ctx);
  if (!cert) return false;
  if (property === 'tls_client_auth_subject_dn') return normalizeDn(cert.subject) === normalizeDn(expected);
  const prefix = {
    tls_client_auth_san_dns: 'DNS:',
    tls_client_auth_san_ip: 'IP Address:',
    tls_client_auth_san_email: 'email:',
    tls_client_auth_san_uri: 'URI:',
  }[property];
  if (!prefix) return false;
  return (cert.subjectAltName ?? '').split(', ').some((entry) => entry === `${prefix}${expected}`);
}

/** Builds oidc-provider's configuration for the sandbox. */
export function buildConfiguration(deps: ConfigurationDeps): AnyObject {
  const { store, keyring, users, cookieKeys, groupsClaim, mountPath } = deps;
  const hour = 3600;
  const day = 24 * hour;

  return {
    adapter: store.adapterFactory(),
    jwks: keyring.privateJwks(),
    cookies: {
      keys: cookieKeys,
      long: { httpOnly: true, sameSite: 'lax' },
      short: { httpOnly: true, sameSite: 'lax' },
    },
    claims: {
      openid: ['sub'],
      profile: ['name', 'preferred_username'],
      email: ['email', 'email_verified'],
      groups: ['groups'],
    },
    // Custom scopes are listed too: oidc-provider only lets clients register supported scopes.
    scopes: [...OIDC_SCOPES, ...CUSTOM_SCOPES],
    conformIdTokenClaims: false,
    clockTolerance: 5,
    async findAccount(_ctx: KoaContext, sub: string) {
      const user = users.find((candidate) => candidate.username === sub);
      if (!user) return undefined;
      return {
        accountId: user.username,
        async claims(_use: string, scope: string) {
          return userClaims(user, new Set(scope.split(' ')));
        },
      };
    },
    interactions: {
      url: (_ctx: KoaContext, interaction: { uid: string }) => interactionPath(mountPath, interaction.uid),
    },
    routes: ROUTES,
    clientAuthMethods: [
      'client_secret_basic',
      'client_secret_post',
      'client_secret_jwt',
      'private_key_jwt',
      'tls_client_auth',
      'none',
    ],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: {
        enabled: true,
        // Okta lets any confidential client of the authorization server introspect any of its tokens:
        // okta/okta-management-openapi-spec@fdda229e82940cf5af4611ad673ca6a27974e31b
        // dist/current/oauth-minimal.yaml `/oauth2/{authorizationServerId}/v1/introspect` asks only for
        // client authentication, where `/v1/revoke` says "A client may only revoke its own tokens".
        // A public client proves nothing, so it sees only its own. A deactivated app's tokens are inactive.
        allowedPolicy: async (_ctx: KoaContext, client: ClientModel, token: TokenModel) =>
          store.isClientActive(token.clientId) &&
          (client.clientAuthMethod !== 'none' || client.clientId === token.clientId),
      },
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx: KoaContext, client: ClientModel, token: TokenModel) =>
          client.clientId === token.clientId,
      },
      jwtIntrospection: { enabled: true },
      deviceFlow: {
        enabled: true,
        charset: 'base-20',
        mask: '****-****',
        userCodeInputSource,
        userCodeConfirmSource,
        successSource: deviceSuccessSource,
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: async (_ctx: KoaContext, _client: ClientModel, oneOf?: string | string[]) =>
          defaultResource(oneOf),
        // Refresh and code exchanges keep the audience chosen at authorization, as Okta's tokens do.
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx: KoaContext, indicator: string) => resourceServerInfo(indicator),
      },
      mTLS: {
        enabled: true,
        certificateBoundAccessTokens: false,
        tlsClientAuth: true,
        getCertificate: (ctx: KoaContext) => peerCertificate(ctx)?.toString(),
        // The https server trusts only the sandbox CA, so "authorized" means issued by it.
        certificateAuthorized: (ctx: KoaContext) => (ctx.socket as TLSSocket).authorized === true,
        certificateSubjectMatches,
      },
      userinfo: { enabled: true },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
      pushedAuthorizationRequests: { enabled: true },
    },
    extraTokenClaims: oktaExtraClaims(users, { groupsClaim }),
    formats: {
      customizers: {
        jwt: async (
          _ctx: KoaContext,
          token: TokenModel,
          jwt: { header?: AnyObject; payload: AnyObject & { jti: string; exp: number; iat: number } },
        ) => {
          const kind = token.kind === 'ClientCredentials' ? 'ClientCredentials' : 'AccessToken';
          store.recordJwtAccessToken(kind, {
            jti: jwt.payload.jti,
            kind: token.kind,
            iat: jwt.payload.iat,
            exp: jwt.payload.exp,
            clientId: token.clientId,
            accountId: token.accountId,
            grantId: token.grantId,
            gty: token.gty,
            scope: token.scope,
            aud: token.aud,
            extra: token.extra,
            sid: token.sid,
            sessionUid: token.sessionUid,
            expiresWithSession: false,
          });
          toOktaJwtPayload(token, jwt.payload);
        },
      },
    },
    pkce: { required: (_ctx: KoaContext, client: ClientModel) => client.clientAuthMethod === 'none' },
    expiresWithSession: async () => false,
    issueRefreshToken: async (_ctx: KoaContext, client: ClientModel, source: { scopes: Set<string> }) =>
      client.grantTypeAllowed('refresh_token') && source.scopes.has('offline_access'),
    ttl: {
      AccessToken: deps.accessTokenSeconds ?? hour,
      AuthorizationCode: 5 * 60,
      ClientCredentials: deps.accessTokenSeconds ?? hour,
      DeviceCode: 10 * 60,
      Grant: 30 * day,
      IdToken: hour,
      Interaction: hour,
      RefreshToken: 30 * day,
      Session: day,
      BackchannelAuthenticationRequest: 10 * 60,
      PreAuthorizedCode: 10 * 60,
    },
    renderError,
    clientBasedCORS: (_ctx: KoaContext, origin: string) =>
      /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(origin),
  };
}
