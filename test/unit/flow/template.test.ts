import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { findReferences, findStepReferences, renderTemplate, renderTemplateString } from '../../../src/core/flow';
import { holdsNoTemplate } from '../../../src/core/flow/template';
import type { TemplateContext } from '../../../src/core/flow';
import { thrown } from '../../support/rejection';

const ctx: TemplateContext = {
  env: { kongUrl: 'http://127.0.0.1:8000', port: 8000 },
  vars: { x: 'vx', nested: { n: 1 } },
  steps: {
    token: {
      status: 'passed',
      token: { access_token: 'at-value', token_type: 'Bearer', expires_at: 1_900_000_000, scope: 'orders.read' },
      claims: { scp: ['orders.read', 'orders.write'], sub: 'client-1' },
    },
    call1: {
      status: 'failed',
      request: { method: 'GET', url: 'http://127.0.0.1:8000/orders', headers: {} },
      response: {
        status: 401,
        headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"', 'Set-Cookie': ['a=1', 'b=2'] },
        body: {
          items: [
            { id: 'o-1', price: 12.5 },
            { id: 'o-2', price: 3 },
          ],
          'odd key': true,
        },
      },
    },
    text: { status: 'passed', response: { status: 200, headers: {}, body: '{"id": 7}' } },
    skipped: { status: 'skipped' },
  },
};

