/**
 * Apache httpd with mod_auth_openidc as a resource server (AuthType oauth20):
 * apache-introspection asks OIDCOAuthIntrospectionEndpoint about every token;
 * apache-jwt verifies locally (OIDCOAuthVerifyJwksUri / OIDCOAuthVerifySharedKeys).
 */
import { withKongDefaults } from '../kong-oidc-config';
import type { KongOidcConfig } from '../kong-oidc-config';
import type { GatewayProfile, ProfileFixKey, TokenSource } from './profile';

function tokenSources(raw?: KongOidcConfig): TokenSource[] {
  // OIDCOAuthAcceptTokenAs, read into bearer_token_param_type; its default is the header only.
  const types = raw?.bearer_token_param_type ?? ['header'];
  return types.flatMap((type): TokenSource[] => {
    if (type === 'header') return [{ in: 'header', name: 'Authorization' }];
    if (type === 'cookie')
      return raw?.bearer_token_cookie_name ? [{ in: 'cookie', name: raw.bearer_token_cookie_name }] : [];
    return [{ in: type, name: 'access_token' }];
  });
}

const FIX: Record<ProfileFixKey, string> = {
  gatewayIntrospection:
    "Check OIDCOAuthClientID/OIDCOAuthClientSecret (and OIDCOAuthIntrospectionEndpointAuth), OIDCCABundlePath (the CA Apache trusts for the IdP) and OIDCOAuthIntrospectionEndpoint; Apache's error log names the failure.",
  gatewayIntrospectionClient:
    "Fix OIDCOAuthClientID and OIDCOAuthClientSecret (and OIDCOAuthIntrospectionEndpointAuth) so the IdP accepts Apache's introspection calls.",
  gatewayIntrospectionTls:
    "Point OIDCCABundlePath at the CA bundle that signs the IdP's certificate (OIDCOAuthSSLValidateServer On, the default, checks it).",
  gatewayIntrospectionEndpoint:
    'Check OIDCOAuthIntrospectionEndpoint (it must be https) and that Apache can reach the IdP from its network.',
  revocationAtOnce:
    'Set OIDCOAuthTokenIntrospectionInterval to -1 (ask the IdP on every request) or a few seconds, and leave out OIDCOAuthVerifyJwksUri so every token is introspected.',
  tokenPlace: 'Send it as "Authorization: Bearer <token>", or add where you send it to OIDCOAuthAcceptTokenAs.',
  clock: 'Check clock synchronisation (NTP) on the Apache host and the IdP.',
  issuerConfig:
    'Point OIDCOAuthVerifyJwksUri or OIDCOAuthIntrospectionEndpoint at the authorization server that issues the tokens, or get the token from the one Apache trusts.',
  audienceRequired: 'Request the token for that audience, or change the route\'s "Require claim aud:..." line.',
  rejectInvalid:
    'Add "Require claim" lines for what the API needs (e.g. Require claim aud:<audience>) and let Apache verify the token (OIDCOAuthVerifyJwksUri or OIDCOAuthIntrospectionEndpoint).',
  consumer: 'Apache has no consumers; check the route\'s "Require" lines.',
  moreEvidence:
    "read Apache's error log with LogLevel auth_openidc:debug for this location, where mod_auth_openidc says why it refused",
};

const common = {
  language: 'apache',
  tokenSources,
  leeway: () => 0,
  checksExpiry: () => true,
  issuerMatches: (iss: string, expected: string) => iss === expected,
  // mod_auth_openidc's own replies carry no marker header.
  answeredBy: () => undefined,
  // Its reasons go in the challenge's error_description, not the body (an HTML error page).
  bodyReason: () => undefined,
  // At its default log level mod_auth_openidc writes nothing for an {"active":false} answer.
  logsInactiveAnswers: false,
  fix: FIX,
} as const;

export const apacheIntrospection: GatewayProfile = {
  ...common,
  id: 'apache-introspection',
  name: 'mod_auth_openidc (introspection)',
  introspects: () => true,
  introspectionCacheSeconds(raw, answer, now) {
    // OIDCOAuthTokenIntrospectionInterval: -1 asks every time; 0 (or unset) keeps an active answer until the
    // token's exp; n keeps it n seconds at most. Only active answers are kept.
    const c = withKongDefaults(raw ?? {});
    if (!c.cache_introspection || !answer.active) return 0;
    const untilExp = answer.exp !== undefined ? Math.max(0, answer.exp - now / 1000) : undefined;
    if (typeof c.cache_ttl_max === 'number') return Math.min(c.cache_ttl_max, untilExp ?? c.cache_ttl_max);
    return untilExp;
  },
};

export const apacheJwt: GatewayProfile = {
  ...common,
  id: 'apache-jwt',
  name: 'mod_auth_openidc (local JWT verification)',
  introspects: () => false,
  introspectionCacheSeconds: () => 0,
};
