/**
 * One model of what a gateway is configured to do, whatever it was read from
 * (Kong Admin API, Konnect, a decK file, an Apache mod_auth_openidc config):
 * services, routes with the URL to call them through, and each route's
 * effective openid-connect configuration with where it came from.
 */
import type { KongOidcConfig } from './kong-oidc-config';
import type { LintFinding } from './lint';

export type GatewaySourceKind = 'admin-api' | 'konnect' | 'deck' | 'apache';

/** Kong's entity shapes as the Admin API, Konnect and (normalised) decK give them. */
export interface KongRef {
  id?: string;
  name?: string;
}

export interface KongServiceEntity {
  id?: string;
  name?: string;
  url?: string;
  protocol?: string;
  host?: string;
  port?: number;
  path?: string | null;
}

export interface KongRouteEntity {
  id?: string;
  name?: string | null;
  paths?: string[] | null;
  methods?: string[] | null;
  hosts?: string[] | null;
  protocols?: string[] | null;
  strip_path?: boolean;
  service?: KongRef | null;
  /** An expressions-router route (router_flavor expressions) matches on this instead of paths/methods/hosts. */
  expression?: string | null;
}

export interface KongPluginEntity {
  id?: string;
  name: string;
  instance_name?: string | null;
  enabled?: boolean;
  config?: Record<string, unknown> | null;
  route?: KongRef | null;
  service?: KongRef | null;
  consumer?: KongRef | null;
  /** Where the plugin was read, e.g. "plugin 3f2c… (Admin API)" or "gw.yaml line 12 (services[0].plugins[0])". */
  origin?: string;
}

export interface KongConsumerEntity {
  id?: string;
  username?: string;
  custom_id?: string;
  /** The consumer's jwt plugin credentials (decK `jwt_secrets`), without their shared secrets. */
  jwtSecrets?: JwtCredential[];
}

/** One jwt plugin credential (Kong/kong kong/plugins/jwt/daos.lua `jwt_secrets`); a shared secret is never kept, only where it is. */
export interface JwtCredential {
  key?: string;
  /** Default HS256 (daos.lua). */
  algorithm?: string;
  rsa_public_key?: string;
  /** Where a shared `secret` is written in plain text (a file line), if it is. */
  plaintextSecretAt?: string;
  /** Where the credential was read. */
  origin?: string;
}

export interface KongEntities {
  services: KongServiceEntity[];
  routes: KongRouteEntity[];
  plugins: KongPluginEntity[];
  consumers?: KongConsumerEntity[];
}

export type PluginScope = 'route' | 'service' | 'global';

/** The openid-connect configuration that applies to a route, and where it came from. */
export interface EffectiveOidc {
  config: KongOidcConfig;
  scope: PluginScope;
  pluginId?: string;
  instanceName?: string;
  /** Human description of where the plugin was read. */
  origin: string;
  /** Less specific openid-connect plugins this one overrides (Kong applies only the most specific). */
  shadows: Array<{ scope: PluginScope; origin: string }>;
}

/** An authentication-related plugin that applies to a route. */
export interface AuthPluginSummary {
  name: string;
  scope: PluginScope;
  origin: string;
}

/** The one plugin of a name that Kong runs for a route, with the less specific ones of that name it overrides. */
export interface EffectivePlugin {
  name: string;
  scope: PluginScope;
  config: Record<string, unknown>;
  pluginId?: string;
  instanceName?: string;
  origin: string;
  shadows: Array<{ scope: PluginScope; origin: string }>;
}

/** A consumer-scoped plugin: for that consumer's requests Kong runs it instead of the route's plugin of that name. */
export interface ConsumerPlugin {
  name: string;
  consumer: string;
  /** Kong's level: route+consumer, service+consumer or consumer alone. */
  level: 'route+consumer' | 'service+consumer' | 'consumer';
  origin: string;
  /** A request-termination plugin's answer (Kong's defaults: 503, no message); only that, no other config is kept. */
  termination?: { status: number; message?: string };
}

