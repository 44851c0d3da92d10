/**
 * Workspace Trust (Restricted Mode). A cloned repository chooses its flow
 * files and its workspace settings, so in a workspace the person has not
 * trusted no flow file runs and no configured gateway is read. The built-in
 * sandbox demo still runs: it is the product's own flow against loopback
 * servers it starts, and the settings that could redirect it (proxy, CA,
 * TLS, gateway logs) are restricted, so VS Code applies the user's values
 * only. No vscode import.
 */
import { OidcError } from '../../core/errors';

/** The command people run to trust a workspace, as the palette shows it. */
export const MANAGE_TRUST_COMMAND = 'Workspaces: Manage Workspace Trust';

/** Why `what` did not happen, and how to trust the workspace. */
export function untrustedWorkspaceError(what: string): OidcError {
  return new OidcError(
    'extension.untrusted_workspace',
    `${what}: this workspace is not trusted (Restricted Mode), and its flow files and settings decide where requests go and what they carry.`,
    {
      where: 'Workspace Trust',
      hint: `If you trust the folder's author, run "${MANAGE_TRUST_COMMAND}" and trust it, then try again.`,
    },
  );
}
