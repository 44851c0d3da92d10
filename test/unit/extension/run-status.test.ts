import assert from 'node:assert/strict';
import { RunHistory } from '../../../src/extension/history/run-history';
import { RunRecorder } from '../../../src/extension/results/run-recorder';
import { summarize } from '../../../src/extension/services/run-service';
import { runWithFailedStep } from '../../support/failed-step-run';

/**
 * The extension shows the runner's own run status: a failed step with
 * continueOnFailure makes the run failed in the results view, in the summary
 * a run command resolves to, and in the history, none of which count steps
 * again.
 */
describe('extension: a failed step fails the run it shows', () => {
  it('the results view, the run summary and the history all say failed', async () => {
    const recorder = new RunRecorder({ id: 'run-1', title: 'one-failed', source: 'test' });
    const result = await runWithFailedStep('one-failed', (event) => recorder.onEvent(event));

    assert.deepEqual(
      result.steps.map((s) => s.status),
      ['failed', 'passed', 'passed'],
      'the next steps still ran',
    );
    assert.equal(recorder.view().status, 'failed');
    const summary = summarize({ runId: 'run-1', result, recorder });
    assert.equal(summary.status, 'failed');
    assert.deepEqual(
      summary.steps.map((s) => s.status),
      ['failed', 'passed', 'passed'],
    );
    const history = new RunHistory({ get: () => undefined, update: async () => undefined });
    await history.add(recorder.view(false));
    assert.equal(history.list()[0]!.status, 'failed');
  });
});
