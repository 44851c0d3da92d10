import { strict as assert } from 'node:assert';
import { generateKeyPairSync } from 'node:crypto';
import type { JWK } from 'jose';
import { readDeckFile } from '../../../src/core/gateway/deck-file';
import type { GatewayModel, GatewayRoute } from '../../../src/core/gateway/model';
import { lintGateway, lintGatewayRoute } from '../../../src/core/gateway/route-lint';
import { createHttpClient } from '../../../src/core/http/client';
import { httpServer } from '../../support/loopback-servers';

function route(model: GatewayModel, name: string): GatewayRoute {
  const found = model.routes.find((r) => r.name === name);
  assert.ok(found, `no route ${name} in ${model.routes.map((r) => r.name).join(', ')}`);
  return found;
}

const rules = (findings: Array<{ rule: string }>) => findings.map((f) => f.rule);

/** An RSA key pair: the public key as PEM (for a jwt credential) and as the JWK an IdP publishes. */
function rsaKey(kid: string): { pem: string; jwk: JWK } {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    pem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    jwk: { ...(publicKey.export({ format: 'jwk' }) as JWK), kid, alg: 'RS256', use: 'sig' },
  };
}

const indent = (text: string, spaces: number) =>
  text
    .trim()
    .split('\n')
    .map((line) => `${' '.repeat(spaces)}${line}`)
    .join('\n');

