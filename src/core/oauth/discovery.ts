import type { Clock } from '../clock';
import { systemClock } from '../clock';
import { OidcError } from '../errors';
import { headerValue } from '../http/headers';
import type { HttpClient, HttpExchange, HttpResponse } from '../http/types';
import { isRecord, parseJson } from './oauth-error';
import { tryUrl } from '../url';
import { ENDPOINT_FIELDS } from './metadata';
import type { AuthorizationServerMetadata } from './metadata';

export type DiscoveryKind = 'oidc' | 'oauth' | 'auto';

export interface DiscoveryOptions {
  cache?: DiscoveryCache;
  /** Which well-known documents to try; default `auto` (OIDC first, then RFC 8414). */
  kind?: DiscoveryKind;
  clock?: Clock;
}

export interface DiscoveryResult {
  metadata: AuthorizationServerMetadata;
  /** The issuer the document had to name. */
  issuer: string;
  /** The well-known URL that answered. */
  url: string;
  kind: 'oidc' | 'oauth';
  /** Every request made, failed attempts first. */
  exchanges: HttpExchange[];
  /** Epoch ms. */
  fetchedAt: number;
  fromCache: boolean;
  warnings: string[];
}

interface Candidate {
  url: string;
  kind: 'oidc' | 'oauth';
}

const OIDC_SUFFIX = '/.well-known/openid-configuration';
const OAUTH_SUFFIX = '/.well-known/oauth-authorization-server';

function parseUrl(input: string): URL {
  try {
    return new URL(input.trim());
  } catch {
    throw new OidcError(
      'discovery.invalid_url',
      `"${input}" is not an absolute URL, so there is nothing to discover.`,
      {
        where: 'discovery',
        hint: 'Enter the issuer (e.g. https://dev-123.okta.com/oauth2/default) or the full .well-known URL.',
      },
    );
  }
}

/** The expected issuer and the documents to try for an issuer or a well-known URL. */
export function discoveryCandidates(
  input: string,
  kind: DiscoveryKind = 'auto',
): { issuer: string; candidates: Candidate[] } {
  const url = parseUrl(input);
  const text = url.toString();
  const path = url.pathname;
  if (path.endsWith(OIDC_SUFFIX)) {
    return { issuer: url.origin + path.slice(0, -OIDC_SUFFIX.length), candidates: [{ url: text, kind: 'oidc' }] };
  }
  const inserted = path.indexOf(`${OAUTH_SUFFIX}`);
  if (inserted === 0) {
    // RFC 8414 path insertion: /.well-known/oauth-authorization-server/{issuer path}
    return { issuer: url.origin + path.slice(OAUTH_SUFFIX.length), candidates: [{ url: text, kind: 'oauth' }] };
  }
  if (path.endsWith(OAUTH_SUFFIX)) {
    // Okta's path-append form: {issuer}/.well-known/oauth-authorization-server
    return { issuer: url.origin + path.slice(0, -OAUTH_SUFFIX.length), candidates: [{ url: text, kind: 'oauth' }] };
  }
  const issuer = input.trim();
  const base = issuer.replace(/\/+$/, '');
  const issuerPath = new URL(base).pathname.replace(/\/+$/, '');
  const candidates: Candidate[] = [];
  if (kind !== 'oauth') candidates.push({ url: base + OIDC_SUFFIX, kind: 'oidc' });
  if (kind !== 'oidc') {
    candidates.push({ url: url.origin + OAUTH_SUFFIX + issuerPath, kind: 'oauth' });
    if (issuerPath) candidates.push({ url: base + OAUTH_SUFFIX, kind: 'oauth' });
  }
  return { issuer, candidates };
}

/** Keeps discovery results for a while so repeated runs do not refetch. */
export class DiscoveryCache {
  private readonly entries = new Map<string, { result: DiscoveryResult; expiresAt: number }>();
  private readonly clock: Clock;
  private readonly ttlMs: number;

  constructor(options: { ttlMs?: number; clock?: Clock } = {}) {
    this.ttlMs = options.ttlMs ?? 5 * 60_000;
    this.clock = options.clock ?? systemClock;
  }

  get(key: string): DiscoveryResult | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (this.clock.now() >= entry.expiresAt) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.result;
  }

  set(key: string, result: DiscoveryResult): void {
    this.entries.set(key, { result, expiresAt: this.clock.now() + this.ttlMs });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}

function describeType(response: HttpResponse): string {
  const type = headerValue(response.headers, 'content-type')?.split(';')[0];
  return response.text.trim() === '' ? 'an empty body' : type ? `${type}` : 'a body that is not JSON';
}

/**
 * A body labelled as JSON that does not parse: what the parser said, and where
 * (line, column) when it says so, so "application/json ... not JSON" does not
 * contradict itself.
 */
