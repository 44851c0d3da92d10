import assert from 'node:assert/strict';
import type { CodeServer } from './support/code-server';
import { productVsixPath, startCodeServer } from './support/code-server';
import type { Workbench } from './support/browser';
import { openWorkbench } from './support/browser';
import type { FixtureWorkspace } from './support/fixtures';
import { copyFixtureWorkspace } from './support/fixtures';
import {
  clearNotifications,
  openOidcFlowSidebar,
  resultsView,
  timelineEntries,
  treeRow,
  waitForFinishedRun,
} from './support/oidc-flow-ui';
import { reportFailure, requireE2eTools } from './support/lifecycle';

// test/fixtures/e2e/script-body sends these as request headers through the
// sandbox gateway; its echo upstream returns them in the JSON response body.
const SCRIPT_PROBE = `<script>window.__pwned = 'script'; alert('pwned by script')</script>`;
const IMG_PROBE = `<img src=x onerror="window.__pwned = 'img'; alert('pwned by img')">`;

describe('e2e: a response body holding markup is shown as text and never runs', function () {
  let workspace: FixtureWorkspace | undefined;
  let server: CodeServer | undefined;
  let workbench: Workbench | undefined;
  const dialogs: string[] = [];

  before(async function () {
    requireE2eTools();
    workspace = copyFixtureWorkspace('script-body');
    server = await startCodeServer({ vsixPaths: [productVsixPath()], folder: workspace.folder });
    workbench = await openWorkbench(server.workbenchUrl);
    // alert() in any frame of the page, the webview's included, lands here.
    workbench.page.on('dialog', (dialog) => {
      dialogs.push(`${dialog.type()}: ${dialog.message()}`);
      void dialog.dismiss();
    });
  });

  afterEach(async function () {
    await reportFailure(this, 'script-body-', workbench, server);
  });

  after(async function () {
    await workbench?.close();
    await server?.stop();
    workspace?.remove();
  });

  it('the echoed <script> and <img onerror> appear as text in the response body; no script element, image, global or dialog results', async function () {
    const wb = workbench!;
    const page = wb.page;
    await openOidcFlowSidebar(page);
    await treeRow(page, 'Flows', 'script-echo', '2 steps').waitFor({ state: 'visible', timeout: 60_000 });

    // One flow, one environment: Run Flow runs it at once, starting the sandbox it needs.
    await wb.runCommand('OIDC Flow: Run Flow');
    const results = resultsView(page);
    const header = await waitForFinishedRun(results, 'script-echo (script-body.oidc-flow.yaml)');
    assert.equal(
      (await header.locator('.badge').first().textContent())?.trim(),
      'passed',
      'the flow (which asserts the echo holds "<script>") did not pass',
    );

    const entries = await timelineEntries(results);
    const echo = entries.findIndex((e) => /^200 \S+ route echo-orders, Client to Gateway,/.test(e));
    assert.ok(echo >= 0, `no 200 from the echo route in the timeline: ${JSON.stringify(entries)}`);
    await results.locator('.timeline button.tl-open').nth(echo).click();

    const detail = results.locator('section.detail');
    await detail.waitFor({ state: 'visible' });
    const responseBody = detail.locator('pre.code[aria-label="response body"]');
    await responseBody.waitFor({ state: 'visible' });
    const bodyText = (await responseBody.textContent()) ?? '';
    // Pretty-printed JSON: the values as the upstream sent them (JSON escapes the img's quotes).
    assert.ok(
      bodyText.includes(`"x-probe-script": "${SCRIPT_PROBE}"`),
      `the response body does not show the <script> as text:\n${bodyText}`,
    );
    assert.ok(
      bodyText.includes(`"x-probe-img": ${JSON.stringify(IMG_PROBE)}`),
      `the response body does not show the <img> as text:\n${bodyText}`,
    );
    await detail.locator('table.headers td', { hasText: SCRIPT_PROBE }).first().waitFor({ state: 'visible' });

    await clearNotifications(wb);
    // The view may render once more as the run's last events land (seen under load on VS Code 1.90):
    // the node scrolled to can be replaced mid-action, and the locator then finds the new one.
    for (let attempt = 1; ; attempt += 1) {
      try {
        await responseBody.scrollIntoViewIfNeeded();
        break;
      } catch (error) {
        if (attempt >= 3 || !/not attached to the DOM/.test(String(error))) throw error;
      }
    }
    await wb.screenshot('script-body-01-echoed-markup-as-text');

    // Give an injected handler (img onerror, a script) the time it would need to fire before the negative checks.
    await page.waitForTimeout(1000);
    const dom = await results.locator('#root').evaluate((root) => {
      const doc = root.ownerDocument;
      return {
        pwned: (doc.defaultView as unknown as { __pwned?: unknown }).__pwned ?? null,
        // VS Code adds one inline script of its own (acquireVsCodeApi); the extension loads one file.
        scriptFiles: [...doc.querySelectorAll('script[src]')].map((s) => s.getAttribute('src') ?? ''),
        probeScripts: [...doc.querySelectorAll('script')].filter((s) => (s.textContent ?? '').includes('pwned')).length,
        images: doc.querySelectorAll('img').length,
        bodyElements: [...doc.querySelectorAll('pre.code')].reduce((n, pre) => n + pre.children.length, 0),
        headerCellElements: [...doc.querySelectorAll('table.headers td')].reduce((n, td) => n + td.children.length, 0),
      };
    });
    assert.equal(dom.pwned, null, 'a script from the response body ran in the results view');
    assert.equal(dom.probeScripts, 0, 'a <script> from the response body became an element');
    assert.equal(
      dom.scriptFiles.length,
      1,
      `the results view loads more than its own script: ${JSON.stringify(dom.scriptFiles)}`,
    );
    assert.match(dom.scriptFiles[0]!, /\/dist\/webview\.js$/);
    assert.equal(dom.images, 0, 'an <img> from the response body became an element');
    assert.equal(dom.bodyElements, 0, 'a body <pre> holds elements, not just text');
    assert.equal(dom.headerCellElements, 0, 'a header cell holds elements, not just text');
    for (const frame of page.frames()) {
      const pwned = await frame
        .evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned ?? null)
        .catch(() => null);
      assert.equal(pwned, null, `window.__pwned is set in the frame ${frame.url()}`);
    }
    assert.deepEqual(dialogs, [], 'a dialog opened');
  });
});
