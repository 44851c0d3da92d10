import { OidcError } from '../errors';
import { FLOW_FILE_LIMITS } from '../untrusted-input';
import { buildFlowFile } from './build-flow';
import type { DetectedExport } from './parse-input';
import { expectFormat, isPostmanEnvironment, parseExportText, readExport } from './parse-input';
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

/**
 * The flow loader's limit (core/flow/load.ts MAX_FLOW_FILE_CHARS is this same value), taken from
 * where the loader takes it: importing it from flow/load evaluated the loader and the flow-file
 * validator before `oidc-flow import` printed anything, and only the check after it needs them
 * (issue #14, CLI start).
 */
const MAX_FLOW_FILE_CHARS = FLOW_FILE_LIMITS.maxChars;

/** More requests than anyone steps through; building them all would take hundreds of MB. */
const MAX_IMPORTED_REQUESTS = 5000;

/** An export that would not make a flow file the loader accepts: said before anything is written. */
function tooLarge(fileName: string, what: string): OidcError {
  return new OidcError(
    'import.too_large',
    `${fileName} ${what}; a flow file holds at most ${MAX_IMPORTED_REQUESTS.toLocaleString('en')} requests and ${MAX_FLOW_FILE_CHARS / 1_000_000} million characters, so nothing was written.`,
    {
      where: fileName,
      hint: 'Export the folder that holds the requests you are debugging (in Postman or Insomnia, export that folder or a smaller collection), and import that.',
    },
  );
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
  if (source.requests.length > MAX_IMPORTED_REQUESTS)
    throw tooLarge(options.fileName, `holds ${source.requests.length.toLocaleString('en')} requests`);
  const { file, notCarried, secrets } = buildFlowFile(source);
  const yaml = renderImportedYaml(file, {
    fileName: options.fileName,
    format: source.format,
    collectionName: source.name,
    notCarried,
    secrets,
  });
  if (yaml.length > MAX_FLOW_FILE_CHARS)
    throw tooLarge(
      options.fileName,
      `would make a flow file of ${(yaml.length / 1_000_000).toFixed(1)} million characters`,
    );
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

/**
 * Imports several files picked together: one collection (Insomnia or
 * Postman) and any Postman environment exports, in any order, as
 * `oidc-flow import <collection> --environment <env>...` does.
 */
export function importFiles(
  files: ReadonlyArray<{ text: string; fileName: string }>,
): ImportResult & { collectionFileName: string } {
  const environments = files.filter((f) => isPostmanEnvironment(safeParse(f.text)));
  const collections = files.filter((f) => !environments.includes(f));
  if (collections.length !== 1)
    throw new OidcError(
      'import.unrecognised',
      collections.length === 0
        ? `${files.map((f) => f.fileName).join(', ')} ${files.length === 1 ? 'is a Postman environment' : 'are Postman environments'}, which hold no requests.`
        : `Pick one collection at a time (with its Postman environments); got ${collections.map((f) => f.fileName).join(', ')}.`,
      {
        hint: 'Pick the collection (Insomnia or Postman export) and, optionally, the Postman environment exports it uses.',
      },
    );
  const [collection] = collections as [{ text: string; fileName: string }];
  return {
    ...importAny(collection.text, { fileName: collection.fileName, environments }),
    collectionFileName: collection.fileName,
  };
}

/** The parsed data for telling environments apart; a file that does not parse is a collection candidate, whose import then names the syntax error. */
function safeParse(text: string): unknown {
  try {
    return parseExportText(text, 'input');
  } catch {
    return undefined;
  }
}
