/**
 * A probe on the product extension, seen from inside the same extension
 * host: what it hands to VS Code (tree data providers, notifications, what
 * it posts to the results webview), what it asks a person (quick picks,
 * input boxes, file dialogs: a test answers them), what it puts on the
 * clipboard or opens in the browser, and what it does on the network.
 *
 * Installed when the first suite that imports this module loads, before
 * anything activates the extension:
 * - a wrapper around Node's module loader gives the product a `vscode` object
 *   whose `window` and `env` record and answer the above; everything else
 *   goes to the real API;
 * - hooks on net.Server#listen and net.Socket#connect record every server
 *   and connection whose stack runs through the product's bundle.
 */
import assert from 'node:assert/strict';
import Module from 'node:module';
import * as net from 'node:net';
import * as vscode from 'vscode';
import type { OidcFlowApi, TreeSnapshotNode } from '../../../src/extension/api';
import type { RunSummary } from '../../../src/extension/services/run-service';
import { waitFor } from './wait';

export type { OidcFlowApi as Api, RunSummary, TreeSnapshotNode as SnapshotNode };

export const EXTENSION_ID = 'oidc-flow-debugger.oidc-flow-debugger';
export const VIEWS = {
  idps: 'oidcFlow.idps',
  routes: 'oidcFlow.routes',
  flows: 'oidcFlow.flows',
  history: 'oidcFlow.history',
  capture: 'oidcFlow.capture',
} as const;

export interface NetEvent {
  kind: 'listen' | 'connect';
  target: string;
  seq: number;
}

export interface RecordedMessage {
  severity: 'info' | 'warning' | 'error';
  text: string;
  items: string[];
  seq: number;
  /** Settles the product's `await showXMessage(...)` as if the person clicked `item` (or closed it). */
  answer(item?: string): void;
}

/** Something the product asked a person: a quick pick, an input box or a file dialog. */
export interface RecordedPrompt {
  kind: 'quickPick' | 'inputBox' | 'openDialog' | 'saveDialog';
  /** Its title, placeholder and prompt, joined. */
  text: string;
  /** A quick pick's item labels. */
  items: string[];
  seq: number;
  /**
   * Settles the product's await as a person would: a quick pick with the
   * label of the item to pick (or several labels for canPickMany), an input
   * box with the text, a dialog with the file URI(s); undefined cancels.
   */
  answer(value?: string | string[] | vscode.Uri | vscode.Uri[]): void;
  answered: boolean;
}

/** A progress notification the product showed; `cancel()` is the person clicking its Cancel. */
export interface RecordedProgress {
  title: string;
  cancellable: boolean;
  seq: number;
  cancel(): void;
}

export interface Probe {
  installError?: string;
  activeAtLoad: boolean;
  wrappedApi: boolean;
  seq: number;
  net: NetEvent[];
  trees: Map<string, vscode.TreeDataProvider<unknown>>;
  messages: RecordedMessage[];
  toWebview: Array<{ seq: number; message: unknown }>;
  fromWebview: Array<{ seq: number; message: unknown }>;
  prompts: RecordedPrompt[];
  progress: RecordedProgress[];
  /** URIs the product asked VS Code to open outside (vscode.env.openExternal), e.g. the system browser. */
  opened: Array<{ seq: number; uri: string }>;
  /** The clipboard as the product sees it (an in-memory stand-in: a headless browser's clipboard is out of reach). */
  clipboard: string;
  /** Every line the product wrote to its output channels. */
  output: string[];
  /**
   * Credentials the suites gave the product or got from one of its reveals (a typed client secret,
   * a copied token, an export WITH secrets): the last suite searches everything recorded for them.
   */
  canaries: Set<string>;
}

export const probe: Probe = installProbe();

function installProbe(): Probe {
  const state: Probe = {
    activeAtLoad: false,
    wrappedApi: false,
    seq: 0,
    net: [],
    trees: new Map(),
    messages: [],
    toWebview: [],
    fromWebview: [],
    prompts: [],
    progress: [],
    opened: [],
    clipboard: '',
    output: [],
    canaries: new Set(),
  };
  const extension = vscode.extensions.getExtension(EXTENSION_ID);
  if (!extension) {
    state.installError = `${EXTENSION_ID} is not installed in this VS Code`;
    return state;
  }
  state.activeAtLoad = extension.isActive;
  const productDir = extension.extensionPath.replace(/\\/g, '/');
  const next = () => ++state.seq;
  const fromProduct = (): boolean => {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 60;
    try {
      return (new Error().stack ?? '').replace(/\\/g, '/').includes(`${productDir}/`);
    } finally {
      Error.stackTraceLimit = limit;
    }
  };

  const listen = net.Server.prototype.listen;
  net.Server.prototype.listen = function (this: net.Server, ...args: unknown[]) {
    if (fromProduct()) state.net.push({ kind: 'listen', target: describeTarget(args[0], args[1]), seq: next() });
    return (listen as (...a: unknown[]) => net.Server).apply(this, args);
  } as typeof listen;
  const connect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    if (fromProduct()) state.net.push({ kind: 'connect', target: describeTarget(args[0], args[1]), seq: next() });
    return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof connect;

  type Load = (request: string, parent: { filename?: string } | undefined, isMain: boolean) => unknown;
  const loader = Module as unknown as { _load: Load };
  const load = loader._load;
  let wrapped: unknown;
  loader._load = function (this: unknown, request, parent, isMain) {
    const result = load.call(this, request, parent, isMain);
    if (request !== 'vscode' || !parent?.filename?.replace(/\\/g, '/').startsWith(`${productDir}/`)) return result;
    state.wrappedApi = true;
    wrapped ??= wrapApi(result as typeof vscode, state, next);
    return wrapped;
  };
  return state;
}

