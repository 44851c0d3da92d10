import { strict as assert } from 'node:assert';
import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv';
import schemaJson from '../../../schemas/flow-file.schema.json';
import { flowSchemaAjv, flowValidationSchema } from '../../../src/core/flow/schema-ajv';
import { flowValidatorSource } from '../../../src/core/flow/schema-standalone';

/**
 * The bundles validate flow files with code ajv generated at build time
 * (esbuild.config.mjs, issue #14); tests run from source compile the schema
 * instead. Both must say exactly the same about every document.
 */
describe('flow-file validator compiled at build time', function () {
  this.timeout(60_000);

  it('reports the same errors as the run-time compile, for good and bad documents', () => {
    const module = { exports: {} as unknown };
    new Function('module', 'exports', 'require', flowValidatorSource())(
      module,
      module.exports,
      createRequire(__filename),
    );
    const built = module.exports as ValidateFunction;
    const runtime = flowSchemaAjv().compile(flowValidationSchema());
    const documents: unknown[] = [
      { version: 1, flows: { f: { steps: [{ id: 'a', type: 'decode', token: 'x' }] } } },
      { version: 1, flows: { f: { steps: [{ id: 'a', type: 'tokn' }] } } },
      { version: 2, idps: { i: { issuer: 7, clientAuth: 'nope' } }, extra: true },
      { version: 1, flows: { f: { steps: [{ id: 'r', type: 'repeat', times: 'x', steps: [{ type: 'call' }] }] } } },
      [],
      'text',
    ];
    for (const document of documents) {
      assert.equal(built(document), runtime(document), JSON.stringify(document));
      assert.deepEqual(built.errors ?? null, runtime.errors ?? null, JSON.stringify(document));
    }
  });

  it('is compiled from the schema without its annotations, and with every rule of it', () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- walking JSON Schema documents
    type Schema = Record<string, any>;
    const stripped = flowValidationSchema() as Schema;
    const full = schemaJson as Schema;
    // An idp has a field named description: a property name, not an annotation.
    assert.deepEqual(Object.keys(stripped.definitions.idp.properties), Object.keys(full.definitions.idp.properties));
    assert.ok('description' in stripped.definitions.idp.properties);
    assert.equal(stripped.definitions.idp.properties.description.description, undefined);
    assert.equal(stripped.markdownDescription, undefined);
    // What checkAgainstSchema words its messages with stays.
    assert.equal(stripped.definitions.assertion.errorMessage, full.definitions.assertion.errorMessage);
    assert.equal(
      stripped.definitions.step.properties?.type?.enum?.join(),
      full.definitions.step.properties?.type?.enum?.join(),
    );
    const text = (value: unknown) => JSON.stringify(value);
    for (const keyword of ['patternErrorMessage', 'pattern', 'enum', 'const', 'required', '$ref', 'discriminator'])
      assert.equal(
        text(stripped).split(`"${keyword}":`).length,
        text(full).split(`"${keyword}":`).length,
        `every ${keyword} is kept`,
      );
  });
});
