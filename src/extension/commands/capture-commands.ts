import type * as vscode from 'vscode';
import type { CaptureInfo, CaptureStartOptions } from '../capture/capture-api';
import { readSettings } from '../services/settings';
import { refOf } from '../trees/node';
import { visibleEnvironment } from '../services/env-approval';
import { displayContext, displayValue, idpEntries, routeEntries } from '../workspace/source-model';
import { VIEW_IDS } from './command-ids';
import type { CommandId } from './command-ids';
import type { Handler, Services } from './command-services';

/** Where the capture listens unless the person names another address (and confirms it). */
export const LOOPBACK = '127.0.0.1';

/** "host:port", "[::1]:0", ":8080" or "8080" → its parts; an error text when it is not one. */
export function parseListen(text: string): { host: string; port: number } | string {
  const value = text.trim();
  const match = /^(?:(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]*):)?(\d{1,5})$/.exec(value);
  if (!match) return 'Enter host:port, e.g. 127.0.0.1:8080 (port 0 picks a free one).';
  const port = Number(match[2]);
  if (port > 65535) return 'A port is between 0 and 65535.';
  const host = (match[1] ?? '').replace(/^\[|\]$/g, '') || LOOPBACK;
  return { host, port };
}

function httpUrl(value: string): string | undefined {
  try {
    const url = new URL(value.trim());
    return url.protocol === 'http:' || url.protocol === 'https:' ? undefined : 'Use an http:// or https:// URL.';
  } catch {
    return 'Not a URL, e.g. http://localhost:8000/orders';
  }
}

/** What a keybinding, a task or a test may pass to skip the prompts. */
interface StartPreset {
  target?: unknown;
  host?: unknown;
  port?: unknown;
}

/** Where the capture forwards, and what is known of the gateway there. */
interface Target {
  /** The gateway's base URL: the application's own path is appended to it. */
  url: string;
  /** The route it came from, e.g. "orders (GET /orders)", for messages. */
  route?: string;
  /** The flow file (or sandbox) the route came from: its IdPs are offered for verdicts. */
  sourceId?: string;
  gateway?: CaptureStartOptions['gateway'];
}

/** Every string in a JSON-like value rendered as the tree renders it (unresolved templates stay as written). */
function rendered<T>(value: T, render: (text: string) => string): T {
  if (typeof value === 'string') return render(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => rendered(item, render)) as T;
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, rendered(item, render)])) as T;
  return value;
}

async function flowRouteTarget(s: Services, sourceId: string, name: string): Promise<Target | undefined> {
  const source = (await s.index.sources()).find((x) => x.id === sourceId);
  const route = source?.file?.routes?.[name];
  if (!source || !route) return undefined;
  // The sandbox's routes and many files write {{env.gateway}}: rendered with the chosen environment and approved variables.
  const context = displayContext(
    s.context.workspaceState,
    visibleEnvironment(s.context.workspaceState, readSettings(s.vs).allowedEnvironmentVariables, process.env),
  );
  const render = (text: string) => displayValue(text, source, context);
  const gateway = route.gateway ? rendered(route.gateway, render) : undefined;
  return {
    url: render(route.baseUrl).replace(/\/$/, ''),
    route: `${name} (${route.method ?? 'GET'} ${route.path ?? '/'})`,
    sourceId,
    ...(gateway
      ? {
          gateway: {
            kind: gateway.kind,
            ...(gateway.plugin ? { plugin: gateway.plugin } : {}),
            ...(gateway.config ? { config: gateway.config } : {}),
          },
        }
      : {}),
  };
}

async function gatewayRouteTarget(
  s: Services,
  ref: { sourceId: string; routeKey: string },
): Promise<Target | undefined> {
  const { gatewayRouteKey } = await import('../gateway/gateway-source-store');
  const { routeUrls } = await import('../../core/gateway/model');
  const state = s.gateways.state(ref.sourceId);
  const route = state?.model?.routes.find((r) => gatewayRouteKey(r) === ref.routeKey);
  const url = route ? routeUrls(route, state?.config.proxyUrl)[0] : undefined;
  if (!route || !url || !state?.config.proxyUrl) return undefined;
  return {
    url: state.config.proxyUrl.replace(/\/$/, ''),
    route: `${route.name} (${new URL(url).pathname})`,
    ...(route.oidc
      ? {
          gateway: {
            kind: route.apache ? ('apache' as const) : ('kong' as const),
            config: route.oidc.config as Record<string, unknown>,
          },
        }
      : {}),
  };
}

