import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { resultsHtml } from '../../../src/extension/results/webview-html';
import type { HostMessage, WebviewMessage } from '../../../src/shared/protocol';
import type { DomEnv } from './dom-env';
import { openDom, settle } from './dom-env';

const MAIN = pathToFileURL(resolve(__dirname, '../../../src/webview/main.ts')).href;
let loads = 0;

/** The results webview's script running in a happy-dom page, with a fake VS Code API. */
export interface LoadedWebview extends DomEnv {
  /** Every message the script posted to the host, in order. */
  posted: WebviewMessage[];
  /** Every value the script passed to setState, in order. */
  states: unknown[];
  root: HTMLElement;
  /** Delivers a message from the host, as VS Code does (a `message` event on window). */
  receive(message: HostMessage | unknown): void;
  /** Runs the script's once-a-second timer callbacks. */
  tick(): void;
}

/**
 * Builds the page from the host's own HTML, exposes a fake
 * acquireVsCodeApi, and imports main.ts afresh (it runs at import time).
 */
export async function loadWebview(options: { state?: unknown } = {}): Promise<LoadedWebview> {
  const posted: WebviewMessage[] = [];
  const states: unknown[] = [];
  let state = options.state;
  let acquired = 0;
  const api = {
    postMessage: (message: WebviewMessage) => {
      // A structured clone, as postMessage makes: later DOM changes cannot alter what was sent.
      posted.push(structuredClone(message));
    },
    getState: () => state,
    setState: (value: unknown) => {
      state = value;
      states.push(structuredClone(value));
    },
  };
  const dom = openDom({
    acquireVsCodeApi: () => {
      acquired += 1;
      if (acquired > 1) throw new Error('acquireVsCodeApi may only be called once');
      return api;
    },
  });
  dom.document.write(
    resultsHtml({
      cspSource: 'https://webview.test',
      nonce: 'bm9uY2U=',
      scriptUri: 'https://webview.test/dist/webview.js',
      styleUri: 'https://webview.test/media/results.css',
    }),
  );

  // The script's countdown timer must neither outlive the test nor tick on its own.
  const timers: Array<() => void> = [];
  const g = globalThis as Record<string, unknown>;
  const realSetInterval = g.setInterval;
  g.setInterval = (callback: () => void) => {
    timers.push(callback);
    return timers.length;
  };
  try {
    loads += 1;
    await import(`${MAIN}?load=${loads}`);
  } finally {
    g.setInterval = realSetInterval;
  }
  await settle();
  return {
    ...dom,
    posted,
    states,
    root: dom.document.getElementById('root')!,
    receive(message: HostMessage | unknown): void {
      dom.window.dispatchEvent(new dom.window.MessageEvent('message', { data: message }));
    },
    tick(): void {
      for (const callback of timers) callback();
    },
  };
}
