import type { IncomingHttpHeaders } from 'node:http';
import type { Clock } from '../clock';
import type { DeckConsumer } from '../gateway/deck';
import type { EffectiveKongOidcConfig } from '../gateway/kong-oidc-config';
import { codeChallengeS256, randomToken } from '../oauth';
import type { RandomBytes } from '../oauth';
import { OIDC_LOG } from './kong-error-log';
import type { KongLogEntry } from './kong-error-log';
import { kongExit } from './kong-response';
import type { KongExit } from './kong-response';

/**
 * The access phase of Kong's Enterprise openid-connect plugin for bearer
 * tokens, as its source does it. Line references are to
 * plugins-ee/openid-connect/kong/plugins/openid-connect/<file> and
 * kong/openid-connect/<file> at Kong/kong@4df4c98e1b266829e1ff6f46b8ccfe87443ed482
 * (handler.lua last changed in 8d61cbc6); docs/reference/kong-error-log.md
 * lists them. Not modelled: sessions, kong_oauth2 tokens, the password,
 * client_credentials and refresh_token methods, the code flow beyond its
 * first redirect (and its session cookie), token refresh, DPoP and mTLS
 * proof of possession, user-info caching.
 */

export type JwtCheck =
  | { ok: true; header: Record<string, unknown>; payload: Record<string, unknown> }
  /** `reason` is Kong's own text for the failure (token.lua / jws.lua), when it has one. */
  | { ok: false; code: string; reason?: string };

/** What the gateway needs to know of the IdP's discovery document. */
export interface IdpMetadata {
  issuer?: string;
  authorization_endpoint?: string;
  code_challenge_methods_supported?: string[];
}

/** How the gateway validates tokens; the sandbox wires these to the protocol core. */
export interface GatewayTokenChecks {
  /** Verifies a JWT's signature and claims as Kong's bearer method does (oic.token:verify). */
  verifyJwt(token: string, config: EffectiveKongOidcConfig): Promise<JwtCheck>;
  /** Introspects at the IdP with the plugin's client; throws (with Kong's words) when the call itself fails. */
  introspect(
    token: string,
    config: EffectiveKongOidcConfig,
  ): Promise<{ active: boolean; claims: Record<string, unknown> }>;
  /** Calls the userinfo endpoint with the token; throws (with Kong's words) when it does not answer 200. */
  userinfo?(token: string, config: EffectiveKongOidcConfig): Promise<Record<string, unknown>>;
  /** The IdP's discovery metadata (for the authorization-code redirect and the realm). */
  metadata?(config: EffectiveKongOidcConfig): Promise<IdpMetadata>;
}

export type AuthMethodUsed = 'bearer' | 'introspection' | 'userinfo';

/** What the plugin decided. */
export type OidcOutcome =
  | {
      kind: 'proxy';
      token: string;
      claims: Record<string, unknown>;
      /** The consumer the request runs as, and whether it is the anonymous one. */
      consumer?: DeckConsumer;
      anonymous?: boolean;
      authMethod?: AuthMethodUsed;
      /** The refusal `anonymous` turned into a pass, for the event. */
      reason?: string;
      /** The credential's identifier (the jwt plugin's secret key). */
      credential?: string;
    }
  | { kind: 'exit'; exit: KongExit; authMethod?: AuthMethodUsed; reason?: string };

export interface OidcRequest {
  method: string;
  headers: IncomingHttpHeaders;
  url: URL;
  body: Buffer;
  /** ngx.var.host: the Host header's name, lower case, without port. */
  host: string;
  /** The port the gateway listens on (ngx.var.server_port). */
  port: number;
}

interface CacheEntry {
  result: { active: boolean; claims: Record<string, unknown> };
  /** Kong's `exp` for the entry (0: none), epoch seconds. */
  exp: number;
  /** When mlcache drops the entry, epoch milliseconds. */
  until: number;
}

