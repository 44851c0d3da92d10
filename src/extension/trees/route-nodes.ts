/**
 * The Gateway Routes view: one node per source (the sandbox, each flow file
 * with routes, each configured gateway), its services under it, their routes
 * under them and each route's lint findings under the route. Grouping under
 * the source keeps same-named services of different sources apart. Ids are
 * built from the source, service, route and finding, so they survive refreshes.
 */
import type { LintFinding } from '../../core/gateway/lint';
import type { GatewayModel, GatewayRoute } from '../../core/gateway/model';
import { routeUrls } from '../../core/gateway/model';
import type { GatewaySourceState } from '../gateway/gateway-source-store';
import { gatewayRouteKey } from '../gateway/gateway-source-store';
import { gatewayKindLabel } from '../gateway/gateway-settings';
import type { RouteEntry } from '../workspace/source-model';
import type { NodeData } from './node';
import { CONTEXT_VALUES } from './node';

export interface RouteTreeInput {
  /** Routes of flow files and the sandbox (routeEntries), sandbox first. */
  flowRoutes: readonly RouteEntry[];
  /** Findings of those routes, by route entry id. */
  flowFindings?: ReadonlyMap<string, readonly LintFinding[]>;
  /** Configured gateway sources, in setting order. */
  gateways: readonly GatewaySourceState[];
  /** Restricted Mode: configured gateways are not read; one node says so in their place. */
  untrusted?: boolean;
}

/** The node shown instead of the configured gateways in an untrusted workspace. */
export const UNTRUSTED_GATEWAYS_NODE: NodeData = {
  id: 'routes-gateways:untrusted',
  label: 'Gateways',
  description: 'not read: workspace not trusted',
  tooltip:
    'In Restricted Mode no configured gateway is read: the workspace\'s settings would choose where requests go and which stored token they carry. Run "Workspaces: Manage Workspace Trust" and trust the folder to read them.',
  contextValue: CONTEXT_VALUES.info,
  icon: 'shield',
  collapsible: 'none',
};

