/**
 * What the diagnosis and the lint need to know about one kind of gateway:
 * where it reads tokens, whether it asks the IdP about a token, how long it
 * reuses an answer, how its own refusals look and how a fix is worded in its
 * configuration language. One profile per gateway; the route's configuration
 * (KongOidcConfig, the one model every source is read into) fills in the rest.
 */
import type { BearerParamType, KongOidcConfig } from '../kong-oidc-config';

export type GatewayProfileId =
  'kong-openid-connect' | 'kong-jwt' | 'apache-introspection' | 'apache-jwt' | 'generic-rfc6750';

export type TokenKind = 'jwt' | 'jwe' | 'opaque';

/** One place a gateway looks for the token. */
export interface TokenSource {
  in: BearerParamType;
  /** Header, parameter or cookie name. */
  name: string;
}

/** What a token is, as far as the gateway's decision about introspecting it goes. */
export interface TokenFacts {
  kind: TokenKind;
  /** Whether the JWT passes a local check; undefined when not known (then assumed to pass). */
  verifiesLocally?: boolean;
}

/** The fix sentences each profile words in its own configuration language. */
export type ProfileFixKey =
  | 'gatewayIntrospection'
  | 'gatewayIntrospectionClient'
  | 'gatewayIntrospectionTls'
  | 'gatewayIntrospectionEndpoint'
  | 'revocationAtOnce'
  | 'tokenPlace'
  | 'clock'
  | 'issuerConfig'
  | 'audienceRequired'
  | 'rejectInvalid'
  | 'consumer'
  | 'moreEvidence';

export interface GatewayProfile {
  id: GatewayProfileId;
  /** How a sentence names it: "Kong's openid-connect plugin". */
  name: string;
  /** The configuration language a fix speaks: 'kong' fields, 'apache' directives, or neutral advice. */
  language: 'kong' | 'apache' | 'neutral';
  /** Where it looks for the token, in the order it looks. */
  tokenSources(config?: KongOidcConfig): TokenSource[];
  /**
   * Whether it asks the IdP about this token: true, false, or undefined when
   * that cannot be told without the route's configuration. The one answer the
   * lint and the diagnosis share.
   */
  introspects(token: TokenFacts | undefined, config?: KongOidcConfig): boolean | undefined;
  /** Seconds of clock leeway it allows on exp/nbf. */
  leeway(config?: KongOidcConfig): number;
  /** Whether it checks exp at all (Kong's jwt plugin only with claims_to_verify: exp). */
  checksExpiry(config?: KongOidcConfig): boolean;
  /** Whether the token's iss is one it accepts (Kong ignores a trailing slash). */
  issuerMatches(iss: string, expected: string): boolean;
  /**
   * How long it reuses an introspection answer, in seconds (0: never), or
   * undefined when unknown. `exp` is the answer's (or token's) expiry, epoch seconds.
   */
  introspectionCacheSeconds(
    config: KongOidcConfig | undefined,
    answer: { active: boolean; exp?: number },
    now: number,
  ): number | undefined;
  /** Who produced a response, by the headers the gateway marks its own and proxied answers with; undefined when it does not say. */
  answeredBy(headers: Record<string, string>): 'gateway' | 'upstream' | undefined;
  /** The reason the gateway wrote into its refusal's body, when it writes one there. */
  bodyReason(status: number, body: string | undefined): string | undefined;
  /** Whether it writes a log line for an inactive introspection answer at its default log level. */
  logsInactiveAnswers: boolean;
  fix: Readonly<Record<ProfileFixKey, string>>;
}

/** A trailing slash on either side does not count (Kong's comparison). */
export function sameIssuerIgnoringSlash(a: string, b: string): boolean {
  return a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
}

/** Kong's own TTL rule: the answer's remaining lifetime (cache_ttl without exp), clamped by cache_ttl_min/max. */
export function clampedTtl(config: KongOidcConfig, exp: number | undefined, now: number, fallback: number): number {
  let ttl = exp !== undefined ? Math.max(0, exp - now / 1000) : fallback;
  if (typeof config.cache_ttl_max === 'number') ttl = Math.min(ttl, config.cache_ttl_max);
  if (typeof config.cache_ttl_min === 'number') ttl = Math.max(ttl, config.cache_ttl_min);
  return ttl;
}
