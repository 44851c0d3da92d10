import type * as vscode from 'vscode';
import { redactLine } from './log-redaction';

/** The extension's LogOutputChannel; every line goes through redaction first. */
export class RedactedLog {
  constructor(private readonly channel: vscode.LogOutputChannel) {}

  info(message: string, secrets: readonly string[] = []): void {
    this.channel.info(redactLine(message, secrets));
  }

  warn(message: string, secrets: readonly string[] = []): void {
    this.channel.warn(redactLine(message, secrets));
  }

  error(message: string, secrets: readonly string[] = []): void {
    this.channel.error(redactLine(message, secrets));
  }

  debug(message: string, secrets: readonly string[] = []): void {
    this.channel.debug(redactLine(message, secrets));
  }

  show(): void {
    this.channel.show(true);
  }
}
