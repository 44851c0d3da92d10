import { escapeControlChars } from '../../core/control-chars';
import { runSecrets } from '../../core/flow/run-secrets';
import type { RunResult, StepRun } from '../../core/flow/runner';
import type { SecretRegistry } from '../../core/http/secret-registry';

/** A step's failed assertions, then those of the steps inside it (a repeat), each named by its path. */
function failedAssertions(step: StepRun, inner = false): string[] {
  const own = step.assertions.filter((a) => !a.passed).map((a) => (inner ? `${step.path}: ${a.message}` : a.message));
  return [...own, ...(step.children ?? []).flatMap((child) => failedAssertions(child, true))];
}

/**
 * JUnit XML: one testsuite per flow, one testcase per step, for CI dashboards. Every text is
 * masked with the secrets the run handled (`secrets`, else what the result shows).
 */
export function toJunit(result: RunResult, fileName: string, secrets?: SecretRegistry): string {
  const known = runSecrets(result, secrets);
  // XML 1.0 cannot hold most control characters; escaped, they stay readable (and harmless in a terminal).
  const escape = (text: string) =>
    escapeControlChars(known.text(text))
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;');
  const cases = result.steps.map((step) => {
    const name = `${step.id} (${step.type})`;
    const time = (step.durationMs / 1000).toFixed(3);
    const open = `    <testcase classname="${escape(`${fileName}.${result.flow}`)}" name="${escape(name)}" time="${time}">`;
    if (step.status === 'skipped') return `${open}<skipped/></testcase>`;
    if (step.status === 'error')
      return `${open}<error message="${escape(step.error?.message ?? 'error')}" type="${escape(step.error?.code ?? 'error')}">${escape(step.error?.hint ?? '')}</error></testcase>`;
    if (step.status === 'failed') {
      const messages = [
        ...failedAssertions(step),
        ...(step.verdict && step.verdict.code !== 'ok' ? [`why: ${step.verdict.summary}`] : []),
      ];
      return `${open}<failure message="${escape(messages[0] ?? 'failed')}">${escape(messages.join('\n'))}</failure></testcase>`;
    }
    return `${open}</testcase>`;
  });
  const count = (status: string) => result.steps.filter((s) => s.status === status).length;
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites>
  <testsuite name="${escape(result.flow)}" tests="${result.steps.length}" failures="${count('failed')}" errors="${count('error')}" skipped="${count('skipped')}" time="${(result.durationMs / 1000).toFixed(3)}">
${cases.join('\n')}
  </testsuite>
</testsuites>
`;
}
