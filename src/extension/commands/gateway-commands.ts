import type * as vscode from 'vscode';
import type { GatewaySourceKind } from '../../core/gateway/model';
import type { GatewaySourceConfig } from '../gateway/gateway-settings';
import {
  GATEWAY_NAME,
  GATEWAY_SETTING,
  gatewayKindLabel,
  gatewaySourceId,
  readGatewaySettings,
} from '../gateway/gateway-settings';
import type { GatewaySourceState } from '../gateway/gateway-source-store';
import { refOf } from '../trees/node';
import type { CommandId } from './command-ids';
import type { Handler, Services } from './command-services';

// The core's KONNECT_REGIONS (kept literal so the command module does not load the reader): `global` serves identity only.
const KONNECT_REGIONS = ['us', 'eu', 'au', 'me', 'in', 'sg'];

async function input(vs: typeof vscode, options: vscode.InputBoxOptions): Promise<string | undefined> {
  const value = await vs.window.showInputBox({ ignoreFocusOut: true, ...options });
  return value === undefined ? undefined : value.trim();
}

function httpUrl(value: string, optional = false): string | undefined {
  if (!value) return optional ? undefined : 'Enter a URL.';
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? undefined : 'Use an http:// or https:// URL.';
  } catch {
    return 'Not a URL, e.g. http://localhost:8001';
  }
}

/** Gateway reads and token changes wait for Workspace Trust: the workspace's settings chose the URLs. */
async function requireTrust(s: Services, what: string): Promise<void> {
  if (s.vs.workspace.isTrusted) return;
  const { untrustedWorkspaceError } = await import('../services/workspace-trust');
  throw untrustedWorkspaceError(what);
}

async function tokenOrigin(config: GatewaySourceConfig): Promise<string | undefined> {
  const { gatewayTokenOrigin } = await import('../gateway/gateway-token-policy');
  return gatewayTokenOrigin(config);
}

/** The source a command was invoked on (tree node), or one the person picks. */
async function pickSource(
  s: Services,
  arg: unknown,
  placeHolder: string,
  filter: (state: GatewaySourceState) => boolean = () => true,
): Promise<GatewaySourceState | undefined> {
  const ref = refOf(arg);
  if (ref?.kind === 'gatewaySource') return s.gateways.state(ref.sourceId);
  const states = s.gateways.states().filter(filter);
  if (states.length === 0) {
    void s.vs.window.showInformationMessage(
      'No matching gateway source is configured. Add one with "OIDC Flow: Add Gateway Source".',
    );
    return undefined;
  }
  if (states.length === 1) return states[0];
  const chosen = await s.vs.window.showQuickPick(
    states.map((state) => ({ label: state.config.name, description: gatewayKindLabel(state.config.kind), state })),
    { placeHolder, ignoreFocusOut: true },
  );
  return chosen?.state;
}

/** The setting's value at one level, as a list. */
function listAt(vs: typeof vscode, level: 'workspaceValue' | 'globalValue'): unknown[] | undefined {
  const value = vs.workspace.getConfiguration('oidcFlow').inspect<unknown>(GATEWAY_SETTING)?.[level];
  return Array.isArray(value) ? value : undefined;
}

function named(entry: unknown, name: string): boolean {
  return typeof entry === 'object' && entry !== null && (entry as { name?: unknown }).name === name;
}

/** Writes the new source into the workspace settings (user settings when no folder is open). */
async function saveSource(vs: typeof vscode, config: GatewaySourceConfig): Promise<void> {
  const settings = vs.workspace.getConfiguration('oidcFlow');
  const workspace = (vs.workspace.workspaceFolders?.length ?? 0) > 0;
  // A workspace list replaces the user one, so the first workspace entry starts from what is shown now.
  const base =
    (workspace ? listAt(vs, 'workspaceValue') : listAt(vs, 'globalValue')) ??
    settings.get<unknown[]>(GATEWAY_SETTING) ??
    [];
  await settings.update(
    GATEWAY_SETTING,
    [...base.filter((entry) => !named(entry, config.name)), config],
    workspace ? vs.ConfigurationTarget.Workspace : vs.ConfigurationTarget.Global,
  );
}