export interface GatewayService {
  id?: string;
  name: string;
  upstreamUrl: string;
}

export interface GatewayRoute {
  id?: string;
  name: string;
  /** Service name ('' when the route has none). */
  service: string;
  paths: string[];
  /** Paths Kong matches as regular expressions (`~` prefix); no URL can be built for them. */
  regexPaths: string[];
  methods?: string[];
  hosts?: string[];
  protocols?: string[];
  /** The route's router expression, when it matches by one (then paths, methods and hosts are not what it matches). */
  expression?: string;
  stripPath: boolean;
  oidc?: EffectiveOidc;
  /** Every auth plugin that applies (openid-connect, key-auth, jwt, acl...), one per name as Kong picks it. */
  authPlugins: AuthPluginSummary[];
  /** Every enabled plugin that applies, one per name (the most specific), in Kong's entity order. */
  plugins?: EffectivePlugin[];
  /** Consumer-scoped plugins that replace one of `plugins` for that consumer's requests. */
  consumerPlugins?: ConsumerPlugin[];
  /** Findings only this source can tell (e.g. Apache behaviour with no Kong equivalent). */
  sourceFindings: LintFinding[];
  /** What the route requires, in the source's own words when it has no Kong field (Apache `Require` lines). */
  requirements?: string[];
  /** mod_auth_openidc settings that apply to this route (Apache sources only). */
  apache?: ApacheRouteSettings;
}

/** The mod_auth_openidc settings of one `<Location>` (resource server, oauth20, or relying party, openid-connect), each with the line it was read from. */
export interface ApacheRouteSettings {
  authType: string;
  /** OIDCOAuthRemoteUserClaim; undefined when left at mod_auth_openidc's default (`sub`). */
  remoteUserClaim?: string;
  /** OIDCOAuthClientSecret as written (a `${VAR}` placeholder or a literal). */
  clientSecret?: string;
  /** "file line N" of the Define that gives the placeholder its secret, when the file itself holds it. */
  clientSecretDefinedAt?: string;
  sslValidateServer: boolean;
  caBundlePath?: string;
  /** OIDCOAuthTokenIntrospectionInterval (seconds; -1 no cache, 0 until the token expires). */
  introspectionInterval?: number;
  acceptTokenAs: string[];
  /** An issuer to discover, from OIDCOAuthServerMetadataURL or an Okta-shaped introspection endpoint. */
  issuerGuess?: string;
  /** Directive name → "file:line" it was read from. */
  lines: Record<string, string>;
}

export interface GatewayModel {
  source: { kind: GatewaySourceKind; description: string };
  services: GatewayService[];
  routes: GatewayRoute[];
  consumers: KongConsumerEntity[];
  /** Why the consumers could not be read (e.g. RBAC forbids /consumers); `consumers` is then empty but not known to be. */
  consumersUnavailable?: string;
  /** Kong's version, where the source tells it (the Admin API's GET /). */
  gatewayVersion?: string;
  /** Enabled global plugins (no route, service or consumer), one per name: linted once, not once per route. */
  globalPlugins?: EffectivePlugin[];
  /** Whether the consumers' jwt credentials were read (a decK file holds them; an API only when asked for /jwts). */
  jwtCredentialsRead?: boolean;
  /** Enabled plugins Kong refuses or never runs as written (an auth plugin scoped to a consumer). */
  unusablePlugins?: Array<{ name: string; origin: string; reason: string }>;
  /** Whether the config was read from a file (plain-text secrets are a finding there). */
  fromFile: boolean;
  /** Things the reader skipped or could not follow. */
  warnings: string[];
}

/**
 * The plugins that authenticate: their schema says `consumer =
 * typedefs.no_consumer` (Kong/kong kong/plugins/<name>/schema.lua; no
 * `consumer` field in the 3.14 schemas of Kong/developer.konghq.com
 * app/_schemas/gateway/plugins/ @bc1cd742; the community oidc plugin's
 * `no_consumer = true`), so Kong refuses them on a consumer: they are what
 * finds the consumer.
 */
