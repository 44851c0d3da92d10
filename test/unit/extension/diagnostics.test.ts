/**
 * The editor's diagnostics for flow files come from the checker `oidc-flow
 * validate` uses: the same problems, at the same lines, on open and save,
 * and none for other files. A small fake of the vscode API stands in.
 */
import { strict as assert } from 'node:assert';
import type * as vscode from 'vscode';
import { checkFlowFile } from '../../../src/core/flow/load';
import { FlowDiagnostics } from '../../../src/extension/editor/diagnostics';

const BROKEN = `version: 1
idps:
  okta:
    issuer: https://idp.example/oauth2/default
    clientId: abc
    clientSecret: plain-text-secret-value
flows:
  smoke:
    steps:
      - { id: t, type: token, idp: okte }
`;

class Position {
  constructor(
    readonly line: number,
    readonly character: number,
  ) {}
  isEqual(other: Position): boolean {
    return this.line === other.line && this.character === other.character;
  }
}

function fakeVs() {
  const sets = new Map<string, Array<{ message: string; range: { start: Position }; code?: string }>>();
  const listeners: Record<string, (doc: unknown) => void> = {};
  const on = (name: string) => (listener: (doc: unknown) => void) => {
    listeners[name] = listener;
    return { dispose() {} };
  };
  const vs = {
    languages: {
      createDiagnosticCollection: () => ({
        set: (uri: { toString(): string }, list: never[]) => sets.set(uri.toString(), list),
        delete: (uri: { toString(): string }) => sets.delete(uri.toString()),
        dispose() {},
      }),
    },
    workspace: {
      textDocuments: [],
      asRelativePath: (uri: { path: string }) => uri.path.replace(/^\//, ''),
      onDidOpenTextDocument: on('open'),
      onDidSaveTextDocument: on('save'),
      onDidChangeTextDocument: on('change'),
      onDidCloseTextDocument: on('close'),
    },
    Position,
    Range: class {
      constructor(
        readonly start: Position,
        readonly end: Position,
      ) {}
    },
    Diagnostic: class {
      source?: string;
      code?: string;
      constructor(
        readonly range: unknown,
        readonly message: string,
        readonly severity: number,
      ) {}
    },
    DiagnosticSeverity: { Error: 0, Warning: 1 },
  } as unknown as typeof vscode;
  return { vs, sets, listeners };
}

function documentOf(path: string, text: string): vscode.TextDocument {
  const lineStarts = [0, ...[...text.matchAll(/\n/g)].map((m) => m.index! + 1)];
  return {
    uri: { path, toString: () => `file://${path}` },
    isClosed: false,
    getText: () => text,
    positionAt: (offset: number) => {
      let line = 0;
      while (line + 1 < lineStarts.length && lineStarts[line + 1]! <= offset) line += 1;
      return new Position(line, offset - lineStarts[line]!);
    },
    lineAt: (line: number) => ({ range: { end: new Position(line, 80) } }),
  } as unknown as vscode.TextDocument;
}

describe('flow file diagnostics in the editor', () => {
  it('shows, on save, the problems validate lists, at the same lines', async () => {
    const { vs, sets } = fakeVs();
    const diagnostics = new FlowDiagnostics(vs);
    const doc = documentOf('/ws/orders.oidc-flow.yaml', BROKEN);
    await diagnostics.check(doc);
    const shown = sets.get('file:///ws/orders.oidc-flow.yaml')!;
    const validated = checkFlowFile(BROKEN, { fileName: 'ws/orders.oidc-flow.yaml' }).issues;
    assert.equal(shown.length, 2);
    assert.deepEqual(
      shown.map((d) => [d.range.start.line + 1, d.code]),
      validated.map((i) => [i.range!.start.line, i.code]),
    );
    assert.ok(shown.every((d, i) => d.message.startsWith(validated[i]!.message)));
    assert.ok(!shown.some((d) => d.message.includes('plain-text-secret-value')));
    diagnostics.dispose();
  });

  it('is updated on open and save through the workspace events, and ignores other files', async () => {
    const { vs, sets, listeners } = fakeVs();
    const diagnostics = new FlowDiagnostics(vs);
    listeners.open!(documentOf('/ws/notes.yaml', BROKEN));
    listeners.save!(documentOf('/ws/a.oidc-flow.yaml', BROKEN));
    // The check loads the checker lazily (activation stays light); wait for it rather than a fixed time.
    for (let i = 0; i < 200 && sets.size === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual([...sets.keys()], ['file:///ws/a.oidc-flow.yaml']);
    diagnostics.dispose();
  });
});
