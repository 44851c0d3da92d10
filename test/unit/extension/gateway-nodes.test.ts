import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { LintFinding } from '../../../src/core/gateway/lint';
import type { GatewayModel } from '../../../src/core/gateway/model';
import { buildGatewayModel } from '../../../src/core/gateway/model';
import { lintFlowRoutes } from '../../../src/extension/gateway/flow-route-lint';
import type { GatewaySourceState } from '../../../src/extension/gateway/gateway-source-store';
import { gatewayRouteKey } from '../../../src/extension/gateway/gateway-source-store';
import type { NodeData } from '../../../src/extension/trees/node';
import { CONTEXT_VALUES, refOf } from '../../../src/extension/trees/node';
import { findingNodes, routeTreeNodes, shorten } from '../../../src/extension/trees/route-nodes';
import type { FlowSource } from '../../../src/extension/workspace/source-model';
import { routeEntries } from '../../../src/extension/workspace/source-model';

const ISSUER = 'https://dev-1.okta.com/oauth2/default';
const orders = (baseUrl: string, extra: Record<string, unknown> = {}) => ({
  service: 'orders-service',
  baseUrl,
  path: '/orders',
  method: 'GET' as const,
  gateway: { kind: 'kong' as const, config: { issuer: ISSUER, auth_methods: ['introspection'], ...extra } },
});
const fileSource: FlowSource = {
  id: 'file:///w/a.oidc-flow.yaml',
  kind: 'file',
  label: 'a.oidc-flow.yaml',
  errorCount: 0,
  file: { version: 1, routes: { orders: orders('https://gw.example', { ssl_verify: false }) } },
};
const sandboxSource: FlowSource = {
  id: 'sandbox',
  kind: 'sandbox',
  label: 'Sandbox',
  errorCount: 0,
  file: { version: 1, routes: { orders: orders('http://127.0.0.1:9000') } },
};
const emptyFile: FlowSource = {
  id: 'file:///w/b.oidc-flow.yaml',
  kind: 'file',
  label: 'b.oidc-flow.yaml',
  errorCount: 0,
  file: { version: 1, flows: {} },
};

function gatewayModel(): GatewayModel {
  return buildGatewayModel(
    {
      services: [
        { name: 'orders-service', url: 'http://orders.internal' },
        { name: 'idle', url: 'http://idle.internal' },
      ],
      routes: [
        { id: 'r1', name: 'orders', paths: ['/orders'], methods: ['GET', 'POST'], service: { name: 'orders-service' } },
        {
          id: 'r2',
          name: 'order-by-id',
          paths: ['~/orders/\\d+$'],
          methods: ['GET'],
          service: { name: 'orders-service' },
        },
        { id: 'r3', name: 'loose', paths: ['/loose'] },
      ],
      plugins: [
        {
          name: 'openid-connect',
          service: { name: 'orders-service' },
          config: { issuer: ISSUER, auth_methods: ['introspection'] },
        },
        { name: 'key-auth', route: { id: 'r3' }, config: {} },
      ],
    },
    { kind: 'admin-api', description: 'Kong Admin API http://kong:8001' },
  );
}

const findings: LintFinding[] = [
  { rule: 'cache', severity: 'info', field: 'config.cache_ttl', message: 'An info.', fix: 'Nothing.' },
  {
    rule: 'client',
    severity: 'error',
    field: 'config.client_id',
    message: 'An error.',
    evidence: 'no client_id',
    fix: 'Set it.',
  },
  {
    rule: 'jwt',
    severity: 'warning',
    field: 'config.introspect_jwt_tokens',
    message: 'A warning.',
    fix: 'Turn it on.',
  },
];

function gatewayState(overrides: Partial<GatewaySourceState> = {}): GatewaySourceState {
  const model = gatewayModel();
  return {
    id: 'gateway:prod',
    config: { name: 'prod', kind: 'admin-api', adminUrl: 'http://kong:8001', proxyUrl: 'https://api.example.com/' },
    model,
    findings: new Map([[gatewayRouteKey(model.routes[0]!), findings]]),
    loadedAt: Date.UTC(2026, 0, 1, 12, 0, 0),
    refreshing: false,
    ...overrides,
  };
}

function byLabel(nodes: NodeData[], label: string): NodeData {
  const node = nodes.find((n) => n.label === label);
  assert.ok(node, `no ${label} among ${nodes.map((n) => n.label).join(', ')}`);
  return node;
}

function allIds(nodes: NodeData[]): string[] {
  return nodes.flatMap((node) => [node.id, ...allIds(node.children?.() ?? [])]);
}