/** State the plugin keeps across requests (Kong's node cache). */
export class OidcPluginCache {
  readonly introspection = new Map<string, CacheEntry>();
  /** Consumer lookups Kong has cached, so their notice lines are written once. */
  readonly consumerLookups = new Set<string>();
  clear(): void {
    this.introspection.clear();
    this.consumerLookups.clear();
  }
}

export interface OidcDeps {
  checks: GatewayTokenChecks;
  clock: Clock;
  random: RandomBytes;
  cache: OidcPluginCache;
  consumers: readonly DeckConsumer[];
  log: (entry: KongLogEntry) => void;
  /** Reports an introspection call or cache hit. */
  onIntrospection: (how: 'called' | 'cached') => void;
}

class Refusal {
  constructor(
    readonly status: 401 | 403,
    readonly log: string,
    readonly errorDescription?: string,
  ) {}
}

class Unexpected {
  constructor(readonly log: string) {}
}

const BEARER_FAMILY = ['bearer', 'introspection', 'userinfo', 'kong_oauth2'] as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function isJwt(token: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]*$/.test(token);
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Where Kong looks for the bearer token, in bearer_token_param_type order
 * (handler.lua:536-625; arguments.lua:125-205 for the headers, 292-395 for
 * the body): Authorization `Bearer`, then the access-token and
 * x-access-token headers as they are; the cookie as nginx holds it (not
 * URL-decoded); the access_token query argument; a form body, then a JSON one.
 */
export function findBearerToken(request: OidcRequest, config: EffectiveKongOidcConfig): string | undefined {
  const contentType = header(request.headers, 'content-type') ?? '';
  for (const location of config.bearer_token_param_type) {
    if (location === 'header') {
      const auth = header(request.headers, 'authorization');
      const match = auth ? /^(\S+)\s(.+)$/s.exec(auth) : null;
      if (match && match[1]!.toLowerCase() === 'bearer') return match[2];
      const alt = header(request.headers, 'access-token') || header(request.headers, 'x-access-token');
      if (alt) return alt;
    } else if (location === 'cookie') {
      const name = config.bearer_token_cookie_name;
      if (!name) continue;
      for (const part of (header(request.headers, 'cookie') ?? '').split(/;\s*/)) {
        if (part.startsWith(`${name}=`) && part.length > name.length + 1) return part.slice(name.length + 1);
      }
    } else if (location === 'query') {
      const value = request.url.searchParams.get('access_token');
      if (value) return value;
    } else if (location === 'body') {
      if (contentType.startsWith('application/x-www-form-urlencoded')) {
        const value = new URLSearchParams(request.body.toString('utf8')).get('access_token');
        if (value) return value;
      }
      if (contentType.startsWith('application/json')) {
        try {
          const json = JSON.parse(request.body.toString('utf8')) as Record<string, unknown>;
          if (typeof json?.access_token === 'string' && json.access_token) return json.access_token;
        } catch {
          // Kong's json.decode gives nil for a bad body: no token there.
        }
      }
    }
  }
  return undefined;
}

/**
 * claims.find (claims.lua): the claim at a path, a list joined by spaces,
 * anything else by tostring; then array.new/set.new split it on whitespace
 * and drop repeats (kong/openid-connect/array.lua, set.lua).
 */
export function kongClaim(payload: unknown, path: readonly string[]): string | undefined {
  let current: unknown = payload;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    const next =
      (current as Record<string, unknown>)[key] ?? (Array.isArray(current) ? current[Number(key) - 1] : undefined);
    // Lua's `if t[claim]`: false and null count as absent.
    if (next === undefined || next === null || next === false) return undefined;
    current = next;
  }
  if (Array.isArray(current)) return current.map(String).join(' ');
  // table.concat of a hash table is "", which Lua still counts as found.
  return typeof current === 'object' ? '' : String(current);
}

function kongSet(value: string): string[] {
  return [...new Set(value.split(/\s+/).filter(Boolean))];
}

/** array.has: every space-separated part of the requirement is among the values. */
function hasAll(requirement: string, values: readonly string[]): boolean {
  const needed = kongSet(requirement);
  return needed.length > 0 && needed.every((n) => values.includes(n));
}