const NO_CONSUMER = new Set([
  'openid-connect',
  'jwt',
  'key-auth',
  'key-auth-enc',
  'basic-auth',
  'hmac-auth',
  'ldap-auth',
  'ldap-auth-advanced',
  'oauth2',
  'oauth2-introspection',
  'mtls-auth',
  // The community plugin (nokia/kong-oidc, revomatico/kong-oidc).
  'oidc',
]);

/** Authentication and the authorization that rides on it. */
const AUTH_PLUGINS = new Set([...NO_CONSUMER, 'jwt-signer', 'acl', 'opa']);

/** Whether Kong applies an auth plugin of this name to requests; the lint and routes listing share it. */
export function isAuthPlugin(name: string): boolean {
  return AUTH_PLUGINS.has(name);
}

/** What request-termination answers (Kong/kong kong/plugins/request-termination/schema.lua: status_code default 503). */
function terminationOf(config: Record<string, unknown> | null | undefined): { status: number; message?: string } {
  const status = typeof config?.status_code === 'number' ? config.status_code : 503;
  return { status, ...(typeof config?.message === 'string' ? { message: config.message } : {}) };
}

/** Whether Kong matches this route path as a regular expression (Kong 3: `~` prefix). */
export function isRegexPath(path: string): boolean {
  return path.startsWith('~');
}

/** Where a route can be called through the proxy: one URL per plain path (regex paths have none). */
export function routeUrls(route: Pick<GatewayRoute, 'paths'>, proxyUrl: string | undefined): string[] {
  const plain = route.paths.filter((path) => !isRegexPath(path));
  if (!proxyUrl) return plain;
  const base = proxyUrl.replace(/\/+$/, '');
  return plain.map((path) => `${base}${path.startsWith('/') ? '' : '/'}${path}`);
}

/** A Kong service's upstream as one URL. */
export function serviceUpstream(service: KongServiceEntity): string {
  if (service.url) return service.url;
  const protocol = service.protocol ?? 'http';
  const port = service.port ? `:${service.port}` : '';
  return `${protocol}://${service.host ?? 'localhost'}${port}${service.path ?? ''}`;
}

/** Consumers as the Admin API or Konnect list them (`username`/`custom_id` may be null), keeping what consumer mapping matches on. */
export function kongConsumers(raw: ReadonlyArray<Record<string, unknown>>): KongConsumerEntity[] {
  return raw.map((entry) => {
    const consumer: KongConsumerEntity = {};
    for (const key of ['id', 'username', 'custom_id'] as const) {
      const value = entry[key];
      if (typeof value === 'string') consumer[key] = value;
    }
    return consumer;
  });
}

/**
 * Gives consumers their jwt credentials as an API lists them (`/jwts`: key,
 * algorithm, rsa_public_key, secret, consumer{id}). The shared `secret` is
 * left behind: the model never holds one.
 */
export function attachJwtCredentials(
  consumers: KongConsumerEntity[],
  raw: ReadonlyArray<Record<string, unknown>>,
  where: string,
): void {
  for (const entry of raw) {
    const consumerId = (entry.consumer as { id?: unknown } | null | undefined)?.id;
    const consumer = consumers.find((c) => c.id !== undefined && c.id === consumerId);
    if (!consumer) continue;
    const credential: JwtCredential = { origin: `jwt credential ${String(entry.id ?? entry.key ?? '?')} (${where})` };
    for (const key of ['key', 'algorithm', 'rsa_public_key'] as const) {
      const value = entry[key];
      if (typeof value === 'string') credential[key] = value;
    }
    (consumer.jwtSecrets ??= []).push(credential);
  }
}

function refMatches(ref: KongRef | null | undefined, entity: { id?: string; name?: string | null }): boolean {
  if (!ref) return false;
  return (ref.id !== undefined && ref.id === entity.id) || (ref.name !== undefined && ref.name === entity.name);
}

