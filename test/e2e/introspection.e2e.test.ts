import assert from 'node:assert/strict';
import type { CodeServer } from './support/code-server';
import { productVsixPath, startCodeServer } from './support/code-server';
import type { Workbench } from './support/browser';
import { openWorkbench } from './support/browser';
import type { FixtureWorkspace } from './support/fixtures';
import { copyFixtureWorkspace } from './support/fixtures';
import {
  clearNotifications,
  expandRow,
  openOidcFlowSidebar,
  pickQuickItem,
  resultsView,
  timelineEntries,
  treeRow,
  viewRows,
  waitForFinishedRun,
} from './support/oidc-flow-ui';
import { reportFailure, requireE2eTools } from './support/lifecycle';

// test/fixtures/e2e/introspection holds a copy of examples/introspection-scenario.yaml.
const RUN_TITLE = 'introspection-scenario (introspection.oidc-flow.yaml)';

describe('e2e: the introspection scenario in code-server, as a person sees it', function () {
  let workspace: FixtureWorkspace | undefined;
  let server: CodeServer | undefined;
  let workbench: Workbench | undefined;

  before(async function () {
    requireE2eTools();
    workspace = copyFixtureWorkspace('introspection');
    server = await startCodeServer({ vsixPaths: [productVsixPath()], folder: workspace.folder });
    workbench = await openWorkbench(server.workbenchUrl);
  });

  afterEach(async function () {
    await reportFailure(this, 'introspection-', workbench, server);
  });

  after(async function () {
    await workbench?.close();
    await server?.stop();
    workspace?.remove();
  });

  it('the sidebar shows the flow file; Start Sandbox adds the sandbox IdP; Fetch Token puts a token under it', async function () {
    const wb = workbench!;
    const page = wb.page;
    await openOidcFlowSidebar(page);
    await treeRow(page, 'Flows', 'introspection-scenario', '8 steps').waitFor({ state: 'visible', timeout: 60_000 });
    await treeRow(page, 'Identity Providers', 'okta', 'introspection.oidc-flow.yaml').waitFor({ state: 'visible' });
    await treeRow(page, 'Identity Providers', 'kong', 'introspection.oidc-flow.yaml').waitFor({ state: 'visible' });
    await treeRow(page, 'Gateway Routes', 'orders-service').waitFor({ state: 'visible' });
    await wb.screenshot('introspection-01-sidebar-flow-file');

    await wb.runCommand('OIDC Flow: Start Sandbox');
    await wb.waitForText('Sandbox running: IdP https://127.0.0.1:', 60_000);
    const sandboxIdp = treeRow(page, 'Identity Providers', 'okta', 'sandbox ·');
    await sandboxIdp.waitFor({ state: 'visible', timeout: 30_000 });
    await treeRow(page, 'Identity Providers', 'okta-as-gateway', 'sandbox ·').waitFor({ state: 'visible' });
    // The sandbox gateway's routes join the file's, grouped under their service.
    await treeRow(page, 'Gateway Routes', 'orders-cached').waitFor({ state: 'visible', timeout: 30_000 });
    await wb.screenshot('introspection-02-sandbox-idp');

    await wb.runCommand('OIDC Flow: Fetch Token…');
    await pickQuickItem(page, 'okta, sandbox');
    await pickQuickItem(page, 'Client credentials');
    await wb.waitForText('Token fetched from okta', 60_000);
    await expandRow(sandboxIdp);
    const tokens = treeRow(page, 'Identity Providers', 'Tokens', '1');
    await tokens.waitFor({ state: 'visible', timeout: 15_000 });
    // The extension marks the row expanded once it holds a token; VS Code 1.90 may still show it
    // collapsed (it keeps the state it first saw for the row, when it had no children).
    await expandRow(tokens);
    const token = treeRow(page, 'Identity Providers', 'JWT access token', 'client_credentials · ');
    await token.waitFor({ state: 'visible', timeout: 15_000 });
    assert.match(
      (await token.locator('.label-description').textContent()) ?? '',
      /client_credentials · \d+m/,
      'the token row shows no time to expiry',
    );
    await page.locator('.statusbar', { hasText: /okta: \d+m/ }).waitFor({ state: 'visible', timeout: 15_000 });
    // The fetch is a one-step run of its own, shown in the results view with the decoded token.
    const results = resultsView(page);
    await waitForFinishedRun(results, 'Fetch token: okta (client_credentials)');
    await results
      .locator('section.token h4', { hasText: 'Access token from step token' })
      .waitFor({ state: 'visible' });

    const errors = (await wb.notifications()).filter((n) => n.severity === 'error');
    assert.deepEqual(errors, []);
    await clearNotifications(wb);
    await wb.screenshot('introspection-03-token-fetched');
  });

  it("Run Flow on the sandbox environment shows the 200, then the gateway's 401 and the verdict sentence", async function () {
    const wb = workbench!;
    const page = wb.page;
    await openOidcFlowSidebar(page);
    await wb.runCommand('OIDC Flow: Run Flow');
    // The file has two environments: okta (real Okta) and sandbox.
    await pickQuickItem(page, 'sandbox, ');

    const results = resultsView(page);
    const header = await waitForFinishedRun(results, RUN_TITLE);
    assert.equal(
      (await header.locator('.badge').first().textContent())?.trim(),
      'passed',
      "the flow's own assertions (200, active, 401) did not all pass",
    );

    const verdict = results.locator('section.verdict');
    await verdict.waitFor({ state: 'visible' });
    assert.equal((await verdict.locator('h2').textContent())?.trim(), 'Why the gateway said no');
    const sentence = (await verdict.locator('p.summary').textContent())?.trim() ?? '';
    assert.match(sentence, /deactivated/, `the verdict does not say the app was deactivated: ${sentence}`);
    assert.match((await verdict.locator('p.fix').textContent()) ?? '', /^Fix: .*Reactivate/);
    const answers = verdict.locator('.answers .answer');
    assert.deepEqual(await answers.locator('h3').allTextContents(), [
      'Local JWKS check',
      "IdP's introspection",
      "Gateway's answer",
    ]);
    assert.match((await verdict.locator('.answer.bad', { hasText: "Gateway's answer" }).textContent()) ?? '', /401/);
    const errors = (await wb.notifications()).filter((n) => n.severity === 'error');
    assert.deepEqual(errors, []);
    await clearNotifications(wb);
    await wb.screenshot('introspection-04-results-verdict');

    // The timeline: the call through the gateway got 200 first, and 401 after the app was deactivated.
    const entries = await timelineEntries(results);
    const ok = entries.findIndex((e) => /^200 \S+ route orders, Client to Gateway,/.test(e));
    const refused = entries.findIndex((e) => /^401 \S+ route orders, Client to Gateway,/.test(e));
    assert.ok(ok >= 0, `no 200 from the route in the timeline: ${JSON.stringify(entries)}`);
    assert.ok(refused > ok, `no 401 from the route after the 200: ${JSON.stringify(entries)}`);
    const rows = results.locator('.timeline .tl-row:not(.tl-head)');
    assert.equal((await rows.nth(ok).locator('.status').textContent())?.trim(), '200');
    assert.equal((await rows.nth(refused).locator('.status').textContent())?.trim(), '401');
    await rows.nth(refused).scrollIntoViewIfNeeded();
    await wb.screenshot('introspection-05-timeline-200-then-401');

    // The steps say the same, and the 401 step carries the verdict inline.
    const callOk = results.locator('section.step#step-call-ok');
    assert.match((await callOk.locator('h3').textContent()) ?? '', /HTTP 200/);
    const refusedStep = results
      .locator('section.step', { has: results.locator('h3', { hasText: 'HTTP 401' }) })
      .first();
    await refusedStep.scrollIntoViewIfNeeded();
    assert.equal((await refusedStep.locator('p.verdict-inline').textContent())?.trim(), `Verdict: ${sentence}`);
    await wb.screenshot('introspection-06-step-401-verdict');

    // The History view lists the run.
    const historyHeader = page.locator('.sidebar .pane-header[aria-label^="History"]');
    if ((await historyHeader.getAttribute('aria-expanded')) !== 'true') await historyHeader.click();
    await treeRow(page, 'History', RUN_TITLE, 'passed').waitFor({ state: 'visible', timeout: 15_000 });
    assert.ok((await viewRows(page, 'History').count()) >= 1);
    await wb.screenshot('introspection-07-history');
  });

  it('Run Flow Step by Step pauses before each step; Next step and Continue in the results view drive it', async function () {
    const wb = workbench!;
    const page = wb.page;
    await openOidcFlowSidebar(page);
    await wb.runCommand('OIDC Flow: Run Flow Step by Step');
    await pickQuickItem(page, 'sandbox, ');

    const results = resultsView(page);
    const paused = results.locator('section.paused');
    await paused.locator('p', { hasText: 'Paused before step token' }).waitFor({ state: 'visible', timeout: 60_000 });
    assert.equal(
      await results.locator('.timeline button.tl-open').count(),
      0,
      'something was sent before the first Next step',
    );
    await clearNotifications(wb).catch(() => undefined);
    await wb.screenshot('introspection-08-paused-before-token');

    await paused.locator('button', { hasText: 'Next step' }).click();
    await paused.locator('p', { hasText: 'Paused before step call-ok' }).waitFor({ state: 'visible', timeout: 30_000 });
    const afterOne = await timelineEntries(results);
    assert.ok(
      afterOne.some((e) => /token endpoint/i.test(e)),
      `the token step's exchange is not on the timeline: ${JSON.stringify(afterOne)}`,
    );
    assert.ok(
      !afterOne.some((e) => /route orders/.test(e)),
      `the gateway was called before Next step: ${JSON.stringify(afterOne)}`,
    );
    await wb.screenshot('introspection-09-paused-before-call');

    await paused.locator('button', { hasText: 'Continue' }).click();
    const header = await waitForFinishedRun(
      results,
      'introspection-scenario step by step (introspection.oidc-flow.yaml)',
    );
    assert.equal((await header.locator('.badge').first().textContent())?.trim(), 'passed');
    assert.equal(await results.locator('section.paused').count(), 0, 'the paused bar stays after the run ended');
    await results.locator('section.verdict p.summary', { hasText: /deactivated/ }).waitFor({ state: 'visible' });
    await wb.screenshot('introspection-10-step-by-step-finished');
  });
});