async function askFile(s: Services, kind: 'deck' | 'apache'): Promise<string | undefined> {
  const vs = s.vs;
  const picked = await vs.window.showOpenDialog({
    canSelectMany: false,
    openLabel: 'Use this file',
    title: kind === 'deck' ? 'The decK file (kong.yaml)' : 'The Apache config using mod_auth_openidc',
    defaultUri: vs.workspace.workspaceFolders?.[0]?.uri,
    filters: kind === 'deck' ? { 'decK file': ['yaml', 'yml', 'json'] } : { 'Apache config': ['conf', '*'] },
  });
  const uri = picked?.[0];
  if (!uri) return undefined;
  // Inside the workspace the setting keeps a relative path, so it works on every clone.
  const relative = vs.workspace.asRelativePath(uri, false);
  return relative === uri.fsPath || relative === uri.path ? uri.fsPath : relative;
}

async function askToken(vs: typeof vscode, kind: 'admin-api' | 'konnect', name: string): Promise<string | undefined> {
  const prompt =
    kind === 'admin-api'
      ? `RBAC token for ${name} (sent as Kong-Admin-Token; kept in VS Code's secret storage). Leave empty when RBAC is off.`
      : `Konnect personal or system access token for ${name} (kept in VS Code's secret storage). Leave empty to use KONNECT_TOKEN from the environment.`;
  return input(vs, { prompt, password: true, placeHolder: kind === 'konnect' ? 'kpat_…' : '' });
}

/** The fields of one kind of source; undefined when the person cancelled. */
async function askFields(
  s: Services,
  kind: GatewaySourceKind,
  name: string,
): Promise<{ config: GatewaySourceConfig; token?: string } | undefined> {
  const vs = s.vs;
  const config: GatewaySourceConfig = { name, kind };
  let token: string | undefined;
  if (kind === 'admin-api') {
    const adminUrl = await input(vs, {
      title: 'Add Gateway Source: Admin API URL',
      prompt: 'Kong Admin API URL',
      value: 'http://localhost:8001',
      validateInput: (v) => httpUrl(v.trim()),
    });
    if (!adminUrl) return undefined;
    config.adminUrl = adminUrl;
    const workspace = await input(vs, {
      title: 'Add Gateway Source: workspace',
      prompt: 'Kong Enterprise workspace (leave empty for the default one)',
    });
    if (workspace === undefined) return undefined;
    if (workspace) config.workspace = workspace;
    token = await askToken(vs, kind, name);
    if (token === undefined) return undefined;
  } else if (kind === 'konnect') {
    const region = await vs.window.showQuickPick(KONNECT_REGIONS, {
      title: 'Add Gateway Source: Konnect region',
      placeHolder: 'The region of the control plane',
      ignoreFocusOut: true,
    });
    if (!region) return undefined;
    config.region = region;
    const controlPlane = await input(vs, {
      title: 'Add Gateway Source: control plane',
      prompt: 'Control plane name or id',
      validateInput: (v) => (v.trim() ? undefined : 'Enter the control plane name or id.'),
    });
    if (!controlPlane) return undefined;
    config.controlPlane = controlPlane;
    token = await askToken(vs, kind, name);
    if (token === undefined) return undefined;
  } else {
    const path = await askFile(s, kind);
    if (!path) return undefined;
    config.path = path;
  }
  if (kind !== 'apache') {
    const proxyUrl = await input(vs, {
      title: 'Add Gateway Source: proxy URL',
      prompt: "The gateway's proxy base URL, to show full route URLs (optional), e.g. http://localhost:8000",
      validateInput: (v) => httpUrl(v.trim(), true),
    });
    if (proxyUrl === undefined) return undefined;
    if (proxyUrl) config.proxyUrl = proxyUrl;
  }
  return { config, ...(token ? { token } : {}) };
}

