/**
 * The extension checks each flow-file text once, for all three readers
 * (diagnostics, CodeLens, the flow index), and checks large texts in a worker
 * thread so the extension host's main thread keeps running: a 4 MB file takes
 * seconds to parse. A worker that crashes or hangs becomes one diagnostic, and
 * the check of older text never overwrites the newer one's.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type * as vscode from 'vscode';
import { Worker } from 'node:worker_threads';
import { FlowCodeLensProvider } from '../../../src/extension/editor/codelens';
import { FlowDiagnostics } from '../../../src/extension/editor/diagnostics';
import { checkFlowText } from '../../../src/extension/editor/flow-check-data';
import type { FlowCheckResult } from '../../../src/extension/editor/flow-check-data';
import { FlowChecker, nodeWorkerStarter } from '../../../src/extension/editor/flow-checker';
import type { CheckWorker, FlowCheckRequest } from '../../../src/extension/editor/flow-checker';
import type { SandboxService } from '../../../src/extension/services/sandbox-service';
import { FlowIndex } from '../../../src/extension/workspace/flow-index';
import { Emitter } from '../../../src/core/emitter';
import { documentOf, fakeVs, inlineChecker } from './editor-fakes';

const FLOW = `version: 1
flows:
  smoke:
    steps:
      - { id: a, type: request, url: "https://api.example.test/a" }
  other:
    steps:
      - { id: b, type: request, url: "https://api.example.test/b" }
`;

const WORKER_SOURCE = join(__dirname, '..', '..', '..', 'src', 'extension', 'editor', 'flow-check-worker.ts');

/** A valid flow file of `steps` request steps, about 830 characters each (the shape of the 3.8 MB file measured in #13). */
function bigFlow(steps: number): string {
  const lines = ['version: 1', 'flows:', '  big:', '    steps:'];
  for (let i = 0; i < steps; i++)
    lines.push(
      `      - id: step-${i}`,
      '        type: request',
      '        method: GET',
      `        url: "https://api.example.test/items/${i}?filter=${'x'.repeat(700)}"`,
    );
  return `${lines.join('\n')}\n`;
}

function fakeSandbox(): SandboxService {
  return { current: undefined, onDidChange: new Emitter<void>().event } as unknown as SandboxService;
}

/** A worker stand-in: records what it was sent and lets the test answer, fail or exit. */
class FakeWorker implements CheckWorker {
  readonly sent: FlowCheckRequest[] = [];
  terminated = false;
  private readonly listeners: Record<string, Array<(value: never) => void>> = {};
  postMessage(request: FlowCheckRequest): void {
    this.sent.push(request);
  }
  on(event: string, listener: (value: never) => void): this {
    (this.listeners[event] ??= []).push(listener);
    return this;
  }
  emit(event: string, value: unknown): void {
    for (const listener of this.listeners[event] ?? []) listener(value as never);
  }
  answer(request: FlowCheckRequest): void {
    this.emit('message', { id: request.id, result: checkFlowText(request.text, request.fileName) });
  }
  async terminate(): Promise<number> {
    this.terminated = true;
    return 1;
  }
}

/** A checker whose every check goes to a FakeWorker; `workers` lists them in the order started. */
function fakeWorkerChecker(options: { timeLimitMs?: number } = {}) {
  const workers: FakeWorker[] = [];
  const checker = new FlowChecker({
    workerThreshold: 0,
    ...options,
    startWorker: () => {
      workers.push(new FakeWorker());
      return workers.at(-1)!;
    },
  });
  return { checker, workers };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(condition(), `timed out waiting until ${what}`);
}

