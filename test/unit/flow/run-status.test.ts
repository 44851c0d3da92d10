import { strict as assert } from 'node:assert';
import { isConfigurationFailure, runStatus } from '../../../src/core/flow/run-status';
import type { StepRun } from '../../../src/core/flow/runner';

/**
 * The one rule for a run's status from its steps (src/core/flow/run-status.ts)
 * and which failures are configuration errors, the ones the CLI exits 2 for.
 */

type Status = StepRun['status'];
const steps = (...statuses: Status[]) => statuses.map((status) => ({ status }));

describe('runStatus: a run with any failed step is failed', () => {
  it('passes when every step passed or was skipped', () => {
    assert.equal(runStatus(steps('passed', 'skipped', 'passed')), 'passed');
    assert.equal(runStatus([]), 'passed');
  });

  it('fails when one step failed, even with later steps passing (continueOnFailure)', () => {
    assert.equal(runStatus(steps('passed', 'failed', 'passed', 'passed', 'passed', 'passed', 'passed')), 'failed');
  });

  it('is an error when a step is in error, whatever else failed', () => {
    assert.equal(runStatus(steps('failed', 'error', 'passed')), 'error');
  });

  it('is an error when the run was stopped, even if every finished step passed', () => {
    assert.equal(runStatus(steps('passed', 'skipped'), { stopped: true }), 'error');
  });
});

describe('isConfigurationFailure: a run that ended in error because of its setup', () => {
  it('is true for a run in error with an unset secret reference', () => {
    assert.equal(
      isConfigurationFailure({
        status: 'error',
        steps: [
          { status: 'error', error: { code: 'secret.missing', message: 'OKTA_CLIENT_SECRET is not set' } },
        ] as StepRun[],
      }),
      true,
    );
  });

  it('is false for a run in error from the network, and for a failed check', () => {
    assert.equal(
      isConfigurationFailure({
        status: 'error',
        steps: [{ status: 'error', error: { code: 'http.connection_refused', message: 'refused' } }] as StepRun[],
      }),
      false,
    );
    assert.equal(isConfigurationFailure({ status: 'failed', steps: [{ status: 'failed' }] as StepRun[] }), false);
  });
});
