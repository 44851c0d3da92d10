/**
 * The subset of Kong's `openid-connect` plugin configuration that decides
 * whether a request gets through. Field names are Kong's own, so a config read
 * from the Admin API, Konnect or a decK file is used as is. The sandbox
 * gateway, the diagnosis and the lint all read this one model.
 */
export type KongAuthMethod =
  | 'authorization_code'
  | 'bearer'
  | 'client_credentials'
  | 'introspection'
  | 'kong_oauth2'
  | 'password'
  | 'refresh_token'
  | 'session'
  | 'userinfo';

/** Kong tries auth methods in this fixed order, whatever order the config lists. */
export const KONG_AUTH_METHOD_ORDER: readonly KongAuthMethod[] = [
  'session',
  'bearer',
  'kong_oauth2',
  'introspection',
  'userinfo',
  'refresh_token',
  'password',
  'client_credentials',
  'authorization_code',
];

export type BearerParamType = 'header' | 'query' | 'body' | 'cookie';

export interface KongOidcConfig {
  issuer?: string;
  issuers_allowed?: string[];
  auth_methods?: KongAuthMethod[];
  client_id?: string[];
  client_secret?: string[];
  client_auth?: string[];
  introspection_endpoint?: string;
  introspection_endpoint_auth_method?: string;
  introspection_hint?: string;
  introspection_check_active?: boolean;
  introspect_jwt_tokens?: boolean;
  cache_introspection?: boolean;
  cache_ttl?: number;
  cache_ttl_max?: number;
  cache_ttl_min?: number;
  cache_ttl_neg?: number;
  bearer_token_param_type?: BearerParamType[];
  bearer_token_cookie_name?: string;
  verify_signature?: boolean;
  verify_claims?: boolean;
  leeway?: number;
  enable_hs_signatures?: boolean;
  ssl_verify?: boolean;
  scopes_claim?: string[];
  scopes_required?: string[];
  audience_claim?: string[];
  audience_required?: string[];
  groups_claim?: string[];
  groups_required?: string[];
  roles_claim?: string[];
  roles_required?: string[];
  consumer_claim?: string[];
  consumer_by?: string[];
  consumer_optional?: boolean;
  upstream_access_token_header?: string;
  upstream_headers_claims?: string[];
  upstream_headers_names?: string[];
  upstream_introspection_header?: string;
  display_errors?: boolean;
  expose_error_code?: boolean;
  unauthorized_error_message?: string;
  forbidden_error_message?: string;
  proof_of_possession_dpop?: 'off' | 'optional' | 'strict';
  proof_of_possession_mtls?: 'off' | 'optional' | 'strict';
  [field: string]: unknown;
}

/** Kong's documented defaults for the fields above. */
export const KONG_OIDC_DEFAULTS: Readonly<
  Required<
    Pick<
      KongOidcConfig,
      | 'auth_methods'
      | 'introspection_hint'
      | 'introspection_check_active'
      | 'introspect_jwt_tokens'
      | 'cache_introspection'
      | 'cache_ttl'
      | 'bearer_token_param_type'
      | 'verify_signature'
      | 'verify_claims'
      | 'leeway'
      | 'enable_hs_signatures'
      | 'ssl_verify'
      | 'scopes_claim'
      | 'audience_claim'
      | 'groups_claim'
      | 'roles_claim'
      | 'consumer_optional'
      | 'display_errors'
      | 'expose_error_code'
      | 'unauthorized_error_message'
      | 'forbidden_error_message'
      | 'proof_of_possession_dpop'
      | 'upstream_access_token_header'
    >
  >
> = {
  auth_methods: [...KONG_AUTH_METHOD_ORDER],
  introspection_hint: 'access_token',
  introspection_check_active: true,
  introspect_jwt_tokens: false,
  cache_introspection: true,
  cache_ttl: 3600,
  bearer_token_param_type: ['header', 'query', 'body'],
  verify_signature: true,
  verify_claims: true,
  leeway: 0,
  enable_hs_signatures: false,
  // Before Kong 3.14; 3.14 turned it on. The lint judges a left-out ssl_verify
  // by the gateway's version where the source reports it (kongAtLeast).
  ssl_verify: false,
  scopes_claim: ['scope'],
  audience_claim: ['aud'],
  groups_claim: ['groups'],
  roles_claim: ['roles'],
  consumer_optional: false,
  display_errors: false,
  expose_error_code: true,
  unauthorized_error_message: 'Unauthorized',
  forbidden_error_message: 'Forbidden',
  proof_of_possession_dpop: 'off',
  upstream_access_token_header: 'authorization:bearer',
};

export type EffectiveKongOidcConfig = KongOidcConfig & typeof KONG_OIDC_DEFAULTS;

/** Fills in Kong's defaults for every field the config leaves out. */
export function withKongDefaults(config: KongOidcConfig): EffectiveKongOidcConfig {
  const out: Record<string, unknown> = { ...KONG_OIDC_DEFAULTS };
  for (const [key, value] of Object.entries(config)) {
    if (value !== undefined && value !== null) out[key] = value;
  }
  return out as EffectiveKongOidcConfig;
}

/** Reads a claim by Kong's path form (["realm_access", "roles"]) and returns it as a list of strings. */
export function claimValues(
  claims: Record<string, unknown> | undefined,
  path: readonly string[],
): string[] | undefined {
  let current: unknown = claims;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  if (current === undefined || current === null) return undefined;
  if (Array.isArray(current)) return current.map(String);
  if (typeof current === 'string') return current.split(/\s+/).filter(Boolean);
  return [String(current)];
}

/**
 * Kong's `*_required` semantics: each entry is a space-separated set that must
 * all be present (AND); any one entry satisfying is enough (OR). Returns the
 * entry closest to being satisfied and what it lacks, or undefined when met.
 */
export function missingRequired(
  have: readonly string[] | undefined,
  required: readonly string[] | undefined,
): { needed: string[]; missing: string[] } | undefined {
  if (!required || required.length === 0) return undefined;
  const present = new Set(have ?? []);
  let best: { needed: string[]; missing: string[] } | undefined;
  for (const entry of required) {
    const needed = entry.split(/\s+/).filter(Boolean);
    const missing = needed.filter((value) => !present.has(value));
    if (missing.length === 0) return undefined;
    if (!best || missing.length < best.missing.length) best = { needed, missing };
  }
  return best;
}