describe('the shared flow-file checker', function () {
  this.timeout(60_000);

  it('parses a text once for the diagnostics, the CodeLens and the flow index, and again only when it changes', async () => {
    let parses = 0;
    const checker = inlineChecker({
      checkInline: (text, fileName) => {
        parses += 1;
        return checkFlowText(text, fileName);
      },
    });
    const doc = documentOf('/ws/orders.oidc-flow.yaml', FLOW);
    const { vs, sets } = fakeVs([doc]);
    const diagnostics = new FlowDiagnostics(vs, checker);
    const lenses = await new FlowCodeLensProvider(vs, checker).provideCodeLenses(doc);
    const index = new FlowIndex(vs, fakeSandbox(), checker);
    const [source] = await index.sources();
    const { file } = await index.loadForRun(doc.uri.toString());
    await until(() => sets.has(doc.uri.toString()), 'the diagnostics are published');

    assert.equal(parses, 1, 'one text, one parse');
    assert.deepEqual(sets.get(doc.uri.toString()), []);
    assert.deepEqual(
      lenses.filter((_, i) => i % 3 === 0).map((l) => (l.range as unknown as { start: number }).start),
      [2, 5],
      'a Run lens on the line of each flow',
    );
    assert.equal(source?.errorCount, 0);
    assert.deepEqual(Object.keys(file.flows ?? {}), ['smoke', 'other']);

    const edited = documentOf('/ws/orders.oidc-flow.yaml', FLOW.replace('id: b', 'id: c'));
    (vs.workspace.textDocuments as vscode.TextDocument[]).splice(0, 1, edited);
    await diagnostics.check(edited);
    await new FlowCodeLensProvider(vs, checker).provideCodeLenses(edited);
    await index.refresh();
    assert.equal(parses, 2, 'the edit is parsed once more, not three times');
    diagnostics.dispose();
    checker.dispose();
  });

  it('runs from the shared check: its errors as the loader throws them, an unchecked file as extension.flow_unchecked', async () => {
    const broken = documentOf('/ws/broken.oidc-flow.yaml', FLOW.replace('type: request', 'type: reqest'));
    const { vs } = fakeVs([broken]);
    const index = new FlowIndex(vs, fakeSandbox(), inlineChecker());
    await assert.rejects(
      index.loadForRun(broken.uri.toString()),
      (error: Error & { code?: string; where?: string }) => {
        assert.equal(error.name, 'FlowFileError');
        assert.equal(error.code, 'flowfile.schema');
        assert.match(error.where ?? '', /^ws\/broken\.oidc-flow\.yaml:5:/);
        return true;
      },
    );

    const { checker, workers } = fakeWorkerChecker();
    const doc = documentOf('/ws/orders.oidc-flow.yaml', FLOW);
    const crashing = new FlowIndex(fakeVs([doc]).vs, fakeSandbox(), checker);
    const run = crashing.loadForRun(doc.uri.toString());
    await until(() => workers[0]?.sent.length === 1, 'the worker gets the file');
    workers[0]!.emit('error', new RangeError('Maximum call stack size exceeded'));
    await assert.rejects(run, (error: Error & { code?: string; hint?: string }) => {
      assert.equal(error.code, 'extension.flow_unchecked');
      assert.equal(
        error.message,
        'ws/orders.oidc-flow.yaml could not be checked: the checker thread failed with RangeError: Maximum call stack size exceeded.',
      );
      assert.match(error.hint ?? '', /edit the file to retry/);
      return true;
    });
    checker.dispose();
  });

  it('checks a large text in a worker thread while the main thread keeps running', async () => {
    const text = bigFlow(1200); // 1 MB: seconds of parsing
    const checker = new FlowChecker({ startWorker: nodeWorkerStarter(WORKER_SOURCE) });
    let ticks = 0;
    const ticker = setInterval(() => (ticks += 1), 5);
    try {
      const result = await checker.check('file:///ws/big.oidc-flow.yaml', text, 'big.oidc-flow.yaml');
      // Parsed inline, the interval could not fire at all while the parse ran.
      assert.ok(ticks >= 20, `the main thread's event loop stood still while the worker checked (${ticks} ticks)`);
      assert.deepEqual(result?.issues, []);
      assert.deepEqual(
        result?.flows.map((f) => f.flow),
        ['big'],
      );
      assert.equal(result?.file?.flows?.big?.steps.length, 1200);
    } finally {
      clearInterval(ticker);
      checker.dispose();
    }
  });

  it('turns a crashed worker into one diagnostic, and starts a fresh worker for the next check', async () => {
    let started = 0;
    const checker = new FlowChecker({
      workerThreshold: 0,
      // A real thread that dies before answering.
      startWorker: () => {
        started += 1;
        return new Worker('process.exit(3)', { eval: true }) as unknown as CheckWorker;
      },
    });
    const doc = documentOf('/ws/orders.oidc-flow.yaml', FLOW);
    const { vs, sets } = fakeVs();
    const diagnostics = new FlowDiagnostics(vs, checker);
    await diagnostics.check(doc);
    const shown = sets.get(doc.uri.toString())!;
    assert.equal(shown.length, 1);
    assert.equal(shown[0]!.code, 'extension.flow_unchecked');
    assert.match(
      shown[0]!.message,
      /^ws\/orders\.oidc-flow\.yaml could not be checked: the checker thread exited with code 3\.\nThe same text is not checked again: edit the file to retry/,
    );
    await diagnostics.check(doc);
    assert.equal(started, 1, 'the same text was checked again, though it crashed the checker');
    await diagnostics.check(documentOf('/ws/orders.oidc-flow.yaml', `${FLOW}# edited\n`));
    assert.equal(started, 2, 'the next check did not start a fresh worker');
    diagnostics.dispose();
    checker.dispose();
  });

  it('stops a worker that exceeds the time limit, says so, and uses a fresh one next', async () => {
    const { checker, workers } = fakeWorkerChecker({ timeLimitMs: 50 });
    const slow = await checker.check('file:///ws/a.oidc-flow.yaml', FLOW, 'a.oidc-flow.yaml');
    assert.equal(slow?.unchecked, true);
    assert.match(slow!.issues[0]!.message, /could not be checked: it took longer than 0\.05 s/);
    assert.equal(workers[0]!.terminated, true);

    const next = checker.check('file:///ws/b.oidc-flow.yaml', FLOW, 'b.oidc-flow.yaml');
    await until(() => workers[1]?.sent.length === 1, 'the fresh worker gets the next check');
    workers[1]!.answer(workers[1]!.sent[0]!);
    assert.deepEqual((await next)?.issues, []);
    checker.dispose();
  });

  it('drops the check of older text when newer text of the same document arrives', async () => {
    const pending: Array<{ text: string; resolve: () => void }> = [];
    const checker = inlineChecker({
      checkInline: (text, fileName) =>
        new Promise<FlowCheckResult>((resolve) =>
          pending.push({ text, resolve: () => resolve(checkFlowText(text, fileName)) }),
        ),
    });
    const { vs, sets } = fakeVs();
    const diagnostics = new FlowDiagnostics(vs, checker);
    const broken = documentOf('/ws/orders.oidc-flow.yaml', FLOW.replace('type: request', 'type: reqest'));
    const fixed = documentOf('/ws/orders.oidc-flow.yaml', FLOW);
    const older = diagnostics.check(broken);
    const newer = diagnostics.check(fixed);
    await until(() => pending.length === 2, 'both checks run');
    pending[1]!.resolve();
    await newer;
    assert.deepEqual(sets.get(fixed.uri.toString()), []);
    // The older, slower check finishes last: its problems (of text no longer there) must not be shown.
    pending[0]!.resolve();
    await older;
    assert.deepEqual(sets.get(fixed.uri.toString()), []);
    diagnostics.dispose();
    checker.dispose();
  });

  it('stops the worker busy with superseded text, and answers the newer text from a fresh one', async () => {
    const { checker, workers } = fakeWorkerChecker();
    const key = 'file:///ws/a.oidc-flow.yaml';
    const older = checker.check(key, `${FLOW}# one\n`, 'a.oidc-flow.yaml');
    await until(() => workers[0]?.sent.length === 1, 'the first worker gets the first text');
    const newer = checker.check(key, FLOW, 'a.oidc-flow.yaml');
    assert.equal(await older, undefined, 'the superseded check still resolved to a result');
    assert.equal(workers[0]!.terminated, true);
    await until(() => workers[1]?.sent.length === 1, 'a fresh worker gets the newer text');
    assert.equal(workers[1]!.sent[0]!.text, FLOW);
    workers[1]!.answer(workers[1]!.sent[0]!);
    assert.deepEqual((await newer)?.issues, []);
    checker.dispose();
  });
});