describe('gateway lint: plugin precedence as Kong applies it (plugins_iterator.lua)', () => {
  it('for each plugin name the most specific level wins: route+service over route over service over global', () => {
    const model = readDeckFile(`_format_version: "3.0"
services:
  - name: s
    url: http://u
    plugins:
      - name: rate-limiting
        config: { minute: 3 }
    routes:
      - name: r
        paths: [/r]
        plugins:
          - name: rate-limiting
            config: { minute: 2 }
routes:
  - name: other
    service: s
    paths: [/other]
plugins:
  - name: rate-limiting
    route: r
    service: s
    config: { minute: 1 }
  - name: rate-limiting
    config: { minute: 4 }
  - name: rate-limiting
    consumer: partner
    config: { minute: 100 }
consumers:
  - username: partner
`);
    const r = route(model, 'r');
    const limit = r.plugins!.find((p) => p.name === 'rate-limiting')!;
    assert.deepEqual(limit.config, { minute: 1 }, 'route+service wins');
    assert.deepEqual(
      limit.shadows.map((s) => s.scope),
      ['route', 'service', 'global'],
    );
    assert.deepEqual(route(model, 'other').plugins!.find((p) => p.name === 'rate-limiting')!.config, { minute: 3 });
    // A consumer's plugin replaces the route's only for that consumer's requests: kept apart, never chosen.
    assert.deepEqual(r.consumerPlugins, [
      { name: 'rate-limiting', consumer: 'partner', level: 'consumer', origin: 'kong.yaml line 25 (plugins[2])' },
    ]);
    assert.deepEqual(
      model.globalPlugins?.map((p) => p.config),
      [{ minute: 4 }],
    );
  });

  it("a global plugin's findings are listed once, not once per route; a global-only ssl_verify: false is found", async () => {
    const http = createHttpClient({ env: {} });
    try {
      const model = readDeckFile(`_format_version: "3.0"
plugins:
  - name: openid-connect
    config:
      issuer: "{vault://env/issuer}"
      auth_methods: [introspection]
      client_id: [kong]
      cache_introspection: false
      bearer_token_param_type: [header]
      ssl_verify: false
routes:
  - { name: a, paths: [/a] }
  - { name: b, paths: [/b] }
  - { name: c, paths: [/c] }
`);
      const report = await lintGateway(http, model);
      assert.equal(report.global.length, 1);
      assert.deepEqual(report.global[0]!.routes, ['a', 'b', 'c']);
      assert.deepEqual(rules(report.global[0]!.findings), ['ssl-verify-off']);
      for (const result of report.routes) assert.deepEqual(result.findings, []);
      // With no route at all the global plugin is still linted.
      const bare = readDeckFile(
        '_format_version: "3.0"\nplugins:\n  - name: openid-connect\n    config: { ssl_verify: false, auth_methods: [bearer] }\n',
      );
      const alone = await lintGateway(http, bare);
      assert.deepEqual(alone.global[0]!.routes, []);
      assert.ok(alone.global[0]!.findings.some((f) => f.rule === 'ssl-verify-off' && f.severity === 'warning'));
    } finally {
      await http.close();
    }
  });

  it("anonymous whose consumer has its own request-termination: that plugin's status answers, not the auth plugin's", () => {
    const model = readDeckFile(`_format_version: "3.0"
consumers:
  - username: anonymous
    plugins: [{ name: request-termination, config: { status_code: 401, message: Unauthorized } }]
routes:
  - name: r
    paths: [/r]
    plugins:
      - name: openid-connect
        config: { auth_methods: [bearer], ssl_verify: true, anonymous: anonymous }
`);
    const [finding] = lintGatewayRoute(model.routes[0]!, model).filter((f) => f.rule.startsWith('anonymous'));
    assert.equal(finding?.severity, 'info');
    assert.match(
      finding!.message,
      /then answered 401 "Unauthorized" by request-termination\. That 401 is not the openid-connect plugin's/,
    );
    // Without a status_code, request-termination answers Kong's default 503.
    const bare = readDeckFile(
      '_format_version: "3.0"\nconsumers:\n  - username: anonymous\n    plugins: [{ name: request-termination }]\n' +
        'routes:\n  - name: r\n    paths: [/r]\n    plugins: [{ name: jwt, config: { anonymous: anonymous } }]\n',
    );
    assert.match(
      lintGatewayRoute(bare.routes[0]!, bare).find((f) => f.rule === 'anonymous-consumer')!.message,
      /then answered 503 by request-termination/,
    );
  });

  it('anonymous: an unauthenticated request goes upstream as that consumer, or gets 500 when it does not exist', () => {
    const text = (anonymous: string) => `_format_version: "3.0"
routes:
  - name: r
    paths: [/r]
    plugins:
      - name: openid-connect
        config: { auth_methods: [bearer], ssl_verify: true, anonymous: ${anonymous} }
consumers:
  - username: guest
`;
    const model = readDeckFile(text('guest'));
    const found = lintGatewayRoute(model.routes[0]!, model).filter((f) => f.rule.startsWith('anonymous'));
    assert.deepEqual(rules(found), ['anonymous-consumer']);
    assert.match(
      found[0]!.message,
      /^anonymous is set to guest, so a request without a valid token is not refused with 401: the openid-connect plugin lets it through to the upstream as consumer guest/,
    );
    const missing = readDeckFile(text('nobody'));
    const absent = lintGatewayRoute(missing.routes[0]!, missing).find((f) => f.rule === 'anonymous-consumer-missing')!;
    assert.match(
      absent.message,
      /gets 500 \("An unexpected error occurred"; the error log says "anonymous consumer was not found"\) instead of 401/,
    );
  });

  it('an auth plugin on a consumer never runs (no_consumer in its schema), and the lint says so once', async () => {
    const http = createHttpClient({ env: {} });
    try {
      const model = readDeckFile(
        '_format_version: "3.0"\nroutes: [{ name: r, paths: [/r] }]\nconsumers:\n  - username: app\n    plugins:\n      - name: jwt\n',
      );
      assert.deepEqual(model.routes[0]!.authPlugins, []);
      const report = await lintGateway(http, model);
      assert.deepEqual(rules(report.gateway), ['plugin-never-runs']);
      assert.match(
        report.gateway[0]!.message,
        /^The jwt plugin \(kong\.yaml line 6 \(consumers\[0\]\.plugins\[0\]\)\) never runs as written: it names consumer app/,
      );
    } finally {
      await http.close();
    }
  });

  it('a route behind a plugin the lint does not read says "not checked", never nothing', () => {
    const model = readDeckFile(
      '_format_version: "3.0"\nroutes:\n  - name: r\n    paths: [/r]\n    plugins: [{ name: hmac-auth }]\n',
    );
    const [finding, ...rest] = lintGatewayRoute(model.routes[0]!, model);
    assert.equal(rest.length, 0);
    assert.equal(finding!.rule, 'plugin-not-checked');
    assert.match(
      finding!.message,
      /^hmac-auth \(kong\.yaml line 5 .*\) protects this route, and this lint does not check its configuration: not checked\.$/,
    );
  });

  it("Kong's oauth2 plugin is a provider: it accepts only its own tokens, so an IdP's token gets 401 invalid_token", () => {
    const model = readDeckFile(
      '_format_version: "3.0"\nroutes:\n  - name: r\n    paths: [/r]\n    plugins: [{ name: oauth2, config: { anonymous: guest } }]\n',
    );
    const findings = lintGatewayRoute(model.routes[0]!, model);
    assert.deepEqual(rules(findings), ['oauth2-provider', 'anonymous-consumer', 'anonymous-consumer-missing']);
    assert.match(findings[0]!.message, /accepts only the access tokens it issued itself/);
    assert.match(findings[0]!.message, /401 invalid_token "The access token is invalid or has expired"/);
  });
});

