import assert from 'node:assert/strict';
import type { CodeServer } from './support/code-server';
import { productVsixPath, selectedCodeServer, startCodeServer } from './support/code-server';
import type { BuiltInTheme } from './support/themes';
import { switchTheme as switchWorkbenchTheme, THEMES_UNDER_TEST } from './support/themes';
import type { Workbench } from './support/browser';
import { openWorkbench } from './support/browser';
import { clearNotifications, resultsView, waitForFinishedRun } from './support/oidc-flow-ui';
import { reportFailure, requireE2eTools } from './support/lifecycle';

const DEMO_TITLE = 'Demo: the introspection scenario';
// The theme the workbench starts in: none of the three under test, so the first switch repaints for real.
const START_THEME_ID = 'Visual Studio Light';

interface Rgba {
  r: number;
  g: number;
  b: number;
  a: number;
}

/** Parses a CSS colour as VS Code writes its variables (#rgb, #rgba, #rrggbb, #rrggbbaa) or as Chromium computes it (rgb(), rgba()). */
function parseColor(value: string): Rgba {
  const text = value.trim();
  const hex = /^#([0-9a-f]{3,8})$/i.exec(text);
  if (hex && [3, 4, 6, 8].includes(hex[1]!.length)) {
    let digits = hex[1]!;
    if (digits.length <= 4) digits = [...digits].map((d) => d + d).join('');
    const byte = (i: number): number => parseInt(digits.slice(i * 2, i * 2 + 2), 16);
    return { r: byte(0), g: byte(1), b: byte(2), a: digits.length === 8 ? byte(3) / 255 : 1 };
  }
  const fn = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:\s*[,/]\s*([\d.]+%?))?\s*\)$/i.exec(text);
  if (fn) {
    const alpha = fn[4] === undefined ? 1 : fn[4].endsWith('%') ? parseFloat(fn[4]) / 100 : parseFloat(fn[4]);
    return { r: Number(fn[1]), g: Number(fn[2]), b: Number(fn[3]), a: alpha };
  }
  throw new Error(`not a colour this test can read: "${value}"`);
}

function sameColor(a: Rgba, b: Rgba): boolean {
  return a.r === b.r && a.g === b.g && a.b === b.b && Math.abs(a.a - b.a) < 0.01;
}

/** WCAG relative luminance, 0 (black) to 1 (white). */
function luminance(c: Rgba): number {
  const channel = (v: number): number => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
}

/** What the results view's document says about its theme and colours now. */
interface ViewColors {
  themeId: string;
  themeName: string;
  themeKind: string;
  bodyClass: string;
  bodyBackground: string;
  bodyColor: string;
  /** The theme's variables as VS Code set them on the webview's <html>, and as <body> inherits them. */
  htmlEditorBackground: string;
  bodyEditorBackground: string;
  htmlForeground: string;
  bodyForeground: string;
  /** What VS Code's own default webview style paints body text with. */
  editorForeground: string;
  contrastBorder: string;
  barOutlineStyle: string;
  barOutlineWidth: string;
  barOutlineColor: string;
  stepBorderLeftColor: string;
  stepBorderLeftStyle: string;
}

