import Ajv from 'ajv';
import schemaJson from '../../../schemas/flow-file.schema.json';

/** The ajv instance the flow-file schema compiles with, at run time and (with source) at build time. */
export function flowSchemaAjv(code: { source?: boolean } = {}): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    verbose: true,
    discriminator: true,
    allowUnionTypes: true,
    strict: true,
    strictTypes: false,
    strictRequired: false,
    // A `$ref` becomes a call of the referenced schema's function instead of a copy of its code:
    // inlined, the assertion schema (12 references) and the steps made the build-time validator
    // 552 KB of code that every `validate`, `run` and `import` parsed and compiled (issue #14).
    inlineRefs: false,
    code,
  });
  // Editor-only annotations (VS Code JSON / YAML language servers) that ajv should accept and ignore.
  ajv.addVocabulary([
    'markdownDescription',
    'markdownEnumDescriptions',
    'defaultSnippets',
    'patternErrorMessage',
    'errorMessage',
  ]);
  return ajv;
}

/**
 * Keywords that only annotate (editor hovers, completion) and never change what validates. The
 * validator is compiled from the schema without them: with `verbose`, ajv's generated code keeps
 * every schema an error can name (error.parentSchema) as a constant, so the descriptions were
 * most of the build-time validator's constants. What checkAgainstSchema reads of a parent schema
 * (properties, patternErrorMessage, errorMessage, discriminator, anyOf/oneOf) stays.
 */
const ANNOTATIONS = new Set([
  'title',
  'description',
  'markdownDescription',
  'markdownEnumDescriptions',
  'defaultSnippets',
  'examples',
  'default',
  '$comment',
]);
/** Keywords whose value maps names (not keywords) to schemas. */
const SCHEMA_MAPS = new Set(['properties', 'definitions', '$defs', 'patternProperties', 'dependencies']);
/** Keywords whose value is data, not a schema. */
const DATA = new Set(['enum', 'const', 'required']);

function withoutAnnotations(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutAnnotations);
  if (schema === null || typeof schema !== 'object') return schema;
  const kept: Record<string, unknown> = {};
  for (const [keyword, value] of Object.entries(schema)) {
    if (ANNOTATIONS.has(keyword)) continue;
    if (SCHEMA_MAPS.has(keyword) && value !== null && typeof value === 'object')
      kept[keyword] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, withoutAnnotations(sub)]));
    else kept[keyword] = DATA.has(keyword) ? value : withoutAnnotations(value);
  }
  return kept;
}

/** schemas/flow-file.schema.json as the validator is compiled from it: the same rules, no annotations. */
export function flowValidationSchema(): object {
  return withoutAnnotations(schemaJson) as object;
}
