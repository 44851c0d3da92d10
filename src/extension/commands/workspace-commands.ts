import { executeCommand } from './execute-command';
import { offer } from './offer';
import type * as vscode from 'vscode';
import type { CommandId } from './command-ids';
import { WALKTHROUGH_ID } from './command-ids';
import { isValidSecretKey } from '../secrets/secret-service';
import type { Handler, Services } from './command-services';
import { writeUserFile } from '../workspace/write-file';

/** Sandbox, secrets, import and walkthrough handlers. */
export function workspaceCommands(s: Services) {
  const vs = s.vs;
  return {
    'oidcFlow.startSandbox': async () => {
      const sandbox = await vs.window.withProgress(
        {
          location: vs.ProgressLocation.Notification,
          title: 'OIDC Flow: starting the sandbox (IdP, gateway, upstream)…',
        },
        () => s.sandbox.start(),
      );
      offer(
        vs.window.showInformationMessage(
          `Sandbox running: IdP ${sandbox.idp.issuer}, gateway ${sandbox.gateway.url}.`,
          'Run Demo',
          'Fetch Token',
        ),
        {
          'Run Demo': () => executeCommand(vs, 'oidcFlow.runDemo'),
          'Fetch Token': () => executeCommand(vs, 'oidcFlow.fetchToken'),
        },
      );
      return { idpIssuer: sandbox.idp.issuer, gatewayUrl: sandbox.gateway.url };
    },
    'oidcFlow.stopSandbox': async () => {
      if (s.runs.running) s.runs.stop();
      if (await s.sandbox.stop()) {
        for (const token of s.vault.list().filter((t) => t.sourceId === 'sandbox')) await s.vault.remove(token.id);
        void vs.window.showInformationMessage('Sandbox stopped.');
      } else void vs.window.showInformationMessage('The sandbox is not running.');
    },
    'oidcFlow.storeSecret': async (arg?: unknown) => {
      const { pickSecretScope } = await import('../secrets/secret-scope');
      const scope = await pickSecretScope(vs);
      if (!scope) {
        void vs.window.showInformationMessage(
          'Secrets belong to the workspace folder of the flow files that use them: open a folder (or a flow file) first.',
        );
        return;
      }
      const given = typeof arg === 'string' && isValidSecretKey(arg) ? arg : undefined;
      let key = given;
      if (!key) {
        const known = s.secrets.keys(scope);
        const items = [
          { label: '$(add) New key…', value: '' },
          ...known.map((k) => ({ label: k, description: 'replace the stored value', value: k })),
        ];
        const chosen =
          known.length > 0 ? await vs.window.showQuickPick(items, { placeHolder: 'Store which secret?' }) : items[0];
        if (!chosen) return;
        key =
          chosen.value ||
          (
            await vs.window.showInputBox({
              prompt: 'Secret key, as written in ${secret:KEY} (e.g. okta.clientSecret)',
              validateInput: (v) =>
                isValidSecretKey(v.trim()) ? undefined : 'Letters, digits, ".", "-", "_" and "/" only',
              ignoreFocusOut: true,
            })
          )?.trim();
      }
      if (!key) return;
      const value = await vs.window.showInputBox({
        prompt: `Value of \${secret:${key}} for the flow files of ${scope.label} (kept in VS Code's secret storage, never in files or settings)`,
        password: true,
        ignoreFocusOut: true,
      });
      if (!value) return;
      await s.secrets.set(scope, key, value);
      offer(
        vs.window.showInformationMessage(`Stored. Flow files reference it as \${secret:${key}}.`, 'Copy Reference'),
        {
          'Copy Reference': () => vs.env.clipboard.writeText(`\${secret:${key}}`),
        },
      );
    },
    'oidcFlow.importCollection': async () => {
      const picked = await vs.window.showOpenDialog({
        canSelectMany: true,
        openLabel: 'Import',
        filters: { 'Insomnia or Postman export': ['json', 'yaml', 'yml'] },
        title: 'Import an Insomnia or Postman export (select its Postman environments too, if any)',
      });
      if (!picked || picked.length === 0) return;
      const { importFiles, VARIABLES_HEADING } = await import('../../core/importers');
      const { asOidcError } = await import('../../core/errors');
      const files = await Promise.all(
        picked.map(async (uri) => ({
          uri,
          text: new TextDecoder().decode(await vs.workspace.fs.readFile(uri)),
          fileName: uri.path.split('/').pop() ?? 'export.json',
        })),
      );
      let result;
      try {
        result = importFiles(files);
      } catch (error) {
        void vs.window.showErrorMessage(asOidcError(error).toUserMessage());
        return;
      }
      // In VS Code, secrets live in the secret store: ${env:NAME} becomes ${secret:NAME}, and the
      // header says how to store them rather than which environment variables to set.
      let yaml = result.yaml.replace(
        VARIABLES_HEADING,
        'Secrets were not copied. Store them with "OIDC Flow: Store Secret…" (read as ${secret:NAME}):',
      );
      for (const secret of result.secrets)
        yaml = yaml.split(`\${env:${secret.name}}`).join(`\${secret:${secret.name}}`);
      const { fileName, uri: source } = files.find((f) => f.fileName === result.collectionFileName) ?? files[0]!;
      const folder = vs.workspace.workspaceFolders?.[0]?.uri ?? vs.Uri.joinPath(source, '..');
      const base =
        fileName
          .replace(/\.(json|ya?ml)$/i, '')
          .replace(/\.(insomnia|postman_collection|collection)$/i, '')
          .replace(/[^A-Za-z0-9_.-]+/g, '-') || 'imported';
      let target = vs.Uri.joinPath(folder, `${base}.oidc-flow.yaml`);
      for (let i = 2; await exists(s, target); i += 1) target = vs.Uri.joinPath(folder, `${base}-${i}.oidc-flow.yaml`);
      await writeUserFile(vs, target, yaml, { overwrite: false });
      await vs.window.showTextDocument(target);
      await s.index.refresh();
      s.refreshTrees();
      const notCarried =
        result.notCarried.length > 0
          ? ` ${result.notCarried.length} item(s) were not carried over (see the file header).`
          : '';
      if (result.secrets.length === 0) {
        void vs.window.showInformationMessage(`Imported into ${vs.workspace.asRelativePath(target)}.${notCarried}`);
        return;
      }
      offer(
        vs.window.showInformationMessage(
          `Imported into ${vs.workspace.asRelativePath(target)}. It needs ${result.secrets.length} secret(s) that were not copied: ${result.secrets.map((x) => x.name).join(', ')}.${notCarried}`,
          'Store Secrets Now',
        ),
        {
          'Store Secrets Now': async () => {
            for (const secret of result.secrets) await executeCommand(vs, 'oidcFlow.storeSecret', secret.name);
          },
        },
      );
    },
    'oidcFlow.openWalkthrough': async () => {
      await vs.commands.executeCommand(
        'workbench.action.openWalkthrough',
        `${s.context.extension.id}#${WALKTHROUGH_ID}`,
        false,
      );
    },
  } satisfies Partial<Record<CommandId, Handler>>;
}

async function exists(s: Services, uri: vscode.Uri): Promise<boolean> {
  try {
    await s.vs.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}
