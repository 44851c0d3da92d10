import assert from 'node:assert/strict';
import * as vscode from 'vscode';

const EXTENSION_ID = 'oidc-flow-debugger.oidc-flow-debugger';

interface ContributedCommand {
  command: string;
  title: string;
}

function product(): vscode.Extension<unknown> {
  const extension = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is not installed in this VS Code`);
  return extension;
}

describe('OIDC Flow Debugger extension', function () {
  it('is installed and activates', async function () {
    const extension = product();
    await extension.activate();
    assert.equal(extension.isActive, true);
  });

  it('registers the command oidcFlow.decodeToken', async function () {
    await product().activate();
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('oidcFlow.decodeToken'), 'oidcFlow.decodeToken is not registered');
  });

  it('registers every command its package.json contributes', async function () {
    const extension = product();
    await extension.activate();
    const contributed = (
      (extension.packageJSON as { contributes?: { commands?: ContributedCommand[] } }).contributes?.commands ?? []
    ).map((c) => c.command);
    assert.ok(contributed.length > 0, 'package.json contributes no commands');
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.deepEqual(
      contributed.filter((command) => !registered.has(command)),
      [],
      'contributed in package.json but not registered at activation',
    );
  });
});
