import { OidcError } from '../errors';
import type { DataPath, SourceRange } from './source-map';

export const FLOW_FILE_ERROR_CODES = ['flowfile.syntax', 'flowfile.schema', 'flowfile.literal_secret', 'flowfile.template', 'flowfile.reference'] as const;
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
    super(first.code, more > 0 ? `${first.message} (and ${more} more problem${more === 1 ? '' : 's'})` : first.message, {
      where: first.where,
      hint: first.hint,
    });
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
