import { tryUrl } from '../url';
import { systemClock } from '../clock';
import type { Clock } from '../clock';
import { OidcError } from '../errors';
import { headerValue } from '../http/headers';
import type { HttpClient, HttpResponse } from '../http/types';
import { oktaIssuer } from './okta';
import { errorFromResponse, isRecord, parseJson } from './oauth-error';

/**
 * Two reads of Okta's management API, so a verdict about a refused token can
 * say it confirmed that the app or the user is no longer active instead of
 * guessing: the application behind an OAuth client id, and a user. Shapes and
 * paths: okta/okta-management-openapi-spec@fdda229e82940cf5af4611ad673ca6a27974e31b
 * dist/current/management-minimal.yaml (`/api/v1/apps`, `/api/v1/apps/{appId}`,
 * `/api/v1/users/{id}`); errors: okta/okta-developer-docs@468de9c511b5e4009bb5f06c25cbf4b85fecb8d0
 * packages/@okta/vuepress-site/data/error-codes.json.
 *
 * The API token goes only in `Authorization: SSWS <token>`, is listed as a
 * secret of every exchange (so timelines, curl and HAR redact it), is never
 * put in a message, and is never sent to another origin than the org's.
 */

export interface OktaManagementTarget {
  /** The org, e.g. `dev-123456.okta.com` or `https://dev-123456.okta.com` (no path). */
  orgUrl: string;
  /** An Okta API token (Security > API > Tokens), sent as `SSWS <token>`. */
  apiToken: string;
  /** For the rate-limit hint's "retry in N s"; the system clock by default. */
  clock?: Clock;
}

export interface OktaAppStatus {
  /** The application's id (`0oa…`). */
  appId: string;
  clientId: string;
  label?: string;
  /** `ACTIVE` or `INACTIVE` (`DELETED` is never listed). */
  status: string;
  active: boolean;
  /** Whether the client id was the app id (Okta's default) or was found by listing the apps. */
  foundBy: 'app id' | 'client_id';
  responses: HttpResponse[];
}

export interface OktaUserStatus {
  /** The user's id (`00u…`). */
  userId: string;
  login?: string;
  /** Okta's lifecycle state: ACTIVE, SUSPENDED, DEPROVISIONED, LOCKED_OUT, PASSWORD_EXPIRED, STAGED, … */
  status: string;
  /** True only for ACTIVE. */
  active: boolean;
  response: HttpResponse;
}

/** Okta's errors as they concern these reads; the rate limit keeps the hint that says when to retry. */
const HINTS: Readonly<Record<string, string>> = {
  E0000011:
    'Okta did not accept the API token: it is mistyped, revoked, or expired (unused for 30 days). Create one under Security > API > Tokens and pass it as the SSWS token.',
  E0000006:
    'The API token acts for an admin who may not read this; use a token made by an admin with at least read-only administrator rights over apps and users.',
  E0000007:
    'Okta has no such object in this org: check the org URL (a preview or another org?) and the id; a deleted app or user is not found either.',
};

const APP_PAGE_SIZE = 200;
const MAX_APP_PAGES = 10;

function checkTarget(target: OktaManagementTarget): string {
  const origin = oktaIssuer({ domain: target.orgUrl });
  if (!target.apiToken.trim()) {
    throw new OidcError('okta.missing_api_token', `No Okta API token was given for ${origin}.`, {
      where: 'Okta management API',
      hint: 'Create an API token under Security > API > Tokens and pass it; it is sent as "Authorization: SSWS <token>".',
    });
  }
  return origin;
}

async function get(http: HttpClient, target: OktaManagementTarget, url: string): Promise<HttpResponse> {
  return http.send({
    method: 'GET',
    url,
    headers: { accept: 'application/json', authorization: `SSWS ${target.apiToken}` },
    label: 'Okta management API',
    lane: 'idp',
    secrets: [target.apiToken],
  });
}

function failure(response: HttpResponse, where: string, target: OktaManagementTarget): OidcError {
  const error = errorFromResponse(response, where, { clock: target.clock ?? systemClock });
  const hint = error.serverError && response.status !== 429 ? HINTS[error.serverError] : undefined;
  if (!hint) return error;
  return new OidcError(error.code, error.message, {
    where: error.where,
    status: error.status,
    serverError: error.serverError,
    serverDescription: error.serverDescription,
    hint,
  });
}

function body(response: HttpResponse, where: string, what: string): unknown {
  const parsed = parseJson(response.text);
  if (!parsed) {
    throw new OidcError(
      'okta.invalid_response',
      `${where} answered HTTP ${response.status} with a body that is not JSON.`,
      {
        where,
        status: response.status,
        hint: 'Check the org URL: an HTML page usually means a sign-in page, a proxy, or a path that is not the API.',
      },
    );
  }
  if (what === 'list' ? !Array.isArray(parsed.value) : !isRecord(parsed.value)) {
    throw new OidcError(
      'okta.invalid_response',
      `${where} answered with JSON that is not ${what === 'list' ? 'a list' : 'an object'}.`,
      {
        where,
        status: response.status,
        hint: "Check the org URL; this does not look like Okta's management API.",
      },
    );
  }
  return parsed.value;
}

