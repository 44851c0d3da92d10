/**
 * The results view as a person using a screen reader or only a keyboard is
 * served: axe-core (from npm) runs inside the view's own document after the
 * demo, in Dark Modern, Light Modern and High Contrast, and no serious or
 * critical violation may be left; then the view is walked with Tab alone.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type AxeCore from 'axe-core';
import type { Frame, Page } from 'playwright-core';
import type { CodeServer } from './support/code-server';
import { productVsixPath, selectedCodeServer, startCodeServer } from './support/code-server';
import type { Workbench } from './support/browser';
import { openWorkbench } from './support/browser';
import { clearNotifications, resultsView, waitForFinishedRun } from './support/oidc-flow-ui';
import { reportFailure, requireE2eTools } from './support/lifecycle';
import type { BuiltInTheme } from './support/themes';
import { switchTheme, THEMES_UNDER_TEST } from './support/themes';

const DEMO_TITLE = 'Demo: the introspection scenario';

interface Violation {
  id: string;
  impact: string;
  help: string;
  targets: string[];
}

/** axe-core's own browser build, as npm installed it (a devDependency). */
function axeSource(): string {
  const require = createRequire(__filename);
  try {
    return readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  } catch {
    throw new Error('axe-core is not installed: run `npm ci` (it is a devDependency)');
  }
}

/** The results view's inner document (the webview is two iframes deep). */
async function resultsFrame(page: Page): Promise<Frame> {
  const body = await resultsView(page).locator('body').elementHandle({ timeout: 15_000 });
  const frame = await body?.ownerFrame();
  assert.ok(frame, 'the results view has no frame');
  return frame;
}

/** Runs axe in the results view; evaluated through the debugger, so the view's CSP does not apply. */
async function runAxe(page: Page): Promise<Violation[]> {
  const frame = await resultsFrame(page);
  if (!(await frame.evaluate('typeof window.axe === "object"'))) await frame.evaluate(axeSource());
  return frame.evaluate(async () => {
    const axe = (window as unknown as { axe: typeof AxeCore }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? 'unknown',
      help: v.help,
      targets: v.nodes.map((n) => `${n.target.join(' ')}${n.any[0]?.message ? ` (${n.any[0].message})` : ''}`),
    }));
  });
}

function listed(violations: readonly Violation[]): string {
  return violations
    .map((v) => `  [${v.impact}] ${v.id}: ${v.help}\n${v.targets.map((t) => `      ${t}`).join('\n')}`)
    .join('\n');
}

/** What has keyboard focus in the results view now. */
interface FocusStop {
  /** null once focus left the view (tabbed past its last element). */
  key: string | null;
  tag: string;
  role: string;
  text: string;
  outline: string;
  focusVisible: boolean;
}

