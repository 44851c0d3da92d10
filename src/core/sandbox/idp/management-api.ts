import { createHash, timingSafeEqual } from 'node:crypto';
import type { OktaApiErrorCode } from './okta-answers';
import { OKTA_API_ERRORS, oktaApiErrorBody } from './okta-answers';
import type { SandboxStore } from './store';
import type { SandboxUser } from './users';

/**
 * The two reads of Okta's management API the debugger makes, served by the
 * sandbox so they are tested offline: an application (by app id, or listed
 * to find it by its OAuth client_id) and a user. Shapes follow
 * okta/okta-management-openapi-spec@fdda229e82940cf5af4611ad673ca6a27974e31b
 * dist/current/management-minimal.yaml (`/api/v1/apps`, `/api/v1/apps/{appId}`,
 * `/api/v1/users/{id}`; `ApplicationCredentialsOAuthClient.client_id`: "If you
 * don't specify the client_id, [it] is populated with the Application instance
 * ID"). The sandbox gives its apps their own `0oa…` ids and keeps the readable
 * client ids, so the lookup by client_id has to list apps, as with an org whose
 * client ids were chosen.
 */

/** Okta's user lifecycle states (UserStatus in the spec). */
export type OktaUserStatus =
  'ACTIVE' | 'DEPROVISIONED' | 'LOCKED_OUT' | 'PASSWORD_EXPIRED' | 'PROVISIONED' | 'RECOVERY' | 'STAGED' | 'SUSPENDED';

export interface ManagementApiDeps {
  /** The value after `SSWS ` that the API accepts. */
  apiToken: string;
  origin: string;
  store: SandboxStore;
  clientIds: readonly string[];
  users: readonly SandboxUser[];
  userStatus(username: string): OktaUserStatus;
}

export interface ManagementAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** The path prefix of the management API. */
export const MANAGEMENT_API_PREFIX = '/api/v1/';

const CREATED = '2026-01-01T00:00:00.000Z';

/** An Okta-looking object id (`0oa…` apps, `00u…` users): a prefix and 17 id characters. */
export function oktaAppId(clientId: string): string {
  const digest = createHash('sha256').update(`app:${clientId}`).digest('base64url').replace(/[-_]/g, 'x');
  return `0oa${digest.slice(0, 17)}`;
}

function error(code: OktaApiErrorCode, fill?: string): ManagementAnswer {
  return { status: OKTA_API_ERRORS[code].status, body: oktaApiErrorBody(code, fill) };
}

function tokenMatches(header: string | undefined, expected: string): boolean {
  const match = /^SSWS\s+(\S+)$/.exec(header ?? '');
  if (!match?.[1]) return false;
  const given = Buffer.from(match[1]);
  const wanted = Buffer.from(expected);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

function app(deps: ManagementApiDeps, clientId: string): Record<string, unknown> {
  const id = oktaAppId(clientId);
  const active = deps.store.isClientActive(clientId);
  return {
    id,
    name: 'oidc_client',
    label: clientId,
    status: active ? 'ACTIVE' : 'INACTIVE',
    signOnMode: 'OPENID_CONNECT',
    created: CREATED,
    lastUpdated: CREATED,
    credentials: { oauthClient: { client_id: clientId, autoKeyRotation: true } },
    _links: {
      self: { href: `${deps.origin}/api/v1/apps/${id}` },
      [active ? 'deactivate' : 'activate']: {
        href: `${deps.origin}/api/v1/apps/${id}/lifecycle/${active ? 'deactivate' : 'activate'}`,
      },
    },
  };
}

function user(deps: ManagementApiDeps, sandboxUser: SandboxUser): Record<string, unknown> {
  const [firstName, ...rest] = sandboxUser.name.split(' ');
  return {
    id: sandboxUser.uid,
    status: deps.userStatus(sandboxUser.username),
    created: CREATED,
    activated: CREATED,
    statusChanged: CREATED,
    lastLogin: null,
    lastUpdated: CREATED,
    passwordChanged: CREATED,
    profile: {
      firstName,
      lastName: rest.join(' '),
      email: sandboxUser.email,
      login: sandboxUser.username,
    },
    _links: { self: { href: `${deps.origin}/api/v1/users/${sandboxUser.uid}` } },
  };
}

/** Answers one management API request: method, path below the origin, query, and Authorization header. */
export function answerManagementApi(
  deps: ManagementApiDeps,
  request: { method: string; pathname: string; query: URLSearchParams; authorization?: string },
): ManagementAnswer {
  if (!tokenMatches(request.authorization, deps.apiToken)) return error('E0000011');
  if (request.method !== 'GET') {
    // The sandbox serves reads only; Okta's answer to a method an endpoint lacks.
    return error('E0000022');
  }
  const segments = request.pathname.slice(MANAGEMENT_API_PREFIX.length).split('/').map(decodeURIComponent);
  const [collection, id, ...more] = segments;
  if (collection === 'apps' && id === undefined) {
    const q = request.query.get('q');
    const limit = Number(request.query.get('limit') ?? '-1');
    let apps = deps.clientIds.map((clientId) => app(deps, clientId));
    if (q) apps = apps.filter((candidate) => String(candidate.label).startsWith(q));
    if (limit > 0) apps = apps.slice(0, limit);
    return { status: 200, body: apps };
  }
  if (collection === 'apps' && id && more.length === 0) {
    const clientId = deps.clientIds.find((candidate) => oktaAppId(candidate) === id);
    return clientId
      ? { status: 200, body: app(deps, clientId) }
      : error('E0000007', `Resource not found: ${id} (AppInstance)`);
  }
  if (collection === 'users' && id && more.length === 0) {
    // GET /api/v1/users/{id} takes the id or the login.
    const found = deps.users.find((candidate) => candidate.uid === id || candidate.username === id);
    return found ? { status: 200, body: user(deps, found) } : error('E0000007', `Resource not found: ${id} (User)`);
  }
  return error('E0000007', `Resource not found: ${request.pathname}`);
}