function describeTarget(first: unknown, second: unknown): string {
  if (typeof first === 'object' && first !== null) {
    const o = first as { host?: string; port?: number; path?: string };
    return o.path ?? `${o.host ?? 'localhost'}:${o.port ?? '?'}`;
  }
  return second !== undefined && typeof second !== 'function' ? `${String(second)}:${String(first)}` : String(first);
}

function wrapApi(api: typeof vscode, state: Probe, next: () => number): typeof vscode {
  const real = api.window;
  const message =
    (severity: RecordedMessage['severity'], show: (...args: never[]) => Thenable<unknown>) =>
    (...args: unknown[]): Thenable<unknown> => {
      const [text, ...rest] = args;
      const titleOf = (item: unknown): string | undefined =>
        typeof item === 'string'
          ? item
          : typeof item === 'object' && item !== null && typeof (item as { title?: unknown }).title === 'string'
            ? (item as { title: string }).title
            : undefined;
      const items = rest.map(titleOf).filter((t): t is string => t !== undefined);
      let settle!: (value: unknown) => void;
      const answered = new Promise<unknown>((resolve) => (settle = resolve));
      state.messages.push({
        severity,
        text: String(text),
        items,
        seq: next(),
        answer: (item) =>
          settle(item === undefined ? undefined : rest.find((candidate) => titleOf(candidate) === item)),
      });
      return Promise.race([Promise.resolve((show as (...a: unknown[]) => Thenable<unknown>)(...args)), answered]);
    };
  // Prompts never reach the real UI: a test answers them (or the command waits, and its test times out naming the prompt).
  const prompt = (
    kind: RecordedPrompt['kind'],
    text: string,
    items: string[],
    resolve: (value: RecordedPrompt['answer'] extends (v: infer V) => void ? V : never) => unknown,
  ): Promise<unknown> =>
    new Promise((settle) => {
      const recorded: RecordedPrompt = {
        kind,
        text,
        items,
        seq: next(),
        answered: false,
        answer: (value) => {
          recorded.answered = true;
          settle(resolve(value));
        },
      };
      state.prompts.push(recorded);
    });
  const describe = (
    options:
      { title?: string; placeHolder?: string; prompt?: string; openLabel?: string; saveLabel?: string } | undefined,
  ): string =>
    [options?.title, options?.placeHolder, options?.prompt, options?.openLabel, options?.saveLabel]
      .filter(Boolean)
      .join(' | ');
  const labelOf = (item: unknown): string =>
    typeof item === 'string' ? item : String((item as { label?: unknown }).label ?? '');
  const overrides: Record<string, unknown> = {
    showQuickPick: async (itemsOrPromise: unknown, options?: vscode.QuickPickOptions & { canPickMany?: boolean }) => {
      const items = (await Promise.resolve(itemsOrPromise)) as unknown[];
      return prompt('quickPick', describe(options), items.map(labelOf), (value) => {
        if (value === undefined) return undefined;
        const pick = (label: string) => {
          const item = items.find((candidate) => labelOf(candidate) === label);
          assert.ok(
            item,
            `the quick pick "${describe(options)}" has no item "${label}"; it has: ${JSON.stringify(items.map(labelOf))}`,
          );
          return item;
        };
        return options?.canPickMany
          ? (Array.isArray(value) ? value : [value]).map((v) => pick(String(v)))
          : pick(String(value));
      });
    },
    showInputBox: (options?: vscode.InputBoxOptions) =>
      prompt('inputBox', describe(options), [], async (value) => {
        if (value === undefined) return undefined;
        const text = String(value);
        const invalid = await options?.validateInput?.(text);
        assert.ok(!invalid, `the input box "${describe(options)}" refused "${text}": ${JSON.stringify(invalid)}`);
        return text;
      }),
    showOpenDialog: (options?: vscode.OpenDialogOptions) =>
      prompt('openDialog', describe(options), [], (value) =>
        value === undefined ? undefined : Array.isArray(value) ? value : [value],
      ),
    showSaveDialog: (options?: vscode.SaveDialogOptions) =>
      prompt('saveDialog', describe(options), [], (value) => value),
    withProgress: <R>(
      options: vscode.ProgressOptions,
      task: (
        progress: vscode.Progress<{ message?: string; increment?: number }>,
        token: vscode.CancellationToken,
      ) => Thenable<R>,
    ) =>
      real.withProgress(options, (progress, token) => {
        const source = new api.CancellationTokenSource();
        token.onCancellationRequested(() => source.cancel());
        state.progress.push({
          title: options.title ?? '',
          cancellable: options.cancellable === true,
          seq: next(),
          cancel: () => source.cancel(),
        });
        return task(progress, source.token);
      }),
    createTreeView: (id: string, options: vscode.TreeViewOptions<unknown>) => {
      state.trees.set(id, options.treeDataProvider);
      return real.createTreeView(id, options);
    },
    registerTreeDataProvider: (id: string, provider: vscode.TreeDataProvider<unknown>) => {
      state.trees.set(id, provider);
      return real.registerTreeDataProvider(id, provider);
    },
    showInformationMessage: message('info', real.showInformationMessage),
    showWarningMessage: message('warning', real.showWarningMessage),
    showErrorMessage: message('error', real.showErrorMessage),
    createOutputChannel: (...args: unknown[]) => {
      const channel = (real.createOutputChannel as (...a: unknown[]) => object)(...args);
      const writes = new Set(['append', 'appendLine', 'replace', 'trace', 'debug', 'info', 'warn', 'error']);
      return new Proxy(channel, {
        get: (target, prop) => {
          const value = forward(target, prop);
          if (typeof prop !== 'string' || !writes.has(prop) || typeof value !== 'function') return value;
          return (...a: unknown[]) => {
            state.output.push(a.map((x) => (x instanceof Error ? `${x.message}\n${x.stack}` : String(x))).join(' '));
            return (value as (...b: unknown[]) => unknown)(...a);
          };
        },
      });
    },
    createWebviewPanel: (...args: Parameters<typeof real.createWebviewPanel>) => {
      const panel = real.createWebviewPanel(...args);
      const webview = panel.webview;
      const post = webview.postMessage.bind(webview);
      Object.defineProperty(webview, 'postMessage', {
        configurable: true,
        value: (m: unknown) => {
          state.toWebview.push({ seq: next(), message: m });
          return post(m);
        },
      });
      webview.onDidReceiveMessage((m: unknown) => state.fromWebview.push({ seq: next(), message: m }));
      return panel;
    },
  };
  const forward = (target: object, prop: string | symbol): unknown => {
    const value = Reflect.get(target, prop);
    return typeof value === 'function' && !/^[A-Z]/.test(String(prop)) ? value.bind(target) : value;
  };
  // Proxies over fresh objects: the real API objects may be frozen, which
  // would forbid a proxy over them from answering with a different value.
  const window = new Proxy(
    {},
    {
      get: (_t, prop) => (typeof prop === 'string' && prop in overrides ? overrides[prop] : forward(real, prop)),
      has: (_t, prop) => Reflect.has(real, prop),
    },
  );
  const clipboard = {
    readText: () => Promise.resolve(state.clipboard),
    writeText: (text: string) => {
      state.clipboard = text;
      return Promise.resolve();
    },
  };
  const envOverrides: Record<string, unknown> = {
    clipboard,
    openExternal: (uri: vscode.Uri) => {
      state.opened.push({ seq: next(), uri: uri.toString(true) });
      return Promise.resolve(true);
    },
  };
  const env = new Proxy(
    {},
    {
      get: (_t, prop) =>
        typeof prop === 'string' && prop in envOverrides ? envOverrides[prop] : forward(api.env, prop),
      has: (_t, prop) => Reflect.has(api.env, prop),
    },
  );
  return new Proxy(
    {},
    {
      get: (_t, prop) => (prop === 'window' ? window : prop === 'env' ? env : Reflect.get(api, prop)),
      has: (_t, prop) => Reflect.has(api, prop),
    },
  ) as typeof vscode;
}

