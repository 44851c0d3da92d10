/**
 * A vscode API stand-in for running command handlers in plain Node that records everything the
 * extension writes: notifications and their buttons, prompts and quick-pick items, the clipboard,
 * files written, documents opened, settings updates, executed commands, and what webview panels
 * were posted. Prompts are answered by a script: rules matched against the prompt's text.
 */
import type * as vscode from 'vscode';
import { Emitter } from '../../src/core/emitter';
import { fakePanel } from './fake-webview';
import type { FakePanel } from './fake-webview';

/** A vscode.Uri stand-in; a class, so `arg instanceof vs.Uri` works. Not `file:`: writes go through workspace.fs. */
export class FakeUri {
  constructor(
    readonly scheme: string,
    readonly path: string,
  ) {}
  get fsPath(): string {
    return this.path;
  }
  toString(): string {
    return `${this.scheme}://${this.path}`;
  }
  static parse(text: string): FakeUri {
    const match = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(text);
    return match ? new FakeUri(match[1]!, match[2]!) : new FakeUri('mem', text);
  }
  static from(parts: { scheme: string; path: string }): FakeUri {
    return new FakeUri(parts.scheme, parts.path);
  }
  static file(path: string): FakeUri {
    return new FakeUri('mem', path);
  }
  static joinPath(base: FakeUri, ...parts: string[]): FakeUri {
    const segments: string[] = [];
    for (const part of [base.path, ...parts].join('/').split('/')) {
      if (part === '..') segments.pop();
      else if (part !== '' && part !== '.') segments.push(part);
    }
    return new FakeUri(base.scheme, `/${segments.join('/')}`);
  }
}

/**
 * How a prompt is answered: the first rule whose pattern matches the prompt's text (title, prompt,
 * placeholder or message) gives the answer. For an input box the answer is the value typed; for a
 * quick pick, a pattern the chosen item's label matches; for a message with buttons, the button;
 * for an open dialog, the paths picked. No rule: input boxes and messages are cancelled, quick
 * picks take their first item, open and save dialogs are cancelled.
 */
export type Rule = [RegExp, string | string[] | undefined];

interface QuickPickItemLike {
  label: string;
  description?: string;
  detail?: string;
}

export interface Recorded {
  /** Every notification: its text, detail and buttons. */
  notifications: string[];
  /** Every prompt shown: input boxes, quick picks (with their items), dialogs. */
  prompts: string[];
  clipboard: string[];
  /** Files written through workspace.fs, by path. */
  files: Map<string, string>;
  /** Contents of documents the extension opened (untitled ones it made). */
  documents: string[];
  /** getConfiguration().update calls, as JSON. */
  settings: string[];
  /** executeCommand calls, as JSON. */
  commands: string[];
  /** Webview panels the extension created. */
  panels: FakePanel[];
  /** Status bar items the extension created, as they are now. */
  statusBarItems: FakeStatusBarItem[];
}

export interface FakeStatusBarItem {
  id: string;
  text: string;
  tooltip?: unknown;
  command?: unknown;
  visible: boolean;
  disposed: boolean;
}

export interface FakeVscode {
  vs: typeof vscode;
  recorded: Recorded;
  /** Files the workspace holds, by path (read by open dialogs and workspace.fs). */
  disk: Map<string, string>;
  /** Replaces the answering rules (for the next command). */
  script(rules: Rule[]): void;
  /** Sets what the clipboard holds, as if the person copied it. */
  setClipboard(text: string): void;
}

export const WORKSPACE = '/ws';

