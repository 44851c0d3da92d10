import type { Json } from './read-helpers';
import { arr, bool, isObject, obj, pairs, str, withHttpScheme } from './read-helpers';
import { scriptNotCarried } from './script-chains';
import type {
  KeyValue,
  NotCarried,
  OAuth2Settings,
  SourceAuth,
  SourceBody,
  SourceCollection,
  SourceEnvironment,
  SourceRequest,
} from './types';

/**
 * Reads Insomnia exports into the neutral model: v4 (JSON, a flat
 * `resources` list linked by parentId) and v5 (YAML, a nested `collection`
 * tree). Both share the request, auth and environment shapes.
 */

interface Folder {
  name: string;
  auth?: SourceAuth | 'inherit';
  headers: KeyValue[];
  environment?: Json;
}

const OAUTH2_CARRIED = new Set([
  'type',
  'disabled',
  'grantType',
  'accessTokenUrl',
  'authorizationUrl',
  'clientId',
  'clientSecret',
  'scope',
  'audience',
  'resource',
  'username',
  'password',
  'refreshToken',
  'redirectUrl',
  'credentialsInBody',
  'usePkce',
  'pkceMethod',
  'tokenPrefix',
  'useDefaultBrowser',
]);

/** Reads an Insomnia `authentication` object; `inherit` when it is empty (the folder's applies). */
export function readInsomniaAuth(value: unknown): SourceAuth | 'inherit' {
  const auth = obj(value);
  if (!auth || auth.type === undefined) return 'inherit';
  if (auth.disabled === true || auth.type === 'none') return { type: 'none' };
  switch (auth.type) {
    case 'bearer':
      return { type: 'bearer', token: str(auth.token) ?? '', prefix: str(auth.prefix) };
    case 'basic':
      return { type: 'basic', username: str(auth.username) ?? '', password: str(auth.password) ?? '' };
    case 'apikey': {
      const addTo = str(auth.addTo);
      return {
        type: 'apikey',
        key: str(auth.key) ?? '',
        value: str(auth.value) ?? '',
        addTo: addTo === 'queryParams' ? 'query' : addTo === 'cookie' ? 'cookie' : 'header',
      };
    }
    case 'oauth2': {
      const extras: Record<string, string> = {};
      for (const [key, v] of Object.entries(auth)) {
        const text = str(v);
        if (!OAUTH2_CARRIED.has(key) && text !== undefined && text !== '') extras[key] = text;
      }
      // A token fetched earlier is stored with the request; the flow fetches its own.
      if (auth.grantType !== 'refresh_token' && str(auth.refreshToken)) extras.refreshToken = str(auth.refreshToken)!;
      const settings: OAuth2Settings = {
        grantType: str(auth.grantType) ?? 'authorization_code',
        accessTokenUrl: httpUrl(auth.accessTokenUrl),
        authorizationUrl: httpUrl(auth.authorizationUrl),
        clientId: str(auth.clientId),
        clientSecret: str(auth.clientSecret),
        scope: str(auth.scope),
        audience: str(auth.audience),
        resource: str(auth.resource),
        username: str(auth.username),
        password: str(auth.password),
        refreshToken: auth.grantType === 'refresh_token' ? str(auth.refreshToken) : undefined,
        redirectUrl: str(auth.redirectUrl),
        credentialsInBody: bool(auth.credentialsInBody),
        usePkce: bool(auth.usePkce),
        pkceMethod: str(auth.pkceMethod),
        tokenPrefix: str(auth.tokenPrefix),
        extras,
      };
      return { type: 'oauth2', settings };
    }
    default:
      return { type: 'unsupported', kind: String(auth.type) };
  }
}

