/** The run loop: which steps run, which are skipped and why (onlyIn, a failure, continueOnFailure). */
import { strict as assert } from 'node:assert';
import { ManualClock } from '../../../src/core/clock';
import { loadFlowFile } from '../../../src/core/flow/load';
import { FlowRunner } from '../../../src/core/flow/runner';
import type { PendingStep, RunEvent } from '../../../src/core/flow/runner';
import { FakeHttp } from '../../support/fake-http';

const FILE = `
version: 1
environments:
  dev: { api: https://api.test }
  prod: { api: https://api.test }
flows:
  f:
    steps:
      - id: only-prod
        type: request
        url: "{{env.api}}/prod"
        onlyIn: [prod]
      - id: soft
        type: request
        url: "{{env.api}}/soft"
        continueOnFailure: true
        assert: [{ status: 200 }]
      - id: after-soft
        type: request
        url: "{{env.api}}/ok"
        assert: [{ status: 200 }]
      - id: hard
        type: request
        url: "{{env.api}}/hard"
        assert: [{ status: 200 }]
      - id: never
        type: request
        url: "{{env.api}}/ok"
`;

function setup() {
  const http = new FakeHttp()
    .on('https://api.test/prod', { body: {} })
    .on('https://api.test/ok', { body: {} })
    .on('https://api.test/soft', { status: 500, body: 'down' })
    .on('https://api.test/hard', { status: 503, body: 'down' });
  const paused: PendingStep[] = [];
  const events: RunEvent[] = [];
  const runner = new FlowRunner(loadFlowFile(FILE, { fileName: 'loop.yaml' }).file, {
    http,
    clock: new ManualClock(Date.UTC(2026, 10, 28, 12)),
    secrets: { env: {} },
    beforeStep: async (step) => {
      paused.push(step);
    },
  });
  return { http, paused, events, run: (env: string) => runner.run({ flow: 'f', env, onEvent: (e) => events.push(e) }) };
}

describe('flow runner: the run loop', () => {
  it('skips a step outside its onlyIn environments, says why, sends nothing for it and does not pause before it', async () => {
    const t = setup();
    const result = await t.run('dev');
    const onlyProd = result.steps.find((s) => s.id === 'only-prod')!;
    assert.equal(onlyProd.status, 'skipped');
    assert.deepEqual(onlyProd.notes, ['Runs only in: prod.']);
    assert.ok(!t.http.requests.some((r) => r.url.endsWith('/prod')));
    assert.ok(!t.paused.some((p) => p.id === 'only-prod'));
    assert.ok(t.events.some((e) => e.type === 'step-end' && e.step.id === 'only-prod' && e.step.status === 'skipped'));
  });

  it('runs the same step in an environment its onlyIn names', async () => {
    const t = setup();
    const result = await t.run('prod');
    assert.equal(result.steps.find((s) => s.id === 'only-prod')!.status, 'passed');
    assert.deepEqual(t.paused[0], { id: 'only-prod', type: 'request', index: 0, total: 5 });
  });

  it('goes on after a failed step marked continueOnFailure, and halts at one that is not', async () => {
    const t = setup();
    const result = await t.run('dev');
    const status = Object.fromEntries(result.steps.map((s) => [s.id, s.status]));
    assert.equal(status.soft, 'failed');
    assert.equal(status['after-soft'], 'passed', 'the step after a continueOnFailure failure still runs');
    assert.equal(status.hard, 'failed');
    assert.equal(status.never, 'skipped', 'a failure without continueOnFailure halts the flow');
    assert.deepEqual(
      t.http.requests.map((r) => new URL(r.url).pathname),
      ['/soft', '/ok', '/hard'],
    );
  });
});
