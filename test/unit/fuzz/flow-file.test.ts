import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { checkFlowFile, loadFlowFile } from '../../../src/core/flow';
import { hostileText, mutationsOf, RUNS, valueOrOidcError } from '../../support/fuzz';

/**
 * Fuzzing the flow-file loader: random, mutated, deeply nested and hugely
 * repeated YAML and JSON load or fail with an OidcError (FlowFileError), and
 * checkFlowFile reports issues without throwing. Worst-case shapes run under a
 * generous timeout: a quadratic regression shows up as a timeout, not as a
 * timed assertion (timings live in bench/parse-scaling.ts).
 */

const read = (path: string): string => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');
const YAML_FLOWS = [
  read('examples/introspection-scenario.yaml'),
  read('examples/sandbox-kong.yaml'),
  read('test/fixtures/e2e/introspection/introspection.oidc-flow.yaml'),
];
const JSON_FLOW = JSON.stringify({
  version: 1,
  environments: { dev: { base: 'http://127.0.0.1:8000' } },
  flows: { f: { steps: [{ id: 'a', type: 'request', url: '{{env.base}}/x', assert: [{ status: 200 }] }] } },
});

function loads(text: string, fileName: string): void {
  const check = checkFlowFile(text, { fileName });
  assert.ok(Array.isArray(check.issues));
  valueOrOidcError(() => loadFlowFile(text, { fileName }));
}

describe('fuzz: flow-file loader', () => {
  it('random text loads or fails with an OidcError, as YAML and as JSON', () => {
    fc.assert(fc.property(hostileText, fc.constantFrom('f.yaml', 'f.json'), loads), { numRuns: RUNS / 3 });
  });

  it('mutated real flow files load or fail with an OidcError', function () {
    this.timeout(30_000); // whole documents: a few ms each, more on a loaded machine
    fc.assert(
      fc.property(mutationsOf(...YAML_FLOWS), (text) => loads(text, 'f.yaml')),
      { numRuns: RUNS / 3 },
    );
    fc.assert(
      fc.property(mutationsOf(JSON_FLOW), (text) => loads(text, 'f.json')),
      { numRuns: RUNS / 3 },
    );
  });

  it('deep nesting and huge repetition load or fail with an OidcError', function () {
    this.timeout(30_000); // whole documents: a few ms each, more on a loaded machine
    const shape = fc.oneof(
      fc.integer({ min: 1, max: 10_000 }).map((n) => `version: 1\nflows: ${'['.repeat(n)}${']'.repeat(n)}\n`),
      fc.integer({ min: 1, max: 10_000 }).map((n) => `version: 1\nflows: ${'{a: '.repeat(n)}1${'}'.repeat(n)}\n`),
      fc.integer({ min: 1, max: 10_000 }).map((n) => `{"version":1,"flows":${'{"a":'.repeat(n)}1${'}'.repeat(n)}}`),
      fc.integer({ min: 1, max: 2_000 }).map((n) => `version: 1\n${'- '.repeat(n)}x\n`),
      fc.integer({ min: 1, max: 5_000 }).map((n) => `version: 1\nvars: &a [${'*a, '.repeat(n)}]\n`),
    );
    fc.assert(
      fc.property(shape, (text) => loads(text, text.startsWith('{') ? 'f.json' : 'f.yaml')),
      { numRuns: RUNS / 10 },
    );
  });

  it('worst-case shapes of 200k characters stay linear (a quadratic regression times out)', function () {
    this.timeout(30_000);
    const n = 200_000;
    const step = (url: string) =>
      `version: 1\nflows:\n  f:\n    steps:\n      - { id: a, type: request, url: "${url}" }\n`;
    for (const text of [
      step('{{'.repeat(n / 2)),
      step(`http://x/${'eyJ'.repeat(n / 3)}`),
      step('{{env.a}}'.repeat(n / 9)),
      `version: 1\nroutes:\n${Array.from({ length: n / 40 }, (_, i) => `  r${i}: { baseUrl: "http://x", path: / }`).join('\n')}\n`,
      `version: 1\nenvironments:\n  e:\n${Array.from({ length: n / 20 }, (_, i) => `    k${i}: \${env:V${i}}`).join('\n')}\n`,
      `version: 1\n${'#'.repeat(n)}\n`,
      `version: 1\nflows: "${'\\u0041'.repeat(n / 6)}"\n`,
    ])
      loads(text, 'f.yaml');
  });
});
