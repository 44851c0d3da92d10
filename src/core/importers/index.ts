import { OidcError } from '../errors';
import { buildFlowFile } from './build-flow';
import type { DetectedExport } from './parse-input';
import { expectFormat, parseExportText, readExport } from './parse-input';
import { readInsomniaV4, readInsomniaV5 } from './read-insomnia';
import { readPostman, readPostmanEnvironment, withPostmanEnvironments } from './read-postman';
import { renderImportedYaml } from './render-yaml';
import type { ImportOptions, ImportResult, SourceCollection } from './types';

/**
 * Importers: Insomnia (v4 JSON, v5 YAML) and Postman (Collection v2.0, v2.1)
 * exports → flow files. Errors: `import.syntax`, `import.unrecognised`,
 * `import.unsupported_version`, `import.empty` (all OidcError).
 */

export type { ImportOptions, ImportResult, NotCarried, SecretUse, SourceFormat } from './types';
export { SUPPORTED_FORMATS } from './parse-input';
export { VARIABLES_HEADING } from './render-yaml';

function read(detected: DetectedExport): SourceCollection {
  switch (detected.format) {
    case 'Insomnia v4':
      return readInsomniaV4(detected.data);
    case 'Insomnia v5':
      return readInsomniaV5(detected.data);
    case 'Postman v2.0':
    case 'Postman v2.1':
      return readPostman(detected.data, detected.format);
  }
}

function importDetected(detected: DetectedExport, options: ImportOptions): ImportResult {
  const extra = options.environments ?? [];
  if (extra.length > 0 && !detected.format.startsWith('Postman')) {
    throw new OidcError(
      'import.unrecognised',
      `${options.fileName} is a ${detected.format} export; --environment takes Postman environment exports, for a Postman collection.`,
      {
        where: options.fileName,
        hint: 'Insomnia exports hold their environments already: import the export alone.',
      },
    );
  }
  const source = withPostmanEnvironments(
    read(detected),
    extra.map((e) => readPostmanEnvironment(parseExportText(e.text, e.fileName), e.fileName)),
  );
  const { file, notCarried, secrets } = buildFlowFile(source);
  const yaml = renderImportedYaml(file, {
    fileName: options.fileName,
    format: source.format,
    collectionName: source.name,
    notCarried,
    secrets,
  });
  return { file, yaml, notCarried, secrets };
}

/** Imports an Insomnia v4 (JSON) or v5 (YAML) export. */
export function importInsomnia(text: string, options: ImportOptions): ImportResult {
  const detected = readExport(text, options.fileName);
  expectFormat(detected, 'Insomnia', options.fileName);
  return importDetected(detected, options);
}

/** Imports a Postman Collection v2.1 export. */
export function importPostman(text: string, options: ImportOptions): ImportResult {
  const detected = readExport(text, options.fileName);
  expectFormat(detected, 'Postman', options.fileName);
  return importDetected(detected, options);
}

/** Detects the format (Insomnia v4/v5, Postman v2.1) and imports it. */
export function importAny(text: string, options: ImportOptions): ImportResult {
  return importDetected(readExport(text, options.fileName), options);
}