function invalidJsonDetail(text: string): string {
  let reason = 'it does not parse';
  let offset: number | undefined;
  try {
    JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const at = / at position (\d+)/.exec(message);
    offset = at ? Number(at[1]) : undefined;
    reason = message
      .replace(/, (\.\.\.)?".*"(\.\.\.)? is not valid JSON$/s, '')
      .replace(/ (in JSON )?at position \d+.*$/s, '')
      .replace(/^./, (first) => first.toLowerCase());
  }
  if (offset === undefined) return reason;
  const before = text.slice(0, offset).split('\n');
  return `${reason} at line ${before.length}, column ${before[before.length - 1]!.length + 1} (character ${offset + 1})`;
}

function issuerMismatch(expected: string, actual: string, url: string): OidcError {
  let hint = `Use exactly "${actual}" as the issuer (in Kong's issuer setting and here), or point at the discovery document of the server you meant.`;
  if (expected.replace(/\/+$/, '') === actual.replace(/\/+$/, '')) {
    hint = `They differ only by a trailing slash, which still counts: issuers are compared character by character. Use exactly "${actual}".`;
  } else {
    const okta = /^https?:\/\/[^/]+(\/oauth2\/[^/]+)?\/?$/;
    const e = okta.exec(expected);
    const a = okta.exec(actual);
    if (e && a && new URL(expected).host === new URL(actual).host && Boolean(e[1]) !== Boolean(a[1])) {
      hint = `One is Okta's org authorization server (issuer https://{domain}) and the other a custom authorization server (https://{domain}/oauth2/{id}); they are different servers with different keys, scopes and tokens. Use "${actual}" only if you meant that server, otherwise discover ${expected.replace(/\/+$/, '')}${OIDC_SUFFIX}.`;
    }
  }
  return new OidcError(
    'discovery.issuer_mismatch',
    `The discovery document at ${url} names issuer "${actual}", but "${expected}" was expected.`,
    {
      where: `discovery ${url}`,
      hint,
    },
  );
}

