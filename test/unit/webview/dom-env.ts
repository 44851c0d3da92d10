import assert from 'node:assert/strict';
import { Window } from 'happy-dom';

/** A happy-dom window whose `window` and `document` are the globals the webview code reads. */
export interface DomEnv {
  window: Window;
  /** The window's document, typed as the DOM the webview code sees. */
  document: Document;
  /** A fresh container attached to the body, for renderers that return a detached node. */
  mount(node: Node): HTMLElement;
  /** Puts the globals back and closes the window. */
  close(): Promise<void>;
}

const GLOBAL_NAMES = ['window', 'document'] as const;

/** Opens a window and exposes it on globalThis until `close()` (src/webview reads the globals). */
export function openDom(extraGlobals: Record<string, unknown> = {}): DomEnv {
  // No script or stylesheet is ever fetched: the tests drive the code themselves.
  const window = new Window({
    url: 'https://localhost',
    settings: { disableJavaScriptFileLoading: true, handleDisabledFileLoadingAsSuccess: true },
  });
  const document = window.document as unknown as Document;
  const g = globalThis as Record<string, unknown>;
  const names = [...GLOBAL_NAMES, ...Object.keys(extraGlobals)];
  const saved = new Map(names.map((name) => [name, Object.getOwnPropertyDescriptor(g, name)]));
  const values: Record<string, unknown> = { window, document, ...extraGlobals };
  for (const name of names)
    Object.defineProperty(g, name, { value: values[name], configurable: true, writable: true, enumerable: false });
  return {
    window,
    document,
    mount(node: Node): HTMLElement {
      const host = document.createElement('div');
      host.append(node);
      document.body.append(host);
      return host;
    },
    async close(): Promise<void> {
      for (const [name, descriptor] of saved) {
        if (descriptor) Object.defineProperty(g, name, descriptor);
        else delete g[name];
      }
      await window.happyDOM.close();
    },
  };
}

/** Lets pending promise callbacks (host answers, button handlers) run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Tag names of the elements under `root` that could run code or load
 * something; names, not nodes, so a failing assertion prints a short diff.
 */
export function activeElements(root: ParentNode): string[] {
  return [
    ...root.querySelectorAll(
      'script, img, iframe, object, embed, svg, link, style, a[href], [onerror], [onload], [onclick]',
    ),
  ].map((node) => node.tagName.toLowerCase());
}

/** A short name for a node in assertion messages (printing a happy-dom node walks the whole DOM). */
export function nameOf(node: unknown): string {
  if (node === null || node === undefined) return String(node);
  const element = node as Partial<Element>;
  if (typeof element.tagName !== 'string') return typeof node;
  return `<${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ''}${element.className ? `.${String(element.className).replace(/ /g, '.')}` : ''}>`;
}

/** Asserts two references are the same node, without printing the nodes. */
export function assertSame(actual: unknown, expected: unknown, message = 'not the same node'): void {
  assert.ok(actual === expected, `${message}: got ${nameOf(actual)}, expected ${nameOf(expected)}`);
}

/** Asserts nothing was found, naming what was found otherwise. */
export function assertAbsent(found: unknown, what: string): void {
  assert.ok(found === null || found === undefined, `${what} should be absent, found ${nameOf(found)}`);
}