async function addGatewaySource(s: Services): Promise<void> {
  const vs = s.vs;
  const kinds: Array<{ label: string; detail: string; source: GatewaySourceKind }> = [
    {
      label: '$(server-environment) Kong Admin API',
      detail: "A Kong Gateway's Admin API, e.g. http://localhost:8001 (RBAC token optional).",
      source: 'admin-api',
    },
    {
      label: '$(cloud) Konnect control plane',
      detail: 'A Konnect control plane, read with a personal access token.',
      source: 'konnect',
    },
    {
      label: '$(file-code) decK file',
      detail: 'A declarative config file (kong.yaml) in the workspace.',
      source: 'deck',
    },
    {
      label: '$(file) Apache config',
      detail: 'An Apache httpd config protecting locations with mod_auth_openidc.',
      source: 'apache',
    },
  ];
  const picked = await vs.window.showQuickPick(kinds, {
    title: 'Add Gateway Source: kind',
    placeHolder: 'Where is the gateway configuration?',
    ignoreFocusOut: true,
  });
  if (!picked) return;
  const taken = new Set(readGatewaySettings(vs).sources.map((source) => source.name));
  const suggestion = { 'admin-api': 'kong', konnect: 'konnect', deck: 'kong-deck', apache: 'apache' }[picked.source];
  let value = suggestion;
  for (let i = 2; taken.has(value); i += 1) value = `${suggestion}-${i}`;
  const name = await input(vs, {
    title: 'Add Gateway Source: name',
    prompt: 'A name for this source, shown in the Gateway Routes view',
    value,
    validateInput: (v) =>
      !GATEWAY_NAME.test(v.trim())
        ? 'Letters, digits, ".", "-" and "_" only.'
        : taken.has(v.trim())
          ? `A source named ${v.trim()} exists already.`
          : undefined,
  });
  if (!name) return;
  const answers = await askFields(s, picked.source, name);
  if (!answers) return;
  // The token first: the setting change triggers the first read, which needs it.
  if (answers.token) await s.gatewayTokens.set(name, answers.token, await tokenOrigin(answers.config));
  await saveSource(vs, answers.config);
  void vs.window.showInformationMessage(
    `Added the gateway source ${name} (${gatewayKindLabel(picked.source)}). Its routes appear in the Gateway Routes view.`,
  );
}

async function removeGatewaySource(s: Services, arg: unknown): Promise<void> {
  const vs = s.vs;
  const state = await pickSource(s, arg, 'Remove which gateway source?');
  if (!state) return;
  const name = state.config.name;
  const answer = await vs.window.showWarningMessage(
    `Remove the gateway source ${name}? Its stored token is deleted too.`,
    { modal: true },
    'Remove',
  );
  if (answer !== 'Remove') return;
  const settings = vs.workspace.getConfiguration('oidcFlow');
  for (const [level, target] of [
    ['workspaceValue', vs.ConfigurationTarget.Workspace],
    ['globalValue', vs.ConfigurationTarget.Global],
  ] as const) {
    const list = listAt(vs, level);
    if (list?.some((entry) => named(entry, name)))
      await settings.update(
        GATEWAY_SETTING,
        list.filter((entry) => !named(entry, name)),
        target,
      );
  }
  await s.gatewayTokens.delete(name);
}

async function setGatewayToken(s: Services, arg: unknown): Promise<void> {
  const vs = s.vs;
  await requireTrust(s, 'No gateway token was set');
  const state = await pickSource(
    s,
    arg,
    'Set the token of which gateway source?',
    (candidate) => candidate.config.kind === 'admin-api' || candidate.config.kind === 'konnect',
  );
  if (!state) return;
  const { kind, name } = state.config;
  if (kind !== 'admin-api' && kind !== 'konnect') {
    void vs.window.showInformationMessage(
      `${name} is a ${gatewayKindLabel(kind)}: it is read from a file and needs no token.`,
    );
    return;
  }
  const token = await askToken(vs, kind, name);
  if (token === undefined) return;
  // Bound to where the source points now: a workspace that later renames its URL does not get it.
  if (token) await s.gatewayTokens.set(name, token, await tokenOrigin(state.config));
  else await s.gatewayTokens.delete(name);
  await s.gateways.refresh(gatewaySourceId(name));
}

/** Handlers of the Gateway Routes view's configured sources. */
export function gatewayCommands(s: Services) {
  return {
    'oidcFlow.addGatewaySource': () => addGatewaySource(s),
    'oidcFlow.removeGatewaySource': (arg?: unknown) => removeGatewaySource(s, arg),
    'oidcFlow.setGatewayToken': (arg?: unknown) => setGatewayToken(s, arg),
    'oidcFlow.refreshGatewaySources': async () => {
      await s.index.refresh();
      s.refreshTrees();
      await requireTrust(s, 'The configured gateways were not read');
      await s.gateways.refresh();
    },
    'oidcFlow.refreshGatewaySource': async (arg?: unknown) => {
      await requireTrust(s, 'The gateway source was not read');
      const state = await pickSource(s, arg, 'Refresh which gateway source?');
      if (state) await s.gateways.refresh(state.id);
    },
  } satisfies Partial<Record<CommandId, Handler>>;
}