function validate(
  body: Record<string, unknown>,
  candidate: Candidate,
  expectedIssuer: string,
  status: number,
): { metadata: AuthorizationServerMetadata; warnings: string[] } {
  const where = `discovery ${candidate.url}`;
  if (typeof body.issuer !== 'string' || body.issuer === '') {
    throw new OidcError('discovery.missing_issuer', `The discovery document at ${candidate.url} has no issuer.`, {
      where,
      status,
      hint: 'This is not an OIDC or RFC 8414 metadata document; check the URL.',
    });
  }
  if (body.issuer !== expectedIssuer) throw issuerMismatch(expectedIssuer, body.issuer, candidate.url);
  const required =
    candidate.kind === 'oidc' ? ['authorization_endpoint', 'token_endpoint', 'jwks_uri'] : ['token_endpoint'];
  const missing = required.filter((field) => typeof body[field] !== 'string' || body[field] === '');
  if (missing.length > 0) {
    throw new OidcError(
      'discovery.missing_endpoint',
      `The discovery document at ${candidate.url} lacks ${missing.join(', ')}.`,
      {
        where,
        status,
        hint: 'The authorization server is misconfigured or this is not its metadata; enter the endpoint URLs by hand if you must.',
      },
    );
  }
  const warnings: string[] = [];
  for (const field of ENDPOINT_FIELDS) {
    const value = body[field];
    if (value === undefined) continue;
    let parsed: URL | undefined;
    try {
      parsed = typeof value === 'string' ? new URL(value) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!parsed) {
      throw new OidcError(
        'discovery.invalid_endpoint',
        `The discovery document at ${candidate.url} has ${field} ${JSON.stringify(value)}, which is not an absolute URL.`,
        {
          where,
          status,
          hint: 'Fix the authorization server configuration, or enter the endpoint URL by hand.',
        },
      );
    }
    if (parsed.protocol === 'http:' && !['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname)) {
      warnings.push(`${field} uses plain http (${value}); tokens and secrets would travel unencrypted.`);
    }
  }
  return { metadata: body as AuthorizationServerMetadata, warnings };
}

/**
 * Fetches and validates authorization server metadata from an issuer or a
 * well-known URL: OIDC discovery, then RFC 8414 (path insertion, then Okta's path append).
 */
export async function discover(
  http: HttpClient,
  input: string,
  options: DiscoveryOptions = {},
): Promise<DiscoveryResult> {
  const kind = options.kind ?? 'auto';
  const clock = options.clock ?? systemClock;
  const cacheKey = `${kind} ${input.trim()}`;
  const cached = options.cache?.get(cacheKey);
  if (cached) return { ...cached, fromCache: true };

  const { issuer, candidates } = discoveryCandidates(input, kind);
  const exchanges: HttpExchange[] = [];
  const failures: Array<{ candidate: Candidate; error: OidcError }> = [];
  for (const candidate of candidates) {
    const response = await http.send({
      method: 'GET',
      url: candidate.url,
      headers: { Accept: 'application/json' },
      label: 'discovery',
      lane: 'idp',
    });
    exchanges.push(response.exchange);
    const where = `discovery ${candidate.url}`;
    const parsed = parseJson(response.text);
    if (!parsed) {
      const labelledJson =
        response.text.trim() !== '' && /json/i.test(headerValue(response.headers, 'content-type') ?? '');
      failures.push({
        candidate,
        error: new OidcError(
          'discovery.not_json',
          labelledJson
            ? `Discovery at ${candidate.url} answered HTTP ${response.status} with a body that is not valid JSON, although it is labelled ${describeType(response)}: ${invalidJsonDetail(response.text)}.`
            : `Discovery at ${candidate.url} answered HTTP ${response.status} with ${describeType(response)}, not JSON.`,
          {
            where,
            status: response.status,
            hint:
              labelledJson && !/^\s*</.test(response.text)
                ? 'The server sends broken JSON: look at the full response, and check the IdP and any proxy in between that may change or cut it.'
                : 'An HTML page usually means a wrong issuer path, a login page or a proxy; check the issuer URL (Okta: https://{domain} or https://{domain}/oauth2/{authServerId}).',
          },
        ),
      });
      continue;
    }
    if (response.status === 404 || response.status < 200 || response.status >= 300) {
      failures.push({
        candidate,
        error: new OidcError(
          response.status === 404 ? 'discovery.not_found' : 'discovery.http_status',
          `Discovery at ${candidate.url} answered HTTP ${response.status}.`,
          {
            where,
            status: response.status,
            hint: 'Check the issuer URL; the server publishes no metadata there.',
          },
        ),
      });
      continue;
    }
    if (!isRecord(parsed.value)) {
      throw new OidcError(
        'discovery.invalid_document',
        `Discovery at ${candidate.url} answered JSON that is not an object.`,
        {
          where,
          status: response.status,
          hint: 'This is not a metadata document; check the URL.',
        },
      );
    }
    const { metadata, warnings } = validate(parsed.value, candidate, issuer, response.status);
    const result: DiscoveryResult = {
      metadata,
      issuer,
      url: candidate.url,
      kind: candidate.kind,
      exchanges,
      fetchedAt: clock.now(),
      fromCache: false,
      warnings,
    };
    options.cache?.set(cacheKey, result);
    return result;
  }
  // Report the most telling failure: anything beats a plain 404.
  const telling = failures.find((f) => f.error.code !== 'discovery.not_found');
  if (telling) throw telling.error;
  const tried = failures.map((f) => `${f.candidate.url} (HTTP ${f.error.status})`).join(', ');
  throw new OidcError('discovery.not_found', `No metadata document was found for issuer ${issuer}; tried ${tried}.`, {
    where: 'discovery',
    status: 404,
    hint: 'Check the issuer: for Okta it is https://{domain} (org server) or https://{domain}/oauth2/{authServerId} (custom server, e.g. /oauth2/default).',
  });
}

/**
 * The discovered endpoints that receive client credentials or tokens: a
 * document that points one of them elsewhere can collect the client's secret.
 */
const CREDENTIAL_ENDPOINTS = [
  'token_endpoint',
  'introspection_endpoint',
  'revocation_endpoint',
  'device_authorization_endpoint',
  'pushed_authorization_request_endpoint',
  'userinfo_endpoint',
] as const;

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Refuses discovered metadata that sends client credentials or tokens to an
 * origin other than the issuer's, or over plain http to another host than
 * loopback, unless `allowedOrigins` names that origin. `skip` lists fields
 * the user wrote by hand (their choice, not the document's).
 */
export function checkEndpointOrigins(
  metadata: AuthorizationServerMetadata,
  issuer: string,
  options: { allowedOrigins?: readonly string[]; skip?: ReadonlySet<string>; where: string },
): void {
  const issuerUrl = tryUrl(issuer);
  if (!issuerUrl) return;
  const allowed = new Set((options.allowedOrigins ?? []).map((origin) => tryUrl(origin)?.origin ?? origin));
  for (const field of CREDENTIAL_ENDPOINTS) {
    const value = metadata[field];
    if (typeof value !== 'string' || options.skip?.has(field)) continue;
    const url = tryUrl(value);
    if (!url || allowed.has(url.origin)) continue;
    const otherOrigin = url.origin !== issuerUrl.origin;
    const plainHttp = url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname) && otherOrigin;
    if (!otherOrigin && !plainHttp) continue;
    throw new OidcError(
      'discovery.untrusted_endpoint',
      `The discovery document of ${issuer} points ${field} at ${url.origin}${plainHttp ? ' over plain http' : ''}, not at the issuer's origin (${issuerUrl.origin}); client credentials and tokens would be sent there, so nothing was sent.`,
      {
        where: options.where,
        hint: `If ${url.origin} really belongs to this IdP (Google's token endpoint is on oauth2.googleapis.com, for example), allow it: allowEndpointOrigins: [${url.origin}] on the IdP in the flow file, or --allow-endpoint-origin ${url.origin}. Otherwise the metadata is wrong or tampered with.`,
      },
    );
  }
}
