import assert from 'node:assert/strict';
import { ManualClock } from '../../../src/core/clock';
import { loadFlowFile } from '../../../src/core/flow/load';
import { FlowRunner } from '../../../src/core/flow/runner';
import { RunHistory } from '../../../src/extension/history/run-history';
import { RunRecorder } from '../../../src/extension/results/run-recorder';
import { summarize } from '../../../src/extension/services/run-service';
import { FakeHttp } from '../oauth/fake-http';

/**
 * The extension shows the runner's own run status: a failed step with
 * continueOnFailure makes the run failed in the results view, in the summary
 * a run command resolves to, and in the history, none of which count steps
 * again.
 */
describe('extension: a failed step fails the run it shows', () => {
  it('the results view, the run summary and the history all say failed', async () => {
    const text = `
version: 1
routes:
  orders: { baseUrl: http://gw.test, path: /orders }
flows:
  f:
    steps:
      - { id: refused, type: call, route: orders, token: false, continueOnFailure: true, assert: [{ status: 200 }] }
      - { id: expected-401, type: call, route: orders, token: false, assert: [{ status: 401 }] }
`;
    const http = new FakeHttp().on('http://gw.test/orders', { status: 401, body: {} });
    const clock = new ManualClock(Date.UTC(2026, 10, 28, 12));
    const recorder = new RunRecorder({ id: 'run-1', title: 'f', source: 'test', now: () => clock.now() });
    const runner = new FlowRunner(loadFlowFile(text, { fileName: 'flow.yaml' }).file, { http, clock, secrets: { env: {} } });
    const result = await runner.run({ flow: 'f', onEvent: (event) => recorder.onEvent(event) });

    assert.deepEqual(result.steps.map((s) => s.status), ['failed', 'passed'], 'the next step still ran');
    assert.equal(recorder.view().status, 'failed');
    const summary = summarize({ runId: 'run-1', result, recorder });
    assert.equal(summary.status, 'failed');
    assert.deepEqual(summary.steps.map((s) => s.status), ['failed', 'passed']);
    const history = new RunHistory({ get: () => undefined, update: async () => undefined });
    await history.add(recorder.view(false));
    assert.equal(history.list()[0]!.status, 'failed');
  });
});
