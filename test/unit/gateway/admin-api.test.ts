import { strict as assert } from 'node:assert';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { readKongAdmin } from '../../../src/core/gateway/admin-api';
import { consumerContext, lintKongOidc } from '../../../src/core/gateway/lint';
import { createHttpClient } from '../../../src/core/http/client';
import type { HttpExchange } from '../../../src/core/http/types';
import { testPki } from '../../support/loopback-servers';
import type { KongServerOptions } from '../../support/kong-server';
import { ADMIN_TOKEN, startKongServer } from '../../support/kong-server';
import { closeAfterEach } from '../../support/close-after-each';
import { rejection } from '../../support/rejection';

describe('Kong Admin API reader', () => {
  const opened = closeAfterEach();
  const start = async (options: KongServerOptions = {}) => opened(await startKongServer(options));
  const client = (options: Parameters<typeof createHttpClient>[0] = {}) =>
    opened(createHttpClient({ env: {}, ...options }));

  it('reads services, routes, plugins and consumers across several pages with the RBAC token', async () => {
    const server = await start({ pageSize: 2 });
    const seen: HttpExchange[] = [];
    const model = await readKongAdmin(client({ onExchange: (e) => seen.push(e) }), {
      adminUrl: server.url,
      token: ADMIN_TOKEN,
      pageSize: 2,
    });
    assert.equal(model.source.kind, 'admin-api');
    assert.deepEqual(
      model.services.map((s) => s.name),
      ['orders-api', 'billing', 'health'],
    );
    assert.deepEqual(
      model.routes.map((r) => r.name),
      ['orders', 'order-by-id', 'invoices', 'status', 'r5'],
    );
    // 3 services (2 pages) + 5 routes (3 pages) + 4 plugins (2 pages) + 3 consumers (2 pages) + GET / for the version
    assert.equal(server.requests.length, 10);
    assert.equal(server.requests.filter((r) => r.url === '/').length, 1);
    assert.equal(model.gatewayVersion, '3.9.1');
    const consumerPages = server.requests.filter((r) => r.url.startsWith('/consumers'));
    assert.match(consumerPages[0]!.url, /^\/consumers\?size=2$/);
    assert.match(consumerPages[1]!.url, /^\/consumers\?size=2&offset=/);
    // Only what consumer mapping matches on is kept; the Admin API's nulls are left out.
    assert.deepEqual(model.consumers, [
      { id: 'c1', username: 'partner-app', custom_id: '0oa-partner' },
      { id: 'c2', custom_id: '0oa-billing' },
      { id: 'c3', username: 'alice@example.com' },
    ]);
    assert.equal(model.consumersUnavailable, undefined);
    assert.deepEqual(model.warnings, []);
    assert.ok(server.requests.every((r) => r.headers['kong-admin-token'] === ADMIN_TOKEN));
    assert.match(server.requests[1]!.url, /^\/services\?size=2&offset=/);
    assert.ok(
      seen.every((e) => e.secrets.includes(ADMIN_TOKEN)),
      'the token is listed as a secret of every exchange',
    );

    const orders = model.routes.find((r) => r.name === 'orders')!;
    assert.equal(orders.oidc?.scope, 'service');
    assert.equal(orders.oidc?.instanceName, 'orders-oidc');
    assert.match(orders.oidc!.origin, /^plugin orders-oidc \(http:\/\/127\.0\.0\.1:\d+\/plugins\/p1\)$/);
    assert.equal(model.services[0]!.upstreamUrl, 'http://orders.internal:8080/v1');
    assert.deepEqual(model.routes.find((r) => r.name === 'order-by-id')!.regexPaths, ['~/orders/\\d+$']);
    assert.equal(model.routes.find((r) => r.name === 'invoices')!.oidc?.scope, 'route');
    // The disabled global plugin applies nowhere.
    assert.equal(model.routes.find((r) => r.name === 'status')!.oidc, undefined);
    assert.deepEqual(
      model.routes.find((r) => r.name === 'status')!.authPlugins.map((p) => p.name),
      ['key-auth'],
    );
  });

  it('consumer-required is checked against the consumers read from the Admin API', async () => {
    const server = await start();
    const model = await readKongAdmin(client(), { adminUrl: server.url, token: ADMIN_TOKEN });
    const config = { ...model.routes.find((r) => r.name === 'orders')!.oidc!.config, consumer_claim: ['cid'] };
    const token = (cid: string) => ({
      kind: 'jwt' as const,
      claims: { iss: 'https://example.okta.com/oauth2/default', cid, sub: cid, scp: ['orders:read'] },
    });
    const found = lintKongOidc(config, { token: token('0oa-billing'), consumers: consumerContext(model) }).find(
      (f) => f.rule === 'consumer-required',
    )!;
    assert.equal(found.severity, 'info');
    assert.match(found.message, /maps to consumer 0oa-billing\.$/);
    const missing = lintKongOidc(config, { token: token('0oa-unknown'), consumers: consumerContext(model) }).find(
      (f) => f.rule === 'consumer-required',
    )!;
    assert.equal(missing.severity, 'error');
    assert.match(
      missing.evidence!,
      /^3 consumers read from Kong Admin API http:\/\/127\.0\.0\.1:\d+ \(Kong 3\.9\.1\)$/,
    );
  });

  for (const status of [403, 404] as const) {
    it(`a ${status} on /consumers leaves the consumers out, says why, and keeps the rest`, async () => {
      const server = await start({ consumers: status });
      const model = await readKongAdmin(client(), { adminUrl: server.url, token: ADMIN_TOKEN });
      assert.equal(model.routes.length, 5);
      assert.deepEqual(model.consumers, []);
      const said = status === 403 ? '"You do not have permissions to read this resource"' : '"Not found"';
      assert.equal(model.consumersUnavailable, `the Kong Admin API answered ${status} (${said}) for /consumers`);
      assert.equal(model.warnings.length, 1);
      assert.match(
        model.warnings[0]!,
        /^Consumers could not be read \(the Kong Admin API answered \d+ .*\), so checks that need them \(consumer_claim mapping\) cannot tell whether a consumer exists/,
      );
      const config = { ...model.routes.find((r) => r.name === 'orders')!.oidc!.config, consumer_claim: ['cid'] };
      const finding = lintKongOidc(config, { consumers: consumerContext(model) }).find(
        (f) => f.rule === 'consumer-required',
      )!;
      assert.match(
        finding.evidence!,
        /^the consumers could not be read \(the Kong Admin API answered \d+ .*\), so whether one matches is unknown$/,
      );
    });
  }

  it("with a jwt plugin, reads the consumers' jwt credentials (/jwts) without their secrets, for the lint", async () => {
    const jwtPlugin = {
      id: 'pj',
      name: 'jwt',
      enabled: true,
      route: { id: 'r4' },
      service: null,
      consumer: null,
      config: { claims_to_verify: ['exp'], uri_param_names: [], key_claim_name: 'iss' },
    };
    const jwts = [
      {
        id: 'j1',
        consumer: { id: 'c1' },
        key: 'https://example.okta.com/oauth2/default',
        algorithm: 'HS256',
        secret: 'shared-secret-from-the-api',
      },
    ];
    const server = await start({ entities: { plugins: [jwtPlugin], jwts } });
    const model = await readKongAdmin(client(), { adminUrl: server.url, token: ADMIN_TOKEN });
    assert.equal(model.jwtCredentialsRead, true);
    const partner = model.consumers.find((c) => c.id === 'c1')!;
    assert.deepEqual(partner.jwtSecrets, [
      {
        origin: `jwt credential j1 (${server.url})`,
        key: 'https://example.okta.com/oauth2/default',
        algorithm: 'HS256',
      },
    ]);
    assert.ok(!JSON.stringify(model).includes('shared-secret-from-the-api'));
    // Without a jwt plugin, /jwts is never asked.
    const plain = await start();
    await readKongAdmin(client(), { adminUrl: plain.url, token: ADMIN_TOKEN });
    assert.ok(!plain.requests.some((r) => r.url.startsWith('/jwts')));
  });

  it('other failures on /consumers still fail the read', async () => {
    const server = await start({ consumers: 500 });
    const error = await rejection(readKongAdmin(client(), { adminUrl: server.url, token: ADMIN_TOKEN }));
    assert.equal(error.code, 'gateway.admin_status');
    assert.match(error.message, /answered 500 for http:\/\/127\.0\.0\.1:\d+\/consumers\?size=1000/);
  });

  it('follows `next` when a page has no `offset`, and reads a workspace', async () => {
    const server = await start({ pageSize: 2, nextOnly: true, workspaces: ['team-a'] });
    const model = await readKongAdmin(client(), { adminUrl: server.url, token: ADMIN_TOKEN, workspace: 'team-a' });
    assert.equal(model.routes.length, 5);
    assert.equal(model.consumers.length, 3);
    // Entities under the workspace; the version from the Admin API's root.
    assert.ok(
      server.requests.filter((r) => r.url !== '/').every((r) => r.url.startsWith('/team-a/')),
      server.requests.map((r) => r.url).join(' '),
    );
    assert.equal(server.requests.filter((r) => r.url === '/').length, 1);
  });

  it('reads the routes without a version when GET / is refused; the version only refines the lint', async () => {
    const server = await start({ version: null });
    const model = await readKongAdmin(client(), { adminUrl: server.url, token: ADMIN_TOKEN });
    assert.equal(model.routes.length, 5);
    assert.equal(model.gatewayVersion, undefined);
    assert.deepEqual(model.warnings, []);
  });

  it('reads over https with the CA passed through the per-request options', async () => {
    const pki = testPki();
    const server = await start({ tls: pki.leaf });
    const model = await readKongAdmin(client(), {
      adminUrl: server.url,
      token: ADMIN_TOKEN,
      httpOptions: { ca: pki.ca.cert },
    });
    assert.equal(model.services.length, 3);
    const error = await rejection(readKongAdmin(client(), { adminUrl: server.url, token: ADMIN_TOKEN }));
    assert.equal(error.code, 'tls.unknown_ca');
  });

  it('401 for a bad RBAC token: gateway.admin_unauthorized, never echoing the token', async () => {
    const server = await start();
    const error = await rejection(readKongAdmin(client(), { adminUrl: server.url, token: 'wrong-token-value' }));
    assert.equal(error.code, 'gateway.admin_unauthorized');
    assert.equal(error.status, 401);
    assert.match(
      error.message,
      /^The Kong Admin API refused the request to http:\/\/127\.0\.0\.1:\d+\/services\?size=1000 with 401 \("Invalid RBAC credentials\. Token or User credentials required"\)/,
    );
    assert.match(error.hint!, /Kong-Admin-Token/);
    assert.ok(!error.message.includes('wrong-token-value') && !error.hint!.includes('wrong-token-value'));
  });

  it('404 for an unknown workspace: gateway.admin_not_found with a hint about the workspace', async () => {
    const server = await start();
    const error = await rejection(
      readKongAdmin(client(), { adminUrl: server.url, token: ADMIN_TOKEN, workspace: 'nope' }),
    );
    assert.equal(error.code, 'gateway.admin_not_found');
    assert.match(
      error.message,
      /^The Kong Admin API answered 404 Not Found for http:\/\/127\.0\.0\.1:\d+\/nope\/services\?size=1000 \("Not found"\)\.$/,
    );
    assert.match(error.hint!, /workspace/);
  });

  it('a slow Admin API times out with the HTTP layer code and an Admin API hint', async () => {
    const server = await start({ mode: 'slow' });
    const error = await rejection(
      readKongAdmin(client(), { adminUrl: server.url, token: ADMIN_TOKEN, httpOptions: { headersTimeout: 150 } }),
    );
    assert.equal(error.code, 'http.timeout.headers');
    assert.match(error.message, /Kong Admin API \/services/);
    assert.match(error.hint!, /^The Kong Admin API could not be reached/);
  });

  it('a dropped connection keeps the HTTP layer code', async () => {
    const server = await start({ mode: 'drop' });
    const error = await rejection(readKongAdmin(client(), { adminUrl: server.url, token: ADMIN_TOKEN }));
    assert.equal(error.code, 'http.connection_reset');
    assert.match(error.hint!, /Kong Admin API could not be reached.*admin_listen/);
  });

  it('nothing listening: http.connection_refused naming the Admin API', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const error = await rejection(readKongAdmin(client(), { adminUrl: `http://127.0.0.1:${port}` }));
    assert.equal(error.code, 'http.connection_refused');
    assert.match(error.message, /Kong Admin API \/services/);
  });

  it('a malformed answer (an HTML login page) is gateway.admin_malformed', async () => {
    const server = await start({ mode: 'html' });
    const error = await rejection(readKongAdmin(client(), { adminUrl: server.url }));
    assert.equal(error.code, 'gateway.admin_malformed');
    assert.match(error.message, /with something that is not JSON \(content-type text\/html\)/);
  });

  it('an invalid Admin API URL is gateway.admin_url', async () => {
    const error = await rejection(readKongAdmin(client(), { adminUrl: 'localhost:8001' }));
    assert.equal(error.code, 'gateway.admin_url');
    assert.match(error.message, /must be http or https|not an absolute URL/);
  });
});
