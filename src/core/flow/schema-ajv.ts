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
