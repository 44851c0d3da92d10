import assert from 'node:assert/strict';
import { probe } from './probe';

/**
 * Runs last (suites run in file-name order): the credentials the other suites gave the product or
 * got from its reveals (probe.canaries) appear nowhere else the product wrote during the whole run:
 * its output channel, notifications and their buttons, prompts and their items, URIs it opened,
 * and what it posted to the results webview, except the answers to a reveal the webview asked for.
 * The same search, on every command with a fake vscode, is test/unit/extension/command-canaries.test.ts.
 */
function forms(value: string): string[] {
  return [
    value,
    encodeURIComponent(value),
    Buffer.from(value).toString('base64'),
    Buffer.from(value).toString('base64url'),
    JSON.stringify(value).slice(1, -1),
  ];
}

describe('secret canaries across the extension-host suites', () => {
  it('no credential of the suites reaches the output channel, notifications, prompts, opened URIs or the webview', () => {
    assert.ok(
      probe.canaries.size >= 3,
      `only ${probe.canaries.size} canaries were collected: run the whole suite (the workflows suites add them)`,
    );
    assert.ok(probe.output.length > 0, 'the probe recorded no output channel line');
    const places: Record<string, string> = {
      'output channel': probe.output.join('\n'),
      notifications: probe.messages.map((m) => `${m.text} [${m.items.join(', ')}]`).join('\n'),
      prompts: probe.prompts.map((p) => `${p.text}: ${p.items.join(' / ')}`).join('\n'),
      'opened URIs': probe.opened.map((o) => o.uri).join('\n'),
      webview: probe.toWebview
        .map((m) => JSON.stringify(m.message))
        .filter((text) => !text.includes('"reveal-exchange"'))
        .join('\n'),
    };
    const all = [...probe.canaries].filter((c) => c.length >= 8).flatMap(forms);
    for (const [place, text] of Object.entries(places)) {
      const found = all.filter((form) => text.includes(form));
      assert.deepEqual(
        found.map((form) => `${form.slice(0, 6)}… (${form.length} chars)`),
        [],
        `${place} holds ${found.length} canary form(s)`,
      );
    }
  });
});
