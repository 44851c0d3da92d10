import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { importAny, importPostman } from '../../../src/core/importers';
import { assertLoads, assertNoLeak, fixture, postman, step, stepsOf } from './helpers';

const FILE = 'postman-v21-okta-kong.json';
const CLIENT_SECRET = 'pm-Secret-Value-77aa';
const STALE_JWT =
  'eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiIwb2ExIiwiZXhwIjoxNzAwMDAwMDAwLCJpc3MiOiJodHRwczovL2Rldi0xMjM0NTYub2t0YS5jb20vb2F1dGgyL2RlZmF1bHQifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ';

describe('importPostman', () => {
  describe('the v2.1 Okta + Kong fixture', () => {
    const result = importPostman(fixture(FILE), { fileName: FILE });

    it('loads with loadFlowFile', () => {
      assertLoads(result);
    });

    it('turns the collection-level OAuth 2.0 into one IdP and one token step that folder requests inherit', () => {
      assert.deepEqual(result.file.idps, {
        okta: {
          issuer: 'https://{{env.okta_domain}}/oauth2/aus1billing',
          endpoints: { token: 'https://{{env.okta_domain}}/oauth2/aus1billing/v1/token' },
          clientId: '{{env.client_id}}',
          clientAuth: 'client_secret_post',
          clientSecret: '${env:OKTA_CLIENT_SECRET}',
        },
      });
      const token = step(result, 'token-okta', 'token');
      assert.equal(token.grant, 'client_credentials');
      assert.deepEqual(token.scopes, ['billing.read', 'billing.write']);
      assert.equal(step(result, 'list-invoices', 'call').token, '{{steps.token-okta.token.access_token}}');
      assert.equal(step(result, 'upload-attachment', 'call').token, '{{steps.token-okta.token.access_token}}');
    });

    it('keeps noauth requests without a token, and steps in collection order with folder names', () => {
      assert.deepEqual(
        stepsOf(result).map((s) => [s.id, s.name]),
        [
          ['health', 'Health'],
          ['token-okta', 'Token from okta (client credentials)'],
          ['list-invoices', 'Invoices / List invoices'],
          ['upload-attachment', 'Invoices / Upload attachment'],
          ['get-token-by-hand', 'Chained token / Get token by hand'],
          ['create-invoice', 'Chained token / Create invoice'],
        ],
      );
      const health = step(result, 'health', 'request');
      assert.equal(health.url, '{{env.kong_url}}/health');
      assert.equal(health.headers, undefined);
    });

    it('carries query lists (without disabled ones), path variables, urlencoded and raw JSON bodies', () => {
      const list = step(result, 'list-invoices', 'call');
      assert.equal(list.route, 'kong_url');
      assert.equal(list.path, '/invoices');
      assert.deepEqual(list.query, { limit: '10' });
      assert.equal(step(result, 'upload-attachment', 'call').path, '/invoices/inv_1001/attachments');
      // A grant posted by hand to a token endpoint is a token step; its posted client is the IdP's.
      const byHand = step(result, 'get-token-by-hand', 'token');
      assert.equal(byHand.grant, 'client_credentials');
      assert.deepEqual(byHand.scopes, ['billing.read']);
      const idp = result.file.idps?.[byHand.idp];
      assert.equal(idp?.clientId, '{{env.client_id}}');
      assert.equal(byHand.idp, step(result, 'token-okta', 'token').idp, 'the same client at the same issuer: one IdP');
      assert.deepEqual(step(result, 'create-invoice', 'call').json, {
        customer: '{{env.customer_id}}',
        amount: 4200,
        currency: 'EUR',
      });
    });

    it('turns pm.environment.set(…, pm.response.json().…) into a step reference for later uses', () => {
      assert.equal(step(result, 'create-invoice', 'call').token, '{{steps.get-token-by-hand.token.access_token}}');
      assert.ok(!('access_token' in (result.file.environments?.collection ?? {})), 'the stale stored token is dropped');
    });

    it('turns collection variables into an environment, secrets replaced', () => {
      assert.deepEqual(result.file.environments, {
        collection: {
          kong_url: 'https://kong.example.com',
          okta_domain: 'acme.okta.com',
          client_id: '0oaBilling123EXAMPLE',
          client_secret: '${env:OKTA_CLIENT_SECRET}',
          customer_id: 'cus_42',
        },
      });
      assert.deepEqual(
        result.secrets.map((s) => s.name),
        ['OKTA_CLIENT_SECRET'],
      );
      assertNoLeak(result, [CLIENT_SECRET, STALE_JWT]);
    });

    it('lists every script it cannot run with its first line, and other losses', () => {
      const byItem = new Map(result.notCarried.map((n) => [n.item, n.reason]));
      assert.deepEqual(
        [...byItem.keys()],
        [
          'collection "Billing API via Kong" > test script',
          'request "List invoices" > headers.X-Correlation-Id',
          'request "List invoices" > test script',
          'request "Upload attachment" > body.file',
          'request "Upload attachment" > body',
          'request "Upload attachment" > pre-request script',
          'request "Get token by hand" > test script',
        ],
      );
      assert.match(
        byItem.get('request "List invoices" > test script')!,
        /starts with: pm\.test\("Status code is 200", function \(\) \{$/,
      );
      assert.match(
        byItem.get('request "Upload attachment" > pre-request script')!,
        /starts with: pm\.variables\.set\('filename'/,
      );
      assert.match(byItem.get('request "Get token by hand" > test script')!, /beyond setting access_token/);
      assert.match(byItem.get('request "List invoices" > headers.X-Correlation-Id')!, /\{\{\$guid\}\}/);
      assert.match(byItem.get('request "Upload attachment" > body')!, /multipart/);
    });
  });

  it('carries a modern test script (destructuring inside pm.test) as chaining to later requests', () => {
    const text = postman({
      item: [
        {
          name: 'Login',
          event: [
            {
              listen: 'test',
              script: {
                type: 'text/javascript',
                exec: [
                  'pm.test("Status code is 200", function () {',
                  '    pm.response.to.have.status;',
                  '    const {access, refresh} = pm.response.json().data;',
                  '    pm.environment.set("access-token", access);',
                  '    pm.environment.set("refresh-token", refresh);',
                  '});',
                ],
              },
            },
          ],
          request: { method: 'POST', url: 'https://api.example.com/login' },
        },
        {
          name: 'Me',
          request: {
            method: 'GET',
            url: 'https://api.example.com/me',
            auth: { type: 'bearer', bearer: [{ key: 'token', value: '{{access-token}}' }] },
          },
        },
      ],
    });
    const result = importPostman(text, { fileName: 'modern.json' });
    assertLoads(result);
    assert.equal(step(result, 'me', 'call').token, '{{steps.login.response.body.$.data.access}}');
    assert.deepEqual(result.secrets, []);
  });

  it('lets a folder override the collection auth, and requests override the folder', () => {
    const text = postman({
      auth: { type: 'bearer', bearer: [{ key: 'token', value: '{{collectionToken}}' }] },
      variable: [
        { key: 'collectionToken', value: '' },
        { key: 'folderToken', value: '' },
      ],
      item: [
        {
          name: 'Folder',
          auth: { type: 'bearer', bearer: [{ key: 'token', value: '{{folderToken}}' }] },
          item: [
            { name: 'In folder', request: { method: 'GET', url: 'https://api.example.com/a' } },
            {
              name: 'Explicit none',
              request: { method: 'GET', url: 'https://api.example.com/b', auth: { type: 'noauth' } },
            },
            {
              name: 'Inherit',
              request: { method: 'GET', url: 'https://api.example.com/c', auth: { type: 'inherit' } },
            },
          ],
        },
        { name: 'Top', request: { method: 'GET', url: 'https://api.example.com/d' } },
      ],
    });
    const result = importPostman(text, { fileName: 't.json' });
    assertLoads(result);
    assert.equal(step(result, 'in-folder', 'call').token, '{{env.folderToken}}');
    assert.equal(step(result, 'explicit-none', 'request').headers, undefined);
    assert.equal(step(result, 'inherit', 'call').token, '{{env.folderToken}}');
    assert.equal(step(result, 'top', 'call').token, '{{env.collectionToken}}');
  });

  it('recognises the JSON.parse(responseBody) form and collectionVariables, and only for later requests', () => {
    const text = postman({
      item: [
        { name: 'Before', request: { method: 'GET', url: 'https://api.example.com/x?id={{orderId}}' } },
        {
          name: 'Create order',
          event: [
            {
              listen: 'test',
              script: {
                exec: [
                  'var data = JSON.parse(responseBody);',
                  'pm.collectionVariables.set("orderId", data.items[0]["id"]);',
                ],
              },
            },
          ],
          request: { method: 'POST', url: 'https://api.example.com/orders' },
        },
        { name: 'After', request: { method: 'GET', url: 'https://api.example.com/orders/{{orderId}}' } },
      ],
    });
    const result = importPostman(text, { fileName: 't.json' });
    assertLoads(result);
    assert.equal(step(result, 'before', 'request').url, 'https://api.example.com/x?id={{env.orderId}}');
    assert.equal(
      step(result, 'after', 'request').url,
      "https://api.example.com/orders/{{steps.create-order.response.body.$.items[0]['id']}}",
    );
    assert.ok(
      !result.notCarried.some((n) => n.item.includes('Create order')),
      'a script that only chains is fully carried',
    );
  });

  it('masks key-like literals in the script line it reports', () => {
    const text = postman({
      item: [
        {
          name: 'Sets a key',
          event: [
            { listen: 'prerequest', script: { exec: ["pm.environment.set('apiKey', 'AKIA1234567890ABCDEFXYZ');"] } },
          ],
          request: { method: 'GET', url: 'https://api.example.com/a' },
        },
      ],
    });
    const result = importPostman(text, { fileName: 't.json' });
    assertNoLeak(result, ['AKIA1234567890ABCDEFXYZ']);
    assert.match(result.notCarried[0]!.reason, /pm\.environment\.set\('apiKey', '\*\*\*'\)/);
  });

  it('maps authorization_code_with_pkce and password_credentials grants', () => {
    const oauth = (grant: string, extra: Array<{ key: string; value: string }> = []) => ({
      type: 'oauth2',
      oauth2: [
        { key: 'grant_type', value: grant },
        { key: 'accessTokenUrl', value: 'https://login.example.org/oauth2/token' },
        { key: 'authUrl', value: 'https://login.example.org/oauth2/authorize' },
        { key: 'clientId', value: 'web' },
        { key: 'challengeAlgorithm', value: 'S256' },
        { key: 'redirect_uri', value: 'http://localhost:9000/cb' },
        ...extra,
      ],
    });
    const text = postman({
      item: [
        {
          name: 'Code',
          request: { method: 'GET', url: 'https://api.example.org/me', auth: oauth('authorization_code_with_pkce') },
        },
        {
          name: 'Ropc',
          request: {
            method: 'GET',
            url: 'https://api.example.org/me',
            auth: oauth('password_credentials', [
              { key: 'username', value: 'dana' },
              { key: 'password', value: 'pw-Literal-445566' },
              { key: 'accessToken', value: 'at-Stored-Value-000111' },
            ]),
          },
        },
      ],
    });
    const result = importPostman(text, { fileName: 't.json' });
    assertLoads(result);
    const code = step(result, 'token-example', 'token');
    assert.equal(code.grant, 'authorization_code');
    assert.equal(code.pkce, true);
    assert.equal(code.redirectUri, 'http://localhost:9000/cb');
    const ropc = step(result, 'token-example-2', 'token');
    assert.equal(ropc.grant, 'password');
    assert.equal(ropc.password, '${env:EXAMPLE_PASSWORD}');
    assert.ok(
      result.notCarried.some((n) => n.item === 'request "Ropc" > auth.accessToken' && /fetched earlier/.test(n.reason)),
    );
    assertNoLeak(result, ['pw-Literal-445566', 'at-Stored-Value-000111']);
  });

  it('reads Collection v2.0 like v2.1, with its auth settings written as a mapping', () => {
    const text = JSON.stringify({
      info: { name: 'Old', schema: 'https://schema.getpostman.com/json/collection/v2.0.0/collection.json' },
      variables: [{ key: 'base', value: 'https://api.example.org' }],
      item: [
        {
          name: 'Token',
          request: {
            method: 'POST',
            url: 'https://login.example.org/oauth2/token',
            auth: { type: 'basic', basic: { username: 'svc', password: 'v20-Secret-Value-3344', showPassword: false } },
            body: { mode: 'urlencoded', urlencoded: [{ key: 'grant_type', value: 'client_credentials' }] },
          },
        },
        { name: 'Me', request: { method: 'GET', url: '{{base}}/me', header: [] } },
      ],
    });
    const result = importAny(text, { fileName: 'old.json' });
    assertLoads(result);
    assert.match(result.yaml, /\(Postman v2\.0 export/);
    // The mapping form of basic auth is read: the token request's Basic credentials become the IdP's client.
    assert.deepEqual(
      stepsOf(result).map((s) => s.type),
      ['token', 'request'],
    );
    const idp = Object.values(result.file.idps ?? {})[0]!;
    assert.equal(idp.clientId, 'svc');
    assert.equal(idp.clientAuth, 'client_secret_basic');
    assert.match(String(idp.clientSecret), /^\$\{env:\w+\}$/);
    assert.equal(result.file.environments?.collection?.base, 'https://api.example.org');
    assertNoLeak(result, ['v20-Secret-Value-3344']);
  });

  it("reads the legacy 'events' key like 'event', so its scripts are reported, not dropped", () => {
    const text = postman({
      item: [
        {
          name: 'Legacy',
          events: [
            { listen: 'test', script: { type: 'text/javascript', exec: 'tests["ok"] = responseCode.code === 200;' } },
          ],
          request: { method: 'GET', url: 'https://api.example.org/a' },
        },
      ],
    });
    const result = importPostman(text, { fileName: 'legacy.json' });
    assert.ok(
      result.notCarried.some((n) => n.item === 'request "Legacy" > test script'),
      JSON.stringify(result.notCarried),
    );
  });

  it('never writes a client secret, whatever it looks like (property)', () => {
    // A digit and a letter, 12+ characters: never equal to text the file holds anyway (URLs, ids).
    const secret = fc
      .stringMatching(/^[A-Za-z0-9_\-.~+/]{12,40}$/)
      .filter((s) => /[0-9]/.test(s) && /[A-Za-z]/.test(s));
    fc.assert(
      fc.property(secret, fc.constantFrom('collection', 'variable'), (value, place) => {
        const oauth = (clientSecret: string) => ({
          type: 'oauth2',
          oauth2: [
            { key: 'grant_type', value: 'client_credentials' },
            { key: 'accessTokenUrl', value: 'https://example.okta.com/oauth2/default/v1/token' },
            { key: 'clientId', value: 'client-1' },
            { key: 'clientSecret', value: clientSecret },
          ],
        });
        const text = postman({
          auth: oauth(place === 'collection' ? value : '{{secret}}'),
          variable: place === 'variable' ? [{ key: 'secret', value }] : [],
          item: [{ name: 'Call', request: { method: 'GET', url: 'https://api.example.com/x' } }],
        });
        const result = importAny(text, { fileName: 'p.json' });
        assertLoads(result);
        assertNoLeak(result, [value]);
        assert.ok(result.secrets.length >= 1);
      }),
      { numRuns: 150 },
    );
  });
});
