/**
 * Which workspace folder a flow file's `${secret:KEY}` values belong to.
 * The scope's id is a hash of the folder's URI, so SecretStorage keys carry
 * no path; a file outside every folder is scoped to its own directory.
 */
import { createHash } from 'node:crypto';
import type * as vscode from 'vscode';
import { isFlowFilePath } from '../workspace/flow-file-names';
import type { SecretScope } from './secret-service';

/** The scope of the built-in sandbox flows (their secrets come from the sandbox, not from here). */
export const SANDBOX_SECRET_SCOPE: SecretScope = { id: 'sandbox', label: 'the sandbox' };

function hashed(uri: string): string {
  return createHash('sha256').update(uri).digest('hex').slice(0, 32);
}

/** The scope of a workspace folder. */
export function folderSecretScope(folder: Pick<vscode.WorkspaceFolder, 'uri' | 'name'>): SecretScope {
  return { id: hashed(folder.uri.toString()), label: folder.name };
}

/** The scope of a flow source: its workspace folder, its directory outside one, or the sandbox's. */
export function secretScopeOf(vs: typeof vscode, sourceId: string): SecretScope {
  if (sourceId === 'sandbox') return SANDBOX_SECRET_SCOPE;
  const uri = vs.Uri.parse(sourceId);
  const folder = vs.workspace.getWorkspaceFolder(uri);
  if (folder) return folderSecretScope(folder);
  const dir = vs.Uri.joinPath(uri, '..');
  return { id: hashed(dir.toString()), label: dir.path.split('/').filter(Boolean).pop() ?? dir.path };
}

/**
 * The scope "Store Secret" writes to: the folder of the active flow file,
 * the only folder, or the one the person picks; undefined when none.
 */
export async function pickSecretScope(vs: typeof vscode): Promise<SecretScope | undefined> {
  const active = vs.window.activeTextEditor?.document.uri;
  if (active && isFlowFilePath(active.path)) return secretScopeOf(vs, active.toString());
  const folders = vs.workspace.workspaceFolders ?? [];
  if (folders.length === 1) return folderSecretScope(folders[0]!);
  if (folders.length === 0) return undefined;
  const folder = await vs.window.showWorkspaceFolderPick({
    placeHolder: 'Store the secret for the flow files of which folder?',
    ignoreFocusOut: true,
  });
  return folder ? folderSecretScope(folder) : undefined;
}
