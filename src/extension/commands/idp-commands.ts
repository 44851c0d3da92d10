import { executeCommand } from './execute-command';
import { offer } from './offer';
import type * as vscode from 'vscode';
import type { ClientAuthMethod, IdpConfig } from '../../core/flow/file-format';
import { refOf } from '../trees/node';
import type { NodeRef } from '../trees/node';
import { isValidSecretKey } from '../secrets/secret-service';
import type { IdpEntry } from '../workspace/source-model';
import type { CommandId } from './command-ids';
import { idpById, pickEnvironment, pickFileSource, pickIdp } from './pickers';
import type { Handler, Services } from './command-services';
import { writeUserFile } from '../workspace/write-file';

const NAME = /^[A-Za-z0-9_.-]+$/;

async function input(vs: typeof vscode, options: vscode.InputBoxOptions): Promise<string | undefined> {
  const value = await vs.window.showInputBox({ ignoreFocusOut: true, ...options });
  return value === undefined ? undefined : value.trim();
}

/** Writes `idp` as `name` into a flow file the person picks (or a new oidc-flow.yaml); returns the file's URI. */
async function writeIdp(s: Services, name: string, idp: IdpConfig): Promise<vscode.Uri | undefined> {
  const vs = s.vs;
  const edit = await import('../workspace/flow-file-edit');
  const folder = vs.workspace.workspaceFolders?.[0];
  const target = await pickFileSource(
    s,
    `Add ${name} to which flow file?`,
    folder ? 'New file oidc-flow.yaml' : undefined,
  );
  if (target === undefined) {
    if (!folder)
      void vs.window.showErrorMessage('Open a folder first: the IdP is written into a flow file in the workspace.');
    return undefined;
  }
  let uri: vscode.Uri;
  let text: string;
  if (target === 'new') {
    const taken = new Set((await vs.workspace.findFiles('*.oidc-flow.yaml')).map((u) => u.path));
    let fileName = 'oidc-flow.yaml';
    for (
      let i = 2;
      taken.has(vs.Uri.joinPath(folder!.uri, fileName).path) ||
      (await exists(vs, vs.Uri.joinPath(folder!.uri, fileName)));
      i += 1
    )
      fileName = `idp-${i}.oidc-flow.yaml`;
    uri = vs.Uri.joinPath(folder!.uri, fileName);
    text = edit.newFlowFileText('yaml', name, idp);
  } else {
    uri = vs.Uri.parse(target.id);
    const taken = Object.keys(target.file?.idps ?? {});
    if (taken.includes(name)) {
      void vs.window.showErrorMessage(`${target.label} already has an IdP named ${name}. Pick another name.`);
      return undefined;
    }
    try {
      text = edit.setIdpInText(await s.index.textOf(uri), edit.formatOf(uri.path), name, idp);
    } catch (error) {
      void vs.window.showErrorMessage(
        `Cannot add the IdP to ${target.label}: ${(error as Error).message}. Fix the file first.`,
      );
      return undefined;
    }
  }
  try {
    await writeText(s, uri, text);
  } catch (error) {
    void vs.window.showErrorMessage(
      `Cannot write the IdP into ${vs.workspace.asRelativePath(uri)}: ${(error as Error).message}. Nothing was stored.`,
    );
    return undefined;
  }
  await s.index.refresh();
  s.refreshTrees();
  return uri;
}

/**
 * Writes a flow file's new text: through its open document when it has one
 * (the index reads open documents first, and an editor must not be left
 * behind the disk), else straight to disk.
 */
async function writeText(s: Services, uri: vscode.Uri, text: string): Promise<void> {
  const vs = s.vs;
  const open = vs.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (!open) {
    await writeUserFile(vs, uri, text);
    return;
  }
  const before = open.getText();
  const replaceAll = async (content: string): Promise<boolean> => {
    const edit = new vs.WorkspaceEdit();
    edit.replace(uri, new vs.Range(open.positionAt(0), open.positionAt(open.getText().length)), content);
    return vs.workspace.applyEdit(edit);
  };
  if (!(await replaceAll(text))) throw new Error('the editor refused the change');
  if (!(await open.save())) {
    // Leave no unsaved half-change behind (a saved one could name a secret that was never stored).
    await replaceAll(before);
    throw new Error('the file could not be saved, so the change was undone in the editor');
  }
}

