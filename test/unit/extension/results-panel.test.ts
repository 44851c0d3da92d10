/**
 * The host side of the results view (ResultsPanel) with a stand-in for the
 * VS Code API: it talks only after the webview's `ready`, asks the person in
 * a modal before revealing a secret (and refuses when oidcFlow.redaction is
 * "always"), drops malformed messages, and restores the panel after a window
 * reload from the run id the webview persisted, never from anything else.
 */
import assert from 'node:assert/strict';
import type * as vscode from 'vscode';
import type { RunHistory } from '../../../src/extension/history/run-history';
import { ResultsPanel } from '../../../src/extension/results/results-panel';
import { RunRecorder } from '../../../src/extension/results/run-recorder';
import { RunStore } from '../../../src/extension/results/run-store';
import type { RedactedLog } from '../../../src/extension/services/log';
import type { HostMessage } from '../../../src/shared/protocol';
import { PROTOCOL_VERSION } from '../../../src/shared/protocol';
import { tokenExchange } from '../../support/exchange-fixture';
import { fakePanel } from '../../support/fake-webview';
import type { FakePanel } from '../../support/fake-webview';

const T0 = Date.UTC(2026, 0, 2, 3, 4, 5);
const TOKEN = 'eyJraWQiOiJrMSJ9.eyJzdWIiOiJ4In0.c2ln';

function harness(settings: { redaction?: string } = {}) {
  const created: FakePanel[] = [];
  const warnings: Array<{ text: string; modal: boolean; answer: (choice?: string) => void }> = [];
  let serializer: vscode.WebviewPanelSerializer | undefined;
  const logged: string[] = [];
  const vs = {
    Uri: { joinPath: (base: { path: string }, ...parts: string[]) => ({ path: [base.path, ...parts].join('/') }) },
    ViewColumn: { Beside: -2 },
    workspace: {
      getConfiguration: () => ({
        get: (key: string) => (key === 'redaction' ? settings.redaction : undefined),
        inspect: () => undefined,
      }),
    },
    window: {
      createWebviewPanel: () => {
        const fake = fakePanel();
        created.push(fake);
        return fake.panel;
      },
      registerWebviewPanelSerializer: (_type: string, s: vscode.WebviewPanelSerializer) => {
        serializer = s;
        return { dispose: () => undefined };
      },
      showWarningMessage: (text: string, options: { modal?: boolean }) =>
        new Promise<string | undefined>((resolve) =>
          warnings.push({ text, modal: options?.modal === true, answer: resolve }),
        ),
    },
    commands: { executeCommand: () => Promise.resolve() },
  } as unknown as typeof vscode;
  const history = { get: () => undefined, list: () => [] } as unknown as RunHistory;
  const store = new RunStore(history);
  const recorder = new RunRecorder({ id: 'run-1', title: 'demo', source: 'test', now: () => T0 + 1000 });
  recorder.onEvent({ type: 'run-start', flow: 'f', env: 'sandbox', steps: [{ id: 'token', type: 'token' }], at: T0 });
  recorder.onEvent({ type: 'step-start', id: 'token', path: 'token', stepType: 'token', at: T0 + 5 });
  recorder.onEvent({ type: 'exchange', path: 'token', exchange: tokenExchange({ id: 'tok-1', secrets: [TOKEN] }) });
  store.begin(recorder);
  const log = {
    warn: (text: string) => logged.push(text),
    info: () => undefined,
    error: () => undefined,
  } as unknown as RedactedLog;
  const panel = new ResultsPanel(vs, { path: '/ext' } as vscode.Uri, store, log);
  return { panel, created, warnings, logged, serializer: () => serializer! };
}

const ready = { type: 'ready', version: PROTOCOL_VERSION };
const reveal = (requestId: string) => ({
  type: 'request',
  requestId,
  request: { kind: 'reveal-exchange', runId: 'run-1', exchangeId: 'tok-1' },
});
const responseTo = (posted: HostMessage[], requestId: string) =>
  posted.find(
    (m): m is Extract<HostMessage, { type: 'response' }> => m.type === 'response' && m.requestId === requestId,
  );

