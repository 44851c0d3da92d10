import { strict as assert } from 'node:assert';
import { konnectBaseUrl, readKonnect } from '../../../src/core/gateway/konnect';
import { consumerContext, lintKongOidc } from '../../../src/core/gateway/lint';
import type { OidcError } from '../../../src/core/errors';
import { createHttpClient } from '../../../src/core/http/client';
import type { HttpExchange } from '../../../src/core/http/types';
import type { KongServerOptions } from '../../support/kong-server';
import { CONTROL_PLANE_ID, KONNECT_PAT, startKongServer } from '../../support/kong-server';
import { closeAfterEach } from '../../support/close-after-each';
import { rejection } from '../../support/rejection';

describe('Konnect reader', () => {
  const opened = closeAfterEach();
  const start = async (options: KongServerOptions = {}) => opened(await startKongServer(options));
  const client = (options: Parameters<typeof createHttpClient>[0] = {}) =>
    opened(createHttpClient({ env: {}, ...options }));

  it('maps regions to their API URLs and refuses unknown ones', () => {
    assert.equal(konnectBaseUrl('us'), 'https://us.api.konghq.com');
    assert.equal(konnectBaseUrl('EU'), 'https://eu.api.konghq.com');
    assert.equal(konnectBaseUrl('au'), 'https://au.api.konghq.com');
    // The servers of the control-planes v2 and control-planes-config v2 specs.
    for (const region of ['me', 'in', 'sg']) assert.equal(konnectBaseUrl(region), `https://${region}.api.konghq.com`);
    assert.throws(
      () => konnectBaseUrl('mars'),
      (error: OidcError) =>
        error.code === 'gateway.konnect_region' &&
        /"mars" is not a Konnect region/.test(error.message) &&
        /us, eu, au, me, in, sg/.test(error.hint!),
    );
    // global answers identity (users, teams), never control planes.
    assert.throws(
      () => konnectBaseUrl('global'),
      (error: OidcError) =>
        error.code === 'gateway.konnect_region' &&
        /^"global" serves Konnect's identity API \(users, teams, system accounts\), not control planes\.$/.test(
          error.message,
        ) &&
        /one of us, eu, au, me, in, sg/.test(error.hint!),
    );
  });

  it('finds the control plane by name, then reads every page of its core entities with the PAT as Bearer', async () => {
    const server = await start({ pageSize: 2 });
    const seen: HttpExchange[] = [];
    const model = await readKonnect(client({ onExchange: (e) => seen.push(e) }), {
      region: 'us',
      controlPlane: 'quickstart',
      token: KONNECT_PAT,
      baseUrl: server.url,
      pageSize: 2,
    });
    assert.equal(model.source.kind, 'konnect');
    assert.match(
      model.source.description,
      /^Konnect control plane quickstart \(7f9fd312-a987-4628-b4c5-bb4f4fddd5f7\)/,
    );
    assert.match(server.requests[0]!.url, /^\/v2\/control-planes\?filter%5Bname%5D%5Beq%5D=quickstart$/);
    const nodes = `/v2/control-planes/${CONTROL_PLANE_ID}/nodes?page%5Bsize%5D=100`;
    const status = `/v2/control-planes/${CONTROL_PLANE_ID}/group-member-status`;
    assert.ok(
      server.requests
        .slice(1)
        .filter((r) => r.url !== nodes && r.url !== status)
        .every((r) => r.url.startsWith(`/v2/control-planes/${CONTROL_PLANE_ID}/core-entities/`)),
    );
    assert.equal(server.requests.length, 1 + 1 + 2 + 3 + 2 + 2 + 1);
    // And the data plane nodes once, for the oldest Kong version the config runs on.
    assert.equal(server.requests.filter((r) => r.url === nodes).length, 1);
    assert.equal(model.gatewayVersion, '3.12.0.1');
    assert.match(model.source.description, /\(oldest data plane: Kong 3\.12\.0\.1\)$/);
    assert.ok(
      server.requests.some((r) =>
        new RegExp(`^/v2/control-planes/${CONTROL_PLANE_ID}/core-entities/consumers\\?size=2&offset=`).test(r.url),
      ),
      'the second page of consumers was not read',
    );
    assert.deepEqual(
      model.consumers.map((c) => c.id),
      ['c1', 'c2', 'c3'],
    );
    assert.deepEqual(model.warnings, []);
    assert.ok(server.requests.every((r) => r.headers.authorization === `Bearer ${KONNECT_PAT}`));
    assert.ok(seen.every((e) => e.secrets.includes(KONNECT_PAT)));
    assert.equal(model.routes.length, 5);
    assert.equal(model.routes.find((r) => r.name === 'invoices')!.oidc?.scope, 'route');
    assert.match(model.routes.find((r) => r.name === 'orders')!.oidc!.origin, /Konnect control plane quickstart/);
  });

  it('reads the routes without a version when the nodes cannot be read or report none', async () => {
    for (const nodeVersions of [null, []]) {
      const server = await start({ nodeVersions });
      const model = await readKonnect(client(), {
        region: 'us',
        controlPlane: 'quickstart',
        token: KONNECT_PAT,
        baseUrl: server.url,
      });
      assert.equal(model.routes.length, 5);
      assert.equal(model.gatewayVersion, undefined, JSON.stringify(nodeVersions));
      assert.deepEqual(model.warnings, []);
    }
  });

  it('a 403 on consumers (a token whose role may not read them) leaves them out and says why', async () => {
    const server = await start({ consumers: 403 });
    const model = await readKonnect(client(), {
      region: 'us',
      controlPlane: 'quickstart',
      token: KONNECT_PAT,
      baseUrl: server.url,
    });
    assert.equal(model.routes.length, 5);
    assert.deepEqual(model.consumers, []);
    assert.equal(
      model.consumersUnavailable,
      'the Konnect API answered 403 ("You do not have permission to perform this action") for /consumers',
    );
    assert.match(model.warnings[0]!, /^Consumers could not be read \(the Konnect API answered 403/);
    const config = { ...model.routes.find((r) => r.name === 'invoices')!.oidc!.config, consumer_claim: ['sub'] };
    const finding = lintKongOidc(config, { consumers: consumerContext(model) }).find(
      (f) => f.rule === 'consumer-required',
    )!;
    assert.match(finding.evidence!, /^the consumers could not be read \(the Konnect API answered 403/);
  });

  it('a 404 on consumers is not a failure either', async () => {
    const server = await start({ consumers: 404 });
    const model = await readKonnect(client(), {
      region: 'us',
      controlPlane: CONTROL_PLANE_ID,
      token: KONNECT_PAT,
      baseUrl: server.url,
    });
    assert.equal(model.services.length, 3);
    assert.match(model.consumersUnavailable!, /^the Konnect API answered 404 \("Not Found"\) for \/consumers$/);
  });

  it('takes a control plane id as is', async () => {
    const server = await start();
    const model = await readKonnect(client(), {
      region: 'eu',
      controlPlane: CONTROL_PLANE_ID,
      token: KONNECT_PAT,
      baseUrl: server.url,
    });
    assert.equal(model.services.length, 3);
    assert.ok(!server.requests.some((r) => r.url.startsWith('/v2/control-planes?')));
  });

  it('401 for a bad PAT: gateway.konnect_unauthorized with the server detail, never the token', async () => {
    const server = await start();
    const error = await rejection(
      readKonnect(client(), {
        region: 'us',
        controlPlane: 'quickstart',
        token: 'kpat_wrong_token_value',
        baseUrl: server.url,
      }),
    );
    assert.equal(error.code, 'gateway.konnect_unauthorized');
    assert.match(
      error.message,
      /^The Konnect API refused the request to .* with 401 \("Invalid credentials"\): the token is missing, wrong or lacks permission\.$/,
    );
    assert.match(error.hint!, /personal access token/);
    assert.ok(!error.toUserMessage().includes('kpat_wrong_token_value'));
  });

  it('an unknown control plane name says so, with a hint about names and regions', async () => {
    const server = await start();
    const error = await rejection(
      readKonnect(client(), { region: 'us', controlPlane: 'prod', token: KONNECT_PAT, baseUrl: server.url }),
    );
    assert.equal(error.code, 'gateway.konnect_control_plane_not_found');
    assert.match(error.message, /^No control plane named "prod"/);
    assert.match(error.hint!, /case-sensitive.*region/);
  });

  it('404 for an unknown control plane id: gateway.konnect_not_found', async () => {
    const server = await start();
    const error = await rejection(
      readKonnect(client(), {
        region: 'us',
        controlPlane: '00000000-0000-4000-8000-000000000000',
        token: KONNECT_PAT,
        baseUrl: server.url,
      }),
    );
    assert.equal(error.code, 'gateway.konnect_not_found');
    assert.match(
      error.message,
      /^The Konnect API answered 404 Not Found for .*\/v2\/control-planes\/00000000-0000-4000-8000-000000000000 \("Not Found"\)\.$/,
    );
    assert.match(error.hint!, /region/);
  });

  it('a slow Konnect API times out with the HTTP code and a Konnect hint', async () => {
    const server = await start({ mode: 'slow' });
    const error = await rejection(
      readKonnect(client(), {
        region: 'us',
        controlPlane: CONTROL_PLANE_ID,
        token: KONNECT_PAT,
        baseUrl: server.url,
        httpOptions: { headersTimeout: 150 },
      }),
    );
    assert.equal(error.code, 'http.timeout.headers');
    assert.match(error.message, /Konnect API \/v2\/control-planes\/\{id\}/);
    assert.match(error.hint!, /^The Konnect API could not be reached/);
  });

  it('a dropped connection keeps the HTTP layer code', async () => {
    const server = await start({ mode: 'drop' });
    const error = await rejection(
      readKonnect(client(), { region: 'us', controlPlane: 'quickstart', token: KONNECT_PAT, baseUrl: server.url }),
    );
    assert.equal(error.code, 'http.connection_reset');
    assert.match(error.hint!, /Konnect API could not be reached/);
  });

  it('refuses to start without a token', async () => {
    const error = await rejection(readKonnect(client(), { region: 'us', controlPlane: 'quickstart', token: '' }));
    assert.equal(error.code, 'gateway.konnect_unauthorized');
    assert.match(error.message, /No Konnect access token was given/);
  });

  it('a control plane group is read through its members: their global plugins apply to the whole group', async () => {
    const group = {
      id: '11111111-1111-4111-8111-111111111111',
      name: 'all-teams',
      members: [
        {
          id: '22222222-2222-4222-8222-222222222222',
          name: 'team-a',
          entities: {
            services: [{ id: 'sa', name: 'orders', protocol: 'http', host: 'orders.internal', port: 80, path: null }],
            routes: [
              {
                id: 'ra',
                name: 'orders',
                paths: null,
                expression: 'http.path ^= "/orders" && http.method == "GET"',
                service: { id: 'sa' },
              },
            ],
            plugins: [],
          },
        },
        {
          id: '33333333-3333-4333-8333-333333333333',
          name: 'team-b',
          entities: {
            services: [{ id: 'sb', name: 'billing', protocol: 'http', host: 'billing.internal', port: 80, path: null }],
            routes: [{ id: 'rb', name: 'invoices', paths: ['/invoices'], service: { id: 'sb' } }],
            plugins: [
              {
                id: 'pg',
                name: 'openid-connect',
                route: null,
                service: null,
                consumer: null,
                enabled: true,
                config: { issuer: 'https://example.okta.com/oauth2/default', ssl_verify: false },
              },
            ],
          },
        },
      ],
    };
    const server = await start({ group });
    const model = await readKonnect(client(), {
      region: 'us',
      controlPlane: 'all-teams',
      token: KONNECT_PAT,
      baseUrl: server.url,
    });
    assert.match(
      model.source.description,
      /^Konnect control plane group all-teams \(1111.*\), the merged configuration of its members team-a, team-b, in /,
    );
    // The group-memberships list was paged (page[after]) one member at a time.
    assert.ok(server.requests.some((r) => /group-memberships\?page%5Bsize%5D=100&page%5Bafter%5D=/.test(r.url)));
    const orders = model.routes.find((r) => r.name === 'orders')!;
    assert.equal(orders.oidc?.scope, 'global');
    assert.match(orders.oidc!.origin, /\(Konnect control plane team-b, member of group all-teams\)$/);
    assert.equal(orders.expression, 'http.path ^= "/orders" && http.method == "GET"');
    assert.deepEqual(orders.paths, []);

    // Naming a member says that it is one, and what that means.
    const member = await readKonnect(client(), {
      region: 'us',
      controlPlane: 'team-a',
      token: KONNECT_PAT,
      baseUrl: server.url,
    });
    assert.match(member.source.description, /^Konnect control plane team-a \(2222/);
    assert.match(
      member.warnings[0]!,
      /^Control plane team-a \(2222.*\) is a member of a control plane group: its data planes run the group's merged configuration, where the other members' global plugins apply to these routes too\. Name the group/,
    );
  });

  it('reads every page of nodes (page[after]); stale node records do not decide the Kong version', async () => {
    const now = Date.parse('2026-12-01T12:00:00Z') / 1000;
    const server = await start({
      nodePageSize: 1,
      nodes: [
        { version: '3.14.0.0', last_ping: now - 20 },
        { version: '3.4.2.0', last_ping: now - 30 * 86400 },
        { version: '3.12.0.1', last_ping: now - 40 },
      ],
    });
    const clock = { now: () => now * 1000 };
    const model = await readKonnect(client(), {
      region: 'us',
      controlPlane: CONTROL_PLANE_ID,
      token: KONNECT_PAT,
      baseUrl: server.url,
      clock,
    });
    assert.equal(model.gatewayVersion, '3.12.0.1');
    assert.equal(server.requests.filter((r) => r.url.includes('/nodes?')).length, 3);
  });
});
