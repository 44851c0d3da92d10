import type * as vscode from 'vscode';
import type { CommandId } from '../commands/command-ids';
import type { TokenVault } from '../secrets/token-vault';
import { formatTimeLeft, secondsLeft } from '../secrets/token-vault';

/** The newest live token's time to expiry (never its value); ticks every second while one exists. */
export class TokenStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private timer?: ReturnType<typeof setInterval>;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly vs: typeof vscode,
    private readonly vault: TokenVault,
  ) {
    this.item = vs.window.createStatusBarItem('oidcFlow.token', vs.StatusBarAlignment.Right, 100);
    this.item.name = 'OIDC Flow token expiry';
    this.subscription = vault.onDidChange(() => this.update());
    this.update();
  }

  private update(): void {
    const meta = this.vault.active() ?? this.vault.list()[0];
    if (!meta) {
      this.item.hide();
      if (this.timer) clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    const left = secondsLeft(meta, Date.now());
    const expired = left !== undefined && left <= 0;
    this.item.text = `$(${expired ? 'warning' : 'key'}) ${meta.idpName}: ${formatTimeLeft(left)}`;
    this.item.tooltip = `OIDC Flow: ${meta.kind === 'jwt' ? 'JWT' : 'opaque'} access token from ${meta.idpName} (${meta.grant})${meta.scope ? `, scope ${meta.scope}` : ''}.\nClick to verify it.`;
    this.item.backgroundColor = expired ? new this.vs.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.command = {
      command: 'oidcFlow.verifyToken' satisfies CommandId,
      title: 'Verify Token',
      arguments: [{ kind: 'token', tokenId: meta.id, idpId: meta.idpId }],
    };
    this.item.show();
    if (!this.timer) this.timer = setInterval(() => this.update(), 1000);
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.subscription.dispose();
    this.item.dispose();
  }
}
