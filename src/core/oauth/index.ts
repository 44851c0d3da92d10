export type { AuthorizationServerMetadata, EndpointField } from './metadata';
export { ENDPOINT_FIELDS } from './metadata';
export { discover, discoveryCandidates, DiscoveryCache } from './discovery';
export type { DiscoveryKind, DiscoveryOptions, DiscoveryResult } from './discovery';
export { isOktaIssuer, isOktaOrgIssuer, oktaIssuer, oktaMetadata, oktaPresetIssuer } from './okta';
export { connectIdp, issuerOf, OKTA_API_TOKEN_ENV, withHttpOptions } from './connect-idp';
export type { ConnectedIdp, ConnectIdpDeps, IdpConnectConfig, OktaApiAccess } from './connect-idp';
export type { OktaServer } from './okta';
export { oktaAppStatus, oktaUserStatus } from './okta-management';
export type { OktaAppStatus, OktaManagementTarget, OktaUserStatus } from './okta-management';
export {
  applyClientAuth,
  basicAuthorization,
  CLIENT_AUTH_METHODS,
  formUrlEncode,
  JWT_BEARER_ASSERTION_TYPE,
  secretForms,
} from './client-auth';
export type { ClientAuthEnv, ClientAuthMethod, ClientAuthResult, ClientAuthTarget, ClientConfig } from './client-auth';
export type { OAuthContext } from './context';
export {
  authorizationCode,
  clientCredentials,
  passwordGrant,
  refreshToken,
  tokenExchange,
  tokenTypeUrn,
} from './grants';
export type {
  AuthorizationCodeOptions,
  AuthorizationCodeResult,
  ClientCredentialsOptions,
  PasswordGrantOptions,
  RefreshOptions,
  ScopeInput,
  TokenExchangeOptions,
} from './grants';
export { deviceAuthorization, DEVICE_CODE_GRANT } from './device';
export type { DeviceAuthorizationOptions, DeviceUserCode } from './device';
export { codeChallengeS256, createPkce } from './pkce';
export type { Pkce } from './pkce';
export { escapeHtml, startLoopbackListener } from './loopback';
export type { LoopbackCallback, LoopbackListener, LoopbackOptions } from './loopback';
export { parseTokenResponse, splitScope } from './token-response';
export type { ParseTokenOptions, TokenSet } from './token-response';
export { errorFromResponse, hintForOAuthError, readOAuthError } from './oauth-error';
export type { ErrorContext, OAuthErrorBody } from './oauth-error';
export { introspect, INTROSPECTION_JWT_TYPE } from './introspection';
export type { IntrospectionResult, IntrospectOptions } from './introspection';
export { revoke } from './revocation';
export type { RevokeOptions } from './revocation';
export { TokenStore } from './token-store';
export type { TokenSource, TokenStoreChange, TokenStoreGetOptions, TokenSummary } from './token-store';
export { cryptoRandom, randomToken } from './random';
export type { RandomBytes } from './random';
