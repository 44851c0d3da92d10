/**
 * A small fake of the vscode API for the editor's flow-file readers
 * (diagnostics, CodeLens, the flow index), and the shared checker they take.
 */
import type * as vscode from 'vscode';
import { Emitter } from '../../../src/core/emitter';
import { FlowChecker } from '../../../src/extension/editor/flow-checker';
import type { FlowCheckerOptions } from '../../../src/extension/editor/flow-checker';

/** A shared checker that checks every text inline: the small texts of these tests never need the worker. */
export function inlineChecker(options: Partial<FlowCheckerOptions> = {}): FlowChecker {
  return new FlowChecker({
    startWorker: () => {
      throw new Error('this test checks small texts only: no worker thread should start');
    },
    ...options,
  });
}

export class Position {
  constructor(
    readonly line: number,
    readonly character: number,
  ) {}
  isEqual(other: Position): boolean {
    return this.line === other.line && this.character === other.character;
  }
}

export interface ShownDiagnostic {
  message: string;
  range: { start: Position };
  code?: string;
}

/** The vscode API the editor's readers use; `sets` holds what the diagnostics published, by URI. */
export function fakeVs(textDocuments: vscode.TextDocument[] = []) {
  const sets = new Map<string, ShownDiagnostic[]>();
  const listeners: Record<string, (doc: unknown) => void> = {};
  const on = (name: string) => (listener: (doc: unknown) => void) => {
    listeners[name] = listener;
    return { dispose() {} };
  };
  const vs = {
    EventEmitter: Emitter,
    FileSystemError: class extends Error {},
    Uri: { parse: (s: string) => ({ path: s.replace('file://', ''), toString: () => s }) },
    languages: {
      createDiagnosticCollection: () => ({
        set: (uri: { toString(): string }, list: never[]) => sets.set(uri.toString(), list),
        delete: (uri: { toString(): string }) => sets.delete(uri.toString()),
        dispose() {},
      }),
    },
    workspace: {
      textDocuments,
      asRelativePath: (uri: { path: string }) => uri.path.replace(/^\//, ''),
      onDidOpenTextDocument: on('open'),
      onDidSaveTextDocument: on('save'),
      onDidChangeTextDocument: on('change'),
      onDidCloseTextDocument: on('close'),
      onDidChangeWorkspaceFolders: new Emitter<void>().event,
      findFiles: async () => textDocuments.map((d) => d.uri),
      createFileSystemWatcher: () => ({
        onDidCreate: new Emitter<unknown>().event,
        onDidChange: new Emitter<unknown>().event,
        onDidDelete: new Emitter<unknown>().event,
        dispose: () => undefined,
      }),
      fs: {
        readFile: async () => {
          throw new Error('this fake workspace has only open documents');
        },
      },
    },
    Position,
    Range: class {
      constructor(
        readonly start: Position | number,
        readonly end: Position | number,
      ) {}
    },
    CodeLens: class {
      constructor(
        readonly range: unknown,
        readonly command: { title: string; arguments: unknown[] },
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

export function documentOf(path: string, text: string): vscode.TextDocument {
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
