import { randomBytes } from 'node:crypto';

/**
 * Okta's own words for the refusals the sandbox imitates, so a test or the
 * debugger's verdicts see what they would see from a real org.
 *
 * OAuth endpoint errors: okta/okta-developer-docs@468de9c511b5e4009bb5f06c25cbf4b85fecb8d0
 * packages/@okta/vuepress-site/data/oauth2-error-codes.json (the table behind
 * developer.okta.com/docs/reference/error-codes/#oauth-2-0-error-codes).
 * Management (E0000…) errors: the same commit, data/error-codes.json, and the
 * 429 example in docs/reference/api/authn/index.md.
 */

export interface OAuthRefusal {
  status: number;
  error: string;
  description: string;
}

/** Token-endpoint refusals by Okta's internalErrorCode. */
export const OKTA_OAUTH_REFUSALS = {
  invalid_client: {
    status: 401,
    error: 'invalid_client',
    description: 'Client authentication failed. Either the client or the client credentials are invalid.',
  },
  missing_client_credentials: { status: 401, error: 'invalid_client', description: 'No client credentials found.' },
  invalid_client_secret: {
    status: 401,
    error: 'invalid_client',
    description: 'The client secret supplied for a confidential client is invalid.',
  },
  // The table writes the list as "[en]" (a template placeholder); a real org names the grants.
  unauthorized_client: {
    status: 400,
    error: 'unauthorized_client',
    description: 'The client is not authorized to use the provided grant type. Configured grant types: [%s].',
  },
  no_matching_scope: {
    status: 400,
    error: 'invalid_scope',
    description: 'One or more scopes are not configured for the authorization server resource.',
  },
  openid_not_allowed_client_creds: {
    status: 400,
    error: 'invalid_scope',
    description: "Cannot request 'openid' scopes using client credentials.",
  },
  no_matching_policy: {
    status: 401,
    error: 'access_denied',
    description: 'Policy evaluation failed for this request, please check the policy configurations.',
  },
} as const satisfies Record<string, OAuthRefusal>;

export type OktaRefusalName = keyof typeof OKTA_OAUTH_REFUSALS;

/** The `{error, error_description}` body of a refusal, `%s` filled in when the text has one. */
export function oauthRefusalBody(name: OktaRefusalName, fill = ''): { error: string; error_description: string } {
  const refusal = OKTA_OAUTH_REFUSALS[name];
  return { error: refusal.error, error_description: refusal.description.replace('%s', fill) };
}

/** Management-API (and rate-limit) errors by Okta errorCode: status and errorSummary. */
export const OKTA_API_ERRORS = {
  E0000006: { status: 403, summary: 'You do not have permission to perform the requested action' },
  E0000007: { status: 404, summary: 'Not found: %s' },
  E0000011: { status: 401, summary: 'Invalid token provided' },
  E0000022: { status: 405, summary: 'The endpoint does not support the provided HTTP method' },
  E0000047: { status: 429, summary: 'API call exceeded rate limit due to too many requests.' },
} as const;

export type OktaApiErrorCode = keyof typeof OKTA_API_ERRORS;

/** Okta's error object: `{errorCode, errorSummary, errorLink, errorId, errorCauses}`. */
export function oktaApiErrorBody(code: OktaApiErrorCode, fill = ''): Record<string, unknown> {
  return {
    errorCode: code,
    errorSummary: OKTA_API_ERRORS[code].summary.replace('%s', fill),
    errorLink: code,
    // Okta's errorId is an opaque 25-character id that finds the event in the System Log.
    errorId: `oae${randomBytes(16).toString('base64url').slice(0, 22)}`,
    errorCauses: [],
  };
}
