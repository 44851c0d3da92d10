import type { Clock } from '../clock';
import { redactText } from '../http/redact';
import { systemClock } from '../clock';
import { OidcError } from '../errors';
import { headerValue } from '../http/headers';
import { responseJson } from '../http/response-json';
import type { HttpResponse } from '../http/types';
import type { RegisteredOAuthError, ServerErrorCode } from './error-codes';

/** What the caller was doing, so hints can be specific. */
export interface ErrorContext {
  /** The grant_type sent to the token endpoint, when it was one. */
  grantType?: string;
  /** Scopes the request asked for. */
  scope?: string[];
  /** The endpoint authenticates this debugger's own client (introspection, revocation). */
  callerAuthenticates?: boolean;
  clock?: Clock;
}

/** A standard OAuth error body (RFC 6749 §5.2). */
export interface OAuthErrorBody {
  error: string;
  error_description?: string;
  error_uri?: string;
}

const OIDC_ONLY_SCOPES = ['openid', 'profile', 'email', 'address', 'phone', 'offline_access'];

const HINTS: Record<RegisteredOAuthError, string> = {
  invalid_client:
    "Check the client id and secret (or key), and that the authentication method used here matches the one configured for the application at the IdP (in Okta: the app's Client authentication setting).",
  invalid_grant:
    'The code, refresh token, device code or password was rejected: it may be expired, already used, revoked or issued to another client; for the authorization code grant also check redirect_uri and the PKCE verifier.',
  invalid_scope:
    'Request only scopes that exist on this authorization server and that its access policy grants to this client.',
  unauthorized_client:
    "This grant type is not enabled for the application at the IdP; enable it in the app's settings (Okta: General > Grant type) and allow it in the authorization server's access policy rule.",
  unsupported_grant_type:
    'The authorization server does not support this grant type; check grant_types_supported in its metadata.',
  unsupported_response_type:
    'The authorization server does not allow response_type=code for this client; check the application type at the IdP.',
  invalid_request:
    'A parameter is missing, repeated or malformed; compare the request with the endpoint documentation.',
  access_denied:
    "The user or a policy refused the request; in Okta check the authorization server's access policies: a rule must allow this client, grant type and these scopes.",
  unsupported_token_type: 'The server cannot handle this token type here; try another token_type_hint or leave it out.',
  invalid_target:
    'The requested audience or resource is not known to the authorization server; check the resource/audience value.',
  invalid_token: 'The token sent is invalid or expired; get a fresh one.',
  server_error: 'The IdP failed while handling the request; retry, and check its status page or system log.',
  temporarily_unavailable: 'The IdP is overloaded or in maintenance; retry later.',
  authorization_pending: 'The user has not finished signing in on the other device yet; keep polling.',
  slow_down: 'Polling too fast; wait 5 seconds longer between polls.',
  expired_token:
    'The device code expired before the user finished; start the device flow again and complete it sooner.',
  login_required: 'The IdP needs the user to sign in; drop prompt=none.',
  consent_required: 'The user must consent to these scopes; drop prompt=none or grant consent at the IdP.',
  interaction_required: 'The IdP needs user interaction; drop prompt=none.',
  invalid_dpop_proof: 'The DPoP proof was rejected; check htm, htu, iat and the key.',
  use_dpop_nonce: 'The server wants a DPoP nonce; resend with the nonce from the DPoP-Nonce header.',
};

// Own keys only: a server's "constructor" or "toString" is not a registered error.
function isRegisteredOAuthError(error: string): error is RegisteredOAuthError {
  return Object.hasOwn(HINTS, error);
}

