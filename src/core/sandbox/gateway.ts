import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { request as undiciRequest } from 'undici';
import type { Clock } from '../clock';
import { systemClock } from '../clock';
import { listenLocal } from '../listen';
import { resolveDeckRoutes } from '../gateway/deck';
import type { DeckFile, ResolvedRoute } from '../gateway/deck';
import { claimValues, KONG_AUTH_METHOD_ORDER, missingRequired, withKongDefaults } from '../gateway/kong-oidc-config';
import type { EffectiveKongOidcConfig } from '../gateway/kong-oidc-config';

/**
 * A local gateway that behaves as Kong's openid-connect plugin is documented
 * to behave (bearer and introspection auth methods, introspection caching,
 * *_required checks, error shapes), configured from a decK file. It is the
 * sandbox's stand-in for Kong, not a Kong re-implementation: every behaviour
 * here is one the diagnosis must be able to explain.
 */

export type JwtCheck =
  | { ok: true; header: Record<string, unknown>; payload: Record<string, unknown> }
  | { ok: false; code: string; reason: string };

/** How the gateway validates tokens; the sandbox wires these to the protocol core. */
export interface GatewayTokenChecks {
  /** Verifies a JWT's signature and claims as Kong's bearer method does. */
  verifyJwt(token: string, config: EffectiveKongOidcConfig): Promise<JwtCheck>;
  /** Introspects at the IdP with the plugin's client; throws when the call itself fails. */
  introspect(
    token: string,
    config: EffectiveKongOidcConfig,
  ): Promise<{ active: boolean; claims: Record<string, unknown> }>;
}

export interface GatewayEvent {
  route?: string;
  status: number;
  authMethod?: 'bearer' | 'introspection';
  introspection?: 'called' | 'cached';
  reason?: string;
}

export interface SandboxGatewayOptions {
  deck: DeckFile;
  checks: GatewayTokenChecks;
  port?: number;
  clock?: Clock;
  /** Called once per request with what the gateway decided (the sandbox's "error log"). */
  onDecision?: (event: GatewayEvent) => void;
}

export interface SandboxGateway {
  url: string;
  routes: ResolvedRoute[];
  /** Replaces the configuration (as a decK sync would) and clears the caches. */
  configure(deck: DeckFile): void;
  /** Empties the introspection cache. */
  clearCache(): void;
  close(): Promise<void>;
}

interface CacheEntry {
  result: { active: boolean; claims: Record<string, unknown> };
  until: number;
}

class Rejection {
  constructor(
    readonly status: 401 | 403,
    readonly error: 'invalid_token' | 'insufficient_scope' | undefined,
    readonly reason: string,
  ) {}
}

function isJwt(token: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]*$/.test(token);
}

