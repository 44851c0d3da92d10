/**
 * Reads Kong's paged collections (`{data, next, offset}`) to the end over the
 * product's HTTP client, turning every failure into an error that names the
 * API (Admin API or Konnect) and says what to do. Shared by the Admin API and
 * Konnect readers, whose collections have the same shape.
 */
import { OidcError, isOidcError } from '../errors';
import { tryUrl } from '../url';
import type { HttpClient, HttpOptions, HttpResponse } from '../http/types';
import type { KongApiCodePrefix } from './error-codes';
import type { KongConsumerEntity, KongPluginEntity } from './model';
import { attachJwtCredentials } from './model';

/** What differs between the Admin API and Konnect: names, codes and hints. */
export interface KongApiDescriptor {
  /** e.g. "Kong Admin API". */
  name: string;
  /** e.g. "gateway.admin" → gateway.admin_unauthorized, gateway.admin_not_found, gateway.admin_malformed. */
  codePrefix: KongApiCodePrefix;
  unauthorizedHint: string;
  notFoundHint: string;
  unreachableHint: string;
}

export interface KongApiTarget {
  api: KongApiDescriptor;
  /** Collections are read at `${baseUrl}/${collection}`. */
  baseUrl: string;
  headers?: Record<string, string>;
  /** Values to redact wherever an exchange is shown (admin token, PAT). */
  secrets?: string[];
  /** Per-request HTTP options (CA, timeouts). */
  options?: Partial<HttpOptions>;
  /** Page size (`size`); Kong allows up to 1000. */
  pageSize?: number;
}

/** Stops a server that keeps handing out offsets from looping forever. */
const MAX_PAGES = 10_000;

function serverMessage(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    for (const key of ['message', 'detail', 'title']) {
      if (typeof body[key] === 'string' && body[key]) return body[key] as string;
    }
  } catch {
    // not JSON: say nothing rather than echo an HTML page
  }
  return undefined;
}

/** GETs one JSON document from a Kong API, with the API's own errors. */
export async function getKongJson(
  http: HttpClient,
  target: KongApiTarget,
  url: string,
  label: string,
): Promise<unknown> {
  const { api } = target;
  let response: HttpResponse;
  try {
    response = await http.send({
      method: 'GET',
      url,
      headers: { accept: 'application/json', ...(target.headers ?? {}) },
      label,
      lane: 'gateway',
      secrets: target.secrets ?? [],
      ...(target.options ? { options: target.options } : {}),
    });
  } catch (error) {
    if (!isOidcError(error)) throw error;
    throw new OidcError(error.code, error.message, {
      where: error.where ?? `${label} ${url}`,
      hint: `${api.unreachableHint}${error.hint ? ` ${error.hint}` : ''}`,
      cause: error,
    });
  }
  const said = serverMessage(response.text);
  const details = { where: `${label} ${url}`, status: response.status, ...(said ? { serverDescription: said } : {}) };
  if (response.status === 401 || response.status === 403) {
    throw new OidcError(
      `${api.codePrefix}_unauthorized`,
      `The ${api.name} refused the request to ${url} with ${response.status}${said ? ` ("${said}")` : ''}: the token is missing, wrong or lacks permission.`,
      {
        ...details,
        hint: api.unauthorizedHint,
      },
    );
  }
  if (response.status === 404) {
    throw new OidcError(
      `${api.codePrefix}_not_found`,
      `The ${api.name} answered 404 Not Found for ${url}${said ? ` ("${said}")` : ''}.`,
      { ...details, hint: api.notFoundHint },
    );
  }
  if (response.status < 200 || response.status >= 300) {
    throw new OidcError(
      `${api.codePrefix}_status`,
      `The ${api.name} answered ${response.status} for ${url}${said ? ` ("${said}")` : ''}.`,
      {
        ...details,
        hint: `Check the ${api.name}'s health and logs; 5xx answers are usually the server's own problem.`,
      },
    );
  }
  try {
    return JSON.parse(response.text) as unknown;
  } catch (cause) {
    throw new OidcError(
      `${api.codePrefix}_malformed`,
      `The ${api.name} answered ${url} with something that is not JSON (content-type ${response.headers['content-type'] ?? 'none'}).`,
      {
        ...details,
        cause,
        hint: `Check that the URL points at the ${api.name} itself, not at the proxy port or a login page in front of it.`,
      },
    );
  }
}

function malformed(target: KongApiTarget, url: string, what: string): OidcError {
  return new OidcError(
    `${target.api.codePrefix}_malformed`,
    `The ${target.api.name} answered ${url} with ${what}, not a Kong collection ({"data": [...], "next": ...}).`,
    {
      where: url,
      hint: `Check that the URL points at the ${target.api.name} (not the proxy) and that its version speaks the documented collection format.`,
    },
  );
}

