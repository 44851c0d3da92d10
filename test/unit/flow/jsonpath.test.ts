/**
 * evaluateJsonPath follows plain paths (`$.a.b[0]`) itself and hands every other path to
 * jsonpath-plus: this file proves the two give the same values for any JSON and plain path.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { JSONPath } from 'jsonpath-plus';
import { evaluateJsonPath, isDefinitePath } from '../../../src/core/flow/jsonpath';

function viaJsonPathPlus(path: string, json: object): unknown[] {
  return JSONPath({ path, json, eval: false, wrap: true, resultType: 'value' }) as unknown[];
}

const NAMES = ['a', 'b', 'items', 'id', 'length', 'constructor', '__proto__', 'toString', '_x', 'upstream', '0'];
const name = fc.constantFrom(...NAMES.filter((n) => /^[A-Za-z_]/.test(n)));
const step = fc.oneof(
  name.map((n) => `.${n}`),
  fc.nat({ max: 3 }).map((i) => `[${i}]`),
);
const plainPath = fc.array(step, { maxLength: 5 }).map((steps) => `$${steps.join('')}`);
const key = fc.constantFrom(...NAMES);
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(null, true, false, 0, 1, '', 'abc', 'echo'),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 4 }),
  ),
  root: fc.oneof(fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(key, tie('value'), { maxKeys: 4 })),
})).root;

describe('evaluateJsonPath', () => {
  it('gives what jsonpath-plus gives for plain paths (property)', () => {
    fc.assert(
      fc.property(json, plainPath, (doc, path) => {
        // Parsed JSON, as bodies are: own __proto__ keys, no undefined.
        const parsed = JSON.parse(JSON.stringify(doc)) as object;
        assert.deepEqual(evaluateJsonPath(path, parsed), viaJsonPathPlus(path, parsed), path);
      }),
      { numRuns: 2000 },
    );
  });

  it('follows own properties only, from truthy values', () => {
    const doc = JSON.parse('{"a":{"b":[10,20]},"s":"abc","z":0,"e":"","n":null}') as object;
    assert.deepEqual(evaluateJsonPath('$.a.b[1]', doc), [20]);
    assert.deepEqual(evaluateJsonPath('$.a.b.length', doc), [2]);
    assert.deepEqual(evaluateJsonPath('$.s.length', doc), [3]);
    assert.deepEqual(evaluateJsonPath('$.e.length', doc), []);
    assert.deepEqual(evaluateJsonPath('$.z.x', doc), []);
    assert.deepEqual(evaluateJsonPath('$.n', doc), [null]);
    assert.deepEqual(evaluateJsonPath('$.a.toString', doc), []);
    assert.deepEqual(evaluateJsonPath('$', doc), [doc]);
  });

  it('hands other paths to jsonpath-plus', () => {
    const doc = { items: [{ id: 1 }, { id: 2 }], 'x-y': 3 };
    assert.deepEqual(evaluateJsonPath('$..id', doc), [1, 2]);
    assert.deepEqual(evaluateJsonPath('$.items[*].id', doc), [1, 2]);
    assert.deepEqual(evaluateJsonPath("$['x-y']", doc), [3]);
  });

  it('gives the same values when a path comes again, after other paths and documents (it is remembered)', () => {
    const first = { a: { b: [10, 20] } };
    assert.deepEqual(evaluateJsonPath('$.a.b[1]', first), [20]);
    for (let i = 0; i < 600; i += 1) evaluateJsonPath(`$.k${i}`, first);
    assert.deepEqual(evaluateJsonPath('$.a.b[1]', { a: { b: [1, 2] } }), [2]);
    assert.deepEqual(evaluateJsonPath('$.a.b[1]', { a: {} }), []);
    assert.deepEqual(evaluateJsonPath('$..b', first), [[10, 20]]);
  });

  it('calls a path definite exactly when it has no wildcard, descent, slice, union or filter (property)', () => {
    const indefinite = /\*|\.\.|:|,|\?/;
    fc.assert(
      fc.property(fc.oneof(plainPath, fc.string(), fc.stringMatching(/^\$[.a-z*:,?[\]0-9]{0,12}$/)), (path) => {
        assert.equal(isDefinitePath(path), !indefinite.test(path), path);
      }),
      { numRuns: 2000 },
    );
  });
});
