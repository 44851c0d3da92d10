/**
 * FlowIndex follows the workspace's flow files through a file watcher. The
 * watcher's events arrive late and out of step with the reads they trigger
 * (VS Code 1.90 delivers a write's create/change after the test has already
 * deleted the file), so a slow read must never resurrect a deleted file.
 */
import assert from 'node:assert/strict';
import type * as vscode from 'vscode';
import { inlineChecker } from './editor-fakes';
import { FlowIndex } from '../../../src/extension/workspace/flow-index';
import type { SandboxService } from '../../../src/extension/services/sandbox-service';
import { Emitter } from '../../../src/core/emitter';

const FLOW = `version: 1
idps:
  acme-okta:
    issuer: https://idp.example.test/oauth2/default
    clientId: c
routes: {}
flows: {}
`;

class FakeFileSystemError extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

interface FakeUri {
  toString(): string;
  path: string;
}

function uri(path: string): FakeUri {
  return { path, toString: () => `file://${path}` };
}

/** A disk whose reads can be held open, to order them against watcher events. */
function fakeWorkspace() {
  const disk = new Map<string, string>();
  const held: Array<() => void> = [];
  let holdReads = false;
  const watcher = { create: new Emitter<FakeUri>(), change: new Emitter<FakeUri>(), delete: new Emitter<FakeUri>() };
  const vs = {
    EventEmitter: Emitter,
    FileSystemError: FakeFileSystemError,
    Uri: { parse: (s: string) => uri(s.replace('file://', '')) },
    workspace: {
      textDocuments: [],
      asRelativePath: (u: FakeUri) => u.path.replace(/^\/ws\//, ''),
      findFiles: async () => [...disk.keys()].map(uri),
      onDidChangeWorkspaceFolders: new Emitter<void>().event,
      createFileSystemWatcher: () => ({
        onDidCreate: watcher.create.event,
        onDidChange: watcher.change.event,
        onDidDelete: watcher.delete.event,
        dispose: () => undefined,
      }),
      fs: {
        readFile: async (u: FakeUri) => {
          if (holdReads) await new Promise<void>((resolve) => held.push(resolve));
          const text = disk.get(u.path);
          if (text === undefined) throw new FakeFileSystemError('FileNotFound');
          return new TextEncoder().encode(text);
        },
      },
    },
  };
  return {
    vs: vs as unknown as typeof vscode,
    disk,
    watcher,
    hold: () => (holdReads = true),
    release: () => {
      holdReads = false;
      for (const resolve of held.splice(0)) resolve();
    },
  };
}

function fakeSandbox(): SandboxService {
  return { current: undefined, onDidChange: new Emitter<void>().event } as unknown as SandboxService;
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('FlowIndex (the workspace flow files behind the trees)', function () {
  it('drops a file whose delete arrives while the read its earlier change started is still running', async function () {
    const ws = fakeWorkspace();
    ws.disk.set('/ws/a.oidc-flow.yaml', FLOW);
    const index = new FlowIndex(ws.vs, fakeSandbox(), inlineChecker());
    assert.deepEqual(
      (await index.sources()).map((s) => s.label),
      ['a.oidc-flow.yaml'],
    );

    ws.hold();
    ws.watcher.change.fire(uri('/ws/a.oidc-flow.yaml'));
    await settle();
    // The read is under way (it will still find the text); then the delete arrives.
    ws.watcher.delete.fire(uri('/ws/a.oidc-flow.yaml'));
    ws.release();
    await settle();
    await settle();
    assert.deepEqual(
      index.known().map((s) => s.label),
      [],
      'a stale read brought the deleted file back',
    );
    index.dispose();
  });

  it('drops a file whose late create or change finds it already gone, and tells the views', async function () {
    const ws = fakeWorkspace();
    ws.disk.set('/ws/b.oidc-flow.yaml', FLOW);
    const index = new FlowIndex(ws.vs, fakeSandbox(), inlineChecker());
    await index.sources();
    let changes = 0;
    index.onDidChange(() => changes++);
    ws.disk.delete('/ws/b.oidc-flow.yaml');
    ws.watcher.change.fire(uri('/ws/b.oidc-flow.yaml'));
    await settle();
    await settle();
    assert.deepEqual(index.known(), []);
    assert.equal(changes, 1);
    // No "Cannot read" row for a file that is simply not there.
    ws.watcher.create.fire(uri('/ws/b.oidc-flow.yaml'));
    await settle();
    await settle();
    assert.deepEqual(index.known(), []);
    assert.equal(changes, 1, 'a create for a file that is gone changed nothing, so the views need no refresh');
    index.dispose();
  });

  it('still shows a file that cannot be parsed, with its first error', async function () {
    const ws = fakeWorkspace();
    ws.disk.set('/ws/c.oidc-flow.yaml', 'version: [');
    const index = new FlowIndex(ws.vs, fakeSandbox(), inlineChecker());
    const [source] = await index.sources();
    assert.equal(source?.label, 'c.oidc-flow.yaml');
    assert.ok((source?.errorCount ?? 0) > 0);
    assert.ok(source?.firstError);
    index.dispose();
  });
});

describe('FlowIndex.loadForRun', function () {
  it("says the file is gone (and drops it) when it was deleted behind the watcher's back", async function () {
    const ws = fakeWorkspace();
    ws.disk.set('/ws/d.oidc-flow.yaml', FLOW);
    const index = new FlowIndex(ws.vs, fakeSandbox(), inlineChecker());
    const [source] = await index.sources();
    ws.disk.delete('/ws/d.oidc-flow.yaml');
    await assert.rejects(index.loadForRun(source!.id), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'extension.source_missing');
      assert.match(error.message, /d\.oidc-flow\.yaml no longer exists/);
      return true;
    });
    assert.deepEqual(index.known(), []);
    index.dispose();
  });
});
