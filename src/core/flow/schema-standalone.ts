import standaloneCode from 'ajv/dist/standalone';
import schemaJson from '../../../schemas/flow-file.schema.json';
import { flowSchemaAjv } from './schema-ajv';

/**
 * Build time only (esbuild.config.mjs): the flow-file validator as ajv
 * standalone code, a CommonJS module whose export is the validate function,
 * compiled with exactly the options the run-time compile uses.
 */
export function flowValidatorSource(): string {
  const ajv = flowSchemaAjv({ source: true });
  return standaloneCode(ajv, ajv.compile(schemaJson as object));
}
