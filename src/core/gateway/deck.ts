import type { KongOidcConfig } from './kong-oidc-config';

/** The parts of a decK declarative file (`_format_version: "3.0"`) the product reads. */
export interface DeckPlugin {
  name: string;
  instance_name?: string;
  enabled?: boolean;
  config?: Record<string, unknown>;
  route?: string;
  service?: string;
  consumer?: string;
}

export interface DeckRoute {
  name?: string;
  paths?: string[];
  methods?: string[];
  hosts?: string[];
  strip_path?: boolean;
  service?: string | { name?: string; id?: string };
  plugins?: DeckPlugin[];
}

export interface DeckService {
  name?: string;
  url?: string;
  protocol?: string;
  host?: string;
  port?: number;
  path?: string;
  routes?: DeckRoute[];
  plugins?: DeckPlugin[];
}

export interface DeckConsumer {
  username?: string;
  custom_id?: string;
  id?: string;
}

export interface DeckFile {
  _format_version?: string;
  services?: DeckService[];
  routes?: DeckRoute[];
  plugins?: DeckPlugin[];
  consumers?: DeckConsumer[];
}

/** A route with the service it proxies to and its effective openid-connect config. */
export interface ResolvedRoute {
  service: string;
  route: string;
  upstreamUrl: string;
  paths: string[];
  methods?: string[];
  hosts?: string[];
  stripPath: boolean;
  /** The plugin that applies (route over service over global), if any. */
  oidc?: { config: KongOidcConfig; scope: 'route' | 'service' | 'global' };
}

function serviceUrl(service: DeckService): string {
  if (service.url) return service.url;
  const protocol = service.protocol ?? 'http';
  const port = service.port ? `:${service.port}` : '';
  return `${protocol}://${service.host ?? 'localhost'}${port}${service.path ?? ''}`;
}

function enabledOidc(plugins: DeckPlugin[] | undefined): DeckPlugin | undefined {
  return plugins?.find((plugin) => plugin.name === 'openid-connect' && plugin.enabled !== false);
}

/** Flattens a decK file into routes, each with the openid-connect config that applies to it. */
export function resolveDeckRoutes(deck: DeckFile): ResolvedRoute[] {
  const topLevel = deck.plugins ?? [];
  const globalPlugin = enabledOidc(topLevel.filter((p) => !p.route && !p.service && !p.consumer));
  const out: ResolvedRoute[] = [];
  const services = deck.services ?? [];
  const addRoute = (service: DeckService | undefined, route: DeckRoute, index: number) => {
    const serviceName = service?.name ?? 'unnamed-service';
    const routeName = route.name ?? `${serviceName}-route-${index + 1}`;
    const routePlugin = enabledOidc([...(route.plugins ?? []), ...topLevel.filter((p) => p.route === routeName)]);
    const servicePlugin = enabledOidc([
      ...(service?.plugins ?? []),
      ...topLevel.filter((p) => p.service === serviceName && !p.route),
    ]);
    const chosen = routePlugin
      ? { plugin: routePlugin, scope: 'route' as const }
      : servicePlugin
        ? { plugin: servicePlugin, scope: 'service' as const }
        : globalPlugin
          ? { plugin: globalPlugin, scope: 'global' as const }
          : undefined;
    out.push({
      service: serviceName,
      route: routeName,
      upstreamUrl: service ? serviceUrl(service) : '',
      paths: route.paths ?? ['/'],
      methods: route.methods,
      hosts: route.hosts,
      stripPath: route.strip_path ?? true,
      oidc: chosen ? { config: (chosen.plugin.config ?? {}) as KongOidcConfig, scope: chosen.scope } : undefined,
    });
  };
  for (const service of services) (service.routes ?? []).forEach((route, index) => addRoute(service, route, index));
  (deck.routes ?? []).forEach((route, index) => {
    const name = typeof route.service === 'string' ? route.service : route.service?.name;
    addRoute(
      services.find((s) => s.name === name),
      route,
      index,
    );
  });
  return out;
}
