import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OidcError } from '../../../src/core/errors';
import type { LintFinding } from '../../../src/core/gateway/lint';
import type { GatewayModel, KongEntities } from '../../../src/core/gateway/model';
import { buildGatewayModel } from '../../../src/core/gateway/model';
import { createHttpClient } from '../../../src/core/http/client';
import { gatewayLoader } from '../../../src/extension/gateway/gateway-loader';
import type { GatewayLoaderDeps } from '../../../src/extension/gateway/gateway-loader';
import type { GatewaySourceConfig } from '../../../src/extension/gateway/gateway-settings';
import { GatewaySourceStore, gatewayRouteKey } from '../../../src/extension/gateway/gateway-source-store';
import type { GatewaySourceState } from '../../../src/extension/gateway/gateway-source-store';
import type { NodeData } from '../../../src/extension/trees/node';
import { clockTime, routeTreeNodes } from '../../../src/extension/trees/route-nodes';
import { ADMIN_TOKEN, startKongServer } from '../../support/kong-server';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'gateway');
const T0 = Date.UTC(2026, 0, 1, 17, 2, 30);

function entities(routes: string[]): KongEntities {
  return {
    services: [{ name: 'orders-api', url: 'http://orders.internal' }],
    routes: routes.map((name) => ({ name, paths: [`/${name}`], service: { name: 'orders-api' } })),
    plugins: [
      {
        name: 'openid-connect',
        service: { name: 'orders-api' },
        config: { issuer: 'https://idp.example/oauth2/default', auth_methods: ['introspection'], client_id: ['gw'] },
      },
    ],
  };
}

function model(routes: string[]): GatewayModel {
  return buildGatewayModel(entities(routes), { kind: 'admin-api', description: 'Kong Admin API http://kong:8001' });
}

