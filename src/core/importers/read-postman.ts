import { OidcError } from '../errors';
import type { Json } from './read-helpers';
import { arr, isObject, obj, pairs, str, withHttpScheme } from './read-helpers';
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
 * Reads a Postman Collection v2.1 into the neutral model. Auth is inherited
 * from the collection and folders (`auth` absent or `type: inherit`); the
 * collection's `variable` list becomes an environment.
 */

/** Postman auth settings are lists of `{key, value}`. */
function settingsOf(auth: Json, type: string): Map<string, string> {
  const map = new Map<string, string>();
  // Collection v2.0 writes the settings as a mapping ({ username: ..., password: ... }).
  const mapping = obj(auth[type]);
  if (mapping && !Array.isArray(auth[type])) {
    for (const [key, value] of Object.entries(mapping)) {
      const text = typeof value === 'boolean' || typeof value === 'number' ? String(value) : str(value);
      if (text !== undefined) map.set(key, text);
    }
    return map;
  }
  for (const item of arr(auth[type])) {
    const o = obj(item);
    const key = str(o?.key);
    const value = str(o?.value);
    if (key !== undefined && value !== undefined) map.set(key, value);
  }
  return map;
}

const OAUTH2_IGNORED = new Set([
  'tokenName',
  'useBrowser',
  'grant_type',
  'client_authentication',
  'challengeAlgorithm',
  'headerPrefix',
  'addTokenTo',
  'tokenType',
]);
const OAUTH2_FIELDS: Record<string, keyof OAuth2Settings> = {
  accessTokenUrl: 'accessTokenUrl',
  authUrl: 'authorizationUrl',
  clientId: 'clientId',
  clientSecret: 'clientSecret',
  scope: 'scope',
  audience: 'audience',
  resource: 'resource',
  username: 'username',
  password: 'password',
  redirect_uri: 'redirectUrl',
  refreshToken: 'refreshToken',
};

/**
 * Postman keeps the advanced `audience` and `resource` of OAuth 2.0 either
 * as text or as an object of values (one per request it sends them with).
 * Their distinct non-empty values, in order; values that are not text count
 * as `unreadable`, to be reported.
 */
function objectSetting(auth: Json, key: string): { values: string[]; unreadable: number } | undefined {
  const item = arr(auth.oauth2)
    .map(obj)
    .find((o) => o?.key === key);
  const value = obj(item?.value);
  if (!value) return undefined;
  const entries = Object.values(value);
  const values = entries.map((v) => (typeof v === 'string' ? v.trim() : ''));
  const unreadable = entries.filter((v) => typeof v !== 'string' && v !== null && v !== undefined).length;
  return { values: [...new Set(values.filter((v) => v !== ''))], unreadable };
}

function readOAuth2(settings: Map<string, string>, auth: Json): OAuth2Settings {
  const grant = settings.get('grant_type') ?? 'authorization_code';
  const result: OAuth2Settings = {
    grantType:
      grant === 'authorization_code_with_pkce'
        ? 'authorization_code'
        : grant === 'password_credentials'
          ? 'password'
          : grant,
    usePkce: grant === 'authorization_code_with_pkce' ? true : undefined,
    pkceMethod: settings.get('challengeAlgorithm'),
    credentialsInBody: settings.has('client_authentication')
      ? settings.get('client_authentication') === 'body'
      : undefined,
    tokenPrefix: settings.get('headerPrefix'),
    extras: {},
  };
  for (const key of ['accessTokenUrl', 'authUrl']) {
    const url = settings.get(key);
    if (url !== undefined) settings.set(key, withHttpScheme(url));
  }
  for (const key of ['audience', 'resource'] as const) {
    const found = objectSetting(auth, key);
    if (found === undefined) continue;
    const { values, unreadable } = found;
    // One audience per token request; resource indicators may repeat (RFC 8707), the token step sends the first.
    if (values[0] !== undefined) result[key] = values[0];
    if (values.length > 1 || unreadable > 0)
      result.extras[`${key} (other values)`] = [
        ...values.slice(1),
        ...(unreadable > 0 ? [`${unreadable} not text`] : []),
      ].join(' ');
  }
  for (const [key, value] of settings) {
    const field = OAUTH2_FIELDS[key];
    if (field === 'refreshToken' && result.grantType !== 'refresh_token') result.extras[key] = value;
    else if (field !== undefined) (result as unknown as Record<string, unknown>)[field] = value;
    else if (key === 'addTokenTo' && value !== 'header') result.extras[key] = value;
    else if (!OAUTH2_IGNORED.has(key) && value !== '') result.extras[key] = value;
  }
  return result;
}