function readBody(value: unknown): SourceBody | undefined {
  const body = obj(value);
  if (!body) return undefined;
  const params = arr(body.params).flatMap((item) => {
    const p = obj(item);
    if (!p || p.disabled === true) return [];
    const name = str(p.name) ?? '';
    return name === ''
      ? []
      : [{ name, value: str(p.value) ?? '', file: p.type === 'file' || p.fileName !== undefined ? true : undefined }];
  });
  const result: SourceBody = {
    mimeType: str(body.mimeType) ?? undefined,
    text: str(body.text),
    fileName: str(body.fileName) || undefined,
  };
  if (Array.isArray(body.params)) result.params = params;
  if (result.text === undefined && result.params === undefined && result.fileName === undefined) return undefined;
  return result;
}

/** Replaces `:name` path parameters with their values. */
/** A URL setting of the export, with http:// when it has no scheme (as Insomnia sends it). */
function httpUrl(value: unknown): string | undefined {
  const text = str(value);
  return text === undefined ? undefined : withHttpScheme(text);
}

function applyPathParameters(url: string, value: unknown): string {
  let out = url;
  for (const p of arr(value)) {
    const param = obj(p);
    const name = str(param?.name);
    const v = str(param?.value);
    if (name && v !== undefined && v !== '')
      out = out.replace(new RegExp(`:${name.replace(/[^A-Za-z0-9_]/g, '')}(?=/|\\?|#|$)`), v);
  }
  return out;
}

function effectiveAuth(
  own: SourceAuth | 'inherit',
  name: string,
  folders: Folder[],
): { auth?: SourceAuth; label: string } {
  if (own !== 'inherit') return { auth: own.type === 'none' ? undefined : own, label: `request "${name}" > auth` };
  for (let i = folders.length - 1; i >= 0; i--) {
    const folder = folders[i]!;
    if (folder.auth !== undefined && folder.auth !== 'inherit') {
      return { auth: folder.auth.type === 'none' ? undefined : folder.auth, label: `folder "${folder.name}" > auth` };
    }
  }
  return { label: `request "${name}" > auth` };
}

/** Folder headers apply to every request inside; the request's own win. */
function mergedHeaders(own: KeyValue[], folders: Folder[]): KeyValue[] {
  const result = [...own];
  for (const folder of [...folders].reverse()) {
    for (const h of folder.headers)
      if (!result.some((r) => r.name.toLowerCase() === h.name.toLowerCase())) result.push(h);
  }
  return result;
}

function toRequest(raw: Json, ref: string, folders: Folder[], scripts: { pre?: string; post?: string }): SourceRequest {
  const name = str(raw.name) || 'Request';
  const { auth, label } = effectiveAuth(readInsomniaAuth(raw.authentication), name, folders);
  return {
    ref,
    name,
    folders: folders.map((f) => f.name),
    method: (str(raw.method) ?? 'GET').toUpperCase(),
    url: withHttpScheme(applyPathParameters(str(raw.url) ?? '', raw.pathParameters)),
    params: pairs(raw.parameters),
    headers: mergedHeaders(pairs(raw.headers), folders),
    body: readBody(raw.body),
    auth,
    authLabel: label,
    preRequestScript: scripts.pre || undefined,
    afterResponseScript: scripts.post || undefined,
  };
}

