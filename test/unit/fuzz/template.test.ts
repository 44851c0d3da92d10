import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { evaluateAssertions, findReferences, parseTemplate, renderTemplate } from '../../../src/core/flow';
import type { Assertion, StepResult, TemplateContext } from '../../../src/core/flow';
import { hostileText, mutationsOf, RUNS, valueOrOidcError } from '../../support/fuzz';

/**
 * Fuzzing templates ({{ }}) and JSON paths (json assertions): any text renders
 * or fails with an OidcError; any JSON path gives an assertion result (a bad
 * path is a failed assertion with a code), never a throw. Worst-case shapes run
 * under a generous timeout: a quadratic regression shows up as a timeout, not
 * as a timed assertion (timings live in bench/parse-scaling.ts).
 */

const call: StepResult = {
  status: 'failed',
  response: {
    status: 401,
    headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"', 'Set-Cookie': ['a=1', 'b=2'] },
    body: { items: [{ id: 'o-1', price: 12.5 }, { id: 'o-2' }], 'odd key': true, nested: { a: { b: [1, 2, 3] } } },
  },
};
const ctx: TemplateContext = {
  env: { kongUrl: 'http://127.0.0.1:8000', port: 8000 },
  vars: { x: 'vx', nested: { n: 1 } },
  steps: {
    token: { status: 'passed', token: { access_token: 'at', token_type: 'Bearer', scope: 'a' }, claims: { sub: 's' } },
    call,
  },
};

const TEMPLATES = [
  '{{env.kongUrl}}/orders?x={{vars.x | urlencode}}',
  'Bearer {{steps.token.token.access_token}}',
  '{{steps.call.response.body.items[1].id}} {{ steps.call.response.headers["Set-Cookie"][0] | json }}',
  '\\{{literal}} {{vars.nested}}',
];
const PATHS = [
  '$.items[0].id',
  '$..price',
  '$.items[?(@.price > 5)].id',
  "$['odd key']",
  '$.nested.a.b[1:2]',
  '$.items[*]',
  '$.items.length',
];

function renders(text: string): void {
  valueOrOidcError(() => {
    parseTemplate(text);
    findReferences(text);
    renderTemplate(text, ctx);
  });
}

function assertsWithoutThrowing(path: string): void {
  const [result] = evaluateAssertions([{ json: path, exists: true } as Assertion], call, { now: 0 });
  assert.ok(result);
  assert.equal(typeof result.passed, 'boolean');
}

describe('fuzz: templates and JSON paths', () => {
  it('random text renders or fails with an OidcError', () => {
    fc.assert(fc.property(hostileText, renders), { numRuns: RUNS });
  });

  it('mutated real templates render or fail with an OidcError', () => {
    fc.assert(fc.property(mutationsOf(...TEMPLATES), renders), { numRuns: RUNS * 3 });
  });

  it('random and mutated JSON paths give an assertion result, never a throw', () => {
    fc.assert(fc.property(fc.oneof(hostileText, mutationsOf(...PATHS)), assertsWithoutThrowing), {
      numRuns: RUNS * 3,
    });
  });

  it('worst-case shapes of 200k characters stay linear (a quadratic regression times out)', function () {
    this.timeout(20_000);
    const n = 200_000;
    for (const text of [
      '{{'.repeat(n / 2),
      '\\{{'.repeat(n / 3),
      '{{vars.x}}'.repeat(n / 10),
      `{{${'vars.'.repeat(n / 5)}x}}`,
      `{{vars${'[0]'.repeat(n / 3)}}}`,
      `{{vars.x${' | json'.repeat(n / 7)}}}`,
      '}}'.repeat(n / 2),
      `{{ ${'['.repeat(n)} }}`,
    ])
      renders(text);
    for (const path of [
      `$${'.a'.repeat(450)}`,
      `$${'..$'.repeat(n / 3)}`,
      `$${'.a'.repeat(n / 2)}`,
      `$${'..'.repeat(n / 2)}`,
      `$${'[0]'.repeat(n / 3)}`,
      '$'.repeat(n),
    ])
      assertsWithoutThrowing(path);
  });
});
