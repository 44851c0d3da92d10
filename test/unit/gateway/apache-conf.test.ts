import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { apacheFindings, parseApacheConf, readApacheConf } from '../../../src/core/gateway/apache-conf';
import { lintGatewayRoute } from '../../../src/core/gateway/route-lint';
import type { OidcError } from '../../../src/core/errors';

const FIXTURE = join(__dirname, '..', '..', 'fixtures', 'apache', 'oidc-gateway.conf');
const ISSUER = 'https://example.okta.com/oauth2/default';

function conf(body: string): string {
  return `OIDCOAuthIntrospectionEndpoint ${ISSUER}/v1/introspect
OIDCOAuthClientID gw
OIDCOAuthClientSecret \${CLIENT_SECRET}
OIDCOAuthRemoteUserClaim client_id
OIDCOAuthTokenIntrospectionInterval -1
${body}
<Location "/orders">
  AuthType oauth20
  Require valid-user
</Location>
`;
}

describe('Apache mod_auth_openidc config reader', () => {
  it('parses the config the integration tests start Apache with, placeholders kept', () => {
    const model = readApacheConf(readFileSync(FIXTURE, 'utf8'), 'oidc-gateway.conf');
    assert.equal(model.source.kind, 'apache');
    assert.equal(model.routes.length, 1);
    const orders = model.routes[0]!;
    assert.equal(orders.name, '/orders');
    assert.deepEqual(orders.paths, ['/orders']);
    assert.equal(orders.service, '${UPSTREAM}/orders');
    assert.deepEqual(model.services, [{ name: '${UPSTREAM}/orders', upstreamUrl: '${UPSTREAM}/orders' }]);
    assert.deepEqual(orders.requirements, ['Require valid-user']);
    const config = orders.oidc!.config;
    assert.deepEqual(config.auth_methods, ['introspection']);
    assert.equal(config.introspection_endpoint, '${INTROSPECTION_ENDPOINT}');
    assert.deepEqual(config.client_id, ['${CLIENT_ID}']);
    assert.deepEqual(config.client_secret, ['${CLIENT_SECRET}']);
    assert.equal(config.introspection_endpoint_auth_method, 'client_secret_basic');
    assert.equal(config.cache_introspection, false, 'interval -1 means no cache');
    assert.deepEqual(config.bearer_token_param_type, ['header']);
    assert.equal(config.ssl_verify, true);
    assert.equal(orders.apache?.remoteUserClaim, 'client_id');
    assert.equal(orders.apache?.caBundlePath, '${RUN_DIR}/ca.pem');
    assert.equal(orders.apache?.lines.OIDCOAuthTokenIntrospectionInterval, 'oidc-gateway.conf line 28');
    assert.match(orders.oidc!.origin, /^oidc-gateway\.conf line 34 \(<Location \/orders>\)$/);
    // Placeholders httpd cannot expand are said once each, never taken for plain-text secrets.
    assert.deepEqual(
      orders.sourceFindings.map((f) => `${f.rule} ${f.field}`),
      [
        'apache-unresolved-variable OIDCOAuthIntrospectionEndpoint',
        'apache-unresolved-variable OIDCOAuthClientID',
        'apache-unresolved-variable OIDCOAuthClientSecret',
        'apache-unresolved-variable OIDCCABundlePath',
      ],
    );
    assert.ok(model.warnings.some((w) => /line 7: \$\{RUN_DIR\} is set by no Define above it/.test(w)));
  });

  // Found by bench/parse-scaling.ts: every lookup flattened and searched the virtual host again, so 4,000
  // locations took 22 s. Linear now; a quadratic regression shows up as this test's timeout, not a timing.
  it('reads a virtual host with 4,000 locations and as many unresolved variables', function () {
    this.timeout(20_000);
    const location =
      '<Location /a>\nAuthType openid-connect\nOIDCOAuthClientID ${ID}\nRequire valid-user\n</Location>\n';
    const model = readApacheConf(`<VirtualHost *:443>\nServerName api\n${location.repeat(4_000)}</VirtualHost>\n`);
    assert.equal(model.routes.length, 4_000);
    assert.equal(model.routes[3_999]?.hosts?.[0], 'api');
  });

  it('expands ${NAME} from Define lines above it, then the environment; secrets stay placeholders', () => {
    const env = { CLIENT_ID: 'gw-from-env', CLIENT_SECRET: 'never-shown', INTROSPECTION_ENDPOINT: 'x' };
    const text = `Define ISSUER ${ISSUER}
OIDCOAuthIntrospectionEndpoint \${ISSUER}/v1/introspect
OIDCOAuthClientID \${CLIENT_ID}
OIDCOAuthClientSecret \${CLIENT_SECRET}
<Location "/orders">
  AuthType oauth20
  Require valid-user
</Location>
`;
    const model = readApacheConf(text, 'httpd.conf', { env });
    const orders = model.routes[0]!;
    assert.equal(orders.oidc!.config.introspection_endpoint, `${ISSUER}/v1/introspect`);
    assert.equal(orders.apache!.issuerGuess, ISSUER);
    assert.deepEqual(orders.oidc!.config.client_id, ['gw-from-env']);
    assert.deepEqual(orders.oidc!.config.client_secret, ['\${CLIENT_SECRET}']);
    assert.ok(!JSON.stringify(model).includes('never-shown'));
    assert.deepEqual(model.warnings, []);
    assert.equal(orders.sourceFindings.filter((f) => f.rule !== 'apache-remote-user-claim').length, 0);
  });

  it('a secret a Define in the file gives is plain text in the file; a later Define does not count', () => {
    const text = `Define SECRET s3cr3t-in-file
OIDCOAuthIntrospectionEndpoint ${ISSUER}/v1/introspect
OIDCOAuthClientSecret \${SECRET}
OIDCOAuthClientID \${LATER}
Define LATER too-late
<Location /a>
  AuthType oauth20
</Location>
`;
    const route = readApacheConf(text).routes[0]!;
    const plain = route.sourceFindings.find((f) => f.rule === 'apache-plaintext-client-secret')!;
    assert.match(plain.message, /\(the Define on httpd\.conf line 1 that \$\{SECRET\} takes it from\)/);
    assert.ok(!JSON.stringify(route).includes('s3cr3t-in-file'));
    const later = route.sourceFindings.find((f) => f.field === 'OIDCOAuthClientID')!;
    assert.match(later.message, /^OIDCOAuthClientID on httpd\.conf line 4 uses \$\{LATER\}, which no Define above it/);
  });

  it('an AuthType httpd cannot expand is an error and "not checked", never "no authentication"', () => {
    const model = readApacheConf('<Location /a>\n  AuthType \${AUTH_TYPE}\n  Require valid-user\n</Location>\n');
    const route = model.routes[0]!;
    assert.deepEqual(
      route.authPlugins.map((p) => p.name),
      ['AuthType \${AUTH_TYPE} (unresolved)'],
    );
    const findings = lintGatewayRoute(route, model);
    assert.ok(!findings.some((f) => f.rule === 'route-unprotected'));
    const unresolved = findings.find((f) => f.rule === 'apache-unresolved-variable')!;
    assert.equal(unresolved.severity, 'error');
    assert.match(unresolved.message, /how this location authenticates cannot be told, so it was not checked/);
    // With the variable in the environment it is an ordinary oauth20 location.
    const resolved = readApacheConf(
      `OIDCOAuthIntrospectionEndpoint ${ISSUER}/v1/introspect\n<Location /a>\n  AuthType \${AUTH_TYPE}\n</Location>\n`,
      'httpd.conf',
      { env: { AUTH_TYPE: 'oauth20' } },
    );
    assert.equal(resolved.routes[0]!.apache?.authType, 'oauth20');
  });

  it("states mod_auth_openidc's cache in its own words: 0 caches until exp, N reintrospects after N s, -1 never caches", () => {
    const cache = (interval: string) => {
      const model = readApacheConf(conf('').replace('OIDCOAuthTokenIntrospectionInterval -1\n', interval));
      return lintGatewayRoute(model.routes[0]!, model, {
        token: { kind: 'opaque', claims: { iat: 0, exp: 7200 } },
      }).find((f) => f.rule === 'introspection-cache-delays-revocation')?.message;
    };
    assert.equal(
      cache(''),
      "OIDCOAuthTokenIntrospectionInterval is not set, so 0: mod_auth_openidc caches an introspection answer until the token's exp, so a revoked token is still accepted until it expires (up to 2 hours for this token).",
    );
    assert.match(
      cache('OIDCOAuthTokenIntrospectionInterval 0\n')!,
      /^OIDCOAuthTokenIntrospectionInterval is 0 \(httpd\.conf line \d+\): mod_auth_openidc caches an introspection answer until the token's exp/,
    );
    assert.match(
      cache('OIDCOAuthTokenIntrospectionInterval 300\n')!,
      /reuses a cached introspection answer for 300 s before introspecting the token again \(never past its exp\), so a revoked token is still accepted for up to 5 minutes\.$/,
    );
    assert.equal(cache('OIDCOAuthTokenIntrospectionInterval -1\n'), undefined);
  });

  it('maps a positive introspection interval onto a cache TTL, and AcceptTokenAs onto token locations', () => {
    const model = readApacheConf(
      conf('OIDCOAuthTokenIntrospectionInterval 300\nOIDCOAuthAcceptTokenAs header query cookie:at'),
    );
    const config = model.routes[0]!.oidc!.config;
    assert.equal(config.cache_introspection, true);
    assert.equal(config.cache_ttl_max, 300);
    assert.deepEqual(config.bearer_token_param_type, ['header', 'query', 'cookie']);
    assert.equal(config.bearer_token_cookie_name, 'at');
    const findings = lintGatewayRoute(model.routes[0]!, model);
    const query = findings.find((f) => f.rule === 'token-in-query')!;
    assert.equal(query.field, 'OIDCOAuthAcceptTokenAs');
    assert.equal(query.fix, 'Remove query from OIDCOAuthAcceptTokenAs (the default is header only).');
    const cache = findings.find((f) => f.rule === 'introspection-cache-delays-revocation')!;
    assert.equal(cache.field, 'OIDCOAuthTokenIntrospectionInterval');
    assert.match(cache.message, /still accepted for up to 5 minutes\.$/);
  });

  it('no OIDCOAuthRemoteUserClaim: client-credentials tokens without sub are refused, only the error log says why', () => {
    const text = readFileSync(FIXTURE, 'utf8').replace(/^OIDCOAuthRemoteUserClaim .*$/m, '');
    const route = readApacheConf(text).routes[0]!;
    const [finding] = route.sourceFindings;
    assert.equal(finding?.rule, 'apache-remote-user-claim');
    assert.equal(finding?.severity, 'warning');
    assert.match(finding!.message, /takes REMOTE_USER from "sub".*refused with 401, and only the error log says why/);
    const withToken = apacheFindings(route, { claims: { client_id: '0oa1', scope: 'orders:read' } });
    assert.equal(withToken[0]?.severity, 'error');
    assert.match(
      withToken[0]!.message,
      /^This token has no "sub" claim, so mod_auth_openidc cannot set REMOTE_USER and answers 401/,
    );
    assert.deepEqual(apacheFindings(route, { claims: { sub: 'u1' } }), []);
  });

  it("SSL validation off is reported in Apache terms, from the resource server's own directive", () => {
    const model = readApacheConf(conf('OIDCOAuthSSLValidateServer Off'));
    const finding = lintGatewayRoute(model.routes[0]!, model).find((f) => f.rule === 'ssl-verify-off')!;
    assert.equal(finding.field, 'OIDCOAuthSSLValidateServer');
    assert.match(finding.message, /^OIDCOAuthSSLValidateServer is Off, so mod_auth_openidc trusts any certificate/);
    // OIDCSSLValidateServer is the OpenID Connect client's switch: it does not touch the introspection call.
    const client = readApacheConf(conf('OIDCSSLValidateServer Off'));
    assert.equal(client.routes[0]!.oidc!.config.ssl_verify, true);
    assert.equal(
      lintGatewayRoute(client.routes[0]!, client).find((f) => f.rule === 'ssl-verify-off'),
      undefined,
    );
  });

  it('a plain-text client secret is a finding; a ${VAR} placeholder is not', () => {
    const model = readApacheConf(conf('OIDCOAuthClientSecret s3cr3t-in-file'));
    const finding = model.routes[0]!.sourceFindings.find((f) => f.rule === 'apache-plaintext-client-secret')!;
    assert.equal(finding.field, 'OIDCOAuthClientSecret');
    assert.match(finding.message, /written in plain text in the Apache configuration \(httpd\.conf line \d+\)/);
    assert.ok(!finding.message.includes('s3cr3t-in-file'));
  });

  it('a devstack %NAME% placeholder (filled in at install) is not a plain-text secret, nor a URL to discover', () => {
    const model = readApacheConf(
      conf('OIDCOAuthClientSecret "%OIDC_CLIENT_SECRET%"\nOIDCOAuthServerMetadataURL "%OIDC_METADATA_URL%"'),
    );
    const route = model.routes[0]!;
    assert.equal(
      route.sourceFindings.find((f) => f.rule === 'apache-plaintext-client-secret'),
      undefined,
    );
    // The introspection endpoint still names the Okta issuer; the placeholder metadata URL is not taken for it.
    assert.equal(route.apache?.issuerGuess, ISSUER);
    // A secret that merely contains percent signs is still a secret in the file.
    const literal = readApacheConf(conf('OIDCOAuthClientSecret 50%off%sale'));
    assert.ok(literal.routes[0]!.sourceFindings.some((f) => f.rule === 'apache-plaintext-client-secret'));
  });

  it('a relying-party Location (AuthType openid-connect) is a login route, not a bearer API nor "not checked"', () => {
    const model = readApacheConf(
      [
        'OIDCProviderMetadataURL https://idp.example/.well-known/openid-configuration',
        'OIDCSSLValidateServer Off',
        '<Location /app>',
        '  AuthType openid-connect',
        '  Require valid-user',
        '</Location>',
        '',
      ].join('\n'),
    );
    const route = model.routes[0]!;
    assert.equal(route.oidc, undefined, 'no bearer-token configuration is made up for it');
    assert.equal(route.apache?.authType, 'openid-connect');
    assert.equal(route.apache?.issuerGuess, 'https://idp.example/.well-known/openid-configuration');
    assert.match(
      route.authPlugins[0]!.name,
      /^mod_auth_openidc relying party .*login via OIDCProviderMetadataURL https:\/\/idp\.example\//,
    );
    const findings = lintGatewayRoute(route, model);
    assert.deepEqual(
      findings.map((f) => [f.rule, f.severity, f.field]),
      [
        ['apache-relying-party', 'info', 'AuthType'],
        ['ssl-verify-off', 'warning', 'OIDCSSLValidateServer'],
      ],
    );
    assert.match(findings[0]!.message, /relying-party \(login\) route.*not a bearer-token API/);
    assert.match(findings[1]!.message, /^OIDCSSLValidateServer is Off \(httpd\.conf line 2\)/);
    // The resource server's switch is not the login's: OIDCOAuthSSLValidateServer Off leaves this route alone.
    const rs = readApacheConf(
      'OIDCOAuthSSLValidateServer Off\n<Location /app>\n  AuthType openid-connect\n</Location>\n',
    );
    assert.deepEqual(
      lintGatewayRoute(rs.routes[0]!, rs).map((f) => f.rule),
      ['apache-relying-party'],
    );
  });

  it('Require claim scope:... becomes scopes_required; LocationMatch is a regex path; VirtualHost gives the host', () => {
    const text = `OIDCOAuthIntrospectionEndpoint ${ISSUER}/v1/introspect
<VirtualHost *:443>
  ServerName api.example.com
  OIDCOAuthRemoteUserClaim client_id
  <LocationMatch "^/orders/\\d+$">
    AuthType oauth20
    Require claim scope:orders:read
    Require claim aud:api://default
  </LocationMatch>
  <Location /public>
    Require all granted
  </Location>
</VirtualHost>
`;
    const model = readApacheConf(text);
    const [orders, open] = model.routes;
    assert.deepEqual(orders!.regexPaths, ['~^/orders/\\d+$']);
    assert.deepEqual(orders!.hosts, ['api.example.com']);
    assert.deepEqual(orders!.oidc!.config.scopes_required, ['orders:read']);
    assert.deepEqual(orders!.oidc!.config.audience_required, ['api://default']);
    assert.equal(orders!.apache?.remoteUserClaim, 'client_id');
    assert.equal(orders!.apache?.issuerGuess, ISSUER);
    assert.equal(open!.oidc, undefined);
    assert.deepEqual(open!.authPlugins, []);
  });

  it('any other Require claim name:value becomes required_claims, for the diagnosis to name', () => {
    const model = readApacheConf(
      `<Location /orders>\n  AuthType oauth20\n  OIDCOAuthIntrospectionEndpoint ${ISSUER}/v1/introspect\n  Require claim tenant:acme\n</Location>\n`,
    );
    assert.deepEqual(model.routes[0]!.oidc!.config.required_claims, { tenant: 'acme' });
  });

  it('AuthType oauth20 with nothing to validate tokens against is an error', () => {
    const model = readApacheConf('<Location /x>\n  AuthType oauth20\n  Require valid-user\n</Location>\n');
    const finding = model.routes[0]!.sourceFindings.find((f) => f.rule === 'apache-no-token-validation')!;
    assert.equal(finding.severity, 'error');
    assert.match(finding.message, /neither OIDCOAuthIntrospectionEndpoint nor OIDCOAuthVerifyJwksUri/);
  });

  it('an unclosed section is an error with its line', () => {
    assert.throws(
      () => parseApacheConf('Listen 80\n<Location /a>\nAuthType oauth20\n', 'broken.conf'),
      (error: OidcError) =>
        error.code === 'gateway.apache_syntax' &&
        error.message === 'Apache config broken.conf: <Location> opened on line 2 is never closed.',
    );
    assert.throws(
      () => parseApacheConf('<Location /a>\n</Directory>\n', 'broken.conf'),
      (error: OidcError) => /line 2: <\/Directory> closes <Location> opened on line 1/.test(error.message),
    );
  });

  it('joins continuation lines and notes Include files it does not follow', () => {
    const parsed = parseApacheConf('OIDCOAuthAcceptTokenAs header \\\n  query\nInclude conf.d/*.conf\n', 'a.conf');
    assert.deepEqual(parsed.root.directives[0]!.args, ['header', 'query']);
    assert.match(parsed.warnings[0]!, /a\.conf line 3: Include conf\.d\/\*\.conf was not followed/);
  });
});