describe(`e2e: the results view follows the VS Code theme (code-server ${selectedCodeServer().version})`, function () {
  let server: CodeServer | undefined;
  let workbench: Workbench | undefined;
  const seen = new Map<string, ViewColors>();

  before(async function () {
    requireE2eTools();
    server = await startCodeServer({
      vsixPaths: [productVsixPath()],
      settings: { 'workbench.colorTheme': START_THEME_ID },
    });
    workbench = await openWorkbench(server.workbenchUrl);
  });

  afterEach(async function () {
    await reportFailure(this, 'theme-', workbench, server);
  });

  after(async function () {
    await workbench?.close();
    await server?.stop();
  });

  async function readColors(): Promise<ViewColors> {
    const view = resultsView(workbench!.page);
    return view.locator('body').evaluate((body) => {
      const html = document.documentElement;
      const bodyStyle = getComputedStyle(body);
      const htmlStyle = getComputedStyle(html);
      const bar = document.querySelector('.tl-bar');
      const step = document.querySelector('section.step');
      if (!bar || !step) throw new Error(`the results view shows no ${bar ? '.step' : '.tl-bar'}`);
      const barStyle = getComputedStyle(bar);
      const stepStyle = getComputedStyle(step);
      return {
        themeId: body.dataset.vscodeThemeId ?? '',
        themeName: body.dataset.vscodeThemeName ?? '',
        themeKind: body.dataset.vscodeThemeKind ?? '',
        bodyClass: body.className,
        bodyBackground: bodyStyle.backgroundColor,
        bodyColor: bodyStyle.color,
        htmlEditorBackground: htmlStyle.getPropertyValue('--vscode-editor-background').trim(),
        bodyEditorBackground: bodyStyle.getPropertyValue('--vscode-editor-background').trim(),
        htmlForeground: htmlStyle.getPropertyValue('--vscode-foreground').trim(),
        bodyForeground: bodyStyle.getPropertyValue('--vscode-foreground').trim(),
        editorForeground: htmlStyle.getPropertyValue('--vscode-editor-foreground').trim(),
        contrastBorder: htmlStyle.getPropertyValue('--vscode-contrastBorder').trim(),
        barOutlineStyle: barStyle.outlineStyle,
        barOutlineWidth: barStyle.outlineWidth,
        barOutlineColor: barStyle.outlineColor,
        stepBorderLeftColor: stepStyle.borderLeftColor,
        stepBorderLeftStyle: stepStyle.borderLeftStyle,
      };
    });
  }

  /** Switches to `t` and reads the results view's colours then. */
  async function switchTheme(t: BuiltInTheme): Promise<ViewColors> {
    await switchWorkbenchTheme(workbench!.page, t);
    const colors = await readColors();
    assert.equal(colors.themeId, t.id, 'the results view was told another theme id');
    return colors;
  }

  /** The body paints with the theme's editor background and foreground, as VS Code set them on the webview. */
  function assertFollowsVariables(c: ViewColors): { background: Rgba; foreground: Rgba } {
    assert.ok(c.htmlEditorBackground, "VS Code set no --vscode-editor-background on the webview's <html>");
    assert.ok(c.htmlForeground, "VS Code set no --vscode-foreground on the webview's <html>");
    assert.equal(c.bodyEditorBackground, c.htmlEditorBackground, '<body> does not inherit --vscode-editor-background');
    assert.equal(c.bodyForeground, c.htmlForeground, '<body> does not inherit --vscode-foreground');
    const background = parseColor(c.bodyBackground);
    const foreground = parseColor(c.bodyColor);
    assert.ok(
      sameColor(background, parseColor(c.htmlEditorBackground)),
      `body background ${c.bodyBackground} is not --vscode-editor-background ${c.htmlEditorBackground}`,
    );
    assert.ok(
      sameColor(foreground, parseColor(c.htmlForeground)),
      `body color ${c.bodyColor} is not --vscode-foreground ${c.htmlForeground}`,
    );
    return { background, foreground };
  }

  async function screenshot(name: string): Promise<void> {
    const wb = workbench!;
    await clearNotifications(wb).catch(() => undefined);
    await wb.page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 15_000 });
    // Let the editor area finish repainting in the new colours.
    await wb.page.waitForTimeout(300);
    await wb.screenshot(name);
  }

  it('the demo run opens the results view, painted in the starting theme', async function () {
    const wb = workbench!;
    await wb.runCommand('OIDC Flow: Run Demo Scenario (Sandbox)');
    const results = resultsView(wb.page);
    await waitForFinishedRun(results, DEMO_TITLE);
    await results.locator('.timeline .tl-bar').first().waitFor({ state: 'visible', timeout: 15_000 });
    await results.locator('section.step').first().waitFor({ state: 'visible', timeout: 15_000 });
    const colors = await readColors();
    assert.equal(colors.themeId, START_THEME_ID, 'the workbench did not start in the theme from settings.json');
    const { foreground } = assertFollowsVariables(colors);
    // VS Code's default webview style paints body text with --vscode-editor-foreground, which the
    // modern themes make equal to --vscode-foreground; this theme tells them apart, so here the
    // match above proves the view's own stylesheet chose --vscode-foreground.
    assert.ok(colors.editorForeground, 'VS Code set no --vscode-editor-foreground on the webview');
    assert.ok(
      !sameColor(foreground, parseColor(colors.editorForeground)),
      `body text is --vscode-editor-foreground ${colors.editorForeground} (VS Code's default), not --vscode-foreground`,
    );
    seen.set('start', colors);
  });

  it("Dark Modern: the results view paints dark, with the theme's editor background and foreground", async function () {
    const dark = THEMES_UNDER_TEST.dark();
    const colors = await switchTheme(dark);
    assert.equal(colors.themeKind, 'vscode-dark');
    assert.match(colors.bodyClass, /\bvscode-dark\b/);
    const { background, foreground } = assertFollowsVariables(colors);
    assert.ok(
      luminance(background) < 0.1,
      `the dark theme's background ${colors.bodyBackground} is not dark (luminance ${luminance(background).toFixed(3)})`,
    );
    assert.ok(
      luminance(foreground) > 0.4,
      `the dark theme's text ${colors.bodyColor} is not light (luminance ${luminance(foreground).toFixed(3)})`,
    );
    assert.ok(
      !sameColor(background, parseColor(seen.get('start')!.bodyBackground)),
      'the background did not change from the starting light theme',
    );
    // Outlines are for high contrast only.
    assert.equal(colors.barOutlineStyle, 'none', 'a timeline bar has an outline outside high contrast');
    seen.set('dark', colors);
    await screenshot('theme-dark');
  });

  it("Light Modern: the results view paints light, with colours unlike the dark theme's", async function () {
    const light = THEMES_UNDER_TEST.light();
    const dark = seen.get('dark');
    assert.ok(dark, 'the Dark Modern test did not record its colours');
    const colors = await switchTheme(light);
    assert.equal(colors.themeKind, 'vscode-light');
    assert.match(colors.bodyClass, /\bvscode-light\b/);
    const { background, foreground } = assertFollowsVariables(colors);
    assert.ok(
      luminance(background) > 0.8,
      `the light theme's background ${colors.bodyBackground} is not light (luminance ${luminance(background).toFixed(3)})`,
    );
    assert.ok(
      luminance(foreground) < 0.2,
      `the light theme's text ${colors.bodyColor} is not dark (luminance ${luminance(foreground).toFixed(3)})`,
    );
    assert.notEqual(
      colors.htmlEditorBackground,
      dark.htmlEditorBackground,
      'dark and light themes gave the webview the same --vscode-editor-background',
    );
    assert.ok(
      !sameColor(background, parseColor(dark.bodyBackground)),
      `the background stayed ${colors.bodyBackground} from dark to light`,
    );
    assert.ok(
      !sameColor(foreground, parseColor(dark.bodyColor)),
      `the text colour stayed ${colors.bodyColor} from dark to light`,
    );
    assert.equal(colors.barOutlineStyle, 'none', 'a timeline bar has an outline outside high contrast');
    seen.set('light', colors);
    await screenshot('theme-light');
  });

  it('Dark High Contrast: timeline bars and steps are outlined in --vscode-contrastBorder', async function () {
    const hc = THEMES_UNDER_TEST.highContrast();
    const colors = await switchTheme(hc);
    assert.equal(colors.themeKind, 'vscode-high-contrast');
    assert.match(colors.bodyClass, /\bvscode-high-contrast\b/);
    const { background } = assertFollowsVariables(colors);
    assert.ok(luminance(background) < 0.1, `the high-contrast background ${colors.bodyBackground} is not dark`);
    assert.ok(colors.contrastBorder, 'VS Code set no --vscode-contrastBorder in high contrast');
    const border = parseColor(colors.contrastBorder);
    assert.notEqual(colors.barOutlineStyle, 'none', 'the timeline bar has no outline in high contrast');
    assert.ok(parseFloat(colors.barOutlineWidth) >= 1, `the timeline bar's outline is ${colors.barOutlineWidth} wide`);
    assert.ok(
      sameColor(parseColor(colors.barOutlineColor), border),
      `the timeline bar's outline ${colors.barOutlineColor} is not --vscode-contrastBorder ${colors.contrastBorder}`,
    );
    assert.notEqual(colors.stepBorderLeftStyle, 'none', 'the step has no left border');
    assert.ok(
      sameColor(parseColor(colors.stepBorderLeftColor), border),
      `the step's border ${colors.stepBorderLeftColor} is not --vscode-contrastBorder ${colors.contrastBorder}`,
    );
    await screenshot('theme-hc');
  });
});
