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
    // Placeholders are neither plain-text secrets nor a missing remote-user claim.
    assert.deepEqual(orders.sourceFindings, []);
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
    assert.match(cache.message, /cached for up to 5 minutes/);
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

  it('SSL validation off is reported in Apache terms', () => {
    const model = readApacheConf(conf('OIDCSSLValidateServer Off'));
    const finding = lintGatewayRoute(model.routes[0]!, model).find((f) => f.rule === 'ssl-verify-off')!;
    assert.equal(finding.field, 'OIDCSSLValidateServer');
    assert.match(finding.message, /^OIDCSSLValidateServer is Off, so Apache trusts any certificate/);
  });

  it('a plain-text client secret is a finding; a ${VAR} placeholder is not', () => {
    const model = readApacheConf(conf('OIDCOAuthClientSecret s3cr3t-in-file'));
    const finding = model.routes[0]!.sourceFindings.find((f) => f.rule === 'apache-plaintext-client-secret')!;
    assert.equal(finding.field, 'OIDCOAuthClientSecret');
    assert.match(finding.message, /written in plain text in the Apache configuration \(httpd\.conf line \d+\)/);
    assert.ok(!finding.message.includes('s3cr3t-in-file'));
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
