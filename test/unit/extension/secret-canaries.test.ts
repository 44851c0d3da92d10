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
import type * as vscode from 'vscode';
import { resultCommands } from '../../../src/extension/commands/result-commands';
import type { Services } from '../../../src/extension/commands/command-services';
import { RunHistory } from '../../../src/extension/history/run-history';
import { ResultsPanel } from '../../../src/extension/results/results-panel';
import { RunStore } from '../../../src/extension/results/run-store';
import { SecretService } from '../../../src/extension/secrets/secret-service';
import { RedactedLog } from '../../../src/extension/services/log';
import { RunService } from '../../../src/extension/services/run-service';
import type { SandboxService } from '../../../src/extension/services/sandbox-service';
import { PROTOCOL_VERSION } from '../../../src/shared/protocol';
import { closeAfterEach } from '../../support/close-after-each';
import { fakeVscode } from '../../support/fake-vscode';
import { memoryMemento, memorySecrets } from '../../support/memory-stores';
import { CANARY, CANARY_ENV, canaryFlow, leaks } from '../../support/secret-canaries';
import { secretScopeOf } from '../../../src/extension/secrets/secret-scope';

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

/**
 * The same canary flow started the way the Run Flow command starts it: through the RunService, with
 * a ${secret:...} from the secret store, the results panel open, then the Export HAR and Copy curl
 * commands. Every place the extension writes is searched: the output channel, the history
 * (workspace state), the messages posted to the webview, the HAR file and the clipboard.
 */
describe('secret canaries: the run service, output channel, webview, history and export commands', () => {
  const opened = closeAfterEach();
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'oidc-canary-run-service-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('no canary reaches the log, the history, the webview, the HAR file or the clipboard', async () => {
    const { file, server } = await canaryFlow(dir);
    opened(server);
    // One secret from VS Code's secret storage instead of the environment.
    const text = readFileSync(file, 'utf8').replaceAll('${env:CANARY_API_KEY}', '${secret:canary-api-key}');
    const fake = fakeVscode();
    fake.script([
      [/redacted, or with secrets/, 'Redacted'],
      [/Export Redacted/, join(dir, 'run.har')],
    ]);
    const { vs } = fake;
    const { panels, clipboard } = fake.recorded;
    const lines: string[] = [];
    const channel = Object.fromEntries(
      ['info', 'warn', 'error', 'debug', 'trace'].map((level) => [level, (line: string) => lines.push(line)]),
    );
    const log = new RedactedLog(channel as unknown as vscode.LogOutputChannel);
    const state = memoryMemento();
    const secretStore = memorySecrets();
    const secrets = new SecretService(secretStore, memoryMemento());
    await secrets.set(secretScopeOf(vs, file), 'canary-api-key', CANARY.apiKey);
    const history = new RunHistory(state);
    const store = new RunStore(history);
    const panel = new ResultsPanel(vs, { path: '/ext' } as vscode.Uri, store, log);
    const sandbox = {
      current: undefined,
      start: () => Promise.reject(new Error('the canary flow needs no sandbox')),
      listenToGateway: () => () => undefined,
    } as unknown as SandboxService;
    const runs = new RunService(vs, log, sandbox, secrets, store, () => panel, memoryMemento());
    const { CANARY_API_KEY: _inStorage, ...env } = CANARY_ENV;
    const outcome = await runs.run({
      source: { id: file, kind: 'file', label: 'canary.oidc-flow.yaml', errorCount: 0, env },
      file: loadFlowFile(text, { fileName: file }).file,
      flow: 'f',
      title: 'canary',
    });
    assert.equal(outcome?.result?.status, 'failed', JSON.stringify(outcome?.result?.steps.map((s) => s.error)));

    const view = panels[0]!;
    await view.send({ type: 'ready', version: PROTOCOL_VERSION });
    const exchanges = outcome!.recorder.view(true).exchanges;
    assert.ok(exchanges.length >= 3, 'the run made its calls');
    for (const [i, exchange] of exchanges.entries())
      for (const part of ['request', 'response'] as const)
        await view.send({
          type: 'request',
          requestId: `r${i}${part}`,
          request: { kind: 'full-body', runId: outcome!.runId, exchangeId: exchange.id, part },
        });
    const services = { vs, log, store, history, panel, context: { extension: { packageJSON: {} } } };
    const commands = resultCommands(services as unknown as Services);
    await commands['oidcFlow.exportHar'](outcome!.runId);
    for (const exchange of exchanges) await commands['oidcFlow.copyCurl'](outcome!.runId, exchange.id);

    assert.ok(
      lines.some((line) => line.includes('echo')),
      'the log has the run',
    );
    const written = [...fake.recorded.files.values()];
    assert.ok(written.length === 1 && clipboard.length === exchanges.length, 'the HAR file and the curl commands');
    const places = {
      'output channel': lines.join('\n'),
      history: state.raw(),
      webview: JSON.stringify(view.posted),
      'HAR file': written.join('\n'),
      clipboard: clipboard.join('\n'),
    };
    assert.match(
      places.webview,
      /refused \/echo\?jwt=\[redacted \d+ chars\]/,
      "the webview got the server's echo, masked",
    );
    assert.match(places.history, /"echo"/, 'the history has the run');
    for (const [place, output] of Object.entries(places)) assert.deepEqual(leaks(output), [], place);
    // The secret store holds the one secret put there, under its key, and nothing the run received.
    assert.deepEqual([...secretStore.data.values()], [CANARY.apiKey]);
  });
});
