import Ajv from 'ajv';

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
