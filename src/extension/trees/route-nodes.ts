import type { RouteEntry } from '../workspace/source-model';
import { routesByService } from '../workspace/source-model';
import type { NodeData } from './node';
import { CONTEXT_VALUES } from './node';

/** Service nodes with their routes; each route shows its method, URL and auth plugin. */
export function serviceNodes(routes: readonly RouteEntry[]): NodeData[] {
  return routesByService(routes).map(({ service, routes: list }) => ({
    id: `service:${service}`,
    label: service,
    description: `${list.length} route${list.length === 1 ? '' : 's'}`,
    contextValue: CONTEXT_VALUES.service,
    icon: 'server-process',
    collapsible: 'expanded',
    children: () => list.map(routeNode),
  }));
}

/** One route. */
export function routeNode(route: RouteEntry): NodeData {
  return {
    id: route.id,
    label: route.name,
    description: `${route.method} ${route.url} · ${route.plugin}`,
    tooltip: [route.description, `${route.method} ${route.url}`, `Auth: ${route.plugin}`, `From: ${route.sourceLabel}`].filter(Boolean).join('\n'),
    contextValue: CONTEXT_VALUES.route,
    icon: route.sourceKind === 'sandbox' ? 'beaker' : 'symbol-method',
    collapsible: 'none',
    ref: { kind: 'route', sourceId: route.sourceId, name: route.name },
  };
}
