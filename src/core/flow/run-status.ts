import { isConfigurationCode } from '../errors';
import type { RunResult, StepRun } from './runner';

/**
 * The one rule for a run's status from its steps. The runner sets it on
 * RunResult, and every reporter, the CLI's exit code and the extension's
 * summary and history read it from there instead of counting steps again.
 *
 * - A stopped run, or any step in error, is an error.
 * - Otherwise any failed step fails the run, `continueOnFailure` or not: that
 *   flag lets the next steps run; it does not excuse the failure. Steps
 *   inside a repeat count through it: the runner fails a repeat when any of
 *   its inner steps failed, on any attempt.
 * - Skipped steps (onlyIn) neither pass nor fail the run.
 */
export function runStatus(
  steps: readonly Pick<StepRun, 'status'>[],
  options: { stopped?: boolean } = {},
): RunResult['status'] {
  if (options.stopped || steps.some((s) => s.status === 'error')) return 'error';
  return steps.some((s) => s.status === 'failed') ? 'failed' : 'passed';
}

/**
 * True when a run ended in error because of how it was set up (an unset
 * `${env:NAME}`, a flow file mistake), not because the IdP or gateway
 * misbehaved: the CLI exits 2 for it, as for any configuration error.
 */
export function isConfigurationFailure(result: Pick<RunResult, 'status' | 'steps'>): boolean {
  return (
    result.status === 'error' && result.steps.some((s) => s.error !== undefined && isConfigurationCode(s.error.code))
  );
}
