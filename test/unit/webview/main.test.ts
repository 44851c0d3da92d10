import assert from 'node:assert/strict';
import { isPersistedState, PROTOCOL_VERSION } from '../../../src/shared/protocol';
import type { WebviewMessage } from '../../../src/shared/protocol';
import type { RunView, StepView } from '../../../src/shared/view-model';
import { activeElements, assertAbsent, assertSame, settle } from './dom-env';
import {
  ACCESS_TOKEN,
  BODY_MARKER,
  exchangeViewOf,
  recordFlowRun,
  RUN_ID,
  runViewOf,
  TOKEN_SIGNATURE,
  tokenViewOf,
} from './fixtures';
import type { LoadedWebview } from './load-webview';
import { loadWebview } from './load-webview';
import { TIMELINE_FIRST_ROWS } from '../../../src/webview/render-exchange';

function showRun(view: LoadedWebview, run: RunView, focus?: { stepPath?: string; exchangeId?: string }): void {
  view.receive({ type: 'show', content: { kind: 'run', run }, ...(focus ? { focus } : {}) });
}

function button(view: LoadedWebview, label: string, within: ParentNode = view.root): HTMLButtonElement {
  const found = [...within.querySelectorAll('button')].find((b) => b.textContent === label);
  assert.ok(found, `no button "${label}"`);
  return found;
}

function hasButton(view: LoadedWebview, label: string): boolean {
  return [...view.root.querySelectorAll('button')].some((b) => b.textContent === label);
}

function openers(view: LoadedWebview): HTMLButtonElement[] {
  return [...view.root.querySelectorAll<HTMLButtonElement>('.timeline button.tl-open')];
}

/** Clicks the timeline entry of an exchange and returns the detail shown. */
function openExchange(view: LoadedWebview, run: RunView, exchangeId: string): HTMLElement {
  const index = run.exchanges.findIndex((x) => x.id === exchangeId);
  assert.ok(index >= 0, exchangeId);
  openers(view)[index]!.click();
  const detail = view.root.querySelector<HTMLElement>('.detail-slot .detail');
  assert.ok(detail, 'no detail opened');
  return detail;
}

/** Indexes of the timeline rows marked selected. */
function selectedRows(view: LoadedWebview): number[] {
  return [...view.root.querySelectorAll('.timeline .tl-row:not(.tl-head)')].flatMap((row, i) =>
    row.classList.contains('selected') ? [i] : [],
  );
}

function requests(view: LoadedWebview): Array<Extract<WebviewMessage, { type: 'request' }>> {
  return view.posted.filter((m): m is Extract<WebviewMessage, { type: 'request' }> => m.type === 'request');
}

function commands(view: LoadedWebview): Array<Extract<WebviewMessage, { type: 'command' }>> {
  return view.posted.filter((m): m is Extract<WebviewMessage, { type: 'command' }> => m.type === 'command');
}

function step(overrides: Partial<StepView>): StepView {
  return {
    path: 's',
    id: 's',
    type: 'call',
    status: 'passed',
    offsetMs: 0,
    durationMs: 0,
    assertions: [],
    notes: [],
    ...overrides,
  };
}

/** Steps main.ts builds at once when the rest can come later (FIRST_STEPS there). */
const FIRST_STEPS = 3;

/** Steps on the page, by id, in order. */
function stepIds(view: LoadedWebview): string[] {
  return [...view.root.querySelectorAll('section.step')].map((s) => s.id);
}

function rowCount(view: LoadedWebview): number {
  return view.root.querySelectorAll('.timeline .tl-row:not(.tl-head)').length;
}

/** Waits (real timers: the view builds off-screen parts in later tasks) until `done` holds. */
async function until(done: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !done(); i += 1) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(done(), `the view never got to: ${what}`);
}