function readBody(req: IncomingMessage, limit = 1024 * 1024): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) reject(new Error('request body too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function matchRoute(
  routes: ResolvedRoute[],
  method: string,
  path: string,
): { route: ResolvedRoute; prefix: string } | undefined {
  let best: { route: ResolvedRoute; prefix: string } | undefined;
  for (const route of routes) {
    if (route.methods && !route.methods.includes(method)) continue;
    for (const prefix of route.paths) {
      const matches =
        path === prefix ||
        path.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`) ||
        (prefix === '/' && path.startsWith('/'));
      if (matches && (!best || prefix.length > best.prefix.length)) best = { route, prefix };
    }
  }
  return best;
}

/** Finds the token where Kong looks for it, per bearer_token_param_type. */
function findToken(req: IncomingMessage, url: URL, body: Buffer, config: EffectiveKongOidcConfig): string | undefined {
  const types = config.bearer_token_param_type;
  if (types.includes('header')) {
    const auth = req.headers.authorization;
    const match = auth ? /^Bearer\s+(\S+)\s*$/i.exec(auth) : null;
    if (match) return match[1];
    const alt = req.headers['access-token'] ?? req.headers['x-access-token'];
    if (typeof alt === 'string' && alt) return alt.replace(/^Bearer\s+/i, '');
  }
  if (types.includes('query')) {
    const value = url.searchParams.get('access_token');
    if (value) return value;
  }
  if (types.includes('body') && /application\/x-www-form-urlencoded/.test(req.headers['content-type'] ?? '')) {
    const value = new URLSearchParams(body.toString('utf8')).get('access_token');
    if (value) return value;
  }
  if (types.includes('cookie') && config.bearer_token_cookie_name) {
    const cookie = (req.headers.cookie ?? '')
      .split(/;\s*/)
      .find((c) => c.startsWith(`${config.bearer_token_cookie_name}=`));
    if (cookie) return decodeURIComponent(cookie.slice(config.bearer_token_cookie_name.length + 1));
  }
  return undefined;
}

/** Starts the gateway on 127.0.0.1. */
export async function startSandboxGateway(options: SandboxGatewayOptions): Promise<SandboxGateway> {
  const clock = options.clock ?? systemClock;
  let routes = resolveDeckRoutes(options.deck);
  let consumers = options.deck.consumers ?? [];
  const cache = new Map<string, CacheEntry>();

  const introspectCached = async (
    token: string,
    config: EffectiveKongOidcConfig,
    claimsForTtl: Record<string, unknown> | undefined,
    event: GatewayEvent,
  ) => {
    const now = clock.now();
    const cached = config.cache_introspection ? cache.get(token) : undefined;
    if (cached && cached.until > now) {
      event.introspection = 'cached';
      return cached.result;
    }
    event.introspection = 'called';
    const result = await options.checks.introspect(token, config);
    if (config.cache_introspection) {
      // Kong caches for the token's remaining lifetime, clamped by cache_ttl_min/max; cache_ttl when there is no exp.
      const exp =
        typeof result.claims.exp === 'number'
          ? result.claims.exp
          : typeof claimsForTtl?.exp === 'number'
            ? claimsForTtl.exp
            : undefined;
      let ttl = exp !== undefined ? exp - now / 1000 : config.cache_ttl;
      if (config.cache_ttl_max !== undefined) ttl = Math.min(ttl, config.cache_ttl_max);
      if (config.cache_ttl_min !== undefined) ttl = Math.max(ttl, config.cache_ttl_min);
      if (!result.active) ttl = config.cache_ttl_neg ?? 0;
      if (ttl > 0) cache.set(token, { result, until: now + ttl * 1000 });
    }
    return result;
  };

  const authenticate = async (
    token: string,
    config: EffectiveKongOidcConfig,
    event: GatewayEvent,
  ): Promise<Record<string, unknown>> => {
    const methods = KONG_AUTH_METHOD_ORDER.filter((m) => config.auth_methods.includes(m));
    const jwt = isJwt(token);
    if (jwt && methods.includes('bearer')) {
      event.authMethod = 'bearer';
      const checked = await options.checks.verifyJwt(token, config);
      if (!checked.ok) {
        // An opaque-looking failure falls through to introspection; a JWT that fails verification is refused.
        throw new Rejection(401, 'invalid_token', checked.reason);
      }
      if (!config.introspect_jwt_tokens) return checked.payload;
      const result = await introspectOrReject(token, config, checked.payload, event);
      return { ...checked.payload, ...result };
    }
    if (methods.includes('introspection')) {
      event.authMethod = 'introspection';
      return introspectOrReject(token, config, undefined, event);
    }
    throw new Rejection(
      401,
      'invalid_token',
      jwt ? 'no enabled auth method accepts bearer tokens' : 'the token is not a JWT and introspection is not enabled',
    );
  };

  const introspectOrReject = async (
    token: string,
    config: EffectiveKongOidcConfig,
    jwtClaims: Record<string, unknown> | undefined,
    event: GatewayEvent,
  ) => {
    let result;
    try {
      result = await introspectCached(token, config, jwtClaims, event);
    } catch (error) {
      throw new Rejection(
        401,
        'invalid_token',
        `introspection failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    if (config.introspection_check_active && !result.active)
      throw new Rejection(401, 'invalid_token', 'the token is not active');
    return result.claims;
  };

  const authorize = (claims: Record<string, unknown>, config: EffectiveKongOidcConfig) => {
    const checks: Array<[string, string[], string[] | undefined]> = [
      ['scopes', config.scopes_claim, config.scopes_required],
      ['audience', config.audience_claim, config.audience_required],
      ['groups', config.groups_claim, config.groups_required],
      ['roles', config.roles_claim, config.roles_required],
    ];
    for (const [what, claim, required] of checks) {
      const missing = missingRequired(claimValues(claims, claim), required);
      if (missing)
        throw new Rejection(403, 'insufficient_scope', `required ${what} not found: ${missing.missing.join(' ')}`);
    }
    if (config.consumer_claim && config.consumer_claim.length > 0) {
      const value = claimValues(claims, config.consumer_claim)?.[0];
      const by = (config.consumer_by as string[] | undefined) ?? ['username', 'custom_id'];
      const found =
        value !== undefined &&
        consumers.some((c) => by.some((field) => (c as Record<string, unknown>)[field] === value));
      if (!found && !config.consumer_optional) throw new Rejection(403, undefined, 'kong consumer was not found');
    }
  };

  const reject = (
    res: ServerResponse,
    req: IncomingMessage,
    config: EffectiveKongOidcConfig,
    rejection: Rejection,
    started: number,
  ) => {
    const realm = (req.headers.host ?? '127.0.0.1').replace(/:\d+$/, '');
    let challenge = `Bearer realm="${realm}"`;
    if (config.expose_error_code && rejection.error) {
      challenge += `, error="${rejection.error}"`;
      if (config.display_errors) challenge += `, error_description="${rejection.reason.replace(/"/g, "'")}"`;
    }
    const base = rejection.status === 401 ? config.unauthorized_error_message : config.forbidden_error_message;
    const message = config.display_errors ? `${base} (${rejection.reason})` : base;
    res.writeHead(rejection.status, {
      'content-type': 'application/json; charset=utf-8',
      'www-authenticate': challenge,
      'x-kong-response-latency': String(Math.max(0, Math.round(clock.now() - started))),
      server: 'kong/sandbox',
    });
    res.end(JSON.stringify({ message }));
  };

  const proxy = async (
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    body: Buffer,
    route: ResolvedRoute,
    prefix: string,
    token: string | undefined,
    claims: Record<string, unknown>,
    config: EffectiveKongOidcConfig | undefined,
    started: number,
  ) => {
    const rest = route.stripPath ? url.pathname.slice(prefix.length === 1 ? 0 : prefix.length) || '/' : url.pathname;
    const target = new URL(route.upstreamUrl);
    target.pathname = `${target.pathname.replace(/\/$/, '')}${rest.startsWith('/') ? rest : `/${rest}`}`;
    target.search = url.search;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined || ['host', 'connection', 'content-length', 'authorization'].includes(name)) continue;
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    if (config && token) {
      const [name, scheme] = config.upstream_access_token_header.split(':');
      if (name) headers[name.toLowerCase()] = scheme ? `${scheme[0]!.toUpperCase()}${scheme.slice(1)} ${token}` : token;
      (config.upstream_headers_claims ?? []).forEach((claim, index) => {
        const headerName = config.upstream_headers_names?.[index];
        const value = claims[claim];
        if (headerName && value !== undefined)
          headers[headerName.toLowerCase()] = typeof value === 'string' ? value : JSON.stringify(value);
      });
    } else if (req.headers.authorization) {
      headers.authorization = req.headers.authorization;
    }
    headers['x-forwarded-for'] = req.socket.remoteAddress ?? '127.0.0.1';
    headers.via = 'kong/sandbox';
    const upstreamStart = clock.now();
    const answer = await undiciRequest(target, {
      method: (req.method ?? 'GET') as 'GET',
      headers,
      body: body.length ? body : undefined,
    });
    const upstreamBody = Buffer.from(await answer.body.arrayBuffer());
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value === undefined || ['connection', 'transfer-encoding', 'keep-alive'].includes(name)) continue;
      out[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    out['x-kong-upstream-latency'] = String(Math.max(0, Math.round(clock.now() - upstreamStart)));
    out['x-kong-proxy-latency'] = String(Math.max(0, Math.round(upstreamStart - started)));
    out.via = 'kong/sandbox';
    res.writeHead(answer.statusCode, out);
    res.end(upstreamBody);
  };

  const server = createServer((req, res) => {
    const started = clock.now();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const event: GatewayEvent = { status: 0 };
    void (async () => {
      const body = await readBody(req);
      const matched = matchRoute(routes, req.method ?? 'GET', url.pathname);
      if (!matched) {
        res.writeHead(404, { 'content-type': 'application/json; charset=utf-8', 'x-kong-response-latency': '0' });
        res.end(JSON.stringify({ message: 'no Route matched with those values' }));
        event.status = 404;
        return;
      }
      event.route = matched.route.route;
      const config = matched.route.oidc ? withKongDefaults(matched.route.oidc.config) : undefined;
      let token: string | undefined;
      let claims: Record<string, unknown> = {};
      if (config) {
        token = findToken(req, url, body, config);
        try {
          if (!token) throw new Rejection(401, undefined, 'no bearer token found in the request');
          claims = await authenticate(token, config, event);
          authorize(claims, config);
        } catch (error) {
          if (!(error instanceof Rejection)) throw error;
          event.status = error.status;
          event.reason = error.reason;
          reject(res, req, config, error, started);
          return;
        }
      }
      await proxy(req, res, url, body, matched.route, matched.prefix, token, claims, config, started);
      event.status = res.statusCode;
    })()
      .catch((error: unknown) => {
        event.status = 502;
        event.reason = error instanceof Error ? error.message : String(error);
        if (!res.headersSent) {
          res.writeHead(502, { 'content-type': 'application/json; charset=utf-8' });
          res.end(JSON.stringify({ message: 'An invalid response was received from the upstream server' }));
        }
      })
      .finally(() => options.onDecision?.(event));
  });
  server.keepAliveTimeout = 1000;
  const port = await listenLocal(server, options.port, {
    code: 'sandbox.gateway.listen',
    what: 'The sandbox gateway',
    hint: 'Pick another port (--gateway-port), or leave it out for a free one.',
  });

  return {
    url: `http://127.0.0.1:${port}`,
    get routes() {
      return routes;
    },
    configure(deck: DeckFile) {
      routes = resolveDeckRoutes(deck);
      consumers = deck.consumers ?? [];
      cache.clear();
    },
    clearCache() {
      cache.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