async function roots(gateways: GatewaySourceState[] = [gatewayState()]) {
  const sources = [fileSource, emptyFile, sandboxSource];
  return routeTreeNodes({ flowRoutes: routeEntries(sources), flowFindings: await lintFlowRoutes(sources), gateways });
}

describe('gateway routes tree', () => {
  it('groups by source first (sandbox, flow files with routes, configured gateways), then by service', async () => {
    const nodes = await roots();
    assert.deepEqual(
      nodes.map((n) => n.label),
      ['Sandbox', 'a.oidc-flow.yaml', 'prod'],
    );
    assert.deepEqual(
      nodes.map((n) => n.icon),
      ['beaker', 'file', 'server-environment'],
    );
    assert.equal(nodes[1]!.resourceUri, fileSource.id);
    const prod = nodes[2]!;
    assert.equal(prod.contextValue, CONTEXT_VALUES.gatewaySourceToken);
    assert.deepEqual(refOf(prod), { kind: 'gatewaySource', sourceId: 'gateway:prod', name: 'prod' });
    assert.match(prod.description!, /^Kong Admin API · 3 routes · read \d\d:\d\d$/);
    assert.deepEqual(
      prod.children!().map((n) => `${n.label} (${n.description})`),
      ['orders-service (2 routes · 3 findings)', 'idle (no routes)', '(no service) (1 route)'],
    );
  });

  it('keeps two routes named orders in two sources apart', async () => {
    const nodes = await roots();
    const sandboxOrders = byLabel(byLabel(nodes, 'Sandbox').children!(), 'orders-service').children!();
    const fileOrders = byLabel(byLabel(nodes, 'a.oidc-flow.yaml').children!(), 'orders-service').children!();
    assert.equal(sandboxOrders.length, 1);
    assert.equal(fileOrders.length, 1);
    assert.match(
      sandboxOrders[0]!.description!,
      /^GET http:\/\/127\.0\.0\.1:9000\/orders · openid-connect \(introspection\)/,
    );
    assert.match(fileOrders[0]!.description!, /^GET https:\/\/gw\.example\/orders · openid-connect \(introspection\)/);
    assert.notEqual(sandboxOrders[0]!.id, fileOrders[0]!.id);
    assert.deepEqual(refOf(fileOrders[0]), { kind: 'route', sourceId: fileSource.id, name: 'orders' });
    assert.equal(fileOrders[0]!.contextValue, CONTEXT_VALUES.route, 'flow-file routes keep the Send Request action');
  });

  it('gives every node an id that is unique and the same after a refresh', async () => {
    const first = allIds(await roots());
    assert.equal(new Set(first).size, first.length, 'duplicate ids');
    assert.deepEqual(
      allIds(await roots([gatewayState({ loadedAt: Date.UTC(2026, 0, 2), model: gatewayModel() })])),
      first,
    );
  });

  it('lints flow-file routes as partial configs and shows the findings under the route', async () => {
    const nodes = await roots();
    const route = byLabel(
      byLabel(byLabel(nodes, 'a.oidc-flow.yaml').children!(), 'orders-service').children!(),
      'orders',
    );
    assert.equal(route.collapsible, 'collapsed');
    const children = route.children!();
    assert.deepEqual(
      children.map((c) => c.description),
      ['config.ssl_verify'],
    );
    assert.match(route.description!, / · 1 finding$/);
    assert.ok(
      children.every((c) => c.contextValue === CONTEXT_VALUES.finding && c.id.startsWith(`${route.id}/finding:`)),
    );
    // Fields a flow file leaves out are unknown, not Kong's defaults: the sandbox's route has nothing to report.
    const sandboxRoute = byLabel(
      byLabel(byLabel(nodes, 'Sandbox').children!(), 'orders-service').children!(),
      'orders',
    );
    assert.equal(sandboxRoute.collapsible, 'none');
  });

  it("shows a gateway route's findings as children, errors first, coloured by severity", () => {
    const [prod] = routeTreeNodes({ flowRoutes: [], gateways: [gatewayState()] });
    const route = byLabel(byLabel(prod!.children!(), 'orders-service').children!(), 'orders');
    assert.equal(route.collapsible, 'collapsed');
    assert.match(route.description!, / · 3 findings$/);
    const children = route.children!();
    assert.deepEqual(
      children.map((c) => [c.icon, c.iconColor]),
      [
        ['error', 'problemsErrorIcon.foreground'],
        ['warning', 'problemsWarningIcon.foreground'],
        ['info', 'problemsInfoIcon.foreground'],
      ],
    );
    assert.equal(children[0]!.label, 'An error.');
    assert.equal(children[0]!.description, 'config.client_id');
    assert.equal(children[0]!.tooltip, 'An error.\nEvidence: no client_id\nFix: Set it.\n[client, error]');
    assert.equal(children[0]!.id, `${route.id}/finding:client@config.client_id`);
    const plain = byLabel(byLabel(prod!.children!(), '(no service)').children!(), 'loose');
    assert.equal(plain.collapsible, 'none');
    assert.equal(plain.description, 'ANY https://api.example.com/loose · key-auth · route');
  });

  it('builds URLs through the proxy, flags regex paths and names the plugin and its scope', () => {
    const [prod] = routeTreeNodes({ flowRoutes: [], gateways: [gatewayState()] });
    const routes = byLabel(prod!.children!(), 'orders-service').children!();
    assert.match(
      byLabel(routes, 'orders').description!,
      /^GET,POST https:\/\/api\.example\.com\/orders · openid-connect \(introspection\) · service · /,
    );
    const regex = byLabel(routes, 'order-by-id');
    assert.equal(regex.description, 'GET ~/orders/\\d+$ · regex path · openid-connect (introspection) · service');
    assert.equal(regex.icon, 'regex');
    assert.match(regex.tooltip!, /regular expression, so there is no single URL/);
    const [noProxy] = routeTreeNodes({
      flowRoutes: [],
      gateways: [gatewayState({ config: { name: 'prod', kind: 'admin-api', adminUrl: 'http://kong:8001' } })],
    });
    assert.match(
      byLabel(byLabel(noProxy!.children!(), 'orders-service').children!(), 'orders').description!,
      /^GET,POST \/orders · /,
    );
  });

  it('makes a route callable (Call Route) only with a proxy URL and a plain path', () => {
    const [prod] = routeTreeNodes({ flowRoutes: [], gateways: [gatewayState()] });
    const routes = byLabel(prod!.children!(), 'orders-service').children!();
    const orders = byLabel(routes, 'orders');
    assert.equal(orders.contextValue, CONTEXT_VALUES.gatewayRouteCallable);
    assert.deepEqual(refOf(orders), { kind: 'gatewayRoute', sourceId: 'gateway:prod', routeKey: 'r1' });
    assert.equal(
      byLabel(routes, 'order-by-id').contextValue,
      CONTEXT_VALUES.gatewayRoute,
      'a regex path has no URL to call',
    );
    const [noProxy] = routeTreeNodes({
      flowRoutes: [],
      gateways: [gatewayState({ config: { name: 'prod', kind: 'admin-api', adminUrl: 'http://kong:8001' } })],
    });
    const plain = byLabel(byLabel(noProxy!.children!(), 'orders-service').children!(), 'orders');
    assert.equal(plain.contextValue, CONTEXT_VALUES.gatewayRoute, 'without a proxy URL there is nothing to call');
    assert.equal(plain.ref, undefined);
  });

  it('shows a source being read, and one not read yet, without children that pretend', () => {
    const [reading] = routeTreeNodes({
      flowRoutes: [],
      gateways: [
        {
          id: 'gateway:k',
          config: { name: 'k', kind: 'konnect', controlPlane: 'cp' },
          findings: new Map(),
          refreshing: true,
        },
      ],
    });
    assert.equal(reading!.description, 'Konnect · reading…');
    assert.equal(reading!.icon, 'sync~spin');
    assert.deepEqual(
      reading!.children!().map((c) => c.label),
      ['Reading the gateway configuration…'],
    );
    const [idle] = routeTreeNodes({
      flowRoutes: [],
      gateways: [
        {
          id: 'gateway:f',
          config: { name: 'f', kind: 'deck', path: 'kong.yaml' },
          findings: new Map(),
          refreshing: false,
        },
      ],
    });
    assert.equal(idle!.description, 'decK file · not read yet');
    assert.equal(idle!.contextValue, CONTEXT_VALUES.gatewaySource);
    assert.deepEqual(idle!.children!(), []);
  });

  it('numbers repeated findings so their ids stay unique', () => {
    const twice: LintFinding = {
      rule: 'plugin-shadowed',
      severity: 'info',
      field: 'plugins',
      message: 'Shadowed.',
      fix: 'Remove it.',
    };
    const ids = findingNodes('r', [twice, twice]).map((n) => n.id);
    assert.deepEqual(ids, ['r/finding:plugin-shadowed@plugins', 'r/finding:plugin-shadowed@plugins#2']);
  });

  it('shortens long messages to one row at a word boundary', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (message) => {
        const short = shorten(message);
        assert.ok(short.length <= 90, `${short.length} characters`);
        if (message.length <= 90) assert.equal(short, message);
        else assert.ok(short.endsWith('…'));
      }),
    );
  });
});
