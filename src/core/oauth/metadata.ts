/**
 * Authorization server metadata as published by OIDC Discovery and RFC 8414.
 * Only the fields this product reads are named; everything else is kept.
 */
export interface AuthorizationServerMetadata {
  issuer: string;
  authorization_endpoint?: string;
  token_endpoint?: string;
  jwks_uri?: string;
  introspection_endpoint?: string;
  revocation_endpoint?: string;
  device_authorization_endpoint?: string;
  userinfo_endpoint?: string;
  end_session_endpoint?: string;
  registration_endpoint?: string;
  pushed_authorization_request_endpoint?: string;
  require_pushed_authorization_requests?: boolean;
  token_endpoint_auth_methods_supported?: string[];
  token_endpoint_auth_signing_alg_values_supported?: string[];
  introspection_endpoint_auth_methods_supported?: string[];
  introspection_endpoint_auth_signing_alg_values_supported?: string[];
  revocation_endpoint_auth_methods_supported?: string[];
  revocation_endpoint_auth_signing_alg_values_supported?: string[];
  introspection_signing_alg_values_supported?: string[];
  grant_types_supported?: string[];
  response_types_supported?: string[];
  response_modes_supported?: string[];
  code_challenge_methods_supported?: string[];
  scopes_supported?: string[];
  claims_supported?: string[];
  subject_types_supported?: string[];
  id_token_signing_alg_values_supported?: string[];
  dpop_signing_alg_values_supported?: string[];
  authorization_response_iss_parameter_supported?: boolean;
  tls_client_certificate_bound_access_tokens?: boolean;
  mtls_endpoint_aliases?: Record<string, string>;
  [field: string]: unknown;
}

/** Names of metadata fields that hold an endpoint URL. */
export const ENDPOINT_FIELDS = [
  'authorization_endpoint',
  'token_endpoint',
  'jwks_uri',
  'introspection_endpoint',
  'revocation_endpoint',
  'device_authorization_endpoint',
  'userinfo_endpoint',
  'end_session_endpoint',
  'registration_endpoint',
  'pushed_authorization_request_endpoint',
] as const;

export type EndpointField = (typeof ENDPOINT_FIELDS)[number];