describe(`e2e: the results view with a screen reader and a keyboard (code-server ${selectedCodeServer().version})`, function () {
  let server: CodeServer | undefined;
  let workbench: Workbench | undefined;
  const figures: string[] = [];

  before(async function () {
    requireE2eTools();
    server = await startCodeServer({ vsixPaths: [productVsixPath()] });
    workbench = await openWorkbench(server.workbenchUrl);
    const wb = workbench;
    await wb.runCommand('OIDC Flow: Run Demo Scenario (Sandbox)');
    const results = resultsView(wb.page);
    await waitForFinishedRun(results, DEMO_TITLE);
    await results.locator('.timeline button.tl-open').first().waitFor({ state: 'visible', timeout: 15_000 });
    await clearNotifications(wb).catch(() => undefined);
  });

  afterEach(async function () {
    await reportFailure(this, 'a11y-', workbench, server);
  });

  after(async function () {
    if (figures.length > 0) process.stdout.write(`  axe figures:\n${figures.join('\n')}\n`);
    await workbench?.close();
    await server?.stop();
  });

  async function axeIn(t: BuiltInTheme, screenshot: string): Promise<void> {
    const page = workbench!.page;
    await switchTheme(page, t);
    // One exchange open, so its detail (headers, bodies, buttons) is checked too.
    const results = resultsView(page);
    if ((await results.locator('.detail').count()) === 0)
      await results.locator('.timeline button.tl-open').first().click();
    await results.locator('.detail').waitFor({ state: 'visible', timeout: 15_000 });
    const violations = await runAxe(page);
    figures.push(
      `    ${t.label}: ${violations.length} rule(s) violated${violations.length ? `\n${listed(violations)}` : ''}`,
    );
    await workbench!.screenshot(screenshot);
    const blocking = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    assert.deepEqual(blocking, [], `axe-core finds serious or critical violations in ${t.label}:\n${listed(blocking)}`);
    // Not serious for axe, but what the issue found: one h1 and no skipped heading level.
    const headings = violations.filter((v) => v.id === 'heading-order' || v.id === 'page-has-heading-one');
    assert.deepEqual(headings, [], `headings in ${t.label}:\n${listed(headings)}`);
  }

  it('Dark Modern: axe-core finds no serious or critical violation', async function () {
    await axeIn(THEMES_UNDER_TEST.dark(), 'a11y-dark');
  });

  it('Light Modern: axe-core finds no serious or critical violation', async function () {
    await axeIn(THEMES_UNDER_TEST.light(), 'a11y-light');
  });

  it('Dark High Contrast: axe-core finds no serious or critical violation', async function () {
    await axeIn(THEMES_UNDER_TEST.highContrast(), 'a11y-hc');
  });

  it('the keyboard alone reaches every action in document order, each with a visible focus outline', async function () {
    const page = workbench!.page;
    await switchTheme(page, THEMES_UNDER_TEST.dark());
    const frame = await resultsFrame(page);
    const results = resultsView(page);
    // Start from the page's heading (a click on text focuses nothing but puts the view's document in focus).
    await results.locator('h1').first().click();
    // Every element a person can act on, keyed by its position in the document.
    const actions: string[] = await frame.evaluate(() => {
      const all = [
        ...document.querySelectorAll<HTMLElement>('button, a[href], summary, [tabindex="0"], input, select'),
      ];
      return all
        .filter((e) => e.offsetParent !== null)
        .map((e) => {
          e.dataset.a11yKey = String([...document.querySelectorAll('*')].indexOf(e));
          return e.dataset.a11yKey;
        });
    });
    const stops: FocusStop[] = [];
    for (let i = 0; i < actions.length + 5; i += 1) {
      await page.keyboard.press('Tab');
      const stop = await frame.evaluate((): FocusStop => {
        const e = document.activeElement as HTMLElement | null;
        if (!e || e === document.body || !document.hasFocus())
          return { key: null, tag: '', role: '', text: '', outline: '', focusVisible: false };
        const style = getComputedStyle(e);
        return {
          key: e.dataset.a11yKey ?? `unlisted ${e.tagName}`,
          tag: e.tagName.toLowerCase(),
          role: e.getAttribute('role') ?? '',
          text: (e.getAttribute('aria-label') ?? e.textContent ?? '').trim().slice(0, 60),
          outline: `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}`,
          focusVisible: e.matches(':focus-visible'),
        };
      });
      if (stop.key === null) break;
      stops.push(stop);
    }
    const walk = stops.map((s) => `${s.tag}${s.role ? `[${s.role}]` : ''} "${s.text}" outline ${s.outline}`);
    figures.push(`    keyboard walk (${stops.length} stops):\n${walk.map((w) => `      ${w}`).join('\n')}`);
    const reached = stops.map((s) => s.key);
    const missed = actions.filter((k) => !reached.includes(k));
    assert.deepEqual(missed, [], `Tab never reached some actions; the walk was:\n${walk.join('\n')}`);
    const positions = reached.map((k) => Number(k));
    assert.ok(
      positions.every((p, i) => i === 0 || p > positions[i - 1]!),
      `focus does not follow the document order:\n${walk.join('\n')}`,
    );
    for (const s of stops) {
      assert.ok(s.focusVisible, `"${s.text}" has focus but not :focus-visible`);
      assert.ok(
        !s.outline.startsWith('none') && parseFloat(s.outline.split(' ')[1] ?? '0') >= 1,
        `"${s.text}" shows no focus outline (${s.outline})`,
      );
    }
    // Enter on a timeline row opens its exchange and moves focus there; Tab goes on into its actions.
    await results.locator('.timeline button.tl-open').nth(1).focus();
    await page.keyboard.press('Enter');
    const focusedDetail = await frame.evaluate(() => document.activeElement?.classList.contains('detail') ?? false);
    assert.ok(focusedDetail, 'Enter on a timeline row did not move focus to the exchange it opened');
    await page.keyboard.press('Tab');
    const next = await frame.evaluate(() => document.activeElement?.textContent ?? '');
    assert.match(next, /Copy as curl/, 'Tab from the opened exchange does not reach its actions first');
    await workbench!.screenshot('a11y-keyboard');
  });
});