/** A run of `steps` steps and `exchanges` exchanges: large enough that the view builds it in parts. */
function largeRun(steps: number, exchanges: number, id = RUN_ID): RunView {
  return runViewOf({
    id,
    steps: Array.from({ length: steps }, (_, i) => step({ path: `s${i}`, id: `s${i}`, name: `Step ${i}` })),
    exchanges: Array.from({ length: exchanges }, (_, i) => exchangeViewOf({ id: `x${i}`, label: `call ${i}` })),
  });
}

describe('webview: main script end to end', () => {
  let view: LoadedWebview | undefined;
  const load = async (options: { state?: unknown } = {}) => {
    view = await loadWebview(options);
    return view;
  };
  afterEach(async () => {
    await view?.close();
    view = undefined;
  });

  describe('start-up and state', () => {
    it('says ready first, with the protocol version, and waits for content', async () => {
      const v = await load();
      assert.deepEqual(v.posted, [{ type: 'ready', version: PROTOCOL_VERSION }]);
      assert.deepEqual(v.states, [{}]);
      assert.equal(v.root.textContent, 'Waiting for a run…');
    });

    it('renders the run it is sent: header, verdict, timeline and steps', async () => {
      const v = await load();
      const run = recordFlowRun({ finished: true, rerun: true }).view();
      showRun(v, run);
      assert.equal(v.root.querySelector('.run-header h1')!.textContent, 'Introspection demo');
      assert.equal(v.root.querySelector('.run-header .badge')!.textContent, 'failed');
      assert.match(
        v.root.querySelector('.run-header .muted')!.textContent!,
        /^environment sandbox · demo\.oidc-flow\.yaml · \d\d:\d\d:\d\d · 900 ms$/,
      );
      const verdict = v.root.querySelector('section.verdict')!;
      assert.equal(verdict.querySelector('.summary')!.textContent, 'The client app was deactivated at the IdP.');
      assert.equal(verdict.querySelector('.fix')!.textContent, 'Fix: Reactivate the app in Okta.');
      assert.match(verdict.textContent!, /Decided by: gateway · confidence: certain · client_deactivated/);
      assert.deepEqual(
        [...verdict.querySelectorAll('.evidence li')].map((li) => li.textContent),
        ["introspection The IdP's introspection says active: false.", 'gateway The gateway answered 401.'],
      );
      assert.deepEqual(
        [...verdict.querySelectorAll('.answers .answer h3')].map((h) => h.textContent),
        ['Local JWKS check', "IdP's introspection", "Gateway's answer"],
      );
      assert.equal(v.root.querySelectorAll('.timeline .tl-row:not(.tl-head)').length, run.exchanges.length);
      assert.deepEqual(
        [...v.root.querySelectorAll('section.step')].map((s) => s.id),
        ['step-token', 'step-verify', 'step-call', 'step-later'],
      );
      assert.equal(v.root.querySelector('#step-later')!.className, 'step skipped');
      assert.match(v.root.querySelector('#step-call h3')!.textContent!, /Call orders call · HTTP 401 · 5 ms/);
      assert.equal(v.root.querySelectorAll('section.token').length, 2);
      assert.ok(v.root.querySelector('#step-verify .badge.ok'));
      assert.ok(v.document.getElementById('notice'));
      assert.deepEqual(v.states.at(-1), { runId: RUN_ID });
    });

    it('has one h1 and never skips a heading level, with an exchange open (screen readers list headings)', async () => {
      const v = await load();
      const run = recordFlowRun({ finished: true, rerun: true }).view();
      showRun(v, run);
      openExchange(v, run, run.exchanges[0]!.id);
      const levels = [...v.document.querySelectorAll('h1, h2, h3, h4, h5, h6')].map((h) => Number(h.tagName[1]));
      assert.equal(levels.filter((l) => l === 1).length, 1, `headings: ${levels.join(' ')}`);
      assert.equal(levels[0], 1, 'the h1 comes first');
      for (let i = 1; i < levels.length; i++)
        assert.ok(levels[i]! <= levels[i - 1]! + 1, `h${levels[i - 1]} then h${levels[i]}: ${levels.join(' ')}`);
      assert.ok(levels.includes(4), 'the fixture has no nested heading: the check proves little');
    });

    it('the empty view has its h1 too', async () => {
      const v = await load();
      v.receive({ type: 'show', content: { kind: 'empty' } });
      assert.deepEqual(
        [...v.document.querySelectorAll('h1, h2, h3')].map((h) => `${h.tagName} ${h.textContent}`),
        ['H1 OIDC Flow results'],
      );
    });

    it("tells a screen reader the run's status when it changes, not the whole page on each redraw", async () => {
      const v = await load();
      const run = recordFlowRun({ finished: true, rerun: true }).view();
      const announce = v.document.getElementById('announce')!;
      assert.equal(announce.getAttribute('role'), 'status');
      assert.equal(v.root.getAttribute('aria-live'), null, 'the page is a live region: every redraw is read out');
      showRun(v, { ...run, status: 'running' });
      assert.equal(announce.textContent, 'Introspection demo: running');
      showRun(v, run);
      assert.equal(announce.textContent, 'Introspection demo: failed');
    });

    it("sets the gateway's log lines apart in the verdict card and the gateway's answer, as text", async () => {
      const v = await load();
      const line = '[error] oidc_introspect: "invalid_client" <img src=x onerror=alert(1)>';
      showRun(v, recordFlowRun({ finished: true, gatewayLog: [line] }).view());
      const verdict = v.root.querySelector('section.verdict')!;
      const logged = verdict.querySelector('.evidence li.gateway-log')!;
      assert.equal(logged.querySelector('.badge')!.textContent, 'gateway log');
      assert.equal(logged.querySelector('code')!.textContent, line);
      assert.match(logged.getAttribute('title')!, /the gateway's own words/i);
      const gatewayCard = [...verdict.querySelectorAll('.answers .answer')].at(-1)!;
      assert.deepEqual(
        [...gatewayCard.querySelectorAll('.gateway-log li')].map((li) => li.textContent),
        [line],
      );
      assert.equal(v.root.querySelectorAll('img').length, 0, 'markup in a log line stays text');
    });

    it('shows the empty page and forgets the run id', async () => {
      const v = await load();
      showRun(v, runViewOf());
      v.receive({ type: 'show', content: { kind: 'empty' } });
      assert.match(v.root.textContent!, /^OIDC Flow results/);
      assertAbsent(v.root.querySelector('.timeline'), 'timeline');
      assert.deepEqual(v.states.at(-1), {});
    });

    it('persists only the run id: never a token, a header or a body, even after a reveal', async () => {
      const v = await load();
      const recorder = recordFlowRun();
      const run = recorder.view();
      v.receive({ type: 'settings', allowReveal: true });
      showRun(v, run);
      openExchange(v, run, 'gw-1');
      button(v, 'Reveal secrets…').click();
      const [ask] = requests(v);
      v.receive({
        type: 'response',
        requestId: ask!.requestId,
        ok: true,
        result: { kind: 'reveal-exchange', exchange: recorder.exchangeView('gw-1', { reveal: true })! },
      });
      await settle();
      // The page does hold the token now, so the check below means something.
      assert.ok(v.root.textContent!.includes(ACCESS_TOKEN));
      showRun(v, recorder.view());
      assert.ok(v.states.length >= 2);
      for (const state of v.states) {
        assert.equal(isPersistedState(state), true, JSON.stringify(state));
        assert.ok(Object.keys(state as object).every((k) => k === 'runId'));
      }
      const json = JSON.stringify(v.states);
      for (const secret of [ACCESS_TOKEN, TOKEN_SIGNATURE, BODY_MARKER, 'Bearer', 'authorization', 'Unauthorized'])
        assert.ok(!json.includes(secret), secret);
      assert.deepEqual(v.states.at(-1), { runId: RUN_ID });
    });

    it('restored from its saved state, keeps the id and asks the host for the content again', async () => {
      const v = await load({ state: { runId: RUN_ID } });
      assert.deepEqual(v.states, [], 'a valid saved state is kept as it is');
      assert.deepEqual(v.posted, [{ type: 'ready', version: PROTOCOL_VERSION }]);
      assert.equal(v.root.querySelector('.timeline'), null, 'nothing is rendered from the saved state itself');
      showRun(v, recordFlowRun().view(false));
      assert.equal(v.root.querySelectorAll('.timeline .tl-row:not(.tl-head)').length, 4);
      assert.match(v.root.textContent!, /Reopened from history: secrets were never kept/);
    });

    it('throws away saved state that holds anything but ids', async () => {
      const v = await load({ state: { runId: RUN_ID, token: ACCESS_TOKEN } });
      assert.deepEqual(v.states, [{}]);
      assert.deepEqual(v.posted, [{ type: 'ready', version: PROTOCOL_VERSION }]);
    });

    it('ignores malformed host messages', async () => {
      const v = await load();
      showRun(v, runViewOf());
      const before = v.root.innerHTML;
      for (const junk of [
        null,
        'show',
        { type: 'show', content: { kind: 'html', html: '<img src=x onerror=alert(1)>' } },
        { type: 'eval', code: 'alert(1)' },
        { type: 'settings', allowReveal: 'yes' },
      ])
        v.receive(junk);
      v.receive({
        type: 'response',
        requestId: 'w999',
        ok: true,
        result: { kind: 'full-body', body: { text: 'late', size: 4, truncated: false } },
      });
      await settle();
      assert.equal(v.root.innerHTML, before);
      assert.deepEqual(activeElements(v.root), []);
    });
  });

  describe('exchanges', () => {
    it('opens an exchange from its timeline button, marks the row and moves focus to the detail', async () => {
      const v = await load();
      const run = recordFlowRun().view();
      showRun(v, run);
      const buttons = openers(v);
      assert.equal(buttons.length, 4);
      for (const b of buttons) {
        assert.equal(b.type, 'button');
        assert.ok(b.tabIndex >= 0);
      }
      const detail = openExchange(v, run, 'tok-1');
      assert.equal(detail.querySelector('h3')!.textContent, 'POST token endpoint');
      assertSame(v.document.activeElement, detail, 'focus');
      assert.deepEqual(selectedRows(v), [0]);
      openExchange(v, run, 'gw-1');
      assert.deepEqual(selectedRows(v), [3]);
      assert.equal(v.root.querySelectorAll('.detail').length, 1);
      assert.equal(v.root.querySelector('.detail h3')!.textContent, 'GET route orders');
    });

    it('keeps the open exchange when the same run updates, and closes it for another run', async () => {
      const v = await load();
      const recorder = recordFlowRun();
      showRun(v, recorder.view());
      openExchange(v, recorder.view(), 'gw-introspect');
      showRun(v, recordFlowRun({ finished: true }).view());
      assert.equal(v.root.querySelector('.detail h3')!.textContent, 'POST gateway: introspection endpoint');
      assert.deepEqual(selectedRows(v), [1]);
      showRun(v, { ...recorder.view(), id: 'run-other' });
      assertAbsent(v.root.querySelector('.detail'), 'detail');
    });

    it('opens the exchange the host points at', async () => {
      const v = await load();
      showRun(v, recordFlowRun().view(), { exchangeId: 'up-1' });
      assert.equal(v.root.querySelector('.detail h3')!.textContent, 'GET upstream orders');
      assert.deepEqual(selectedRows(v), [2]);
      showRun(v, recordFlowRun({ finished: true }).view());
      assert.equal(
        v.root.querySelector('.detail h3')!.textContent,
        'GET upstream orders',
        'still open after the next update',
      );
      assert.deepEqual(selectedRows(v), [2]);
    });

    it('reveals through the host only when the settings allow it and the run is live', async () => {
      const v = await load();
      const recorder = recordFlowRun();
      const run = recorder.view();
      showRun(v, run);
      openExchange(v, run, 'gw-1');
      assert.equal(hasButton(v, 'Reveal secrets…'), false, 'reveal is off until the host allows it');

      v.receive({ type: 'settings', allowReveal: true });
      showRun(v, recorder.view(false));
      openExchange(v, run, 'gw-1');
      assert.equal(hasButton(v, 'Reveal secrets…'), false, 'a run from history holds no secrets to reveal');

      showRun(v, { ...recorder.view(), id: 'run-live' });
      openExchange(v, run, 'gw-1');
      button(v, 'Reveal secrets…').click();
      const ask = requests(v).at(-1)!;
      assert.deepEqual(ask.request, { kind: 'reveal-exchange', runId: 'run-live', exchangeId: 'gw-1' });
      assert.equal(v.root.querySelector('.detail .badge')!.textContent, 'Redacted');
      v.receive({
        type: 'response',
        requestId: ask.requestId,
        ok: true,
        result: { kind: 'reveal-exchange', exchange: recorder.exchangeView('gw-1', { reveal: true })! },
      });
      await settle();
      const detail = v.root.querySelector('.detail')!;
      assert.ok(detail.classList.contains('revealed'));
      assert.equal(detail.querySelector('.badge')!.textContent, 'Secrets revealed');
      assert.ok(detail.textContent!.includes(`Bearer ${ACCESS_TOKEN}`));
    });

    it('shows why a reveal failed and stays redacted', async () => {
      const v = await load();
      const run = recordFlowRun().view();
      v.receive({ type: 'settings', allowReveal: true });
      showRun(v, run);
      openExchange(v, run, 'gw-1');
      button(v, 'Reveal secrets…').click();
      const ask = requests(v).at(-1)!;
      v.receive({
        type: 'response',
        requestId: ask.requestId,
        ok: false,
        error: { code: 'results.reveal_cancelled', message: 'Reveal cancelled; the exchange stays redacted.' },
      });
      await settle();
      assert.equal(v.document.getElementById('notice')!.textContent, 'Reveal cancelled; the exchange stays redacted.');
      assert.equal(v.root.querySelector('.detail .badge')!.textContent, 'Redacted');
      assert.ok(!v.root.textContent!.includes(TOKEN_SIGNATURE));
    });

    it('asks the host for the whole of a 5 MB body and shows it', async () => {
      const v = await load();
      const huge = `${'y'.repeat(5 * 1024 * 1024)}END`;
      const recorder = recordFlowRun({ callBody: huge });
      const run = recorder.view();
      showRun(v, run);
      const detail = openExchange(v, run, 'gw-1');
      const pre = detail.querySelectorAll('.column')[1]!.querySelector('pre.code')!;
      assert.ok(pre.textContent!.length < huge.length);
      button(v, 'Show all', detail).click();
      const ask = requests(v).at(-1)!;
      assert.deepEqual(ask.request, { kind: 'full-body', runId: RUN_ID, exchangeId: 'gw-1', part: 'response' });
      v.receive({
        type: 'response',
        requestId: ask.requestId,
        ok: true,
        result: { kind: 'full-body', body: recorder.exchangeView('gw-1', { full: true })!.response!.body },
      });
      await settle();
      assert.equal(pre.textContent!.length, huge.length);
      assert.ok(pre.textContent!.endsWith('END'));
      assertAbsent(detail.querySelector('.truncated'), '"Show all" note');
      assert.ok(!JSON.stringify(v.states).includes('yyyy'));
    });

    it("shows the host's refusal of a full body in the notice", async () => {
      const v = await load();
      const run = runViewOf({
        exchanges: [exchangeViewOf({ response: { headers: [], body: { text: 'abc', size: 9, truncated: true } } })],
      });
      showRun(v, run);
      openExchange(v, run, 'x-1');
      button(v, 'Show all').click();
      v.receive({
        type: 'response',
        requestId: requests(v).at(-1)!.requestId,
        ok: false,
        error: { code: 'results.not_live', message: 'This run is from an earlier session.' },
      });
      await settle();
      assert.equal(v.document.getElementById('notice')!.textContent, 'This run is from an earlier session.');
      assert.ok(v.root.querySelector('.truncated'));
    });

    it('sends the toolbar and curl commands with the run id', async () => {
      const v = await load();
      const run = recordFlowRun({ finished: true, rerun: true }).view();
      showRun(v, run);
      button(v, 'Export HAR').click();
      button(v, 'Run again').click();
      button(v, 'History').click();
      openExchange(v, run, 'gw-1');
      button(v, 'Copy as curl').click();
      assert.deepEqual(commands(v), [
        { type: 'command', command: 'export-har', runId: RUN_ID },
        { type: 'command', command: 'rerun', runId: RUN_ID },
        { type: 'command', command: 'open-history' },
        { type: 'command', command: 'copy-curl', runId: RUN_ID, exchangeId: 'gw-1' },
      ]);
    });

    it('offers neither export nor "Run again" where they cannot work', async () => {
      const v = await load();
      showRun(v, recordFlowRun({ rerun: true }).view());
      assert.equal(hasButton(v, 'Run again'), false, 'still running');
      showRun(v, recordFlowRun({ finished: true, rerun: true }).view(false));
      assert.equal(hasButton(v, 'Export HAR'), false, 'reopened from history');
      assert.equal(hasButton(v, 'Run again'), true);
      assert.equal(hasButton(v, 'History'), true);
    });
  });

  describe('steps, verdict and tokens', () => {
    it("goes to the verdict's step", async () => {
      const v = await load();
      showRun(v, recordFlowRun().view());
      button(v, 'Go to the step').click();
      assertSame(v.document.activeElement, v.document.getElementById('step-call'), 'focus');
    });

    it('ticks expiry countdowns in place', async () => {
      const v = await load();
      const now = Math.floor(Date.now() / 1000);
      showRun(
        v,
        runViewOf({
          steps: [step({ path: 't', id: 't', type: 'token', token: tokenViewOf({ expiresAt: now + 3 * 3600 + 150 }) })],
        }),
      );
      const badge = v.root.querySelector<HTMLElement>('[data-exp]')!;
      assert.equal(badge.textContent, 'expires in 3h 2m');
      const rendered = badge;
      badge.dataset.exp = String(now - 3600 * 2 - 60 * 5);
      v.tick();
      assertSame(v.root.querySelector('[data-exp]'), rendered, 'updated in place, not re-rendered');
      assert.match(badge.textContent!, /^expired 2h 5m ago$/);
    });

    it('renders markup anywhere in a run as text', async () => {
      const v = await load();
      const evil = '<script>alert(1)</script><img src=x onerror=alert(2)>';
      const run = runViewOf({
        title: evil,
        env: evil,
        source: evil,
        verdict: {
          code: evil,
          summary: evil,
          fix: evil,
          decidedBy: evil,
          confidence: evil,
          evidence: [{ source: evil, text: evil }],
          stepPath: evil,
        },
        exchanges: [
          exchangeViewOf({
            label: evil,
            url: evil,
            warnings: [evil],
            error: { code: evil, message: evil },
            response: {
              headers: [{ name: evil, value: evil }],
              body: { text: evil, size: evil.length, truncated: false },
            },
          }),
        ],
        steps: [
          step({
            path: evil,
            id: evil,
            name: evil,
            type: evil,
            notes: [evil],
            assertions: [{ passed: false, message: evil }],
            error: { code: evil, message: evil, hint: evil },
            introspection: evil,
            answers: { gateway: { ok: false, text: evil } },
            token: tokenViewOf({ title: evil, header: evil }),
          }),
        ],
      });
      showRun(v, run, { exchangeId: 'x-1' });
      assert.ok(v.root.querySelector('.detail'));
      assert.deepEqual(activeElements(v.root), []);
      // The page's own stylesheet link and script tag are all there is outside the root.
      assert.deepEqual(activeElements(v.document), ['link', 'script']);
      assert.equal(v.root.querySelector('.run-header h1')!.textContent, evil);
      assert.ok(v.root.textContent!.split(evil).length > 10);
    });

    it('shows the route config findings under a call step, errors first, as text', async () => {
      const v = await load();
      showRun(
        v,
        runViewOf({
          steps: [
            step({
              path: 'call',
              id: 'call',
              findings: [
                {
                  rule: 'ssl-verify-off',
                  severity: 'warning',
                  field: 'config.ssl_verify',
                  message: 'TLS <b>off</b>',
                  fix: 'Set ssl_verify to true.',
                },
                {
                  rule: 'scopes-not-in-token',
                  severity: 'error',
                  field: 'config.scopes_required',
                  message: 'orders:write is not in the token.',
                  evidence: 'scp = orders:read',
                  fix: 'Request orders:write.',
                },
              ],
            }),
          ],
        }),
      );
      const box = v.root.querySelector<HTMLDetailsElement>('#step-call details.findings');
      assert.ok(box, 'no findings under the step');
      assert.equal(box.open, true, 'an error or warning opens the list');
      assert.equal(box.querySelector('summary')!.textContent, 'Gateway config: 1 error, 1 warning');
      const items = [...box.querySelectorAll('li.finding')].map((li) => li.textContent ?? '');
      assert.match(
        items[0]!,
        /config\.scopes_required.*orders:write is not in the token.*Evidence: scp = orders:read.*Fix: Request orders:write\./,
      );
      assert.match(items[1]!, /TLS <b>off<\/b>/, 'markup in a message stays text');
      assert.deepEqual(activeElements(v.root), []);
    });

    it('shows a paused step-by-step run with Next step, Continue and Stop, which ask the host', async () => {
      const v = await load();
      showRun(
        v,
        runViewOf({
          status: 'running',
          pausedBefore: 'call',
          steps: [
            step({ path: 'token', id: 'token', type: 'token' }),
            step({ path: 'call', id: 'call', name: 'Call orders', status: 'pending' }),
          ],
        }),
      );
      const bar = v.root.querySelector('.paused');
      assert.ok(bar, 'no paused bar');
      assert.match(bar.textContent ?? '', /Paused before step Call orders \(call\)/);
      button(v, 'Next step', bar).click();
      button(v, 'Continue', bar).click();
      button(v, 'Stop', bar).click();
      assert.deepEqual(
        commands(v).map((c) => (c as { action?: string }).action),
        ['next', 'continue', 'stop'],
      );
      assert.ok(commands(v).every((c) => c.command === 'step-control' && 'runId' in c && c.runId === RUN_ID));
      showRun(v, runViewOf({ status: 'running', steps: [] }));
      assert.equal(v.root.querySelector('.paused'), null, 'the bar goes once the run goes on');
      showRun(v, runViewOf({ live: false, pausedBefore: 'call' }));
      assert.equal(v.root.querySelector('.paused'), null, 'a run reopened from history is not paused');
    });

    it('shows a large run in parts: the first screen at once, the rest in later tasks, in order', async () => {
      const v = await load();
      const run = largeRun(35, 250);
      showRun(v, run);
      assert.equal(rowCount(v), TIMELINE_FIRST_ROWS, 'the first rows at once');
      assert.deepEqual(
        stepIds(v),
        run.steps.slice(0, FIRST_STEPS).map((s) => `step-${s.path}`),
        'the first steps at once',
      );
      assert.equal(button(v, 'Show 100 more of 150 exchanges').className, 'btn secondary tl-more');
      await until(() => stepIds(v).length === 35 && rowCount(v) === 100, 'all steps and the first 100 rows');
      assert.deepEqual(
        stepIds(v),
        run.steps.map((s) => `step-${s.path}`),
      );
      assert.deepEqual(
        openers(v).map((b) => b.querySelector('.label-text')!.textContent),
        run.exchanges.slice(0, 100).map((x) => x.label),
      );
      button(v, 'Show 100 more of 150 exchanges').click();
      assert.equal(rowCount(v), 200);
      button(v, 'Show 50 more of 50 exchanges').click();
      assert.equal(rowCount(v), 250);
      assert.ok(!hasButton(v, 'Show 50 more of 50 exchanges'));
    });

    it('keeps the rows in order when "Show more" is clicked before the first page is built', async () => {
      const v = await load();
      const run = largeRun(3, 250);
      showRun(v, run);
      assert.equal(rowCount(v), TIMELINE_FIRST_ROWS);
      button(v, 'Show 100 more of 150 exchanges').click();
      assert.equal(rowCount(v), 200, 'the queued rows first, then the next page');
      assert.deepEqual(
        openers(v).map((b) => b.querySelector('.label-text')!.textContent),
        run.exchanges.slice(0, 200).map((x) => x.label),
      );
      await settle();
      await new Promise((resolve) => setTimeout(resolve, 30));
      assert.equal(rowCount(v), 200, 'nothing queued is added twice');
    });

    it('builds at once the row of an exchange kept open, the step to show and the focused part', async () => {
      const v = await load();
      const run = largeRun(40, 120);
      showRun(v, run, { exchangeId: 'x70' });
      assert.ok(rowCount(v) >= 71, 'rows up to the open exchange');
      assert.deepEqual(selectedRows(v), [70]);
      assert.equal(v.root.querySelector('.detail-slot .detail h3')!.textContent!.endsWith('call 70'), true);

      showRun(v, run, { stepPath: 's33' });
      assert.equal(stepIds(v).length, 40, 'a step to scroll to: every step at once');

      const other = largeRun(40, 120, 'run-other');
      showRun(v, other);
      assert.equal(stepIds(v).length, FIRST_STEPS);
      openers(v)[5]!.focus();
      showRun(v, { ...other, durationMs: other.durationMs + 100 });
      assert.equal(stepIds(v).length, 40, 'focus in the view: the page is built at once');
      assertSame(v.document.activeElement, openers(v)[5], 'focus after the update');
    });

    it('drops what a previous page left for later, and "Go to the step" builds the steps first', async () => {
      const v = await load();
      showRun(v, largeRun(40, 10, 'run-a'));
      const run = { ...largeRun(25, 10), verdict: undefined };
      showRun(v, run);
      await until(() => stepIds(v).length >= 25, 'the second run complete');
      await new Promise((resolve) => setTimeout(resolve, 30));
      assert.deepEqual(
        stepIds(v),
        run.steps.map((s) => `step-${s.path}`),
        "no step of the first run's queue",
      );

      const withVerdict = recordFlowRun({ finished: true }).view();
      const steps = [
        ...Array.from({ length: 40 }, (_, i) => step({ path: `pre${i}`, id: `pre${i}` })),
        ...withVerdict.steps,
      ];
      showRun(v, { ...withVerdict, steps });
      assert.equal(v.document.getElementById('step-call'), null, 'the verdict step is not built yet');
      button(v, 'Go to the step').click();
      assertSame(v.document.activeElement, v.document.getElementById('step-call'), 'focus');
    });

    it('keeps keyboard focus where it was through a live update', async () => {
      const v = await load();
      const run = runViewOf({
        status: 'running',
        exchanges: [exchangeViewOf({ id: 'x1' }), exchangeViewOf({ id: 'x2' })],
      });
      showRun(v, run);
      openers(v)[1]!.focus();
      assertSame(v.document.activeElement, openers(v)[1], 'focus before the update');
      showRun(v, { ...run, durationMs: run.durationMs + 100 });
      assertSame(v.document.activeElement, openers(v)[1], 'focus after the update');
    });
  });
});
