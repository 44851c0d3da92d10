import type * as vscode from 'vscode';
import { escapeControlChars } from '../../core/control-chars';
import { redactLine } from './log-redaction';

/** The extension's LogOutputChannel; every line is redacted, and its control characters shown as escapes. */
export class RedactedLog {
  constructor(private readonly channel: vscode.LogOutputChannel) {}

  info(message: string, secrets: readonly string[] = []): void {
    this.channel.info(escapeControlChars(redactLine(message, secrets)));
  }

  warn(message: string, secrets: readonly string[] = []): void {
    this.channel.warn(escapeControlChars(redactLine(message, secrets)));
  }

  error(message: string, secrets: readonly string[] = []): void {
    this.channel.error(escapeControlChars(redactLine(message, secrets)));
  }

  debug(message: string, secrets: readonly string[] = []): void {
    this.channel.debug(escapeControlChars(redactLine(message, secrets)));
  }

  show(): void {
    this.channel.show(true);
  }
}
