/**
 * The codes of talking to an authorization server: discovery, client
 * authentication, grants, the loopback redirect, introspection, revocation.
 */

/**
 * The registered OAuth `error` values (RFC 6749, 6750, 7009, 8628, 8693,
 * 9449, OIDC Core) this code base has a hint for. A server's error becomes
 * `oauth.<error>`, so these are the codes callers may compare against.
 */
export type RegisteredOAuthError =
  | 'access_denied'
  | 'authorization_pending'
  | 'consent_required'
  | 'expired_token'
  | 'interaction_required'
  | 'invalid_client'
  | 'invalid_dpop_proof'
  | 'invalid_grant'
  | 'invalid_request'
  | 'invalid_scope'
  | 'invalid_target'
  | 'invalid_token'
  | 'login_required'
  | 'server_error'
  | 'slow_down'
  | 'temporarily_unavailable'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'unsupported_token_type'
  | 'use_dpop_nonce';

declare const chosenByServer: unique symbol;

/**
 * `oauth.<error>` or `okta.<errorCode>` for a name the server chose: its
 * vocabulary is open (Okta's E0000xxx, vendor extensions), so it cannot be a
 * closed union. The brand keeps it from swallowing our own codes: a literal
 * like 'oauth.state_mismach' is not a ServerErrorCode, only serverErrorCode()
 * makes one.
 */
export type ServerErrorCode = (`oauth.${string}` | `okta.${string}`) & { readonly [chosenByServer]: true };

/** The endpoints whose missing metadata entry requireEndpoint reports under their own prefix. */
export type EndpointCodePrefix = 'introspection' | 'oauth' | 'revocation';

export type OAuthErrorCode =
  | 'oauth.browser_failed'
  | 'oauth.device_aborted'
  | 'oauth.invalid_device_response'
  | 'oauth.invalid_response'
  | 'oauth.iss_mismatch'
  | 'oauth.iss_missing'
  | 'oauth.loopback_closed'
  | 'oauth.loopback_listen'
  | 'oauth.loopback_timeout'
  | 'oauth.missing_access_token'
  | 'oauth.missing_code'
  | 'oauth.not_json'
  | 'oauth.pkce_length'
  | 'oauth.pkce_random'
  | 'oauth.rate_limited'
  | 'oauth.server_status'
  | 'oauth.state_mismatch'
  | 'oauth.unexpected_status'
  | `oauth.${RegisteredOAuthError}`
  | `${EndpointCodePrefix}.missing_endpoint`
  | 'introspection.invalid_response'
  | 'introspection.jwt_invalid'
  | 'okta.invalid_domain'
  | OktaManagementErrorCode
  | ServerErrorCode;

/** Reading Okta's management API (okta-management.ts); Okta's own E0000… codes are ServerErrorCodes. */
export type OktaManagementErrorCode = 'okta.app_not_found' | 'okta.invalid_response' | 'okta.missing_api_token';

export type DiscoveryErrorCode =
  | 'discovery.http_status'
  | 'discovery.invalid_document'
  | 'discovery.invalid_endpoint'
  | 'discovery.invalid_url'
  | 'discovery.issuer_mismatch'
  | 'discovery.missing_endpoint'
  | 'discovery.untrusted_endpoint'
  | 'discovery.missing_issuer'
  | 'discovery.not_found'
  | 'discovery.not_json';

export type ClientAuthErrorCode =
  | 'client_auth.invalid_key'
  | 'client_auth.missing_certificate'
  | 'client_auth.missing_key'
  | 'client_auth.missing_secret'
  | 'client_auth.unsupported_method';