/** The route the command was invoked on, or one the person picks, or a URL they type. */
async function pickTarget(s: Services, arg: unknown): Promise<Target | undefined> {
  const vs = s.vs;
  const preset = (typeof arg === 'object' && arg !== null ? arg : {}) as StartPreset;
  if (typeof preset.target === 'string') return httpUrl(preset.target) ? undefined : { url: preset.target };
  const ref = refOf(arg);
  let target: Target | undefined;
  if (ref?.kind === 'route') target = await flowRouteTarget(s, ref.sourceId, ref.name);
  else if (ref?.kind === 'gatewayRoute') target = await gatewayRouteTarget(s, ref);
  if (!target) {
    const routes = routeEntries(await s.index.sources());
    const items: Array<vscode.QuickPickItem & { pick: () => Promise<Target | undefined> }> = [
      ...routes.map((r) => ({
        label: `$(symbol-method) ${r.name}`,
        description: `${r.method} ${r.url}`,
        detail: r.sourceLabel,
        pick: () => flowRouteTarget(s, r.sourceId, r.name),
      })),
      ...(await gatewayRoutes(s)).map((r) => ({
        label: `$(server-environment) ${r.name}`,
        description: r.url,
        pick: () => gatewayRouteTarget(s, r.ref),
      })),
      { label: '$(edit) Type a URL…', description: 'any gateway URL', pick: async () => undefined },
    ];
    const chosen = await vs.window.showQuickPick(items, {
      title: 'Start Capture: target',
      placeHolder: 'Which gateway should the capture forward to?',
      matchOnDescription: true,
      ignoreFocusOut: true,
    });
    if (!chosen) return undefined;
    target = await chosen.pick();
  }
  // Typed, or a route written with templates (${env:…}, {{env.…}}): the person gives or completes the URL.
  if (!target || httpUrl(target.url)) {
    const typed = await vs.window.showInputBox({
      title: 'Start Capture: target',
      prompt: "The gateway's base URL the capture forwards to (the application's own path is appended)",
      value: target?.url ?? '',
      placeHolder: 'http://localhost:8000',
      ignoreFocusOut: true,
      validateInput: (v) => httpUrl(v),
    });
    if (!typed?.trim()) return undefined;
    return { ...target, url: typed.trim() };
  }
  return target;
}

/** The configured gateways' routes that have a URL (a plain path and the source's proxyUrl). */
async function gatewayRoutes(
  s: Services,
): Promise<Array<{ name: string; url: string; ref: { sourceId: string; routeKey: string } }>> {
  const states = s.gateways.states().filter((state) => state.model && state.config.proxyUrl);
  if (states.length === 0) return [];
  const { routeUrls } = await import('../../core/gateway/model');
  const { gatewayRouteKey } = await import('../gateway/gateway-source-store');
  return states.flatMap((state) =>
    state.model!.routes.flatMap((route) => {
      const url = routeUrls(route, state.config.proxyUrl)[0];
      return url
        ? [
            {
              name: `${state.config.name}: ${route.name}`,
              url,
              ref: { sourceId: state.id, routeKey: gatewayRouteKey(route) },
            },
          ]
        : [];
    }),
  );
}

/**
 * The IdP that verdicts ask (its JWKS, its introspection): the route's own flow file's when it
 * has one, else the person picks one or none. Its secrets and ${env:NAME} approvals are settled
 * now, so no prompt appears in the middle of the traffic; it connects on the first refusal.
 */
