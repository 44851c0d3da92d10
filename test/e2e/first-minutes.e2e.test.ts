/**
 * The first minutes of a new user, in code-server: the demo run from the
 * walkthrough, then what the sidebar and the walkthrough say about it, then
 * a decoded token closed again. The tree shows what the run learned, the
 * walkthrough ticks what happened (the demo started the sandbox), and the
 * decoded token is read-only, so closing it asks nothing.
 */
import assert from 'node:assert/strict';
import type { CodeServer } from './support/code-server';
import { productVsixPath, selectedCodeServer, startCodeServer } from './support/code-server';
import type { Workbench } from './support/browser';
import { openWorkbench } from './support/browser';
import { clearNotifications, openOidcFlowSidebar, viewRows } from './support/oidc-flow-ui';
import { reportFailure, requireE2eTools } from './support/lifecycle';
import { sampleJwt } from './support/sample-jwt';

describe(`e2e: a new user's first minutes (code-server ${selectedCodeServer().version})`, function () {
  let server: CodeServer | undefined;
  let workbench: Workbench | undefined;

  before(async function () {
    requireE2eTools();
    server = await startCodeServer({ vsixPaths: [productVsixPath()] });
    workbench = await openWorkbench(server.workbenchUrl);
  });

  afterEach(async function () {
    await reportFailure(this, 'first-minutes-', workbench, server);
  });

  after(async function () {
    await workbench?.close();
    await server?.stop();
  });

  /** A walkthrough step's row (VS Code renders each as a button with aria-checked). */
  const step = (id: string) => workbench!.page.locator(`button.getting-started-step[data-step-id$="#${id}"]`);

  it('the demo run from the walkthrough ticks "Start the sandbox", which the demo started itself', async function () {
    const wb = workbench!;
    const page = wb.page;
    await wb.runCommand('OIDC Flow: Open Walkthrough');
    await step('startSandbox').waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(await step('startSandbox').getAttribute('aria-checked'), 'false', 'the sandbox step starts ticked');
    await step('runDemo').click();
    await step('runDemo').and(page.locator('[aria-expanded="true"]')).waitFor({ timeout: 15_000 });
    await wb.screenshot('first-minutes-01-walkthrough');
    // The step's description shows its command link as a button.
    await page
      .locator('.gettingStartedContainer')
      .getByRole('button', { name: 'Run Demo Scenario', exact: true })
      .first()
      .click();
    // Not waitForFinishedRun: the walkthrough's media is a webview too, so the results view's frame is not the only one.
    await wb.waitForText('Demo finished.', 120_000);
    await clearNotifications(wb).catch(() => undefined);
    // The results view opens beside the walkthrough, whose steps redraw as their completion events fire.
    await step('startSandbox').waitFor({ state: 'visible', timeout: 15_000 });
    await page
      .locator('button.getting-started-step[data-step-id$="#startSandbox"][aria-checked="true"]')
      .waitFor({ state: 'attached', timeout: 15_000 });
    assert.equal(await step('runDemo').getAttribute('aria-checked'), 'true', 'the demo step is not ticked');
    await wb.screenshot('first-minutes-02-walkthrough-ticked');
  });

  it('the IdP tree says the sandbox IdP was discovered by the demo, and reads so to a screen reader', async function () {
    const wb = workbench!;
    const page = wb.page;
    await openOidcFlowSidebar(page);
    const rows = viewRows(page, 'Identity Providers');
    await rows.first().waitFor({ state: 'visible', timeout: 30_000 });
    const sandboxRow = rows.filter({ has: page.locator('.label-description', { hasText: /^sandbox · / }) }).first();
    await sandboxRow.waitFor({ state: 'visible', timeout: 15_000 });
    const description = (await sandboxRow.locator('.label-description').textContent())?.trim();
    assert.equal(description, 'sandbox · discovered', 'the tree does not show what the demo run learned');
    // accessibilityInformation: label and description, " · " read as a pause.
    assert.match((await sandboxRow.getAttribute('aria-label')) ?? '', /^okta, sandbox, discovered$/);
    await wb.screenshot('first-minutes-03-tree-discovered');
  });

  it('Decode Token opens a read-only view of the claims, and closing it asks nothing', async function () {
    const wb = workbench!;
    const page = wb.page;
    await wb.runCommand('OIDC Flow: Decode Token');
    await wb.answerInput(sampleJwt());
    const tab = page.locator('.tabs-container .tab.active', { hasText: 'Decoded token' });
    await tab.waitFor({ state: 'visible', timeout: 30_000 });
    await wb.waitForText('UNVERIFIED');
    assert.match(await wb.activeEditorText(), /"sub": "e2e-user"/);
    assert.doesNotMatch((await tab.getAttribute('class')) ?? '', /\bdirty\b/, 'the decoded token shows as unsaved');
    await wb.screenshot('first-minutes-04-decoded');
    // The tab's own close button, as a person closes it.
    await tab.hover();
    await tab.locator('.tab-actions .action-label').first().click();
    await tab.waitFor({ state: 'detached', timeout: 15_000 });
    // An untitled document would have asked "Do you want to save…" in a dialog here.
    await page.waitForTimeout(1000);
    assert.equal(await page.locator('.monaco-dialog-box').count(), 0, 'closing the decoded token asked something');
    await wb.screenshot('first-minutes-05-closed');
  });
});