function withQuery(url: string, query: Record<string, string>): string {
  const parsed = new URL(url);
  for (const [key, value] of Object.entries(query)) parsed.searchParams.set(key, value);
  return parsed.toString();
}

/**
 * The next page's URL, only on the API's own origin: the API token goes with
 * every page, so a `next` pointing elsewhere is refused, not followed.
 */
function nextOnSameOrigin(target: KongApiTarget, next: string, first: string): string {
  const url = tryUrl(next, first);
  if (!url) throw malformed(target, first, `a "next" link that is not a URL (${next.slice(0, 80)})`);
  const own = new URL(first).origin;
  if (url.origin !== own)
    throw new OidcError(
      `${target.api.codePrefix}_malformed`,
      `The ${target.api.name} answered ${first} with a next page at ${url.origin}, not the ${target.api.name}'s own origin (${own}); it was not followed, so the token was not sent there.`,
      {
        where: first,
        hint: `Check what answers at ${own}: a proxy in front of the ${target.api.name} may rewrite its links.`,
      },
    );
  return url.toString();
}

/** Reads every page of a Kong collection (`services`, `routes`, `plugins`...) and returns all its entries. */
export async function listKongCollection<T>(http: HttpClient, target: KongApiTarget, collection: string): Promise<T[]> {
  const first = `${target.baseUrl.replace(/\/+$/, '')}/${collection}`;
  const size = String(target.pageSize ?? 1000);
  const label = `${target.api.name} /${collection}`;
  const items: T[] = [];
  const seen = new Set<string>();
  let url: string | undefined = withQuery(first, { size });
  for (let page = 0; url !== undefined; page += 1) {
    if (page >= MAX_PAGES || seen.has(url))
      throw malformed(target, url, 'a page offset it already gave (the paging never ends)');
    seen.add(url);
    const body = await getKongJson(http, target, url, label);
    if (body === null || typeof body !== 'object' || !Array.isArray((body as { data?: unknown }).data)) {
      throw malformed(
        target,
        url,
        Array.isArray(body)
          ? 'a bare JSON array'
          : `a JSON ${body === null ? 'null' : typeof body} without a "data" list`,
      );
    }
    const { data, offset, next } = body as { data: T[]; offset?: unknown; next?: unknown };
    items.push(...data);
    // The offset is rebuilt on our own URL: `next` is relative to the server root and loses any path prefix in front of the API.
    if (typeof offset === 'string' && offset) url = withQuery(first, { size, offset });
    else if (typeof next === 'string' && next) url = nextOnSameOrigin(target, next, first);
    else url = undefined;
  }
  return items;
}

/** A collection read that the API may refuse: its entries, or why they could not be read. */
export type OptionalKongCollection<T> = { items: T[] } | { unavailable: string; error: OidcError };

/**
 * Reads a collection the token may not be allowed to see (RBAC can forbid
 * `/consumers` while allowing routes): a 403 or 404 becomes "unavailable"
 * with the reason instead of failing the whole read. Other failures still throw.
 */
export async function listOptionalKongCollection<T>(
  http: HttpClient,
  target: KongApiTarget,
  collection: string,
): Promise<OptionalKongCollection<T>> {
  try {
    return { items: await listKongCollection<T>(http, target, collection) };
  } catch (error) {
    if (!isOidcError(error) || (error.status !== 403 && error.status !== 404)) throw error;
    const said = error.serverDescription ? ` ("${error.serverDescription}")` : '';
    return { unavailable: `the ${target.api.name} answered ${error.status}${said} for /${collection}`, error };
  }
}

/**
 * The consumers' jwt credentials (`/jwts`), for the jwt plugin's lint; a
 * refusal leaves that lint without them and says so.
 */
export async function readJwtCredentials(
  http: HttpClient,
  target: KongApiTarget,
  consumers: KongConsumerEntity[],
  where: string,
): Promise<{ read: boolean; warnings: string[] }> {
  const jwts = await listOptionalKongCollection<Record<string, unknown>>(http, target, 'jwts');
  if ('unavailable' in jwts)
    return {
      read: false,
      warnings: [
        `The jwt credentials could not be read (${jwts.unavailable}), so the jwt plugin's credentials (keys, algorithms, public keys) were not checked.`,
      ],
    };
  attachJwtCredentials(consumers, jwts.items, where);
  return { read: true, warnings: [] };
}

/** Whether a jwt plugin is enabled: only then are its credentials worth a request. */
export function usesJwtPlugin(plugins: readonly KongPluginEntity[]): boolean {
  return plugins.some((plugin) => plugin.name === 'jwt' && plugin.enabled !== false);
}