function sortKey(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

function stableSort<T>(items: T[], key: (item: T) => number): T[] {
  return items
    .map((item, index) => ({ item, index }))
    .sort((a, b) => key(a.item) - key(b.item) || a.index - b.index)
    .map((x) => x.item);
}

class FolderEnvironments {
  readonly values: Array<{ folder: string; key: string; value: unknown }> = [];

  add(folder: string, env: Json | undefined): void {
    for (const [key, value] of Object.entries(env ?? {})) this.values.push({ folder, key, value });
  }

  /** Folder values fill keys the environments lack; a clash is reported, the environment's value kept. */
  mergeInto(environments: SourceEnvironment[], notCarried: NotCarried[]): void {
    if (this.values.length === 0) return;
    if (environments.length === 0) environments.push({ name: 'default', values: {} });
    for (const { folder, key, value } of this.values) {
      for (const env of environments) {
        if (!Object.hasOwn(env.values, key)) env.values[key] = value;
        else if (JSON.stringify(env.values[key]) !== JSON.stringify(value)) {
          notCarried.push({
            item: `folder "${folder}" > environment.${key}`,
            reason: `environment "${env.name}" also defines ${key}; flow-file environments are not per folder, so the environment's value is used everywhere.`,
          });
        }
      }
    }
  }
}

function folderScripts(
  name: string,
  pre: string | undefined,
  post: string | undefined,
  notCarried: NotCarried[],
): void {
  for (const [kind, script] of [
    ['pre-request', pre],
    ['after-response', post],
  ] as const) {
    if (script && script.trim() !== '') {
      notCarried.push(
        scriptNotCarried(`folder "${name}" > ${kind} script`, script, ', and it runs for every request in the folder'),
      );
    }
  }
}

function nonHttp(kind: string, name: string, notCarried: NotCarried[]): void {
  notCarried.push({
    item: `${kind} "${name}"`,
    reason: `${kind} requests are not HTTP requests a flow can send; it was left out.`,
  });
}

/**
 * A cookie jar's cookies are Insomnia's session state, sent by domain and path:
 * a flow step sends only the headers it writes, so they are named (never their
 * values, which are often session secrets) rather than silently dropped.
 */
function cookieJar(cookies: unknown[], notCarried: NotCarried[]): void {
  const names = cookies.flatMap((c) => {
    const cookie = obj(c);
    const key = str(cookie?.key);
    return key ? [`${key}${str(cookie?.domain) ? ` (${str(cookie?.domain)})` : ''}`] : [];
  });
  if (names.length === 0) return;
  notCarried.push({
    item: 'cookie jar',
    reason: `${names.length} cookie${names.length === 1 ? '' : 's'} (${names.join(', ')}) ${names.length === 1 ? 'is' : 'are'} not carried: a flow step sends only the headers it writes; add a Cookie header holding a \${env:NAME} reference where an API needs one.`,
  });
}

// ---- v4 ----------------------------------------------------------------------

function readV4Environments(resources: Json[], workspaceIds: Set<string>): SourceEnvironment[] {
  const envs = resources.filter((r) => r._type === 'environment' && r.isPrivate !== true);
  const envIds = new Set(envs.map((e) => str(e._id)));
  const bases = envs.filter(
    (e) => !envIds.has(str(e.parentId)) && (workspaceIds.size === 0 || workspaceIds.has(str(e.parentId) ?? '')),
  );
  const result: SourceEnvironment[] = [];
  for (const base of bases) {
    const baseData = obj(base.data) ?? {};
    const subs = stableSort(
      envs.filter((e) => e.parentId === base._id),
      (e) => sortKey(e.metaSortKey),
    );
    if (subs.length === 0) result.push({ name: str(base.name) || 'base', values: { ...baseData } });
    for (const sub of subs)
      result.push({ name: str(sub.name) || 'environment', values: { ...baseData, ...(obj(sub.data) ?? {}) } });
  }
  return result;
}

/** Reads an Insomnia v4 export (`__export_format: 4`). */
export function readInsomniaV4(data: Json): SourceCollection {
  const resources = arr(data.resources).filter(isObject);
  const notCarried: NotCarried[] = [];
  const workspaces = resources.filter((r) => r._type === 'workspace');
  const workspaceIds = new Set(workspaces.map((w) => str(w._id) ?? ''));
  const children = new Map<string, Json[]>();
  for (const r of resources) {
    const parent = str(r.parentId) ?? '';
    if (!children.has(parent)) children.set(parent, []);
    children.get(parent)!.push(r);
  }
  const requests: SourceRequest[] = [];
  const folderEnvs = new FolderEnvironments();
  const visited = new Set<string>();
  const walk = (parentId: string, folders: Folder[]) => {
    for (const r of stableSort(children.get(parentId) ?? [], (x) => sortKey(x.metaSortKey))) {
      const id = str(r._id) ?? '';
      if (visited.has(id)) continue;
      visited.add(id);
      const name = str(r.name) || 'Request';
      if (r._type === 'request') {
        requests.push(toRequest(r, id, folders, { pre: str(r.preRequestScript), post: str(r.afterResponseScript) }));
      } else if (r._type === 'request_group') {
        folderEnvs.add(name, obj(r.environment));
        folderScripts(name, str(r.preRequestScript), str(r.afterResponseScript), notCarried);
        walk(id, [
          ...folders,
          {
            name,
            auth: readInsomniaAuth(r.authentication),
            headers: pairs(r.headers),
            environment: obj(r.environment),
          },
        ]);
      } else if (r._type === 'grpc_request') nonHttp('gRPC', name, notCarried);
      else if (r._type === 'websocket_request') nonHttp('WebSocket', name, notCarried);
    }
  };
  for (const w of workspaces) walk(str(w._id) ?? '', []);
  // Requests whose parent is missing from the export still count.
  const known = new Set(resources.map((r) => str(r._id)));
  for (const [parent] of children)
    if (parent !== '' && !known.has(parent) && !workspaceIds.has(parent)) walk(parent, []);
  walk('', []);
  const environments = readV4Environments(resources, workspaceIds);
  folderEnvs.mergeInto(environments, notCarried);
  cookieJar(
    resources.filter((r) => r._type === 'cookie_jar').flatMap((r) => arr(r.cookies)),
    notCarried,
  );
  const name =
    workspaces
      .map((w) => str(w.name))
      .filter(Boolean)
      .join(' + ') || 'Insomnia';
  return { format: 'Insomnia v4', dialect: 'insomnia', name, environments, requests, notCarried };
}

// ---- v5 ----------------------------------------------------------------------

function readV5Environments(value: unknown): SourceEnvironment[] {
  const base = obj(value);
  if (!base) return [];
  const baseData = obj(base.data) ?? {};
  const subs = stableSort(arr(base.subEnvironments).filter(isObject), (e) => sortKey(obj(e.meta)?.sortKey));
  if (subs.length === 0) return [{ name: str(base.name) || 'base', values: { ...baseData } }];
  return subs.map((sub) => ({
    name: str(sub.name) || 'environment',
    values: { ...baseData, ...(obj(sub.data) ?? {}) },
  }));
}

/** Reads an Insomnia v5 collection (`type: collection.insomnia.rest/5.0`). */
export function readInsomniaV5(data: Json): SourceCollection {
  const notCarried: NotCarried[] = [];
  const requests: SourceRequest[] = [];
  const folderEnvs = new FolderEnvironments();
  let counter = 0;
  const walk = (items: unknown[], folders: Folder[]) => {
    for (const item of stableSort(items.filter(isObject), (x) => sortKey(obj(x.meta)?.sortKey))) {
      const meta = obj(item.meta);
      const id = str(meta?.id) ?? `req_${++counter}`;
      const name = str(item.name) || 'Request';
      const scripts = obj(item.scripts);
      if (Array.isArray(item.children) || (item.method === undefined && item.url === undefined)) {
        folderEnvs.add(name, obj(item.environment));
        folderScripts(name, str(scripts?.preRequest), str(scripts?.afterResponse), notCarried);
        walk(arr(item.children), [
          ...folders,
          {
            name,
            auth: readInsomniaAuth(item.authentication),
            headers: pairs(item.headers),
            environment: obj(item.environment),
          },
        ]);
      } else if (id.startsWith('ws-req')) nonHttp('WebSocket', name, notCarried);
      else if (id.startsWith('socketio-req')) nonHttp('Socket.IO', name, notCarried);
      else if (item.method === undefined || item.protoMethodName !== undefined) nonHttp('gRPC', name, notCarried);
      else
        requests.push(
          toRequest(item, id, folders, { pre: str(scripts?.preRequest), post: str(scripts?.afterResponse) }),
        );
    }
  };
  walk(arr(data.collection), []);
  const environments = readV5Environments(data.environments);
  folderEnvs.mergeInto(environments, notCarried);
  cookieJar(arr(obj(data.cookieJar)?.cookies), notCarried);
  return {
    format: 'Insomnia v5',
    dialect: 'insomnia',
    name: str(data.name) || 'Insomnia',
    environments,
    requests,
    notCarried,
  };
}
