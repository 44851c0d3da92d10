import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readApacheConf } from '../../../src/core/gateway/apache-conf';
import { readDeckFile } from '../../../src/core/gateway/deck-file';
import { issuerForRoute, lintGateway, lintGatewayRoute } from '../../../src/core/gateway/route-lint';
import { createHttpClient } from '../../../src/core/http/client';
import { httpServer } from '../../support/loopback-servers';
import { startIdp } from '../../support/idp-server';

const FIXTURES = join(__dirname, '..', '..', 'fixtures');

describe('gateway route lint', () => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
  });

  it('plaintext-client-secret fires for a decK file but not for a vault reference', () => {
    const deck = readDeckFile(readFileSync(join(FIXTURES, 'gateway', 'bearer-scopes.yaml'), 'utf8'));
    const monthly = deck.routes.find((r) => r.name === 'reports-monthly')!;
    const finding = lintGatewayRoute(monthly, deck).find((f) => f.rule === 'plaintext-client-secret')!;
    assert.equal(finding.field, 'config.client_secret[0]');
    assert.equal(finding.message, 'A client secret is written in plain text in the configuration file.');
    const vault = readDeckFile(readFileSync(join(FIXTURES, 'gateway', 'vault-refs.json'), 'utf8'));
    assert.equal(
      lintGatewayRoute(vault.routes[0]!, vault).find((f) => f.rule === 'plaintext-client-secret'),
      undefined,
    );
  });

  it("judges a left-out ssl_verify by the gateway's version when the source knows it", () => {
    const deck = readDeckFile(readFileSync(join(FIXTURES, 'gateway', 'bearer-scopes.yaml'), 'utf8'));
    const route = deck.routes.find((r) => r.oidc && r.oidc.config.ssl_verify === undefined);
    assert.ok(route, 'the fixture has no route that leaves ssl_verify out');
    const severity = (gatewayVersion?: string) =>
      lintGatewayRoute(route, { ...deck, ...(gatewayVersion ? { gatewayVersion } : {}) }).find(
        (f) => f.rule === 'ssl-verify-off',
      )?.severity;
    assert.equal(severity(), 'info');
    assert.equal(severity('3.4.2'), 'warning');
    assert.equal(severity('3.14.0.0'), undefined);
  });

  it('plugin-shadowed tells which less specific plugin never runs on the route', () => {
    const deck = readDeckFile(
      readFileSync(join(FIXTURES, 'gateway', 'bearer-scopes.yaml'), 'utf8'),
      'bearer-scopes.yaml',
    );
    const invoices = deck.routes.find((r) => r.name === 'invoices')!;
    const shadowed = lintGatewayRoute(invoices, deck).filter((f) => f.rule === 'plugin-shadowed');
    assert.equal(shadowed.length, 2);
    assert.match(
      shadowed[0]!.message,
      /^The service-level openid-connect plugin \(bearer-scopes\.yaml line 10 \(services\[0\]\.plugins\[0\]\)\) does not apply to this route: Kong runs only the most specific one, the route-level plugin/,
    );
  });

  it('route-unprotected for a route with no auth plugin at all; nothing for a key-auth route', () => {
    const deck = readDeckFile(
      '_format_version: "3.0"\nservices:\n  - name: s\n    url: http://u\n    routes:\n      - name: open\n        paths: [/open]\n',
    );
    const [finding] = lintGatewayRoute(deck.routes[0]!, deck);
    assert.equal(finding?.rule, 'route-unprotected');
    assert.match(finding!.message, /^No openid-connect plugin applies to route open/);
  });

  it("discovers each route's own issuer once and checks the route against it", async () => {
    const server = await startIdp();
    closers.push(server.close);
    const http = createHttpClient({ env: {} });
    closers.push(() => http.close());
    const text = `_format_version: "3.0"
services:
  - name: s
    url: http://u
    plugins:
      - name: openid-connect
        config:
          issuer: ${server.issuer}/
          auth_methods: [introspection]
          introspection_endpoint_auth_method: client_secret_post
          client_id: [gw]
    routes:
      - name: a
        paths: [/a]
      - name: b
        paths: [/b]
`;
    const model = readDeckFile(text);
    const results = (await lintGateway(http, model)).routes;
    // The trailing slash makes the first attempt fail on the issuer check; the well-known retry then reads it. Once for both routes.
    assert.equal(server.hits(), 2);
    assert.equal(results[0]!.issuer, `${server.issuer}/`);
    const issuer = results[0]!.findings.find((f) => f.rule === 'issuer-mismatch')!;
    assert.match(issuer.message, /differ only by a trailing slash/);
    const auth = results[1]!.findings.find((f) => f.rule === 'introspection-auth-unsupported')!;
    assert.match(auth.message, /client_secret_post, which the IdP does not support/);
    const only = (await lintGateway(http, model, { route: 'b', issuer: server.issuer })).routes;
    assert.deepEqual(
      only.map((r) => r.route.name),
      ['b'],
    );
    assert.equal(only[0]!.findings.find((f) => f.rule === 'issuer-mismatch')?.field, 'config.issuer');
  });

  it('discovery-failed when the issuer cannot be fetched; the other checks still run', async () => {
    const server = await httpServer((_req, res) => res.writeHead(404).end());
    closers.push(server.close);
    const http = createHttpClient({ env: {} });
    closers.push(() => http.close());
    const model = readDeckFile(
      `_format_version: "3.0"\nplugins:\n  - name: openid-connect\n    config:\n      issuer: ${server.url}/oauth2/x\nroutes:\n  - name: r\n    paths: [/r]\n`,
    );
    // The only plugin is global: its findings are listed once, under the global plugin, not under the route.
    const report = await lintGateway(http, model);
    assert.deepEqual(report.routes[0]!.findings, []);
    assert.deepEqual(
      report.routes[0]!.globalPlugins?.map((p) => p.name),
      ['openid-connect'],
    );
    const [result] = report.global;
    assert.deepEqual(result!.routes, ['r']);
    const failed = result!.findings.find((f) => f.rule === 'discovery-failed')!;
    assert.equal(failed.severity, 'warning');
    assert.match(
      failed.message,
      new RegExp(`^The IdP's discovery document for ${server.url}/oauth2/x could not be fetched`),
    );
    assert.ok(result!.findings.some((f) => f.rule === 'auth-methods-default'));

    // An issuer the person named (--issuer) that cannot be discovered is an error: nothing was checked against it.
    const [named] = (await lintGateway(http, model, { issuer: `${server.url}/oauth2/x` })).global;
    const namedFailure = named!.findings.find((f) => f.rule === 'discovery-failed')!;
    assert.equal(namedFailure.severity, 'error');
    assert.equal(namedFailure.field, '--issuer');
  });

  it('Apache routes are discovered through the issuer guessed from an Okta-shaped introspection endpoint', () => {
    const model = readApacheConf(
      'OIDCOAuthIntrospectionEndpoint https://example.okta.com/oauth2/default/v1/introspect\n<Location /a>\nAuthType oauth20\n</Location>\n',
    );
    assert.equal(issuerForRoute(model.routes[0]!), 'https://example.okta.com/oauth2/default');
    assert.equal(issuerForRoute(model.routes[0]!, 'https://other.example'), 'https://other.example');
  });

  it('a vault reference as issuer is not discovered', () => {
    const vault = readDeckFile(readFileSync(join(FIXTURES, 'gateway', 'vault-refs.json'), 'utf8'));
    assert.equal(issuerForRoute(vault.routes[0]!), undefined);
  });
});
