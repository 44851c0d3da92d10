import assert from 'node:assert/strict';
import fc from 'fast-check';
import { VIEW_BODY_LIMIT } from '../../../src/extension/results/run-recorder';
import type { BodyView, ExchangeView } from '../../../src/shared/view-model';
import type { ExchangeActions } from '../../../src/webview/render-exchange';
import { renderExchangeDetail, renderTimeline, TIMELINE_PAGE } from '../../../src/webview/render-exchange';
import type { DomEnv } from './dom-env';
import { activeElements, assertAbsent, assertSame, openDom, settle } from './dom-env';
import { ACCESS_TOKEN, exchangeViewOf, recordFlowRun, TOKEN_SIGNATURE } from './fixtures';

interface FakeActions extends ExchangeActions {
  calls: { reveal: ExchangeView[]; fullBody: Array<[ExchangeView, 'request' | 'response']>; copyCurl: ExchangeView[] };
}

function fakeActions(
  options: { allowReveal?: boolean; live?: boolean; revealed?: ExchangeView; fullBody?: BodyView } = {},
): FakeActions {
  const calls: FakeActions['calls'] = { reveal: [], fullBody: [], copyCurl: [] };
  return {
    allowReveal: options.allowReveal ?? false,
    live: options.live ?? true,
    calls,
    reveal: async (exchange) => {
      calls.reveal.push(exchange);
      return options.revealed;
    },
    fullBody: async (exchange, part) => {
      calls.fullBody.push([exchange, part]);
      return options.fullBody;
    },
    copyCurl: (exchange) => calls.copyCurl.push(exchange),
  };
}

function buttonsIn(node: ParentNode): HTMLButtonElement[] {
  return [...node.querySelectorAll('button')];
}

function buttonLabelled(node: ParentNode, label: string): HTMLButtonElement | undefined {
  return buttonsIn(node).find((b) => b.textContent === label);
}

/** Header name -> value of the first headers table under `column`. */
function headerRows(column: Element): Array<[string, string]> {
  return [...column.querySelectorAll('table.headers tr')].map((tr) => [
    tr.querySelector('th')!.textContent!,
    tr.querySelector('td')!.textContent!,
  ]);
}

