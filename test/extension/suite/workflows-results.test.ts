/**
 * Workflows a person drives after a run, inside the real extension host:
 * export the demo run as HAR, copy a call as curl, explain the 401, reopen a
 * run from the History view; the CodeLens above a flow file's flows and its
 * "Run step…"; cancelling a long run from its progress notification; and
 * importing an Insomnia export and a Postman collection into a flow file.
 *
 * Prompts (modal questions, quick picks, save and open dialogs) are answered
 * through the probe, as a person would answer them. The file sorts after
 * steps-api.test.ts on purpose: these tests start the sandbox.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
// Bundled into the test bundle at build time (the extension host has no checkout to read them from).
import insomniaExport from '../../fixtures/importers/insomnia-v4-okta-kong.json';
import postmanExport from '../../fixtures/importers/postman-v21-okta-kong.json';
import {
  activeProduct,
  api,
  errorsAfter,
  find,
  messageAfter,
  probe,
  promptAfter,
  rows,
  SANDBOX_ENVIRONMENTS,
  VIEWS,
  within,
  writeFlowFile,
} from './probe';
import type { RunSummary } from './probe';
import type { RecordedMessage } from './probe';
import { waitFor } from './wait';

/** The run as the results webview is sent it (the parts these tests read). */
interface ShownRun {
  id: string;
  title: string;
  status: string;
  steps: Array<{
    id: string;
    status: string;
    httpStatus?: number;
    notes: string[];
    error?: { code: string; message: string };
  }>;
  exchanges: Array<{ id: string; stepPath: string; label: string; method: string; url: string; status?: number }>;
  verdict?: { code: string; summary: string; stepPath: string };
}
interface ShowMessage {
  type: 'show';
  content: { kind: string; run?: ShownRun };
  focus?: { stepPath?: string };
}

interface HarEntry {
  startedDateTime: string;
  time: number;
  request: {
    method: string;
    url: string;
    httpVersion: string;
    cookies: unknown[];
    headers: Array<{ name: string; value: string }>;
    queryString: unknown[];
    postData?: { mimeType: string; text: string };
    headersSize: number;
    bodySize: number;
  };
  response: {
    status: number;
    statusText: string;
    httpVersion: string;
    cookies: unknown[];
    headers: Array<{ name: string; value: string }>;
    content: { size: number; mimeType: string; text?: string };
    redirectURL: string;
    headersSize: number;
    bodySize: number;
  };
  cache: object;
  timings: Record<string, number>;
  _lane?: string;
}
interface Har {
  log: { version: string; creator: { name: string; version: string }; entries: HarEntry[] };
}

/** Waits for the notification (or modal question) after `since`, failing early on an error notification. */
async function messageShown(since: number, pattern: RegExp, timeoutMs = 30_000): Promise<RecordedMessage> {
  const found = await waitFor(
    `the notification ${pattern}`,
    () => messageAfter(since, pattern) ?? (errorsAfter(since)[0] ? { error: errorsAfter(since)[0]! } : undefined),
    timeoutMs,
  );
  if ('error' in found) assert.fail(`the product showed an error instead of ${pattern}: ${found.error}`);
  return found;
}

function shows(since: number): ShowMessage[] {
  return probe.toWebview
    .filter((m) => m.seq > since && (m.message as { type?: string }).type === 'show')
    .map((m) => m.message as ShowMessage);
}

function header(headers: Array<{ name: string; value: string }>, name: string): string | undefined {
  return headers.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value;
}

function sentences(text: string): number {
  return text.split(/[.!?](?:\s+|$)/).filter((part) => part.trim() !== '').length;
}

