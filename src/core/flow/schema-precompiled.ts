import type { ValidateFunction } from 'ajv';

/**
 * The flow-file validator compiled at build time: esbuild.config.mjs
 * replaces this module with ajv's standalone code for
 * schemas/flow-file.schema.json, made with the same options
 * (flowSchemaAjv). Run from source (tests, tsx) there is none, and schema.ts
 * compiles the schema on first use. Compiling it took 0.4 to 1.2 s of every
 * `oidc-flow run`, `validate` and `import` start (issue #14).
 */
export const precompiledValidator: ValidateFunction | undefined = undefined;
