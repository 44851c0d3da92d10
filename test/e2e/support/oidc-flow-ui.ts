/**
 * The OIDC Flow extension's UI in the code-server workbench, as a person
 * sees it: the activity-bar container, its tree views, quick picks, and the
 * results webview (which VS Code renders two iframes deep).
 */
import type { FrameLocator, Locator, Page } from 'playwright-core';
import type { Workbench } from './browser';

export type ViewName = 'Identity Providers' | 'Gateway Routes' | 'Flows' | 'History' | 'Capture';

/** Clicks the "OIDC Flow" activity-bar item (unless its views show already) and waits for its views. */
export async function openOidcFlowSidebar(page: Page): Promise<void> {
  const idps = page.locator('.sidebar .pane-header[aria-label^="Identity Providers"]');
  // Clicking the item of the container that is showing would hide the sidebar.
  if (await idps.isVisible()) return;
  await page.locator('.activitybar .action-item a[aria-label^="OIDC Flow"]').first().click();
  await idps.waitFor({ state: 'visible', timeout: 30_000 });
}

/** The rows a sidebar tree view shows now. */
export function viewRows(page: Page, view: ViewName): Locator {
  return page
    .locator('.sidebar .pane', { has: page.locator(`.pane-header[aria-label^="${view}"]`) })
    .locator('.monaco-list-row');
}

/** The row of `view` whose label is exactly `label` and whose description contains `description`. */
export function treeRow(page: Page, view: ViewName, label: string, description?: string): Locator {
  const exact = new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  const rows = viewRows(page, view).filter({ has: page.locator('.label-name', { hasText: exact }) });
  return description ? rows.filter({ has: page.locator('.label-description', { hasText: description }) }) : rows;
}

/** Expands a collapsed tree row (clicking its twistie). */
export async function expandRow(row: Locator): Promise<void> {
  if ((await row.getAttribute('aria-expanded')) === 'true') return;
  await row.locator('.monaco-tl-twistie').click();
  await row.and(row.page().locator('[aria-expanded="true"]')).waitFor({ timeout: 15_000 });
}

/** Clicks the item of the open quick pick whose accessible label starts with `prefix` ("label, description, detail"). */
export async function pickQuickItem(page: Page, prefix: string, timeoutMs = 30_000): Promise<void> {
  const item = page
    .locator(`.quick-input-widget .monaco-list-row[aria-label^="${prefix.replace(/"/g, '\\"')}"]`)
    .first();
  await item.waitFor({ state: 'visible', timeout: timeoutMs });
  await item.click();
}

/**
 * The results view's document. VS Code hosts every webview in an
 * `iframe.webview` whose own page loads the extension's HTML into
 * `iframe#active-frame`; these tests open no other webview.
 */
export function resultsView(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
}

/** Waits until the results view shows the run titled `title`, finished (not "running"). */
export async function waitForFinishedRun(view: FrameLocator, title: string, timeoutMs = 90_000): Promise<Locator> {
  const header = view.locator('header.run-header', { has: view.locator('h1', { hasText: title }) });
  await header.locator('.badge:not(.run-running)').first().waitFor({ state: 'visible', timeout: timeoutMs });
  return header;
}

/**
 * The timeline's exchange buttons, in order, by their accessible names: the visible text, then
 * what only the lanes and the bar show ("200 GET route orders, Client to Gateway, 12 ms").
 */
export async function timelineEntries(view: FrameLocator): Promise<string[]> {
  return view
    .locator('.timeline button.tl-open')
    .evaluateAll((buttons) => buttons.map((b) => b.getAttribute('aria-label') ?? b.textContent ?? ''));
}

/**
 * Closes every notification, so screenshots show the results view whole.
 * Commands awaiting a notification's buttons then go on as if it was dismissed.
 */
export async function clearNotifications(wb: Workbench): Promise<void> {
  if ((await wb.page.locator('.notifications-toasts .notification-list-item').count()) === 0) return;
  await wb.runCommand('Notifications: Clear All Notifications');
  await wb.page
    .locator('.notifications-toasts .notification-list-item')
    .first()
    .waitFor({ state: 'hidden', timeout: 15_000 });
  // The palette fades out; screenshots taken meanwhile show it over the editor.
  await wb.page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 15_000 });
}
