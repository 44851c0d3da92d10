import type * as vscode from 'vscode';

/**
 * Composition root. Activation does no network and loads nothing that a
 * view or command does not need yet: commands import their modules lazily.
 */
export function activate(context: vscode.ExtensionContext): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const vs = require('vscode') as typeof vscode;
  context.subscriptions.push(
    vs.commands.registerCommand('oidcFlow.decodeToken', async () => {
      const token = await vs.window.showInputBox({ prompt: 'Paste a JWT to decode (it is not stored)', password: true });
      if (!token) return;
      const { decodeJwtParts } = await import('../core/jwt/decode');
      try {
        const decoded = decodeJwtParts(token);
        const doc = await vs.workspace.openTextDocument({
          language: 'json',
          content: JSON.stringify({ note: 'UNVERIFIED: decoded without checking the signature', header: decoded.header, payload: decoded.payload }, null, 2),
        });
        await vs.window.showTextDocument(doc);
      } catch (error) {
        const { asOidcError } = await import('../core/errors');
        void vs.window.showErrorMessage(asOidcError(error).toUserMessage());
      }
    }),
  );
}

export function deactivate(): void {}
