import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { importAny } from '../../../src/core/importers';
import { hostileText, mutationsOf, RUNS, valueOrOidcError } from '../../support/fuzz';

/**
 * Fuzzing the Insomnia and Postman importers: random and mutated exports (JSON
 * and YAML), with and without Postman environments, import or fail with an
 * OidcError. Worst-case shapes run under a generous timeout: a quadratic
 * regression shows up as a timeout, not as a timed assertion (timings live in
 * bench/parse-scaling.ts).
 */

const read = (path: string): string => readFileSync(new URL(`../../fixtures/${path}`, import.meta.url), 'utf8');
const JSON_EXPORTS = [
  read('importers/insomnia-v4-okta-kong.json'),
  read('importers/postman-v21-okta-kong.json'),
  read('real/insomnia/oauth2_0-auth-v2_1-output.json'),
];
const YAML_EXPORTS = [read('importers/insomnia-v5-okta-kong.yaml'), read('real/insomnia/oauth.yaml')];
const ENVIRONMENT = read('real/insomnia/postman-env-basic-input.json');

describe('fuzz: importers', () => {
  it('random text imports or fails with an OidcError', () => {
    fc.assert(
      fc.property(hostileText, fc.constantFrom('x.json', 'x.yaml'), (text, fileName) =>
        valueOrOidcError(() => importAny(text, { fileName })),
      ),
      { numRuns: RUNS / 3 },
    );
  });

  it('mutated real exports import or fail with an OidcError', function () {
    this.timeout(30_000); // whole documents: a few ms each, more on a loaded machine
    fc.assert(
      fc.property(mutationsOf(...JSON_EXPORTS), (text) =>
        valueOrOidcError(() => importAny(text, { fileName: 'x.json' })),
      ),
      { numRuns: RUNS / 3 },
    );
    fc.assert(
      fc.property(mutationsOf(...YAML_EXPORTS), (text) =>
        valueOrOidcError(() => importAny(text, { fileName: 'x.yaml' })),
      ),
      { numRuns: RUNS / 3 },
    );
  });

  it('a real collection with a mutated Postman environment imports or fails with an OidcError', function () {
    this.timeout(30_000); // whole documents: a few ms each, more on a loaded machine
    fc.assert(
      fc.property(mutationsOf(ENVIRONMENT), (environment) =>
        valueOrOidcError(() =>
          importAny(JSON_EXPORTS[1]!, {
            fileName: 'x.json',
            environments: [{ text: environment, fileName: 'e.json' }],
          }),
        ),
      ),
      { numRuns: RUNS / 6 },
    );
  });

  it('worst-case shapes stay linear (a quadratic regression times out)', function () {
    this.timeout(30_000);
    const n = 20_000;
    const request = (i: number, url: string) =>
      `{"_id":"req_${i}","_type":"request","parentId":"wrk_1","name":"r${i}","method":"GET","url":"${url}"}`;
    const insomnia = (resources: string[]) =>
      `{"_type":"export","__export_format":4,"resources":[{"_id":"wrk_1","_type":"workspace","name":"w"},${resources.join(',')}]}`;
    const postman = (items: string) =>
      `{"info":{"name":"p","schema":"https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},"item":${items}}`;
    for (const [text, fileName] of [
      [insomnia(Array.from({ length: n / 10 }, (_, i) => request(i, `http://x/{{ _.v${i} }}`))), 'x.json'],
      [insomnia([request(0, `http://x/${'{{ _.a }}'.repeat(n)}`)]), 'x.json'],
      [insomnia([request(0, `http://x/${'{{'.repeat(n)}`)]), 'x.json'],
      [insomnia([request(0, `http://x/${'{% response '.repeat(n / 4)}`)]), 'x.json'],
      [postman(`${'[{"name":"f","item":'.repeat(2_000)}[]${'}]'.repeat(2_000)}`), 'x.json'],
      [postman(`[{"name":"r","request":{"method":"GET","url":"http://x/${'{{a}}'.repeat(n)}"}}]`), 'x.json'],
      [
        `type: collection.insomnia.rest/5.0\nname: x\ncollection:\n${'  - name: f\n    children:\n'.repeat(1)}${Array.from({ length: n / 10 }, (_, i) => `      - { name: r${i}, url: "http://x/${i}", method: GET }`).join('\n')}\n`,
        'x.yaml',
      ],
    ] as const)
      valueOrOidcError(() => importAny(text, { fileName }));
  });
});