function pluginOrigin(plugin: KongPluginEntity): string {
  return plugin.origin ?? `plugin ${plugin.instance_name ?? plugin.id ?? plugin.name}`;
}

type Level =
  | 'route+service+consumer'
  | 'route+consumer'
  | 'service+consumer'
  | 'route+service'
  | 'consumer'
  | 'route'
  | 'service'
  | 'global';

/**
 * Kong's order of precedence for plugins of one name, most specific first
 * (Kong/kong kong/runloop/plugins_iterator.lua lookup_cfg @22246ef2): route,
 * service and consumer together, route+consumer, service+consumer,
 * route+service, consumer, route, service, global.
 */
const PRECEDENCE: readonly Level[] = [
  'route+service+consumer',
  'route+consumer',
  'service+consumer',
  'route+service',
  'consumer',
  'route',
  'service',
  'global',
];

const LEVEL_SCOPE: Record<Level, PluginScope> = {
  'route+service+consumer': 'route',
  'route+consumer': 'route',
  'service+consumer': 'service',
  'route+service': 'route',
  consumer: 'global',
  route: 'route',
  service: 'service',
  global: 'global',
};

const SCOPE_RANK: Record<PluginScope, number> = { route: 0, service: 1, global: 2 };

function effective(plugin: KongPluginEntity, scope: PluginScope): EffectivePlugin {
  return {
    name: plugin.name,
    scope,
    config: (plugin.config ?? {}) as Record<string, unknown>,
    ...(plugin.id ? { pluginId: plugin.id } : {}),
    ...(plugin.instance_name ? { instanceName: plugin.instance_name } : {}),
    origin: pluginOrigin(plugin),
    shadows: [],
  };
}

function consumerName(ref: KongRef): string {
  return ref.name ?? ref.id ?? '?';
}

/**
 * Builds the model from Kong entities: for each plugin name, each route gets
 * the one plugin Kong runs (PRECEDENCE), the others of that name listed as
 * shadowed. A plugin scoped to a consumer runs only for that consumer's
 * requests, so it is kept apart as an override, never as the route's plugin.
 */
