/**
 * The only way the results view builds DOM: elements with text set through
 * textContent, never HTML strings, so a response body holding <script>
 * shows as text and never runs.
 */
import { formatSpan } from '../core/duration';

export type Child = Node | string | undefined | null | false;

export interface ElementOptions {
  className?: string;
  attrs?: Record<string, string>;
  onClick?: (event: MouseEvent) => void;
}

/** Creates an element; string children become text nodes. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  options: ElementOptions | string = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  const opts = typeof options === 'string' ? { className: options } : options;
  if (opts.className) node.className = opts.className;
  for (const [name, value] of Object.entries(opts.attrs ?? {})) node.setAttribute(name, value);
  const onClick = opts.onClick;
  if (onClick) node.addEventListener('click', (event) => onClick(event as MouseEvent));
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

export type HeadingLevel = 1 | 2 | 3 | 4 | 5 | 6;

/**
 * A heading at `level`. Pieces shown in more than one place (answers, tokens) take their level
 * from where they go, so the view has one h1 and never skips a level (screen readers list
 * headings to move around the page).
 */
export function heading(level: HeadingLevel, options: ElementOptions | string, ...children: Child[]): HTMLElement {
  return el(`h${level}` as 'h2', options, ...children);
}

/** The next level down, capped at h6. */
export function below(level: HeadingLevel): HeadingLevel {
  return Math.min(level + 1, 6) as HeadingLevel;
}

/** Text for screen readers only: it adds to an element's accessible name without changing what is seen. */
export function srOnly(text: string): HTMLElement {
  return el('span', 'sr-only', text);
}

/** A real button (focusable, Enter and Space work). */
export function button(
  label: string,
  onClick: () => void,
  options: { className?: string; title?: string; attrs?: Record<string, string> } = {},
): HTMLButtonElement {
  const attrs: Record<string, string> = { type: 'button', ...(options.attrs ?? {}) };
  if (options.title) attrs.title = options.title;
  return el('button', { className: options.className ?? 'btn', attrs, onClick: () => onClick() }, label);
}

/** Milliseconds for people. */
export function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(value >= 10_000 ? 0 : 1)} s` : `${Math.round(value)} ms`;
}

const two = (n: number): string => (n < 10 ? `0${n}` : String(n));

/**
 * "14:03:12", local time of day. Not toLocaleTimeString: its first call in a page loads the
 * locale's data, 40-80 ms of the task that shows a run (bench/results-view.ts, under load).
 */
export function clockTime(epochMs: number): string {
  const d = new Date(epochMs);
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** "59m 12s" until (or since) an epoch-seconds time. */
export function countdown(expiresAt: number, nowMs: number): string {
  const left = Math.floor(expiresAt - nowMs / 1000);
  const text = formatSpan(left);
  return left > 0 ? `expires in ${text}` : `expired ${text} ago`;
}
