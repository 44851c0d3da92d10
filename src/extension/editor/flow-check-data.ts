/**
 * One check of a flow file's text as plain data: what the editor's three
 * readers (diagnostics, CodeLens, the flow index) need, and nothing a worker
 * thread could not send back. The checker's `locate` is a closure over the
 * parsed YAML document, so it cannot cross threads; the one thing the
 * readers asked it for, where each flow's key sits, is computed here instead.
 *
 * Imports no vscode: it runs in the lazy bundle and in dist/flow-check-worker.js.
 */
import { readableYamlValue } from '../../core/untrusted-input';
import type { FlowFile } from '../../core/flow/file-format';
import type { FlowFileIssue } from '../../core/flow/issues';
import { checkFlowFile } from '../../core/flow/load';

/** Where the key of one flow starts: the line its CodeLens sits on. */
export interface FlowAnchor {
  flow: string;
  /** 0-based character offset of the key in the text. */
  offset: number;
}

/** An issue of the file, or the one issue saying the file could not be checked at all. */
export type CheckedIssue = Omit<FlowFileIssue, 'code'> & { code: FlowFileIssue['code'] | 'extension.flow_unchecked' };

export interface FlowCheckResult {
  /** Present when the file has no errors. */
  file?: FlowFile;
  /** Errors and warnings, in file order. */
  issues: CheckedIssue[];
  /** Every flow of the raw document, even when some step is broken: Run stays offered on the others. */
  flows: FlowAnchor[];
  /** Set when the check itself failed (a crashed or too slow worker): `issues` then holds the one issue saying so. */
  unchecked?: boolean;
}

/** Checks `text` once; never throws for bad input. */
export function checkFlowText(text: string, fileName: string): FlowCheckResult {
  const check = checkFlowFile(text, { fileName });
  let data: { flows?: unknown } | null | undefined = check.file;
  if (!data && check.issues.every((i) => i.code !== 'flowfile.too_large')) {
    // Lenses come from the raw document so a file with one broken step still offers Run on the others;
    // read as untrusted, since an alias inside its own anchor kept yaml's toJS busy for minutes.
    data = readableYamlValue(text) as { flows?: unknown } | null | undefined;
  }
  const names =
    data && typeof data === 'object' && data.flows && typeof data.flows === 'object' && !Array.isArray(data.flows)
      ? Object.keys(data.flows)
      : [];
  const flows: FlowAnchor[] = [];
  for (const flow of names) {
    const range = check.locate(['flows', flow], { key: true });
    if (range) flows.push({ flow, offset: range.start.offset });
  }
  return { file: check.file, issues: check.issues, flows };
}
