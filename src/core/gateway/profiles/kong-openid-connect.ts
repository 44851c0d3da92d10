/** Kong's openid-connect plugin (Enterprise), as its source behaves (docs/reference/kong-error-log.md). */
import { headerValue } from '../../http/headers';
import { withKongDefaults } from '../kong-oidc-config';
import type { KongOidcConfig } from '../kong-oidc-config';
import { clampedTtl, sameIssuerIgnoringSlash } from './profile';
import type { GatewayProfile, TokenFacts, TokenSource } from './profile';

/** Kong's own replies carry X-Kong-Response-Latency, proxied ones X-Kong-Upstream-Latency. */
export function kongAnsweredBy(headers: Record<string, string>): 'gateway' | 'upstream' | undefined {
  if (headerValue(headers, 'x-kong-upstream-latency') !== undefined) return 'upstream';
  if (headerValue(headers, 'x-kong-response-latency') !== undefined) return 'gateway';
  return undefined;
}

/** Whether the headers say Kong answered (any X-Kong-* header). */
export function looksLikeKong(headers: Record<string, string>): boolean {
  return (
    Object.keys(headers).some((name) => /^x-kong-/i.test(name)) || /kong/i.test(headerValue(headers, 'server') ?? '')
  );
}

/** The "message" of a Kong JSON body, when it has one. */
export function kongMessage(body: string | undefined): string | undefined {
  if (!body) return undefined;
  try {
    const value = JSON.parse(body) as unknown;
    if (value && typeof value === 'object' && typeof (value as Record<string, unknown>).message === 'string')
      return (value as Record<string, string>).message;
  } catch {
    // Not Kong's JSON.
  }
  return undefined;
}

function tokenSources(raw?: KongOidcConfig): TokenSource[] {
  const config = withKongDefaults(raw ?? {});
  const out: TokenSource[] = [];
  for (const type of config.bearer_token_param_type) {
    if (type === 'header')
      out.push(
        { in: 'header', name: 'Authorization' },
        { in: 'header', name: 'access-token' },
        { in: 'header', name: 'x-access-token' },
      );
    else if (type === 'cookie') {
      if (config.bearer_token_cookie_name) out.push({ in: 'cookie', name: config.bearer_token_cookie_name });
    } else out.push({ in: type, name: 'access_token' });
  }
  return out;
}

/**
 * Kong verifies a JWT locally with bearer; one that verifies is introspected only with
 * introspect_jwt_tokens, one that fails falls through to introspection when that method is on.
 * An opaque token can only be introspected.
 */
function introspects(token: TokenFacts | undefined, raw?: KongOidcConfig): boolean {
  const c = withKongDefaults(raw ?? {});
  const bearer = c.auth_methods.includes('bearer');
  const introspection = c.auth_methods.includes('introspection');
  if (token?.kind === 'jwt' && bearer) {
    if (token.verifiesLocally === false) return introspection || c.introspect_jwt_tokens;
    return c.introspect_jwt_tokens;
  }
  if (token?.kind === 'opaque') return introspection;
  return introspection || (bearer && c.introspect_jwt_tokens);
}

export const kongOpenidConnect: GatewayProfile = {
  id: 'kong-openid-connect',
  name: "Kong's openid-connect plugin",
  language: 'kong',
  tokenSources,
  introspects,
  leeway: (config) => withKongDefaults(config ?? {}).leeway,
  checksExpiry: (config) => withKongDefaults(config ?? {}).verify_claims,
  issuerMatches: (iss, expected) =>
    sameIssuerIgnoringSlash(
      iss,
      expected.replace(/\/\.well-known\/(openid-configuration|oauth-authorization-server)$/, ''),
    ),
  introspectionCacheSeconds(raw, answer, now) {
    const c = withKongDefaults(raw ?? {});
    if (!c.cache_introspection) return 0;
    // An inactive answer has no exp: Kong keeps it for cache_ttl like any answer without one.
    return clampedTtl(c, answer.active ? answer.exp : undefined, now, c.cache_ttl);
  },
  answeredBy: kongAnsweredBy,
  bodyReason(status, body) {
    // display_errors appends the logged reason: {"message":"Unauthorized (invalid exp claim (…) was specified …)"}.
    const message = kongMessage(body);
    const reason = message ? /^[^(]*? \((.*)\)$/.exec(message)?.[1] : undefined;
    return status === 401 || status === 403 || status === 500 ? reason : undefined;
  },
  logsInactiveAnswers: true,
  fix: {
    gatewayIntrospection:
      "Check the plugin's client_id/client_secret (and client_auth) against the IdP, that Kong trusts the IdP's TLS certificate (lua_ssl_trusted_certificate, with ssl_verify on), and its introspection_endpoint; Kong's error log names the failure as a [notice] line.",
    gatewayIntrospectionClient:
      "Fix the plugin's client_id/client_secret (or client_auth / introspection_endpoint_auth_method) so the IdP accepts Kong's introspection calls.",
    gatewayIntrospectionTls:
      "Give Kong the CA that signs the IdP's certificate (lua_ssl_trusted_certificate in kong.conf), or fix the IdP's certificate chain.",
    gatewayIntrospectionEndpoint:
      "Check the plugin's introspection_endpoint (or the issuer's discovery) and that Kong can reach the IdP from its network.",
    revocationAtOnce:
      'To reject revoked tokens at once, turn cache_introspection off or lower cache_ttl_max, and set introspect_jwt_tokens for JWTs.',
    tokenPlace: 'Send it as "Authorization: Bearer <token>", or add where you send it to bearer_token_param_type.',
    clock: "Check clock synchronisation (NTP) on the gateway and the IdP, or raise the plugin's leeway a little.",
    issuerConfig:
      "Make the plugin issuer (or issuers_allowed) match the token's iss, or get the token from the authorization server the gateway trusts.",
    audienceRequired:
      'Request the token for that audience (authorization server audience or resource parameter), or fix audience_required.',
    rejectInvalid:
      "Keep verify_signature and verify_claims on with a small leeway, and set audience_required to the API's audience.",
    consumer: 'Create the matching Kong consumer, or set consumer_optional to true.',
    moreEvidence:
      "set display_errors on the plugin (Kong then puts the reason in the body) or read Kong's error log, where each refusal's reason is a [notice] line",
  },
};
