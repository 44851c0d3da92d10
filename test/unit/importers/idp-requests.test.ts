import { strict as assert } from 'node:assert';
import { importAny } from '../../../src/core/importers';
import { assertLoads, assertNoLeak, fixture, insomniaRequest, insomniaV4, step, stepsOf } from './helpers';

/**
 * Requests an export makes to the IdP by hand (a grant posted to a token
 * endpoint, a token posted to introspect or revoke) become the IdP and the
 * token, introspect and revoke steps that do the same, so the imported flow
 * holds a token the diagnosis can follow.
 */

const form = (pairs: Record<string, string>) => ({
  mimeType: 'application/x-www-form-urlencoded',
  params: Object.entries(pairs).map(([name, value]) => ({ name, value })),
});

describe('importers: requests made to the IdP by hand', () => {
  describe('the introspection scenario exported from Insomnia', () => {
    const NAME = 'insomnia-v4-introspection-scenario.json';
    const result = importAny(fixture(NAME), { fileName: NAME });

    it('makes the Basic-auth token POST an IdP and a client-credentials token step', () => {
      assertLoads(result);
      assert.deepEqual(result.file.idps, {
        okta: {
          issuer: 'https://{{env.okta_domain}}/oauth2/default',
          endpoints: { token: 'https://{{env.okta_domain}}/oauth2/default/v1/token' },
          clientId: '{{env.client_id}}',
          clientAuth: 'client_secret_basic',
          clientSecret: '{{env.client_secret}}',
        },
      });
      const token = step(result, 'token-client-credentials', 'token');
      assert.equal(token.grant, 'client_credentials');
      assert.deepEqual(token.scopes, ['orders:read']);
    });

    it('makes the request whose Bearer header is the token response tag a call on the Kong route', () => {
      assert.deepEqual(
        stepsOf(result).map((s) => [s.id, s.type]),
        [
          ['token-client-credentials', 'token'],
          ['orders-through-kong', 'call'],
        ],
      );
      const call = step(result, 'orders-through-kong', 'call');
      assert.equal(call.route, 'kong_url');
      assert.equal(call.path, '/orders');
      assert.equal(call.token, '{{steps.token-client-credentials.token.access_token}}');
      assert.deepEqual(call.headers, { Accept: 'application/json' }, 'the Authorization header is the route token');
    });

    it('has nothing left to do by hand', () => {
      assert.deepEqual(result.notCarried, []);
    });
  });

  it('turns introspection and revocation POSTs into introspect and revoke steps on the same IdP', () => {
    const text = insomniaV4([
      insomniaRequest('req_1', {
        name: 'Token',
        method: 'POST',
        url: 'https://{{ _.host }}/oauth2/aus1/v1/token',
        body: form({ grant_type: 'client_credentials', scope: 'a b' }),
        authentication: { type: 'basic', username: '{{ _.id }}', password: '{{ _.secret }}' },
      }),
      insomniaRequest('req_2', {
        name: 'Introspect',
        method: 'POST',
        url: 'https://{{ _.host }}/oauth2/aus1/v1/introspect',
        body: form({
          token: "{% response 'body', 'req_1', 'b64::JC5hY2Nlc3NfdG9rZW4=::46b', 'never', 60 %}",
          token_type_hint: 'access_token',
        }),
        authentication: { type: 'basic', username: '{{ _.id }}', password: '{{ _.secret }}' },
      }),
      insomniaRequest('req_3', {
        name: 'Revoke',
        method: 'POST',
        url: 'https://{{ _.host }}/oauth2/aus1/v1/revoke',
        body: form({ token: "{% response 'body', 'req_1', 'b64::JC5hY2Nlc3NfdG9rZW4=::46b', 'never', 60 %}" }),
        authentication: { type: 'basic', username: '{{ _.id }}', password: '{{ _.secret }}' },
      }),
    ]);
    const result = importAny(text, { fileName: 't.json' });
    assertLoads(result);
    assert.deepEqual(Object.keys(result.file.idps ?? {}), ['okta']);
    assert.deepEqual(result.file.idps?.okta?.endpoints, {
      token: 'https://{{env.host}}/oauth2/aus1/v1/token',
      introspection: 'https://{{env.host}}/oauth2/aus1/v1/introspect',
      revocation: 'https://{{env.host}}/oauth2/aus1/v1/revoke',
    });
    assert.equal(result.file.idps?.okta?.issuer, 'https://{{env.host}}/oauth2/aus1');
    const introspect = step(result, 'introspect', 'introspect');
    assert.equal(introspect.token, '{{steps.token.token.access_token}}');
    assert.equal(introspect.hint, 'access_token');
    assert.equal(step(result, 'revoke', 'revoke').token, '{{steps.token.token.access_token}}');
    assert.deepEqual(step(result, 'token', 'token').scopes, ['a', 'b']);
  });

  it('reads the client out of a literal Basic header, and names its secret', () => {
    const credential = Buffer.from('0oaLiteral:literal-Secret-Value-9').toString('base64');
    const text = insomniaV4([
      insomniaRequest('req_1', {
        name: 'Token',
        method: 'POST',
        url: 'https://id.example.com/realms/shop/protocol/openid-connect/token',
        headers: [{ name: 'Authorization', value: `Basic ${credential}` }],
        body: form({ grant_type: 'password', username: 'dana', password: 'pw-Value-Hunter2!' }),
      }),
    ]);
    const result = importAny(text, { fileName: 't.json' });
    assertLoads(result);
    const idp = result.file.idps?.keycloak;
    assert.equal(idp?.issuer, 'https://id.example.com/realms/shop');
    assert.equal(idp?.clientId, '0oaLiteral');
    assert.equal(idp?.clientAuth, 'client_secret_basic');
    assert.equal(idp?.clientSecret, '${env:KEYCLOAK_CLIENT_SECRET}');
    const token = step(result, 'token', 'token');
    assert.equal(token.grant, 'password');
    assert.equal(token.username, 'dana');
    assert.equal(token.password, '${env:KEYCLOAK_PASSWORD}');
    assertNoLeak(result, ['literal-Secret-Value-9', 'pw-Value-Hunter2!', credential]);
  });

  it('reports what a hand-made request holds that the IdP must be told by hand', () => {
    const text = insomniaV4([
      insomniaRequest('req_1', {
        name: 'Token',
        method: 'POST',
        url: 'https://auth.example.com/oauth/token',
        headers: [
          { name: 'Authorization', value: 'Basic {{ _.credentials }}' },
          { name: 'X-Trace', value: '1' },
        ],
        body: form({ grant_type: 'client_credentials', client_id: 'cli', audience: 'https://api' }),
      }),
      insomniaRequest('req_2', {
        name: 'Signed introspection',
        method: 'POST',
        url: 'https://auth.example.com/introspect',
        body: form({
          token: '{{ _.token }}',
          client_id: 'cli2',
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: '{{ _.assertion }}',
        }),
      }),
      insomniaRequest('req_3', {
        name: 'Reads the expiry',
        url: "https://api.example.com/x?ttl={% response 'body', 'req_1', 'b64::JC5leHBpcmVzX2lu::46b', 'never', 60 %}",
      }),
    ]);
    const result = importAny(text, { fileName: 't.json' });
    assertLoads(result);
    const reasons = new Map(result.notCarried.map((n) => [n.item, n.reason]));
    assert.match(reasons.get('request "Token" > headers.Authorization') ?? '', /cannot be read apart/);
    assert.match(reasons.get('request "Token" > headers.X-Trace') ?? '', /not sent/);
    assert.match(reasons.get('request "Signed introspection" > body.client_assertion') ?? '', /private_key_jwt/);
    assert.ok(
      [...reasons].some(([item, why]) => item.startsWith('{{env.token_value}}') || /token request "token"/.test(why)),
      JSON.stringify(result.notCarried),
    );
    assert.equal(step(result, 'token', 'token').audience, 'https://api');
    assert.equal(result.file.idps?.example?.clientSecret, '${env:EXAMPLE_CLIENT_SECRET}');
    assert.ok(
      result.secrets.some((x) => x.name === 'EXAMPLE_CLIENT_SECRET' && /not in the export: set it/.test(x.where)),
    );
    assert.equal(result.file.idps?.example?.discovery, false, 'a generic URL names no issuer: explicit endpoints');
  });

  it('chains each call to the token its own request used, not the last token step', () => {
    const tokenOf = (ref: string) => `{% response 'body', '${ref}', 'b64::JC5hY2Nlc3NfdG9rZW4=::46b', 'never', 60 %}`;
    const tokenRequest = (id: string, name: string, client: string) =>
      insomniaRequest(id, {
        name,
        method: 'POST',
        url: 'https://dev-1.okta.com/oauth2/default/v1/token',
        body: form({ grant_type: 'client_credentials' }),
        authentication: { type: 'basic', username: client, password: '{{ _.secret }}' },
      });
    const call = (id: string, name: string, ref: string) =>
      insomniaRequest(id, {
        name,
        url: 'http://kong.test/orders',
        authentication: { type: 'bearer', token: tokenOf(ref) },
      });
    const text = insomniaV4([
      tokenRequest('req_a', 'Token A', 'client-a'),
      tokenRequest('req_b', 'Token B', 'client-b'),
      call('req_1', 'As B', 'req_b'),
      call('req_2', 'As A', 'req_a'),
    ]);
    const result = importAny(text, { fileName: 't.json' });
    assertLoads(result);
    assert.deepEqual(Object.keys(result.file.idps ?? {}), ['okta', 'okta-2']);
    assert.equal(step(result, 'as-b', 'call').token, '{{steps.token-b.token.access_token}}');
    assert.equal(step(result, 'as-a', 'call').token, '{{steps.token-a.token.access_token}}');
  });

  it('keeps a POST of an unknown grant as a plain request', () => {
    const text = insomniaV4([
      insomniaRequest('req_1', {
        name: 'Odd grant',
        method: 'POST',
        url: 'https://auth.example.com/token',
        body: form({ grant_type: 'urn:example:custom' }),
      }),
    ]);
    const result = importAny(text, { fileName: 't.json' });
    assert.equal(step(result, 'odd-grant', 'request').form?.grant_type, 'urn:example:custom');
  });
});
