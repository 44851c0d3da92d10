import schemaJson from '../../../schemas/flow-file.schema.json';

/**
 * The flow-file JSON Schema (draft-07), as shipped in schemas/flow-file.schema.json. Its own
 * module: the validator (schema.ts) no longer needs the document, and a bundle that held it
 * there evaluated a second copy of its 89 KB at every validate, run and import (issue #14).
 */
export const flowFileSchema: Readonly<Record<string, unknown>> = schemaJson;