describe("gateway lint: Kong's jwt plugin against the IdP's keys", () => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
  });

  async function idpWithKeys(keys: JWK[]) {
    let issuer = '';
    const server = await httpServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url?.endsWith('/.well-known/openid-configuration'))
        res.end(
          JSON.stringify({
            issuer,
            authorization_endpoint: `${issuer}/v1/authorize`,
            token_endpoint: `${issuer}/v1/token`,
            jwks_uri: `${issuer}/v1/keys`,
          }),
        );
      else if (req.url?.endsWith('/v1/keys')) res.end(JSON.stringify({ keys }));
      else res.writeHead(404).end('{}');
    });
    closers.push(server.close);
    issuer = `${server.url}/oauth2/default`;
    const http = createHttpClient({ env: {} });
    closers.push(() => http.close());
    return { http, issuer };
  }

  const deck = (
    issuer: string,
    credentials: string,
    config = 'claims_to_verify: [exp]\n          uri_param_names: []',
  ) =>
    `_format_version: "3.0"
routes:
  - name: orders
    paths: [/orders]
    plugins:
      - name: jwt
        config:
          ${config}
consumers:
  - username: okta
    jwt_secrets:
${indent(credentials.replaceAll('ISSUER', issuer), 6)}
`;

  it('an RSA public key that is not in the IdP JWKS is an error; one that is notes the rotation', async () => {
    const current = rsaKey('k-current');
    const old = rsaKey('k-old');
    const { http, issuer } = await idpWithKeys([current.jwk]);
    const credential = (pem: string) => `- key: ISSUER\n  algorithm: RS256\n  rsa_public_key: |\n${indent(pem, 4)}`;
    const stale = readDeckFile(deck(issuer, credential(old.pem)), 'kong.yaml');
    const [result] = (await lintGateway(http, stale)).routes;
    assert.equal(result!.issuer, issuer);
    const error = result!.findings.find((f) => f.rule === 'jwt-key-not-in-jwks')!;
    assert.equal(error.severity, 'error');
    assert.match(
      error.message,
      new RegExp(
        `^The public key of consumer okta's credential ${issuer.replace(/[.]/g, '\\.')} \\(kong\\.yaml line \\d+ \\(consumers\\[0\\]\\.jwt_secrets\\[0\\]\\)\\) is none of the IdP's signing keys at .*/v1/keys, so tokens the IdP signs get 401 "Invalid signature"`,
      ),
    );
    assert.equal(error.evidence, '1 key in the JWKS: k-current');
    assert.deepEqual(rules(result!.findings), ['jwt-not-introspected', 'jwt-key-not-in-jwks']);

    const fresh = readDeckFile(deck(issuer, credential(current.pem)));
    const [ok] = (await lintGateway(http, fresh)).routes;
    assert.deepEqual(rules(ok!.findings), ['jwt-not-introspected', 'jwt-key-rotation']);
    assert.match(ok!.findings[1]!.message, /is the IdP's signing key k-current; the jwt plugin holds one fixed key/);
  });

  it("key_claim_name, the credential's algorithm and exp are read as the handler does", async () => {
    const { http, issuer } = await idpWithKeys([rsaKey('k1').jwk]);
    const other = readDeckFile(
      deck('https://not-the-issuer.example', '- key: https://not-the-issuer.example\n  secret: plain-text-shared', ''),
    );
    const [result] = (await lintGateway(http, other, { issuer })).routes;
    // A credential of another issuer is not compared with this IdP's keys: only its key is said to be wrong.
    assert.deepEqual(rules(result!.findings), [
      'jwt-exp-not-verified',
      'token-in-query',
      'jwt-not-introspected',
      'plaintext-client-secret',
      'jwt-credential-key-not-issuer',
    ]);
    assert.ok(!JSON.stringify(result).includes('plain-text-shared'), 'the shared secret never reaches a finding');
    assert.match(
      result!.findings.find((f) => f.rule === 'jwt-credential-key-not-issuer')!.message,
      /no credential's key is the IdP's issuer .* so every token from it gets 401 "No credentials found for given 'iss'"/,
    );
    // A real token whose iss is no credential's key.
    const withToken = lintGatewayRoute(other.routes[0]!, other, { token: { kind: 'jwt', claims: { iss: issuer } } });
    assert.match(
      withToken.find((f) => f.rule === 'jwt-token-has-no-credential')!.message,
      /This token's iss is .*, which is no credential's key, so Kong answers 401 "No credentials found for given 'iss'"/,
    );

    // The IdP's own credential left at HS256 (the default): its RS256 tokens fail the alg comparison.
    const hs = readDeckFile(deck(issuer, '- key: ISSUER\n  secret: "{vault://env/jwt-secret}"'));
    const [hsResult] = (await lintGateway(http, hs)).routes;
    assert.deepEqual(rules(hsResult!.findings), ['jwt-not-introspected', 'jwt-credential-algorithm']);
    assert.match(
      hsResult!.findings[1]!.message,
      /has algorithm HS256 \(the default\), but the IdP signs with public keys .* 401 "Invalid algorithm"/,
    );
  });

  it('no credential in the file: every token gets 401, unless they are managed elsewhere', () => {
    const model = readDeckFile(
      '_format_version: "3.0"\nroutes:\n  - name: r\n    paths: [/r]\n    plugins: [{ name: jwt, config: { claims_to_verify: [exp], uri_param_names: [] } }]\n',
    );
    const none = lintGatewayRoute(model.routes[0]!, model).find((f) => f.rule === 'jwt-no-credentials')!;
    assert.equal(none.severity, 'warning');
    assert.match(
      none.message,
      /^No consumer has a jwt credential in this file, so every token gets 401 "No credentials found for given 'iss'"/,
    );
  });
});