async function pickIdp(
  s: Services,
  target: Target,
): Promise<(Pick<CaptureStartOptions, 'idp' | 'idpName'> & { secretValues?: string[] }) | undefined> {
  const all = idpEntries(await s.index.sources());
  const own = target.sourceId ? all.filter((e) => e.sourceId === target.sourceId) : [];
  let entry = own.length === 1 ? own[0] : undefined;
  if (!entry && all.length > 0) {
    const candidates = own.length > 1 ? own : all;
    const chosen = await s.vs.window.showQuickPick(
      [
        ...candidates.map((e) => ({
          label: `$(key) ${e.name}`,
          description: e.issuer,
          detail: e.sourceLabel,
          entry: e,
        })),
        {
          label: '$(circle-slash) None',
          description: "verdicts from the gateway's answer and the token alone",
          entry: undefined,
        },
      ],
      {
        title: 'Start Capture: verdicts',
        placeHolder: 'Which IdP issued the tokens? Verdicts ask it about them.',
        ignoreFocusOut: true,
      },
    );
    if (!chosen) return undefined;
    entry = chosen.entry;
  }
  if (!entry) return {};
  const { source, file } = await s.index.loadForRun(entry.sourceId);
  const prepared = await s.runs.prepare({ source, file, title: `Capture verdicts with ${entry.name}` });
  const name = entry.name;
  const config = file.idps?.[name];
  if (!config) return {};
  const vs = s.vs;
  return {
    idpName: name,
    secretValues: prepared.secretValues,
    idp: async () => {
      const [{ selectEnvironment }, { renderEnvironment }, { connectIdp }, { createClient }] = await Promise.all([
        import('../../core/flow/select'),
        import('../../core/flow/template'),
        import('../../core/oauth/connect-idp'),
        import('../services/http-factory'),
      ]);
      const env = renderEnvironment(selectEnvironment(file, prepared.envName), prepared.sources);
      return connectIdp(
        { name, idp: config, env },
        { http: await createClient(readSettings(vs)), secrets: prepared.sources },
      );
    },
  };
}

/** Loopback on a free port, or an address the person names; anything else than loopback after a modal confirmation. */
async function pickListen(
  s: Services,
  arg: unknown,
  target: string,
): Promise<{ host: string; port: number } | undefined> {
  const vs = s.vs;
  const preset = (typeof arg === 'object' && arg !== null ? arg : {}) as StartPreset;
  let listen: { host: string; port: number };
  // A caller that names the target (a keybinding, a task, a test) gets loopback unless it names more.
  if (typeof preset.target === 'string' || typeof preset.port === 'number' || typeof preset.host === 'string') {
    listen = {
      host: typeof preset.host === 'string' ? preset.host : LOOPBACK,
      port: typeof preset.port === 'number' ? preset.port : 0,
    };
  } else {
    const chosen = await vs.window.showQuickPick(
      [
        { label: `$(lock) ${LOOPBACK}, a free port`, description: 'only this machine can send to it', value: 'free' },
        { label: '$(edit) Another address or port…', description: 'host:port', value: 'other' },
      ],
      { title: 'Start Capture: listen on', placeHolder: 'Where should the capture listen?', ignoreFocusOut: true },
    );
    if (!chosen) return undefined;
    if (chosen.value === 'free') listen = { host: LOOPBACK, port: 0 };
    else {
      const typed = await vs.window.showInputBox({
        title: 'Start Capture: listen on',
        prompt: 'host:port to listen on (port 0 picks a free one)',
        value: `${LOOPBACK}:0`,
        ignoreFocusOut: true,
        validateInput: (v) => {
          const parsed = parseListen(v);
          return typeof parsed === 'string' ? parsed : undefined;
        },
      });
      if (typed === undefined) return undefined;
      const parsed = parseListen(typed);
      if (typeof parsed === 'string') return undefined;
      listen = parsed;
    }
  }
  // The proxy's own test, so the confirmation asked here is the one it requires.
  const { isLoopbackHost } = await import('../../core/capture');
  if (!isLoopbackHost(listen.host)) {
    const go = `Listen on ${listen.host}`;
    const answer = await vs.window.showWarningMessage(
      `Listen on ${listen.host}, not only on this machine?`,
      {
        modal: true,
        detail: `Anyone who can reach ${listen.host}:${listen.port || '(a free port)'} can then send requests through the capture to ${target}, and what they send is listed here. Loopback (${LOOPBACK}) is the safe choice.`,
      },
      go,
    );
    if (answer !== go) return undefined;
  }
  return listen;
}

