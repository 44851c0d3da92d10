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
  stripPath: boolean;
  oidc?: EffectiveOidc;
  /** Every auth plugin that applies (openid-connect, key-auth, jwt, acl...), most specific first. */
  authPlugins: AuthPluginSummary[];
  /** Findings only this source can tell (e.g. Apache behaviour with no Kong equivalent). */
  sourceFindings: LintFinding[];
  /** What the route requires, in the source's own words when it has no Kong field (Apache `Require` lines). */
  requirements?: string[];
  /** mod_auth_openidc settings that apply to this route (Apache sources only). */
  apache?: ApacheRouteSettings;
}

/** The mod_auth_openidc resource-server settings of one `<Location>`, each with the line it was read from. */
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
  /** Whether the config was read from a file (plain-text secrets are a finding there). */
  fromFile: boolean;
  /** Things the reader skipped or could not follow. */
  warnings: string[];
}

const AUTH_PLUGINS = new Set([
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
  'jwt-signer',
  'acl',
  'opa',
]);

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

function refMatches(ref: KongRef | null | undefined, entity: { id?: string; name?: string | null }): boolean {
  if (!ref) return false;
  return (ref.id !== undefined && ref.id === entity.id) || (ref.name !== undefined && ref.name === entity.name);
}

function pluginOrigin(plugin: KongPluginEntity): string {
  return plugin.origin ?? `plugin ${plugin.instance_name ?? plugin.id ?? plugin.name}`;
}

/**
 * Builds the model from Kong entities: each route gets the most specific
 * enabled openid-connect plugin (route over service over global). Plugins
 * scoped to a consumer apply only to that consumer and are left out.
 */
export function buildGatewayModel(
  entities: KongEntities,
  source: GatewayModel['source'],
  options: { fromFile?: boolean; warnings?: string[]; consumersUnavailable?: string; gatewayVersion?: string } = {},
): GatewayModel {
  const services: GatewayService[] = entities.services.map((service, index) => ({
    ...(service.id ? { id: service.id } : {}),
    name: service.name ?? service.id ?? `service-${index + 1}`,
    upstreamUrl: serviceUpstream(service),
  }));
  const enabled = entities.plugins.filter((plugin) => plugin.enabled !== false && !plugin.consumer);
  const globals = enabled.filter((plugin) => !plugin.route && !plugin.service);
  const routes: GatewayRoute[] = entities.routes.map((route, index) => {
    const serviceEntity = entities.services.find((service) => refMatches(route.service, service));
    const serviceIndex = serviceEntity ? entities.services.indexOf(serviceEntity) : -1;
    const name = route.name ?? route.id ?? `route-${index + 1}`;
    const scoped: Array<{ plugin: KongPluginEntity; scope: PluginScope }> = [
      ...enabled
        .filter((plugin) => refMatches(plugin.route, { id: route.id, name: route.name }))
        .map((plugin) => ({ plugin, scope: 'route' as const })),
      ...(serviceEntity
        ? enabled
            .filter((plugin) => !plugin.route && refMatches(plugin.service, serviceEntity))
            .map((plugin) => ({ plugin, scope: 'service' as const }))
        : []),
      ...globals.map((plugin) => ({ plugin, scope: 'global' as const })),
    ];
    const oidcPlugins = scoped.filter((entry) => entry.plugin.name === 'openid-connect');
    const chosen = oidcPlugins[0];
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
      stripPath: route.strip_path ?? true,
      ...(chosen
        ? {
            oidc: {
              config: (chosen.plugin.config ?? {}) as KongOidcConfig,
              scope: chosen.scope,
              ...(chosen.plugin.id ? { pluginId: chosen.plugin.id } : {}),
              ...(chosen.plugin.instance_name ? { instanceName: chosen.plugin.instance_name } : {}),
              origin: pluginOrigin(chosen.plugin),
              shadows: oidcPlugins
                .slice(1)
                .map((entry) => ({ scope: entry.scope, origin: pluginOrigin(entry.plugin) })),
            },
          }
        : {}),
      authPlugins: scoped
        .filter((entry) => AUTH_PLUGINS.has(entry.plugin.name))
        .map((entry) => ({ name: entry.plugin.name, scope: entry.scope, origin: pluginOrigin(entry.plugin) })),
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
  };
}
