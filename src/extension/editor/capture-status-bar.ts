import type * as vscode from 'vscode';
import type { CaptureInfo } from '../capture/capture-api';
import type { CaptureService } from '../capture/capture-service';
import type { CommandId } from '../commands/command-ids';

/** "Capture :8123 (4)": the port people point their client at, and how many calls went through. */
export function captureStatusText(info: CaptureInfo): string {
  return `$(record) Capture :${info.port} (${info.total})`;
}

export function captureStatusTooltip(info: CaptureInfo): string {
  return [
    `OIDC Flow is capturing: ${info.host}:${info.port} → ${info.target}`,
    `${info.total} ${info.total === 1 ? 'call' : 'calls'} so far; the Capture view keeps the last ${info.ring}.`,
    'Click to stop the capture.',
  ].join('\n');
}

/** Shown while a capture runs; a click stops it (Stop Capture asks nothing). */
export class CaptureStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly subscription: { dispose(): void };

  constructor(
    vs: typeof vscode,
    private readonly capture: CaptureService,
  ) {
    this.item = vs.window.createStatusBarItem('oidcFlow.capture', vs.StatusBarAlignment.Left, 50);
    this.item.name = 'OIDC Flow capture';
    this.item.command = 'oidcFlow.stopCapture' satisfies CommandId;
    this.subscription = capture.onDidChange(() => this.update());
    this.update();
  }

  private update(): void {
    const info = this.capture.info;
    if (!info) {
      this.item.hide();
      return;
    }
    this.item.text = captureStatusText(info);
    this.item.tooltip = captureStatusTooltip(info);
    this.item.show();
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}
