import assert from 'node:assert/strict';
import type { CodeServer } from './support/code-server';
import { productVsixPath, selectedCodeServer, startCodeServer } from './support/code-server';
import type { Workbench } from './support/browser';
import { openWorkbench } from './support/browser';
import { reportFailure, requireE2eTools } from './support/lifecycle';
import { sampleJwt } from './support/sample-jwt';

describe(`e2e: the VSIX in a real VS Code (code-server ${selectedCodeServer().version})`, function () {
  let server: CodeServer | undefined;
  let workbench: Workbench | undefined;

  before(async function () {
    // Missing tools fail the run with the fix in the message; never a silent pass.
    requireE2eTools();
    server = await startCodeServer({ vsixPaths: [productVsixPath()] });
    workbench = await openWorkbench(server.workbenchUrl);
    await workbench.screenshot('00-workbench');
  });

  afterEach(async function () {
    await reportFailure(this, '', workbench, server);
  });

  after(async function () {
    await workbench?.close();
    await server?.stop();
  });

  it('"OIDC Flow: Decode Token" opens the decoded token, marked UNVERIFIED', async function () {
    const wb = workbench!;
    await wb.runCommand('OIDC Flow: Decode Token');
    await wb.waitForText('Paste a JWT to decode');
    await wb.screenshot('01-decode-input');
    await wb.answerInput(sampleJwt());

    await wb.waitForText('UNVERIFIED');
    await wb.screenshot('02-decoded');
    const text = await wb.activeEditorText();
    assert.match(text, /UNVERIFIED/);
    assert.match(text, /"sub": "e2e-user"/);
    assert.match(text, /"iss": "https:\/\/idp\.e2e\.test\/oauth2\/default"/);
    assert.match(text, /"kid": "e2e-key"/);
    const errors = (await wb.notifications()).filter((n) => n.severity === 'error');
    assert.deepEqual(errors, []);
  });

  it('a malformed token shows an error notification instead of an editor', async function () {
    const wb = workbench!;
    await wb.runCommand('OIDC Flow: Decode Token');
    await wb.answerInput('not-a-jwt');
    await wb.page
      .locator('.notifications-toasts .notification-list-item')
      .first()
      .waitFor({ state: 'visible', timeout: 30_000 });
    await wb.screenshot('03-malformed');
    const errors = (await wb.notifications()).filter((n) => n.severity === 'error');
    assert.equal(errors.length, 1, `expected one error notification, saw ${JSON.stringify(await wb.notifications())}`);
    assert.doesNotMatch(errors[0]!.message, /not-a-jwt/, 'the notification must not echo the token');
  });
});
