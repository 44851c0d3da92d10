import { errors } from 'oidc-provider';
import type { ResourceServerInfo } from 'oidc-provider';
import { CUSTOM_SCOPES, OIDC_SCOPES } from './clients';

/**
 * The sandbox's resource servers, as Okta's custom authorization server sees
 * its audience: `api://default` gets JWT access tokens; `api://opaque`
 * exists so the opaque-token path (introspection only) can be shown too.
 */
export const DEFAULT_RESOURCE = 'api://default';
export const OPAQUE_RESOURCE = 'api://opaque';

const ACCESS_TOKEN_TTL = 3600;

// Okta lists the OIDC scopes in `scp` too, so the resource server carries them.
const RESOURCE_SCOPE = [...OIDC_SCOPES, ...CUSTOM_SCOPES].join(' ');

/** `getResourceServerInfo`: unknown audiences are refused with invalid_target. */
export function resourceServerInfo(indicator: string): ResourceServerInfo {
  switch (indicator) {
    case DEFAULT_RESOURCE:
      return {
        scope: RESOURCE_SCOPE,
        audience: DEFAULT_RESOURCE,
        accessTokenFormat: 'jwt',
        accessTokenTTL: ACCESS_TOKEN_TTL,
      };
    case OPAQUE_RESOURCE:
      return {
        scope: RESOURCE_SCOPE,
        audience: OPAQUE_RESOURCE,
        accessTokenFormat: 'opaque',
        accessTokenTTL: ACCESS_TOKEN_TTL,
      };
    default:
      throw new errors.InvalidTarget(
        `unknown resource or audience; this authorization server knows ${DEFAULT_RESOURCE} and ${OPAQUE_RESOURCE}`,
      );
  }
}

/** `defaultResource`: with nothing asked for, tokens are for api://default, as Okta's default server. */
export function defaultResource(oneOf?: string | string[]): string | string[] {
  if (oneOf === undefined) return DEFAULT_RESOURCE;
  if (Array.isArray(oneOf)) return oneOf.includes(DEFAULT_RESOURCE) ? DEFAULT_RESOURCE : (oneOf[0] ?? DEFAULT_RESOURCE);
  return oneOf;
}
