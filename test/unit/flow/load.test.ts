import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkFlowFile, FlowFileError, loadFlowFile } from '../../../src/core/flow';
import type { FlowFileIssue } from '../../../src/core/flow';
import { isOidcError } from '../../../src/core/errors';

const GOOD_YAML = `version: 1
environments:
  local:
    issuer: http://127.0.0.1:9400
    kongUrl: http://127.0.0.1:8000
    clientSecret: \${env:LOCAL_SECRET}
idps:
  okta:
    issuer: "{{env.issuer}}"
    clientId: orders-client
    clientAuth: client_secret_basic
    clientSecret: "{{env.clientSecret}}"
    scopes: [orders.read]
routes:
  orders:
    baseUrl: "{{env.kongUrl}}"
    path: /orders
flows:
  smoke:
    steps:
      - id: token
        type: token
        idp: okta
      - id: call
        type: call
        route: orders
        headers:
          X-Request-Id: "{{steps.token.token.token_type}}"
        assert:
          - status: 200
`;

/** Loads and returns the thrown FlowFileError (fails when nothing is thrown). */
function loadError(text: string, fileName = 'flows.yaml'): FlowFileError {
  try {
    loadFlowFile(text, { fileName });
  } catch (error) {
    assert.ok(error instanceof FlowFileError, `expected FlowFileError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected loadFlowFile to throw');
}

function errorsOf(text: string, fileName = 'flows.yaml'): FlowFileIssue[] {
  return checkFlowFile(text, { fileName }).issues.filter((i) => i.severity === 'error');
}

describe('flow file loader', () => {
  describe('good files', () => {
    it('loads YAML into the typed model', () => {
      const { file, warnings } = loadFlowFile(GOOD_YAML, { fileName: 'flows.yaml' });
      assert.equal(file.version, 1);
      assert.equal(file.idps?.okta?.clientAuth, 'client_secret_basic');
      const steps = file.flows?.smoke?.steps ?? [];
      assert.deepEqual(
        steps.map((s) => [s.id, s.type]),
        [
          ['token', 'token'],
          ['call', 'call'],
        ],
      );
      assert.deepEqual(warnings, []);
    });

    it('loads the same file written as JSON, choosing the format from the file name', () => {
      const { file: fromYaml } = loadFlowFile(GOOD_YAML, { fileName: 'flows.yaml' });
      const json = JSON.stringify(fromYaml, null, '\t');
      const { file } = loadFlowFile(json, { fileName: 'flows.json' });
      assert.deepEqual(file, fromYaml);
      assert.deepEqual(loadFlowFile(json, { fileName: 'whatever.txt', format: 'json' }).file, fromYaml);
    });

    it('tells where values sit, for run reports', () => {
      const { locate } = loadFlowFile(GOOD_YAML, { fileName: 'flows.yaml' });
      assert.equal(locate(['flows', 'smoke', 'steps', 1, 'route'])?.start.line, 26);
      assert.equal(locate(['idps', 'okta'], { key: true })?.start.line, 8);
    });

    it('loads the shipped example, the product scenario', () => {
      const text = readFileSync(join(__dirname, '../../../examples/introspection-scenario.yaml'), 'utf8');
      const { file, warnings } = loadFlowFile(text, { fileName: 'introspection-scenario.yaml' });
      assert.deepEqual(warnings, []);
      const flow = file.flows?.['introspection-scenario'];
      assert.ok(flow);
      assert.deepEqual(Object.keys(file.environments ?? {}), ['okta', 'sandbox']);
      assert.equal(file.routes?.orders?.gateway?.kind, 'kong');
      assert.deepEqual(file.routes?.orders?.gateway?.config?.auth_methods, ['introspection']);
      const types = flow.steps.map((s) => s.type);
      assert.deepEqual(types.slice(0, 3), ['token', 'call', 'introspect']);
      assert.ok(types.includes('admin') && types.includes('wait') && types.includes('repeat'));
    });
  });

  describe('syntax errors', () => {
    it('reports a YAML error with file, line and column', () => {
      const error = loadError('version: 1\nidps:\n  okta:\n    issuer: [unclosed\n', 'bad.yaml');
      assert.equal(error.code, 'flowfile.syntax');
      assert.match(error.where ?? '', /^bad\.yaml:\d+:\d+$/);
      assert.match(error.message, /YAML syntax error/);
      assert.ok(error.hint);
    });

    it('reports duplicate keys in YAML', () => {
      const error = loadError('version: 1\nidps: {}\nidps: {}\n');
      assert.equal(error.code, 'flowfile.syntax');
      assert.equal(error.where, 'flows.yaml:3:1');
      assert.match(error.message, /unique/i);
    });

    it('reports a JSON error at its line', () => {
      const error = loadError('{\n  "version": 1,\n  "idps": {,}\n}\n', 'flows.json');
      assert.equal(error.code, 'flowfile.syntax');
      assert.equal(error.where?.startsWith('flows.json:3:'), true, error.where);
      assert.match(error.message, /^Line 3: JSON syntax error/);
    });

    it('refuses alias bombs instead of expanding them', () => {
      const bomb = ['version: 1', 'a: &a [x, x, x, x, x, x, x, x, x, x]'];
      for (let i = 0; i < 8; i++)
        bomb.push(
          `${'b'.repeat(i + 1)}: &${'b'.repeat(i + 1)} [${Array(10)
            .fill(i === 0 ? '*a' : `*${'b'.repeat(i)}`)
            .join(', ')}]`,
        );
      const error = loadError(bomb.join('\n'));
      assert.equal(error.code, 'flowfile.syntax');
    });
  });

  describe('schema errors', () => {
    it('names an unknown field with its line and the closest known field', () => {
      const text = GOOD_YAML.replace('    scopes: [orders.read]', '    sope: [orders.read]');
      const error = loadError(text);
      assert.equal(error.code, 'flowfile.schema');
      assert.equal(error.where, 'flows.yaml:13:5');
      assert.match(error.message, /^Line 13: Unknown field 'sope' in idps\.okta; did you mean 'scopes'\?/);
      assert.match(error.hint ?? '', /clientSecret/);
    });

    it('lists allowed values for an enum and suggests the nearest', () => {
      const error = loadError(GOOD_YAML.replace('clientAuth: client_secret_basic', 'clientAuth: client_secret_basik'));
      assert.equal(error.code, 'flowfile.schema');
      assert.equal(error.where, 'flows.yaml:11:17');
      assert.match(
        error.message,
        /expected one of: client_secret_basic, .*private_key_jwt.*; did you mean 'client_secret_basic'\?/,
      );
    });

    it('explains an unknown step type', () => {
      const error = loadError(GOOD_YAML.replace('type: call', 'type: cal'));
      assert.match(
        error.message,
        /flows\.smoke\.steps\[1\]\.type is 'cal'; expected one of: token, .*; did you mean 'call'\?/,
      );
      assert.equal(error.where, 'flows.yaml:25:15');
    });

    it('says which field is missing, and why when clientAuth requires it', () => {
      const noSecret = GOOD_YAML.replace('    clientSecret: "{{env.clientSecret}}"\n', '');
      const error = loadError(noSecret);
      assert.equal(error.code, 'flowfile.schema');
      assert.match(
        error.message,
        /idps\.okta is missing the field 'clientSecret' \(clientAuth client_secret_basic needs it/,
      );
      assert.equal(error.where, 'flows.yaml:8:3');
    });

    it('requires version 1 and an object at the top', () => {
      assert.match(loadError('version: 2\n').message, /version must be 1/);
      assert.match(loadError('').message, /must be a mapping with 'version: 1'/);
      assert.match(loadError('- just\n- a list\n').message, /must be a mapping/);
    });

    it('wants exactly one subject per assertion and a valid regex', () => {
      const text = GOOD_YAML.replace(
        '          - status: 200',
        '          - header: www-authenticate\n            matches: "(unclosed"',
      );
      const error = loadError(text);
      assert.equal(error.code, 'flowfile.schema');
      assert.match(error.message, /matches.*not a valid regular expression/);
      assert.equal(error.where, 'flows.yaml:31:22');
      const twoSubjects = loadError(
        GOOD_YAML.replace('          - status: 200', '          - status: 200\n            active: true'),
      );
      assert.match(twoSubjects.message, /exactly one of: status, header/);
    });

    it('collects every problem for editors while throwing the first', () => {
      const text = GOOD_YAML.replace('    scopes: [orders.read]', '    sope: [orders.read]').replace(
        'path: /orders',
        'paht: /orders',
      );
      const error = loadError(text);
      assert.equal(error.issues.length, 2);
      assert.deepEqual(
        error.issues.map((i) => i.range?.start.line),
        [13, 17],
      );
      assert.match(error.message, /and 1 more problem/);
      assert.ok(isOidcError(error));
    });
  });

  describe('literal secrets', () => {
    it('rejects a literal client secret, naming field, line and the fix, without echoing it', () => {
      const text = GOOD_YAML.replace('clientSecret: "{{env.clientSecret}}"', 'clientSecret: s3cr3t-value-123');
      const error = loadError(text);
      assert.equal(error.code, 'flowfile.literal_secret');
      assert.equal(error.where, 'flows.yaml:12:19');
      assert.match(error.message, /^Line 12: idps\.okta\.clientSecret holds a literal/);
      assert.match(error.hint ?? '', /\$\{env:OKTA_CLIENT_SECRET\}/);
      assert.match(error.hint ?? '', /\$\{secret:okta-client-secret\}/);
      assert.doesNotMatch(`${error.message} ${error.hint}`, /s3cr3t/);
    });

    it('rejects a literal bearer token in a header', () => {
      const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhYmMxMjM0NTYifQ.c2lnbmF0dXJlc2lnbmF0dXJl';
      const text = GOOD_YAML.replace(
        '          X-Request-Id: "{{steps.token.token.token_type}}"',
        `          Authorization: Bearer ${jwt}`,
      );
      const error = loadError(text);
      assert.equal(error.code, 'flowfile.literal_secret');
      assert.match(error.message, /headers\.Authorization/);
      assert.equal(error.where, 'flows.yaml:28:26');
      assert.ok(!error.message.includes(jwt) && !(error.hint ?? '').includes(jwt));
    });

    it('accepts templated and referenced credentials in headers', () => {
      const text = GOOD_YAML.replace(
        '          X-Request-Id: "{{steps.token.token.token_type}}"',
        '          Authorization: "Bearer {{steps.token.token.access_token}}"\n          X-Api-Key: ${env:API_KEY}',
      );
      assert.doesNotThrow(() => loadFlowFile(text, { fileName: 'flows.yaml' }));
      const basic = GOOD_YAML.replace(
        '          X-Request-Id: "{{steps.token.token.token_type}}"',
        '          Authorization: Basic dXNlcjpwYXNz',
      );
      assert.equal(loadError(basic).code, 'flowfile.literal_secret');
    });

    it('rejects a literal password, a literal key in extra params and a JWT anywhere', () => {
      const password = GOOD_YAML.replace(
        '        idp: okta\n      - id: call',
        '        idp: okta\n        grant: password\n        username: alice\n        password: hunter2\n      - id: call',
      );
      const error = loadError(password);
      assert.equal(error.code, 'flowfile.literal_secret');
      assert.match(error.message, /steps\[0\]\.password/);
      assert.match(error.hint ?? '', /\$\{env:PASSWORD\}/);
      const extra = GOOD_YAML.replace(
        '    scopes: [orders.read]',
        '    scopes: [orders.read]\n    extra:\n      client_assertion: abc',
      );
      assert.match(loadError(extra).message, /idps\.okta\.extra\.client_assertion/);
      const jwtInQuery = GOOD_YAML.replace(
        '    path: /orders',
        '    path: /orders\n    query:\n      t: eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.',
      );
      assert.match(loadError(jwtInQuery).message, /looks like a JWT/);
    });

    it('follows {{env.x}} in a secret field to the environment values', () => {
      const text = GOOD_YAML.replace(
        'clientSecret: ${env:LOCAL_SECRET}',
        'clientSecret2: ${env:LOCAL_SECRET}\n    cs: plain-value',
      ).replace('"{{env.clientSecret}}"', '"{{env.cs}}"');
      const error = loadError(text);
      assert.equal(error.code, 'flowfile.literal_secret');
      assert.match(
        error.message,
        /environments\.local\.cs holds a literal value, and idps\.okta\.clientSecret uses it as a secret/,
      );
      assert.equal(error.where, 'flows.yaml:7:9');
    });

    it('rejects a literal Okta API token in oktaApi, and accepts a reference to one', () => {
      const withApi = (token: string) =>
        GOOD_YAML.replace(
          '    scopes: [orders.read]',
          `    scopes: [orders.read]\n    oktaApi:\n      apiToken: ${token}`,
        );
      const error = loadError(withApi('00abcdefLiteralApiToken'));
      assert.equal(error.code, 'flowfile.literal_secret');
      assert.match(error.message, /idps\.okta\.oktaApi\.apiToken holds a literal/);
      assert.match(error.hint ?? '', /\$\{env:OKTA_API_TOKEN\}/);
      assert.doesNotMatch(`${error.message} ${error.hint}`, /LiteralApiToken/);
      assert.doesNotThrow(() => loadFlowFile(withApi('${env:OKTA_API_TOKEN}'), { fileName: 'flows.yaml' }));
      assert.doesNotThrow(() => loadFlowFile(withApi('${secret:okta.apiToken}'), { fileName: 'flows.yaml' }));
    });

    it('spots shell-style references and says how to write them', () => {
      const error = loadError(GOOD_YAML.replace('clientSecret: ${env:LOCAL_SECRET}', 'clientSecret: $LOCAL_SECRET'));
      assert.match(error.hint ?? '', /'\$LOCAL_SECRET' is not a reference; write \$\{env:LOCAL_SECRET\}/);
    });
  });

  describe('references', () => {
    it('rejects an unknown idp and route with suggestions', () => {
      const idp = loadError(
        GOOD_YAML.replace('        idp: okta\n      - id: call', '        idp: otka\n      - id: call'),
      );
      assert.equal(idp.code, 'flowfile.reference');
      assert.equal(idp.where, 'flows.yaml:23:14');
      assert.match(idp.message, /names the idp 'otka', which is not defined; did you mean 'okta'\?/);
      const route = loadError(GOOD_YAML.replace('route: orders', 'route: order'));
      assert.match(route.message, /names the route 'order'.*did you mean 'orders'\?/);
    });

    it('rejects unknown environments in flows, onlyIn and defaultEnvironment', () => {
      assert.match(
        loadError(GOOD_YAML.replace('  smoke:\n', '  smoke:\n    env: lokal\n')).message,
        /environment 'lokal'.*did you mean 'local'\?/,
      );
      assert.match(loadError(`defaultEnvironment: prod\n${GOOD_YAML}`).message, /environment 'prod'/);
      assert.match(
        loadError(
          GOOD_YAML.replace(
            '        idp: okta\n      - id: call',
            '        idp: okta\n        onlyIn: [sandbox]\n      - id: call',
          ),
        ).message,
        /onlyIn\[0\] names the environment 'sandbox'/,
      );
    });

    it('rejects duplicate step ids, including inside repeat', () => {
      const error = loadError(GOOD_YAML.replace('- id: call', '- id: token'));
      assert.equal(error.code, 'flowfile.reference');
      assert.match(error.message, /Step id 'token' is used twice in this flow \(first at flows\.smoke\.steps\[0\]\)/);
      assert.equal(error.where, 'flows.yaml:24:13');
      const nested =
        GOOD_YAML +
        '      - id: again\n        type: repeat\n        times: 3\n        step:\n          id: call\n          type: call\n          route: orders\n';
      assert.match(loadError(nested).message, /Step id 'call' is used twice/);
    });

    it('rejects templates that read a later, unknown or the same step', () => {
      const later = GOOD_YAML.replace(
        '        idp: okta\n      - id: call',
        '        idp: okta\n        audience: "{{steps.call.response.status}}"\n      - id: call',
      );
      const laterError = loadError(later);
      assert.equal(laterError.code, 'flowfile.reference');
      assert.match(laterError.message, /reads step 'call', which runs later \(flows\.smoke\.steps\[1\]\)/);
      const unknown = loadError(GOOD_YAML.replace('steps.token.token.token_type', 'steps.tokn.token.token_type'));
      assert.match(unknown.message, /reads step 'tokn', which is not in flow 'smoke'; did you mean 'token'\?/);
      assert.match(unknown.hint ?? '', /Steps before this one: token/);
      const self = loadError(GOOD_YAML.replace('steps.token.token.token_type', 'steps.call.response.status'));
      assert.match(self.message, /from inside that same step/);
    });

    it('lets repeat `until` read the inner steps and inner steps read earlier ones', () => {
      const text = `${GOOD_YAML}      - id: poll
        type: repeat
        times: 3
        steps:
          - id: first
            type: call
            route: orders
          - id: second
            type: request
            url: "{{env.kongUrl}}/x/{{steps.first.response.status}}"
        until:
          json: $.id
          equals: "{{steps.second.response.status}}"
`;
      assert.doesNotThrow(() => loadFlowFile(text, { fileName: 'flows.yaml' }));
    });

    it('rejects env values no environment defines, and warns when only some do', () => {
      const missing = loadError(GOOD_YAML.replace('"{{env.kongUrl}}"', '"{{env.kongURL}}"'));
      assert.match(missing.message, /reads env\.kongURL, which no environment defines; did you mean 'kongUrl'\?/);
      const partial = GOOD_YAML.replace(
        'idps:',
        '  dev:\n    issuer: https://idp.example\n    clientSecret: ${env:DEV_SECRET}\nidps:',
      );
      const { warnings } = loadFlowFile(partial, { fileName: 'flows.yaml' });
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]!.message, /env\.kongUrl, which environment dev does not define/);
    });

    it('rejects template syntax errors and non-env templates in shared sections', () => {
      const syntax = loadError(
        GOOD_YAML.replace('"{{steps.token.token.token_type}}"', '"{{constructor.constructor(1)}}"'),
      );
      assert.equal(syntax.code, 'flowfile.template');
      assert.match(syntax.message, /must start with env, steps or vars, not 'constructor'/);
      const unclosed = loadError(GOOD_YAML.replace('"{{steps.token.token.token_type}}"', '"{{steps.token"'));
      assert.match(unclosed.message, /Unclosed template/);
      const shared = loadError(
        GOOD_YAML.replace('    path: /orders', '    path: "/orders/{{steps.token.token.scope}}"'),
      );
      assert.equal(shared.code, 'flowfile.template');
      assert.match(shared.message, /Routes are shared by every flow/);
    });

    it('warns about a call without an earlier token step', () => {
      const text = GOOD_YAML.replace('      - id: token\n        type: token\n        idp: okta\n', '').replace(
        '"{{steps.token.token.token_type}}"',
        'x',
      );
      const { warnings } = loadFlowFile(text, { fileName: 'flows.yaml' });
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]!.message, /no token step runs before it/);
    });

    it('rejects two bodies on one request', () => {
      const text = GOOD_YAML.replace(
        '        route: orders',
        '        route: orders\n        body: raw\n        form: { a: b }',
      );
      const errors = errorsOf(text);
      assert.equal(errors.length, 1);
      assert.match(errors[0]!.message, /has both 'body' and 'form'/);
    });
  });
});

describe('literal secrets: endpoint names are not credentials', () => {
  it('accepts idps.<name>.endpoints.token as a URL', () => {
    const text = 'version: 1\nidps:\n  a:\n    endpoints:\n      token: https://idp.test/v1/token\n    clientId: x\n';
    assert.doesNotThrow(() => loadFlowFile(text, { fileName: 'f.yaml' }));
  });
});

describe('URLs in a flow file', () => {
  const file = (route: string, url: string, issuer: string, gw = 'https://gw.test') => `version: 1
environments:
  dev: { gw: "${gw}" }
idps:
  okta:
    issuer: ${issuer}
    clientId: x
routes:
  orders: { baseUrl: "${route}" }
flows:
  f:
    steps:
      - { id: r, type: request, url: "${url}" }
`;

  it('accepts absolute http(s) URLs, and URLs that start with a template or a ${env:…} reference', () => {
    const text = file('{{env.gw}}/orders', 'https://{{env.gw}}/x', '${env:SANDBOX_ISSUER}');
    assert.deepEqual(errorsOf(text), []);
    assert.deepEqual(errorsOf(file('http://127.0.0.1:8000', 'https://api.test/a?b=1', 'https://idp.test/o')), []);
  });

  it('rejects relative URLs and other schemes, with the field and without repeating the value', () => {
    const errors = errorsOf(file('kong:8000/orders', '/relative/{{env.gw}}', 'idp.test/oauth2/default'));
    assert.deepEqual(
      errors.map((e) => [e.code, e.message]),
      [
        ['flowfile.schema', 'idps.okta.issuer is not an absolute http(s) URL.'],
        ['flowfile.schema', 'routes.orders.baseUrl is not an absolute http(s) URL.'],
        ['flowfile.schema', 'flows.f.steps[0].url is not an absolute http(s) URL.'],
      ],
    );
  });

  it('warns, at the URL, when an environment leaves its host empty (an import leaves unfilled values empty)', () => {
    const { issues } = checkFlowFile(file('{{env.gw}}', 'https://api.test/x', 'https://idp.test/o', ''), {
      fileName: 'f.yaml',
    });
    assert.deepEqual(
      issues.map((i) => [i.severity, i.where, i.message]),
      [['warning', 'f.yaml:9:22', 'routes.orders.baseUrl takes its host from {{env.gw}}, empty in environment dev.']],
    );
  });
});
