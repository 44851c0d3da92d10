import { LineCounter } from 'yaml';
import type { Document } from 'yaml';
import { crossCheckFlowFile } from './cross-check';
import type { FlowFile } from './file-format';
import type { FlowFileIssue } from './issues';
import { FlowFileError, issueRank } from './issues';
import { findLiteralSecrets } from './literal-secrets';
import { checkAgainstSchema } from './schema';
import type { DataPath, SourceLocator, SourceRange } from './source-map';
import { createSourceLocator } from './source-map';
import { expansionOverflow, FLOW_FILE_LIMITS, nestedDeeperThan, parseUntrustedYaml } from '../untrusted-input';

/** Flow files are written by hand or by an import: far below this. */
export const MAX_FLOW_FILE_CHARS = FLOW_FILE_LIMITS.maxChars;
/** A flow file is a handful of levels deep; the checks after parsing walk it recursively. */
const MAX_FLOW_FILE_DEPTH = 100;

export interface LoadOptions {
  /** Shown in `where` ("flows.yaml:7:3"). */
  fileName: string;
  /** Default: `json` for *.json file names, else `yaml`. */
  format?: 'yaml' | 'json';
}

export interface FlowFileCheck {
  /** Present when the file has no errors. */
  file?: FlowFile;
  /** Errors and warnings, in file order. */
  issues: FlowFileIssue[];
  /** Where a value (or its key) sits in the source, for run reports and CodeLens. */
  locate: SourceLocator['locate'];
}

export interface LoadedFlowFile {
  file: FlowFile;
  warnings: FlowFileIssue[];
  locate: SourceLocator['locate'];
}

interface Parsed {
  data?: unknown;
  doc?: Document;
  lineCounter: LineCounter;
  syntax: Array<{ offset: number; message: string; hint?: string; warning?: boolean }>;
}

const YAML_HINT =
  'Check the indentation (spaces, not tabs) and that every "key: value" pair and "- item" is on its own line; quote values that contain ": " or start with { [ * & ! | > % @.';

function parseYaml(text: string): Parsed {
  const lineCounter = new LineCounter();
  const doc = parseUntrustedYaml(text, lineCounter);
  const syntax: Parsed['syntax'] = doc.errors.map((e) => ({
    offset: e.pos[0],
    message: e.message.split('\n')[0]!,
    hint: YAML_HINT,
  }));
  syntax.push(...doc.warnings.map((w) => ({ offset: w.pos[0], message: w.message.split('\n')[0]!, warning: true })));
  if (doc.errors.length > 0) return { doc, lineCounter, syntax };
  try {
    // The alias cap stops "billion laughs" documents from expanding without bound.
    return { data: doc.toJS({ maxAliasCount: 100 }), doc, lineCounter, syntax };
  } catch (error) {
    if (error instanceof RangeError) throw error; // too deep: checkFlowFile says so
    return {
      doc,
      lineCounter,
      syntax: [
        ...syntax,
        {
          offset: 0,
          message: (error as Error).message,
          hint: 'Use fewer YAML aliases (*name), or write the values out.',
        },
      ],
    };
  }
}

function parseJson(text: string): Parsed {
  // JSON.parse decides what is valid JSON; the yaml parser (JSON is YAML 1.2) only supplies positions.
  const lineCounter = new LineCounter();
  const doc = parseUntrustedYaml(text, lineCounter);
  try {
    const data: unknown = JSON.parse(text);
    const duplicates = doc.errors.filter((e) => e.code === 'DUPLICATE_KEY');
    if (duplicates.length > 0) {
      return {
        doc,
        lineCounter,
        syntax: duplicates.map((e) => ({
          offset: e.pos[0],
          message: e.message.split('\n')[0]!,
          hint: 'Remove or rename one of the two keys.',
        })),
      };
    }
    return { data, doc: doc.errors.length === 0 ? doc : undefined, lineCounter, syntax: [] };
  } catch (error) {
    const message = (error as Error).message;
    const offset = Number(/position (\d+)/.exec(message)?.[1] ?? 0);
    return {
      lineCounter: lineCounterFor(text),
      syntax: [
        {
          offset,
          message: message.replace(/ in JSON at position \d+.*$/s, '').replace(/^JSON\.parse: /, ''),
          hint: 'Check for a missing comma or quote, or a trailing comma, just before this point.',
        },
      ],
    };
  }
}

function lineCounterFor(text: string): LineCounter {
  const lineCounter = new LineCounter();
  lineCounter.addNewLine(0);
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineCounter.addNewLine(i + 1);
  return lineCounter;
}

function positionOf(lineCounter: LineCounter, offset: number): SourceRange {
  const { line, col } = lineCounter.linePos(offset);
  const start = { line: Math.max(line, 1), col: Math.max(col, 1), offset };
  return { start, end: start };
}

