/**
 * The built-in colour themes of the code-server under test, and switching
 * the workbench (and so the results view) to one of them as a person would:
 * through "Preferences: Color Theme".
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { codeServerCache } from './code-server';
import { resultsView } from './oidc-flow-ui';

export interface BuiltInTheme {
  /** What the Color Theme picker shows ("Dark Modern"). */
  label: string;
  /** What workbench.colorTheme holds: "Default Dark Modern" up to VS Code 1.9x, "Dark Modern" in later ones. */
  id: string;
  uiTheme: string;
}

/** The default themes this code-server's VS Code ships, read from its theme-defaults extension. */
function builtInThemes(): BuiltInTheme[] {
  const dir = join(codeServerCache(), 'node_modules', 'code-server', 'lib', 'vscode', 'extensions', 'theme-defaults');
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    contributes: { themes: { id?: string; label: string; uiTheme: string }[] };
  };
  const nls = JSON.parse(readFileSync(join(dir, 'package.nls.json'), 'utf8')) as Record<string, string>;
  return pkg.contributes.themes.map((t) => {
    const label = t.label.replace(/^%(.*)%$/, (_, key: string) => nls[key] ?? key);
    return { label, id: t.id ?? label, uiTheme: t.uiTheme };
  });
}

/** The built-in theme the picker labels `label`, whose id is one of `ids` (the names differ between VS Code versions). */
export function theme(label: string, ids: string[]): BuiltInTheme {
  const all = builtInThemes();
  const found = all.find((t) => t.label === label);
  assert.ok(
    found,
    `this VS Code has no built-in theme labelled "${label}": ${JSON.stringify(all.map((t) => t.label))}`,
  );
  assert.ok(
    ids.includes(found.id),
    `the built-in theme "${label}" has the id "${found.id}", not one of ${JSON.stringify(ids)}`,
  );
  return found;
}

/** The three themes the results view must serve well. */
export const THEMES_UNDER_TEST = {
  dark: () => theme('Dark Modern', ['Default Dark Modern', 'Dark Modern']),
  light: () => theme('Light Modern', ['Default Light Modern', 'Light Modern']),
  highContrast: () => theme('Dark High Contrast', ['Default High Contrast']),
};

/** Picks `t` in "Preferences: Color Theme" and waits until the results view got the new theme. */
export async function switchTheme(page: Page, t: BuiltInTheme): Promise<void> {
  const picker = page.locator('.quick-input-widget');
  const input = picker.locator('.quick-input-box input');
  // Not runCommand: the palette may rank "Preferences: Browse Color Themes in Marketplace" first, so click the exact command.
  await page.keyboard.press('F1');
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  await input.fill('>Preferences: Color Theme');
  await picker
    .locator('.monaco-list-row', { has: page.locator('.label-name', { hasText: /^Preferences: Color Theme$/ }) })
    .first()
    .click({ timeout: 15_000 });
  // The palette turns into the theme picker: its rows are themes, not commands.
  await picker
    .locator('.monaco-list-row', { has: page.locator('.label-name', { hasText: /^Light Modern$/ }) })
    .first()
    .waitFor({ state: 'attached', timeout: 15_000 });
  await input.fill(t.label);
  // The filtered list focuses its best match; Enter applies it and writes workbench.colorTheme.
  await picker
    .locator(`.monaco-list-row.focused[aria-label^="${t.label}"]`)
    .waitFor({ state: 'visible', timeout: 15_000 });
  await page.keyboard.press('Enter');
  await picker.waitFor({ state: 'hidden', timeout: 15_000 });
  await page.locator(`.monaco-workbench.${t.uiTheme}`).waitFor({ state: 'attached', timeout: 15_000 });
  // VS Code posts the new theme's name, kind and variables to the webview in one message.
  await resultsView(page)
    .locator(`body[data-vscode-theme-name="${t.label}"]`)
    .waitFor({ state: 'attached', timeout: 15_000 });
}
