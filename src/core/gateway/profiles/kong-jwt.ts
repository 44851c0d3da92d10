/** Kong's OSS jwt plugin (kong/plugins/jwt): local verification against a consumer's credential, reasons in the body. */
import type { KongOidcConfig } from '../kong-oidc-config';
import { kongAnsweredBy, kongMessage } from './kong-openid-connect';
import type { GatewayProfile, TokenSource } from './profile';

function list(config: KongOidcConfig | undefined, field: string, fallback: string[]): string[] {
  const value = config?.[field];
  return Array.isArray(value) ? value.map(String) : fallback;
}

export const kongJwt: GatewayProfile = {
  id: 'kong-jwt',
  name: "Kong's jwt plugin",
  language: 'kong',
  tokenSources(config): TokenSource[] {
    return [
      ...list(config, 'header_names', ['authorization']).map((name): TokenSource => ({ in: 'header', name })),
      ...list(config, 'uri_param_names', ['jwt']).map((name): TokenSource => ({ in: 'query', name })),
      ...list(config, 'cookie_names', []).map((name): TokenSource => ({ in: 'cookie', name })),
    ];
  },
  introspects: () => false,
  leeway: () => 0,
  // claims_to_verify is empty by default: exp is not checked unless listed.
  checksExpiry: (config) => list(config, 'claims_to_verify', []).includes('exp'),
  issuerMatches: (iss, expected) => iss === expected,
  introspectionCacheSeconds: () => 0,
  answeredBy: kongAnsweredBy,
  bodyReason(status, body) {
    if (status !== 401 || !body) return undefined;
    const message = kongMessage(body);
    if (message !== undefined) return message === 'Unauthorized' ? undefined : message;
    try {
      // Claim failures send the errors table itself: {"exp":"token expired"}.
      const value = JSON.parse(body) as unknown;
      if (value && typeof value === 'object')
        return Object.entries(value as Record<string, unknown>)
          .map(([claim, why]) => `${claim}: ${String(why)}`)
          .join('; ');
    } catch {
      // Not the plugin's JSON.
    }
    return undefined;
  },
  logsInactiveAnswers: false,
  fix: {
    gatewayIntrospection: "The jwt plugin never asks the IdP; check the consumer's jwt credential instead.",
    gatewayIntrospectionClient: "The jwt plugin never asks the IdP; check the consumer's jwt credential instead.",
    gatewayIntrospectionTls: "The jwt plugin never asks the IdP; check the consumer's jwt credential instead.",
    gatewayIntrospectionEndpoint: "The jwt plugin never asks the IdP; check the consumer's jwt credential instead.",
    revocationAtOnce:
      'The jwt plugin never asks the IdP, so revocation cannot reach it: keep token lifetimes short, list exp in claims_to_verify, or use openid-connect with introspection.',
    tokenPlace: 'Send it as "Authorization: Bearer <token>" or in a parameter listed in uri_param_names (default jwt).',
    clock: 'Check clock synchronisation (NTP) on the gateway and the IdP.',
    issuerConfig:
      "Give a consumer a jwt credential whose key is the token's iss (key_claim_name), with the IdP's public key and algorithm.",
    audienceRequired: 'Request the token for the audience the API expects.',
    rejectInvalid: "List exp (and nbf) in the plugin's claims_to_verify, so expired tokens are refused.",
    consumer:
      "Create a jwt credential for a consumer whose key is the token's iss (key_claim_name), with the IdP's rsa_public_key and algorithm.",
    moreEvidence: 'read the response body, where the jwt plugin writes its reason',
  },
};
