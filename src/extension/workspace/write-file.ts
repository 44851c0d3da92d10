/**
 * Writes a file the person will keep (a flow file, an import, an export):
 * a local file atomically through a temporary file, so a crash never leaves
 * half of it; other file systems through VS Code's own API.
 */
import type * as vscode from 'vscode';

export async function writeUserFile(
  vs: typeof vscode,
  uri: vscode.Uri,
  text: string,
  options: { mode?: number; overwrite?: boolean } = {},
): Promise<void> {
  if (uri.scheme === 'file') {
    const { writeFileAtomic } = await import('../../core/atomic-write');
    await writeFileAtomic(uri.fsPath, text, { mode: options.mode ?? 0o644, overwrite: options.overwrite ?? true });
    return;
  }
  await vs.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
}