/** Reads a Postman `auth` object; `inherit` when absent or `type: inherit`. */
export function readPostmanAuth(value: unknown): SourceAuth | 'inherit' {
  const auth = obj(value);
  const type = str(auth?.type);
  if (!auth || type === undefined || type === 'inherit') return 'inherit';
  if (type === 'noauth') return { type: 'none' };
  const settings = settingsOf(auth, type);
  switch (type) {
    case 'bearer':
      return { type: 'bearer', token: settings.get('token') ?? '' };
    case 'basic':
      return { type: 'basic', username: settings.get('username') ?? '', password: settings.get('password') ?? '' };
    case 'apikey': {
      const where = settings.get('in');
      return {
        type: 'apikey',
        key: settings.get('key') ?? '',
        value: settings.get('value') ?? '',
        addTo: where === 'query' ? 'query' : 'header',
      };
    }
    case 'oauth2':
      return { type: 'oauth2', settings: readOAuth2(settings, auth) };
    default:
      return { type: 'unsupported', kind: type };
  }
}

function scriptOf(events: unknown, listen: 'prerequest' | 'test'): string | undefined {
  const texts = arr(events).flatMap((e) => {
    const event = obj(e);
    if (event?.listen !== listen || event.disabled === true) return [];
    const exec = obj(event.script)?.exec;
    const text = Array.isArray(exec) ? exec.map((l) => str(l) ?? '').join('\n') : str(exec);
    return text && text.trim() !== '' ? [text] : [];
  });
  return texts.length > 0 ? texts.join('\n') : undefined;
}

const RAW_LANGUAGE_TYPES: Record<string, string> = {
  json: 'application/json',
  xml: 'application/xml',
  html: 'text/html',
  javascript: 'application/javascript',
  text: 'text/plain',
};

function readBody(value: unknown): SourceBody | undefined {
  const body = obj(value);
  if (!body || body.disabled === true) return undefined;
  switch (body.mode) {
    case 'raw': {
      const text = str(body.raw);
      if (text === undefined || text === '') return undefined;
      const language = str(obj(obj(body.options)?.raw)?.language);
      return { text, mimeType: language ? RAW_LANGUAGE_TYPES[language] : undefined };
    }
    case 'urlencoded':
      return { mimeType: 'application/x-www-form-urlencoded', params: pairs(body.urlencoded) };
    case 'formdata':
      return {
        mimeType: 'multipart/form-data',
        params: arr(body.formdata).flatMap((item) => {
          const p = obj(item);
          const name = str(p?.key);
          if (!p || p.disabled === true || !name) return [];
          return [{ name, value: str(p.value) ?? '', file: p.type === 'file' ? true : undefined }];
        }),
      };
    case 'graphql': {
      const graphql = obj(body.graphql);
      return graphql ? { graphql: { query: str(graphql.query), variables: str(graphql.variables) } } : undefined;
    }
    case 'file':
      return { fileName: str(obj(body.file)?.src) ?? 'file' };
    default:
      return undefined;
  }
}

/** The URL text and its enabled query parameters. */
function readUrl(value: unknown): { url: string; params: KeyValue[] } {
  if (typeof value === 'string') return { url: withHttpScheme(value), params: [] };
  const url = obj(value);
  if (!url) return { url: '', params: [] };
  let raw = str(url.raw) ?? '';
  let params: KeyValue[] = [];
  if (Array.isArray(url.query)) {
    // The list knows which parameters are disabled; the raw text does not.
    raw = raw.includes('?') ? raw.slice(0, raw.indexOf('?')) : raw;
    params = pairs(url.query);
  }
  for (const v of arr(url.variable)) {
    const variable = obj(v);
    const key = str(variable?.key);
    const val = str(variable?.value);
    if (key && val !== undefined && val !== '')
      raw = raw.replace(new RegExp(`:${key.replace(/[^A-Za-z0-9_]/g, '')}(?=/|\\?|#|$)`), val);
  }
  return { url: withHttpScheme(raw), params };
}

interface Scope {
  name: string;
  kind: 'collection' | 'folder';
  auth: SourceAuth | 'inherit';
}

function effectiveAuth(
  own: SourceAuth | 'inherit',
  name: string,
  scopes: Scope[],
): { auth?: SourceAuth; label: string } {
  if (own !== 'inherit') return { auth: own.type === 'none' ? undefined : own, label: `request "${name}" > auth` };
  for (let i = scopes.length - 1; i >= 0; i--) {
    const scope = scopes[i]!;
    if (scope.auth !== 'inherit')
      return {
        auth: scope.auth.type === 'none' ? undefined : scope.auth,
        label: `${scope.kind} "${scope.name}" > auth`,
      };
  }
  return { label: `request "${name}" > auth` };
}

