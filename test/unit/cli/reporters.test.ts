import { strict as assert } from 'node:assert';
import { styler } from '../../../src/cli/io';
import { toJsonReport } from '../../../src/cli/reporters/json';
import { toJunit } from '../../../src/cli/reporters/junit';
import { prettyReporter } from '../../../src/cli/reporters/pretty';
import { runWithFailedStep as run } from '../../support/failed-step-run';
import { emptyStepRun } from '../../support/run-scope';

/**
 * Every reporter tells the same story about a run with one failed step: with
 * continueOnFailure the run goes on, and it is still failed in the pretty
 * summary, the JSON report and the JUnit counts. The runs are real runner
 * runs against a fake gateway that refuses every call with 401.
 */

describe('pretty reporter: a failed step fails the run', () => {
  it('with continueOnFailure, the summary reads "failed: 2 passed, 1 failed"', async () => {
    let out = '';
    const reporter = prettyReporter((text) => (out += text), styler({ isTTY: false }, {}));
    await run('one-failed', (event) => reporter.onEvent(event));
    assert.match(out, /✖ refused/);
    assert.match(out, /✔ expected-401/, 'the next steps still ran');
    assert.match(out, /\nfailed: 2 passed, 1 failed, 0 errors, 0 skipped in /);
  });

  it('a failed step inside a repeat marks the repeat failed in the summary', async () => {
    let out = '';
    const reporter = prettyReporter((text) => (out += text), styler({ isTTY: false }, {}));
    await run('inner-failed', (event) => reporter.onEvent(event));
    assert.match(out, /\nfailed: 0 passed, 1 failed, 0 errors, 0 skipped in /);
  });
});

describe('JSON reporter: a failed step fails the run', () => {
  it('with continueOnFailure, the report says "status": "failed" and keeps each step\'s own status', async () => {
    const report = toJsonReport(await run('one-failed')) as {
      status: string;
      steps: Array<{ id: string; status: string }>;
    };
    assert.equal(report.status, 'failed');
    assert.deepEqual(
      report.steps.map((s) => [s.id, s.status]),
      [
        ['refused', 'failed'],
        ['expected-401', 'passed'],
        ['again', 'passed'],
      ],
    );
  });
});

describe('JUnit reporter: a failed step fails the run', () => {
  it('with continueOnFailure, failures="1" and the failed testcase says which assertion failed', async () => {
    const xml = toJunit(await run('one-failed'), 'flow.yaml');
    assert.match(xml, /<testsuite name="one-failed" tests="3" failures="1" errors="0" skipped="0"/);
    assert.match(xml, /name="refused \(call\)"[^\n]*<failure message="status was 401, expected 200/);
  });

  it('a repeat failed by an inner step names that step and its assertion', async () => {
    const xml = toJunit(await run('inner-failed'), 'flow.yaml');
    assert.match(xml, /failures="1"/);
    assert.match(xml, /<failure message="loop\/call#1: status was 401, expected 200/);
  });
});

describe("pretty reporter: the gateway's log", () => {
  it('prints the log lines under the verdict of each refused call, even when the verdict repeats', () => {
    let text = '';
    const reporter = prettyReporter((t) => (text += t), styler({ isTTY: false }, {}));
    const verdict = {
      code: 'unexplained' as const,
      summary: 'The gateway says: Reference token could not be introspected.',
      decidedBy: 'gateway' as const,
      confidence: 'possible' as const,
      evidence: [
        { source: 'gateway' as const, text: 'The gateway answered 401.' },
        {
          source: 'gateway-log' as const,
          text: '[error] response contained an "error" entry with value: "invalid_client"',
        },
      ],
    };
    for (const id of ['first', 'second'])
      reporter.onEvent({ type: 'step-end', step: { ...emptyStepRun(id), verdict } });
    assert.equal(text.match(/gateway log: \[error\] .*invalid_client/g)?.length, 2, text);
    assert.match(text, /why: same as above/);
  });
});
