import type { FlowFileCheck } from '../core/flow/load';
import { formatFlowFileIssues } from '../core/flow/issues';
import type { Styler } from './io';

/**
 * What `validate` prints for a checked flow file, and what `import` prints for
 * the file it wrote: one checker (the editor's diagnostics use it too), one
 * rendering. Returns whether the file has errors.
 */
export function writeFlowFileCheck(
  name: string,
  check: FlowFileCheck,
  out: { write(text: string): unknown },
  s: Styler,
): boolean {
  const errors = check.issues.filter((i) => i.severity === 'error').length;
  const warnings = check.issues.length - errors;
  if (errors > 0) {
    out.write(`${s.red('Invalid')}: ${formatFlowFileIssues(check.issues)}\n`);
    return true;
  }
  const flows = Object.values(check.file?.flows ?? {});
  const steps = flows.reduce((sum, flow) => sum + flow.steps.length, 0);
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  out.write(
    `${s.green('Valid')}: ${name} (${plural(flows.length, 'flow')}, ${plural(steps, 'step')}${warnings > 0 ? `, ${plural(warnings, 'warning')}` : ''}).\n`,
  );
  if (warnings > 0) out.write(`${formatFlowFileIssues(check.issues).split('\n').slice(1).join('\n')}\n`);
  return false;
}
