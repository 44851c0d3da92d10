import type { BodyView, ExchangeView, HeaderView, LaneName } from '../shared/view-model';
import { LANES } from '../shared/view-model';
import { button, el, ms, srOnly } from './dom';

export interface ExchangeActions {
  allowReveal: boolean;
  live: boolean;
  reveal(exchange: ExchangeView): Promise<ExchangeView | undefined>;
  fullBody(exchange: ExchangeView, part: 'request' | 'response'): Promise<BodyView | undefined>;
  copyCurl(exchange: ExchangeView): void;
}

const LANE_TITLES: Record<LaneName, string> = {
  client: 'Client',
  idp: 'IdP',
  gateway: 'Gateway',
  upstream: 'Upstream',
};

function statusClass(status: number | undefined): string {
  if (status === undefined) return 'status-error';
  return status >= 500
    ? 'status-error'
    : status >= 400
      ? 'status-bad'
      : status >= 300
        ? 'status-redirect'
        : 'status-ok';
}

/** The timeline: one row per exchange, lanes for who talks to whom, and a timing bar. */
/**
 * Rows the timeline renders at once; more come with "Show more". A run of 1,000 exchanges built
 * ~15,000 elements in one task (about 600 ms in Chromium, bench/results-view.ts): far over the 100 ms
 * a view may block, for rows nobody reads before scrolling.
 */
export const TIMELINE_PAGE = 100;

/**
 * Rows built in the task that shows the page when the rest can come later (about a screen with the
 * run's header), and rows per later task. Building and laying out all 100 at once took 85-131 ms
 * under load; 30 at once still left frames of 100-190 ms in some loads, 10 none over 67 ms.
 */
export const TIMELINE_FIRST_ROWS = 10;

/** Work a renderer may leave for later tasks, in order; `flush` does what is left at once. */
export interface Deferrer {
  later(task: () => void): void;
  flush(): void;
}

export function renderTimeline(
  exchanges: readonly ExchangeView[],
  totalMs: number,
  onOpen: (exchange: ExchangeView, row: HTMLElement) => void,
  options: { shown?: number; defer?: Deferrer } = {},
): HTMLElement {
  const wrap = el('div', { className: 'timeline', attrs: { role: 'list', 'aria-label': 'HTTP exchanges in order' } });
  const head = el('div', { className: 'tl-row tl-head', attrs: { 'aria-hidden': 'true' } });
  for (const lane of LANES) head.append(el('div', 'tl-lane-title', LANE_TITLES[lane]));
  head.append(el('div', 'tl-label', 'Exchange'), el('div', 'tl-bar-cell', `0 – ${ms(totalMs)}`));
  wrap.append(head);
  let span = Math.max(totalMs, 1);
  for (const x of exchanges) span = Math.max(span, x.offsetMs + x.durationMs);
  const row = (x: ExchangeView): HTMLElement => {
    const from = LANES.indexOf(x.from);
    const to = LANES.indexOf(x.to);
    const [lo, hi] = from < to ? [from, to] : [to, from];
    const line = el('div', { className: 'tl-row', attrs: { role: 'listitem' } });
    LANES.forEach((_lane, i) => {
      const cls =
        i === from
          ? 'tl-cell from'
          : i === to
            ? `tl-cell to ${from < to ? 'right' : 'left'}`
            : i > lo && i < hi
              ? 'tl-cell through'
              : 'tl-cell';
      line.append(el('div', { className: cls, attrs: { 'aria-hidden': 'true' } }));
    });
    // No aria-label: the name is the visible text, then what the lanes and the bar show
    // (screen-reader-only), so speech input can say what is seen (WCAG 2.5.3, label in name).
    const label = button('', () => onOpen(x, line), { className: 'tl-open' });
    label.append(
      el('span', `status ${statusClass(x.status)}`, x.status !== undefined ? String(x.status) : 'ERR'),
      ' ',
      el('span', 'method', x.method),
      ' ',
      el('span', 'label-text', x.label),
      srOnly(
        `, ${LANE_TITLES[x.from]} to ${LANE_TITLES[x.to]}${x.status === undefined ? `, ${x.error?.code ?? 'no answer'}` : ''}, ${ms(x.durationMs)}`,
      ),
    );
    line.append(el('div', 'tl-label', label));
    const barCell = el('div', { className: 'tl-bar-cell', attrs: { 'aria-hidden': 'true' } });
    const bar = el('div', `tl-bar lane-${x.to}`);
    // CSSOM writes are allowed under the CSP (no inline style attributes are parsed).
    bar.style.left = `${(x.offsetMs / span) * 100}%`;
    bar.style.width = `${Math.max((x.durationMs / span) * 100, 0.5)}%`;
    bar.title = `${ms(x.durationMs)} at +${ms(x.offsetMs)}`;
    barCell.append(bar);
    line.append(barCell);
    return line;
  };
  const defer = options.defer;
  // Rows on the page or queued for it; "Show more" goes on from there.
  let shown = 0;
  const more = button(
    '',
    () => {
      // Rows still queued go first, so that the page keeps the exchanges' order.
      defer?.flush();
      showUpTo(shown + TIMELINE_PAGE, Number.POSITIVE_INFINITY);
    },
    { className: 'btn secondary tl-more' },
  );
  const place = (from: number, to: number): void => {
    const rows = exchanges.slice(from, to).map(row);
    // Once every row is shown the button is gone; queued rows then go at the end.
    if (more.parentNode === wrap) more.before(...rows);
    else wrap.append(...rows);
  };
  const showUpTo = (count: number, now: number): void => {
    const end = Math.min(count, exchanges.length);
    const built = Math.min(end, Math.max(shown, now));
    if (built > shown) place(shown, built);
    for (let from = built; from < end; from += TIMELINE_FIRST_ROWS) {
      const to = Math.min(end, from + TIMELINE_FIRST_ROWS);
      defer!.later(() => place(from, to));
    }
    shown = end;
    const left = exchanges.length - shown;
    if (left <= 0) more.remove();
    else more.textContent = `Show ${Math.min(left, TIMELINE_PAGE)} more of ${left} exchanges`;
  };
  wrap.append(more);
  // The row of an exchange kept open is built at once, with all before it: the caller marks it.
  const wanted = options.shown ?? 0;
  showUpTo(Math.max(wanted, TIMELINE_PAGE), defer ? Math.max(wanted, TIMELINE_FIRST_ROWS) : Number.POSITIVE_INFINITY);
  if (exchanges.length === 0) wrap.append(el('p', 'muted', 'No HTTP exchanges yet.'));
  return wrap;
}

