import type { ValidateFunction } from 'ajv';
import { flowSchemaAjv, flowValidationSchema } from './schema-ajv';

/**
 * The flow-file validator. esbuild.config.mjs replaces this module with
 * ajv's standalone code for schemas/flow-file.schema.json, made with the same
 * options and schema (flowSchemaAjv, flowValidationSchema), so the bundles
 * neither compile the schema nor load ajv's compiler: compiling took 0.4 to
 * 1.2 s of every `oidc-flow run`, `validate` and `import` start, and loading
 * ajv about 10 ms (issue #14). Run from source (tests, tsx) it compiles the
 * schema here, on first use.
 */
export function flowValidator(): ValidateFunction {
  return flowSchemaAjv().compile(flowValidationSchema());
}