function announce(s: Services, info: CaptureInfo): void {
  const address = `http://${info.host.includes(':') ? `[${info.host}]` : info.host}:${info.port}`;
  void s.vs.window
    .showInformationMessage(
      `Capturing on ${address} → ${info.target}. Send your client's requests to ${address}; they pass through unchanged.`,
      'Copy Address',
    )
    .then((choice) => (choice === 'Copy Address' ? s.vs.env.clipboard.writeText(address) : undefined));
}

async function startCapture(s: Services, arg: unknown): Promise<CaptureInfo | undefined> {
  const vs = s.vs;
  if (!vs.workspace.isTrusted) {
    // The workspace chose the routes, and a capture sends what it receives there.
    const { untrustedWorkspaceError } = await import('../services/workspace-trust');
    throw untrustedWorkspaceError('The capture was not started');
  }
  const target = await pickTarget(s, arg);
  if (!target) return undefined;
  const listen = await pickListen(s, arg, target.url);
  if (!listen) return undefined;
  const preset = (typeof arg === 'object' && arg !== null ? arg : {}) as StartPreset;
  const verdicts = typeof preset.target === 'string' ? {} : await pickIdp(s, target);
  if (!verdicts) return undefined;
  const settings = readSettings(vs);
  const ca = settings.caFile
    ? await (await import('../../core/http/ca-file')).readCaText(settings.caFile, 'setting oidcFlow.caFile')
    : undefined;
  const info = await s.capture.start({
    target: target.url,
    ...listen,
    ring: settings.captureSize,
    ...(target.gateway ? { gateway: target.gateway } : {}),
    ...(verdicts.idp ? { idp: verdicts.idp, idpName: verdicts.idpName } : {}),
    ...(ca ? { ca } : {}),
    ...(settings.insecureSkipTlsVerify ? { insecureSkipTlsVerify: true } : {}),
  });
  s.capture.addSecrets(verdicts.secretValues ?? []);
  s.log.info(
    `Capture started on ${info.host}:${info.port} → ${info.target}${target.route ? ` (route ${target.route})` : ''}; verdicts ${verdicts.idpName ? `ask ${verdicts.idpName}` : "from the gateway's answer alone"}; keeps the last ${info.ring} calls.`,
  );
  void vs.commands.executeCommand(`${VIEW_IDS.capture}.focus`);
  announce(s, info);
  return info;
}

async function openCapturedExchange(s: Services, arg: unknown): Promise<string | undefined> {
  const ref = refOf(arg);
  if (ref?.kind !== 'capturedExchange') return undefined;
  const recorder = s.capture.recorder(ref.exchangeId);
  if (!recorder) {
    void s.vs.window.showInformationMessage(
      'That call has left the capture (it keeps the last calls only, see the oidcFlow.capture.size setting).',
    );
    return undefined;
  }
  s.store.begin(recorder);
  s.panel.showRun(recorder.id);
  return recorder.id;
}

/** Capture handlers: start (from a route or the palette), stop, open one captured call. */
export function captureCommands(s: Services) {
  return {
    'oidcFlow.startCapture': (arg?: unknown) => startCapture(s, arg),
    'oidcFlow.stopCapture': async () => {
      const info = s.capture.info;
      if (!(await s.capture.stop())) {
        void s.vs.window.showInformationMessage('No capture is running.');
        return false;
      }
      s.log.info(`Capture on ${info?.host}:${info?.port} stopped after ${info?.total ?? 0} calls.`);
      return true;
    },
    'oidcFlow.openCapturedExchange': (arg?: unknown) => openCapturedExchange(s, arg),
  } satisfies Partial<Record<CommandId, Handler>>;
}
