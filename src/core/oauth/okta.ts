import { OidcError } from '../errors';
import { tryUrl } from '../url';
import type { AuthorizationServerMetadata } from './metadata';

export interface OktaServer {
  /** `dev-123.okta.com`, with or without `https://` and a trailing slash. */
  domain: string;
  /** Custom authorization server id (`default` is built in); omit for the org server. */
  authorizationServerId?: string;
}

function origin(domain: string): string {
  const trimmed = domain.trim().replace(/\/+$/, '');
  // An explicit http:// is kept so local mocks work; anything else is https.
  const withScheme = /^https?:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw invalidDomain(domain, 'it is not a host name');
  }
  if (!url.hostname) throw invalidDomain(domain, 'it has no host name');
  if (url.pathname !== '/' || url.search || url.hash) {
    throw invalidDomain(domain, `it has a path or query ("${url.pathname}${url.search}")`);
  }
  return url.origin;
}

function invalidDomain(domain: string, why: string): OidcError {
  return new OidcError('okta.invalid_domain', `The Okta domain "${domain}" cannot be used: ${why}.`, {
    where: 'Okta domain',
    hint: 'Enter only the host name, e.g. dev-123456.okta.com; put a custom authorization server id (such as "default") in its own field.',
  });
}

/** The issuer of an Okta org authorization server or of a custom one. */
export function oktaIssuer(server: OktaServer): string {
  const base = origin(server.domain);
  const id = server.authorizationServerId?.trim();
  return id ? `${base}/oauth2/${encodeURIComponent(id)}` : base;
}

/**
 * The issuer of an Okta preset as flow files, the CLI and the extension
 * write it: `authorizationServerId` defaults to the built-in "default"
 * custom server, and "org" names the org authorization server.
 */
export function oktaPresetIssuer(preset: { domain: string; authorizationServerId?: string }): string {
  return oktaIssuer({ domain: preset.domain, authorizationServerId: oktaServerId(preset) });
}

/** The custom authorization server a preset names, or undefined for the org server ("org"). */
export function oktaServerId(preset: { authorizationServerId?: string }): string | undefined {
  const id = preset.authorizationServerId ?? 'default';
  return id === 'org' ? undefined : id;
}

/** Okta's well-known endpoint URLs, built without any network call. */
export function oktaMetadata(server: OktaServer): AuthorizationServerMetadata {
  const issuer = oktaIssuer(server);
  const id = server.authorizationServerId?.trim();
  const v1 = id ? `${issuer}/v1` : `${issuer}/oauth2/v1`;
  return {
    issuer,
    authorization_endpoint: `${v1}/authorize`,
    token_endpoint: `${v1}/token`,
    jwks_uri: `${v1}/keys`,
    introspection_endpoint: `${v1}/introspect`,
    revocation_endpoint: `${v1}/revoke`,
    userinfo_endpoint: `${v1}/userinfo`,
    end_session_endpoint: `${v1}/logout`,
    device_authorization_endpoint: `${v1}/device/authorize`,
    pushed_authorization_request_endpoint: `${v1}/par`,
    token_endpoint_auth_methods_supported: [
      'client_secret_basic',
      'client_secret_post',
      'client_secret_jwt',
      'private_key_jwt',
      'none',
    ],
    code_challenge_methods_supported: ['S256'],
  };
}

/** True for an issuer on an Okta org's domain (okta.com, oktapreview.com, okta-emea.com). */
export function isOktaIssuer(issuer: string): boolean {
  const host = tryUrl(issuer)?.hostname ?? '';
  return /\.(okta|oktapreview|okta-emea)\.com$/i.test(host);
}

/** An Okta org authorization server's issuer: an Okta domain with no /oauth2/{id} path. */
export function isOktaOrgIssuer(issuer: string): boolean {
  return isOktaIssuer(issuer) && /^\/?$/.test(tryUrl(issuer)?.pathname ?? '');
}