describe('webview: exchange timeline and detail', () => {
  let dom: DomEnv;
  beforeEach(() => {
    dom = openDom();
  });
  afterEach(() => dom.close());

  describe('timeline', () => {
    it('renders one row per exchange across the client, IdP, gateway and upstream lanes', () => {
      const run = recordFlowRun().view();
      const timeline = renderTimeline(run.exchanges, run.durationMs, () => undefined);
      const head = timeline.querySelector('.tl-head')!;
      assert.deepEqual(
        [...head.querySelectorAll('.tl-lane-title')].map((n) => n.textContent),
        ['Client', 'IdP', 'Gateway', 'Upstream'],
      );
      const rows = [...timeline.querySelectorAll('.tl-row:not(.tl-head)')];
      assert.equal(rows.length, run.exchanges.length);
      assert.equal(rows.length, 4);
      // Each row marks its caller lane "from" and its callee lane "to".
      const lanes = ['client', 'idp', 'gateway', 'upstream'];
      const seen = rows.map((row) => {
        const cells = [...row.querySelectorAll('.tl-cell')];
        assert.equal(cells.length, 4);
        const from = cells.findIndex((c) => c.classList.contains('from'));
        const to = cells.findIndex((c) => c.classList.contains('to'));
        return `${lanes[from]}->${lanes[to]}`;
      });
      assert.deepEqual(
        seen,
        run.exchanges.map((x) => `${x.from}->${x.to}`),
      );
      assert.deepEqual(new Set(seen), new Set(['client->idp', 'gateway->idp', 'gateway->upstream', 'client->gateway']));
      assert.deepEqual(
        [...timeline.querySelectorAll('.label-text')].map((n) => n.textContent),
        run.exchanges.map((x) => x.label),
      );
    });

    it('shades the lanes a call passes through and points the arrow the right way', () => {
      const timeline = renderTimeline(
        [
          exchangeViewOf({ from: 'client', to: 'upstream' }),
          exchangeViewOf({ id: 'x-2', from: 'upstream', to: 'idp' }),
        ],
        400,
        () => undefined,
      );
      const [right, left] = [...timeline.querySelectorAll('.tl-row:not(.tl-head)')].map((row) =>
        [...row.querySelectorAll('.tl-cell')].map((c) => c.className),
      );
      assert.deepEqual(right, ['tl-cell from', 'tl-cell through', 'tl-cell through', 'tl-cell to right']);
      assert.deepEqual(left, ['tl-cell', 'tl-cell to left', 'tl-cell through', 'tl-cell from']);
    });

    it('renders the first rows of a long run at once and the rest on "Show more", in order', () => {
      const many = Array.from({ length: TIMELINE_PAGE + 60 }, (_, i) =>
        exchangeViewOf({ id: `x-${i}`, label: `call ${i}`, offsetMs: i }),
      );
      const timeline = renderTimeline(many, 1000, () => undefined);
      const labels = () =>
        [...timeline.querySelectorAll('.tl-row:not(.tl-head) .label-text')].map((n) => n.textContent);
      assert.equal(labels().length, TIMELINE_PAGE);
      const more = timeline.querySelector<HTMLButtonElement>('button.tl-more')!;
      assert.equal(more.textContent, 'Show 60 more of 60 exchanges');
      more.click();
      assert.deepEqual(
        labels(),
        many.map((x) => x.label),
      );
      assertAbsent(timeline.querySelector('button.tl-more'), 'the "Show more" button once every row is shown');
      // A row the view must keep open is rendered even past the first page.
      const kept = renderTimeline(many, 1000, () => undefined, { shown: TIMELINE_PAGE + 5 });
      assert.equal(kept.querySelectorAll('.tl-row:not(.tl-head)').length, TIMELINE_PAGE + 5);
      // Short runs are unchanged: every row, no button.
      const short = renderTimeline(many.slice(0, 3), 1000, () => undefined);
      assert.equal(short.querySelectorAll('.tl-row:not(.tl-head)').length, 3);
      assertAbsent(short.querySelector('button.tl-more'), 'a "Show more" button on a short run');
    });

    it("draws each timing bar at its offset and width on the run's time scale", () => {
      const timeline = renderTimeline(
        [
          exchangeViewOf({ offsetMs: 100, durationMs: 50, to: 'idp' }),
          exchangeViewOf({ id: 'x-2', offsetMs: 300, durationMs: 100, to: 'gateway' }),
        ],
        400,
        () => undefined,
      );
      const bars = [...timeline.querySelectorAll<HTMLElement>('.tl-bar')];
      assert.equal(bars.length, 2);
      assert.equal(bars[0]!.style.left, '25%');
      assert.equal(bars[0]!.style.width, '12.5%');
      assert.equal(bars[1]!.style.left, '75%');
      assert.equal(bars[1]!.style.width, '25%');
      assert.ok(bars[0]!.classList.contains('lane-idp'));
      assert.ok(bars[1]!.classList.contains('lane-gateway'));
      assert.equal(bars[0]!.title, '50 ms at +100 ms');
      assert.match(timeline.querySelector('.tl-head .tl-bar-cell')!.textContent!, /0 – 400 ms/);
    });

    it("stretches the scale when an exchange ends after the run's duration, and keeps tiny bars visible", () => {
      const timeline = renderTimeline(
        [exchangeViewOf({ offsetMs: 0, durationMs: 0 }), exchangeViewOf({ id: 'x-2', offsetMs: 600, durationMs: 200 })],
        400,
        () => undefined,
      );
      const bars = [...timeline.querySelectorAll<HTMLElement>('.tl-bar')];
      assert.equal(bars[0]!.style.width, '0.5%');
      assert.equal(bars[1]!.style.left, '75%');
      assert.equal(bars[1]!.style.width, '25%');
    });

    /** An exchange the server never answered. */
    const noAnswer = () =>
      exchangeViewOf({
        id: 'e',
        status: undefined,
        response: undefined,
        error: { code: 'http.timeout.headers', message: 'no headers' },
      });

    it('shows the status and colours it, ERR when there was no answer', () => {
      const timeline = renderTimeline(
        [
          exchangeViewOf({ status: 200 }),
          exchangeViewOf({ id: 'b', status: 401 }),
          exchangeViewOf({ id: 'c', status: 302 }),
          exchangeViewOf({ id: 'd', status: 503 }),
          noAnswer(),
        ],
        400,
        () => undefined,
      );
      const statuses = [...timeline.querySelectorAll('.status')].map((n) => `${n.textContent} ${n.className}`);
      assert.deepEqual(statuses, [
        '200 status status-ok',
        '401 status status-bad',
        '302 status status-redirect',
        '503 status status-error',
        'ERR status status-error',
      ]);
    });

    it('names each row by its visible text first, then what only the lanes and bar show (label in name)', () => {
      const timeline = renderTimeline([exchangeViewOf({ status: 200 }), noAnswer()], 400, () => undefined);
      const openers = [...timeline.querySelectorAll<HTMLButtonElement>('button.tl-open')];
      // No aria-label: it would replace the visible text as the name (axe: label-content-name-mismatch).
      assert.deepEqual(
        openers.map((b) => b.getAttribute('aria-label')),
        [null, null],
      );
      const visible = (b: HTMLElement) =>
        [...b.childNodes]
          .filter((n) => !(n as Element).classList?.contains('sr-only'))
          .map((n) => n.textContent)
          .join('');
      assert.deepEqual(openers.map(visible), ['200 GET route orders', 'ERR GET route orders']);
      assert.deepEqual(
        openers.map((b) => b.textContent),
        [
          '200 GET route orders, Client to Gateway, 50 ms',
          'ERR GET route orders, Client to Gateway, http.timeout.headers, 50 ms',
        ],
      );
    });

    it('makes every exchange a focusable button that opens it', () => {
      const run = recordFlowRun().view();
      const opened: Array<[string, Element]> = [];
      const timeline = renderTimeline(run.exchanges, run.durationMs, (x, row) => opened.push([x.id, row]));
      dom.mount(timeline);
      const openers = [...timeline.querySelectorAll<HTMLButtonElement>('button.tl-open')];
      assert.equal(openers.length, run.exchanges.length);
      for (const opener of openers) {
        assert.equal(opener.type, 'button');
        assert.equal(opener.disabled, false);
        assert.ok(opener.tabIndex >= 0);
      }
      openers[2]!.focus();
      assertSame(dom.document.activeElement, openers[2], 'focus');
      openers[2]!.click();
      assert.equal(opened.length, 1);
      assert.equal(opened[0]![0], run.exchanges[2]!.id);
      assertSame(opened[0]![1], openers[2]!.closest('.tl-row'), 'row handed to onOpen');
    });

    it('says so when there are no exchanges', () => {
      const timeline = renderTimeline([], 0, () => undefined);
      assert.equal(timeline.querySelectorAll('.tl-row:not(.tl-head)').length, 0);
      assert.match(timeline.textContent!, /No HTTP exchanges yet/);
    });
  });

  describe('detail', () => {
    it('shows request and response headers, the status and the pretty-printed JSON body', () => {
      const exchange = recordFlowRun()
        .view()
        .exchanges.find((x) => x.id === 'tok-1')!;
      const detail = renderExchangeDetail(exchange, fakeActions());
      const [request, response] = [...detail.querySelectorAll('.column')];
      assert.equal(request!.querySelector('h4')!.textContent, 'Request');
      assert.deepEqual(
        headerRows(request!).map(([name]) => name),
        ['content-type', 'authorization', 'accept'],
      );
      assert.equal(response!.querySelector('h4')!.textContent, 'Response 200 OK');
      assert.deepEqual(headerRows(response!)[0], ['content-type', 'application/json']);
      const body = response!.querySelector('pre.code')!.textContent!;
      assert.equal(body, exchange.response!.body.text);
      // Pretty-printed: one member per line, two-space indent.
      assert.match(body, /^\{\n {2}"access_token": "\[redacted \d+ chars\]",\n {2}"token_type": "Bearer",\n/);
      assert.equal(request!.querySelector('pre.code')!.textContent, exchange.request.body!.text);
      assert.equal(detail.querySelector('.url')!.textContent, exchange.url);
      assert.match(
        detail.textContent!,
        /Took 50 ms \(dns 2 ms, connect 2 ms, tls 3 ms, send 1 ms, wait 40 ms, download 1 ms\); started \+10 ms\./,
      );
    });

    it('keeps redacted values redacted and never shows the token', () => {
      const exchange = recordFlowRun()
        .view()
        .exchanges.find((x) => x.id === 'gw-1')!;
      const detail = dom.mount(renderExchangeDetail(exchange, fakeActions({ allowReveal: true })));
      const auth = headerRows(detail.querySelector('.column')!).find(([name]) => name === 'authorization')!;
      assert.match(auth[1], /^Bearer \[redacted \d+ chars\]$/);
      assert.ok(!detail.innerHTML.includes(TOKEN_SIGNATURE));
      assert.ok(!detail.innerHTML.includes(ACCESS_TOKEN.slice(0, 40)));
      assert.equal(detail.querySelector('.badge')!.textContent, 'Redacted');
      assert.ok(!detail.querySelector('.detail')!.classList.contains('revealed'));
    });

    it('offers Reveal only in a live run, when the settings allow it, and while still redacted', () => {
      const exchange = exchangeViewOf();
      for (const live of [true, false]) {
        for (const allowReveal of [true, false]) {
          for (const revealed of [true, false]) {
            const detail = renderExchangeDetail({ ...exchange, revealed }, fakeActions({ live, allowReveal }));
            const offered = buttonLabelled(detail, 'Reveal secrets…') !== undefined;
            assert.equal(offered, live && allowReveal && !revealed, JSON.stringify({ live, allowReveal, revealed }));
          }
        }
      }
    });

    it('asks for the revealed exchange and swaps it in, marked as revealed', async () => {
      const recorder = recordFlowRun();
      const redacted = recorder.exchangeView('gw-1')!;
      const revealed = recorder.exchangeView('gw-1', { reveal: true })!;
      const actions = fakeActions({ allowReveal: true, revealed });
      const host = dom.mount(renderExchangeDetail(redacted, actions));
      buttonLabelled(host, 'Reveal secrets…')!.click();
      await settle();
      assert.deepEqual(
        actions.calls.reveal.map((x) => x.id),
        ['gw-1'],
      );
      const detail = host.querySelector('.detail')!;
      assert.ok(detail.classList.contains('revealed'));
      assert.equal(host.querySelectorAll('.detail').length, 1);
      assert.equal(detail.querySelector('.badge')!.textContent, 'Secrets revealed');
      assert.ok(detail.textContent!.includes(ACCESS_TOKEN));
      assertAbsent(buttonLabelled(host, 'Reveal secrets…'), 'Reveal button');
    });

    it('keeps keyboard focus in the exchange when the revealed one replaces it', async () => {
      const recorder = recordFlowRun();
      const host = dom.mount(
        renderExchangeDetail(
          recorder.exchangeView('gw-1')!,
          fakeActions({ allowReveal: true, revealed: recorder.exchangeView('gw-1', { reveal: true })! }),
        ),
      );
      const reveal = buttonLabelled(host, 'Reveal secrets…')!;
      reveal.focus();
      reveal.click();
      await settle();
      assertSame(dom.document.activeElement, host.querySelector('.detail.revealed'), 'focus after reveal');
    });

    it('leaves focus alone when it moved elsewhere while the reveal was pending', async () => {
      const recorder = recordFlowRun();
      const elsewhere = dom.mount(dom.document.createElement('button'));
      const host = dom.mount(
        renderExchangeDetail(
          recorder.exchangeView('gw-1')!,
          fakeActions({ allowReveal: true, revealed: recorder.exchangeView('gw-1', { reveal: true })! }),
        ),
      );
      buttonLabelled(host, 'Reveal secrets…')!.click();
      (elsewhere.firstChild as HTMLButtonElement).focus();
      await settle();
      assert.ok(host.querySelector('.detail.revealed'));
      assertSame(dom.document.activeElement, elsewhere.firstChild, 'focus');
    });

    it('stays redacted when the reveal is refused', async () => {
      const actions = fakeActions({ allowReveal: true, revealed: undefined });
      const host = dom.mount(renderExchangeDetail(exchangeViewOf(), actions));
      buttonLabelled(host, 'Reveal secrets…')!.click();
      await settle();
      assert.equal(actions.calls.reveal.length, 1);
      assert.equal(host.querySelector('.badge')!.textContent, 'Redacted');
      assert.ok(buttonLabelled(host, 'Reveal secrets…'));
    });

    it('offers "Copy as curl" in a live run only', () => {
      const actions = fakeActions();
      const live = renderExchangeDetail(exchangeViewOf(), actions);
      buttonLabelled(live, 'Copy as curl')!.click();
      assert.deepEqual(
        actions.calls.copyCurl.map((x) => x.id),
        ['x-1'],
      );
      assertAbsent(
        buttonLabelled(renderExchangeDetail(exchangeViewOf(), fakeActions({ live: false })), 'Copy as curl'),
        'curl button',
      );
    });

    it('shows an exchange without a response, with its error and warnings', () => {
      const detail = renderExchangeDetail(
        exchangeViewOf({
          status: undefined,
          response: undefined,
          error: { code: 'tls.unknown_ca', message: 'certificate not trusted' },
          warnings: ['TLS verification was skipped'],
        }),
        fakeActions(),
      );
      const columns = [...detail.querySelectorAll('.column')];
      assert.equal(columns[1]!.querySelector('h4')!.textContent, 'No response');
      assert.equal(columns[1]!.querySelectorAll('table, pre').length, 0);
      assert.equal(detail.querySelector('.error')!.textContent, 'tls.unknown_ca: certificate not trusted');
      assert.equal(detail.querySelector('.warning')!.textContent, '⚠ TLS verification was skipped');
      assert.equal(columns[0]!.querySelector('.body')!.textContent, '(no body)');
    });

    it('renders markup in a body as text, never as elements', () => {
      const payload =
        '<script>alert(1)</script><img src=x onerror="document.body.dataset.pwned=1"><iframe src="javascript:alert(2)"></iframe>';
      const exchange = recordFlowRun({ callBody: payload })
        .view()
        .exchanges.find((x) => x.id === 'gw-1')!;
      const host = dom.mount(renderExchangeDetail(exchange, fakeActions()));
      assert.deepEqual(activeElements(host), []);
      assert.deepEqual(activeElements(dom.document), []);
      const response = host.querySelectorAll('.column')[1]!;
      assert.equal(response.querySelector('pre.code')!.textContent, payload);
      assert.equal(dom.document.body.dataset.pwned, undefined);
    });

    it('renders any text in any field as text (property)', () => {
      const hostile = fc.oneof(
        fc.string(),
        fc.constantFrom(
          '<script>alert(1)</script>',
          '<img src=x onerror=alert(1)>',
          '"><svg onload=alert(1)>',
          '</pre><a href="javascript:x">y</a>',
          '&lt;b&gt;',
        ),
      );
      const baseline = renderExchangeDetail(exchangeViewOf(), fakeActions());
      const shape = (node: Element) => [...node.querySelectorAll('*')].map((n) => n.tagName).join(',');
      fc.assert(
        fc.property(hostile, hostile, hostile, hostile, (label, url, header, body) => {
          const exchange = exchangeViewOf({
            label,
            url,
            request: { headers: [{ name: header, value: header }] },
            response: {
              headers: [{ name: 'x', value: header }],
              body: { text: body, size: body.length, truncated: false },
            },
          });
          const detail = renderExchangeDetail(exchange, fakeActions());
          assert.equal(shape(detail), shape(baseline));
          assert.deepEqual(activeElements(detail), []);
          assert.equal(detail.querySelector('.url')!.textContent, url);
          assert.equal(detail.querySelectorAll('pre.code')[0]!.textContent, body);
          assert.deepEqual(headerRows(detail.querySelector('.column')!), [[header, header]]);
          const timeline = renderTimeline([exchange], 100, () => undefined);
          assert.equal(timeline.querySelector('.label-text')!.textContent, label);
          assert.deepEqual(activeElements(timeline), []);
        }),
        { numRuns: 60 },
      );
    });

    it('cuts a 5 MB body and fetches the whole of it with "Show all"', async () => {
      const huge = 'x'.repeat(5 * 1024 * 1024);
      const recorder = recordFlowRun({ callBody: huge });
      const exchange = recorder.view().exchanges.find((x) => x.id === 'gw-1')!;
      const full = recorder.exchangeView('gw-1', { full: true })!.response!.body;
      const actions = fakeActions({ fullBody: full });
      const host = dom.mount(renderExchangeDetail(exchange, actions));
      const response = host.querySelectorAll('.column')[1]!;
      const pre = response.querySelector('pre.code')!;
      assert.equal(pre.textContent!.length, VIEW_BODY_LIMIT);
      const note = response.querySelector('.truncated')!;
      assert.match(note.textContent!, /^Showing the first \S+ of \S+ characters\. Show all$/);
      assert.equal(note.textContent!.replace(/\D/g, ''), `${VIEW_BODY_LIMIT}${huge.length}`);
      const showAll = buttonLabelled(note, 'Show all')!;
      showAll.focus();
      showAll.click();
      await settle();
      assertSame(dom.document.activeElement, pre, 'focus moves to the unfolded body');
      assert.deepEqual(
        actions.calls.fullBody.map(([x, part]) => [x.id, part]),
        [['gw-1', 'response']],
      );
      assert.equal(pre.textContent!.length, huge.length);
      assertAbsent(response.querySelector('.truncated'), '"Show all" note');
    });

    it('keeps the cut body when the host cannot send the whole one', async () => {
      const actions = fakeActions({ fullBody: undefined });
      const exchange = exchangeViewOf({ response: { headers: [], body: { text: 'abc', size: 10, truncated: true } } });
      const host = dom.mount(renderExchangeDetail(exchange, actions));
      buttonLabelled(host, 'Show all')!.click();
      await settle();
      assert.equal(actions.calls.fullBody.length, 1);
      assert.equal(host.querySelectorAll('pre.code')[0]!.textContent, 'abc');
      assert.ok(host.querySelector('.truncated'));
    });

    it('says the rest is gone for a run reopened from history', () => {
      const exchange = exchangeViewOf({ response: { headers: [], body: { text: 'abc', size: 10, truncated: true } } });
      const detail = renderExchangeDetail(exchange, fakeActions({ live: false }));
      assertAbsent(buttonLabelled(detail, 'Show all'), '"Show all" button');
      assert.match(detail.querySelector('.truncated')!.textContent!, /The rest was not kept after the reload\./);
    });
  });
});