describe('template engine', () => {
  it('tells a value with nothing to render (no {{ or ${ in any string, keys aside) from one with something', () => {
    assert.equal(holdsNoTemplate({ id: 'a', assert: [{ status: 200 }, { json: '$.x', equals: 'y' }], n: null }), true);
    assert.equal(holdsNoTemplate({ '{{key}}': 'v', '${k}': ['plain', 1, true] }), true);
    assert.equal(holdsNoTemplate({ assert: [{ json: '$.x', equals: 'a {{env.y}}' }] }), false);
    assert.equal(holdsNoTemplate([['deep', ['${env:X}']]]), false);
    // Whatever holdsNoTemplate passes, rendering gives back as it is, in any context and with secret sources.
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        fc.pre(holdsNoTemplate(value));
        assert.equal(renderTemplate(value, ctx, { secrets: { env: {} } }), value);
      }),
    );
  });

  it('keeps the type of a whole-string template', () => {
    assert.equal(renderTemplate('{{steps.call1.response.status}}', ctx), 401);
    assert.deepEqual(renderTemplate('{{steps.token.claims.scp}}', ctx), ['orders.read', 'orders.write']);
    assert.equal(renderTemplate('{{ env.port }}', ctx), 8000);
    assert.equal(renderTemplate('{{vars.nested.n}}', ctx), 1);
  });

  it('stringifies embedded templates', () => {
    assert.equal(
      renderTemplate('{{env.kongUrl}}/orders?status={{steps.call1.response.status}}', ctx),
      'http://127.0.0.1:8000/orders?status=401',
    );
    assert.equal(renderTemplate('scp={{steps.token.claims.scp}}', ctx), 'scp=["orders.read","orders.write"]');
    assert.equal(renderTemplateString('{{steps.call1.response.status}}', ctx), '401');
  });

  it('reads tokens, headers case-insensitively and bodies by path or JSON path', () => {
    assert.equal(renderTemplate('Bearer {{steps.token.token.access_token}}', ctx), 'Bearer at-value');
    assert.equal(
      renderTemplate('{{steps.call1.response.headers.www-authenticate}}', ctx),
      'Bearer error="invalid_token"',
    );
    assert.deepEqual(renderTemplate('{{steps.call1.response.headers.set-cookie}}', ctx), ['a=1', 'b=2']);
    assert.equal(renderTemplate('{{steps.call1.response.body.items[0].id}}', ctx), 'o-1');
    assert.equal(renderTemplate('{{steps.call1.response.body.$.items[1].price}}', ctx), 3);
    assert.deepEqual(renderTemplate('{{steps.call1.response.body.$..id}}', ctx), ['o-1', 'o-2']);
    assert.equal(renderTemplate("{{steps.call1.response.body['odd key']}}", ctx), true);
    assert.equal(renderTemplate('{{steps.text.response.body.id}}', ctx), 7);
  });

  it('walks objects and arrays, leaving keys and non-strings alone', () => {
    const rendered = renderTemplate(
      { url: '{{env.kongUrl}}', n: 5, list: ['{{steps.call1.response.status}}', null], '{{key}}': true },
      ctx,
    );
    assert.deepEqual(rendered, { url: 'http://127.0.0.1:8000', n: 5, list: [401, null], '{{key}}': true });
  });

  it('applies the json and urlencode filters', () => {
    assert.equal(renderTemplate('{{steps.call1.response.body.items[0] | json}}', ctx), '{"id":"o-1","price":12.5}');
    assert.equal(
      renderTemplate('q={{steps.call1.response.headers.www-authenticate | urlencode}}', ctx),
      'q=Bearer%20error%3D%22invalid_token%22',
    );
    assert.equal(thrown(() => renderTemplate('{{env.kongUrl | upper}}', ctx)).code, 'template.syntax');
  });

  it('keeps \\{{ as a literal', () => {
    assert.equal(renderTemplate('\\{{not a template}}', ctx), '{{not a template}}');
  });

  it('keeps \\${env:NAME} as literal text: the variable is not read', () => {
    const secrets = { env: { AWS_SECRET_ACCESS_KEY: 'never-sent', OWN: 'mine' } };
    assert.equal(
      renderTemplate('a=\\${env:AWS_SECRET_ACCESS_KEY}&b=${env:OWN}', ctx, { secrets }),
      'a=${env:AWS_SECRET_ACCESS_KEY}&b=mine',
    );
  });

  it('names the step, the path and the available keys when a value is missing', () => {
    const error = thrown(() =>
      renderTemplate('{{steps.token.token.acces_token}}', ctx, { where: 'flow smoke, step call' }),
    );
    assert.equal(error.code, 'template.unresolved');
    assert.match(
      error.message,
      /steps\.token\.token has no 'acces_token'; did you mean 'access_token'\?; steps\.token\.token has: access_token, token_type, expires_at, scope/,
    );
    assert.equal(error.where, 'flow smoke, step call');
    assert.ok(!error.message.includes('at-value'), 'never shows values');

    const unknownStep = thrown(() => renderTemplate({ headers: { a: '{{steps.nope.response.status}}' } }, ctx));
    assert.match(unknownStep.message, /steps has no 'nope'; steps has: token, call1, text, skipped/);
    assert.equal(unknownStep.where, 'headers.a');

    const skipped = thrown(() => renderTemplate('{{steps.skipped.response.status}}', ctx));
    assert.match(skipped.message, /step 'skipped' ended skipped/);

    const index = thrown(() => renderTemplate('{{steps.call1.response.body.items[5].id}}', ctx));
    assert.match(index.message, /is a list of 2 \(indexes 0\.\.1\)/);

    const jsonPath = thrown(() => renderTemplate('{{steps.call1.response.body.$.missing}}', ctx));
    assert.match(jsonPath.message, /matched nothing/);
  });

  it('names where each copy of a template sits, though one parse of it serves them all', () => {
    const text = '{{steps.nope.response.status}}';
    const first = thrown(() => renderTemplate({ headers: { a: text } }, ctx, { where: 'step one' }));
    const second = thrown(() => renderTemplate({ list: [{ b: text }] }, ctx, { where: 'step two' }));
    assert.equal(first.where, 'step one, headers.a');
    assert.equal(second.where, 'step two, list[0].b');
    assert.equal(thrown(() => renderTemplate([text], ctx)).where, '[0]');
    // A text that does not parse is not kept: each render reports it where it is.
    const broken = '{{steps.token';
    assert.equal(thrown(() => renderTemplate({ x: broken }, ctx)).where, 'x');
    assert.equal(thrown(() => renderTemplate({ y: [broken] }, ctx)).where, 'y[0]');
    assert.deepEqual(renderTemplate({ a: ['{{vars.x}}', { b: '{{vars.x}}-{{env.port}}' }] }, ctx), {
      a: ['vx', { b: 'vx-8000' }],
    });
  });

  it('never executes code', () => {
    let touched = false;
    const trap: TemplateContext = {
      env: {},
      steps: {
        s: {
          status: 'passed',
          response: {
            status: 200,
            headers: {},
            body: {
              get evil() {
                touched = true;
                return 1;
              },
              items: [{ a: 1 }],
            },
          },
        },
      },
    };
    const attempts = [
      "{{constructor.constructor('touched=true')()}}",
      '{{steps.s.response.body.$..[?(@.constructor)]}}',
      '{{steps.s.response.body.$.items[(@.length-1)]}}',
      '{{steps.s.constructor.constructor}}',
      '{{env.__proto__}}',
      '{{steps.s.response.body.toString}}',
    ];
    for (const template of attempts) {
      const error = thrown(() => renderTemplate(template, trap));
      assert.match(error.code, /^template\.(syntax|unresolved|jsonpath)$/, template);
    }
    assert.equal(touched, false);
  });

  it('rejects JSON path filters before they reach jsonpath-plus', () => {
    const error = thrown(() => renderTemplate('{{steps.call1.response.body.$..items[?@.price]}}', ctx));
    assert.equal(error.code, 'template.syntax');
    assert.match(error.message, /script expression/);
  });

  // Found by test/unit/fuzz/template.test.ts: each json filter escapes the quotes and backslashes of the
  // one before, so a chain of them doubled the text each time until V8 threw "Invalid string length".
  it('refuses a long chain of filters instead of growing the value exponentially', () => {
    const error = thrown(() => renderTemplate(`{{vars.x${' | json'.repeat(40)}}}`, ctx));
    assert.equal(error.code, 'template.syntax');
    assert.match(error.message, /at most 4 filters/);
    assert.equal(renderTemplate('{{vars.x | json | urlencode}}', ctx), '%22vx%22');
  });

  it('refuses a JSON path longer than any real one before jsonpath-plus parses it', () => {
    const error = thrown(() => renderTemplate(`{{steps.call1.response.body.$${'.a'.repeat(50_000)}}}`, ctx));
    assert.equal(error.code, 'template.jsonpath');
    assert.match(error.message, /at most 1000/);
  });

  it('reports a broken JSON path', () => {
    const error = thrown(() => renderTemplate('{{steps.call1.response.body.$.items[}}', ctx));
    assert.equal(error.code, 'template.syntax');
    assert.match(error.message, /unclosed/);
  });

  it('resolves secret references in the same pass, without re-scanning substituted values', () => {
    const secrets = { env: { KONG: 'http://kong', TRICK: '{{env.kongUrl}}' } };
    assert.equal(renderTemplate('${env:KONG}/x/{{env.port}}', ctx, { secrets }), 'http://kong/x/8000');
    assert.equal(renderTemplate('${env:TRICK}', ctx, { secrets }), '{{env.kongUrl}}');
    const fromBody: TemplateContext = { env: { v: '${env:KONG}' }, steps: {} };
    assert.equal(renderTemplate('{{env.v}}', fromBody, { secrets }), '${env:KONG}');
    assert.equal(renderTemplate('${env:KONG}', ctx), '${env:KONG}', 'left alone without sources');
  });

  it('returns strings without {{ unchanged', () => {
    fc.assert(
      fc.property(
        fc.string().filter((s) => !s.includes('{{')),
        (s) => renderTemplate(s, ctx) === s,
      ),
      { numRuns: 500 },
    );
  });

  it('finds the steps a value reads, for the loader’s checks', () => {
    const value = {
      url: '{{env.kongUrl}}/{{steps.call1.response.body.items[0].id}}',
      h: ['{{steps.token.token.access_token}}', '{{steps.call1.response.status}}'],
    };
    assert.deepEqual(findStepReferences(value), ['call1', 'token']);
    const refs = findReferences(value);
    assert.deepEqual(
      refs.map((r) => [r.root, r.name, r.field]),
      [
        ['env', 'kongUrl', 'url'],
        ['steps', 'call1', 'url'],
        ['steps', 'token', 'h[0]'],
        ['steps', 'call1', 'h[1]'],
      ],
    );
  });
});
