import { strict as assert } from 'node:assert';
import { oktaIssuer, oktaMetadata, oktaPresetIssuer } from '../../../src/core/oauth/okta';

describe('Okta presets', () => {
  it('builds the org and custom authorization server issuers', () => {
    assert.equal(oktaIssuer({ domain: 'dev-1.okta.com' }), 'https://dev-1.okta.com');
    assert.equal(
      oktaIssuer({ domain: 'dev-1.okta.com', authorizationServerId: 'default' }),
      'https://dev-1.okta.com/oauth2/default',
    );
    assert.equal(
      oktaIssuer({ domain: 'dev-1.okta.com', authorizationServerId: 'aus123abc' }),
      'https://dev-1.okta.com/oauth2/aus123abc',
    );
  });

  it('reads a preset as files and flags write it: no id is "default", "org" is the org server', () => {
    assert.equal(oktaPresetIssuer({ domain: 'dev-1.okta.com' }), 'https://dev-1.okta.com/oauth2/default');
    assert.equal(
      oktaPresetIssuer({ domain: 'dev-1.okta.com', authorizationServerId: 'org' }),
      'https://dev-1.okta.com',
    );
    assert.equal(
      oktaPresetIssuer({ domain: 'dev-1.okta.com', authorizationServerId: 'aus9' }),
      'https://dev-1.okta.com/oauth2/aus9',
    );
  });

  it('accepts a domain with https:// and trailing slashes, and keeps an explicit http:// for local mocks', () => {
    assert.equal(oktaIssuer({ domain: 'https://dev-1.okta.com/' }), 'https://dev-1.okta.com');
    assert.equal(oktaIssuer({ domain: '  https://dev-1.okta.com//  ' }), 'https://dev-1.okta.com');
    assert.equal(
      oktaIssuer({ domain: 'http://127.0.0.1:8080', authorizationServerId: 'default' }),
      'http://127.0.0.1:8080/oauth2/default',
    );
  });

  it('rejects a domain with a path, naming what to enter instead', () => {
    assert.throws(
      () => oktaIssuer({ domain: 'https://dev-1.okta.com/oauth2/default' }),
      (e: { code: string; message: string; hint: string }) =>
        e.code === 'okta.invalid_domain' && /oauth2\/default/.test(e.message) && /own field/.test(e.hint),
    );
    assert.throws(() => oktaIssuer({ domain: '' }), { code: 'okta.invalid_domain' });
  });

  it('lists the org server endpoints under /oauth2/v1', () => {
    const m = oktaMetadata({ domain: 'dev-1.okta.com' });
    assert.equal(m.issuer, 'https://dev-1.okta.com');
    assert.equal(m.token_endpoint, 'https://dev-1.okta.com/oauth2/v1/token');
    assert.equal(m.authorization_endpoint, 'https://dev-1.okta.com/oauth2/v1/authorize');
    assert.equal(m.introspection_endpoint, 'https://dev-1.okta.com/oauth2/v1/introspect');
    assert.equal(m.revocation_endpoint, 'https://dev-1.okta.com/oauth2/v1/revoke');
    assert.equal(m.jwks_uri, 'https://dev-1.okta.com/oauth2/v1/keys');
    assert.equal(m.userinfo_endpoint, 'https://dev-1.okta.com/oauth2/v1/userinfo');
    assert.equal(m.end_session_endpoint, 'https://dev-1.okta.com/oauth2/v1/logout');
    assert.equal(m.device_authorization_endpoint, 'https://dev-1.okta.com/oauth2/v1/device/authorize');
  });

  it('lists a custom server endpoints under /oauth2/{id}/v1', () => {
    const m = oktaMetadata({ domain: 'https://dev-1.okta.com/', authorizationServerId: 'default' });
    assert.equal(m.issuer, 'https://dev-1.okta.com/oauth2/default');
    assert.equal(m.token_endpoint, 'https://dev-1.okta.com/oauth2/default/v1/token');
    assert.equal(m.introspection_endpoint, 'https://dev-1.okta.com/oauth2/default/v1/introspect');
    assert.equal(m.jwks_uri, 'https://dev-1.okta.com/oauth2/default/v1/keys');
  });
});
