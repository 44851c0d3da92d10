import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { request as undiciRequest } from 'undici';
import type { Clock } from '../clock';
import { systemClock } from '../clock';
import { listenLocal } from '../listen';
import { requestTarget } from '../url';
import { resolveDeckRoutes } from '../gateway/deck';
import type { DeckConsumer, DeckFile, ResolvedRoute } from '../gateway/deck';
import { withKongDefaults } from '../gateway/kong-oidc-config';
import { cryptoRandom } from '../oauth';
import type { RandomBytes } from '../oauth';
import { fileErrorLog, formatKongLogLine } from './kong-error-log';
import type { KongErrorLogSink, KongLogEntry, KongLogRequest } from './kong-error-log';
import { jwtPluginAccess, jwtRoutes } from './kong-jwt';
import { OidcPluginCache, openIdConnectAccess } from './kong-openid-connect';
import type { AuthMethodUsed, GatewayTokenChecks, OidcOutcome } from './kong-openid-connect';
import { kongErrorPage } from './kong-response';
import type { KongExit } from './kong-response';

export type { GatewayTokenChecks, IdpMetadata, JwtCheck } from './kong-openid-connect';

/** meta._SERVER_TOKENS of the Kong read (kong/enterprise_edition/meta.lua @4df4c98e: 3.10.0.0). */
export const KONG_SERVER_TOKENS = 'kong/3.10.0.0-enterprise-edition';

/**
 * A local gateway that answers as Kong's openid-connect plugin (and its OSS
 * jwt plugin) answer, read from Kong's source, configured from a decK file:
 * the same statuses, bodies, challenges, X-Kong-* headers and error-log
 * lines. It is the sandbox's stand-in for Kong, not a Kong
 * re-implementation; what it leaves out is said where it is modelled.
 */

export interface GatewayEvent {
  route?: string;
  status: number;
  authMethod?: AuthMethodUsed;
  introspection?: 'called' | 'cached';
  reason?: string;
  /** X-Kong-Request-Id of the answer; the same id ends each error-log line of the request. */
  requestId?: string;
}

export interface SandboxGatewayOptions {
  deck: DeckFile;
  checks: GatewayTokenChecks;
  port?: number;
  clock?: Clock;
  /** Random bytes for request ids, state and nonce. */
  random?: RandomBytes;
  /** Called once per request with what the gateway decided. */
  onDecision?: (event: GatewayEvent) => void;
  /** Writes Kong's error-log lines to this file (appended). */
  errorLogPath?: string;
  /** Or hands them to this sink (tests). */
  errorLog?: KongErrorLogSink;
  /** Minutes east of UTC for the log's local time; default this machine's. */
  logUtcOffsetMinutes?: number;
}

export interface SandboxGateway {
  url: string;
  routes: ResolvedRoute[];
  /** Replaces the configuration (as a decK sync would) and clears the caches. */
  configure(deck: DeckFile): void;
  /** Empties the introspection and consumer caches. */
  clearCache(): void;
  close(): Promise<void>;
}

/** The largest request body the sandbox gateway keeps; past it the client gets a 413. */
const BODY_LIMIT = 1024 * 1024;

/** Resolves with the body, or undefined once it passes `limit` (the rest is not kept). */
function readBody(req: IncomingMessage, limit = BODY_LIMIT): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) resolve(undefined);
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

/** X-Consumer-* as Kong sets them upstream (kong/constants.lua HEADERS; consumers.lua set/set_anonymous). */
function consumerHeaders(consumer: DeckConsumer | undefined, anonymous: boolean): Record<string, string> {
  if (!consumer) return {};
  const out: Record<string, string> = {};
  if (consumer.id) out['x-consumer-id'] = consumer.id;
  if (consumer.custom_id) out['x-consumer-custom-id'] = consumer.custom_id;
  if (consumer.username) out['x-consumer-username'] = consumer.username;
  if (anonymous) out['x-anonymous-consumer'] = 'true';
  return out;
}

