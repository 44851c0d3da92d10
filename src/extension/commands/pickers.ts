import { executeCommand } from './execute-command';
import { offer } from './offer';
import type * as vscode from 'vscode';
import type { FlowFile } from '../../core/flow/file-format';
import type { TokenMeta } from '../secrets/token-vault';
import { formatTimeLeft, secondsLeft } from '../secrets/token-vault';
import type { FlowEntry, FlowSource, IdpEntry, RouteEntry } from '../workspace/source-model';
import { ENV_CHOICE_KEY, flowEntries, idpEntries, routeEntries } from '../workspace/source-model';
import type { Services } from './command-services';

type Item<T> = vscode.QuickPickItem & { value: T };

async function pick<T>(
  vs: typeof vscode,
  items: Array<Item<T>>,
  placeHolder: string,
  title?: string,
): Promise<T | undefined> {
  const chosen = await vs.window.showQuickPick(items, {
    placeHolder,
    title,
    matchOnDescription: true,
    ignoreFocusOut: true,
  });
  return chosen?.value;
}

/** Picks an IdP from every source; says how to add one when there is none. */
export async function pickIdp(s: Services, placeHolder = 'Pick an identity provider'): Promise<IdpEntry | undefined> {
  const entries = idpEntries(await s.index.sources());
  if (entries.length === 0) {
    offer(
      s.vs.window.showInformationMessage(
        'There is no identity provider yet: add one to a flow file, or start the sandbox.',
        'Add IdP',
        'Start Sandbox',
      ),
      {
        'Add IdP': () => executeCommand(s.vs, 'oidcFlow.addIdp'),
        'Start Sandbox': () => executeCommand(s.vs, 'oidcFlow.startSandbox'),
      },
    );
    return undefined;
  }
  if (entries.length === 1) return entries[0];
  return pick(
    s.vs,
    entries.map((e) => ({
      label: e.name,
      description: e.sourceKind === 'sandbox' ? 'sandbox' : e.sourceLabel,
      detail: e.issuer,
      value: e,
    })),
    placeHolder,
  );
}

export async function idpById(s: Services, idpId: string): Promise<IdpEntry | undefined> {
  return idpEntries(await s.index.sources()).find((e) => e.id === idpId);
}

/** Picks a flow from every file, or from one file when `sourceId` is given. */
export async function pickFlow(s: Services, sourceId?: string): Promise<FlowEntry | undefined> {
  const files = (await s.index.sources()).filter(
    (x) => x.kind === 'file' && (sourceId === undefined || x.id === sourceId),
  );
  const flows = flowEntries(files);
  const broken = files.find((f) => f.errorCount > 0);
  if (flows.length === 0 && broken) {
    offer(
      s.vs.window.showErrorMessage(
        `${broken.label} does not load: ${broken.firstError ?? 'it has problems'}.`,
        'Open File',
      ),
      {
        'Open File': () => s.vs.window.showTextDocument(s.vs.Uri.parse(broken.id)),
      },
    );
    return undefined;
  }
  if (flows.length === 0) {
    offer(
      s.vs.window.showInformationMessage(
        'No flow files in this workspace (*.oidc-flow.yaml). Import one from Insomnia or Postman, or run the built-in demo.',
        'Import',
        'Run Demo',
      ),
      {
        Import: () => executeCommand(s.vs, 'oidcFlow.importCollection'),
        'Run Demo': () => executeCommand(s.vs, 'oidcFlow.runDemo'),
      },
    );
    return undefined;
  }
  if (flows.length === 1) return flows[0];
  return pick(
    s.vs,
    flows.map((f) => ({ label: f.name, description: f.sourceLabel, detail: f.description, value: f })),
    'Pick a flow to run',
  );
}

export async function pickRoute(s: Services): Promise<RouteEntry | undefined> {
  const routes = routeEntries(await s.index.sources());
  if (routes.length === 0) {
    void s.vs.window.showInformationMessage('No gateway routes yet: add routes to a flow file, or start the sandbox.');
    return undefined;
  }
  return pick(
    s.vs,
    routes.map((r) => ({
      label: r.name,
      description: `${r.method} ${r.url}`,
      detail: `${r.service} · ${r.plugin} · ${r.sourceLabel}`,
      value: r,
    })),
    'Pick a route to call',
  );
}

/** Picks a source file (and optionally offers a new file). */
export async function pickFileSource(
  s: Services,
  placeHolder: string,
  offerNew?: string,
): Promise<FlowSource | 'new' | undefined> {
  const files = (await s.index.sources()).filter((x) => x.kind === 'file');
  const items: Array<Item<FlowSource | 'new'>> = files.map((f) => ({
    label: f.label,
    description: f.errorCount > 0 ? `${f.errorCount} problems` : undefined,
    value: f,
  }));
  if (offerNew) items.unshift({ label: `$(new-file) ${offerNew}`, value: 'new' });
  if (items.length === 0) return undefined;
  if (items.length === 1 && !offerNew) return items[0]!.value;
  return pick(s.vs, items, placeHolder);
}

function rememberedEnv(s: Services, sourceId: string): string | undefined {
  return s.context.workspaceState.get<Record<string, string>>(ENV_CHOICE_KEY)?.[sourceId];
}