export function buildGatewayModel(
  entities: KongEntities,
  source: GatewayModel['source'],
  options: {
    fromFile?: boolean;
    warnings?: string[];
    consumersUnavailable?: string;
    gatewayVersion?: string;
    jwtCredentialsRead?: boolean;
  } = {},
): GatewayModel {
  const services: GatewayService[] = entities.services.map((service, index) => ({
    ...(service.id ? { id: service.id } : {}),
    name: service.name ?? service.id ?? `service-${index + 1}`,
    upstreamUrl: serviceUpstream(service),
  }));
  const enabled = entities.plugins.filter((plugin) => plugin.enabled !== false);
  const unusablePlugins = enabled
    .filter((plugin) => plugin.consumer && NO_CONSUMER.has(plugin.name))
    .map((plugin) => ({
      name: plugin.name,
      origin: pluginOrigin(plugin),
      reason: `it names consumer ${consumerName(plugin.consumer!)}, and Kong refuses a consumer on an authentication plugin (its schema has no_consumer): it is what finds the consumer`,
    }));
  const usable = enabled.filter((plugin) => !(plugin.consumer && NO_CONSUMER.has(plugin.name)));
  const globalPlugins = usable
    .filter((plugin) => !plugin.route && !plugin.service && !plugin.consumer)
    .map((plugin) => effective(plugin, 'global'));
  const routes: GatewayRoute[] = entities.routes.map((route, index) => {
    const serviceEntity = entities.services.find((service) => refMatches(route.service, service));
    const serviceIndex = serviceEntity ? entities.services.indexOf(serviceEntity) : -1;
    const name = route.name ?? route.id ?? `route-${index + 1}`;
    const onRoute = (plugin: KongPluginEntity) => refMatches(plugin.route, { id: route.id, name: route.name });
    const onService = (plugin: KongPluginEntity) => !!serviceEntity && refMatches(plugin.service, serviceEntity);
    const levelOf = (plugin: KongPluginEntity): Level | undefined => {
      if (plugin.route && !onRoute(plugin)) return undefined;
      if (plugin.service && !onService(plugin)) return undefined;
      const key = `${plugin.route ? 'route+' : ''}${plugin.service ? 'service+' : ''}${plugin.consumer ? 'consumer' : ''}`;
      return (key.replace(/\+$/, '') || 'global') as Level;
    };
    const byName = new Map<string, Array<{ plugin: KongPluginEntity; level: Level }>>();
    for (const plugin of usable) {
      const level = levelOf(plugin);
      if (!level) continue;
      byName.set(plugin.name, [...(byName.get(plugin.name) ?? []), { plugin, level }]);
    }
    const plugins: EffectivePlugin[] = [];
    const consumerPlugins: ConsumerPlugin[] = [];
    for (const [pluginName, candidates] of byName) {
      candidates.sort((a, b) => PRECEDENCE.indexOf(a.level) - PRECEDENCE.indexOf(b.level));
      const general = candidates.filter((entry) => !entry.plugin.consumer);
      for (const entry of candidates.filter((e) => e.plugin.consumer))
        consumerPlugins.push({
          name: pluginName,
          consumer: consumerName(entry.plugin.consumer!),
          level: entry.level === 'route+service+consumer' ? 'route+consumer' : (entry.level as ConsumerPlugin['level']),
          origin: pluginOrigin(entry.plugin),
          ...(pluginName === 'request-termination' ? { termination: terminationOf(entry.plugin.config) } : {}),
        });
      const [chosen, ...rest] = general;
      if (!chosen) continue;
      plugins.push({
        ...effective(chosen.plugin, LEVEL_SCOPE[chosen.level]),
        shadows: rest.map((entry) => ({ scope: LEVEL_SCOPE[entry.level], origin: pluginOrigin(entry.plugin) })),
      });
    }
    const oidc = plugins.find((plugin) => plugin.name === 'openid-connect');
    const paths = route.paths ?? [];
    return {
      ...(route.id ? { id: route.id } : {}),
      name,
      service: serviceIndex >= 0 ? services[serviceIndex]!.name : '',
      paths,
      regexPaths: paths.filter(isRegexPath),
      ...(route.methods ? { methods: route.methods } : {}),
      ...(route.hosts ? { hosts: route.hosts } : {}),
      ...(route.protocols ? { protocols: route.protocols } : {}),
      ...(typeof route.expression === 'string' && route.expression ? { expression: route.expression } : {}),
      stripPath: route.strip_path ?? true,
      ...(oidc
        ? {
            oidc: {
              config: oidc.config as KongOidcConfig,
              scope: oidc.scope,
              ...(oidc.pluginId ? { pluginId: oidc.pluginId } : {}),
              ...(oidc.instanceName ? { instanceName: oidc.instanceName } : {}),
              origin: oidc.origin,
              shadows: oidc.shadows,
            },
          }
        : {}),
      // Most specific first, as the routes listing shows them.
      authPlugins: plugins
        .filter((plugin) => AUTH_PLUGINS.has(plugin.name))
        .sort((a, b) => SCOPE_RANK[a.scope] - SCOPE_RANK[b.scope])
        .map((plugin) => ({ name: plugin.name, scope: plugin.scope, origin: plugin.origin })),
      plugins,
      ...(consumerPlugins.length ? { consumerPlugins } : {}),
      sourceFindings: [],
    };
  });
  return {
    source,
    services,
    routes,
    consumers: entities.consumers ?? [],
    ...(options.consumersUnavailable ? { consumersUnavailable: options.consumersUnavailable } : {}),
    ...(options.gatewayVersion ? { gatewayVersion: options.gatewayVersion } : {}),
    fromFile: options.fromFile ?? false,
    warnings: options.warnings ?? [],
    globalPlugins,
    ...(options.jwtCredentialsRead ? { jwtCredentialsRead: true } : {}),
    ...(unusablePlugins.length ? { unusablePlugins } : {}),
  };
}
