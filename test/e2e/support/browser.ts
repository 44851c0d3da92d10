/**
 * Drives the VS Code workbench that code-server serves, with playwright-core
 * and Debian's Chromium (playwright's own browser download is impossible on
 * these machines, and not wanted).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { REPO_ROOT } from './code-server';

export const CHROMIUM_PATH = process.env.OIDC_E2E_CHROMIUM ?? '/usr/bin/chromium';
// The oldest-VS-Code run keeps its screenshots apart from the main run's.
export const SCREENSHOT_DIR = join(
  REPO_ROOT,
  'test-results',
  process.env.OIDC_CODE_SERVER === 'oldest' ? 'e2e-oldest' : 'e2e',
);

// Without the background-networking flags Chromium keeps dialling Google
// services that the closed network refuses; --no-sandbox because CI runs as root.
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-dev-shm-usage',
];

/** Why Chromium cannot run here (and how to install it), or undefined when it can. */
export function chromiumUnavailable(): string | undefined {
  if (!existsSync(CHROMIUM_PATH)) {
    return `Chromium is not installed at ${CHROMIUM_PATH}: run \`apt-get update && apt-get install -y chromium\` as root (scripts/install-code-server.sh does it when run as root), or set OIDC_E2E_CHROMIUM to a Chromium binary`;
  }
  return undefined;
}

/** Throws a test failure naming what is missing: a missing browser must never let a test pass. */
export function requireChromium(): void {
  const why = chromiumUnavailable();
  if (why) throw new Error(why);
}

export interface Notification {
  severity: 'error' | 'warning' | 'info' | '';
  message: string;
}

export interface Workbench {
  browser: Browser;
  page: Page;
  /** Runs a command by its palette title (F1, type, Enter), e.g. "OIDC Flow: Decode Token". */
  runCommand(title: string): Promise<void>;
  /** Types into the open quick input (input box or quick pick) and presses Enter. */
  answerInput(text: string): Promise<void>;
  /** Saves a PNG of the page into test-results/e2e/<name>.png and returns its path. */
  screenshot(name: string): Promise<string>;
  /** Waits until `text` is visible somewhere in the workbench. */
  waitForText(text: string, timeoutMs?: number): Promise<void>;
  /** The notification toasts showing now. */
  notifications(): Promise<Notification[]>;
  /** The text of the active editor's visible lines (monaco renders only what is on screen). */
  activeEditorText(): Promise<string>;
  /** Everything the page logged to its console. */
  consoleLog(): string[];
  close(): Promise<void>;
}

/** Launches Chromium, opens the workbench at `url` and waits until it has rendered. */
export async function openWorkbench(url: string, options: { timeoutMs?: number } = {}): Promise<Workbench> {
  requireChromium();
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
  const consoleLines: string[] = [];
  try {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    page.on('console', (message) => consoleLines.push(`[${message.type()}] ${message.text()}`));
    page.on('pageerror', (error) => consoleLines.push(`[pageerror] ${error.message}`));
    await page.goto(url, { timeout: options.timeoutMs ?? 60_000 });
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: options.timeoutMs ?? 60_000 });
    return makeWorkbench(browser, page, consoleLines);
  } catch (error) {
    await browser.close();
    throw error;
  }
}

function makeWorkbench(browser: Browser, page: Page, consoleLines: string[]): Workbench {
  const quickInput = page.locator('.quick-input-widget');
  const quickInputBox = quickInput.locator('.quick-input-box input');

  const runCommand = async (title: string): Promise<void> => {
    // Commands contributed by extensions reach the palette once the extension
    // host has registered them; a palette opened earlier does not refresh, so
    // close it and try again until the row shows up.
    const deadline = Date.now() + 60_000;
    for (;;) {
      await page.keyboard.press('F1');
      await quickInputBox.waitFor({ state: 'visible', timeout: 15_000 });
      await quickInputBox.fill(`>${title}`);
      const row = quickInput.locator('.monaco-list-row.focused', { hasText: title });
      try {
        await row.waitFor({ state: 'visible', timeout: 5_000 });
        await page.keyboard.press('Enter');
        return;
      } catch (error) {
        await page.keyboard.press('Escape');
        if (Date.now() > deadline)
          throw new Error(`the command palette has no command titled "${title}": ${(error as Error).message}`);
      }
    }
  };

  return {
    browser,
    page,
    runCommand,
    async answerInput(text) {
      await quickInputBox.waitFor({ state: 'visible', timeout: 15_000 });
      await quickInputBox.fill(text);
      await page.keyboard.press('Enter');
    },
    async screenshot(name) {
      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      const path = join(SCREENSHOT_DIR, `${name}.png`);
      await page.screenshot({ path });
      return path;
    },
    async waitForText(text, timeoutMs = 30_000) {
      await page.getByText(text).first().waitFor({ state: 'visible', timeout: timeoutMs });
    },
    async notifications() {
      return page.locator('.notifications-toasts .notification-list-item').evaluateAll((items) =>
        items.map((item) => {
          const icon = item.querySelector('.notification-list-item-icon')?.className ?? '';
          const severity = (['error', 'warning', 'info'] as const).find((s) => icon.includes(s)) ?? '';
          const message = item.querySelector('.notification-list-item-message')?.textContent?.trim() ?? '';
          return { severity, message };
        }),
      );
    },
    async activeEditorText() {
      const lines = page.locator('.editor-group-container.active .monaco-editor .view-lines').first();
      await lines.waitFor({ state: 'visible', timeout: 15_000 });
      // Monaco renders spaces as non-breaking spaces and lines out of order.
      const rendered = await lines.locator('.view-line').evaluateAll((nodes) =>
        nodes
          .map((node) => ({ top: parseFloat((node as HTMLElement).style.top || '0'), text: node.textContent ?? '' }))
          .sort((a, b) => a.top - b.top)
          .map((line) => line.text),
      );
      return rendered.join('\n').replace(/\u00a0/g, ' ');
    },
    consoleLog: () => [...consoleLines],
    close: () => browser.close(),
  };
}