export async function rememberEnv(s: Services, sourceId: string, env: string): Promise<void> {
  const all = { ...(s.context.workspaceState.get<Record<string, string>>(ENV_CHOICE_KEY) ?? {}), [sourceId]: env };
  await s.context.workspaceState.update(ENV_CHOICE_KEY, all);
}

function usesSandbox(values: Record<string, unknown>): boolean {
  return Object.values(values).some((v) => typeof v === 'string' && v.includes('${env:SANDBOX_'));
}

/**
 * The environment for a run: asked when the file has several (the last
 * choice first, the file's default marked); `null` when the person cancelled.
 */
export async function pickEnvironment(
  s: Services,
  source: FlowSource,
  file: FlowFile,
  flow?: string,
  options: { ask?: boolean } = {},
): Promise<string | undefined | null> {
  const envs = Object.keys(file.environments ?? {});
  if (envs.length <= 1) return envs[0];
  const remembered = rememberedEnv(s, source.id);
  if (options.ask === false && remembered && envs.includes(remembered)) return remembered;
  const flowEnv = flow ? file.flows?.[flow]?.env : undefined;
  const fallback = flowEnv ?? file.defaultEnvironment ?? (envs.includes('default') ? 'default' : envs[0]);
  const order = [
    ...new Set([remembered, fallback, ...envs].filter((e): e is string => e !== undefined && envs.includes(e))),
  ];
  const chosen = await pick(
    s.vs,
    order.map((name) => ({
      label: name,
      description:
        [
          name === remembered ? 'last used' : undefined,
          name === fallback ? 'default' : undefined,
          usesSandbox(file.environments?.[name] ?? {}) ? 'runs on the local sandbox' : undefined,
        ]
          .filter(Boolean)
          .join(' · ') || undefined,
      value: name,
    })),
    `Environment for ${flow ?? source.label}`,
  );
  if (chosen === undefined) return null;
  await rememberEnv(s, source.id, chosen);
  return chosen;
}

function tokenItem(meta: TokenMeta): Item<TokenMeta> {
  return {
    label: `$(key) ${meta.idpName}`,
    description: `${meta.grant} · ${formatTimeLeft(secondsLeft(meta, Date.now()))}`,
    detail: meta.scope ? `scope ${meta.scope}` : undefined,
    value: meta,
  };
}

/** Picks a fetched token (newest first); undefined when there is none or the person cancelled. */
export async function pickVaultToken(s: Services, idpId?: string): Promise<TokenMeta | undefined> {
  const tokens = idpId ? s.vault.forIdp(idpId) : s.vault.list();
  if (tokens.length === 0) return undefined;
  if (tokens.length === 1) return tokens[0];
  return pick(s.vs, tokens.map(tokenItem), 'Pick a token');
}

const TOKEN_SHAPE = /^\s*(Bearer\s+)?[A-Za-z0-9._~+/=-]{16,}\s*$/;

/**
 * A token from (in order) the editor selection, the input box, or the
 * clipboard when the input is left empty. The input box hides what is typed.
 */
export async function tokenFromUser(s: Services, prompt: string): Promise<string | undefined> {
  const vs = s.vs;
  const editor = vs.window.activeTextEditor;
  const selected = editor && !editor.selection.isEmpty ? editor.document.getText(editor.selection).trim() : '';
  if (selected && TOKEN_SHAPE.test(selected)) return selected;
  const typed = await vs.window.showInputBox({
    prompt: `${prompt} (it is not stored); leave empty to use the clipboard`,
    password: true,
    ignoreFocusOut: true,
  });
  if (typed === undefined) return undefined;
  if (typed.trim() !== '') return typed.trim();
  const clip = (await vs.env.clipboard.readText()).trim();
  if (!clip) {
    void vs.window.showWarningMessage(
      'The clipboard is empty: paste a token into the input box, or select one in an editor.',
    );
    return undefined;
  }
  return clip;
}

/**
 * A token for an operation: a fetched one (tree item or picker), or one
 * the person gives. Returns the value and where it came from.
 */
export async function tokenForOperation(
  s: Services,
  arg: { tokenId?: string } | undefined,
  idpId: string | undefined,
  verb: string,
): Promise<{ token: string; meta?: TokenMeta } | undefined> {
  let meta = arg?.tokenId ? s.vault.get(arg.tokenId) : undefined;
  if (!meta) {
    const tokens = idpId ? s.vault.forIdp(idpId) : s.vault.list();
    if (tokens.length > 0) {
      const items: Array<Item<TokenMeta | 'other'>> = [
        ...tokens.map(tokenItem),
        { label: '$(edit) Another token…', description: 'selection, input or clipboard', value: 'other' },
      ];
      const chosen = await pick(s.vs, items, `Which token to ${verb}?`);
      if (chosen === undefined) return undefined;
      if (chosen !== 'other') meta = chosen;
    }
  }
  if (meta) {
    const values = await s.vault.values(meta.id);
    if (!values) {
      void s.vs.window.showWarningMessage('That token is no longer in the secret store. Fetch a new one.');
      await s.vault.remove(meta.id);
      return undefined;
    }
    return { token: values.accessToken, meta };
  }
  const token = await tokenFromUser(s, `Paste the token to ${verb}`);
  return token ? { token: token.replace(/^Bearer\s+/i, '') } : undefined;
}