/** String values under secret-looking keys of an export (also Postman's {key, value} pairs), templates left out. */
function literalSecrets(value: unknown, key = ''): string[] {
  if (typeof value === 'string')
    return /secret|token|password/i.test(key) && value.length >= 8 && !/\{\{|\{%/.test(value) ? [value] : [];
  if (Array.isArray(value)) return value.flatMap((item) => literalSecrets(item, key));
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o.key === 'string' && 'value' in o) return literalSecrets(o.value, o.key);
    return Object.entries(o).flatMap(([k, v]) => literalSecrets(v, k));
  }
  return [];
}

// Three steps on the sandbox (a token, the gateway route with it, the IdP's
// introspection of it) and a one-step flow, for the CodeLens.
const LENS_FLOW = `version: 1
${SANDBOX_ENVIRONMENTS}
idps:
  lens-idp:
    issuer: "{{env.issuer}}"
    caFile: "{{env.caFile}}"
    clientId: "{{env.clientId}}"
    clientAuth: client_secret_basic
    clientSecret: "{{env.clientSecret}}"
    scopes: [orders:read]
routes:
  lens-orders:
    service: orders-service
    baseUrl: "{{env.gateway}}"
    path: /orders
flows:
  lens-three-steps:
    steps:
      - { id: token, type: token, idp: lens-idp, grant: client_credentials, reuse: false }
      - { id: call, type: call, route: lens-orders, assert: [{ status: 200 }] }
      - { id: introspect, type: introspect, idp: lens-idp, token: "{{steps.token.token.access_token}}", assert: [{ active: true }] }
  lens-token-only:
    steps:
      - { id: token, type: token, idp: lens-idp, grant: client_credentials }
`;

// A run that would go on for ten minutes without any network: a repeat that
// ticks every second, then one more step.
const LONG_FLOW = `version: 1
flows:
  long-poll:
    description: Ticks every second for ten minutes; no network.
    steps:
      - id: poll
        name: Tick every second for ten minutes
        type: repeat
        every: 1
        times: 600
        step: { id: tick, type: wait, seconds: 0 }
      - { id: after, name: After the poll, type: wait, seconds: 0 }
`;

describe('Workflows: results and flow-file commands', function () {
  this.timeout(120_000);
  const written: vscode.Uri[] = [];
  const temp = mkdtempSync(join(tmpdir(), 'oidc-workflows-'));
  let suiteStart = 0;
  let demo: RunSummary | undefined;

  const writeFlow = (name: string, text: string): Promise<vscode.Uri> =>
    writeFlowFile('workflows-suite', name, text, written);

  function needDemo(): RunSummary {
    assert.ok(demo, 'needs the demo run of the first test');
    return demo;
  }

  before(async function () {
    await activeProduct();
    suiteStart = probe.seq;
  });

  after(async function () {
    await vscode.commands.executeCommand('oidcFlow.stopRun');
    await vscode.commands.executeCommand('oidcFlow.stopSandbox');
    for (const tab of vscode.window.tabGroups.all.flatMap((g) => g.tabs)) {
      const input = tab.input;
      if (input instanceof vscode.TabInputText && written.some((uri) => uri.toString() === input.uri.toString()))
        await vscode.window.tabGroups.close(tab).then(undefined, () => undefined);
    }
    for (const uri of written)
      await vscode.workspace.fs.delete(uri, { useTrash: false }).then(undefined, () => undefined);
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (folder)
      await vscode.workspace.fs
        .delete(vscode.Uri.joinPath(folder.uri, 'workflows-suite'), { recursive: true, useTrash: false })
        .then(undefined, () => undefined);
    rmSync(temp, { recursive: true, force: true });
    probe.clipboard = '';
    await vscode.commands.executeCommand('oidcFlow.refresh');
    // Anything of this suite still asking (a toast nobody answered) is closed.
    for (const m of probe.messages.filter((m) => m.seq > suiteStart)) m.answer(undefined);
  });

  it("Run Demo, then Export HAR: a HAR 1.2 file of the run's calls, with the token and client credentials masked", async function () {
    const exported = await api();
    const since = probe.seq;
    demo = await within('oidcFlow.runDemo', vscode.commands.executeCommand<RunSummary>('oidcFlow.runDemo'), 90_000);
    assert.ok(demo, 'oidcFlow.runDemo resolved with nothing');
    assert.equal(demo.verdict?.code, 'client_deactivated', JSON.stringify(demo));
    (await messageShown(since, /^Demo finished/)).answer(undefined);
    const gateway = exported.sandbox().gatewayUrl;
    assert.ok(gateway, 'the demo ran, but the sandbox has no gateway URL');
    // The results view shows the finished run (the webview loads its script first, then says ready).
    await waitFor(
      'the finished demo run in the results webview',
      () =>
        shows(since).some((m) => m.content.run?.id === demo!.runId && m.content.run.status !== 'running') || undefined,
      60_000,
    );

    // With secrets first: the values the redacted export must not contain come from the product's own reveal.
    const revealedUri = vscode.Uri.file(join(temp, 'demo-revealed.har'));
    const redactedUri = vscode.Uri.file(join(temp, 'demo-redacted.har'));
    const exportAs = async (choice: 'Include Secrets' | 'Redacted', target: vscode.Uri): Promise<Har> => {
      const start = probe.seq;
      const done = vscode.commands.executeCommand('oidcFlow.exportHar');
      const asked = await messageShown(start, /^Export the run as HAR: redacted, or with secrets\?/);
      assert.deepEqual(asked.items, ['Redacted', 'Include Secrets']);
      asked.answer(choice);
      const save = await promptAfter(start, choice === 'Redacted' ? /Export Redacted/ : /Export with Secrets/);
      assert.equal(save.kind, 'saveDialog');
      save.answer(target);
      await within('oidcFlow.exportHar', done, 30_000);
      const said = await messageShown(start, /^Exported \d+ exchanges? /);
      assert.match(said.text, choice === 'Redacted' ? / redacted\.$/ : / WITH secrets\.$/);
      const har = JSON.parse(readFileSync(target.fsPath, 'utf8')) as Har;
      assert.equal(
        Number(/^Exported (\d+)/.exec(said.text)![1]),
        har.log.entries.length,
        'the notification and the file disagree on the number of exchanges',
      );
      return har;
    };

    const secrets: string[] = [];
    let bearer = '';
    try {
      const revealed = await exportAs('Include Secrets', revealedUri);
      const refusedCall = revealed.log.entries.find(
        (e) => e.request.url === `${gateway}/orders` && e.response.status === 401,
      );
      const okCall = revealed.log.entries.find(
        (e) => e.request.url === `${gateway}/orders` && e.response.status === 200,
      );
      assert.ok(
        okCall && refusedCall,
        `the HAR has no 200 and 401 call to ${gateway}/orders: ${JSON.stringify(revealed.log.entries.map((e) => `${e.request.method} ${e.request.url} ${e.response.status}`))}`,
      );
      bearer = /^Bearer (\S+)$/.exec(header(okCall.request.headers, 'authorization') ?? '')?.[1] ?? '';
      assert.ok(
        bearer.length >= 20 && !bearer.startsWith('[redacted'),
        'the export "WITH secrets" does not carry the bearer token of the 200 call',
      );
      for (const entry of revealed.log.entries) {
        const auth = header(entry.request.headers, 'authorization');
        const credential = auth ? /^\S+ (\S+)$/.exec(auth)?.[1] : undefined;
        if (credential) secrets.push(credential);
        if (credential && /^Basic /i.test(auth!)) {
          const secret = Buffer.from(credential, 'base64').toString('utf8').split(':').slice(1).join(':');
          if (secret) secrets.push(secret);
        }
        const body = entry.response.content.text;
        if (body && /access_token/.test(body)) {
          const issued = (JSON.parse(body) as { access_token?: string }).access_token;
          if (issued) secrets.push(issued);
        }
      }
      assert.ok(
        secrets.length >= 3,
        `the export WITH secrets carries only ${secrets.length} credentials (expected the token request's client credentials, the issued token and the bearer)`,
      );
      for (const secret of secrets) probe.canaries.add(secret);
    } finally {
      rmSync(revealedUri.fsPath, { force: true });
    }

    const har = await exportAs('Redacted', redactedUri);
    assert.equal(har.log.version, '1.2');
    assert.equal(har.log.creator.name, 'OIDC Flow Debugger');
    assert.ok(har.log.entries.length >= 4, `only ${har.log.entries.length} entries`);
    for (const entry of har.log.entries) {
      assert.ok(!Number.isNaN(Date.parse(entry.startedDateTime)), `startedDateTime ${entry.startedDateTime}`);
      assert.equal(typeof entry.time, 'number');
      for (const key of [
        'method',
        'url',
        'httpVersion',
        'cookies',
        'headers',
        'queryString',
        'headersSize',
        'bodySize',
      ])
        assert.ok(key in entry.request, `an entry's request has no ${key}`);
      for (const key of [
        'status',
        'statusText',
        'httpVersion',
        'cookies',
        'headers',
        'content',
        'redirectURL',
        'headersSize',
        'bodySize',
      ])
        assert.ok(key in entry.response, `an entry's response has no ${key}`);
      assert.equal(typeof entry.response.content.mimeType, 'string');
      assert.ok(entry.cache && typeof entry.cache === 'object');
      for (const phase of ['send', 'wait', 'receive'])
        assert.equal(typeof entry.timings[phase], 'number', `timings.${phase}`);
    }
    const calls = har.log.entries.filter((e) => e.request.url === `${gateway}/orders` && e._lane !== 'upstream');
    assert.deepEqual(
      calls
        .filter((e) => e.request.method === 'GET')
        .map((e) => e.response.status)
        .filter((s) => s === 200 || s === 401)
        .sort(),
      [200, 401],
    );
    const okAuth = header(calls.find((e) => e.response.status === 200)!.request.headers, 'authorization');
    assert.equal(
      okAuth,
      `Bearer [redacted ${bearer.length} chars]`,
      "the 200 call's bearer token is not masked in the redacted HAR",
    );
    const text = readFileSync(redactedUri.fsPath, 'utf8');
    const leaked = secrets.filter((secret) => text.includes(secret));
    assert.equal(
      leaked.length,
      0,
      `${leaked.length} of the ${secrets.length} credentials of the run are in the redacted HAR in clear (lengths ${leaked.map((s) => s.length).join(', ')})`,
    );
    // Nor did the results webview ever get the token.
    assert.ok(!JSON.stringify(probe.toWebview).includes(bearer), 'the results webview was sent the bearer token');
  });

  it('Copy as curl: a curl command for the chosen call, the token masked unless "Include Secrets" is chosen', async function () {
    const run = needDemo();
    // From the palette: it asks which request, then redacted or not.
    let since = probe.seq;
    let done = vscode.commands.executeCommand('oidcFlow.copyCurl');
    const which = await promptAfter(since, /Copy which request as curl\?/);
    const item = which.items.find((label) => label === 'GET route orders');
    assert.ok(item, `the quick pick offers no call of the route orders: ${JSON.stringify(which.items)}`);
    which.answer(item);
    let asked = await messageShown(since, /^Copy the request as curl: redacted, or with secrets\?/);
    asked.answer('Redacted');
    await within('oidcFlow.copyCurl', done, 30_000);
    assert.match((await messageShown(since, /^curl command copied/)).text, /\(redacted\)/);
    const redacted = probe.clipboard;
    const gateway = (await api()).sandbox().gatewayUrl!;
    assert.match(redacted, /^curl /);
    assert.ok(redacted.includes(`${gateway}/orders`), `the curl command does not call ${gateway}/orders: ${redacted}`);
    const masked = /authorization: Bearer \[redacted (\d+) chars\]/i.exec(redacted);
    assert.ok(masked, `the curl command has no masked bearer token: ${redacted}`);

    // From the results view (its "Copy as curl" on an exchange): the run and the exchange are given.
    const view = [...shows(0)]
      .reverse()
      .find((m) => m.content.run?.id === run.runId && m.content.run.status !== 'running')?.content.run;
    assert.ok(view, 'the results webview was never sent the finished demo run');
    const exchange = view.exchanges.find(
      (x) => x.stepPath === 'call-ok' && x.label === 'route orders' && x.status === 200,
    );
    assert.ok(
      exchange,
      `the demo run has no exchange of call-ok: ${JSON.stringify(view.exchanges.map((x) => [x.stepPath, x.label, x.status]))}`,
    );
    since = probe.seq;
    done = vscode.commands.executeCommand('oidcFlow.copyCurl', { kind: 'history', runId: run.runId }, exchange.id);
    asked = await messageShown(since, /^Copy the request as curl: redacted, or with secrets\?/);
    asked.answer('Include Secrets');
    await within('oidcFlow.copyCurl with secrets', done, 30_000);
    assert.match((await messageShown(since, /^curl command copied/)).text, /\(WITH secrets\)/);
    const revealed = probe.clipboard;
    probe.clipboard = '';
    const token = /authorization: Bearer (\S+?)'/i.exec(revealed)?.[1] ?? '';
    if (token) probe.canaries.add(token);
    assert.ok(
      token.length === Number(masked[1]) && !token.startsWith('['),
      'the curl command "WITH secrets" does not carry the bearer token the redacted one masks',
    );
    assert.ok(!redacted.includes(token), 'the redacted curl command carries the bearer token');
    assert.equal(
      revealed.replace(token, `[redacted ${token.length} chars]`),
      redacted,
      'the two commands differ in more than the token',
    );
  });

  it("Explain Last Rejection says the 401's verdict in one sentence (the deactivated client) and shows the refused call", async function () {
    const run = needDemo();
    const since = probe.seq;
    await vscode.commands.executeCommand('oidcFlow.explainLastRejection');
    const said = await messageShown(since, /./);
    assert.equal(said.severity, 'info');
    const summary = run.verdict!.summary;
    assert.ok(said.text.startsWith(summary), `the explanation is not the demo's verdict "${summary}": ${said.text}`);
    assert.equal(sentences(summary), 1, `the verdict is not one sentence: ${summary}`);
    assert.match(summary, /deactivated/);
    assert.match(said.text.slice(summary.length), /^ Fix: \S/);
    const shown = await waitFor('the refused call focused in the results webview', () =>
      shows(since).find((m) => m.content.run?.id === run.runId && m.focus?.stepPath),
    );
    assert.equal(shown.focus?.stepPath, 'call-refused');
    assert.equal(shown.content.run?.verdict?.code, 'client_deactivated');
  });

  it('CodeLens above each flow of a flow file: Run flow, Run step… and Step through; Run step… runs the flow up to the picked step', async function () {
    const exported = await api();
    const uri = await writeFlow('lens.oidc-flow.yaml', LENS_FLOW);
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const lenses = await waitFor("the flow file's CodeLens", async () => {
      const got =
        (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
      const ours = got.filter((l) => l.command?.command.startsWith('oidcFlow.'));
      return ours.length >= 6 ? ours : undefined;
    });
    for (const flow of ['lens-three-steps', 'lens-token-only']) {
      const line = doc
        .getText()
        .split('\n')
        .findIndex((l) => l === `  ${flow}:`);
      const above = lenses.filter((l) => l.range.start.line === line);
      assert.deepEqual(
        above.map((l) => [l.command!.title, l.command!.command]).sort(),
        [
          ['$(play) Run flow', 'oidcFlow.runFlow'],
          ['Run step…', 'oidcFlow.runStep'],
          ['Step through', 'oidcFlow.runFlowStepByStep'],
        ].sort(),
        `the lenses on line ${line + 1} (${flow}): ${JSON.stringify(lenses.map((l) => [l.range.start.line, l.command?.title]))}`,
      );
      for (const lens of above)
        assert.deepEqual(
          lens.command!.arguments,
          [{ kind: 'flow', sourceId: uri.toString(), flow }],
          `${lens.command!.title} of ${flow}`,
        );
    }
    assert.equal(lenses.length, 6, 'lenses other than the three per flow');

    // Click "Run step…" above lens-three-steps and pick its second step.
    const line = doc
      .getText()
      .split('\n')
      .findIndex((l) => l === '  lens-three-steps:');
    const runStep = lenses.find(
      (l) => l.range.start.line === line && l.command!.command === 'oidcFlow.runStep',
    )!.command!;
    const since = probe.seq;
    const done = vscode.commands.executeCommand<RunSummary>(runStep.command, ...(runStep.arguments ?? []));
    const pick = await promptAfter(since, /Run lens-three-steps up to which step\?/);
    assert.deepEqual(pick.items, ['token', 'call', 'introspect']);
    pick.answer('call');
    const summary = await within('Run step…', done, 60_000);
    assert.ok(summary, 'Run step… resolved with nothing');
    assert.equal(summary.title, 'lens-three-steps up to call (workflows-suite/lens.oidc-flow.yaml)');
    assert.deepEqual(
      summary.steps.map((s) => [s.id, s.status]),
      [
        ['token', 'passed'],
        ['call', 'passed'],
      ],
      'the run is not the flow cut at the picked step',
    );
    assert.equal(summary.steps[1]!.httpStatus, 200);
    assert.equal(exported.lastRun()?.runId, summary.runId);
    assert.deepEqual(errorsAfter(since), []);
  });

  it('a long run shows a cancellable progress notification; Cancel stops it within seconds and the rest is skipped as stopped', async function () {
    const exported = await api();
    const uri = await writeFlow('long.oidc-flow.yaml', LONG_FLOW);
    const since = probe.seq;
    const ended: RunSummary[] = [];
    const listener = exported.onDidEndRun((s) => ended.push(s));
    try {
      const done = vscode.commands.executeCommand<RunSummary>('oidcFlow.runFlow', {
        kind: 'flow',
        sourceId: uri.toString(),
        flow: 'long-poll',
      });
      const progress = await waitFor("the run's progress notification", () =>
        probe.progress.find((p) => p.seq > since && /long-poll/.test(p.title)),
      );
      assert.equal(progress.title, 'OIDC Flow: long-poll (workflows-suite/long.oidc-flow.yaml)');
      assert.equal(progress.cancellable, true, "the run's progress notification has no Cancel");
      // Let it tick a few times, and check it is still going.
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      assert.equal(ended.length, 0, 'the ten-minute run ended by itself');
      progress.cancel();
      // Far less than the ten minutes the flow would take.
      const summary = await within('the cancelled run', done, 30_000);
      assert.ok(summary, 'the cancelled run resolved with nothing');
      // A stopped run did not pass: the poll it cut short says so, the rest is skipped.
      assert.equal(summary.status, 'error', 'a cancelled run is reported as passed');
      assert.deepEqual(
        summary.steps.map((s) => [s.id, s.status]),
        [
          ['poll', 'error'],
          ['after', 'skipped'],
        ],
      );
      assert.equal(ended.at(-1)?.runId, summary.runId);

      // The results view says the run was stopped, and how far the poll got.
      const view = await waitFor(
        'the stopped run in the results webview',
        () =>
          [...shows(since)]
            .reverse()
            .find((m) => m.content.run?.id === summary.runId && m.content.run.status !== 'running')?.content.run,
      );
      const after = view.steps.find((s) => s.id === 'after');
      assert.deepEqual(after?.notes, ['The run was stopped.']);
      const poll = view.steps.find((s) => s.id === 'poll');
      const attempts = Number(/^Ran (\d+) time\(s\)/.exec(poll?.notes.find((n) => n.startsWith('Ran ')) ?? '')?.[1]);
      assert.ok(
        attempts >= 1 && attempts < 600,
        `the poll ran ${attempts} of its 600 times: ${JSON.stringify(poll?.notes)}`,
      );
      assert.equal(poll?.error?.code, 'flow.stopped');
      assert.equal(exported.lastRun()?.runId, summary.runId);
    } finally {
      listener.dispose();
      await vscode.commands.executeCommand('oidcFlow.stopRun');
    }
  });

  it('Open History Entry puts that run back in the results view', async function () {
    const run = needDemo();
    const provider = probe.trees.get(VIEWS.history);
    assert.ok(provider, 'no History tree');
    const entries = await rows(VIEWS.history);
    const entry = entries.find((e) => (e.node as { ref?: { runId?: string } }).ref?.runId === run.runId);
    assert.ok(entry, `the History view has no row for the demo run: ${JSON.stringify(entries.map((e) => e.label))}`);
    assert.equal(entry.label, 'Demo: the introspection scenario');
    const lastShown = [...shows(0)].reverse()[0]?.content.run?.id;
    assert.notEqual(lastShown, run.runId, 'the results view already shows the demo run, so opening it proves nothing');

    // What a click on the row runs.
    const command = (await provider.getTreeItem(entry.node)).command;
    assert.equal(command?.command, 'oidcFlow.openHistoryEntry');
    const since = probe.seq;
    await vscode.commands.executeCommand(command.command, ...(command.arguments ?? []));
    const shown = await waitFor('the demo run in the results webview', () =>
      shows(since).find((m) => m.content.run?.id === run.runId),
    );
    assert.equal(shown.content.run!.title, 'Demo: the introspection scenario');
    assert.equal(shown.content.run!.status, 'passed');
    assert.deepEqual(
      shown.content.run!.steps.map((s) => s.id),
      needDemo().steps.map((s) => s.id),
    );
    assert.equal(shown.content.run!.verdict?.code, 'client_deactivated');
    const tab = vscode.window.tabGroups.all
      .flatMap((g) => g.tabs)
      .find((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('oidcFlow.results'));
    assert.ok(tab, 'no results panel tab is open');
  });

  for (const fixture of [
    {
      format: 'an Insomnia v4 export',
      fileName: 'insomnia-v4-okta-kong.json',
      data: insomniaExport as unknown,
      flow: 'orders-api-okta-kong',
    },
    {
      format: 'a Postman v2.1 collection',
      fileName: 'postman-v21-okta-kong.json',
      data: postmanExport as unknown,
      flow: 'billing-api-via-kong',
    },
  ]) {
    it(`Import Collection from ${fixture.format}: a flow file naming its secrets by reference, shown in the Flows view`, async function () {
      await activeProduct();
      const folder = vscode.workspace.workspaceFolders?.[0];
      assert.ok(folder, 'the test window has no workspace folder');
      const sourcePath = join(temp, fixture.fileName);
      writeFileSync(sourcePath, JSON.stringify(fixture.data, null, 2));
      const literal = [...new Set(literalSecrets(fixture.data))];
      assert.ok(literal.length >= 1, 'the fixture has no literal secret to check for');

      const since = probe.seq;
      const done = vscode.commands.executeCommand('oidcFlow.importCollection');
      const open = await promptAfter(since, /Import an Insomnia or Postman export/);
      assert.equal(open.kind, 'openDialog');
      open.answer(vscode.Uri.file(sourcePath));
      await within('oidcFlow.importCollection', done, 30_000);
      const said = await messageShown(since, /^Imported into /);
      const relative = /^Imported into (\S+\.oidc-flow\.yaml)\./.exec(said.text)?.[1];
      assert.ok(relative, `the notification names no flow file: ${said.text}`);
      const target = vscode.Uri.joinPath(folder.uri, relative);
      written.push(target);
      assert.equal(relative, fixture.fileName.replace(/\.json$/, '.oidc-flow.yaml'));
      const needs = /It needs \d+ secret\(s\) that were not copied: ([^.]+)\./.exec(said.text)?.[1]?.split(', ') ?? [];
      assert.ok(needs.length >= 1, `the notification names no secret to store: ${said.text}`);
      assert.deepEqual(said.items, ['Store Secrets Now']);
      said.answer(undefined);

      const content = new TextDecoder().decode(await vscode.workspace.fs.readFile(target));
      for (const name of needs) {
        assert.ok(content.includes(`\${secret:${name}}`), `the flow file does not reference \${secret:${name}}`);
        assert.ok(!content.includes(`\${env:${name}}`), `the flow file still reads ${name} from the environment`);
      }
      // Its header says how to store the secrets here, not which environment variables to set.
      assert.match(content, /Secrets were not copied\. Store them with "OIDC Flow: Store Secret…"/);
      assert.doesNotMatch(content, /environment variables/);
      const copied = literal.filter((secret) => content.includes(secret));
      assert.equal(
        copied.length,
        0,
        `${copied.length} of the export's ${literal.length} secret values were copied into the flow file`,
      );
      assert.ok(
        vscode.window.tabGroups.all
          .flatMap((g) => g.tabs)
          .some((t) => t.input instanceof vscode.TabInputText && t.input.uri.toString() === target.toString()),
        'the imported file was not opened',
      );

      const source = await waitFor('the imported file in the Flows view', async () =>
        (await rows(VIEWS.flows)).find((s) => s.label.endsWith(relative)),
      );
      assert.equal(source.description, '1 flow', `the imported file loads with problems: ${source.tooltip}`);
      const flow = find(await rows(VIEWS.flows, source.node), fixture.flow, 'the imported file');
      assert.match(flow.description, /^\d+ steps$/);
      assert.deepEqual(errorsAfter(since), []);
    });
  }
});