/** Starts the gateway on 127.0.0.1. */
export async function startSandboxGateway(options: SandboxGatewayOptions): Promise<SandboxGateway> {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? cryptoRandom;
  const sink = options.errorLog ?? (options.errorLogPath ? fileErrorLog(options.errorLogPath) : undefined);
  let routes = resolveDeckRoutes(options.deck);
  let jwtByRoute = jwtRoutes(options.deck);
  let consumers = options.deck.consumers ?? [];
  const cache = new OidcPluginCache();
  // nginx numbers connections; each line of a request names its connection (`*N`).
  const connections = new WeakMap<Socket, number>();
  let connectionCount = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse, started: number, event: GatewayEvent) => {
    const requestId = Buffer.from(random(16)).toString('hex');
    event.requestId = requestId;
    const socket = req.socket;
    if (!connections.has(socket)) connections.set(socket, ++connectionCount);
    const logRequest: KongLogRequest = {
      connection: connections.get(socket)!,
      client: (socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
      method: req.method ?? 'GET',
      uri: req.url ?? '/',
      httpVersion: req.httpVersion,
      host: req.headers.host,
      requestId,
    };
    const log = (entry: KongLogEntry) =>
      sink?.write(
        formatKongLogLine(entry, logRequest, {
          at: clock.now(),
          pid: process.pid,
          utcOffsetMinutes: options.logUtcOffsetMinutes,
        }),
      );
    const exit = (answer: KongExit) => {
      // Kong's own replies: X-Kong-Response-Latency and the request id (kong_defaults.lua `headers`).
      res.writeHead(answer.status, {
        ...answer.headers,
        'Content-Length': String(Buffer.byteLength(answer.body)),
        'X-Kong-Response-Latency': String(Math.max(0, Math.round(clock.now() - started))),
        Server: KONG_SERVER_TOKENS,
        'X-Kong-Request-Id': requestId,
      });
      res.end(answer.body);
      event.status = answer.status;
    };

    const url = requestTarget(req.url);
    if (!url) {
      // nginx refuses a request-target it cannot parse (an absolute URL with port 99999) before Kong runs.
      event.reason = `the request-target ${JSON.stringify(req.url)} is not a URL`;
      exit(kongErrorPage(400, 'Bad request', requestId));
      return;
    }
    const body = await readBody(req);
    if (!body) {
      // Bounded memory: nginx's client_max_body_size answer, in Kong's template (error_handlers.lua s413).
      event.reason = `the request body is larger than ${BODY_LIMIT} bytes`;
      res.setHeader('Connection', 'close');
      exit(kongErrorPage(413, 'Payload too large', requestId));
      return;
    }
    const matched = matchRoute(routes, req.method ?? 'GET', url.pathname);
    if (!matched) {
      // kong/runloop/handler.lua:1225 (OSS 22246ef2): kong.response.error(404, …).
      exit(kongErrorPage(404, 'no Route matched with those values', requestId));
      return;
    }
    event.route = matched.route.route;
    const jwtPlugin = jwtByRoute.get(matched.route.route);
    let outcome: OidcOutcome | undefined;
    if (matched.route.oidc) {
      const config = withKongDefaults(matched.route.oidc.config);
      const port = (req.socket.localPort ?? 80) as number;
      outcome = await openIdConnectAccess(
        {
          method: req.method ?? 'GET',
          headers: req.headers,
          url,
          body,
          host: (req.headers.host ?? '127.0.0.1').replace(/:\d+$/, '').toLowerCase(),
          port,
        },
        config,
        {
          checks: options.checks,
          clock,
          random,
          cache,
          consumers,
          log,
          onIntrospection: (how) => (event.introspection = how),
        },
      );
      event.authMethod = outcome.authMethod;
      event.reason = outcome.reason;
      if (outcome.kind === 'exit') {
        exit(outcome.exit);
        return;
      }
    } else if (jwtPlugin) {
      const decided = await jwtPluginAccess(jwtPlugin, { headers: req.headers, url }, consumers, clock, log);
      if (decided.kind === 'exit') {
        event.reason = decided.reason;
        exit(decided.exit);
        return;
      }
      outcome = {
        kind: 'proxy',
        token: '',
        claims: decided.claims,
        consumer: decided.consumer,
        anonymous: decided.anonymous,
        credential: decided.credential,
      };
    }
    await proxy(req, res, url, body, matched.route, matched.prefix, outcome, requestId, started);
    event.status = res.statusCode;
  };

  const proxy = async (
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    body: Buffer,
    route: ResolvedRoute,
    prefix: string,
    outcome: OidcOutcome | undefined,
    requestId: string,
    started: number,
  ) => {
    const rest = route.stripPath ? url.pathname.slice(prefix.length === 1 ? 0 : prefix.length) || '/' : url.pathname;
    const target = new URL(route.upstreamUrl);
    target.pathname = `${target.pathname.replace(/\/$/, '')}${rest.startsWith('/') ? rest : `/${rest}`}`;
    target.search = url.search;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined || ['host', 'connection', 'content-length'].includes(name)) continue;
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const config = route.oidc ? withKongDefaults(route.oidc.config) : undefined;
    if (config && outcome?.kind === 'proxy' && !outcome.anonymous) {
      const [name, scheme] = config.upstream_access_token_header.split(':');
      if (name) {
        delete headers.authorization;
        headers[name.toLowerCase()] = scheme
          ? `${scheme[0]!.toUpperCase()}${scheme.slice(1)} ${outcome.token}`
          : outcome.token;
      }
      (config.upstream_headers_claims ?? []).forEach((claim, index) => {
        const headerName = config.upstream_headers_names?.[index];
        const value = outcome.claims[claim];
        if (headerName && value !== undefined)
          headers[headerName.toLowerCase()] = typeof value === 'string' ? value : JSON.stringify(value);
      });
    }
    if (outcome?.kind === 'proxy') {
      // The plugins set or clear each of these (consumers.lua set/set_anonymous, jwt handler.lua
      // set_consumer): what the client sent never reaches the upstream.
      for (const name of ['x-consumer-id', 'x-consumer-custom-id', 'x-consumer-username', 'x-anonymous-consumer'])
        delete headers[name];
      if (!route.oidc) delete headers['x-credential-identifier'];
      Object.assign(headers, consumerHeaders(outcome.consumer, outcome.anonymous === true));
      if (outcome.credential) headers['x-credential-identifier'] = outcome.credential;
    }
    // kong/runloop/handler.lua:1500-1541 (no trusted_ips): the client's address, and Kong added to Via.
    const client = (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
    headers['x-forwarded-for'] = client;
    headers['x-real-ip'] = client;
    headers['x-forwarded-proto'] = 'http';
    headers['x-forwarded-host'] = (req.headers.host ?? '127.0.0.1').replace(/:\d+$/, '').toLowerCase();
    headers['x-forwarded-port'] = String(req.socket.localPort ?? 80);
    const inboundVia = `${req.httpVersion} ${KONG_SERVER_TOKENS}`;
    headers.via = headers.via ? `${headers.via}, ${inboundVia}` : inboundVia;
    // kong_defaults.lua headers_upstream = x-kong-request-id.
    headers['x-kong-request-id'] = requestId;
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
    // kong/runloop/handler.lua:1750-1792: latencies, Via with proxy_http_version 1.1, Server if the upstream gave none.
    out['x-kong-upstream-latency'] = String(Math.max(0, Math.round(clock.now() - upstreamStart)));
    out['x-kong-proxy-latency'] = String(Math.max(0, Math.round(upstreamStart - started)));
    out.via = out.via ? `${out.via}, 1.1 ${KONG_SERVER_TOKENS}` : `1.1 ${KONG_SERVER_TOKENS}`;
    out.server ??= KONG_SERVER_TOKENS;
    out['x-kong-request-id'] = requestId;
    res.writeHead(answer.statusCode, out);
    res.end(upstreamBody);
  };

  const server = createServer((req, res) => {
    const started = clock.now();
    const event: GatewayEvent = { status: 0 };
    void handle(req, res, started, event)
      .catch((error: unknown) => {
        event.status = 502;
        event.reason = error instanceof Error ? error.message : String(error);
        if (!res.headersSent) {
          // kong/error_handlers.lua:32: nginx's 502 page, in Kong's template.
          const page = kongErrorPage(
            502,
            'An invalid response was received from the upstream server',
            event.requestId ?? '',
          );
          res.writeHead(502, {
            ...page.headers,
            Server: KONG_SERVER_TOKENS,
            ...(event.requestId ? { 'X-Kong-Request-Id': event.requestId } : {}),
          });
          res.end(page.body);
        }
      })
      .finally(() => options.onDecision?.(event));
  });
  // undici drops a connection whose server announces a keep-alive under 2 s (its keepAliveTimeoutThreshold):
  // at 1 s every request paid a new TCP connection. close() ends idle connections, so a longer one costs nothing.
  server.keepAliveTimeout = 5000;
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
      jwtByRoute = jwtRoutes(deck);
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
