import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFlowFile } from '../../../src/core/flow/load';
import { FlowRunner } from '../../../src/core/flow/runner';
import { createHttpClient } from '../../../src/core/http/client';
import { toCurl } from '../../../src/core/http/curl';
import { toHar } from '../../../src/core/http/har';
import { storableView } from '../../../src/extension/history/run-history';
import { RunRecorder, scrubStrings } from '../../../src/extension/results/run-recorder';
import { closeAfterEach } from '../../support/close-after-each';
import { CANARY_ENV, canaryFlow, leaks } from '../../support/secret-canaries';

/**
 * The extension's exits hold no canary of the run (test/support/secret-canaries.ts): the results
 * view and each exchange's view, the stored history entry, the HAR and the curl exports. The run
 * is wired as the run service wires it: the runner fills the recorder's registry.
 */
describe('secret canaries: the results view, history and exports', () => {
  const opened = closeAfterEach();
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'oidc-canary-ext-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function recordedRun(): Promise<RunRecorder> {
    const { file, server } = await canaryFlow(dir);
    opened(server);
    const recorder = new RunRecorder({ id: 'run-1', title: 'canary', source: 'test' });
    const http = opened(createHttpClient({ env: {} }));
    const runner = new FlowRunner(loadFlowFile(readFileSync(file, 'utf8'), { fileName: file }).file, {
      http,
      secrets: { env: CANARY_ENV },
      secretRegistry: recorder.secretRegistry,
    });
    await runner.run({ flow: 'f', onEvent: (event) => recorder.onEvent(event) });
    return recorder;
  }

  it('the run view, every exchange view and the history entry', async () => {
    const recorder = await recordedRun();
    const view = recorder.view();
    assert.ok(view.exchanges.length >= 3);
    assert.deepEqual(leaks(JSON.stringify(view)), []);
    for (const exchange of view.exchanges)
      assert.deepEqual(leaks(JSON.stringify(recorder.exchangeView(exchange.id, { full: true }))), [], exchange.label);
    const stored = storableView(recorder.view(false), recorder.secrets(), scrubStrings);
    assert.deepEqual(leaks(JSON.stringify(stored)), []);
  });

  it('the HAR and curl exports', async () => {
    const recorder = await recordedRun();
    const exchanges = recorder.allExchanges().map((exchange) => recorder.exportable(exchange));
    assert.deepEqual(leaks(JSON.stringify(toHar(exchanges))), []);
    for (const exchange of exchanges) assert.deepEqual(leaks(toCurl(exchange)), [], exchange.label);
  });
});
