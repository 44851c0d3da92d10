import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { importAny } from '../../../src/core/importers';
import { assertLoads, postman, step, stepsOf } from './helpers';

/**
 * Okta's own Postman collections (test/fixtures/real/okta, see SOURCES.md)
 * import as an IdP with token, introspect and revoke steps, and their
 * userinfo request as a call that sends a token the flow fetched, instead of
 * dozens of plain requests with a literal `Authorization: Basic` header.
 */

const REAL = join(__dirname, '..', '..', 'fixtures', 'real', 'okta');
const real = (name: string) => importAny(readFileSync(join(REAL, name), 'utf8'), { fileName: name });

describe("importers: Okta's public Postman collections", () => {
  describe('OpenID Connect (org authorization server)', () => {
    const result = real('open-id-connect.json');

    it('loads, with the Basic-auth client as an IdP on the org authorization server', () => {
      assertLoads(result);
      assert.deepEqual(result.file.idps?.okta, {
        issuer: '{{env.url}}',
        endpoints: {
          introspection: '{{env.url}}/oauth2/v1/introspect',
          revocation: '{{env.url}}/oauth2/v1/revoke',
          token: '{{env.url}}/oauth2/v1/token',
        },
        clientId: '{{env.clientId}}',
        clientAuth: 'client_secret_basic',
        clientSecret: '{{env.clientSecret}}',
      });
    });

    it('makes every POST to /token, /introspect and /revoke a token, introspect or revoke step', () => {
      const count = (type: string) => stepsOf(result).filter((s) => s.type === type).length;
      assert.equal(count('token'), 7);
      assert.equal(count('introspect'), 2);
      assert.equal(count('revoke'), 2);
      assert.ok(
        !stepsOf(result).some((s) => s.type === 'request' && /\/v1\/(token|introspect|revoke)$/.test(s.url)),
        'no IdP request is left as a plain request',
      );
      assert.doesNotMatch(result.yaml, /Authorization: Basic/, 'the literal Basic header is not left behind');
    });

    it('sends the token of a token step where the collection sends the unset {{accessToken}}', () => {
      const introspect = step(result, 'introspect-token', 'introspect');
      assert.equal(introspect.idp, 'okta');
      assert.match(
        introspect.token,
        /^\{\{steps\.get-access-token-with-resource-owner-password-cr\.token\.access_token\}\}$/,
      );
      const userinfo = step(result, 'get-userinfo', 'call');
      assert.equal(userinfo.route, 'url');
      assert.equal(userinfo.path, '/oauth2/v1/userinfo');
      assert.equal(userinfo.token, introspect.token);
      const ids = stepsOf(result).map((s) => s.id);
      assert.ok(ids.indexOf('get-access-token-with-resource-owner-password-cr') < ids.indexOf('introspect-token'));
      assert.ok(result.notCarried.some((n) => n.item === '{{accessToken}}'));
    });

    it('lists what is left to do by hand: signed client assertions, codes, browser sign-in requests', () => {
      const items = result.notCarried.map((n) => `${n.item}: ${n.reason}`).join('\n');
      assert.match(items, /Client Secret JWT" > body\.client_assertion: .*private_key_jwt/);
      assert.match(items, /"Get ID Token with Code" > body\.code: /);
      assert.match(items, /"Get Authorization Code \(Requires Inteceptor\)": an authorization request/);
    });
  });

  it('API Access Management: the custom authorization server is the issuer', () => {
    const result = real('api-access-mgmt.json');
    assertLoads(result);
    assert.equal(result.file.idps?.okta?.issuer, '{{env.url}}/oauth2/{{env.authorizationServerId}}');
    const call = step(result, 'get-userinfo', 'call');
    assert.equal(call.token, '{{steps.get-access-token-with-client-credentials.token.access_token}}');
  });

  it('inherits basic auth from the collection and folders as Postman does', () => {
    const basic = (id: string) => ({
      type: 'basic',
      basic: [
        { key: 'username', value: id },
        { key: 'password', value: '{{secret}}' },
      ],
    });
    const introspect = (name: string, auth?: unknown) => ({
      name,
      request: {
        method: 'POST',
        url: '{{url}}/oauth2/default/v1/introspect',
        ...(auth ? { auth } : {}),
        body: { mode: 'urlencoded', urlencoded: [{ key: 'token', value: '{{tok}}' }] },
      },
    });
    const result = importAny(
      postman({
        auth: basic('collection-client'),
        item: [
          introspect('From collection'),
          {
            name: 'Folder',
            auth: basic('folder-client'),
            item: [introspect('From folder'), introspect('Own', { type: 'noauth' })],
          },
        ],
        variable: [{ key: 'url', value: 'https://dev-1.okta.com' }],
      }),
      { fileName: 'c.json' },
    );
    assertLoads(result);
    const clientOf = (id: string) => result.file.idps?.[step(result, id, 'introspect').idp]?.clientId;
    assert.equal(clientOf('from-collection'), 'collection-client');
    assert.equal(clientOf('from-folder'), 'folder-client');
    assert.equal(clientOf('own'), undefined, 'noauth: a public client');
  });
});
