import { LineCounter } from 'yaml';
import type { Document } from 'yaml';
import { OidcError } from '../errors';
import { parseUntrustedYaml } from '../untrusted-input';
import type { SourceFormat } from './types';

/**
 * Reads an export's text (JSON or YAML) and tells which tool wrote it.
 * Syntax errors name the line but never quote the text: exports hold secrets.
 */

export const SUPPORTED_FORMATS =
  'Insomnia v4 export (JSON), Insomnia v5 collection (YAML) or Postman Collection v2.0 or v2.1 (JSON)';

export interface DetectedExport {
  format: SourceFormat;
  data: Record<string, unknown>;
}

function lineAndColumn(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < Math.min(offset, text.length); i++) {
    if (text[i] === '\n') {
      line += 1;
      lineStart = i + 1;
    }
  }
  return { line, col: offset - lineStart + 1 };
}

function syntaxError(fileName: string, kind: 'JSON' | 'YAML', what: string, line: number, col: number): OidcError {
  return new OidcError(
    'import.syntax',
    `${fileName}:${line}:${col}: the export is not valid ${kind} (line ${line}, column ${col}): ${what}.`,
    {
      where: `${fileName}:${line}:${col}`,
      hint: `Export the collection again from the tool (${SUPPORTED_FORMATS}); a file edited by hand may have lost a quote, comma or bracket near that line.`,
    },
  );
}

/** Parses JSON or YAML; throws `import.syntax` with the line of the first error. */
export function parseExportText(text: string, fileName: string): unknown {
  const trimmed = text.replace(/^\uFEFF/, '');
  if (/^\s*[[{]/.test(trimmed)) {
    try {
      return JSON.parse(trimmed) as unknown;
    } catch (error) {
      const message = (error as Error).message;
      const offset = Number(/position (\d+)/.exec(message)?.[1] ?? trimmed.length);
      // Node's message may quote the text around the error; keep only its first clause.
      const what = message
        .replace(/,\s*".*$/s, '')
        .replace(/ in JSON at position.*$/s, '')
        .replace(/\s*\(line \d+ column \d+\)$/, '');
      const { line, col } = lineAndColumn(trimmed, offset);
      throw syntaxError(fileName, 'JSON', what, line, col);
    }
  }
  const lineCounter = new LineCounter();
  let doc: Document.Parsed;
  try {
    doc = parseUntrustedYaml(trimmed, lineCounter);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw syntaxError(fileName, 'YAML', 'lists or mappings nested thousands of levels deep', 1, 1);
  }
  const first = doc.errors[0];
  if (first) {
    const { line, col } = lineCounter.linePos(first.pos[0]);
    throw syntaxError(fileName, 'YAML', first.message.split('\n')[0]!, line, col);
  }
  try {
    return doc.toJS({ maxAliasCount: 100 }) as unknown;
  } catch {
    throw syntaxError(fileName, 'YAML', 'too many aliases (*name) to expand', 1, 1);
  }
}

function unrecognised(fileName: string, seen: string): OidcError {
  return new OidcError(
    'import.unrecognised',
    `${fileName} is not an export oidc-flow can import: ${seen}. Supported: ${SUPPORTED_FORMATS}.`,
    {
      where: fileName,
      hint: 'In Insomnia use "Export" (Insomnia v4 JSON or v5 YAML); in Postman use "Export" on the collection and choose Collection v2.1.',
    },
  );
}

function unsupportedVersion(fileName: string, seen: string, hint: string): OidcError {
  return new OidcError(
    'import.unsupported_version',
    `${fileName} is ${seen}, which oidc-flow does not import. Supported: ${SUPPORTED_FORMATS}.`,
    { where: fileName, hint },
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Tells the tool and version from parsed data; throws `import.unrecognised` / `import.unsupported_version`. */
export function detectExport(data: unknown, fileName: string): DetectedExport {
  if (!isObject(data))
    return fail(fileName, Array.isArray(data) ? 'it holds a list, not an export object' : 'it holds no object');
  if ('__export_format' in data) {
    if (data.__export_format === 4) return { format: 'Insomnia v4', data };
    throw unsupportedVersion(
      fileName,
      `an Insomnia export in format ${String(data.__export_format)}`,
      'Open it in a current Insomnia and export it again (v4 JSON or v5 YAML).',
    );
  }
  if (typeof data.type === 'string' && data.type.includes('insomnia.rest/')) {
    const [kind, version] = data.type.split('insomnia.rest/');
    if (!version?.startsWith('5.')) {
      throw unsupportedVersion(
        fileName,
        `an Insomnia file of version ${version ?? '?'}`,
        'Export it again from Insomnia as v5 YAML or v4 JSON.',
      );
    }
    if (kind === 'collection.' || kind === 'spec.') return { format: 'Insomnia v5', data };
    throw unrecognised(fileName, `it is an Insomnia ${kind?.replace(/\.$/, '') ?? ''} file, which holds no requests`);
  }
  const info = isObject(data.info) ? data.info : undefined;
  const schema = typeof info?.schema === 'string' ? info.schema : undefined;
  if (schema !== undefined && /getpostman\.com\/json\/collection\//.test(schema)) {
    if (/\/v2\.1\.\d+\//.test(schema)) return { format: 'Postman v2.1', data };
    // v2.0 has v2.1's item tree; only auth settings are written as a mapping instead of a key/value list.
    if (/\/v2\.0\.\d+\//.test(schema)) return { format: 'Postman v2.0', data };
    const version = /\/(v[\d.]+)\//.exec(schema)?.[1] ?? 'an unknown version';
    throw unsupportedVersion(
      fileName,
      `a Postman collection ${version}`,
      'In Postman, export the collection again and choose "Collection v2.1".',
    );
  }
  if (Array.isArray(data.requests) && typeof data.name === 'string' && ('order' in data || 'folders' in data)) {
    throw unsupportedVersion(
      fileName,
      'a Postman collection v1',
      'In Postman, export the collection again and choose "Collection v2.1".',
    );
  }
  if (isPostmanEnvironment(data)) {
    throw unrecognised(
      fileName,
      `it is a Postman environment, which holds no requests: give it with its collection, e.g. oidc-flow import <collection.json> --environment ${fileName}`,
    );
  }
  return fail(
    fileName,
    'none of the markers of a known export was found (Insomnia __export_format or type, Postman info.schema)',
  );
}

/** A Postman environment export; older ones (Okta's among them) have no _postman_variable_scope: a name and values. */
export function isPostmanEnvironment(data: unknown): boolean {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return false;
  const record = data as Record<string, unknown>;
  return (
    record._postman_variable_scope !== undefined || (Array.isArray(record.values) && typeof record.name === 'string')
  );
}

function fail(fileName: string, seen: string): never {
  throw unrecognised(fileName, seen);
}

/** Parses and detects in one go. */
export function readExport(text: string, fileName: string): DetectedExport {
  if (text.trim() === '') fail(fileName, 'the file is empty');
  return detectExport(parseExportText(text, fileName), fileName);
}

/** Which formats were expected, for errors when a specific importer gets another tool's file. */
export function expectFormat(detected: DetectedExport, expected: 'Insomnia' | 'Postman', fileName: string): void {
  if (!detected.format.startsWith(expected)) {
    throw new OidcError('import.unrecognised', `${fileName} is a ${detected.format} export, not ${expected}.`, {
      where: fileName,
      hint: `Import it without naming the tool (importAny / "oidc-flow import"), which detects it. Supported: ${SUPPORTED_FORMATS}.`,
    });
  }
}