async function exists(vs: typeof vscode, uri: vscode.Uri): Promise<boolean> {
  try {
    await vs.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

async function addIdp(s: Services): Promise<NodeRef | undefined> {
  const vs = s.vs;
  const edit = await import('../workspace/flow-file-edit');
  const preset = await vs.window.showQuickPick(
    [
      {
        label: '$(shield) Okta',
        detail: 'From your Okta domain and authorization server id (e.g. default).',
        value: 'okta' as const,
      },
      {
        label: '$(globe) Any OpenID Connect / OAuth 2.0 server',
        detail: 'From its issuer URL (endpoints come from discovery).',
        value: 'issuer' as const,
      },
      {
        label: '$(beaker) Local sandbox',
        detail: 'The built-in Okta-like IdP; starts when a run needs it.',
        value: 'sandbox' as const,
      },
    ],
    { title: 'Add IdP (1/5): kind', placeHolder: 'What kind of identity provider?', ignoreFocusOut: true },
  );
  if (!preset) return undefined;
  if (preset.value === 'sandbox') {
    const uri = await writeIdp(s, 'sandbox', edit.sandboxIdp());
    return uri ? added(s, 'sandbox', uri) : undefined;
  }
  let base: Pick<IdpConfig, 'okta' | 'issuer' | 'description'>;
  let suggested: string;
  if (preset.value === 'okta') {
    const domainText = await input(vs, {
      title: 'Add IdP (2/5): Okta domain',
      prompt: 'Your Okta domain, e.g. dev-123456.okta.com',
      validateInput: (v) =>
        edit.cleanOktaDomain(v) && !/\s/.test(edit.cleanOktaDomain(v))
          ? undefined
          : 'Enter a domain such as dev-123456.okta.com',
    });
    if (!domainText) return undefined;
    const server = await input(vs, {
      title: 'Add IdP (2/5): authorization server',
      prompt: 'Authorization server id: "default", a custom server id (aus…), or "org" for the org server',
      value: 'default',
      validateInput: (v) => (/^[A-Za-z0-9_-]+$/.test(v.trim()) ? undefined : 'Letters, digits, - and _ only'),
    });
    if (!server) return undefined;
    const domain = edit.cleanOktaDomain(domainText);
    base = { okta: { domain, authorizationServerId: server } };
    suggested = 'okta';
  } else {
    const issuer = await input(vs, {
      title: 'Add IdP (2/5): issuer',
      prompt: 'Issuer URL, e.g. https://login.example.com/realms/main',
      validateInput: (v) => (/^https?:\/\/\S+$/.test(v.trim()) ? undefined : 'Enter an http(s) URL'),
    });
    if (!issuer) return undefined;
    base = { issuer: issuer.replace(/\/+$/, '') };
    suggested = new URL(base.issuer!).hostname.split('.')[0] || 'idp';
  }
  const existing = (await s.index.sources()).flatMap((x) => Object.keys(x.file?.idps ?? {}));
  const name = await input(vs, {
    title: 'Add IdP (3/5): name',
    prompt: 'A short name for this IdP in flow files',
    value: edit.freeName(suggested, existing),
    validateInput: (v) => (NAME.test(v.trim()) ? undefined : 'Letters, digits, ".", "-" and "_" only'),
  });
  if (!name) return undefined;
  const clientId = await input(vs, {
    title: 'Add IdP (4/5): client id',
    prompt: 'Client id of the application (in Okta: Applications → your app → Client ID)',
    validateInput: (v) => (v.trim() ? undefined : 'The client id is needed to fetch tokens'),
  });
  if (!clientId) return undefined;
  const auth = await vs.window.showQuickPick(
    [
      {
        label: 'client_secret_basic',
        detail: 'Client secret in the Authorization header (most common).',
        value: 'client_secret_basic' as ClientAuthMethod,
      },
      {
        label: 'client_secret_post',
        detail: 'Client secret in the form body.',
        value: 'client_secret_post' as ClientAuthMethod,
      },
      {
        label: 'client_secret_jwt',
        detail: 'A JWT signed with the client secret (HS256).',
        value: 'client_secret_jwt' as ClientAuthMethod,
      },
      {
        label: 'private_key_jwt',
        detail: 'A JWT signed with the client\'s private key (Okta: "Public key / Private key").',
        value: 'private_key_jwt' as ClientAuthMethod,
      },
      {
        label: 'tls_client_auth',
        detail: 'Mutual TLS with a CA-issued client certificate (RFC 8705).',
        value: 'tls_client_auth' as ClientAuthMethod,
      },
      {
        label: 'self_signed_tls_client_auth',
        detail: 'Mutual TLS with a self-signed certificate registered at the IdP.',
        value: 'self_signed_tls_client_auth' as ClientAuthMethod,
      },
      { label: 'none', detail: 'Public client (authorization code with PKCE).', value: 'none' as ClientAuthMethod },
    ],
    {
      title: 'Add IdP (5/5): client authentication',
      placeHolder: 'How does the client authenticate?',
      ignoreFocusOut: true,
    },
  );
  if (!auth) return undefined;
  const credentials = await clientCredentials(s, name, auth.value);
  if (!credentials) return undefined;
  const idp: IdpConfig = { ...base, clientId, clientAuth: auth.value };
  if (base.okta)
    Object.assign(
      idp,
      edit.oktaIdp({
        domain: base.okta.domain,
        authorizationServerId: base.okta.authorizationServerId ?? 'default',
        clientId,
        clientAuth: auth.value,
      }),
    );
  Object.assign(idp, credentials.fields);
  const uri = await writeIdp(s, name, idp);
  if (!uri) return undefined;
  const { secretScopeOf } = await import('../secrets/secret-scope');
  for (const [key, value] of credentials.store) await s.secrets.set(secretScopeOf(s.vs, uri.toString()), key, value);
  return added(s, name, uri);
}

/**
 * Asks for the client's credentials for `method` and stores each in
 * SecretStorage (keys under `<name>.`); returns the flow-file fields that
 * name them. Key and certificate files are read once and not remembered by
 * path, so the flow file stays free of local paths and the material of
 * secrets.
 */
async function clientCredentials(
  s: Services,
  name: string,
  method: ClientAuthMethod,
): Promise<{ fields: Partial<IdpConfig>; store: Array<[string, string]> } | undefined> {
  const vs = s.vs;
  const ref = (key: string) => `\${secret:${name}.${key}}`;
  switch (method) {
    case 'none':
      return { fields: {}, store: [] };
    case 'client_secret_basic':
    case 'client_secret_post':
    case 'client_secret_jwt': {
      const secret = await vs.window.showInputBox({
        title: 'Add IdP: client secret',
        prompt: `The client secret. It goes to VS Code's secret storage as ${name}.clientSecret; the flow file only names it.`,
        password: true,
        ignoreFocusOut: true,
      });
      if (secret === undefined) return undefined;
      return { fields: { clientSecret: ref('clientSecret') }, store: secret ? [[`${name}.clientSecret`, secret]] : [] };
    }
    case 'private_key_jwt': {
      const key = await readPemFile(
        s,
        "Add IdP: the client's private key",
        'private key (PEM or JWK JSON)',
        isPrivateKeyText,
      );
      if (!key) return undefined;
      const keyId = await input(vs, {
        title: 'Add IdP: key id',
        prompt:
          'The key id (kid) registered with the application; leave empty if the IdP does not need one (Okta does)',
      });
      if (keyId === undefined) return undefined;
      const alg = await vs.window.showQuickPick(['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384'], {
        title: 'Add IdP: signing algorithm',
        placeHolder: 'Algorithm of the client assertion (Okta: RS256 for RSA keys, ES256 for EC keys)',
        ignoreFocusOut: true,
      });
      if (!alg) return undefined;
      return {
        fields: { privateKey: ref('privateKey'), ...(keyId ? { keyId } : {}), signingAlg: alg },
        store: [[`${name}.privateKey`, key]],
      };
    }
    case 'tls_client_auth':
    case 'self_signed_tls_client_auth': {
      const certificate = await readPemFile(s, 'Add IdP: the client certificate', 'client certificate (PEM)', (text) =>
        /-----BEGIN CERTIFICATE-----/.test(text),
      );
      if (!certificate) return undefined;
      const key = await readPemFile(
        s,
        "Add IdP: the certificate's private key",
        'private key of the certificate (PEM)',
        (text) => /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/.test(text),
      );
      if (!key) return undefined;
      return {
        fields: { certificate: ref('certificate'), privateKey: ref('privateKey') },
        store: [
          [`${name}.certificate`, certificate],
          [`${name}.privateKey`, key],
        ],
      };
    }
  }
}

function isPrivateKeyText(text: string): boolean {
  if (/-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/.test(text)) return true;
  try {
    const jwk = JSON.parse(text) as { d?: unknown; kty?: unknown };
    return typeof jwk.kty === 'string' && typeof jwk.d === 'string';
  } catch {
    return false;
  }
}

/** Reads a key or certificate file the person picks; says what is wrong with a file that is not one. */
async function readPemFile(
  s: Services,
  title: string,
  what: string,
  valid: (text: string) => boolean,
): Promise<string | undefined> {
  const vs = s.vs;
  const picked = await vs.window.showOpenDialog({
    title,
    openLabel: 'Use this file',
    canSelectMany: false,
    filters: { 'PEM, key or JWK': ['pem', 'key', 'crt', 'cer', 'json', 'jwk'], 'All files': ['*'] },
  });
  const uri = picked?.[0];
  if (!uri) return undefined;
  let text: string;
  try {
    text = new TextDecoder().decode(await vs.workspace.fs.readFile(uri)).trim();
  } catch (error) {
    void vs.window.showErrorMessage(`Cannot read ${uri.fsPath}: ${(error as Error).message}.`);
    return undefined;
  }
  if (!valid(text)) {
    void vs.window.showErrorMessage(
      `${uri.fsPath} is not a ${what}. Pick the file the IdP application was registered with.`,
    );
    return undefined;
  }
  return text;
}

async function added(s: Services, name: string, uri: vscode.Uri): Promise<NodeRef | undefined> {
  const entry = (await import('../workspace/source-model'))
    .idpEntries(await s.index.sources())
    .find((e) => e.sourceId === uri.toString() && e.name === name);
  const ref: NodeRef | undefined = entry ? { kind: 'idp', sourceId: entry.sourceId, name, idpId: entry.id } : undefined;
  offer(
    s.vs.window.showInformationMessage(
      `IdP ${name} added to ${s.vs.workspace.asRelativePath(uri)}.`,
      'Discover',
      'Fetch Token',
      'Open File',
    ),
    {
      Discover: () => executeCommand(s.vs, 'oidcFlow.discoverIdp', ref),
      'Fetch Token': () => executeCommand(s.vs, 'oidcFlow.fetchToken', ref),
      'Open File': () => openAt(s, uri, ['idps', name]),
    },
  );
  return ref;
}

async function openAt(s: Services, uri: vscode.Uri, path: Array<string | number>): Promise<void> {
  const vs = s.vs;
  const doc = await vs.workspace.openTextDocument(uri);
  const { checkFlowFile } = await import('../../core/flow/load');
  const range = checkFlowFile(doc.getText(), { fileName: uri.path }).locate(path, { key: true });
  const position = range ? doc.positionAt(range.start.offset) : new vs.Position(0, 0);
  await vs.window.showTextDocument(doc, { selection: new vs.Range(position, position) });
}

async function idpOf(s: Services, arg: unknown, placeHolder: string): Promise<IdpEntry | undefined> {
  const ref = refOf(arg);
  if (ref?.kind === 'idp') return idpById(s, ref.idpId);
  return pickIdp(s, placeHolder);
}

async function discoverIdp(s: Services, arg: unknown): Promise<void> {
  const vs = s.vs;
  const idp = await idpOf(s, arg, 'Discover which identity provider?');
  if (!idp) return;
  const { asOidcError } = await import('../../core/errors');
  try {
    const { source, file } = await s.index.loadForRun(idp.sourceId);
    const env = await pickEnvironment(s, source, file, undefined, { ask: false });
    if (env === null) return;
    const prepared = await s.runs.prepare({ source, file, env, title: `Discover ${idp.name}` });
    const { renderEnvironment } = await import('../../core/flow/template');
    const { selectEnvironment } = await import('../../core/flow/select');
    const { connectIdp, issuerOf } = await import('../../core/oauth/connect-idp');
    const chosen = selectEnvironment(file, prepared.envName);
    const envValues = renderEnvironment(chosen, prepared.sources);
    const { readSettings } = await import('../services/settings');
    const { createClient } = await import('../services/http-factory');
    const http = await createClient(readSettings(vs));
    try {
      // Asked for by name, so discover even when runs of this IdP do not (discovery: false).
      const config = { name: idp.name, idp: { ...file.idps?.[idp.name], discovery: true }, env: envValues };
      const connected = await vs.window.withProgress(
        { location: vs.ProgressLocation.Window, title: `Discovering ${idp.name}` },
        () => connectIdp(config, { http, secrets: prepared.sources }),
      );
      // Without an issuer nothing was sent: there is no discovery document to read.
      if (!issuerOf(connected.config)) {
        void vs.window.showWarningMessage(
          `${idp.name} has no issuer or okta preset, so there is nothing to discover; its endpoints are the ones written in the file.`,
        );
        return;
      }
      const { metadata } = connected.ctx;
      const { endpointsFromMetadata } = await import('../trees/idp-nodes');
      s.discovery.set(idp.id, {
        status: 'ok',
        issuer: metadata.issuer,
        endpoints: endpointsFromMetadata(metadata as unknown as Record<string, unknown>),
        at: Date.now(),
      });
      s.log.info(`Discovered ${idp.name}: ${metadata.issuer}`);
      for (const warning of connected.warnings) s.log.warn(`${idp.name}: ${warning}`);
      void vs.window.showInformationMessage(`${idp.name}: discovery document read (${metadata.issuer}).`);
    } finally {
      await http.close();
    }
  } catch (error) {
    const e = asOidcError(error);
    s.discovery.set(idp.id, { status: 'failed', code: e.code, message: e.toUserMessage(), at: Date.now() });
    s.log.error(`Discovery of ${idp.name} failed: ${e.code}: ${e.message}`);
    void vs.window.showErrorMessage(`Discovery of ${idp.name} failed: ${e.toUserMessage()}`);
  } finally {
    s.refreshTrees();
  }
}

/** IdP handlers: add (wizard), edit (opens the file there), remove, discover. */
export function idpCommands(s: Services) {
  const vs = s.vs;
  return {
    'oidcFlow.addIdp': () => addIdp(s),
    'oidcFlow.discoverIdp': (arg?: unknown) => discoverIdp(s, arg),
    'oidcFlow.editIdp': async (arg?: unknown) => {
      const idp = await idpOf(s, arg, 'Edit which identity provider?');
      if (!idp) return;
      if (idp.sourceKind === 'sandbox') {
        void vs.window.showInformationMessage(
          'The sandbox IdPs are built in. Add IdP → Local sandbox writes one into a flow file that you can edit.',
        );
        return;
      }
      await openAt(s, vs.Uri.parse(idp.sourceId), ['idps', idp.name]);
    },
    'oidcFlow.removeIdp': async (arg?: unknown) => {
      const idp = await idpOf(s, arg, 'Remove which identity provider?');
      if (!idp || idp.sourceKind === 'sandbox') return;
      const secretKeys = idp.secretKeys.filter(isValidSecretKey);
      const deleteLabel = secretKeys.length > 1 ? 'Remove and Delete Secrets' : 'Remove and Delete Secret';
      const buttons = secretKeys.length > 0 ? ['Remove', deleteLabel] : ['Remove'];
      const choice = await vs.window.showWarningMessage(
        `Remove the IdP ${idp.name} from ${idp.sourceLabel}?`,
        { modal: true, detail: 'Steps that use it will stop loading until you change them.' },
        ...buttons,
      );
      if (!choice) return;
      const edit = await import('../workspace/flow-file-edit');
      const uri = vs.Uri.parse(idp.sourceId);
      try {
        const text = edit.removeIdpFromText(await s.index.textOf(uri), edit.formatOf(uri.path), idp.name);
        await writeText(s, uri, text);
      } catch (error) {
        void vs.window.showErrorMessage(`Cannot edit ${idp.sourceLabel}: ${(error as Error).message}`);
        return;
      }
      if (choice === deleteLabel) {
        const { secretScopeOf } = await import('../secrets/secret-scope');
        for (const key of secretKeys) await s.secrets.delete(secretScopeOf(vs, idp.sourceId), key);
      }
      for (const token of s.vault.forIdp(idp.id)) await s.vault.remove(token.id);
      await s.index.refresh();
      s.refreshTrees();
    },
  } satisfies Partial<Record<CommandId, Handler>>;
}
