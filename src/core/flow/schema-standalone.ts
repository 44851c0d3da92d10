import standaloneCode from 'ajv/dist/standalone';
import { flowSchemaAjv, flowValidationSchema } from './schema-ajv';

/**
 * Build time only (esbuild.config.mjs): the flow-file validator as ajv
 * standalone code, a CommonJS module whose export is the validate function,
 * compiled with exactly the options and schema the run-time compile uses.
 */
export function flowValidatorSource(): string {
  const ajv = flowSchemaAjv({ source: true });
  return standaloneCode(ajv, ajv.compile(flowValidationSchema()));
}