/** The realm of the challenge: the issuer's host (uri.parse drops the port), else "kong" (responses.lua:95-108). */
export function kongRealm(issuer: string | undefined): string {
  if (!issuer) return 'kong';
  const match = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?([^:/?#]+)/i.exec(issuer);
  return match?.[1] ?? 'kong';
}

/** ngx.escape_uri as ngx.encode_args uses it: RFC 3986 unreserved characters stay, hex in upper case. */
function escapeUri(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The plugin's access phase for one request. */
export async function openIdConnectAccess(
  request: OidcRequest,
  config: EffectiveKongOidcConfig,
  deps: OidcDeps,
): Promise<OidcOutcome> {
  const methods = new Set<string>(config.auth_methods);
  const anonymous = typeof config.anonymous === 'string' && config.anonymous ? config.anonymous : undefined;
  let metadata: IdpMetadata | undefined;
  // A failed discovery leaves Kong with an empty configuration, not a 500 (cache.lua:498, kong-error-log.md).
  const idpMetadata = async () => {
    if (!metadata) {
      try {
        metadata = deps.checks.metadata ? await deps.checks.metadata(config) : {};
      } catch {
        metadata = {};
      }
    }
    return metadata;
  };
  let authMethod: AuthMethodUsed | undefined;
  let token: string | undefined;

  try {
    if (BEARER_FAMILY.some((m) => methods.has(m))) token = findBearerToken(request, config);
    if (!token) {
      if (methods.has('authorization_code')) {
        return { kind: 'exit', exit: await authorizationRedirect(request, config, await idpMetadata(), deps.random) };
      }
      throw new Refusal(401, 'no suitable authorization credentials were provided');
    }
    const found = await authenticate(token, config, methods, deps);
    authMethod = found.authMethod;
    checkExpiry(found, config, Math.floor(deps.clock.now() / 1000));
    authorize(found, config);
    const consumer = findConsumer(found, config, deps);
    return { kind: 'proxy', token, claims: found.claims, consumer, authMethod };
  } catch (error) {
    if (error instanceof Unexpected) return { kind: 'exit', exit: unexpected(config, error.log, deps), authMethod };
    if (!(error instanceof Refusal)) throw error;
    // responses.lua:26-52: the notice is written first, whatever happens next.
    deps.log({ level: 'notice', prefix: OIDC_LOG.refusal, message: error.log });
    if (anonymous) {
      // consumers.lua set_anonymous: by id (a uuid) or username; missing, it is a 500.
      const consumer = loadConsumer(anonymous, ['id', 'username'], deps);
      if (!consumer) {
        return {
          kind: 'exit',
          exit: unexpected(config, 'anonymous consumer was not found', deps),
          authMethod,
          reason: error.log,
        };
      }
      return {
        kind: 'proxy',
        token: token ?? '',
        claims: {},
        consumer,
        anonymous: true,
        authMethod,
        reason: error.log,
      };
    }
    // Without a discovered issuer Kong uses the configured one (handler.lua:284-292).
    const issuer = (await idpMetadata()).issuer ?? config.issuer;
    return { kind: 'exit', exit: refusal(error, config, issuer), authMethod, reason: error.log };
  }
}

interface Authenticated {
  token: string;
  authMethod: AuthMethodUsed;
  claims: Record<string, unknown>;
  introspection?: Record<string, unknown>;
  /** The access token's payload when it is a JWT (decoded, verified or not). */
  jwtPayload?: Record<string, unknown>;
}

function decodePayload(token: string): Record<string, unknown> | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as unknown;
    return payload && typeof payload === 'object' ? (payload as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const TOKEN_EXPIRED_MESSAGE = 'The access token expired';

/**
 * handler.lua:1236/1258/1262 take exp from the introspection result, else
 * the JWT (claims.lua get_exp), else now + cache_ttl; 1527-1592 refuse a
 * token past it (leeway added: a bearer token has no refresh token) with
 * error_description "The access token expired" (handler.lua:66). Only an
 * IdP that calls an expired token active gets here: local verification
 * already refuses an expired JWT, and cache entries past exp are dropped.
 */
function checkExpiry(found: Authenticated, config: EffectiveKongOidcConfig, now: number): void {
  const source = found.introspection ?? found.jwtPayload;
  const raw = source?.exp;
  const exp = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  if (Number.isNaN(exp) || exp === 0 || exp + config.leeway >= now) return;
  throw new Refusal(
    401,
    config.refresh_tokens === false
      ? 'access token has expired and refreshing of tokens was disabled'
      : 'access token cannot be refreshed in absence of refresh token',
    TOKEN_EXPIRED_MESSAGE,
  );
}

/** handler.lua:1125-1262: verify locally, else (or also) introspect. */
async function authenticate(
  token: string,
  config: EffectiveKongOidcConfig,
  methods: Set<string>,
  deps: OidcDeps,
): Promise<Authenticated> {
  const jwt = isJwt(token);
  let verified: JwtCheck | undefined;
  if (methods.has('bearer') && jwt) {
    verified = await deps.checks.verifyJwt(token, config);
    if (!verified.ok && !methods.has('introspection') && !methods.has('userinfo') && !methods.has('kong_oauth2')) {
      // handler.lua:1126-1131
      throw new Refusal(401, verified.reason ?? 'invalid jwt token');
    }
  }
  if (verified?.ok) {
    if (!config.introspect_jwt_tokens)
      return { token, authMethod: 'bearer', claims: verified.payload, jwtPayload: verified.payload };
    // handler.lua:1240-1256
    let result;
    try {
      result = await introspectCached(token, config, deps);
    } catch (error) {
      throw new Refusal(401, message(error));
    }
    if (result.active !== true && config.introspection_check_active)
      throw new Refusal(401, 'jwt bearer token is not active anymore or has been revoked');
    return {
      token,
      authMethod: 'bearer',
      claims: verified.payload,
      introspection: result.claims,
      jwtPayload: verified.payload,
    };
  }
  // handler.lua:1143-1235. kong_oauth2 finds no token in the sandbox (it has no oauth2 credentials);
  // the error of the last method tried is the one logged.
  const jwtPayload = jwt ? decodePayload(token) : undefined;
  let err: string | undefined;
  let data: { active: boolean; claims: Record<string, unknown> } | undefined;
  if (methods.has('introspection')) {
    try {
      data = await introspectCached(token, config, deps);
      err = undefined;
    } catch (error) {
      err = message(error);
    }
  }
  if (!data && methods.has('userinfo') && deps.checks.userinfo) {
    // cache.lua:1486-1490; the user info authenticates but its claims are not the token's
    // (handler.lua:1205-1210 sets introspection_data to { active = true }). Not cached here.
    deps.log({
      level: 'notice',
      prefix: OIDC_LOG.userinfo,
      message: 'loading user info using access token from identity provider',
    });
    try {
      await deps.checks.userinfo(token, config);
      return { token, authMethod: 'userinfo', claims: jwtPayload ?? {}, introspection: { active: true }, jwtPayload };
    } catch (error) {
      err = message(error);
    }
  }
  if (!data) throw new Refusal(401, err ?? 'invalid bearer token');
  if (config.introspection_check_active && data.claims.active !== true) throw new Refusal(401, err ?? 'inactive token');
  return { token, authMethod: 'introspection', claims: data.claims, introspection: data.claims, jwtPayload };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * cache.lua:1247-1290 with get_expiry_and_cache_ttl (cache.lua:112-168) and
 * cache/utils.lua get_ttl_opts: the entry lives for the reply's remaining
 * lifetime (expires_in, else exp) clamped by cache_ttl_max/min, or for
 * cache_ttl (itself clamped) when the reply has no exp, which is the case
 * of `{"active":false}`: the callback returns a value, so it is a positive
 * entry, and cache_ttl_neg (mlcache's neg_ttl, for nil results) never
 * applies. An entry whose exp has passed is dropped on read. A failed call
 * returns nil and an error, which mlcache does not cache. A ttl of 0 never
 * expires (mlcache).
 */
async function introspectCached(token: string, config: EffectiveKongOidcConfig, deps: OidcDeps) {
  const key = `${config.introspection_endpoint ?? config.issuer ?? ''}#introspection=${token}`;
  const nowMs = deps.clock.now();
  const now = Math.floor(nowMs / 1000);
  if (config.cache_introspection) {
    const cached = deps.cache.introspection.get(key);
    if (cached && cached.until > nowMs && !(cached.exp !== 0 && cached.exp < now)) {
      deps.onIntrospection('cached');
      return cached.result;
    }
    deps.cache.introspection.delete(key);
  }
  deps.onIntrospection('called');
  deps.log({
    level: 'notice',
    prefix: OIDC_LOG.introspecting,
    message: 'introspecting access token with identity provider',
  });
  let result;
  try {
    result = await deps.checks.introspect(token, config);
  } catch (error) {
    // Through the node cache the error comes back prefixed (kong/cache/init.lua:180-183).
    if (config.cache_introspection) throw new Error(`failed to get from node cache: ${message(error)}`);
    throw error;
  }
  if (config.cache_introspection) {
    const { exp, ttl } = expiryAndCacheTtl(result.claims, config, now);
    deps.cache.introspection.set(key, { result, exp, until: ttl === 0 ? Infinity : nowMs + ttl * 1000 });
  }
  return result;
}

function positive(n: number | undefined): n is number {
  return n !== undefined && n > 0;
}

/** cache.lua get_expiry_and_cache_ttl over cache/utils.lua get_ttl_opts. */
export function expiryAndCacheTtl(
  reply: Record<string, unknown>,
  config: Pick<EffectiveKongOidcConfig, 'cache_ttl' | 'cache_ttl_max' | 'cache_ttl_min'>,
  now: number,
): { exp: number; ttl: number } {
  const max = config.cache_ttl_max;
  let min = config.cache_ttl_min;
  if (positive(max) && min !== undefined && min > max) min = max;
  let defaultTtl = config.cache_ttl;
  if (positive(max) && defaultTtl > max) defaultTtl = max;
  else if (positive(min) && defaultTtl < min) defaultTtl = min;

  let expiresIn: number | undefined;
  const number = (v: unknown) =>
    typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isNaN(number(reply.expires_in))) expiresIn = number(reply.expires_in);
  else if (!Number.isNaN(number(reply.exp))) expiresIn = number(reply.exp) === 0 ? 0 : number(reply.exp) - now;

  if (expiresIn === undefined) return { exp: 0, ttl: defaultTtl };
  if (expiresIn < 0) return { exp: now + expiresIn, ttl: positive(min) && expiresIn < min ? min : defaultTtl };
  if (expiresIn === 0) return { exp: 0, ttl: positive(max) ? max : 0 };
  const ttl = positive(max) && expiresIn > max ? max : positive(min) && expiresIn < min ? min : expiresIn;
  return { exp: now + expiresIn, ttl };
}

/** handler.lua:1800-1905: each requirement against the introspection result, else the JWT. */
function authorize(found: Authenticated, config: EffectiveKongOidcConfig): void {
  const lookup = (path: readonly string[]) =>
    (found.introspection ? kongClaim(found.introspection, path) : undefined) ??
    (found.jwtPayload ? kongClaim(found.jwtPayload, path) : undefined);
  const required = (name: string, requirements: unknown, claim: readonly string[]) => {
    if (!Array.isArray(requirements)) return undefined;
    const value = lookup(claim);
    if (value === undefined) return `${name} required but no ${name} found`;
    const values = kongSet(value);
    if (requirements.some((r) => hasAll(String(r), values))) return undefined;
    return `required ${name} are missing. Found: [ ${values.join(', ')} ]`;
  };
  // handler.lua:1876-1878: issuers_allowed compared as strings here (401).
  const issuers = required('issuers', config.issuers_allowed, ['iss']);
  if (issuers) throw new Refusal(401, issuers);
  // handler.lua:1756-1795 and 1881-1884 (Kong 3.8+).
  const forbiddenClaims = Array.isArray(config.claims_forbidden)
    ? (config.claims_forbidden as unknown[]).map(String)
    : [];
  if (forbiddenClaims.length > 0) {
    const hit = (payload: Record<string, unknown> | undefined) =>
      payload ? forbiddenClaims.find((claim) => kongClaim(payload, [claim]) !== undefined) : undefined;
    const inIntrospection = hit(found.introspection);
    if (inIntrospection) throw new Refusal(403, `forbidden claim '${inIntrospection}' found in introspection results`);
    const inToken = hit(found.jwtPayload);
    if (inToken) throw new Refusal(403, `forbidden claim '${inToken}' found in access token`);
  }
  for (const [name, requirements, claim] of [
    ['scopes', config.scopes_required, config.scopes_claim],
    ['audience', config.audience_required, config.audience_claim],
    ['groups', config.groups_required, config.groups_claim],
    ['roles', config.roles_required, config.roles_claim],
  ] as const) {
    const missing = required(name, requirements, claim);
    if (missing) throw new Refusal(403, missing);
  }
}

/**
 * cache.lua consumers.load (1056-1100): the subject by each field in turn
 * (consumer_by, default custom_id, username, id; id only for a uuid), with
 * the notices consumers_load writes on a cache miss (1017, 1049).
 */
function loadConsumer(subject: string, fields: readonly string[], deps: OidcDeps): DeckConsumer | undefined {
  for (const field of fields) {
    if (field === 'id' && !UUID.test(subject)) continue;
    const consumer = deps.consumers.find((c) => (c as Record<string, unknown>)[field] === subject);
    const key = `${field}:${subject}`;
    if (!deps.cache.consumerLookups.has(key)) {
      deps.cache.consumerLookups.add(key);
      deps.log({
        level: 'notice',
        prefix: OIDC_LOG.consumerLoad,
        message: `loading consumer by ${field} using ${subject}`,
      });
      if (!consumer)
        deps.log({ level: 'notice', prefix: OIDC_LOG.consumerFailed, message: `failed to load consumer by ${field}` });
    }
    if (consumer) return consumer;
  }
  return undefined;
}

/**
 * handler.lua:1910-1990 with consumers.lua find_consumer: the introspection
 * result, then the access token; the error of the last try is appended.
 * `consumer_claims` (Kong 3.14, a list of claim paths, not in the source read
 * here) is modelled as each path tried in turn after consumer_claim.
 */
function findConsumer(found: Authenticated, config: EffectiveKongOidcConfig, deps: OidcDeps): DeckConsumer | undefined {
  const paths: string[][] = [];
  if (Array.isArray(config.consumer_claim) && config.consumer_claim.length > 0) paths.push(config.consumer_claim);
  if (Array.isArray(config.consumer_claims))
    for (const path of config.consumer_claims as unknown[])
      paths.push(Array.isArray(path) ? path.map(String) : [String(path)]);
  if (paths.length === 0) return undefined;
  const fields =
    Array.isArray(config.consumer_by) && config.consumer_by.length > 0
      ? config.consumer_by
      : ['custom_id', 'username', 'id'];
  let err: string | undefined;
  for (const claim of paths) {
    for (const payload of [found.introspection, found.jwtPayload]) {
      if (!payload) continue;
      const subject = kongClaim(payload, claim);
      if (subject === undefined) {
        err = `claim (${claim.join(',')}) was not found for consumer mapping`;
        continue;
      }
      const consumer = loadConsumer(subject, fields, deps);
      if (consumer) return consumer;
      err = undefined;
    }
  }
  if (config.consumer_optional) return undefined;
  throw new Refusal(403, err ? `kong consumer was not found (${err})` : 'kong consumer was not found');
}

/** responses.lua unauthorized() with error_codes.lua build_www_auth_header(). */
function refusal(error: Refusal, config: EffectiveKongOidcConfig, issuer: string | undefined): KongExit {
  const base = error.status === 401 ? config.unauthorized_error_message : config.forbidden_error_message;
  const body = { message: config.display_errors ? `${base} (${error.log})` : base };
  let challenge = `Bearer realm="${kongRealm(issuer)}"`;
  if (config.expose_error_code) {
    challenge += `, error="${error.status === 401 ? 'invalid_token' : 'insufficient_scope'}"`;
    if (error.errorDescription) challenge += `, error_description="${error.errorDescription}"`;
  }
  return kongExit(error.status, body, { 'WWW-Authenticate': challenge });
}

/** unexpected.lua: an [error] line and a 500. */
function unexpected(config: EffectiveKongOidcConfig, log: string, deps: OidcDeps): KongExit {
  deps.log({ level: 'error', prefix: OIDC_LOG.unexpected, message: log });
  const text = 'An unexpected error occurred';
  return kongExit(500, { message: config.display_errors ? `${text} (${log})` : text });
}

/**
 * handler.lua:1017-1054 with kong/openid-connect/authorization.lua
 * request() (526-911): response_type code, scope from `scopes` (default
 * openid), redirect_uri (the request's own URL without query,
 * arguments.lua:693-705, unless configured), client_id, a state and a
 * nonce of 18 random bytes, and PKCE when discovery lists
 * code_challenge_methods_supported (S256 unless S512/S384 are listed; a
 * 32-byte verifier). ngx.encode_args walks a Lua hash, so Kong's argument
 * order is not fixed; this one is the order request() sets them in.
 * headers.no_cache() adds Cache-Control: no-store. Kong also sets its
 * encrypted `authorization` session cookie, which is left out here.
 */
async function authorizationRedirect(
  request: OidcRequest,
  config: EffectiveKongOidcConfig,
  metadata: IdpMetadata,
  random: RandomBytes,
): Promise<KongExit> {
  const endpoint = (config.authorization_endpoint as string | undefined) ?? metadata.authorization_endpoint;
  if (!endpoint) throw new Unexpected('authorization endpoint was not specified');
  const scopes = Array.isArray(config.scopes) ? (config.scopes as unknown[]).map(String) : ['openid'];
  const redirectUris = Array.isArray(config.redirect_uri) ? (config.redirect_uri as unknown[]).map(String) : [];
  const redirectUri =
    redirectUris[0] ?? `http://${request.host}${request.port === 80 ? '' : `:${request.port}`}${request.url.pathname}`;
  const clientId = config.client_id?.[0];
  if (!clientId) throw new Unexpected('client id was not specified');
  const args: Array<[string, string]> = [
    ['response_type', typeof config.response_type === 'string' ? config.response_type : 'code'],
    ['scope', kongSet(scopes.join(' ')).join(' ')],
    ['redirect_uri', redirectUri],
    ['client_id', clientId],
    ['state', randomToken(random, 18)],
    ['nonce', randomToken(random, 18)],
  ];
  const methodsSupported = metadata.code_challenge_methods_supported;
  if (methodsSupported) {
    const method = ['S512', 'S384', 'S256', 'plain'].find((m) => methodsSupported.includes(m)) ?? 'S256';
    const verifier = randomToken(random, 32);
    // Only S256 is worked out here; the sandbox IdP lists S256 alone.
    args.push(['code_challenge', method === 'plain' ? verifier : codeChallengeS256(verifier)]);
    args.push(['code_challenge_method', method === 'plain' ? 'plain' : 'S256']);
  }
  const query = args.map(([k, v]) => `${escapeUri(k)}=${escapeUri(v)}`).join('&');
  return kongExit(302, '', { Location: `${endpoint}?${query}`, 'Cache-Control': 'no-store' });
}
