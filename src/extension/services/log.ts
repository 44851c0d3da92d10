import type * as vscode from 'vscode';
import { escapeControlChars } from '../../core/control-chars';
import { redactLogText } from '../../core/http/redact-log';

/** The extension's LogOutputChannel; every line is redacted, and its control characters shown as escapes. */
export class RedactedLog {
  constructor(private readonly channel: vscode.LogOutputChannel) {}

  info(message: string, secrets: readonly string[] = []): void {
    this.channel.info(escapeControlChars(redactLogText(message, secrets)));
  }

  warn(message: string, secrets: readonly string[] = []): void {
    this.channel.warn(escapeControlChars(redactLogText(message, secrets)));
  }

  error(message: string, secrets: readonly string[] = []): void {
    this.channel.error(escapeControlChars(redactLogText(message, secrets)));
  }

  debug(message: string, secrets: readonly string[] = []): void {
    this.channel.debug(escapeControlChars(redactLogText(message, secrets)));
  }

  show(): void {
    this.channel.show(true);
  }
}