/** Parses and checks a flow file without throwing: every problem comes back as an issue. */
export function checkFlowFile(text: string, options: LoadOptions): FlowFileCheck {
  const format = options.format ?? (/\.json$/i.test(options.fileName) ? 'json' : 'yaml');
  if (text.length > MAX_FLOW_FILE_CHARS)
    return tooLarge(
      options.fileName,
      `is ${(text.length / 1_000_000).toFixed(1)} million characters long; a flow file may hold at most ${MAX_FLOW_FILE_CHARS / 1_000_000} million`,
      'Split it into several flow files.',
    );
  let parsed: Parsed;
  try {
    parsed = format === 'json' ? parseJson(text) : parseYaml(text);
  } catch (error) {
    // The YAML composer recurses per nesting level: 200,000 '[' overflow the stack.
    if (error instanceof RangeError) return tooDeep(options.fileName);
    throw error;
  }
  // Aliases can make a small file expand to far more than it says: checked before anything walks it.
  if (parsed.data !== undefined && nestedDeeperThan(parsed.data, MAX_FLOW_FILE_DEPTH)) return tooDeep(options.fileName);
  const overflow = parsed.data === undefined ? undefined : expansionOverflow(parsed.data, FLOW_FILE_LIMITS);
  if (overflow)
    return tooLarge(
      options.fileName,
      `holds ${overflow} once its YAML aliases (*name) are expanded; a flow file may hold at most ${MAX_FLOW_FILE_CHARS / 1_000_000} million characters and ${FLOW_FILE_LIMITS.maxNodes.toLocaleString('en')} values`,
      'Write repeated values out instead of aliasing large ones, or split the file.',
    );
  const locator = createSourceLocator(parsed.doc, parsed.lineCounter);
  const issues: FlowFileIssue[] = [];
  const where = (range: SourceRange | undefined) =>
    `${options.fileName}:${range?.start.line ?? 1}:${range?.start.col ?? 1}`;
  const add = (
    code: FlowFileIssue['code'],
    path: DataPath,
    message: string,
    hint: string | undefined,
    atKey = false,
    severity: FlowFileIssue['severity'] = 'error',
  ) => {
    const range = locator.locate(path, { key: atKey });
    issues.push({ code, severity, message, hint, path, range, where: where(range) });
  };

  for (const s of parsed.syntax) {
    const range = positionOf(parsed.lineCounter, s.offset);
    issues.push({
      code: s.warning ? 'flowfile.warning' : 'flowfile.syntax',
      severity: s.warning ? 'warning' : 'error',
      message: `${format === 'json' ? 'JSON' : 'YAML'} ${s.warning ? 'warning' : 'syntax error'}: ${s.message}`,
      hint: s.hint,
      path: [],
      range,
      where: where(range),
    });
  }
  if (parsed.data === undefined && issues.some((i) => i.severity === 'error'))
    return { issues: sortIssues(issues), locate: locator.locate };

  const schemaProblems = checkAgainstSchema(parsed.data ?? null);
  for (const p of schemaProblems) add('flowfile.schema', p.path, p.message, p.hint, p.atKey);
  for (const p of findLiteralSecrets(parsed.data)) add('flowfile.literal_secret', p.path, p.message, p.hint);
  if (schemaProblems.length === 0) {
    for (const p of crossCheckFlowFile(parsed.data as FlowFile))
      add(p.code, p.path, p.message, p.hint, p.atKey, p.severity);
  }
  const sorted = sortIssues(issues);
  const ok = !sorted.some((i) => i.severity === 'error');
  return { file: ok ? (parsed.data as FlowFile) : undefined, issues: sorted, locate: locator.locate };
}

/** The one issue of a file too big or too deep to read further. */
function tooLarge(fileName: string, problem: string, hint: string): FlowFileCheck {
  const start = { line: 1, col: 1, offset: 0 };
  return {
    issues: [
      {
        code: 'flowfile.too_large',
        severity: 'error',
        message: `${fileName} ${problem}, so it was not read further.`,
        hint,
        path: [],
        range: { start, end: start },
        where: `${fileName}:1:1`,
      },
    ],
    locate: () => undefined,
  };
}

function tooDeep(fileName: string): FlowFileCheck {
  return tooLarge(
    fileName,
    `nests lists or mappings more than ${MAX_FLOW_FILE_DEPTH} levels deep`,
    'A flow file is a few levels deep; this is not one.',
  );
}

function sortIssues(issues: FlowFileIssue[]): FlowFileIssue[] {
  return [...issues].sort((a, b) => (a.range?.start.offset ?? 0) - (b.range?.start.offset ?? 0));
}

/**
 * Parses, validates and cross-checks a flow file. Throws a FlowFileError (an
 * OidcError) with code flowfile.syntax, flowfile.schema, flowfile.literal_secret,
 * flowfile.template or flowfile.reference and `where` = "file:line:col".
 */
export function loadFlowFile(text: string, options: LoadOptions): LoadedFlowFile {
  const result = checkFlowFile(text, options);
  const error = flowFileError(result.issues);
  if (error) throw error;
  // No error means the checker returned the file.
  return { file: result.file!, warnings: result.issues.filter((i) => i.severity === 'warning'), locate: result.locate };
}

/**
 * What loadFlowFile throws for these issues: the first error by rank (syntax
 * before schema before the rest), or undefined when there is no error. For
 * callers that checked the text already (the extension's shared checker).
 */
export function flowFileError(issues: FlowFileIssue[]): FlowFileError | undefined {
  const errors = issues.filter((i) => i.severity === 'error');
  if (errors.length === 0) return undefined;
  const first = [...errors].sort(
    (a, b) => issueRank(a) - issueRank(b) || (a.range?.start.offset ?? 0) - (b.range?.start.offset ?? 0),
  )[0]!;
  return new FlowFileError({ ...first, message: `${lineLabel(first)}${first.message}` }, issues);
}

function lineLabel(issue: FlowFileIssue): string {
  return issue.range ? `Line ${issue.range.start.line}: ` : '';
}