function readApp(value: unknown): { appId: string; clientId?: string; label?: string; status: string } | undefined {
  if (!isRecord(value) || typeof value.id !== 'string' || typeof value.status !== 'string') return undefined;
  const credentials = isRecord(value.credentials) ? value.credentials : {};
  const oauthClient = isRecord(credentials.oauthClient) ? credentials.oauthClient : {};
  return {
    appId: value.id,
    clientId: typeof oauthClient.client_id === 'string' ? oauthClient.client_id : undefined,
    label: typeof value.label === 'string' ? value.label : undefined,
    status: value.status,
  };
}

/** RFC 8288 `Link: <url>; rel="next"`, which Okta pages its lists with. */
function nextLink(response: HttpResponse): string | undefined {
  const links = headerValue(response.headers, 'link') ?? '';
  return /<([^>]+)>\s*;\s*rel="?next"?/i.exec(links)?.[1];
}

/**
 * The application behind an OAuth client id and whether it is ACTIVE.
 * Okta gives an app's id as its client_id unless one was chosen
 * (`ApplicationCredentialsOAuthClient.client_id` in the spec), so this asks
 * `GET /api/v1/apps/{clientId}` first and, on 404, lists the apps
 * (`GET /api/v1/apps?limit=200`, following `Link: rel="next"` on the org's
 * origin only) for one whose `credentials.oauthClient.client_id` matches.
 */
export async function oktaAppStatus(
  http: HttpClient,
  target: OktaManagementTarget & { clientId: string },
): Promise<OktaAppStatus> {
  const origin = checkTarget(target);
  const responses: HttpResponse[] = [];
  const byIdUrl = `${origin}/api/v1/apps/${encodeURIComponent(target.clientId)}`;
  const byIdWhere = `Okta management API GET ${byIdUrl}`;
  const byId = await get(http, target, byIdUrl);
  responses.push(byId);
  if (byId.status === 200) {
    const app = readApp(body(byId, byIdWhere, 'object'));
    if (app && (app.clientId === undefined || app.clientId === target.clientId)) {
      return { ...app, clientId: target.clientId, active: app.status === 'ACTIVE', foundBy: 'app id', responses };
    }
  } else if (byId.status !== 404) {
    throw failure(byId, byIdWhere, target);
  }

  let url: string | undefined = `${origin}/api/v1/apps?limit=${APP_PAGE_SIZE}`;
  for (let page = 0; url && page < MAX_APP_PAGES; page += 1) {
    const where = `Okta management API GET ${url}`;
    const response = await get(http, target, url);
    responses.push(response);
    if (response.status !== 200) throw failure(response, where, target);
    const list = body(response, where, 'list') as unknown[];
    const app = list.map(readApp).find((candidate) => candidate?.clientId === target.clientId);
    if (app)
      return { ...app, clientId: target.clientId, active: app.status === 'ACTIVE', foundBy: 'client_id', responses };
    const next = nextLink(response);
    // The token must not follow a link to another host.
    url = next && tryUrl(next, origin)?.origin === origin ? new URL(next, origin).href : undefined;
  }
  throw new OidcError(
    'okta.app_not_found',
    `No application in ${origin} has the OAuth client id "${target.clientId}".`,
    {
      where: `Okta management API ${origin}/api/v1/apps`,
      status: 404,
      hint: 'Check the client id and the org; a deleted app is not listed, and an API token of an admin limited to some apps sees only those.',
    },
  );
}

/** A user (by id `00u…` or login) and whether the account is ACTIVE: `GET /api/v1/users/{id}`. */
export async function oktaUserStatus(
  http: HttpClient,
  target: OktaManagementTarget & { userId: string },
): Promise<OktaUserStatus> {
  const origin = checkTarget(target);
  const url = `${origin}/api/v1/users/${encodeURIComponent(target.userId)}`;
  const where = `Okta management API GET ${url}`;
  const response = await get(http, target, url);
  if (response.status !== 200) throw failure(response, where, target);
  const user = body(response, where, 'object') as Record<string, unknown>;
  if (typeof user.id !== 'string' || typeof user.status !== 'string') {
    throw new OidcError('okta.invalid_response', `${where} answered a user without an id or status.`, {
      where,
      status: response.status,
      hint: "Check the org URL; this does not look like Okta's management API.",
    });
  }
  const profile = isRecord(user.profile) ? user.profile : {};
  return {
    userId: user.id,
    login: typeof profile.login === 'string' ? profile.login : undefined,
    status: user.status,
    active: user.status === 'ACTIVE',
    response,
  };
}