function scopeScripts(scope: Scope, events: unknown, notCarried: NotCarried[]): void {
  for (const [listen, kind] of [
    ['prerequest', 'pre-request'],
    ['test', 'test'],
  ] as const) {
    const script = scriptOf(events, listen);
    if (script) {
      notCarried.push(
        scriptNotCarried(
          `${scope.kind} "${scope.name}" > ${kind} script`,
          script,
          `, and it runs for every request in the ${scope.kind}`,
        ),
      );
    }
  }
}

/**
 * The scripts of an item, folder or collection: `event`, or the legacy `events`
 * that exports converted from Collection v1 (postman-collection-transformer) still carry.
 */
function eventsOf(scope: Json): unknown {
  return scope.event ?? scope.events;
}

/** Reads a Postman Collection v2.1 or v2.0 (the same item tree). */
export function readPostman(data: Json, format: 'Postman v2.0' | 'Postman v2.1' = 'Postman v2.1'): SourceCollection {
  const info = obj(data.info) ?? {};
  const name = str(info.name) || 'Postman collection';
  const notCarried: NotCarried[] = [];
  const requests: SourceRequest[] = [];
  const collection: Scope = { name, kind: 'collection', auth: readPostmanAuth(data.auth) };
  scopeScripts(collection, eventsOf(data), notCarried);
  let counter = 0;
  const walk = (items: unknown[], scopes: Scope[], folders: string[]) => {
    for (const item of items.filter(isObject)) {
      const itemName = str(item.name) || 'Request';
      if (Array.isArray(item.item)) {
        const folder: Scope = { name: itemName, kind: 'folder', auth: readPostmanAuth(item.auth) };
        scopeScripts(folder, eventsOf(item), notCarried);
        walk(item.item, [...scopes, folder], [...folders, itemName]);
        continue;
      }
      const request = typeof item.request === 'string' ? { url: item.request, method: 'GET' } : obj(item.request);
      if (!request) continue;
      const { url, params } = readUrl(request.url);
      const { auth, label } = effectiveAuth(readPostmanAuth(request.auth), itemName, scopes);
      requests.push({
        ref: str(item.id) ?? str(item._postman_id) ?? `postman_${++counter}`,
        name: itemName,
        folders,
        method: (str(request.method) ?? 'GET').toUpperCase(),
        url,
        params,
        headers: pairs(request.header),
        body: readBody(request.body),
        auth,
        authLabel: label,
        preRequestScript: scriptOf(eventsOf(item), 'prerequest'),
        afterResponseScript: scriptOf(eventsOf(item), 'test'),
      });
    }
  };
  walk(arr(data.item), [collection], []);
  const values: Record<string, unknown> = {};
  for (const v of arr(data.variable ?? data.variables)) {
    const variable = obj(v);
    const key = str(variable?.key);
    if (key && variable?.disabled !== true) values[key] = variable?.value ?? '';
  }
  const environments: SourceEnvironment[] = Object.keys(values).length > 0 ? [{ name: 'collection', values }] : [];
  return { format, dialect: 'postman', name, environments, requests, notCarried };
}

/**
 * Reads a Postman environment export (`_postman_variable_scope:
 * environment`) given with its collection. Postman resolves a variable from
 * the active environment before the collection's variables, so its values
 * are laid over the collection's.
 */
export function readPostmanEnvironment(data: unknown, fileName: string): SourceEnvironment {
  const env = obj(data);
  if (!env || !Array.isArray(env.values) || (env._postman_variable_scope ?? 'environment') !== 'environment') {
    throw new OidcError('import.unrecognised', `${fileName} is not a Postman environment export.`, {
      where: fileName,
      hint: 'In Postman, open Environments, choose the environment and use "Export"; pass that file with --environment.',
    });
  }
  const values: Record<string, unknown> = {};
  for (const v of env.values) {
    const variable = obj(v);
    const key = str(variable?.key);
    if (key && variable?.enabled !== false) values[key] = variable?.value ?? '';
  }
  return { name: str(env.name) || fileName.replace(/\.[^.]*$/, ''), values };
}

/** The collection's environments once Postman environment exports are laid over its variables. */
export function withPostmanEnvironments(source: SourceCollection, extra: SourceEnvironment[]): SourceCollection {
  if (extra.length === 0) return source;
  const collection = source.environments.find((e) => e.name === 'collection')?.values ?? {};
  const environments = extra.map((e) => ({ name: e.name, values: { ...collection, ...e.values } }));
  return { ...source, environments };
}
