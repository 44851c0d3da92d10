import { OidcError } from '../errors';
import type { DataPath, SourceRange } from './source-map';

export const FLOW_FILE_ERROR_CODES = [
  'flowfile.syntax',
  'flowfile.schema',
  'flowfile.literal_secret',
  'flowfile.template',
  'flowfile.reference',
  'flowfile.too_large',
] as const;
export type FlowFileErrorCode = (typeof FLOW_FILE_ERROR_CODES)[number];

/** One problem found in a flow file, positioned for editors (diagnostics) and people ("file:line:col"). */
export interface FlowFileIssue {
  code: FlowFileErrorCode | 'flowfile.warning';
  severity: 'error' | 'warning';
  message: string;
  hint?: string;
  path: DataPath;
  range?: SourceRange;
  /** "file:line:col". */
  where: string;
}

/** Thrown by loadFlowFile: the first error as an OidcError, with every issue attached for editors. */
export class FlowFileError extends OidcError {
  readonly issues: FlowFileIssue[];

  constructor(first: FlowFileIssue, issues: FlowFileIssue[]) {
    const more = issues.filter((i) => i.severity === 'error').length - 1;
    super(
      first.code,
      more > 0 ? `${first.message} (and ${more} more problem${more === 1 ? '' : 's'})` : first.message,
      {
        where: first.where,
        hint: first.hint,
      },
    );
    this.name = 'FlowFileError';
    this.issues = issues;
  }
}

/** Severity order for choosing which error to throw: syntax before schema before the rest. */
export function issueRank(issue: FlowFileIssue): number {
  const order = FLOW_FILE_ERROR_CODES as readonly string[];
  const rank = order.indexOf(issue.code);
  return rank < 0 ? order.length : rank;
}

/** The file and line of an issue, "file:line" (its `where` without the column). */
export function issueLocation(issue: FlowFileIssue): string {
  return issue.where.replace(/:(\d+):\d+$/, ':$1');
}

/** "line 5", "lines 6 and 10", "lines 3, 6 and 9", or "lines 3 to 40" when there are many. */
function describeLines(lines: number[]): string {
  const distinct = [...new Set(lines)].sort((a, b) => a - b);
  if (distinct.length === 1) return `line ${distinct[0]}`;
  if (distinct.length > 6) return `lines ${distinct[0]} to ${distinct[distinct.length - 1]}`;
  return `lines ${distinct.slice(0, -1).join(', ')} and ${distinct[distinct.length - 1]}`;
}

/**
 * Every issue of a flow file for a terminal: a summary line naming the file,
 * then one line per issue as "<file>:<line>: message hint [code]" (the form
 * editors and CI logs link to), in file order, warnings marked as such.
 */
export function formatFlowFileIssues(issues: FlowFileIssue[]): string {
  const errors = issues.filter((i) => i.severity === 'error');
  const first = errors[0] ?? issues[0];
  if (!first) return '';
  const file = first.where.replace(/:\d+:\d+$/, '');
  const summary =
    errors.length === 0
      ? `${file}:`
      : `${file} has ${errors.length === 1 ? '1 problem' : `${errors.length} problems`}, on ${describeLines(errors.map((i) => i.range?.start.line ?? 1))}:`;
  const rows = issues.map(
    (i) =>
      `${issueLocation(i)}: ${i.severity === 'warning' ? 'warning: ' : ''}${i.message}${i.hint ? ` ${i.hint}` : ''} [${i.code}]`,
  );
  return [summary, ...rows].join('\n');
}