// ---- helpers -----------------------------------------------------------------

export function product(): vscode.Extension<unknown> {
  assert.equal(probe.installError, undefined, probe.installError);
  const extension = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is not installed`);
  return extension;
}

/** Activates the product and checks the probe sees what the product hands to VS Code. */
export async function activeProduct(): Promise<vscode.Extension<unknown>> {
  const extension = product();
  await extension.activate();
  assert.ok(
    probe.wrappedApi,
    'the product was activated before this suite loaded its probe (or loads vscode some other way), so its trees and notifications cannot be observed',
  );
  return extension;
}

export function messageAfter(seq: number, pattern: RegExp): RecordedMessage | undefined {
  return probe.messages.find((m) => m.seq > seq && pattern.test(m.text));
}

export function errorsAfter(seq: number): string[] {
  return probe.messages.filter((m) => m.seq > seq && m.severity === 'error').map((m) => m.text);
}

export interface ShownItem {
  id?: string;
  label: string;
  description: string;
  tooltip: string;
  node: unknown;
}

function labelText(label: string | vscode.TreeItemLabel | undefined): string {
  return typeof label === 'string' ? label : (label?.label ?? '');
}

/** The rows a tree shows under `parent` (its roots when omitted), as VS Code renders them. */
export async function rows(viewId: string, parent?: unknown): Promise<ShownItem[]> {
  const provider = probe.trees.get(viewId);
  assert.ok(provider, `the product registered no tree data provider for ${viewId}`);
  const children = (await provider.getChildren(parent)) ?? [];
  return Promise.all(
    children.map(async (node) => {
      const item = await provider.getTreeItem(node);
      const tooltip = typeof item.tooltip === 'string' ? item.tooltip : (item.tooltip?.value ?? '');
      return {
        id: item.id,
        label: labelText(item.label),
        description: typeof item.description === 'string' ? item.description : '',
        tooltip,
        node,
      };
    }),
  );
}

export function find(items: ShownItem[], label: string, where: string): ShownItem {
  const item = items.find((i) => i.label === label);
  assert.ok(
    item,
    `${where} shows no "${label}"; it shows: ${JSON.stringify(items.map((i) => `${i.label} (${i.description})`))}`,
  );
  return item;
}

/** Runs a command that ends by asking something in a notification; answers it and waits for the command. */
export async function runAnswering(
  command: string,
  question: RegExp,
  answer: string | undefined,
  timeoutMs = 60_000,
): Promise<RecordedMessage> {
  const since = probe.seq;
  const done = vscode.commands.executeCommand(command);
  const asked = await waitFor(
    `the notification ${question} after ${command}`,
    () => messageAfter(since, question) ?? (errorsAfter(since)[0] ? { error: errorsAfter(since)[0] } : undefined),
    timeoutMs,
  );
  if ('error' in asked) assert.fail(`${command} failed: ${asked.error}`);
  asked.answer(answer);
  await done;
  return asked;
}

/** Waits for the next prompt after `since` whose text matches, failing early if the product showed an error instead. */
export async function promptAfter(since: number, pattern: RegExp, timeoutMs = 30_000): Promise<RecordedPrompt> {
  const found = await waitFor(
    `a prompt ${pattern}`,
    () =>
      probe.prompts.find(
        (p) => p.seq > since && !p.answered && (pattern.test(p.text) || p.items.some((i) => pattern.test(i))),
      ) ?? (errorsAfter(since)[0] ? { error: errorsAfter(since)[0]! } : undefined),
    timeoutMs,
  );
  if ('error' in found) assert.fail(`the product showed an error instead of the prompt ${pattern}: ${found.error}`);
  return found;
}

/** The product's API (what activate() returns), with the probe in place. */
export async function api(): Promise<OidcFlowApi> {
  const extension = await activeProduct();
  const exported = (await extension.activate()) as OidcFlowApi | undefined;
  assert.ok(exported && typeof exported.treeSnapshot === 'function', 'activate() returned no API');
  return exported;
}

/** Fails instead of hanging when a command does not resolve. */
export async function within<T>(what: string, promise: Thenable<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not resolve within ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    return await Promise.race([Promise.resolve(promise), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Writes a flow file under <workspace>/<dir>/, refreshes the views, and adds it to `written` for the suite's cleanup. */
export async function writeFlowFile(
  dir: string,
  name: string,
  text: string,
  written: vscode.Uri[],
): Promise<vscode.Uri> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the test window has no workspace folder to write a flow file into');
  const uri = vscode.Uri.joinPath(folder.uri, dir, name);
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
  written.push(uri);
  await vscode.commands.executeCommand('oidcFlow.refresh');
  return uri;
}

/** The `environments:` block of a flow file that runs on the sandbox (its SANDBOX_* variables). */
export const SANDBOX_ENVIRONMENTS = `environments:
  sandbox:
    issuer: \${env:SANDBOX_ISSUER}
    caFile: \${env:SANDBOX_CA_FILE}
    clientId: \${env:SANDBOX_CLIENT_ID}
    clientSecret: \${env:SANDBOX_CLIENT_SECRET}
    gateway: \${env:SANDBOX_GATEWAY_URL}`;
