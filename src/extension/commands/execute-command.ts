import type * as vscode from 'vscode';
import type { CommandId } from './command-ids';

/**
 * Runs one of this extension's commands. The id is a CommandId, so a typo
 * or a command that no longer exists is a compile error, not a silent
 * "command not found" at the moment a person clicks.
 */
export function executeCommand<T = unknown>(
  vs: Pick<typeof vscode, 'commands'>,
  id: CommandId,
  ...args: unknown[]
): Thenable<T> {
  return vs.commands.executeCommand<T>(id, ...args);
}
