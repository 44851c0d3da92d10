// The results view's script: renders what the host sends, asks the host for
// anything secret or large, and keeps only ids in its persisted state.
import type { HostMessage, PersistedState, RequestResult, WebviewMessage, WebviewRequest } from '../shared/protocol';
import { isHostMessage, isPersistedState, PendingRequests, PROTOCOL_VERSION } from '../shared/protocol';
import type { ExchangeView, ResultsContent, RunView, StepView } from '../shared/view-model';
import { button, clockTime, countdown, el, ms } from './dom';
import type { Deferrer, ExchangeActions } from './render-exchange';
import { renderExchangeDetail, renderTimeline, TIMELINE_PAGE } from './render-exchange';
import { renderFindings } from './render-findings';
import { renderAnswers, renderToken } from './render-token';

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): unknown;
  setState(state: PersistedState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const root = document.getElementById('root')!;
const pending = new PendingRequests<RequestResult>('w');
let allowReveal = false;
let openExchangeId: string | undefined;
let lastContent: ResultsContent | undefined;

/**
 * What the first frame of a large run leaves for later: the timeline's rows past the first
 * screen and the steps past the first few. Run in order, a few milliseconds of it per task, so
 * no task blocks the view for long (a 1,000-exchange run built its page in one task of up to
 * 131 ms); a new page drops what the previous one left.
 */
// Rows and steps a page may have and still be built in one task.
const SPLIT_ABOVE = 40;
// Below the header and the first rows of the timeline only the first few steps can be seen.
const FIRST_STEPS = 3;
const STEPS_PER_TASK = 10;
const SLICE_MS = 8;
let queued: Array<() => void> = [];
let pumpScheduled = false;

const deferrer: Deferrer = {
  later(task) {
    queued.push(task);
    if (!pumpScheduled) {
      pumpScheduled = true;
      // After the next frame: the first paint holds only what was built at once.
      window.requestAnimationFrame(() => setTimeout(pump, 0));
    }
  },
  flush() {
    while (queued.length > 0) queued.shift()!();
  },
};

function pump(): void {
  pumpScheduled = false;
  const start = performance.now();
  while (queued.length > 0 && performance.now() - start < SLICE_MS) queued.shift()!();
  if (queued.length > 0) {
    pumpScheduled = true;
    setTimeout(pump, 0);
  }
}

function send(message: WebviewMessage): void {
  vscode.postMessage(message);
}

function ask(request: WebviewRequest): Promise<RequestResult> {
  const { requestId, promise } = pending.open();
  send({ type: 'request', requestId, request });
  return promise;
}

function notice(text: string): void {
  const box = document.getElementById('notice');
  if (box) box.textContent = text;
}

function actionsFor(run: RunView): ExchangeActions {
  return {
    allowReveal,
    live: run.live,
    reveal: async (exchange) => {
      try {
        const result = await ask({ kind: 'reveal-exchange', runId: run.id, exchangeId: exchange.id });
        return result.kind === 'reveal-exchange' ? result.exchange : undefined;
      } catch (error) {
        notice((error as Error).message);
        return undefined;
      }
    },
    fullBody: async (exchange, part) => {
      try {
        const result = await ask({ kind: 'full-body', runId: run.id, exchangeId: exchange.id, part });
        return result.kind === 'full-body' ? result.body : undefined;
      } catch (error) {
        notice((error as Error).message);
        return undefined;
      }
    },
    copyCurl: (exchange) => send({ type: 'command', command: 'copy-curl', runId: run.id, exchangeId: exchange.id }),
  };
}

const STATUS_MARK: Record<StepView['status'], string> = {
  passed: '✓',
  failed: '✗',
  error: '!',
  skipped: '–',
  running: '…',
  pending: '·',
};

function renderStep(step: StepView): HTMLElement {
  const box = el('section', {
    className: `step ${step.status}`,
    attrs: { id: `step-${step.path}`, tabindex: '-1', 'aria-label': `Step ${step.name ?? step.id}: ${step.status}` },
  });
  const title = el(
    'h3',
    {},
    el('span', `mark ${step.status}`, STATUS_MARK[step.status]),
    ' ',
    step.name ?? step.id,
    ' ',
    el(
      'span',
      'muted',
      `${step.type}${step.httpStatus !== undefined ? ` · HTTP ${step.httpStatus}` : ''}${step.durationMs ? ` · ${ms(step.durationMs)}` : ''}${step.attempts ? ` · ${step.attempts} attempt(s)` : ''}`,
    ),
  );
  box.append(title);
  if (step.error)
    box.append(
      el('p', 'error', `${step.error.code}: ${step.error.message}`),
      step.error.hint ? el('p', 'hint', step.error.hint) : '',
    );
  if (step.assertions.length > 0) {
    const list = el('ul', 'checks');
    for (const a of step.assertions)
      list.append(el('li', a.passed ? 'pass' : 'fail', el('span', 'mark', a.passed ? '✓ ' : '✗ '), a.message));
    box.append(list);
  }
  for (const note of step.notes) box.append(el('p', 'note', note));
  if (step.verdict && step.verdict.code !== 'ok')
    box.append(el('p', 'verdict-inline', `Verdict: ${step.verdict.summary}`));
  if (step.findings && step.findings.length > 0) box.append(renderFindings(step.findings));
  // Under the step's h3.
  if (step.answers) box.append(renderAnswers(step.answers, 4));
  if (step.introspection) box.append(el('h4', 'label', 'Introspection answer'), el('pre', 'code', step.introspection));
  if (step.token) box.append(renderToken(step.token, 4));
  return box;
}

/** The step-by-step bar: which step runs next, and the three ways on. */
function renderPaused(run: RunView): HTMLElement {
  const next = run.steps.find((s) => s.id === run.pausedBefore);
  const bar = el('section', { className: 'paused', attrs: { role: 'region', 'aria-label': 'Step-by-step run' } });
  bar.append(
    el(
      'p',
      {},
      el('strong', {}, 'Paused '),
      `before step ${next?.name ?? run.pausedBefore}${next ? ` (${next.type})` : ''}.`,
    ),
    button('Next step', () => send({ type: 'command', command: 'step-control', runId: run.id, action: 'next' }), {
      title: 'Run this step and pause before the next one',
    }),
    button('Continue', () => send({ type: 'command', command: 'step-control', runId: run.id, action: 'continue' }), {
      className: 'btn secondary',
      title: 'Run the remaining steps without pausing',
    }),
    button('Stop', () => send({ type: 'command', command: 'step-control', runId: run.id, action: 'stop' }), {
      className: 'btn secondary',
      title: 'Stop the run here; the remaining steps are skipped',
    }),
  );
  return bar;
}

/**
 * What a screen reader hears of a run: its status when it changes. The page itself is no live
 * region: a live run redraws it several times a second, and each redraw would be read out whole.
 */
let announced = '';
function announce(run: RunView): void {
  const text = `${run.title}: ${run.status}`;
  if (text === announced) return;
  announced = text;
  const box = document.getElementById('announce');
  if (box) box.textContent = text;
}

function renderRun(run: RunView, focus?: { stepPath?: string; exchangeId?: string }): void {
  announce(run);
  queued = [];
  const focused = focusPath(document.activeElement);
  // Only a page of many rows and steps is split; a small run is built at once, as it always was.
  // Focus to put back, or a step to scroll to, may lie anywhere: then the page is built at once too.
  const large = run.steps.length + Math.min(run.exchanges.length, TIMELINE_PAGE) > SPLIT_ABOVE;
  const defer = large && !focused && !focus?.stepPath ? deferrer : undefined;
  const page = el('div', 'page');
  const header = el('header', 'run-header');
  header.append(
    el('h1', {}, run.title),
    el('span', `badge run-${run.status}`, run.status),
    el(
      'span',
      'muted',
      `${run.env ? `environment ${run.env} · ` : ''}${run.source} · ${clockTime(run.startedAt)} · ${ms(run.durationMs)}`,
    ),
  );
  const tools = el('div', 'toolbar');
  if (run.live)
    tools.append(
      button('Export HAR', () => send({ type: 'command', command: 'export-har', runId: run.id }), {
        title: 'Save every exchange as a HAR file (redacted unless you choose otherwise)',
      }),
    );
  if (run.rerun && run.status !== 'running')
    tools.append(
      button('Run again', () => send({ type: 'command', command: 'rerun', runId: run.id }), {
        className: 'btn secondary',
      }),
    );
  tools.append(
    button('History', () => send({ type: 'command', command: 'open-history' }), { className: 'btn secondary' }),
  );
  header.append(tools);
  page.append(header);
  page.append(el('p', { className: 'notice', attrs: { id: 'notice', role: 'status' } }));
  if (!run.live)
    page.append(el('p', 'muted', 'Reopened from history: secrets were never kept, and long bodies are shortened.'));
  if (run.pausedBefore && run.live) page.append(renderPaused(run));

  if (run.verdict) {
    const v = run.verdict;
    const card = el('section', { className: 'verdict', attrs: { 'aria-label': 'Verdict' } });
    card.append(el('h2', {}, 'Why the gateway said no'), el('p', 'summary', v.summary));
    if (v.fix) card.append(el('p', 'fix', el('strong', {}, 'Fix: '), v.fix));
    card.append(el('p', 'muted', `Decided by: ${v.decidedBy} · confidence: ${v.confidence} · ${v.code}`));
    if (v.evidence.length > 0) {
      const list = el('ul', 'evidence');
      for (const e of v.evidence)
        list.append(
          e.source === 'gateway-log'
            ? el(
                'li',
                { className: 'gateway-log', attrs: { title: "The gateway's own words, from its error log" } },
                el('span', 'badge', 'gateway log'),
                ' ',
                el('code', {}, e.text),
              )
            : el('li', {}, el('span', 'badge', e.source), ' ', e.text),
        );
      card.append(el('h3', 'label', 'Evidence'), list);
    }
    const step = run.steps.find((s) => s.path === v.stepPath);
    if (step?.answers) card.append(renderAnswers(step.answers, 3));
    card.append(
      button(
        'Go to the step',
        () => {
          deferrer.flush();
          document.getElementById(`step-${v.stepPath}`)?.focus();
        },
        { className: 'btn secondary' },
      ),
    );
    page.append(card);
  }

  page.append(el('h2', {}, 'Timeline'));
  const detailSlot = el('div', 'detail-slot');
  const actions = actionsFor(run);
  const open = (exchange: ExchangeView, row?: HTMLElement) => {
    openExchangeId = exchange.id;
    for (const r of page.querySelectorAll('.tl-row.selected')) r.classList.remove('selected');
    row?.classList.add('selected');
    const detail = renderExchangeDetail(exchange, actions);
    detailSlot.replaceChildren(detail);
    detail.focus();
  };
  const keepIndex = run.exchanges.findIndex((x) => x.id === (focus?.exchangeId ?? openExchangeId));
  // The exchange kept open must have its row on the page, even past the first page of rows.
  page.append(renderTimeline(run.exchanges, run.durationMs, open, { shown: keepIndex + 1, defer }), detailSlot);
  page.append(el('h2', {}, 'Steps'));
  // Steps are the page's last children: the ones left for later are appended in order.
  const firstSteps = defer ? FIRST_STEPS : run.steps.length;
  for (const step of run.steps.slice(0, firstSteps)) page.append(renderStep(step));
  for (let from = firstSteps; from < run.steps.length; from += STEPS_PER_TASK) {
    const steps = run.steps.slice(from, from + STEPS_PER_TASK);
    deferrer.later(() => page.append(...steps.map(renderStep)));
  }
  root.replaceChildren(page);

  const keep = run.exchanges.find((x) => x.id === (focus?.exchangeId ?? openExchangeId));
  if (keep) {
    // An exchange the host pointed at stays open through the next live update.
    openExchangeId = keep.id;
    const index = run.exchanges.indexOf(keep);
    const row = page.querySelectorAll('.timeline .tl-row:not(.tl-head)')[index] as HTMLElement | undefined;
    detailSlot.replaceChildren(renderExchangeDetail(keep, actions));
    row?.classList.add('selected');
  }
  if (focus?.stepPath) document.getElementById(`step-${focus.stepPath}`)?.scrollIntoView({ block: 'center' });
  else if (focused) restoreFocus(focused);
}

/**
 * Where keyboard focus is, as a path of child positions from #root, so a
 * live update (which redraws the page) can put it back on the element in
 * the same place instead of dropping it to <body>.
 */
function focusPath(active: Element | null): number[] | undefined {
  if (!active || active === document.body || !root.contains(active)) return undefined;
  const path: number[] = [];
  for (let node: Element = active; node !== root; node = node.parentElement!)
    path.unshift([...node.parentElement!.children].indexOf(node));
  return path;
}

function restoreFocus(path: readonly number[]): void {
  let node: Element | undefined = root;
  for (const index of path) node = node?.children[index];
  // Duck-typed: SVG and HTML elements both focus, and `instanceof` depends on the realm.
  if (node && typeof (node as HTMLElement).focus === 'function') (node as HTMLElement).focus({ preventScroll: true });
}

function show(content: ResultsContent, focus?: { stepPath?: string; exchangeId?: string }): void {
  const previous = lastContent;
  lastContent = content;
  if (content.kind === 'run') {
    if (previous?.kind !== 'run' || previous.run.id !== content.run.id) openExchangeId = undefined;
    vscode.setState({ runId: content.run.id });
    renderRun(content.run, focus);
    return;
  }
  vscode.setState({});
  queued = [];
  root.replaceChildren(
    el(
      'div',
      'page',
      el('h1', {}, 'OIDC Flow results'),
      el(
        'p',
        'muted',
        'Run a flow (the Run flow CodeLens, the Flows view, or OIDC Flow: Run Demo Scenario) and its exchanges, tokens and verdict appear here.',
      ),
    ),
  );
}

function onMessage(message: HostMessage): void {
  switch (message.type) {
    case 'show':
      show(message.content, message.focus);
      return;
    case 'settings':
      allowReveal = message.allowReveal;
      return;
    case 'response':
      if (message.ok) pending.settle(message.requestId, { ok: true, value: message.result });
      else pending.settle(message.requestId, { ok: false, message: message.error.message });
      return;
  }
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  if (isHostMessage(event.data)) onMessage(event.data);
});

// Expiry countdowns tick in place; nothing is re-rendered.
setInterval(() => {
  const now = Date.now();
  for (const node of document.querySelectorAll<HTMLElement>('[data-exp]'))
    node.textContent = countdown(Number(node.dataset.exp), now);
}, 1000);

if (!isPersistedState(vscode.getState())) vscode.setState({});
send({ type: 'ready', version: PROTOCOL_VERSION });
