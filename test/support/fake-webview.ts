/** A vscode.WebviewPanel stand-in that records what the host posts and lets a test speak as the webview. */
import type * as vscode from 'vscode';
import { Emitter } from '../../src/core/emitter';
import type { HostMessage } from '../../src/shared/protocol';

export interface FakePanel {
  panel: vscode.WebviewPanel;
  posted: HostMessage[];
  /** The webview sends a message to the host. */
  send(message: unknown): Promise<void>;
}

export function fakePanel(): FakePanel {
  const fromWebview = new Emitter<unknown>();
  const disposed = new Emitter<void>();
  const posted: HostMessage[] = [];
  let pending: Promise<void> = Promise.resolve();
  const webview = {
    html: '',
    options: {},
    cspSource: 'https://webview.test',
    asWebviewUri: (uri: { path: string }) => ({ toString: () => `https://webview.test${uri.path}` }),
    postMessage: (message: HostMessage) => {
      posted.push(message);
      return Promise.resolve(true);
    },
    onDidReceiveMessage: fromWebview.event,
  };
  const panel = {
    webview,
    iconPath: undefined,
    reveal: () => undefined,
    onDidDispose: disposed.event,
    dispose: () => disposed.fire(),
  } as unknown as vscode.WebviewPanel;
  return {
    panel,
    posted,
    send: async (message) => {
      fromWebview.fire(message);
      // The host answers asynchronously (a modal may be open); let it finish.
      await (pending = pending.then(() => new Promise((resolve) => setTimeout(resolve, 5))));
    },
  };
}