/** A loader that answers from a queue: a model, or an error to throw. */
function fakeLoader(answers: Array<GatewayModel | Error>) {
  const calls: GatewaySourceConfig[] = [];
  return {
    calls,
    load: async (config: GatewaySourceConfig) => {
      calls.push(config);
      const answer = answers.shift();
      if (!answer) throw new Error('the fake loader ran out of answers');
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
}

const finding = (rule: string, severity: LintFinding['severity']): LintFinding => ({
  rule,
  severity,
  field: `config.${rule}`,
  message: `${rule} message`,
  fix: `fix ${rule}`,
});
const fakeLinter = async () => (route: { name: string }) => (route.name === 'orders' ? [finding('a', 'warning')] : []);

const KONG: GatewaySourceConfig = { name: 'kong', kind: 'admin-api', adminUrl: 'http://kong:8001' };

function walk(
  nodes: NodeData[],
  depth = 6,
): Array<{ id: string; label: string; description?: string; depth: number; icon?: string }> {
  const out: Array<{ id: string; label: string; description?: string; depth: number; icon?: string }> = [];
  const visit = (list: NodeData[], level: number) => {
    for (const node of list) {
      out.push({ id: node.id, label: node.label, description: node.description, depth: level, icon: node.icon });
      if (level < depth) visit(node.children?.() ?? [], level + 1);
    }
  };
  visit(nodes, 0);
  return out;
}

function tree(states: readonly GatewaySourceState[]) {
  return walk(routeTreeNodes({ flowRoutes: [], gateways: states }));
}

describe('gateway source store', () => {
  let now = T0;
  const clock = () => now;
  beforeEach(() => {
    now = T0;
  });

  it('reads nothing until the view asks, then reads each source once and lints its routes', async () => {
    const fake = fakeLoader([model(['orders', 'health'])]);
    const store = new GatewaySourceStore({ load: fake.load, linter: fakeLinter, now: clock });
    let changes = 0;
    store.onDidChange(() => (changes += 1));
    store.configure([KONG]);
    assert.equal(fake.calls.length, 0, 'configuring must not read');
    assert.equal(store.states()[0]!.refreshing, false);

    const loading = store.ensureLoaded();
    assert.equal(store.states()[0]!.refreshing, true);
    await loading;
    await store.ensureLoaded();
    assert.equal(fake.calls.length, 1, 'a second ask must not read again');
    const state = store.state('gateway:kong')!;
    assert.equal(state.refreshing, false);
    assert.equal(state.loadedAt, T0);
    assert.deepEqual(
      state.model?.routes.map((r) => r.name),
      ['orders', 'health'],
    );
    assert.deepEqual(
      state.findings.get('orders-api/orders')?.map((f) => f.rule),
      ['a'],
    );
    assert.deepEqual(state.findings.get('orders-api/health'), []);
    assert.ok(changes >= 3, `expected change events for configure, start and end; saw ${changes}`);
  });

  it('replaces the model on a successful refresh and clears an earlier error', async () => {
    const fake = fakeLoader([
      model(['orders']),
      new OidcError('http.connection_refused', 'Kong is down.'),
      model(['orders', 'refunds']),
    ]);
    const store = new GatewaySourceStore({ load: fake.load, linter: fakeLinter, now: clock });
    store.configure([KONG]);
    await store.ensureLoaded();
    await store.refresh();
    assert.ok(store.state('gateway:kong')!.error);
    now = T0 + 60_000;
    await store.refresh('gateway:kong');
    const state = store.state('gateway:kong')!;
    assert.equal(state.error, undefined);
    assert.equal(state.loadedAt, T0 + 60_000);
    assert.deepEqual(
      state.model?.routes.map((r) => r.name),
      ['orders', 'refunds'],
    );
  });

  it('keeps the routes and findings read before when a refresh fails, and says so in the tree', async () => {
    const fake = fakeLoader([
      model(['orders']),
      new OidcError('gateway.admin_unauthorized', 'The Kong Admin API refused the request with 401.', {
        hint: 'Check the RBAC token.',
      }),
    ]);
    const store = new GatewaySourceStore({ load: fake.load, linter: fakeLinter, now: clock });
    store.configure([KONG]);
    await store.ensureLoaded();
    const before = tree(store.states());
    now = T0 + 5 * 60_000;
    await store.refresh('gateway:kong');

    const state = store.state('gateway:kong')!;
    assert.equal(state.loadedAt, T0);
    assert.deepEqual(state.error, {
      code: 'gateway.admin_unauthorized',
      message: 'The Kong Admin API refused the request with 401.',
      hint: 'Check the RBAC token.',
      at: T0 + 5 * 60_000,
    });
    assert.deepEqual(
      state.findings.get('orders-api/orders')?.map((f) => f.rule),
      ['a'],
    );

    const after = tree(store.states());
    const [source] = routeTreeNodes({ flowRoutes: [], gateways: store.states() });
    assert.equal(source!.icon, 'warning');
    assert.equal(
      after[1]!.label,
      `Refresh failed: The Kong Admin API refused the request with 401. — showing routes read at ${clockTime(T0, true)}`,
    );
    // Everything shown before is still there, with the same ids.
    for (const row of before.slice(1))
      assert.ok(
        after.some((r) => r.id === row.id && r.label === row.label),
        `lost ${row.label}`,
      );
  });

  it('shows why a source could not be read when nothing was ever read', async () => {
    const fake = fakeLoader([
      new OidcError('gateway.file_unreadable', 'Cannot read the decK file /nope.yaml (ENOENT).', {
        hint: 'Check the path and that the file is readable.',
      }),
    ]);
    const store = new GatewaySourceStore({ load: fake.load, linter: fakeLinter, now: clock });
    store.configure([{ name: 'deck', kind: 'deck', path: '/nope.yaml' }]);
    await store.ensureLoaded();
    const [source] = routeTreeNodes({ flowRoutes: [], gateways: store.states() });
    assert.equal(source!.description, 'decK file · could not read');
    const children = source!.children!();
    assert.equal(children.length, 1);
    assert.equal(children[0]!.label, 'Cannot read the decK file /nope.yaml (ENOENT).'.replace(/^/, 'Could not read: '));
    assert.equal(children[0]!.description, 'Check the path and that the file is readable.');
    assert.equal(children[0]!.icon, 'error');
    // A failed first read is not retried each time the view asks; only a refresh retries.
    await store.ensureLoaded();
    assert.equal(fake.calls.length, 1);
  });

  it('re-reads a source whose settings changed, keeps what it showed meanwhile, and drops removed sources', async () => {
    const fake = fakeLoader([model(['orders']), model(['payments']), new Error('unreadable')]);
    const store = new GatewaySourceStore({ load: fake.load, linter: fakeLinter, now: clock });
    const other: GatewaySourceConfig = { name: 'files', kind: 'deck', path: 'kong.yaml' };
    store.configure([KONG, other]);
    await store.ensureLoaded();
    assert.equal(fake.calls.length, 2);

    store.configure([{ ...KONG, adminUrl: 'http://kong-2:8001' }]);
    assert.deepEqual(
      store.states().map((s) => s.config.name),
      ['kong'],
    );
    assert.deepEqual(
      store.state('gateway:kong')!.model?.routes.map((r) => r.name),
      ['orders'],
      'the previous model stays until the new read',
    );
    store.configure([{ ...KONG, adminUrl: 'http://kong-2:8001' }]);
    await store.ensureLoaded();
    assert.equal(fake.calls.length, 3, 'the same settings twice read once');
    assert.equal(fake.calls[2]!.adminUrl, 'http://kong-2:8001');
    assert.ok(store.state('gateway:kong')!.error);
    assert.deepEqual(
      store.state('gateway:kong')!.model?.routes.map((r) => r.name),
      ['orders'],
    );
  });

  it('drops the answer of a read started before the settings changed', async () => {
    let release!: (m: GatewayModel) => void;
    const calls: string[] = [];
    const store = new GatewaySourceStore({
      load: (config) => {
        calls.push(config.adminUrl ?? '');
        return calls.length === 1 ? new Promise((resolve) => (release = resolve)) : Promise.resolve(model(['new']));
      },
      linter: fakeLinter,
      now: clock,
    });
    store.configure([KONG]);
    const first = store.ensureLoaded();
    store.configure([{ ...KONG, adminUrl: 'http://other:8001' }]);
    await store.ensureLoaded();
    release(model(['old']));
    await first;
    assert.deepEqual(
      store.state('gateway:kong')!.model?.routes.map((r) => r.name),
      ['new'],
    );
  });

  it('reads the real decK fixtures through loadGatewayModel and lints them offline', async () => {
    const load = gatewayLoader({
      token: async () => undefined,
      trusted: () => true,
      workspaceRoot: () => FIXTURES,
      env: {},
      createHttp: () => Promise.reject(new Error('a file source must not build an HTTP client')),
      readFile: (path) => readFile(path, 'utf8'),
    });
    const store = new GatewaySourceStore({ load, now: clock });
    store.configure([
      { name: 'billing', kind: 'deck', path: 'bearer-scopes.yaml', proxyUrl: 'http://localhost:8000' },
      { name: 'orders', kind: 'deck', path: join(FIXTURES, 'introspection.yaml') },
    ]);
    await store.ensureLoaded();
    const billing = store.state('gateway:billing')!;
    assert.equal(billing.error, undefined, billing.error?.message);
    assert.deepEqual(
      billing.model?.routes.map((r) => r.name),
      ['invoices', 'invoice-by-id', 'reports-monthly', 'status'],
    );
    const statusFindings = billing.findings.get(
      gatewayRouteKey(billing.model!.routes.find((r) => r.name === 'invoices')!),
    )!;
    assert.ok(
      statusFindings.some((f) => f.rule === 'plugin-shadowed'),
      `invoices findings: ${statusFindings.map((f) => f.rule).join(', ')}`,
    );
    const orders = store.state('gateway:orders')!;
    assert.equal(orders.error, undefined, orders.error?.message);
    assert.deepEqual(
      orders.model?.routes.map((r) => r.name),
      ['orders'],
    );

    const rows = tree(store.states());
    const invoices = rows.find((r) => r.label === 'invoices')!;
    assert.match(
      invoices.description!,
      /^ANY http:\/\/localhost:8000\/invoices · openid-connect \(bearer\) · route · \d+ findings?$/,
    );
    assert.ok(rows.some((r) => r.depth === 3 && r.id.startsWith(`${invoices.id}/finding:plugin-shadowed@plugins`)));
    assert.match(rows.find((r) => r.label === 'invoice-by-id')!.description!, /regex path/);
    assert.match(rows.find((r) => r.label === 'billing')!.description!, /^decK file · 4 routes · read \d\d:\d\d$/);
  });

  it("keeps an Admin API source's routes when the Admin API goes away or refuses the token", async () => {
    const server = await startKongServer({ pageSize: 100 });
    let token = ADMIN_TOKEN;
    const deps: GatewayLoaderDeps = {
      // Stored before tokens were bound to an origin: loopback binds it on first use without asking.
      token: async () => ({ token }),
      trusted: () => true,
      workspaceRoot: () => undefined,
      env: {},
      createHttp: async () => createHttpClient({ env: {} }),
      readFile: (path) => readFile(path, 'utf8'),
    };
    const store = new GatewaySourceStore({ load: gatewayLoader(deps), now: clock });
    try {
      store.configure([{ name: 'kong', kind: 'admin-api', adminUrl: server.url, proxyUrl: 'http://localhost:8000' }]);
      await store.ensureLoaded();
      assert.equal(store.state('gateway:kong')!.error, undefined, store.state('gateway:kong')!.error?.message);
      const routesBefore = tree(store.states())
        .filter((r) => r.depth === 2)
        .map((r) => r.id);
      assert.equal(routesBefore.length, 5);

      token = 'wrong-token';
      await store.refresh('gateway:kong');
      let state = store.state('gateway:kong')!;
      assert.equal(state.error?.code, 'gateway.admin_unauthorized');
      assert.doesNotMatch(JSON.stringify(state.error), /wrong-token|rbac-token-123/, 'the error names the token');
      let rows = tree(store.states());
      assert.match(
        rows[1]!.label,
        /^Refresh failed: The Kong Admin API refused .* — showing routes read at \d\d:\d\d:\d\d$/,
      );
      assert.deepEqual(
        rows.filter((r) => r.depth === 2).map((r) => r.id),
        routesBefore,
      );

      token = ADMIN_TOKEN;
      await server.close();
      await store.refresh('gateway:kong');
      state = store.state('gateway:kong')!;
      assert.equal(state.error?.code, 'http.connection_refused');
      rows = tree(store.states());
      assert.match(rows[1]!.label, /^Refresh failed: /);
      assert.deepEqual(
        rows.filter((r) => r.depth === 2).map((r) => r.id),
        routesBefore,
      );
      assert.ok(
        rows.some(
          (r) =>
            r.label === 'orders' &&
            r.description?.startsWith('GET http://localhost:8000/orders · openid-connect (introspection) · service'),
        ),
      );
    } finally {
      store.dispose();
      await server.close().catch(() => undefined);
    }
  });
});
