/**
 * The editor's diagnostics for flow files come from the checker `oidc-flow
 * validate` uses: the same problems, at the same lines, on open and save,
 * and none for other files. A small fake of the vscode API stands in.
 */
import { strict as assert } from 'node:assert';
import { documentOf, fakeVs, inlineChecker } from './editor-fakes';
import { checkFlowFile } from '../../../src/core/flow/load';
import { FlowDiagnostics } from '../../../src/extension/editor/diagnostics';

const BROKEN = `version: 1
idps:
  okta:
    issuer: https://idp.example/oauth2/default
    clientId: abc
    clientSecret: plain-text-secret-value
flows:
  smoke:
    steps:
      - { id: t, type: token, idp: okte }
`;

describe('flow file diagnostics in the editor', () => {
  it('shows, on save, the problems validate lists, at the same lines', async () => {
    const { vs, sets } = fakeVs();
    const diagnostics = new FlowDiagnostics(vs, inlineChecker());
    const doc = documentOf('/ws/orders.oidc-flow.yaml', BROKEN);
    await diagnostics.check(doc);
    const shown = sets.get('file:///ws/orders.oidc-flow.yaml')!;
    const validated = checkFlowFile(BROKEN, { fileName: 'ws/orders.oidc-flow.yaml' }).issues;
    assert.equal(shown.length, 2);
    assert.deepEqual(
      shown.map((d) => [d.range.start.line + 1, d.code]),
      validated.map((i) => [i.range!.start.line, i.code]),
    );
    assert.ok(shown.every((d, i) => d.message.startsWith(validated[i]!.message)));
    assert.ok(!shown.some((d) => d.message.includes('plain-text-secret-value')));
    diagnostics.dispose();
  });

  it('is updated on open and save through the workspace events, and ignores other files', async () => {
    const { vs, sets, listeners } = fakeVs();
    const diagnostics = new FlowDiagnostics(vs, inlineChecker());
    listeners.open!(documentOf('/ws/notes.yaml', BROKEN));
    listeners.save!(documentOf('/ws/a.oidc-flow.yaml', BROKEN));
    // The check loads the checker lazily (activation stays light); wait for it rather than a fixed time.
    for (let i = 0; i < 200 && sets.size === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual([...sets.keys()], ['file:///ws/a.oidc-flow.yaml']);
    diagnostics.dispose();
  });
});
