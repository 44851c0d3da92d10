import { strict as assert } from 'node:assert';
import { importAny, importInsomnia } from '../../../src/core/importers';
import { assertLoads, assertNoLeak, fixture, insomniaRequest, insomniaV4, step, stepsOf } from './helpers';

const V4 = 'insomnia-v4-okta-kong.json';
const V5 = 'insomnia-v5-okta-kong.yaml';
const FIXTURE_SECRET = 's3cr3t-Client-Value-0001';

describe('importInsomnia', () => {
  describe('the v4 Okta + Kong fixture', () => {
    const result = importInsomnia(fixture(V4), { fileName: V4 });

    it('loads with loadFlowFile', () => {
      assertLoads(result);
    });

    it('turns OAuth 2.0 auth and token requests into IdPs deduplicated by issuer and client id', () => {
      const idps = result.file.idps ?? {};
      assert.deepEqual(Object.keys(idps), ['okta', 'okta-2']);
      // The token request posts the client's credentials first; the OAuth 2.0 settings of the same client reuse it.
      assert.deepEqual(idps.okta, {
        issuer: 'https://{{env.oktaDomain}}/oauth2/default',
        endpoints: { token: 'https://{{env.oktaDomain}}/oauth2/default/v1/token' },
        clientId: '{{env.clientId}}',
        clientAuth: 'client_secret_post',
        clientSecret: '{{env.clientSecret}}',
      });
      assert.ok(
        result.notCarried.some(
          (n) => n.item === 'request "Get first order" > auth' && /IdP okta keeps client_secret_post/.test(n.reason),
        ),
      );
      assert.equal(idps['okta-2']?.clientId, '0oaSpaClient000EXAMPLE');
      assert.equal(idps['okta-2']?.clientAuth, 'none', 'a public client has no secret');
      assert.equal(idps['okta-2']?.endpoints?.authorization, 'https://{{env.oktaDomain}}/oauth2/default/v1/authorize');
    });

    it('orders steps so chained responses exist, token steps just before their first use', () => {
      assert.deepEqual(
        stepsOf(result).map((s) => s.id),
        ['get-token-client-credentials', 'list-orders', 'token-okta', 'get-first-order', 'token-okta-2', 'my-profile'],
      );
    });

    it('turns a bearer response tag into a route token read from the earlier step', () => {
      const call = step(result, 'list-orders', 'call');
      assert.equal(call.route, 'kongUrl');
      assert.equal(call.path, '/orders');
      assert.deepEqual(call.query, { status: 'open' }, 'disabled parameters are left out');
      assert.equal(call.token, '{{steps.get-token-client-credentials.token.access_token}}');
      assert.deepEqual(result.file.routes?.kongUrl, {
        baseUrl: '{{env.kongUrl}}',
        token: { in: 'header', name: 'Authorization', scheme: 'Bearer' },
      });
    });

    it('expands an environment value holding a response tag where it is used', () => {
      const call = step(result, 'get-first-order', 'call');
      assert.equal(call.path, '/orders/{{steps.list-orders.response.body.$.items[0].id}}');
      assert.equal(call.token, '{{steps.token-okta.token.access_token}}');
      for (const values of Object.values(result.file.environments ?? {})) assert.ok(!('firstOrderId' in values));
    });

    it('makes token steps with grant, scopes and PKCE', () => {
      const cc = step(result, 'token-okta', 'token');
      assert.equal(cc.grant, 'client_credentials');
      assert.deepEqual(cc.scopes, ['orders.read', 'orders.write']);
      const code = step(result, 'token-okta-2', 'token');
      assert.equal(code.grant, 'authorization_code');
      assert.equal(code.pkce, true);
      assert.equal(code.redirectUri, 'http://localhost:8765/callback');
    });

    it('turns a token request posting the client in its body into a token step (client_secret_post)', () => {
      const token = step(result, 'get-token-client-credentials', 'token');
      assert.equal(token.idp, 'okta');
      assert.equal(token.grant, 'client_credentials');
      assert.deepEqual(token.scopes, ['orders.read']);
      assert.equal(token.name, 'Okta / Get token (client credentials)');
    });

    it('makes one environment per sub-environment, merged over the base', () => {
      assert.deepEqual(Object.keys(result.file.environments ?? {}), ['local-kong', 'dev-kong']);
      assert.equal(result.file.environments?.['local-kong']?.kongUrl, 'http://localhost:8000');
      assert.equal(result.file.environments?.['dev-kong']?.kongUrl, 'https://kong.dev.example.com');
      assert.equal(result.file.defaultEnvironment, 'local-kong');
    });

    it('replaces the client secret everywhere by one reference and lists it', () => {
      assert.deepEqual(
        result.secrets.map((s) => s.name),
        ['OKTA_CLIENT_SECRET'],
      );
      assert.match(result.secrets[0]!.where, /request "Get first order" > auth\.clientSecret \(client of idps\.okta\)/);
      assert.match(result.secrets[0]!.where, /environments\.local-kong\.clientSecret/);
      assert.equal(result.file.environments?.['dev-kong']?.clientSecret, '${env:OKTA_CLIENT_SECRET}');
      assertNoLeak(result, [FIXTURE_SECRET]);
    });

    it('reports what it could not carry: tags, scripts, PKCE plain, fixed state', () => {
      const items = result.notCarried.map((n) => n.item);
      assert.deepEqual(items, [
        'request "List orders" > headers.X-Request-Id',
        'request "Get first order" > auth',
        'request "Get first order" > pre-request script',
        'request "My profile" > auth.pkceMethod',
        'request "My profile" > auth.state',
      ]);
      assert.match(result.notCarried[0]!.reason, /\{% uuid %\}/);
      assert.match(result.notCarried[2]!.reason, /starts with: \/\/ make sure the order exists/);
      assert.equal(step(result, 'list-orders', 'call').headers?.['X-Request-Id'], undefined);
    });

    it('writes a header comment saying where the file came from', () => {
      assert.match(
        result.yaml,
        /^# Imported by "oidc-flow import" from insomnia-v4-okta-kong\.json \(Insomnia v4 export "Orders API \(Okta \+ Kong\)"\)/,
      );
      assert.match(result.yaml, /#\s+OKTA_CLIENT_SECRET/);
      assert.match(result.yaml, /# Not carried over \(5\):/);
    });
  });

  it('reads the v5 YAML equivalent into the same flow file', () => {
    const v4 = importInsomnia(fixture(V4), { fileName: V4 });
    const v5 = importInsomnia(fixture(V5), { fileName: V5 });
    assertLoads(v5);
    const flowsV4 = Object.values(v4.file.flows!)[0]!;
    const flowsV5 = Object.values(v5.file.flows!)[0]!;
    assert.deepEqual(flowsV5.steps, flowsV4.steps);
    assert.deepEqual({ ...v5.file, flows: undefined }, { ...v4.file, flows: undefined });
    assert.deepEqual(v5.notCarried, v4.notCarried);
    assert.deepEqual(v5.secrets, v4.secrets);
    assertNoLeak(v5, [FIXTURE_SECRET]);
  });

  describe('response-tag chaining', () => {
    it('maps header, raw and url attributes, and plain (non-b64) paths', () => {
      const text = insomniaV4([
        insomniaRequest('req_a', { name: 'First', url: 'https://api.example.com/a', metaSortKey: 1 }),
        insomniaRequest('req_b', {
          name: 'Second',
          url: "https://api.example.com/b/{% response 'url', 'req_a', '', 'never', 60 %}",
          metaSortKey: 2,
          headers: [
            { name: 'X-Etag', value: "{% response 'header', 'req_a', 'ETag', 'never', 60 %}" },
            { name: 'X-Raw', value: "{% response 'raw', 'req_a', '', 'never', 60 %}" },
            { name: 'X-Id', value: "{% response 'body', 'req_a', '$.data.id', 'never', 60 %}" },
            { name: 'X-Odd', value: "{% response 'header', 'req_a', 'b64::WC1PZGQgTmFtZQ==::46b' %}" },
          ],
        }),
      ]);
      const result = importAny(text, { fileName: 't.json' });
      assertLoads(result);
      const second = step(result, 'second', 'request');
      assert.equal(second.url, 'https://api.example.com/b/{{steps.first.request.url}}');
      assert.deepEqual(second.headers, {
        'X-Etag': '{{steps.first.response.headers.ETag}}',
        'X-Raw': '{{steps.first.response.body}}',
        'X-Id': '{{steps.first.response.body.$.data.id}}',
        'X-Odd': "{{steps.first.response.headers['X-Odd Name']}}",
      });
    });

    it('moves a request after the one it reads, keeping export order otherwise', () => {
      const text = insomniaV4([
        insomniaRequest('req_user', {
          name: 'Use token',
          url: "https://api.example.com/x?t={% response 'body', 'req_token', '$.access_token' %}",
          metaSortKey: 1,
        }),
        insomniaRequest('req_other', { name: 'Other', url: 'https://api.example.com/other', metaSortKey: 2 }),
        insomniaRequest('req_token', {
          name: 'Token',
          url: 'https://idp.example.com/token',
          method: 'POST',
          metaSortKey: 3,
        }),
      ]);
      const result = importAny(text, { fileName: 't.json' });
      assertLoads(result);
      assert.deepEqual(
        stepsOf(result).map((s) => s.id),
        ['other', 'token', 'use-token'],
      );
    });

    it('reports a cycle, breaks it at the first request and still loads', () => {
      const text = insomniaV4([
        insomniaRequest('req_a', {
          name: 'A',
          url: "https://api.example.com/a?x={% response 'body', 'req_b', '$.id' %}",
          metaSortKey: 1,
        }),
        insomniaRequest('req_b', {
          name: 'B',
          url: "https://api.example.com/b?y={% response 'body', 'req_a', '$.id' %}",
          metaSortKey: 2,
        }),
        insomniaRequest('req_c', { name: 'C', url: 'https://api.example.com/c', metaSortKey: 3 }),
      ]);
      const result = importAny(text, { fileName: 'cycle.json' });
      assertLoads(result);
      assert.deepEqual(
        stepsOf(result).map((s) => s.id),
        ['a', 'b', 'c'],
      );
      const cycle = result.notCarried.find((n) => n.item.startsWith('requests '));
      assert.ok(cycle, 'cycle reported');
      assert.equal(cycle.item, 'requests "A" → "B" → "A"');
      assert.match(cycle.reason, /cycle/);
      assert.equal(step(result, 'a', 'request').url, 'https://api.example.com/a?x={{env.b_value}}');
      assert.equal(step(result, 'b', 'request').url, 'https://api.example.com/b?y={{steps.a.response.body.$.id}}');
      assert.equal(result.file.environments?.default?.b_value, '');
    });

    it('reports a request that reads itself', () => {
      const text = insomniaV4([
        insomniaRequest('req_a', {
          name: 'Self',
          url: "https://api.example.com/a?x={% response 'body', 'req_a', '$.next' %}",
        }),
      ]);
      const result = importAny(text, { fileName: 'self.json' });
      assertLoads(result);
      assert.ok(result.notCarried.some((n) => n.item === 'requests "Self" → "Self"'));
    });

    it('turns a response tag to a request missing from the export into a value to fill in', () => {
      const text = insomniaV4([
        insomniaRequest('req_a', {
          name: 'A',
          url: "https://api.example.com/{% response 'body', 'req_gone', '$.id' %}",
        }),
      ]);
      const result = importAny(text, { fileName: 't.json' });
      assertLoads(result);
      assert.equal(step(result, 'a', 'request').url, 'https://api.example.com/{{env.response_req_gone}}');
      assert.ok(
        result.notCarried.some((n) => n.item === '{{env.response_req_gone}}' && /not in the export/.test(n.reason)),
      );
    });

    it('keeps IdP settings environment-only: a chained token URL becomes a value to fill in', () => {
      const text = insomniaV4([
        insomniaRequest('req_cfg', { name: 'Config', url: 'https://cfg.example.com/c', metaSortKey: 1 }),
        insomniaRequest('req_a', {
          name: 'A',
          url: 'https://api.example.com/a',
          metaSortKey: 2,
          authentication: {
            type: 'oauth2',
            grantType: 'client_credentials',
            accessTokenUrl: "{% response 'body', 'req_cfg', '$.token_endpoint' %}",
            clientId: 'x',
          },
        }),
      ]);
      const result = importAny(text, { fileName: 't.json' });
      assertLoads(result);
      assert.equal(result.file.idps?.idp?.endpoints?.token, '{{env.tokenUrl}}');
      assert.ok(
        result.notCarried.some(
          (n) => n.item === '{{env.tokenUrl}}' && /IdP settings can only read environments/.test(n.reason),
        ),
      );
    });

    it('reports XPath filters and script JSON paths instead of mistranslating them', () => {
      const text = insomniaV4([
        insomniaRequest('req_a', { name: 'A', url: 'https://api.example.com/a', metaSortKey: 1 }),
        insomniaRequest('req_b', {
          name: 'B',
          url: "https://api.example.com/b/{% response 'body', 'req_a', '/root/id' %}/{% response 'body', 'req_a', '$.items[?(@.x)]' %}",
          metaSortKey: 2,
        }),
      ]);
      const result = importAny(text, { fileName: 't.json' });
      assertLoads(result);
      assert.equal(step(result, 'b', 'request').url, 'https://api.example.com/b/{{env.a_value}}/{{env.a_value}}');
      assert.ok(result.notCarried.some((n) => /XPath/.test(n.reason)));
    });
  });

  describe('templates and environments', () => {
    it('maps {{ _.x }}, {{x}} and nested {{ _.a.b }} to environment values, resolving references between them', () => {
      const text = JSON.stringify({
        _type: 'export',
        __export_format: 4,
        resources: [
          { _id: 'wrk_1', _type: 'workspace', name: 'T' },
          {
            _id: 'env_1',
            _type: 'environment',
            parentId: 'wrk_1',
            name: 'Base',
            data: { host: 'api.example.com', base: 'https://{{ _.host }}/v1', okta: { domain: 'x.okta.com' } },
          },
          insomniaRequest('req_a', {
            name: 'A',
            url: '{{ _.base }}/items/{{legacy}}',
            headers: [{ name: 'X-Domain', value: "{{ _.okta.domain }}-{{ _['host'] }}" }],
          }),
        ],
      });
      const result = importAny(text, { fileName: 't.json' });
      assertLoads(result);
      assert.deepEqual(result.file.environments?.base, {
        host: 'api.example.com',
        base: 'https://api.example.com/v1',
        okta_domain: 'x.okta.com',
        legacy: '',
      });
      const a = step(result, 'a', 'request');
      assert.equal(a.url, '{{env.base}}/items/{{env.legacy}}');
      assert.deepEqual(a.headers, { 'X-Domain': '{{env.okta_domain}}-{{env.host}}' });
      assert.ok(result.notCarried.some((n) => n.item === '{{env.legacy}}' && /no environment/.test(n.reason)));
    });

    it('reports faker, prompt and now tags, and filter expressions; drops a field that held only a tag', () => {
      const text = insomniaV4([
        insomniaRequest('req_a', {
          name: 'A',
          url: 'https://api.example.com/a',
          headers: [
            { name: 'X-Email', value: "{% faker 'randomEmail' %}" },
            { name: 'X-When', value: "at {% now 'iso-8601' %}" },
            { name: 'X-Otp', value: "{% prompt 'OTP', 'one-time code', '' %}" },
            { name: 'X-Up', value: '{{ _.name | upper }}' },
          ],
        }),
      ]);
      const result = importAny(text, { fileName: 't.json' });
      assertLoads(result);
      assert.deepEqual(step(result, 'a', 'request').headers, { 'X-When': 'at ' });
      const reasons = result.notCarried.map((n) => n.reason).join('\n');
      assert.match(reasons, /\{% faker %\}/);
      assert.match(reasons, /\{% now %\}/);
      assert.match(reasons, /\{% prompt %\} tag asks for a value/);
      assert.match(reasons, /filters or code/);
    });

    it('applies folder auth to requests without their own, and folder headers', () => {
      const text = insomniaV4([
        {
          _id: 'fld_1',
          _type: 'request_group',
          parentId: 'wrk_1',
          name: 'Secured',
          authentication: { type: 'bearer', token: '{{ _.apiToken }}', prefix: 'Token' },
          headers: [{ name: 'X-Team', value: 'billing' }],
        },
        insomniaRequest('req_a', { parentId: 'fld_1', name: 'Inherits', url: 'https://api.example.com/a' }),
        insomniaRequest('req_b', {
          parentId: 'fld_1',
          name: 'Opts out',
          url: 'https://api.example.com/b',
          authentication: { type: 'none' },
        }),
        {
          _id: 'env_1',
          _type: 'environment',
          parentId: 'wrk_1',
          name: 'Base',
          data: { apiToken: 'tok-Literal-Value-98765' },
        },
      ]);
      const result = importAny(text, { fileName: 't.json' });
      assertLoads(result);
      const a = step(result, 'inherits', 'call');
      assert.equal(a.token, '{{env.apiToken}}');
      assert.deepEqual(a.headers, { 'X-Team': 'billing' });
      assert.equal(result.file.routes?.['api-example-com']?.token?.scheme, 'Token');
      assert.equal(step(result, 'opts-out', 'request').headers?.Authorization, undefined);
      assert.equal(result.file.environments?.base?.apiToken, '${env:API_TOKEN}');
      assert.deepEqual(
        result.secrets.map((s) => s.name),
        ['API_TOKEN'],
      );
      assertNoLeak(result, ['tok-Literal-Value-98765']);
    });

    it('replaces literal bearer tokens, API keys and OAuth passwords by references', () => {
      const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyMTIzNDUifQ.c2lnbmF0dXJl';
      const text = insomniaV4([
        insomniaRequest('req_a', {
          name: 'Pasted token',
          url: 'https://api.example.com/a',
          authentication: { type: 'bearer', token: jwt },
        }),
        insomniaRequest('req_b', {
          name: 'Key',
          url: 'https://api.example.com/b',
          authentication: { type: 'apikey', key: 'X-Gateway-Key', value: 'gw-Key-Value-55555', addTo: 'header' },
        }),
        insomniaRequest('req_c', {
          name: 'ROPC',
          url: 'https://api.example.com/c',
          authentication: {
            type: 'oauth2',
            grantType: 'password',
            accessTokenUrl: 'https://auth.example.com/oauth/token',
            clientId: 'cli',
            clientSecret: 'cs-Value-12345678',
            username: 'dana',
            password: 'pw-Value-Hunter2!',
            credentialsInBody: true,
          },
        }),
        insomniaRequest('req_d', {
          name: 'Header',
          url: 'https://api.example.com/d',
          headers: [{ name: 'Authorization', value: `Bearer ${jwt}` }],
        }),
      ]);
      const result = importAny(text, { fileName: 't.json' });
      assertLoads(result);
      assert.equal(step(result, 'pasted-token', 'call').token, '${env:PASTED_TOKEN_TOKEN}');
      assert.equal(step(result, 'key', 'request').headers?.['X-Gateway-Key'], '${env:KEY_X_GATEWAY_KEY}');
      const ropc = step(result, 'token-example', 'token');
      assert.equal(ropc.grant, 'password');
      assert.equal(ropc.username, 'dana');
      assert.equal(ropc.password, '${env:EXAMPLE_PASSWORD}');
      assert.equal(result.file.idps?.example?.clientAuth, 'client_secret_post');
      assert.equal(result.file.idps?.example?.clientSecret, '${env:EXAMPLE_CLIENT_SECRET}');
      assert.equal(
        step(result, 'header', 'request').headers?.Authorization,
        'Bearer ${env:PASTED_TOKEN_TOKEN}',
        'the same token gets the same name',
      );
      assertNoLeak(result, [jwt, 'gw-Key-Value-55555', 'cs-Value-12345678', 'pw-Value-Hunter2!']);
    });

    it('reports grants and auth types it cannot carry', () => {
      const text = insomniaV4([
        insomniaRequest('req_a', {
          name: 'Implicit',
          url: 'https://api.example.com/a',
          authentication: {
            type: 'oauth2',
            grantType: 'implicit',
            authorizationUrl: 'https://auth.example.com/authorize',
            clientId: 'x',
          },
        }),
        insomniaRequest('req_b', {
          name: 'Basic',
          url: 'https://api.example.com/b',
          authentication: { type: 'basic', username: 'u', password: 'basic-Pass-Value-1' },
        }),
        {
          _id: 'ws_1',
          _type: 'websocket_request',
          parentId: 'wrk_1',
          name: 'Live feed',
          url: 'wss://api.example.com/feed',
        },
      ]);
      const result = importAny(text, { fileName: 't.json' });
      assertLoads(result);
      assert.ok(
        result.notCarried.some(
          (n) => n.item === 'request "Implicit" > auth.grantType' && /implicit grant is not supported/.test(n.reason),
        ),
      );
      // Basic auth is carried as the step's basicAuth, its password an ${env:} reference.
      assert.deepEqual(step(result, 'basic', 'request').basicAuth, {
        username: 'u',
        password: '${env:BASIC_PASSWORD}',
      });
      assert.deepEqual(
        result.secrets.map((secret) => secret.name),
        ['BASIC_PASSWORD'],
      );
      assert.ok(result.notCarried.some((n) => n.item === 'WebSocket "Live feed"'));
      assertNoLeak(result, ['basic-Pass-Value-1']);
    });

    it("names a cookie jar's cookies as not carried, never their values", () => {
      const text = insomniaV4([
        insomniaRequest('req_a', { name: 'A', url: 'https://api.example.com/a' }),
        {
          _id: 'jar_1',
          _type: 'cookie_jar',
          parentId: 'wrk_1',
          cookies: [
            { key: 'session', value: 'cookie-Session-Value-9911', domain: 'api.example.com' },
            { key: 'theme', value: 'dark' },
          ],
        },
      ]);
      const result = importAny(text, { fileName: 't.json' });
      const jar = result.notCarried.find((n) => n.item === 'cookie jar');
      assert.match(jar?.reason ?? '', /^2 cookies \(session \(api\.example\.com\), theme\) are not carried/);
      assertNoLeak(result, ['cookie-Session-Value-9911']);
    });

    it('keeps JSON bodies as json, with templates inside strings', () => {
      const text = insomniaV4([
        insomniaRequest('req_a', {
          name: 'Create',
          method: 'POST',
          url: 'https://api.example.com/items',
          body: { mimeType: 'application/json', text: '{"name": "{{ _.itemName }}", "count": 2}' },
        }),
        insomniaRequest('req_b', {
          name: 'Raw',
          method: 'POST',
          url: 'https://api.example.com/raw',
          body: { mimeType: 'application/json', text: '{"count": {{ _.count }}}' },
        }),
      ]);
      const result = importAny(text, { fileName: 't.json' });
      assertLoads(result);
      assert.deepEqual(step(result, 'create', 'request').json, { name: '{{env.itemName}}', count: 2 });
      const raw = step(result, 'raw', 'request');
      assert.equal(raw.body, '{"count": {{env.count}}}');
      assert.equal(raw.headers?.['Content-Type'], 'application/json');
    });
  });
});