/** The view's roots: sandbox and flow files that have routes, then each configured gateway. */
export function routeTreeNodes(input: RouteTreeInput): NodeData[] {
  const bySource = new Map<string, RouteEntry[]>();
  for (const route of input.flowRoutes) bySource.set(route.sourceId, [...(bySource.get(route.sourceId) ?? []), route]);
  const flowSources = [...bySource.values()].map((routes) => flowSourceNode(routes, input.flowFindings));
  if (input.untrusted) return [...flowSources, UNTRUSTED_GATEWAYS_NODE];
  return [...flowSources, ...input.gateways.map(gatewaySourceNode)];
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

/** Local wall-clock time, HH:MM or HH:MM:SS. */
export function clockTime(ms: number, seconds = false): string {
  const date = new Date(ms);
  return `${pad(date.getHours())}:${pad(date.getMinutes())}${seconds ? `:${pad(date.getSeconds())}` : ''}`;
}

// ---- flow files and the sandbox ----------------------------------------------------

function flowSourceNode(routes: readonly RouteEntry[], findings: RouteTreeInput['flowFindings']): NodeData {
  const first = routes[0]!;
  const sandbox = first.sourceKind === 'sandbox';
  return {
    id: `routes-source:${first.sourceId}`,
    label: first.sourceLabel,
    description: `${sandbox ? 'sandbox' : 'flow file'} · ${plural(routes.length, 'route')}`,
    tooltip: sandbox ? "The running sandbox's gateway routes." : `Routes of ${first.sourceLabel}.`,
    contextValue: CONTEXT_VALUES.source,
    icon: sandbox ? 'beaker' : 'file',
    collapsible: 'expanded',
    ...(sandbox ? {} : { resourceUri: first.sourceId }),
    children: () => serviceNodes(routes, findings),
  };
}

/** Service nodes with their routes; services of different sources never share a node. */
export function serviceNodes(routes: readonly RouteEntry[], findings?: RouteTreeInput['flowFindings']): NodeData[] {
  const groups = new Map<string, RouteEntry[]>();
  for (const route of routes) {
    const key = `${route.sourceId}#${route.service}`;
    groups.set(key, [...(groups.get(key) ?? []), route]);
  }
  return [...groups.entries()]
    .sort(([, a], [, b]) => a[0]!.service.localeCompare(b[0]!.service))
    .map(([key, list]) => ({
      id: `service:${key}`,
      label: list[0]!.service,
      description: plural(list.length, 'route'),
      contextValue: CONTEXT_VALUES.service,
      icon: 'server-process',
      collapsible: 'expanded',
      children: () => list.map((route) => routeNode(route, findings?.get(route.id) ?? [])),
    }));
}

/** One flow-file or sandbox route, with its findings as children. */
export function routeNode(route: RouteEntry, findings: readonly LintFinding[] = []): NodeData {
  return {
    id: route.id,
    label: route.name,
    description: [
      `${route.method} ${route.url}`,
      route.plugin,
      ...(findings.length ? [plural(findings.length, 'finding')] : []),
    ].join(' · '),
    tooltip: [
      route.description,
      `${route.method} ${route.url}`,
      `Auth: ${route.plugin}`,
      `From: ${route.sourceLabel}`,
      findingSummary(findings),
    ]
      .filter(Boolean)
      .join('\n'),
    contextValue: CONTEXT_VALUES.route,
    icon: route.sourceKind === 'sandbox' ? 'beaker' : 'symbol-method',
    collapsible: findings.length ? 'collapsed' : 'none',
    ref: { kind: 'route', sourceId: route.sourceId, name: route.name },
    ...(findings.length ? { children: () => findingNodes(route.id, findings) } : {}),
  };
}

// ---- configured gateways -----------------------------------------------------------

const KIND_ICONS: Record<GatewaySourceState['config']['kind'], string> = {
  'admin-api': 'server-environment',
  konnect: 'cloud',
  deck: 'file-code',
  apache: 'file',
};

function whereText(config: GatewaySourceState['config']): string {
  switch (config.kind) {
    case 'admin-api':
      return `${config.adminUrl ?? '(no adminUrl)'}${config.workspace ? ` (workspace ${config.workspace})` : ''}`;
    case 'konnect':
      return `control plane ${config.controlPlane ?? '(none)'} in ${config.konnectUrl ?? `region ${config.region ?? 'us'}`}`;
    case 'deck':
    case 'apache':
      return config.path ?? '(no path)';
  }
}

/** One configured gateway: its services, or why it could not be read, or both. */
export function gatewaySourceNode(state: GatewaySourceState): NodeData {
  const { config, model } = state;
  const id = `routes-source:${state.id}`;
  const kind = gatewayKindLabel(config.kind);
  const status = state.refreshing
    ? 'reading…'
    : model
      ? `${plural(model.routes.length, 'route')} · read ${clockTime(state.loadedAt ?? 0)}`
      : state.error
        ? 'could not read'
        : 'not read yet';
  const takesToken = config.kind === 'admin-api' || config.kind === 'konnect';
  return {
    id,
    label: config.name,
    description: `${kind} · ${status}`,
    tooltip: [
      `${kind}: ${whereText(config)}`,
      config.proxyUrl ? `Proxy: ${config.proxyUrl}` : undefined,
      state.loadedAt !== undefined ? `Read at ${clockTime(state.loadedAt, true)}` : undefined,
      state.error
        ? `Last read failed at ${clockTime(state.error.at, true)}: ${state.error.message}${state.error.hint ? `\n${state.error.hint}` : ''}`
        : undefined,
    ]
      .filter(Boolean)
      .join('\n'),
    contextValue: takesToken ? CONTEXT_VALUES.gatewaySourceToken : CONTEXT_VALUES.gatewaySource,
    icon: state.refreshing ? 'sync~spin' : state.error ? 'warning' : KIND_ICONS[config.kind],
    ...(state.error && !state.refreshing
      ? { iconColor: 'problemsWarningIcon.foreground', ...(model ? { iconMeaning: 'the last read failed' } : {}) }
      : {}),
    collapsible: 'expanded',
    ref: { kind: 'gatewaySource', sourceId: state.id, name: config.name },
    children: () => [...statusNodes(id, state), ...(model ? gatewayServiceNodes(id, state) : [])],
  };
}

function statusNodes(sourceNodeId: string, state: GatewaySourceState): NodeData[] {
  const nodes: NodeData[] = [];
  const { error, model } = state;
  if (error) {
    const tooltip = [error.message, error.hint, `[${error.code}] at ${clockTime(error.at, true)}`]
      .filter(Boolean)
      .join('\n');
    nodes.push(
      model && state.loadedAt !== undefined
        ? {
            id: `${sourceNodeId}/error`,
            label: `Refresh failed: ${error.message} — showing routes read at ${clockTime(state.loadedAt, true)}`,
            tooltip,
            contextValue: CONTEXT_VALUES.info,
            icon: 'warning',
            iconColor: 'problemsWarningIcon.foreground',
            collapsible: 'none',
            ref: { kind: 'info' },
          }
        : {
            id: `${sourceNodeId}/error`,
            label: `Could not read: ${error.message}`,
            ...(error.hint ? { description: error.hint } : {}),
            tooltip,
            contextValue: CONTEXT_VALUES.info,
            icon: 'error',
            iconColor: 'problemsErrorIcon.foreground',
            collapsible: 'none',
            ref: { kind: 'info' },
          },
    );
  } else if (!model && state.refreshing) {
    nodes.push({
      id: `${sourceNodeId}/reading`,
      label: 'Reading the gateway configuration…',
      contextValue: CONTEXT_VALUES.info,
      icon: 'loading~spin',
      collapsible: 'none',
      ref: { kind: 'info' },
    });
  }
  (model?.warnings ?? []).forEach((warning, index) => {
    nodes.push({
      id: `${sourceNodeId}/warning:${index}`,
      label: warning,
      tooltip: warning,
      contextValue: CONTEXT_VALUES.info,
      icon: 'info',
      iconColor: 'problemsInfoIcon.foreground',
      collapsible: 'none',
      ref: { kind: 'info' },
    });
  });
  return nodes;
}

function gatewayServiceNodes(sourceNodeId: string, state: GatewaySourceState): NodeData[] {
  const model = state.model!;
  const groups = new Map<string, GatewayRoute[]>(model.services.map((service) => [service.name, []]));
  for (const route of model.routes) groups.set(route.service, [...(groups.get(route.service) ?? []), route]);
  return [...groups.entries()].map(([service, routes]) => {
    const upstream = model.services.find((entry) => entry.name === service)?.upstreamUrl;
    const id = `${sourceNodeId}/service:${service}`;
    const findings = routes.reduce((sum, route) => sum + (state.findings.get(gatewayRouteKey(route))?.length ?? 0), 0);
    return {
      id,
      label: service || '(no service)',
      description: [
        routes.length ? plural(routes.length, 'route') : 'no routes',
        findings ? plural(findings, 'finding') : undefined,
      ]
        .filter(Boolean)
        .join(' · '),
      tooltip: service ? `Service ${service}${upstream ? ` → ${upstream}` : ''}` : 'Routes without a service.',
      contextValue: CONTEXT_VALUES.service,
      icon: 'server-process',
      collapsible: routes.length ? 'expanded' : 'none',
      children: () =>
        routes.map((route) =>
          gatewayRouteNode(
            id,
            route,
            model,
            state.config.proxyUrl,
            state.findings.get(gatewayRouteKey(route)) ?? [],
            state.id,
          ),
        ),
    } satisfies NodeData;
  });
}

/** How a route is protected, e.g. "openid-connect (introspection) · service". */
export function authText(route: GatewayRoute): string {
  if (route.oidc) {
    const name = route.apache ? (route.authPlugins[0]?.name ?? 'mod_auth_openidc') : 'openid-connect';
    const methods = route.oidc.config.auth_methods;
    return `${name} (${Array.isArray(methods) && methods.length ? methods.join(', ') : 'all methods'}) · ${route.oidc.scope}`;
  }
  const [first, ...rest] = route.authPlugins;
  if (!first) return 'no auth plugin';
  return `${first.name}${rest.length ? ` +${rest.length}` : ''} · ${first.scope}`;
}

/** One route of a configured gateway: method, URL (through the proxy when known), auth, findings. */
export function gatewayRouteNode(
  serviceNodeId: string,
  route: GatewayRoute,
  model: Pick<GatewayModel, 'source'>,
  proxyUrl: string | undefined,
  findings: readonly LintFinding[],
  sourceId?: string,
): NodeData {
  const id = `${serviceNodeId}/route:${route.id ?? route.name}`;
  const urls = routeUrls(route, proxyUrl);
  const methods = route.expression ? 'expression' : route.methods?.length ? route.methods.join(',') : 'ANY';
  const where = urls[0] ?? route.regexPaths[0] ?? route.expression ?? '(any path)';
  const regex = route.regexPaths.length > 0;
  const description = [
    `${methods} ${where}${urls.length > 1 ? ` +${urls.length - 1}` : ''}`,
    ...(regex ? ['regex path'] : []),
    authText(route),
    ...(findings.length ? [plural(findings.length, 'finding')] : []),
  ].join(' · ');
  const tooltip = [
    `Route ${route.name}${route.id && route.id !== route.name ? ` (${route.id})` : ''} from ${model.source.description}`,
    `${methods} ${urls.length ? urls.join(' ') : '(no plain path)'}`,
    route.hosts?.length ? `Hosts: ${route.hosts.join(', ')}` : undefined,
    ...route.regexPaths.map(
      (path) => `Regex path ${path}: Kong matches it as a regular expression, so there is no single URL to call.`,
    ),
    route.oidc ? `openid-connect: ${route.oidc.scope}-level, ${route.oidc.origin}` : undefined,
    ...route.authPlugins
      .filter((plugin) => plugin.name !== 'openid-connect')
      .map((plugin) => `${plugin.name}: ${plugin.scope}-level, ${plugin.origin}`),
    ...(route.requirements ?? []),
    route.authPlugins.length === 0 ? 'No authentication plugin applies.' : undefined,
    findingSummary(findings),
  ]
    .filter(Boolean)
    .join('\n');
  return {
    id,
    label: route.name,
    description,
    tooltip,
    // With the proxy URL known and a plain path, the route can be called (Call Route) like a flow file's.
    ...(sourceId && proxyUrl && urls[0]
      ? {
          contextValue: CONTEXT_VALUES.gatewayRouteCallable,
          ref: { kind: 'gatewayRoute' as const, sourceId, routeKey: gatewayRouteKey(route) },
        }
      : { contextValue: CONTEXT_VALUES.gatewayRoute }),
    icon: regex ? 'regex' : 'symbol-method',
    ...(regex ? { iconColor: 'problemsWarningIcon.foreground' } : {}),
    collapsible: findings.length ? 'collapsed' : 'none',
    ...(findings.length ? { children: () => findingNodes(id, findings) } : {}),
  };
}

// ---- findings ----------------------------------------------------------------------

const SEVERITY_ORDER = { error: 0, warning: 1, info: 2 } as const;
const SEVERITY_ICONS = {
  error: { icon: 'error', color: 'problemsErrorIcon.foreground' },
  warning: { icon: 'warning', color: 'problemsWarningIcon.foreground' },
  info: { icon: 'info', color: 'problemsInfoIcon.foreground' },
} as const;
const LABEL_LIMIT = 90;

function findingSummary(findings: readonly LintFinding[]): string | undefined {
  if (findings.length === 0) return undefined;
  const count = (severity: LintFinding['severity']) => findings.filter((f) => f.severity === severity).length;
  return `Lint: ${[
    ['error', count('error')],
    ['warning', count('warning')],
    ['info', count('info')],
  ]
    .filter(([, n]) => n)
    .map(([s, n]) => plural(n as number, s as string))
    .join(', ')}`;
}

/** A message cut to fit one tree row, at a word boundary. */
export function shorten(message: string, limit = LABEL_LIMIT): string {
  if (message.length <= limit) return message;
  const cut = message.slice(0, limit - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > limit / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:.]+$/, '')}…`;
}

/** A route's findings, errors first; ids from rule and field (numbered when repeated). */
export function findingNodes(routeNodeId: string, findings: readonly LintFinding[]): NodeData[] {
  const seen = new Map<string, number>();
  return [...findings]
    .sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity])
    .map((finding) => {
      const key = `${finding.rule}@${finding.field}`;
      const count = (seen.get(key) ?? 0) + 1;
      seen.set(key, count);
      const look = SEVERITY_ICONS[finding.severity];
      return {
        id: `${routeNodeId}/finding:${key}${count > 1 ? `#${count}` : ''}`,
        label: shorten(finding.message),
        description: finding.field,
        tooltip: [
          finding.message,
          finding.evidence ? `Evidence: ${finding.evidence}` : undefined,
          `Fix: ${finding.fix}`,
          `[${finding.rule}, ${finding.severity}]`,
        ]
          .filter(Boolean)
          .join('\n'),
        contextValue: CONTEXT_VALUES.finding,
        icon: look.icon,
        iconColor: look.color,
        iconMeaning: finding.severity,
        collapsible: 'none',
      } satisfies NodeData;
    });
}