export function fakeVscode(options: { trusted?: boolean; settings?: Record<string, unknown> } = {}): FakeVscode {
  const recorded: Recorded = {
    notifications: [],
    prompts: [],
    clipboard: [],
    files: new Map(),
    documents: [],
    settings: [],
    commands: [],
    panels: [],
    statusBarItems: [],
  };
  const disk = new Map<string, string>();
  const settings = new Map(Object.entries(options.settings ?? {}));
  let rules: Rule[] = [];
  let clipboard = '';
  const folder = { uri: new FakeUri('mem', WORKSPACE), name: 'ws', index: 0 };

  const answerFor = (text: string): { found: boolean; answer: string | string[] | undefined } => {
    const rule = rules.find(([pattern]) => pattern.test(text));
    return rule ? { found: true, answer: rule[1] } : { found: false, answer: undefined };
  };
  const textOf = (o: { title?: string; prompt?: string; placeHolder?: string } | undefined) =>
    [o?.title, o?.prompt, o?.placeHolder].filter(Boolean).join(' | ');

  const message =
    (level: string) =>
    async (text: string, ...rest: unknown[]) => {
      const opts = typeof rest[0] === 'object' && rest[0] !== null ? (rest.shift() as { detail?: string }) : undefined;
      const buttons = rest.map((b) => (typeof b === 'string' ? b : (b as { title: string }).title));
      recorded.notifications.push(
        `${level}: ${text}${opts?.detail ? ` (${opts.detail})` : ''} [${buttons.join(', ')}]`,
      );
      const { answer } = answerFor(text);
      return typeof answer === 'string' && buttons.includes(answer) ? answer : undefined;
    };

  const providers = new Map<string, { provideTextDocumentContent(uri: FakeUri): string }>();
  const documentOf = (content: string, uri?: FakeUri) => {
    const lineStarts = [0, ...[...content.matchAll(/\n/g)].map((m) => m.index! + 1)];
    return {
      uri: uri ?? new FakeUri('untitled', '/Untitled-1'),
      getText: () => content,
      positionAt: (offset: number) => {
        let line = 0;
        while (line + 1 < lineStarts.length && lineStarts[line + 1]! <= offset) line += 1;
        return { line, character: offset - lineStarts[line]! };
      },
    };
  };

  const vs = {
    EventEmitter: Emitter,
    Uri: FakeUri,
    ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
    ViewColumn: { Active: -1, Beside: -2 },
    StatusBarAlignment: { Left: 1, Right: 2 },
    ConfigurationTarget: { Global: 1, Workspace: 2, WorkspaceFolder: 3 },
    Position: class {
      constructor(
        readonly line: number,
        readonly character: number,
      ) {}
    },
    Range: class {
      constructor(
        readonly start: unknown,
        readonly end: unknown,
      ) {}
    },
    commands: {
      executeCommand: async (...args: unknown[]) => void recorded.commands.push(JSON.stringify(args)),
    },
    workspace: {
      isTrusted: options.trusted ?? true,
      workspaceFolders: [folder],
      textDocuments: [],
      getWorkspaceFolder: (uri: FakeUri) =>
        uri.path === WORKSPACE || uri.path.startsWith(`${WORKSPACE}/`) ? folder : undefined,
      asRelativePath: (uri: FakeUri | string) => {
        const path = typeof uri === 'string' ? uri : uri.path;
        return path.startsWith(`${WORKSPACE}/`) ? path.slice(WORKSPACE.length + 1) : path;
      },
      findFiles: async () => [],
      getConfiguration: () => ({
        get: (key: string, fallback?: unknown) => (settings.has(key) ? settings.get(key) : fallback),
        inspect: (key: string) => (settings.has(key) ? { key, workspaceValue: settings.get(key) } : undefined),
        update: async (key: string, value: unknown, target: unknown) => {
          recorded.settings.push(JSON.stringify({ key, value, target }));
          settings.set(key, value);
        },
      }),
      registerTextDocumentContentProvider: (
        scheme: string,
        provider: { provideTextDocumentContent(uri: FakeUri): string },
      ) => {
        providers.set(scheme, provider);
        return { dispose: () => providers.delete(scheme) };
      },
      openTextDocument: async (arg: FakeUri | { content?: string }) => {
        const provider = arg instanceof FakeUri ? providers.get(arg.scheme) : undefined;
        if (arg instanceof FakeUri && provider) {
          // A read-only virtual document: recorded like any other document shown.
          const text = provider.provideTextDocumentContent(arg);
          recorded.documents.push(text);
          return documentOf(text, arg);
        }
        if (arg instanceof FakeUri) return documentOf(disk.get(arg.path) ?? '', arg);
        recorded.documents.push(arg.content ?? '');
        return documentOf(arg.content ?? '');
      },
      applyEdit: async () => false,
      fs: {
        readFile: async (uri: FakeUri) => {
          const text = disk.get(uri.path);
          if (text === undefined) throw new Error(`ENOENT: ${uri.path}`);
          return new TextEncoder().encode(text);
        },
        writeFile: async (uri: FakeUri, bytes: Uint8Array) => {
          const text = new TextDecoder().decode(bytes);
          recorded.files.set(uri.path, text);
          disk.set(uri.path, text);
        },
        stat: async (uri: FakeUri) => {
          if (!disk.has(uri.path)) throw new Error(`ENOENT: ${uri.path}`);
          return { type: 1 };
        },
      },
    },
    env: {
      clipboard: {
        readText: async () => clipboard,
        writeText: async (text: string) => {
          recorded.clipboard.push(text);
          clipboard = text;
        },
      },
      openExternal: async () => false,
    },
    window: {
      activeTextEditor: undefined,
      showInformationMessage: message('info'),
      showWarningMessage: message('warning'),
      showErrorMessage: message('error'),
      withProgress: (_options: unknown, task: (progress: unknown, token: unknown) => Promise<unknown>) =>
        task({ report: () => undefined }, { onCancellationRequested: () => ({ dispose: () => undefined }) }),
      showInputBox: async (o: { title?: string; prompt?: string; placeHolder?: string; value?: string }) => {
        const text = textOf(o);
        recorded.prompts.push(`input: ${text}${o.value ? ` = ${o.value}` : ''}`);
        const { answer } = answerFor(text);
        return typeof answer === 'string' ? answer : undefined;
      },
      showQuickPick: async (
        items: Array<string | QuickPickItemLike> | Promise<Array<string | QuickPickItemLike>>,
        o?: { title?: string; placeHolder?: string },
      ) => {
        const list = await items;
        const text = textOf(o);
        const labelOf = (item: string | QuickPickItemLike) => (typeof item === 'string' ? item : item.label);
        recorded.prompts.push(
          `pick: ${text}: ${list.map((i) => (typeof i === 'string' ? i : [i.label, i.description, i.detail].filter(Boolean).join(' · '))).join(' / ')}`,
        );
        const { found, answer } = answerFor(text);
        if (!found) return list[0];
        if (typeof answer !== 'string') return undefined;
        return list.find((item) => new RegExp(answer).test(labelOf(item)));
      },
      showOpenDialog: async (o: { title?: string }) => {
        recorded.prompts.push(`open: ${o.title ?? ''}`);
        const { answer } = answerFor(o.title ?? '');
        if (answer === undefined) return undefined;
        return (Array.isArray(answer) ? answer : [answer]).map((path) => new FakeUri('mem', path));
      },
      showSaveDialog: async (o: { saveLabel?: string }) => {
        recorded.prompts.push(`save: ${o.saveLabel ?? ''}`);
        const { answer } = answerFor(o.saveLabel ?? '');
        return typeof answer === 'string' ? new FakeUri('mem', answer) : undefined;
      },
      showWorkspaceFolderPick: async () => folder,
      showTextDocument: async () => undefined,
      createWebviewPanel: () => {
        const fake = fakePanel();
        recorded.panels.push(fake);
        return fake.panel;
      },
      registerWebviewPanelSerializer: () => ({ dispose: () => undefined }),
      createStatusBarItem: (id: string) => {
        const item: FakeStatusBarItem = { id, text: '', visible: false, disposed: false };
        recorded.statusBarItems.push(item);
        return Object.assign(item, {
          show: () => void (item.visible = true),
          hide: () => void (item.visible = false),
          dispose: () => void (item.disposed = true),
        });
      },
    },
  } as unknown as typeof vscode;

  return {
    vs,
    recorded,
    disk,
    script: (next) => void (rules = next),
    setClipboard: (text) => void (clipboard = text),
  };
}