describe('gateway lint: oauth2-introspection and the community oidc plugin', () => {
  it('oauth2-introspection: ttl 0 never expires, a plain-text authorization_value, an endpoint that is not the IdP one', () => {
    const model = readDeckFile(`_format_version: "3.0"
routes:
  - name: r
    paths: [/r]
    plugins:
      - name: oauth2-introspection
        config:
          introspection_url: https://example.okta.com/oauth2/default/v1/introspect
          authorization_value: Basic a29uZzpzZWNyZXQ=
          ttl: 0
`);
    const findings = lintGatewayRoute(model.routes[0]!, model, {
      metadata: {
        issuer: 'https://example.okta.com/oauth2/aus1',
        introspection_endpoint: 'https://example.okta.com/oauth2/aus1/v1/introspect',
      } as never,
    });
    assert.deepEqual(rules(findings), [
      'introspection-endpoint-mismatch',
      'plaintext-client-secret',
      'introspection-cache-delays-revocation',
    ]);
    assert.equal(findings[2]!.severity, 'error');
    assert.match(findings[2]!.message, /^ttl is 0, which the plugin takes as "no expiry"/);
    assert.ok(!JSON.stringify(findings).includes('a29uZzpzZWNyZXQ='));
  });

  it('the community oidc plugin: bearer_only, ssl_verify, plain-text secrets, the introspection endpoint', () => {
    const model = readDeckFile(`_format_version: "3.0"
routes:
  - name: r
    paths: [/r]
    plugins:
      - name: oidc
        config:
          client_id: kong
          client_secret: plain-oidc-secret
          discovery: https://example.okta.com/oauth2/default/.well-known/openid-configuration
`);
    const findings = lintGatewayRoute(model.routes[0]!, model);
    assert.deepEqual(rules(findings), [
      'introspection-endpoint-missing',
      'oidc-bearer-only',
      'ssl-verify-off',
      'plaintext-client-secret',
    ]);
    assert.match(findings[1]!.message, /is not refused with 401: the plugin starts a browser login/);
    const good = readDeckFile(`_format_version: "3.0"
routes:
  - name: r
    paths: [/r]
    plugins:
      - name: oidc
        config:
          client_id: kong
          client_secret: "{vault://env/oidc-secret}"
          discovery: https://example.okta.com/oauth2/default/.well-known/openid-configuration
          introspection_endpoint: https://example.okta.com/oauth2/default/v1/introspect
          bearer_only: "yes"
          ssl_verify: "yes"
`);
    assert.deepEqual(lintGatewayRoute(good.routes[0]!, good), []);
  });
});