function headersTable(headers: readonly HeaderView[]): HTMLElement {
  if (headers.length === 0) return el('p', 'muted', '(no headers)');
  const table = el('table', 'headers');
  const body = el('tbody');
  for (const h of headers)
    body.append(
      el('tr', {}, el('th', { className: 'mono', attrs: { scope: 'row' } }, h.name), el('td', 'mono', h.value)),
    );
  table.append(body);
  return table;
}

function bodyBlock(
  exchange: ExchangeView,
  body: BodyView | undefined,
  part: 'request' | 'response',
  actions: ExchangeActions,
): HTMLElement {
  const box = el('div', 'body');
  if (!body) {
    box.append(el('p', 'muted', '(no body)'));
    return box;
  }
  const pre = el('pre', { className: 'code', attrs: { tabindex: '0', 'aria-label': `${part} body` } }, body.text);
  box.append(pre);
  if (body.truncated) {
    const note = el(
      'p',
      'truncated',
      `Showing the first ${body.text.length.toLocaleString()} of ${body.size.toLocaleString()} characters. `,
    );
    if (actions.live) {
      note.append(
        button('Show all', () => {
          void actions.fullBody(exchange, part).then((full) => {
            if (!full) return;
            // The button goes away with the note: keep keyboard focus on the body it unfolded.
            const hadFocus = note.contains(document.activeElement);
            pre.textContent = full.text;
            note.remove();
            if (hadFocus) pre.focus();
          });
        }),
      );
    } else note.append('The rest was not kept after the reload.');
    box.append(note);
  }
  return box;
}

/** An exchange opened: request and response, redacted unless revealed, with Reveal and curl. */
export function renderExchangeDetail(exchange: ExchangeView, actions: ExchangeActions): HTMLElement {
  const box = el('section', {
    className: `detail${exchange.revealed ? ' revealed' : ''}`,
    attrs: { 'aria-label': `Exchange ${exchange.label}`, tabindex: '-1' },
  });
  const bar = el('div', 'detail-actions');
  bar.append(el('h3', {}, `${exchange.method} ${exchange.label}`));
  if (exchange.revealed) bar.append(el('span', 'badge bad', 'Secrets revealed'));
  else bar.append(el('span', 'badge ok', 'Redacted'));
  if (actions.live)
    bar.append(
      button('Copy as curl', () => actions.copyCurl(exchange), {
        title: 'Copy the request as a curl command (redacted unless you choose otherwise)',
      }),
    );
  if (actions.live && actions.allowReveal && !exchange.revealed) {
    bar.append(
      button(
        'Reveal secrets…',
        () => {
          void actions.reveal(exchange).then((revealed) => {
            if (!revealed) return;
            // The Reveal button goes away with the old detail: keep keyboard focus in the exchange.
            const hadFocus = box.contains(document.activeElement);
            const next = renderExchangeDetail(revealed, actions);
            box.replaceWith(next);
            if (hadFocus) next.focus();
          });
        },
        { className: 'btn secondary', title: 'Asks VS Code for confirmation first' },
      ),
    );
  }
  box.append(bar);
  box.append(el('p', 'mono url', exchange.url));
  const t = exchange.timings;
  const phases = [
    ['dns', t.dns],
    ['connect', t.connect],
    ['tls', t.tls],
    ['send', t.send],
    ['wait', t.ttfb],
    ['download', t.download],
  ].filter(([, v]) => typeof v === 'number') as Array<[string, number]>;
  box.append(
    el(
      'p',
      'muted',
      `Took ${ms(exchange.durationMs)}${phases.length > 0 ? ` (${phases.map(([k, v]) => `${k} ${ms(v)}`).join(', ')})` : ''}; started +${ms(exchange.offsetMs)}.`,
    ),
  );
  for (const warning of exchange.warnings) box.append(el('p', 'warning', `⚠ ${warning}`));
  if (exchange.error) box.append(el('p', 'error', `${exchange.error.code}: ${exchange.error.message}`));
  const columns = el('div', 'columns');
  columns.append(
    el(
      'div',
      'column',
      el('h4', 'label', 'Request'),
      headersTable(exchange.request.headers),
      bodyBlock(exchange, exchange.request.body, 'request', actions),
    ),
  );
  const response = exchange.response;
  columns.append(
    el(
      'div',
      'column',
      el(
        'h4',
        'label',
        response ? `Response ${exchange.status ?? ''} ${exchange.statusText ?? ''}`.trim() : 'No response',
      ),
      response ? headersTable(response.headers) : undefined,
      response ? bodyBlock(exchange, response.body, 'response', actions) : undefined,
    ),
  );
  box.append(columns);
  return box;
}
