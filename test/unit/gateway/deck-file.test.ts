import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseDeckFile, readDeckFile } from '../../../src/core/gateway/deck-file';
import type { GatewayModel, GatewayRoute } from '../../../src/core/gateway/model';
import { routeUrls } from '../../../src/core/gateway/model';
import { describeRoute } from '../../../src/cli/commands/routes';
import { styler } from '../../../src/cli/io';
import { thrown } from '../../support/rejection';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'gateway');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');

function route(model: GatewayModel, name: string): GatewayRoute {
  const found = model.routes.find((r) => r.name === name);
  assert.ok(found, `no route ${name} in ${model.routes.map((r) => r.name).join(', ')}`);
  return found;
}

describe('decK file reader', () => {
  it("reads Kong's introspection example: service plugin applies to its route, env and vault references kept", () => {
    const model = readDeckFile(fixture('introspection.yaml'), 'introspection.yaml');
    assert.equal(model.source.kind, 'deck');
    assert.equal(model.fromFile, true);
    assert.deepEqual(model.services, [{ name: 'orders-api', upstreamUrl: 'http://orders.internal:8080/v1' }]);
    const orders = route(model, 'orders');
    assert.equal(orders.service, 'orders-api');
    assert.deepEqual(orders.methods, ['GET', 'POST']);
    assert.equal(orders.oidc?.scope, 'service');
    assert.match(orders.oidc!.origin, /^introspection\.yaml line 16 \(services\[0\]\.plugins\[0\]\)$/);
    assert.deepEqual(orders.oidc!.config.auth_methods, ['introspection']);
    assert.deepEqual(orders.oidc!.config.client_secret, ['{vault://env/oidc-client-secret}']);
    assert.deepEqual(orders.oidc!.config.client_id, ['${{ env "DECK_CLIENT_ID" }}']);
  });

  it('resolves route over service over global, top-level references by name, regex paths and consumers', () => {
    const model = readDeckFile(fixture('bearer-scopes.yaml'), 'bearer-scopes.yaml');
    const invoices = route(model, 'invoices');
    assert.equal(invoices.oidc?.scope, 'route');
    assert.deepEqual(invoices.oidc!.config.scopes_required, ['invoices:read']);
    assert.deepEqual(
      invoices.oidc!.shadows.map((s) => s.scope),
      ['service', 'global'],
    );

    const byId = route(model, 'invoice-by-id');
    assert.equal(byId.oidc?.scope, 'service');
    assert.deepEqual(byId.oidc!.config.scopes_claim, ['scp']);
    assert.deepEqual(byId.regexPaths, ['~/invoices/\\d+$']);

    const monthly = route(model, 'reports-monthly');
    assert.equal(monthly.service, 'reports');
    assert.equal(monthly.oidc?.scope, 'global');
    assert.equal(model.services.find((s) => s.name === 'reports')?.upstreamUrl, 'https://reports.internal:8443/api');

    const status = route(model, 'status');
    assert.equal(status.service, 'health');
    assert.deepEqual(
      status.authPlugins.map((p) => `${p.name}/${p.scope}`),
      ['key-auth/route', 'openid-connect/global'],
    );
    // The consumer-scoped plugin applies to one consumer only, never as the route's config.
    assert.ok(model.routes.every((r) => r.oidc?.config.issuer !== 'https://partner.example.com'));
    assert.deepEqual(model.consumers, [{ username: 'partner-app', custom_id: '0oa-partner' }]);
  });

  it('reads JSON the same way and keeps {vault://...} references unresolved', () => {
    const model = readDeckFile(fixture('vault-refs.json'), 'vault-refs.json');
    const payments = route(model, 'payments');
    assert.equal(payments.oidc!.config.issuer, '{vault://aws/okta/issuer}');
    assert.deepEqual(payments.oidc!.config.client_secret, ['{vault://aws/okta/client-secret}']);
    assert.match(payments.oidc!.origin, /^vault-refs\.json line 11 /);
  });

  it('names routes without a name after their service, as decK does not require names', () => {
    const parsed = parseDeckFile(
      '_format_version: "3.0"\nservices:\n  - name: s\n    url: http://u\n    routes:\n      - paths: [/a]\n',
    );
    assert.equal(parsed.entities.routes[0]!.name, 's-route-1');
  });

  it('a file nested thousands of levels deep, or with 20,000 keys, is read in one pass or refused by name', () => {
    const deep = thrown(() =>
      readDeckFile(`_format_version: "3.0"\nservices: ${'['.repeat(5000)}${']'.repeat(5000)}\n`, 'deep.yaml'),
    );
    assert.equal(deep.code, 'gateway.deck_syntax');
    assert.match(deep.message, /nests lists or mappings too deeply to read/);
    const keys = Array.from({ length: 20_000 }, (_, i) => `  k${i}: ${i}`).join('\n');
    const dup = thrown(() => readDeckFile(`_format_version: "3.0"\nx:\n${keys}\n  k7: again\n`, 'dup.yaml'));
    assert.equal(dup.code, 'gateway.deck_syntax');
    assert.match(dup.message, /line 20003 .*unique/);
  });

  it('an unknown _format_version says which versions are supported and how to convert, not "dump again"', () => {
    const error = thrown(() => readDeckFile('_format_version: "0.1"\nservices: []\n', 'old.yaml'));
    assert.equal(error.code, 'gateway.deck_version');
    assert.match(
      error.message,
      /^decK file old\.yaml line 1: _format_version is "0\.1", which this reader does not understand\. Supported: "3\.0", "2\.1", "1\.1"\.$/,
    );
    assert.match(error.hint!, /deck file convert --from kong-gateway-2\.x --to kong-gateway-3\.x/);
    assert.doesNotMatch(error.hint!, /dump/);
  });

  it("reads decK's own 1.1 convert fixture as Kong 2.x did: regex paths like the 3.0 output, and says how to convert", () => {
    const real = (name: string) => readFileSync(join(FIXTURES, '..', 'real', 'deck', name), 'utf8');
    const old = readDeckFile(real('convert-4-input-1.1.yaml'), 'input.yaml');
    const converted = readDeckFile(real('convert-4-output-3.0.yaml'), 'output.yaml');
    assert.deepEqual(old.routes, converted.routes);
    assert.deepEqual(route(old, 'r1').regexPaths, ['~/status/\\d+', '~/code/\\d+']);
    assert.deepEqual(converted.warnings, []);
    assert.equal(old.warnings.length, 1);
    assert.match(
      old.warnings[0]!,
      /^_format_version "1\.1" is decK's format for Kong 2\.x, so this file was read as Kong 2\.x reads it: 2 paths with regex characters are a regular expression there and are shown with the ~ prefix Kong 3 needs \(r1: \/status\/\\d\+; r1: \/code\/\\d\+\)\. decK refuses to apply this format to Kong 3\.x; convert the file with `deck file convert --from kong-gateway-2\.x --to kong-gateway-3\.x`/,
    );
  });

  it('a 2.1 file reads too; plain paths stay plain and top-level routes are converted as well', () => {
    const model = readDeckFile(
      '_format_version: "2.1"\nroutes:\n  - name: t\n    paths: [/plain/path-1, "/items/(?<id>[0-9]+)", "~/kept"]\n',
      'k2.yaml',
    );
    assert.deepEqual(route(model, 't').paths, ['/plain/path-1', '~/items/(?<id>[0-9]+)', '~/kept']);
    assert.match(
      model.warnings[0]!,
      /^_format_version "2\.1" .*: 1 path with regex characters is a regular expression there/,
    );
  });

  it('an expression route is listed with its expression, not as "ANY (any path)"', () => {
    const model = readDeckFile(
      '_format_version: "3.0"\nroutes:\n  - name: e\n    expression: \'http.path ^= "/orders" && http.method == "GET"\'\n',
    );
    const e = route(model, 'e');
    assert.equal(e.expression, 'http.path ^= "/orders" && http.method == "GET"');
    const lines = describeRoute(e, 'http://proxy', styler({}, {}));
    assert.equal(lines[0], '  e  expression http.path ^= "/orders" && http.method == "GET"');
    assert.ok(!lines.join('\n').includes('any path'));
  });

  it('a missing _format_version is an error too', () => {
    const error = thrown(() => readDeckFile('services: []\n', 'none.yaml'));
    assert.equal(error.code, 'gateway.deck_version');
    assert.match(error.message, /has no _format_version\. Supported: "3\.0", "2\.1", "1\.1"/);
  });

  it('a wrongly typed field is reported with its line and path', () => {
    const text =
      '_format_version: "3.0"\nservices:\n  - name: orders\n    url: http://u\n    routes:\n      - name: r\n        paths: /orders\n';
    const error = thrown(() => readDeckFile(text, 'bad.yaml'));
    assert.equal(error.code, 'gateway.deck_invalid');
    assert.equal(
      error.message,
      'decK file bad.yaml line 7: services[0].routes[0].paths must be a list of strings, got the string "/orders".',
    );
    assert.equal(error.where, 'bad.yaml:7');
  });

  it('a plugin without a name is reported with its line', () => {
    const text = '_format_version: "3.0"\nplugins:\n  - config:\n      issuer: https://idp\n';
    const error = thrown(() => readDeckFile(text, 'p.yaml'));
    assert.equal(error.code, 'gateway.deck_invalid');
    assert.match(error.message, /^decK file p\.yaml line 3: plugins\[0\]\.name is missing/);
  });

  it('a YAML syntax error gives the line', () => {
    const error = thrown(() =>
      readDeckFile('_format_version: "3.0"\nservices:\n  - name: a\n    url: b: c\n', 'syntax.yaml'),
    );
    assert.equal(error.code, 'gateway.deck_syntax');
    assert.match(
      error.message,
      /^decK file syntax\.yaml line 4 is not valid YAML or JSON: Nested mappings are not allowed/,
    );
  });

  it('services must be a list', () => {
    const error = thrown(() => readDeckFile('_format_version: "3.0"\nservices:\n  name: x\n', 's.yaml'));
    assert.match(error.message, /line 3: services must be a list, got a mapping\./);
  });

  it('any list of plain paths gives one URL per path through the proxy (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^\/[a-z0-9/_-]{0,20}$/), { minLength: 1, maxLength: 5 }), (paths) => {
        const text = `_format_version: "3.0"\nservices:\n  - name: s\n    url: http://u\n    routes:\n      - name: r\n        paths: ${JSON.stringify(paths)}\n`;
        const model = readDeckFile(text);
        assert.deepEqual(
          routeUrls(model.routes[0]!, 'http://gw:8000/'),
          paths.map((p) => `http://gw:8000${p}`),
        );
      }),
      { numRuns: 50 },
    );
  });
});