/** Safely parses a JSON body; undefined when it is not JSON. */
export function parseJson(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The OAuth error in a response body, if the body is one. */
export function readOAuthError(response: HttpResponse): OAuthErrorBody | undefined {
  const parsed = responseJson(response);
  if (!parsed || !isRecord(parsed.value) || typeof parsed.value.error !== 'string') return undefined;
  const body = parsed.value;
  return {
    error: body.error as string,
    error_description: typeof body.error_description === 'string' ? body.error_description : undefined,
    error_uri: typeof body.error_uri === 'string' ? body.error_uri : undefined,
  };
}

/** The code for an error name the server chose, in a code-safe form: `oauth.invalid_grant`, `okta.E0000011`. */
export function serverErrorCode(prefix: 'oauth' | 'okta', value: string): ServerErrorCode {
  const cleaned = value.replace(/[^A-Za-z0-9_.-]/g, '_');
  // The one place a server's vocabulary becomes a code; see ServerErrorCode.
  return `${prefix}.${cleaned || 'unknown'}` as ServerErrorCode;
}

export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The hint for a standard OAuth error in the given situation. */
export function hintForOAuthError(name: string, context: ErrorContext = {}): string {
  // Glewlwyd says scope_invalid where RFC 6749 says invalid_scope; the advice is the same.
  const error = name === 'scope_invalid' ? 'invalid_scope' : name;
  const oidc = (context.scope ?? []).filter((s) => OIDC_ONLY_SCOPES.includes(s));
  if (error === 'invalid_scope' && context.grantType === 'client_credentials' && oidc.length > 0) {
    return `With the client credentials grant Okta rejects openid and the other OIDC scopes (you asked for ${oidc.join(', ')}): there is no user, so request only custom scopes defined on a custom authorization server (e.g. /oauth2/default).`;
  }
  if (error === 'invalid_scope' && context.scope?.length) {
    const asked = context.scope.join(' ');
    return `You asked for scope "${asked}", and ${context.scope.length === 1 ? 'it is' : 'one of them is'} not defined on this authorization server (or its access policy does not grant it to this client): define it there (Okta: Security > API > the authorization server > Scopes, and a rule that grants it) or ask only for scopes it has.`;
  }
  if (context.callerAuthenticates && error === 'invalid_client') {
    return `The endpoint refused this debugger's own client credentials, not the token being checked. ${HINTS.invalid_client}`;
  }
  return isRegisteredOAuthError(error)
    ? HINTS[error]
    : 'See the error description from the server and the error_uri, if any.';
}

function rateLimitHint(response: HttpResponse, clock: Clock): string {
  const reset = Number(headerValue(response.headers, 'x-rate-limit-reset'));
  if (!Number.isFinite(reset) || reset <= 0) return 'Okta rate limit reached; wait a minute before retrying.';
  const seconds = Math.max(0, Math.ceil(reset - clock.now() / 1000));
  return `Okta rate limit reached; retry after ${new Date(reset * 1000).toISOString()} (in ${seconds} s).`;
}

function describeBody(response: HttpResponse): string {
  const type = headerValue(response.headers, 'content-type');
  const title = /<title[^>]*>([^<]{1,120})<\/title>/i.exec(response.text)?.[1]?.trim();
  const mediaType = type?.split(';')[0]?.trim();
  const what =
    response.text.trim() === ''
      ? 'an empty body'
      : mediaType && /json/i.test(mediaType)
        ? `a body that is labelled ${mediaType} but does not parse as JSON`
        : mediaType
          ? `a ${mediaType} body`
          : 'a body that is not JSON';
  return title ? `${what} (page title "${title}")` : what;
}

/**
 * Turns a failed answer from an OAuth endpoint into an OidcError: an OAuth
 * error body, Okta's management error shape, a rate limit, a 5xx, an HTML page.
 */
export function errorFromResponse(response: HttpResponse, where: string, context: ErrorContext = {}): OidcError {
  const clock = context.clock ?? systemClock;
  const status = response.status;
  // A server's own words may echo our request (a password, the client secret): masked with what it carried.
  const secrets = response.exchange?.secrets ?? [];
  const said = (text: string | undefined): string | undefined =>
    text === undefined ? undefined : redactText(text, secrets);
  const parsed = responseJson(response);
  const body = parsed && isRecord(parsed.value) ? parsed.value : undefined;
  const base = { where, status };

  if (body && typeof body.error === 'string') {
    const error = body.error;
    const description = typeof body.error_description === 'string' ? said(body.error_description) : undefined;
    const uri = typeof body.error_uri === 'string' ? ` (see ${body.error_uri})` : '';
    let hint = hintForOAuthError(error, context);
    if (status === 429) hint = `${hint} ${rateLimitHint(response, clock)}`;
    return new OidcError(
      serverErrorCode('oauth', error),
      `${capitalize(where)} answered HTTP ${status} ${error}${description ? `: ${description}` : ''}${uri}.`,
      { ...base, hint, serverError: error, serverDescription: description },
    );
  }
  if (context.callerAuthenticates && status === 401 && !(body && typeof body.errorCode === 'string')) {
    // Some servers answer 401 with no body; here it still means our own credentials.
    return new OidcError(
      'oauth.invalid_client',
      `${capitalize(where)} answered HTTP 401: it refused this debugger's own client credentials.`,
      {
        ...base,
        hint: hintForOAuthError('invalid_client', context),
      },
    );
  }
  if (body && typeof body.errorCode === 'string') {
    const code = body.errorCode;
    const summary = typeof body.errorSummary === 'string' ? said(body.errorSummary) : undefined;
    const causes = Array.isArray(body.errorCauses)
      ? body.errorCauses
          .map((c) => (isRecord(c) && typeof c.errorSummary === 'string' ? said(c.errorSummary) : undefined))
          .filter((c): c is string => c !== undefined)
      : [];
    const id = typeof body.errorId === 'string' ? ` (errorId ${body.errorId})` : '';
    const hint =
      code === 'E0000047' || status === 429
        ? rateLimitHint(response, clock)
        : `Look up ${code}${typeof body.errorLink === 'string' ? ` at ${body.errorLink}` : " in Okta's error code reference"}; the errorId finds the event in the Okta System Log.`;
    return new OidcError(
      serverErrorCode('okta', code),
      `${capitalize(where)} answered HTTP ${status} ${code}${summary ? `: ${summary}` : ''}${causes.length ? ` (${causes.join('; ')})` : ''}${id}.`,
      { ...base, hint, serverError: code, serverDescription: summary },
    );
  }
  if (status === 429) {
    return new OidcError('oauth.rate_limited', `${capitalize(where)} answered HTTP 429 (too many requests).`, {
      ...base,
      hint: rateLimitHint(response, clock),
    });
  }
  if (status >= 500) {
    return new OidcError(
      'oauth.server_status',
      `${capitalize(where)} answered HTTP ${status} with ${describeBody(response)}.`,
      {
        ...base,
        hint: 'The IdP or a proxy in front of it failed; retry, and check the IdP status page and any proxy between you and it.',
      },
    );
  }
  if ((status === 401 || status === 403) && response.text.trim() === '' && context.grantType) {
    // Some IdPs (Glewlwyd) refuse a wrong secret, no client authentication or a scope the client may not have this way.
    const asked = context.scope?.length ? ` and the scope requested ("${context.scope.join(' ')}")` : '';
    return new OidcError(
      'oauth.unexpected_status',
      `${capitalize(where)} answered HTTP ${status} with an empty body: it refused the request without saying why.`,
      {
        ...base,
        hint: `An empty refusal from a token endpoint is about the client: check the client id and secret, the client authentication method${asked}, which the client must be allowed to ask for.`,
      },
    );
  }
  if (!parsed) {
    const body = describeBody(response);
    // "a body labelled application/json that does not parse" says it already; no "instead of JSON" after it.
    const said = body.includes('does not parse as JSON') ? body : `${body} instead of JSON`;
    return new OidcError('oauth.not_json', `${capitalize(where)} answered HTTP ${status} with ${said}.`, {
      ...base,
      hint: 'Check the endpoint URL (an HTML page usually means a login page, a proxy or a wrong path) and any proxy settings.',
    });
  }
  if (!body) {
    return new OidcError(
      'oauth.invalid_response',
      `${capitalize(where)} answered HTTP ${status} with JSON that is not an object.`,
      {
        ...base,
        hint: 'The endpoint does not behave like an OAuth endpoint; check its URL.',
      },
    );
  }
  return new OidcError(
    'oauth.unexpected_status',
    `${capitalize(where)} answered HTTP ${status} without an OAuth error code.`,
    {
      ...base,
      hint:
        status === 401 || status === 403
          ? 'The request was refused before the OAuth server handled it; check the client credentials and any proxy or gateway in between.'
          : 'Check the endpoint URL and the request; the server did not say what was wrong.',
    },
  );
}