describe('ResultsPanel (the host side of the results view)', function () {
  it('sends nothing before the webview is ready, then the settings and the run, with the token redacted', async function () {
    const h = harness();
    h.panel.showRun('run-1');
    const view = h.created[0]!;
    assert.equal(view.posted.length, 0, 'posted before the webview said ready');
    assert.match(String(view.panel.webview.html), /Content-Security-Policy/);
    await view.send(ready);
    assert.deepEqual(
      view.posted.map((m) => m.type),
      ['settings', 'show'],
    );
    assert.deepEqual(view.posted[0], { type: 'settings', allowReveal: true });
    assert.ok(!JSON.stringify(view.posted).includes(TOKEN), 'the run reached the webview with the token in it');
  });

  it('reveals an exchange only after the person confirms in a modal; cancelling keeps it redacted', async function () {
    const h = harness();
    h.panel.showRun('run-1');
    const view = h.created[0]!;
    await view.send(ready);

    const cancelled = view.send(reveal('r1'));
    await new Promise((resolve) => setTimeout(resolve, 1));
    assert.equal(h.warnings.length, 1);
    assert.equal(h.warnings[0]!.modal, true);
    assert.match(h.warnings[0]!.text, /Reveal the secrets/);
    h.warnings[0]!.answer(undefined);
    await cancelled;
    assert.deepEqual(responseTo(view.posted, 'r1'), {
      type: 'response',
      requestId: 'r1',
      ok: false,
      error: { code: 'results.reveal_cancelled', message: 'Reveal cancelled; the exchange stays redacted.' },
    });

    const confirmed = view.send(reveal('r2'));
    await new Promise((resolve) => setTimeout(resolve, 1));
    h.warnings[1]!.answer('Reveal');
    await confirmed;
    const answer = responseTo(view.posted, 'r2');
    assert.ok(answer?.ok, JSON.stringify(answer));
    assert.ok(JSON.stringify(answer).includes(TOKEN), 'the confirmed reveal did not carry the token');
  });

  it('refuses to reveal, without asking, when oidcFlow.redaction is "always"', async function () {
    const h = harness({ redaction: 'always' });
    h.panel.showRun('run-1');
    const view = h.created[0]!;
    await view.send(ready);
    assert.deepEqual(view.posted[0], { type: 'settings', allowReveal: false });
    await view.send(reveal('r1'));
    assert.equal(h.warnings.length, 0, 'asked the person although revealing is turned off');
    assert.equal(responseTo(view.posted, 'r1')?.ok, false);
    assert.match(JSON.stringify(responseTo(view.posted, 'r1')), /results\.reveal_disabled/);
    assert.ok(!JSON.stringify(view.posted).includes(TOKEN));
  });

  it('drops a malformed message with a log line, and says a run of an earlier session cannot be revealed', async function () {
    const h = harness();
    h.panel.showRun('run-1');
    const view = h.created[0]!;
    await view.send(ready);
    const before = view.posted.length;
    await view.send({ type: 'request', requestId: 'x', request: { kind: 'reveal-everything' } });
    await view.send('<script>alert(1)</script>');
    assert.equal(view.posted.length, before);
    assert.equal(h.logged.length, 2);
    await view.send({
      type: 'request',
      requestId: 'old',
      request: { kind: 'reveal-exchange', runId: 'run-from-yesterday', exchangeId: 'e' },
    });
    assert.match(JSON.stringify(responseTo(view.posted, 'old')), /results\.not_live/);
  });

  it('restores the panel after a window reload on the run id the webview saved, and on nothing for state it did not write', async function () {
    const h = harness();
    const restored = fakePanel();
    await h.serializer().deserializeWebviewPanel(restored.panel, { runId: 'run-1' });
    await restored.send(ready);
    const shown = restored.posted.find((m) => m.type === 'show');
    assert.equal(shown?.type === 'show' && shown.content.kind, 'run');

    const h2 = harness();
    const stranger = fakePanel();
    await h2.serializer().deserializeWebviewPanel(stranger.panel, { runId: 'run-1', accessToken: TOKEN });
    await stranger.send(ready);
    const shown2 = stranger.posted.find((m) => m.type === 'show');
    assert.deepEqual(
      shown2?.type === 'show' && shown2.content,
      { kind: 'empty' },
      'state with more than a run id was trusted',
    );
  });
});
