/**
 * The extension package as a new user meets it: the VSIX installed from its
 * file (Extensions: Install from VSIX…), the demo run, and the extension's
 * details page in the Extensions view.
 *
 * It also takes the three pictures the package readme shows
 * (docs/marketplace/sidebar.png, verdict.png, timeline.png), so they show the
 * product as it is now: commit them when they change.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CodeServer } from './support/code-server';
import { productVsixPath, REPO_ROOT, startCodeServer } from './support/code-server';
import type { Workbench } from './support/browser';
import { openWorkbench, SCREENSHOT_DIR } from './support/browser';
import type { FixtureWorkspace } from './support/fixtures';
import { copyFixtureWorkspace } from './support/fixtures';
import {
  clearNotifications,
  openOidcFlowSidebar,
  resultsView,
  treeRow,
  waitForFinishedRun,
} from './support/oidc-flow-ui';
import { reportFailure, requireE2eTools } from './support/lifecycle';
import { PACKAGE_README, readmeBaseUrls } from '../../scripts/package-vsix';

// The details page shows the current VS Code: the run in the oldest supported one writes its
// pictures with its other screenshots instead of replacing these.
const PICTURES =
  process.env.OIDC_CODE_SERVER === 'oldest'
    ? join(REPO_ROOT, 'test-results', 'e2e-oldest', 'marketplace')
    : join(REPO_ROOT, 'docs', 'marketplace');
// The marketplace pictures' size: small files, still readable on the details page.
const VIEWPORT = { width: 1280, height: 800 };

describe('e2e: the extension package, installed from the VSIX file as a user does', function () {
  let workspace: FixtureWorkspace | undefined;
  let server: CodeServer | undefined;
  let workbench: Workbench | undefined;

  before(async function () {
    requireE2eTools();
    workspace = copyFixtureWorkspace('introspection');
    // Nothing installed beforehand: the first test installs the VSIX as a user does.
    server = await startCodeServer({ vsixPaths: [], folder: workspace.folder });
    workbench = await openWorkbench(server.workbenchUrl);
    await workbench.page.setViewportSize(VIEWPORT);
  });

  afterEach(async function () {
    await reportFailure(this, 'package-', workbench, server);
  });

  after(async function () {
    await workbench?.close();
    await server?.stop();
    workspace?.remove();
  });

  it('installs from the VSIX file with Extensions: Install from VSIX…', async function () {
    const wb = workbench!;
    const page = wb.page;
    await wb.runCommand('Extensions: Install from VSIX...');
    // code-server's file dialog is a quick input that takes a path. It fills in its starting
    // folder a moment after it opens and lists it, which can overwrite what was typed before.
    const box = page.locator('.quick-input-widget .quick-input-box input');
    await box.waitFor({ state: 'visible', timeout: 15_000 });
    const vsix = productVsixPath();
    const done = page.getByText('Completed installing').first();
    const deadline = Date.now() + 120_000;
    while (!(await done.isVisible())) {
      if (Date.now() > deadline) throw new Error(`Install from VSIX… did not install ${vsix} within 120 s`);
      if (await box.isVisible()) {
        const value = await box.inputValue();
        if (value !== '' && value !== vsix) {
          await box.fill(vsix);
          await page.waitForTimeout(500);
        }
        if ((await box.inputValue()) === vsix) await page.keyboard.press('Enter');
      }
      await page.waitForTimeout(1000);
    }
    await page
      .locator('.activitybar .action-item a[aria-label^="OIDC Flow"]')
      .first()
      .waitFor({ state: 'visible', timeout: 60_000 });
    const errors = (await wb.notifications()).filter((n) => n.severity === 'error');
    assert.deepEqual(errors, []);
    await wb.screenshot('package-00-installed-from-vsix');
    await clearNotifications(wb);
  });

  it('takes the readme pictures: the sidebar, the verdict and the timeline after the demo', async function () {
    const wb = workbench!;
    const page = wb.page;
    await openOidcFlowSidebar(page);
    await treeRow(page, 'Flows', 'introspection-scenario').waitFor({ state: 'visible', timeout: 60_000 });
    await wb.runCommand('OIDC Flow: Start Sandbox');
    await treeRow(page, 'Identity Providers', 'okta', 'sandbox ·').waitFor({ state: 'visible', timeout: 60_000 });
    await treeRow(page, 'Gateway Routes', 'orders-cached').waitFor({ state: 'visible', timeout: 30_000 });

    await wb.runCommand('OIDC Flow: Run Demo Scenario (Sandbox)');
    const results = resultsView(page);
    await waitForFinishedRun(results, 'Demo: the introspection scenario');
    const verdict = results.locator('section.verdict');
    await verdict.locator('p.summary', { hasText: /deactivated/ }).waitFor({ state: 'visible', timeout: 30_000 });
    await clearNotifications(wb);
    const errors = (await wb.notifications()).filter((n) => n.severity === 'error');
    assert.deepEqual(errors, []);

    mkdirSync(PICTURES, { recursive: true });
    await page.screenshot({ path: join(PICTURES, 'sidebar.png') });
    await verdict.scrollIntoViewIfNeeded();
    await verdict.screenshot({ path: join(PICTURES, 'verdict.png') });
    const timeline = results.locator('.timeline');
    await timeline.scrollIntoViewIfNeeded();
    await timeline.screenshot({ path: join(PICTURES, 'timeline.png') });
    for (const name of ['sidebar', 'verdict', 'timeline']) {
      const png = readFileSync(join(PICTURES, `${name}.png`));
      assert.ok(png.length < 400_000, `${join(PICTURES, name)}.png is ${png.length} bytes: too big for a details page`);
    }
  });

  it("shows the package readme as the extension's details page, with its pictures, links and preview flag", async function () {
    const wb = workbench!;
    const page = wb.page;
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      repository: { url: string };
    };
    // The details page loads the pictures from the repository, as the marketplaces will; the
    // repository is not public yet (and these machines are offline), so serve its files from here.
    const images = readmeBaseUrls(manifest.repository.url, PACKAGE_README).images;
    const requested: string[] = [];
    await page.context().route(`${images}/**`, async (route) => {
      const file = join(REPO_ROOT, PACKAGE_README, '..', new URL(route.request().url()).pathname.split('/').pop()!);
      requested.push(route.request().url());
      if (existsSync(file)) await route.fulfill({ status: 200, contentType: 'image/png', body: readFileSync(file) });
      else await route.fulfill({ status: 404, body: 'not in the repository' });
    });

    await wb.runCommand('View: Close All Editors');
    // VS Code 1.90's palette has no "Show Installed Extensions": its Extensions view, with an empty
    // search, lists what is installed.
    await wb.runCommand('Extensions: Show Installed Extensions').catch(() => wb.runCommand('View: Show Extensions'));
    const item = page.locator('.extensions-viewlet .monaco-list-row', { hasText: 'OIDC Flow Debugger' }).first();
    await item.waitFor({ state: 'visible', timeout: 30_000 });
    await item.click();

    const editor = page.locator('.extension-editor');
    await editor.locator('.header .name', { hasText: 'OIDC Flow Debugger' }).waitFor({ timeout: 30_000 });
    const readme = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
    await readme.locator('h1', { hasText: 'OIDC Flow Debugger' }).waitFor({ timeout: 30_000 });
    await readme.locator('h2', { hasText: 'Privacy: what is stored where' }).waitFor();
    await readme.locator('td', { hasText: 'oidcFlow.startSandbox' }).first().waitFor();
    // Every picture loaded (a broken one has no natural width).
    const pictures = readme.locator('img');
    await pictures.last().scrollIntoViewIfNeeded();
    await page.waitForTimeout(500);
    const widths = await pictures.evaluateAll((imgs) =>
      imgs.map((img) => ({ src: (img as HTMLImageElement).src, width: (img as HTMLImageElement).naturalWidth })),
    );
    assert.equal(widths.length, 3, `the details page shows ${widths.length} pictures: ${JSON.stringify(widths)}`);
    assert.deepEqual(
      widths.filter((w) => w.width === 0),
      [],
      `pictures that did not load (requested: ${JSON.stringify(requested)})`,
    );
    const header = (await editor.locator('.header').textContent()) ?? '';
    assert.match(header, /Preview/, `the details page does not say Preview: ${header}`);
    await readme.locator('h1').first().scrollIntoViewIfNeeded();
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await wb.screenshot('package-01-details-page');
    await readme.locator('h2', { hasText: 'Commands and settings' }).scrollIntoViewIfNeeded();
    await wb.screenshot('package-02-details-commands');
  });
});
