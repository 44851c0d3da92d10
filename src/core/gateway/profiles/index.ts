/** The gateway profiles and how a diagnosis picks one. */
import type { KongOidcConfig } from '../kong-oidc-config';
import { apacheIntrospection, apacheJwt } from './apache';
import { genericRfc6750 } from './generic-rfc6750';
import { kongJwt } from './kong-jwt';
import { kongOpenidConnect, looksLikeKong } from './kong-openid-connect';
import type { GatewayProfile, GatewayProfileId } from './profile';

export type { GatewayProfile, GatewayProfileId, ProfileFixKey, TokenFacts, TokenSource } from './profile';
export { sameIssuerIgnoringSlash } from './profile';
export { kongAnsweredBy, looksLikeKong } from './kong-openid-connect';

export const PROFILES: Readonly<Record<GatewayProfileId, GatewayProfile>> = {
  'kong-openid-connect': kongOpenidConnect,
  'kong-jwt': kongJwt,
  'apache-introspection': apacheIntrospection,
  'apache-jwt': apacheJwt,
  'generic-rfc6750': genericRfc6750,
};

/** What is known about the gateway: an explicit profile, or the older kind + config pair. */
export interface ProfileHint {
  gatewayProfile?: GatewayProfileId;
  gatewayKind?: 'kong' | 'apache' | 'other';
  /** The route's configuration; `plugin` names Kong's plugin when it is not openid-connect. */
  config?: KongOidcConfig;
  plugin?: string;
  /** The answer's headers: Kong marks its own (X-Kong-*) when nothing else says which gateway answered. */
  headers?: Record<string, string>;
}

/** The profile for a gateway: the one named, else from its kind (an Apache route that sets no introspection endpoint but bearer verifies locally). */
export function selectProfile(hint: ProfileHint): GatewayProfile {
  if (hint.gatewayProfile) return PROFILES[hint.gatewayProfile];
  if (hint.gatewayKind === 'apache') {
    const local = hint.config?.auth_methods?.includes('bearer') && !hint.config.introspection_endpoint;
    return local ? apacheJwt : apacheIntrospection;
  }
  const kong =
    hint.gatewayKind === undefined && (hint.config !== undefined || (hint.headers && looksLikeKong(hint.headers)));
  if (hint.gatewayKind === 'kong' || kong) return hint.plugin === 'jwt' ? kongJwt : kongOpenidConnect;
  return genericRfc6750;
}
