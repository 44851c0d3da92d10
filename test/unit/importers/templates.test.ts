import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { readScript } from '../../../src/core/importers/script-chains';
import { decodeTagString, parseSourceTemplate, parseTagArgs } from '../../../src/core/importers/source-template';
import { orderByDependencies } from '../../../src/core/importers/step-order';

describe('importer building blocks', () => {
  describe('source templates', () => {
    it('splits Insomnia text into text, variables, tags and expressions', () => {
      assert.deepEqual(
        parseSourceTemplate(
          "a{{ _.x }}b{% response 'body', 'req_1', 'b64::JC5h::46b', 'never', 60 %}{{ _.y | upper }}{# note #}",
          'insomnia',
        ),
        [
          { kind: 'text', text: 'a' },
          { kind: 'var', source: '{{ _.x }}', name: 'x' },
          { kind: 'text', text: 'b' },
          {
            kind: 'tag',
            source: "{% response 'body', 'req_1', 'b64::JC5h::46b', 'never', 60 %}",
            name: 'response',
            args: ['body', 'req_1', 'b64::JC5h::46b', 'never', 60],
          },
          { kind: 'expr', source: '{{ _.y | upper }}' },
        ],
      );
    });

    it('reads Postman variables whole, including dynamic ones, and leaves {% %} alone', () => {
      assert.deepEqual(parseSourceTemplate('{{base.url}}/{{$guid}}{% x %}', 'postman'), [
        { kind: 'var', source: '{{base.url}}', name: 'base.url' },
        { kind: 'text', text: '/' },
        { kind: 'var', source: '{{$guid}}', name: '$guid' },
        { kind: 'text', text: '{% x %}' },
      ]);
    });

    it('parses tag arguments and decodes b64:: strings', () => {
      assert.deepEqual(parseTagArgs(`'a\\'b', "c", 12, true, null, _.ref`), [
        "a'b",
        'c',
        12,
        true,
        null,
        { ref: '_.ref' },
      ]);
      assert.equal(decodeTagString('b64::JC5hY2Nlc3NfdG9rZW4=::46b'), '$.access_token');
      assert.equal(decodeTagString('$.plain'), '$.plain');
    });
  });

  describe('script chains', () => {
    it('recognises the common set-from-response forms', () => {
      const reading = readScript(
        [
          '// keep the token',
          "pm.environment.set('token', pm.response.json().access_token);",
          'const body = pm.response.json();',
          'pm.globals.set("first", body.items[0].id)',
          "insomnia.environment.set('next', body?.page.next);",
          'postman.setEnvironmentVariable("legacy", JSON.parse(responseBody).data["the key"]);',
        ].join('\n'),
      );
      assert.deepEqual(reading.chains, [
        { variable: 'token', jsonPath: '$.access_token' },
        { variable: 'first', jsonPath: '$.items[0].id' },
        { variable: 'next', jsonPath: '$.page.next' },
        { variable: 'legacy', jsonPath: "$.data['the key']" },
      ]);
      assert.deepEqual(reading.leftover, []);
    });

    // The shapes below are as written in public Postman collections and guides (see the commit message).
    it('follows pm.test blocks, a variable holding the parsed body, and one holding a part of it', () => {
      const reading = readScript(
        [
          'pm.test("Status test", function () {',
          '    pm.globals.set("oauth_token", pm.response.json().access_token);',
          '    pm.globals.unset("oauth_token_test");',
          '});',
          '// Extract the access token from the response and store it in a collection variable.',
          'const responseData = pm.response.json();',
          "pm.collectionVariables.set('AccessToken', responseData.data.accessToken)",
          'const responseJson = pm.response.json();',
          'let paymentToken = responseJson.token;',
          "pm.collectionVariables.set('_paymentToken', paymentToken);",
        ].join('\n'),
      );
      assert.deepEqual(reading.chains, [
        { variable: 'oauth_token', jsonPath: '$.access_token' },
        { variable: 'AccessToken', jsonPath: '$.data.accessToken' },
        { variable: '_paymentToken', jsonPath: '$.token' },
      ]);
      assert.deepEqual(reading.leftover, [
        'pm.test("Status test", function () {',
        'pm.globals.unset("oauth_token_test");',
        '});',
      ]);
    });

    it('follows destructuring, on one line or several, renamed or with defaults, and one-line blocks', () => {
      const reading = readScript(
        [
          'pm.test("Status code is 200", function () {',
          '    pm.response.to.have.status;',
          '    const {access, refresh} = pm.response.json().data;',
          '    pm.environment.set("access-token", access);',
          '    pm.environment.set("refresh-token", refresh);',
          '});',
          'const {',
          '  access_token: accessToken,',
          '  expires_in = 300,',
          '} = pm.response.json();',
          'pm.collectionVariables.set("token", accessToken);',
          'pm.environment.set("expires", expires_in);',
          'pm.test("ok", () => { pm.globals.set("id", pm.response.json().items[0].id); });',
        ].join('\n'),
      );
      assert.deepEqual(reading.chains, [
        { variable: 'access-token', jsonPath: '$.data.access' },
        { variable: 'refresh-token', jsonPath: '$.data.refresh' },
        { variable: 'token', jsonPath: '$.access_token' },
        { variable: 'expires', jsonPath: '$.expires_in' },
        { variable: 'id', jsonPath: '$.items[0].id' },
      ]);
    });

    it('forgets a name once it is bound to something else', () => {
      const reading = readScript(
        [
          'let body = pm.response.json();',
          'body = pm.environment.get("other");',
          'pm.environment.set("t", body.token);',
        ].join('\n'),
      );
      assert.deepEqual(reading.chains, []);
      assert.equal(reading.leftover.at(-1), 'pm.environment.set("t", body.token);');
    });

    it('leaves anything more complex over', () => {
      const reading = readScript(
        "pm.environment.set('t', pm.response.json().a + 'x');\npm.environment.set('u', someFn());\nif (x) { y(); }",
      );
      assert.deepEqual(reading.chains, []);
      assert.equal(reading.leftover[0], "pm.environment.set('t', pm.response.json().a + 'x');");
      assert.equal(reading.leftover[1], "pm.environment.set('u', someFn());");
      assert.match(reading.leftover[2]!, /^if \(x\)/);
    });
  });

  describe('step order', () => {
    it('is a stable topological order and reports each cycle once', () => {
      const node = (ref: string, ...deps: string[]) => ({ ref, deps: new Set(deps) });
      const { order, cycles } = orderByDependencies([
        node('a', 'c'),
        node('b'),
        node('c'),
        node('d', 'e'),
        node('e', 'd'),
      ]);
      assert.deepEqual(
        order.map((n) => n.ref),
        ['b', 'c', 'a', 'd', 'e'],
      );
      assert.deepEqual(cycles, [['d', 'e', 'd']]);
    });

    it('always returns every node, each after its dependencies unless a cycle was broken (property)', () => {
      const graph = fc
        .integer({ min: 1, max: 8 })
        .chain((n) =>
          fc.array(fc.array(fc.integer({ min: 0, max: n - 1 }), { maxLength: 3 }), { minLength: n, maxLength: n }),
        );
      fc.assert(
        fc.property(graph, (deps) => {
          const nodes = deps.map((d, i) => ({ ref: `r${i}`, deps: new Set(d.map((j) => `r${j}`)) }));
          const { order, cycles } = orderByDependencies(nodes);
          assert.equal(order.length, nodes.length);
          assert.equal(new Set(order.map((n) => n.ref)).size, nodes.length);
          if (cycles.length === 0) {
            const position = new Map(order.map((n, i) => [n.ref, i]));
            for (const n of nodes) for (const d of n.deps) assert.ok(position.get(d)! < position.get(n.ref)!);
          }
        }),
        { numRuns: 300 },
      );
    });
  });
});
