/** Any other gateway: only what RFC 6750 promises, and neutral advice. */
import type { GatewayProfile } from './profile';

export const genericRfc6750: GatewayProfile = {
  id: 'generic-rfc6750',
  name: 'the gateway',
  language: 'neutral',
  // RFC 6750: the header is the one place every resource server must read; query and body are optional.
  tokenSources: () => [{ in: 'header', name: 'Authorization' }],
  // An opaque token can only be checked by asking the IdP; whether a JWT is, only the configuration says.
  introspects: (token) => (token?.kind === 'opaque' ? true : undefined),
  leeway: () => 0,
  checksExpiry: () => true,
  issuerMatches: (iss, expected) => iss === expected,
  introspectionCacheSeconds: () => undefined,
  answeredBy: () => undefined,
  bodyReason: () => undefined,
  logsInactiveAnswers: true,
  fix: {
    gatewayIntrospection:
      "Check the client credentials the gateway introspects with, the CA bundle it trusts for the IdP's TLS certificate, and the introspection endpoint it calls; its error log names the failure.",
    gatewayIntrospectionClient:
      "Fix the client id and secret the gateway uses to call the IdP's introspection endpoint.",
    gatewayIntrospectionTls: "Give the gateway the CA bundle that signs the IdP's certificate.",
    gatewayIntrospectionEndpoint:
      'Check the introspection endpoint the gateway calls and that the gateway can reach the IdP.',
    revocationAtOnce:
      "Lower the gateway's introspection cache time, and have it introspect JWTs too where revocation must bite at once.",
    tokenPlace: 'Send it as "Authorization: Bearer <token>", the one place every RFC 6750 gateway reads.',
    clock: 'Check clock synchronisation (NTP) on the gateway and the IdP.',
    issuerConfig:
      'Get the token from the authorization server the gateway trusts, or make the gateway trust its issuer.',
    audienceRequired: 'Request the token for the audience the API expects (audience or resource parameter).',
    rejectInvalid: "Check the gateway's token validation: signature, exp/nbf with a small leeway, and the audience.",
    consumer: "Map the token's client or user to an identity the gateway knows.",
    moreEvidence: "read the gateway's error log for this request",
  },
};
