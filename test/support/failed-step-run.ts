import { ManualClock } from '../../src/core/clock';
import { loadFlowFile } from '../../src/core/flow/load';
import { FlowRunner } from '../../src/core/flow/runner';
import type { RunEvent, RunResult } from '../../src/core/flow/runner';
import { FakeHttp } from './fake-http';

/**
 * Runs with a failed step, against a gateway that answers 401 to every call:
 * `one-failed` fails its first step with continueOnFailure and passes the two
 * after it; `inner-failed` fails the step inside a repeat, twice.
 */
const FILE = `
version: 1
routes:
  orders: { baseUrl: http://gw.test, path: /orders }
flows:
  one-failed:
    steps:
      - { id: refused, type: call, route: orders, token: false, continueOnFailure: true, assert: [{ status: 200 }] }
      - { id: expected-401, type: call, route: orders, token: false, assert: [{ status: 401 }] }
      - { id: again, type: call, route: orders, token: false, assert: [{ status: 401 }] }
  inner-failed:
    steps:
      - id: loop
        type: repeat
        times: 2
        step: { id: call, type: call, route: orders, token: false, assert: [{ status: 200 }] }
`;

/** A real runner run of one of the flows above; `onEvent` sees every event, as a reporter does. */
export function runWithFailedStep(
  flow: 'one-failed' | 'inner-failed',
  onEvent?: (event: RunEvent) => void,
): Promise<RunResult> {
  const http = new FakeHttp().on('http://gw.test/orders', { status: 401, body: {} });
  const { file } = loadFlowFile(FILE, { fileName: 'flow.yaml' });
  return new FlowRunner(file, { http, clock: new ManualClock(Date.UTC(2026, 10, 28, 12)), secrets: { env: {} } }).run({
    flow,
    onEvent,
  });
}
