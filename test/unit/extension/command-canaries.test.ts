import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as vscode from 'vscode';
import { loadFlowFile } from '../../../src/core/flow/load';
import { COMMAND_IDS } from '../../../src/extension/commands/command-ids';
import type { CommandId } from '../../../src/extension/commands/command-ids';
import type { Services } from '../../../src/extension/commands/command-services';
import { commandHandlers } from '../../../src/extension/commands/handlers';
import { gatewaySourceId, GATEWAY_SETTING } from '../../../src/extension/gateway/gateway-settings';
import type { GatewaySourceState } from '../../../src/extension/gateway/gateway-source-store';
import { GatewayTokens } from '../../../src/extension/gateway/gateway-tokens';
import { GatewaySourceStore } from '../../../src/extension/gateway/gateway-source-store';
import { gatewayLoader } from '../../../src/extension/gateway/gateway-loader';
import { createClient } from '../../../src/extension/services/http-factory';
import { readSettings } from '../../../src/extension/services/settings';
import { RunHistory } from '../../../src/extension/history/run-history';
import { ResultsPanel } from '../../../src/extension/results/results-panel';
import { RunStore } from '../../../src/extension/results/run-store';
import { secretScopeOf } from '../../../src/extension/secrets/secret-scope';
import { SecretService } from '../../../src/extension/secrets/secret-service';
import { TokenVault } from '../../../src/extension/secrets/token-vault';
import { RedactedLog } from '../../../src/extension/services/log';
import { RunService } from '../../../src/extension/services/run-service';
import { SandboxService } from '../../../src/extension/services/sandbox-service';
import type { RunRecorder } from '../../../src/extension/results/run-recorder';
import { isSecretValueRef } from '../../../src/core/flow/secret-ref';
import type { FlowIndex } from '../../../src/extension/workspace/flow-index';
import type { FlowSource } from '../../../src/extension/workspace/source-model';
import { idpEntries } from '../../../src/extension/workspace/source-model';
import { CaptureService } from '../../../src/extension/capture/capture-service';
import { captureNodes } from '../../../src/extension/trees/capture-nodes';
import type { NodeData } from '../../../src/extension/trees/node';
import { closeAfterEach } from '../../support/close-after-each';
import { capturedCall, fakeStarter, inactiveVerdict } from '../../support/fake-capture';
import { fakeVscode, FakeUri, WORKSPACE } from '../../support/fake-vscode';
import type { FakeVscode, Rule } from '../../support/fake-vscode';
import type { Running } from '../../support/loopback-servers';
import { memoryMemento, memorySecrets } from '../../support/memory-stores';
import { IdpDiscovery } from '../../../src/extension/trees/idp-discovery';
import { DECODED_TOKEN_SCHEME, DecodedTokenDocuments } from '../../../src/extension/editor/decoded-tokens';
import {
  CANARY,
  CANARY_ENV,
  ALL_FORMS,
  CANARY_PRIVATE_KEY,
  canaryFlow,
  canaryForms,
  EXTENSION_CANARY,
  leaksOf,
} from '../../support/secret-canaries';

/**
 * Every extension command runs with canary credentials present: a client secret in the secret
 * store and others in the environment, tokens in the token vault, gateway Admin API and Konnect
 * tokens in the gateway token store, an Okta API token in the process environment (which no flow
 * of the extension may read unless the person approves the variable); its prompts are
 * answered (the redacted, non-reveal choice; canary values where it asks for a credential). Then
 * everything the fake vscode recorded is searched for every canary in every form: the output
 * channel, notifications, prompts, clipboard, files written, documents opened, settings updates,
 * executed commands, webview messages, workspace and global state. Only the secret store may hold
 * them, and a reveal's one explicit destination (the clipboard after Copy Token or Copy curl WITH
 * secrets, the HAR file exported WITH secrets). Each case also searches for the sandbox's
 * credentials and every value its runs registered as secret (tokens the IdP issued).
 */

const FILE_PATH = `${WORKSPACE}/canary.oidc-flow.yaml`;
const FILE_ID = new FakeUri('mem', FILE_PATH).toString();

/** A Postman export whose variables, auth and headers carry canaries: the import must copy none. */
const POSTMAN = JSON.stringify({
  info: { name: 'orders', schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json' },
  variable: [{ key: 'clientSecret', value: CANARY.clientSecret }],
  item: [
    {
      name: 'list orders',
      request: {
        method: 'GET',
        url: 'https://api.example.com/orders?access_token=' + CANARY.accessToken,
        header: [{ key: 'Authorization', value: `Bearer ${CANARY.accessToken}` }],
        auth: {
          type: 'basic',
          basic: [
            { key: 'username', value: 'alice' },
            { key: 'password', value: CANARY.password },
          ],
        },
      },
    },
  ],
});

function flowText(url: string): string {
  return `version: 1
idps:
  fake:
    discovery: false
    endpoints: { token: "${url}/token", introspection: "${url}/introspect", revocation: "${url}/revoke" }
    clientId: app
    clientSecret: \${secret:fake.clientSecret}
    clientAuth: client_secret_basic
  refusing:
    discovery: false
    endpoints: { token: "${url}/token-refused" }
    clientId: app
    clientSecret: \${secret:fake.clientSecret}
    clientAuth: client_secret_basic
routes:
  api:
    baseUrl: "${url}"
    path: /api
flows:
  f:
    steps:
      - { id: tok, type: token, idp: fake, grant: password, username: alice, password: "\${env:CANARY_PASSWORD}" }
      - id: echo
        type: request
        method: POST
        url: "${url}/echo"
        query: { jwt: "{{steps.tok.token.access_token}}" }
        headers: { X-Api-Key: "\${env:CANARY_API_KEY}", Authorization: "Bearer {{steps.tok.token.access_token}}" }
        form: { app_key: "\${secret:fake.clientSecret}" }
        assert: [{ status: 200 }]
`;
}

interface World {
  fake: FakeVscode;
  s: Services;
  handlers: Record<CommandId, (...args: unknown[]) => unknown>;
  lines: string[];
  secretStore: ReturnType<typeof memorySecrets>;
  workspaceState: ReturnType<typeof memoryMemento>;
  globalState: ReturnType<typeof memoryMemento>;
  idpId: string;
  tokenId: string;
  runs: RunService;
  sandbox: SandboxService;
  /** Every run's recorder: the values each run registered as secret are searched for too. */
  recorders: RunRecorder[];
  /** The sandbox's credentials, kept when it starts (it may be stopped by the end of the case). */
  sandboxSecrets: string[];
  /** The captures Start Capture started (they listen nowhere; the case says what passed through). */
  captures: ReturnType<typeof fakeStarter>;
}

async function world(server: Running, options: { sandbox?: boolean; gateways?: boolean } = {}): Promise<World> {
  const fake = fakeVscode({
    settings: {
      [GATEWAY_SETTING]: [
        { name: 'kong', kind: 'admin-api', adminUrl: `${server.url}/admin`, proxyUrl: server.url },
        { name: 'konnect', kind: 'konnect', region: 'eu', controlPlane: 'cp' },
      ],
    },
  });
  const { vs } = fake;
  const text = flowText(server.url);
  fake.disk.set(FILE_PATH, text);
  fake.disk.set(`${WORKSPACE}/key.pem`, CANARY_PRIVATE_KEY);
  fake.disk.set(
    `${WORKSPACE}/client.crt`,
    '-----BEGIN CERTIFICATE-----\nMIIBcanaryCertificate\n-----END CERTIFICATE-----',
  );
  fake.disk.set(`${WORKSPACE}/orders.postman_collection.json`, POSTMAN);
  const file = loadFlowFile(text, { fileName: FILE_PATH }).file;
  const source: FlowSource = { id: FILE_ID, kind: 'file', label: 'canary.oidc-flow.yaml', file, errorCount: 0 };
  // The other canaries come from the environment the person approved (here: the source's own).
  const { CANARY_CLIENT_SECRET: _inStore, ...env } = CANARY_ENV;
  Object.assign(source, { env });
  const index = {
    sources: async () => [source],
    get: async (id: string) => (id === FILE_ID ? source : undefined),
    loadForRun: async (id: string) => {
      if (id !== FILE_ID) throw new Error(`no source ${id}`);
      return { source, file };
    },
    textOf: async (uri: FakeUri) => fake.disk.get(uri.path) ?? '',
    refresh: async () => undefined,
  } as unknown as FlowIndex;

  const lines: string[] = [];
  const channel = Object.fromEntries(
    ['info', 'warn', 'error', 'debug', 'trace', 'appendLine'].map((level) => [level, (l: string) => lines.push(l)]),
  );
  const log = new RedactedLog(channel as unknown as vscode.LogOutputChannel);
  const workspaceState = memoryMemento();
  const globalState = memoryMemento();
  const secretStore = memorySecrets();
  const secrets = new SecretService(secretStore, globalState);
  await secrets.set(secretScopeOf(vs, FILE_ID), 'fake.clientSecret', CANARY.clientSecret);
  const history = new RunHistory(workspaceState);
  const store = new RunStore(history);
  const recorders: RunRecorder[] = [];
  const begin = store.begin.bind(store);
  store.begin = (recorder) => {
    recorders.push(recorder);
    begin(recorder);
  };
  const panel = new ResultsPanel(vs, new FakeUri('mem', '/ext') as unknown as vscode.Uri, store, log);
  // The real sandbox (in-process IdP, gateway and upstream) for the cases that need it.
  const sandbox = options.sandbox
    ? new SandboxService(vs, log)
    : ({
        current: undefined,
        start: () => Promise.reject(new Error('this case needs no sandbox')),
        stop: async () => false,
        listenToGateway: () => () => undefined,
      } as unknown as SandboxService);
  const sandboxSecrets: string[] = [];
  if (options.sandbox)
    sandbox.onDidChange((started) =>
      sandboxSecrets.push(
        ...Object.entries(started?.env ?? {})
          .filter(([name]) => isSecretValueRef({ kind: 'env', name }))
          .map(([, value]) => value),
      ),
    );
  const runs = new RunService(vs, log, sandbox, secrets, store, () => panel, workspaceState);
  const vault = new TokenVault(secretStore, globalState);
  const idpId = idpEntries([source])[0]!.id;
  const token = await vault.add(
    {
      idpId,
      sourceId: FILE_ID,
      idpName: 'fake',
      grant: 'authorization_code',
      kind: 'opaque',
      hasRefreshToken: true,
      hasIdToken: true,
    },
    { accessToken: CANARY.accessToken, refreshToken: CANARY.refreshToken, idToken: CANARY.idToken },
  );
  const gatewayTokens = new GatewayTokens(secretStore);
  await gatewayTokens.set('kong', EXTENSION_CANARY.adminToken, server.url);
  await gatewayTokens.set('konnect', EXTENSION_CANARY.konnectToken, undefined);
  const states: GatewaySourceState[] = (
    vs.workspace.getConfiguration('oidcFlow').get(GATEWAY_SETTING) as GatewaySourceState['config'][]
  ).map((config) => ({ id: gatewaySourceId(config.name), config, findings: new Map(), refreshing: false }));
  // The real store and loader, wired as activate() wires them, for the cases that read a gateway
  // (the Admin API source only: the Konnect one would go to the internet).
  let gateways: GatewaySourceStore;
  if (options.gateways) {
    gateways = new GatewaySourceStore({
      load: gatewayLoader({
        token: (name) => gatewayTokens.get(name),
        bindToken: (name, value, origin) => gatewayTokens.set(name, value, origin),
        confirmBind: async () => false,
        trusted: () => true,
        workspaceRoot: () => WORKSPACE,
        env: {},
        createHttp: () => createClient(readSettings(vs)),
        readFile: async () => {
          throw new Error('no gateway file in this test');
        },
      }),
      onError: (config, error) => log.warn(`gateway source ${config.name}: ${error.code}: ${error.message}`),
    });
    gateways.configure(states.filter((x) => x.config.kind === 'admin-api').map((x) => x.config));
  } else
    gateways = {
      states: () => states,
      state: (id: string) => states.find((x) => x.id === id),
      refresh: async () => undefined,
    } as unknown as GatewaySourceStore;
  const decodedTokens = new DecodedTokenDocuments(vs);
  vs.workspace.registerTextDocumentContentProvider(DECODED_TOKEN_SCHEME, decodedTokens);
  const captures = fakeStarter();
  const capture = new CaptureService({ loadStarter: async () => captures.start, warn: (l) => lines.push(l) });
  const s: Services = {
    vs,
    context: {
      workspaceState,
      globalState,
      secrets: secretStore,
      extension: { id: 'oidc-flow.oidc-flow-debugger', packageJSON: { version: '0.0.0' } },
    } as unknown as vscode.ExtensionContext,
    log,
    sandbox,
    index,
    runs,
    store,
    history,
    secrets,
    vault,
    panel,
    discovery: new IdpDiscovery(),
    decodedTokens,
    gateways,
    gatewayTokens,
    refreshTrees: () => undefined,
    capture,
  };
  return {
    fake,
    s,
    handlers: commandHandlers(s),
    lines,
    secretStore,
    workspaceState,
    globalState,
    idpId,
    tokenId: token.id,
    runs,
    sandbox,
    recorders,
    sandboxSecrets,
    captures,
  };
}

/** Every row of the Capture view, expanded. */
function captureView(w: World): string {
  const all = (nodes: NodeData[]): NodeData[] => nodes.flatMap((n) => [n, ...all(n.children?.() ?? [])]);
  return JSON.stringify(all(captureNodes(w.s.capture.rows(), Date.now())));
}

/** Everything the extension wrote outside the secret store, by place. */
function places(w: World): Record<string, string> {
  const r = w.fake.recorded;
  return {
    'output channel': w.lines.join('\n'),
    notifications: r.notifications.join('\n'),
    prompts: r.prompts.join('\n'),
    clipboard: r.clipboard.join('\n'),
    'files written': [...r.files].map(([path, text]) => `${path}\n${text}`).join('\n'),
    'documents opened': r.documents.join('\n'),
    settings: r.settings.join('\n'),
    'commands executed': r.commands.join('\n'),
    webview: r.panels.map((p) => JSON.stringify(p.posted)).join('\n'),
    'capture view': captureView(w),
    'status bar': JSON.stringify(r.statusBarItems),
    // What the Gateway Routes view shows of each source (its error included).
    'gateway sources': JSON.stringify(w.s.gateways.states().map(({ findings: _, ...state }) => state)),
    'workspace state (history, env choices)': w.workspaceState.raw(),
    'global state (token list, secret index)': w.globalState.raw(),
  };
}

/** The webview as the person sees it: it says ready, so the host posts the run. */
async function openViews(w: World): Promise<void> {
  for (const view of w.fake.recorded.panels) await view.send({ type: 'ready', version: 1 });
}

interface Case {
  /** What this case does, in the test title. */
  name: string;
  /** Runs the real sandbox (its credentials are searched for too). */
  sandbox?: true;
  /** Reads the configured Admin API for real (the echoing server). */
  gateways?: true;
  rules?: Rule[];
  run(w: World): unknown;
  /** Checks what the case must have done (so a cancelled prompt does not pass as "no leak"). */
  check?(w: World, result: unknown): void | Promise<void>;
  /** The one place the person asked to see a secret in (reveal answers), and one it must hold; every other place is searched. */
  revealed?: { place: string; value: string };
}

const flowRef = { kind: 'flow', sourceId: FILE_ID, flow: 'f' };
const idpRef = (w: World) => ({ kind: 'idp', sourceId: FILE_ID, name: 'fake', idpId: w.idpId });
const tokenRef = (w: World) => ({ kind: 'token', tokenId: w.tokenId, idpId: w.idpId });
const REDACTED: Rule = [/redacted, or with secrets/, 'Redacted'];

async function runThenAll(w: World, ...ids: CommandId[]): Promise<void> {
  await w.handlers['oidcFlow.runFlow'](flowRef);
  for (const id of ids) await w.handlers[id]();
}

function ran(w: World): void {
  assert.ok(w.s.store.lastRunId(), 'the command ran a flow');
}

/** The canary flow ran to its echoing request, which got the server's answer. */
function ranToEcho(w: World): void {
  assert.match(w.lines.join('\n'), /POST \S+\/echo\?jwt=\[redacted \d+ chars\] → 400/, w.lines.join('\n'));
}

/** The Admin API read got the echoing server's 400, and the store kept the error to show. */
function gatewayReadFailed(w: World): void {
  const error = w.s.gateways.state('gateway:kong')?.error;
  assert.ok(error, 'the read failed');
  assert.match(w.lines.join('\n'), /gateway source kong: /);
}

function notified(pattern: RegExp) {
  return (w: World) =>
    assert.ok(
      w.fake.recorded.notifications.some((n) => pattern.test(n)),
      `a notification matching ${pattern}; got ${w.fake.recorded.notifications.join(' | ')}`,
    );
}

const CASES: Record<CommandId, Case[]> = {
  'oidcFlow.startSandbox': [
    {
      name: 'starts the sandbox',
      sandbox: true,
      run: (w) => w.handlers['oidcFlow.startSandbox'](),
      check: notified(/Sandbox running/),
    },
  ],
  'oidcFlow.stopSandbox': [
    { name: 'says it is not running', run: (w) => w.handlers['oidcFlow.stopSandbox']() },
    {
      name: 'stops the sandbox',
      sandbox: true,
      run: async (w) => {
        await w.handlers['oidcFlow.startSandbox']();
        await w.handlers['oidcFlow.stopSandbox']();
      },
      check: notified(/Sandbox stopped/),
    },
  ],
  'oidcFlow.runDemo': [
    {
      name: 'the introspection scenario on the sandbox, its Okta API token searched for',
      sandbox: true,
      rules: [[/Demo finished/, 'Show Verdict']],
      run: (w) => w.handlers['oidcFlow.runDemo'](),
      check: (w) => {
        notified(/Demo finished/)(w);
        // The demo's diagnosis reads the (sandbox's) Okta management API with this token: searched for too.
        const oktaApiToken = w.sandbox.current?.env.SANDBOX_OKTA_API_TOKEN;
        assert.ok(oktaApiToken && w.sandboxSecrets.includes(oktaApiToken), 'the Okta API token is a canary');
      },
    },
    {
      name: 'the introspection scenario, then every export redacted (the cached variant waits out a cache: 20 s)',
      sandbox: true,
      rules: [REDACTED, [/Export Redacted/, `${WORKSPACE}/demo.har`]],
      run: async (w) => {
        await w.handlers['oidcFlow.runDemo']();
        await w.handlers['oidcFlow.exportHar']();
        await w.handlers['oidcFlow.copyCurl']();
        await w.handlers['oidcFlow.explainLastRejection']();
      },
      check: (w) => assert.ok(w.fake.recorded.files.has(`${WORKSPACE}/demo.har`), 'the HAR was written'),
    },
  ],
  'oidcFlow.runFlow': [
    { name: 'runs the canary flow', run: (w) => runThenAll(w), check: ranToEcho },
    {
      name: 'asks for a ${secret:} missing from the secret store, and stores the answer',
      rules: [[/^Secret fake\.clientSecret/, CANARY.clientSecret]],
      run: async (w) => {
        await w.s.secrets.delete(secretScopeOf(w.s.vs, FILE_ID), 'fake.clientSecret');
        await runThenAll(w);
      },
      check: (w) => {
        ranToEcho(w);
        assert.ok([...w.secretStore.data.values()].includes(CANARY.clientSecret), 'the answer was stored');
        assert.ok(
          w.fake.recorded.prompts.some((p) => p.startsWith('input: Secret fake.clientSecret')),
          'asked',
        );
      },
    },
  ],
  'oidcFlow.runStep': [
    {
      name: 'runs the flow up to its first step (picked)',
      run: (w) => w.handlers['oidcFlow.runStep'](),
      check: ran,
    },
  ],
  'oidcFlow.stopRun': [
    { name: 'with nothing running', run: (w) => w.handlers['oidcFlow.stopRun']() },
    {
      name: 'stops a paused step-by-step run',
      run: async (w) => {
        const run = w.handlers['oidcFlow.runFlowStepByStep'](flowRef);
        await until(() => w.runs.pausedBefore !== undefined);
        w.handlers['oidcFlow.stopRun']();
        await run;
      },
      check: ran,
    },
  ],
  'oidcFlow.runFlowStepByStep': [
    {
      name: 'runs step by step: next, then continue',
      run: async (w) => {
        const run = w.handlers['oidcFlow.runFlowStepByStep'](flowRef);
        await until(() => w.runs.pausedBefore !== undefined);
        w.handlers['oidcFlow.nextStep']();
        await until(() => w.runs.pausedBefore !== undefined);
        w.handlers['oidcFlow.continueRun']();
        await run;
      },
      check: ran,
    },
  ],
  'oidcFlow.nextStep': [{ name: 'with no paused run', run: async (w) => w.handlers['oidcFlow.nextStep']() }],
  'oidcFlow.continueRun': [{ name: 'with no paused run', run: async (w) => w.handlers['oidcFlow.continueRun']() }],
  'oidcFlow.selectEnvironment': [
    { name: 'a file with no environments', run: (w) => w.handlers['oidcFlow.selectEnvironment']() },
  ],
  'oidcFlow.decodeToken': [
    {
      name: 'a kept opaque token: says it is no JWT, without the token',
      run: (w) => w.handlers['oidcFlow.decodeToken'](tokenRef(w)),
      check: notified(/error:/),
    },
    {
      name: 'a pasted JWT-shaped token whose parts are no base64 JSON',
      rules: [[/Paste a JWT/, `${CANARY.accessToken}.${CANARY.refreshToken}.${CANARY.idToken}`]],
      run: (w) => w.handlers['oidcFlow.decodeToken'](),
      check: notified(/error:/),
    },
    {
      name: 'a pasted JWT whose payload is no JSON',
      rules: [
        [
          /Paste a JWT/,
          `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(`{"sub":"${CANARY.password}`).toString('base64url')}.x`,
        ],
      ],
      run: (w) => w.handlers['oidcFlow.decodeToken'](),
      check: notified(/error:/),
    },
    {
      name: 'a pasted JWT: a read-only document with its claims, never the token',
      rules: [
        [
          /Paste a JWT/,
          `${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${Buffer.from('{"sub":"decoded-subject"}').toString('base64url')}.${Buffer.from(CANARY.password).toString('base64url')}`,
        ],
      ],
      run: (w) => w.handlers['oidcFlow.decodeToken'](),
      check: (w) => {
        const doc = w.fake.recorded.documents.at(-1) ?? '';
        assert.match(doc, /"sub": "decoded-subject"/);
        assert.match(doc, /UNVERIFIED/);
        assert.ok(
          !doc.includes(Buffer.from(CANARY.password).toString('base64url')),
          'the document shows the raw token',
        );
      },
    },
    {
      name: 'a pasted opaque token',
      rules: [[/Paste a JWT/, CANARY.idToken]],
      run: (w) => w.handlers['oidcFlow.decodeToken'](),
      check: notified(/error:/),
    },
  ],
  'oidcFlow.verifyToken': [
    {
      name: 'a pasted JWT-shaped token whose parts are no base64 JSON',
      rules: [
        [/Which token to verify/, 'Another token'],
        [/Paste the token/, `${CANARY.accessToken}.${CANARY.refreshToken}.${CANARY.idToken}`],
      ],
      run: (w) => w.handlers['oidcFlow.verifyToken'](),
      check: notified(/error:|warning:/),
    },
    {
      name: 'a kept token, at its IdP (which has no keys)',
      run: (w) => w.handlers['oidcFlow.verifyToken'](tokenRef(w)),
      check: ran,
    },
  ],
  'oidcFlow.fetchToken': [
    {
      name: 'the password grant: user name and password asked, the tokens kept in the vault',
      rules: [
        [/Grant for/, 'Resource owner password'],
        [/user name/, 'alice'],
        [/password/, CANARY.password],
      ],
      run: (w) => w.handlers['oidcFlow.fetchToken'](idpRef(w)),
      check: (w, result) => {
        assert.equal((result as { kind?: string } | undefined)?.kind, 'token', 'a token was fetched');
        notified(/Token fetched/)(w);
      },
    },
    {
      name: 'the password grant at an IdP whose refusal echoes the request',
      rules: [
        [/which identity provider/, 'refusing'],
        [/Grant for/, 'Resource owner password'],
        [/user name/, 'alice'],
        [/password/, CANARY.password],
      ],
      run: (w) => w.handlers['oidcFlow.fetchToken'](),
      check: notified(/error: Fetching a token from refusing failed/),
    },
    {
      name: 'the refresh grant, from the kept refresh token',
      rules: [[/Grant for/, 'Refresh token']],
      run: (w) => w.handlers['oidcFlow.fetchToken'](idpRef(w)),
      check: ran,
    },
    {
      name: 'token exchange of a kept token',
      rules: [
        [/Grant for/, 'Token exchange'],
        [/Which token to exchange/, 'fake'],
        [/audience/, 'api://orders'],
      ],
      run: (w) => w.handlers['oidcFlow.fetchToken'](idpRef(w)),
      check: ran,
    },
  ],
  'oidcFlow.introspectToken': [
    {
      name: 'a kept token, at a server that echoes it in its error',
      run: (w) => w.handlers['oidcFlow.introspectToken'](),
      check: notified(/error:/),
    },
  ],
  'oidcFlow.revokeToken': [
    {
      name: 'a kept token, confirmed, at a server that echoes it',
      rules: [[/Revoke this token/, 'Revoke']],
      run: (w) => w.handlers['oidcFlow.revokeToken'](tokenRef(w)),
      check: notified(/error:/),
    },
    {
      name: 'a token from the clipboard',
      rules: [
        [/Which token to revoke/, 'Another token'],
        [/Paste the token/, ''],
        [/Revoke this token/, 'Revoke'],
      ],
      run: async (w) => {
        w.fake.setClipboard(`Bearer ${CANARY.idToken}`);
        await w.handlers['oidcFlow.revokeToken']();
      },
      check: ran,
    },
  ],
  'oidcFlow.copyToken': [
    {
      name: 'the one reveal: the access token to the clipboard only',
      run: (w) => w.handlers['oidcFlow.copyToken'](tokenRef(w)),
      revealed: { place: 'clipboard', value: CANARY.accessToken },
      check: (w) => assert.deepEqual(w.fake.recorded.clipboard, [CANARY.accessToken], 'the token alone, once'),
    },
  ],
  'oidcFlow.forgetToken': [
    {
      name: 'forgets a kept token',
      run: (w) => w.handlers['oidcFlow.forgetToken'](tokenRef(w)),
      check: (w) => assert.equal(w.s.vault.list().length, 0),
    },
  ],
  'oidcFlow.callRoute': [
    {
      name: 'with the kept token, at a server that echoes it',
      run: (w) => w.handlers['oidcFlow.callRoute'](),
      check: ran,
    },
    {
      name: 'with a pasted token',
      rules: [
        [/with which token/, 'Paste'],
        [/Paste the token/, `Bearer ${CANARY.idToken}`],
      ],
      run: (w) => w.handlers['oidcFlow.callRoute'](),
      check: ran,
    },
  ],
  'oidcFlow.storeSecret': [
    {
      name: 'stores a new secret under a new key',
      rules: [
        [/Store which secret/, 'New key'],
        [/Secret key/, 'orders.apiKey'],
        [/Value of/, CANARY.apiKey],
        [/Stored/, 'Copy Reference'],
      ],
      run: (w) => w.handlers['oidcFlow.storeSecret'](),
      check: (w) => assert.ok([...w.secretStore.data.values()].includes(CANARY.apiKey), 'stored'),
    },
  ],
  'oidcFlow.importCollection': [
    {
      name: 'a Postman export with secrets in its variables, auth and headers',
      rules: [[/Import an Insomnia or Postman export/, `${WORKSPACE}/orders.postman_collection.json`]],
      run: (w) => w.handlers['oidcFlow.importCollection'](),
      check: (w) =>
        assert.ok(
          [...w.fake.recorded.files.keys()].some((p) => p.endsWith('.oidc-flow.yaml')),
          'written',
        ),
    },
  ],
  'oidcFlow.exportHar': [
    {
      name: 'a run exported redacted',
      rules: [REDACTED, [/Export Redacted/, `${WORKSPACE}/run.har`]],
      run: (w) => runThenAll(w, 'oidcFlow.exportHar'),
      check: (w) => assert.ok(w.fake.recorded.files.has(`${WORKSPACE}/run.har`), 'the HAR was written'),
    },
    {
      name: 'a run exported WITH secrets: in the HAR file only',
      rules: [
        [/redacted, or with secrets/, 'Include Secrets'],
        [/Export with Secrets/, `${WORKSPACE}/run.har`],
      ],
      run: (w) => runThenAll(w, 'oidcFlow.exportHar'),
      revealed: { place: 'files written', value: CANARY.accessToken },
    },
  ],
  'oidcFlow.copyCurl': [
    {
      name: "a run's request copied redacted",
      rules: [REDACTED],
      run: (w) => runThenAll(w, 'oidcFlow.copyCurl'),
      check: (w) => assert.equal(w.fake.recorded.clipboard.length, 1, 'a curl command was copied'),
    },
    {
      name: "a run's request copied WITH secrets: on the clipboard only",
      rules: [
        [/redacted, or with secrets/, 'Include Secrets'],
        [/Copy which request/, 'echo'],
      ],
      run: (w) => runThenAll(w, 'oidcFlow.copyCurl'),
      revealed: { place: 'clipboard', value: CANARY.accessToken },
    },
  ],
  'oidcFlow.explainLastRejection': [
    { name: 'after a failed run', run: (w) => runThenAll(w, 'oidcFlow.explainLastRejection'), check: ran },
  ],
  'oidcFlow.addIdp': [
    {
      name: 'private_key_jwt: the key file read once, into the secret store',
      rules: [
        [/kind/, 'Any OpenID'],
        [/issuer/, 'https://login.example.com'],
        [/name/, 'keyed'],
        [/client id/, 'app2'],
        [/client authentication/, 'private_key_jwt'],
        [/private key/, `${WORKSPACE}/key.pem`],
        [/key id/, 'kid-1'],
      ],
      run: (w) => w.handlers['oidcFlow.addIdp'](),
      check: (w) => {
        assert.ok([...w.fake.recorded.files.values()].some((t) => t.includes('${secret:keyed.privateKey}')));
        assert.ok([...w.secretStore.data.values()].includes(CANARY_PRIVATE_KEY), 'the key is in the secret store');
      },
    },
    {
      name: 'tls_client_auth: the certificate and its key read once, into the secret store',
      rules: [
        [/kind/, 'Any OpenID'],
        [/issuer/, 'https://login.example.com'],
        [/name/, 'mtls'],
        [/client id/, 'app4'],
        [/client authentication/, '^tls_client_auth'],
        [/client certificate/, `${WORKSPACE}/client.crt`],
        [/private key/, `${WORKSPACE}/key.pem`],
      ],
      run: (w) => w.handlers['oidcFlow.addIdp'](),
      check: (w) => {
        assert.ok([...w.fake.recorded.files.values()].some((t) => t.includes('${secret:mtls.privateKey}')));
        assert.ok([...w.secretStore.data.values()].includes(CANARY_PRIVATE_KEY), 'the key is in the secret store');
      },
    },
    {
      name: 'client_secret_post: the secret typed, into the secret store',
      rules: [
        [/kind/, 'Okta'],
        [/Okta domain/, 'dev-1.okta.com'],
        [/authorization server/, 'default'],
        [/name/, 'okta'],
        [/client id/, 'app3'],
        [/client authentication/, 'client_secret_post'],
        [/client secret/, CANARY.clientSecret],
        [/to which flow file/, 'canary'],
      ],
      run: (w) => w.handlers['oidcFlow.addIdp'](),
      check: (w) => assert.ok(w.fake.recorded.files.get(FILE_PATH)?.includes('${secret:okta.clientSecret}')),
    },
  ],
  'oidcFlow.editIdp': [{ name: 'opens the file at the IdP', run: (w) => w.handlers['oidcFlow.editIdp'](idpRef(w)) }],
  'oidcFlow.removeIdp': [
    {
      name: 'removes the IdP and deletes its secret',
      rules: [[/Remove the IdP/, 'Remove and Delete Secret']],
      run: (w) => w.handlers['oidcFlow.removeIdp'](idpRef(w)),
      check: (w) => assert.ok(w.fake.recorded.files.has(FILE_PATH), 'the file was written'),
    },
  ],
  'oidcFlow.discoverIdp': [
    { name: 'an IdP with no issuer', run: (w) => w.handlers['oidcFlow.discoverIdp'](idpRef(w)) },
  ],
  'oidcFlow.addGatewaySource': [
    {
      name: 'a Kong Admin API with an RBAC token',
      rules: [
        [/kind/, 'Kong Admin API'],
        [/name/, 'kong2'],
        [/Admin API URL/, 'http://localhost:8001'],
        [/workspace/, ''],
        [/RBAC token/, EXTENSION_CANARY.adminToken],
        [/proxy URL/, ''],
      ],
      run: (w) => w.handlers['oidcFlow.addGatewaySource'](),
      check: (w) => assert.equal(w.fake.recorded.settings.length, 1, 'the setting was updated'),
    },
    {
      name: 'a Konnect control plane with a personal access token',
      rules: [
        [/kind/, 'Konnect'],
        [/name/, 'konnect2'],
        [/Konnect region/, 'eu'],
        [/control plane/, 'cp'],
        [/Konnect personal/, EXTENSION_CANARY.konnectToken],
        [/proxy URL/, ''],
      ],
      run: (w) => w.handlers['oidcFlow.addGatewaySource'](),
      check: (w) => assert.equal(w.fake.recorded.settings.length, 1, 'the setting was updated'),
    },
  ],
  'oidcFlow.removeGatewaySource': [
    {
      name: 'removes a source and its token',
      rules: [[/Remove the gateway source/, 'Remove']],
      run: (w) => w.handlers['oidcFlow.removeGatewaySource'](),
      check: (w) => assert.equal(w.fake.recorded.settings.length, 1, 'the setting was updated'),
    },
  ],
  'oidcFlow.refreshGatewaySources': [
    {
      name: 'reads the Admin API with its token, from a server that echoes it in its error',
      gateways: true,
      run: (w) => w.handlers['oidcFlow.refreshGatewaySources'](),
      check: gatewayReadFailed,
    },
  ],
  'oidcFlow.refreshGatewaySource': [
    {
      name: 'reads one source, from a server that echoes its token',
      gateways: true,
      run: (w) => w.handlers['oidcFlow.refreshGatewaySource']({ kind: 'gatewaySource', sourceId: 'gateway:kong' }),
      check: gatewayReadFailed,
    },
  ],
  'oidcFlow.setGatewayToken': [
    {
      name: 'replaces the Admin API token',
      rules: [[/RBAC token/, EXTENSION_CANARY.adminToken]],
      run: (w) => w.handlers['oidcFlow.setGatewayToken'](),
    },
  ],
  'oidcFlow.refresh': [{ name: 'refreshes the views', run: (w) => w.handlers['oidcFlow.refresh']() }],
  'oidcFlow.showResults': [
    { name: 'shows the last run', run: (w) => runThenAll(w, 'oidcFlow.showResults'), check: ran },
  ],
  'oidcFlow.openHistoryEntry': [
    {
      name: 'opens the last run from the history',
      run: async (w) => {
        await runThenAll(w);
        await w.handlers['oidcFlow.openHistoryEntry']({ kind: 'history', runId: w.s.store.lastRunId() });
      },
      check: ran,
    },
  ],
  'oidcFlow.clearHistory': [
    {
      name: 'clears the history after a run',
      rules: [[/Clear the run history/, 'Clear']],
      run: (w) => runThenAll(w, 'oidcFlow.clearHistory'),
      check: ran,
    },
  ],
  'oidcFlow.openWalkthrough': [{ name: 'opens the walkthrough', run: (w) => w.handlers['oidcFlow.openWalkthrough']() }],
  'oidcFlow.startCapture': [
    {
      name: 'from a route, then canary-carrying calls pass through',
      run: async (w) => {
        await w.handlers['oidcFlow.startCapture']({ kind: 'route', sourceId: FILE_ID, name: 'api' });
        captureCanaries(w);
      },
      check: (w) => {
        assert.equal(w.captures.sessions.length, 1, 'the capture started');
        assert.equal(w.s.capture.rows().length, 3);
      },
    },
  ],
  'oidcFlow.stopCapture': [
    {
      name: 'stops a capture that saw canaries',
      run: async (w) => {
        await w.handlers['oidcFlow.startCapture']({ target: 'http://127.0.0.1:9/api' });
        captureCanaries(w);
        return w.handlers['oidcFlow.stopCapture']();
      },
      check: (_w, result) => assert.equal(result, true),
    },
  ],
  'oidcFlow.openCapturedExchange': [
    {
      name: 'opens a refused call that carried canaries in the results view',
      run: async (w) => {
        await w.handlers['oidcFlow.startCapture']({ target: 'http://127.0.0.1:9/api' });
        captureCanaries(w);
        return w.handlers['oidcFlow.openCapturedExchange']({ kind: 'capturedExchange', exchangeId: 'c2' });
      },
      check: (w, result) => {
        assert.equal(result, 'capture:c2');
        assert.ok(w.fake.recorded.panels.length > 0, 'the results view opened');
      },
    },
  ],
};

/** Calls through the capture that carry canaries: a bearer, a query token, an echoed secret, a verdict quoting one. */
function captureCanaries(w: World): void {
  const session = w.captures.sessions.at(-1)!;
  const token = {
    groupKey: 'fp',
    source: { in: 'header', name: 'authorization' },
    kind: 'jwt',
    subject: 'alice',
    clientId: 'app',
    expiresAt: Date.now() + 600_000,
  } as const;
  session.emit(capturedCall('c1', { token, bearer: CANARY.accessToken }));
  session.emit(
    capturedCall('c2', {
      token,
      bearer: CANARY.accessToken,
      status: 401,
      path: `/api?jwt=${CANARY.idToken}`,
      responseBody: JSON.stringify({ echo: CANARY.accessToken, secret: CANARY.clientSecret }),
    }),
  );
  session.verdict('c2', inactiveVerdict(`The gateway refused ${CANARY.accessToken}.`));
  session.emit(capturedCall('c3', { status: 401, path: `/api?access_token=${CANARY.refreshToken}` }));
}

/**
 * Paths of commands that cannot run in plain Node, and the extension-host suite that runs them;
 * that suite's last file (zz-secret-canaries.test.ts) searches everything the product wrote during
 * the run for the credentials the suites used.
 */
const COVERED_ELSEWHERE: Array<{ id: CommandId; path: string; why: string; suite: string }> = [
  {
    id: 'oidcFlow.fetchToken',
    path: 'authorization code + PKCE',
    why: 'a person signs in in the system browser, through a loopback redirect',
    suite: 'workflows-tokens.test.ts',
  },
];

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !condition(); i += 1) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(condition(), 'the run paused');
}

describe('secret canaries: every extension command', () => {
  const opened = closeAfterEach();
  const saved = process.env.OKTA_API_TOKEN;
  let dir: string;
  let server: Running;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'oidc-canary-commands-'));
    server = (await canaryFlow(dir)).server;
    process.env.OKTA_API_TOKEN = EXTENSION_CANARY.oktaApiToken;
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
    if (saved === undefined) delete process.env.OKTA_API_TOKEN;
    else process.env.OKTA_API_TOKEN = saved;
  });

  it('the search finds a canary in every form it is searched in', () => {
    for (const value of [CANARY.clientSecret, EXTENSION_CANARY.adminToken, CANARY_PRIVATE_KEY]) {
      const forms = [
        value,
        encodeURIComponent(value),
        Buffer.from(value).toString('base64'),
        Buffer.from(value).toString('base64url'),
        JSON.stringify({ value }),
        `Authorization: Basic ${Buffer.from(`app:${value}`).toString('base64')}`,
      ];
      for (const form of forms) assert.notDeepEqual(leaksOf(`said: ${form}.`), [], form);
    }
    assert.deepEqual(leaksOf('[redacted 24 chars] ${secret:fake.clientSecret} ' + CANARY_PRIVATE_KEY.slice(0, 27)), []);
  });

  for (const elsewhere of COVERED_ELSEWHERE)
    it(`${elsewhere.id} (${elsewhere.path}): not in plain Node (${elsewhere.why}); covered by test/extension/suite/${elsewhere.suite}`, () => {
      const suite = readFileSync(join(__dirname, '..', '..', 'extension', 'suite', elsewhere.suite), 'utf8');
      assert.ok(suite.includes(elsewhere.id), `${elsewhere.suite} does not run ${elsewhere.id}`);
      assert.ok(
        readFileSync(join(__dirname, '..', '..', 'extension', 'suite', 'zz-secret-canaries.test.ts'), 'utf8').includes(
          'probe.canaries',
        ),
        'the extension-host suite searches for its canaries',
      );
    });

  it('has a case for every command id, and every handler', async () => {
    const w = await world(server);
    opened({ close: async () => void w.runs.stop() });
    assert.deepEqual(Object.keys(CASES).sort(), [...COMMAND_IDS].sort());
    assert.deepEqual(Object.keys(w.handlers).sort(), [...COMMAND_IDS].sort());
    for (const id of COMMAND_IDS) assert.ok(CASES[id].length > 0, `${id} has no case`);
  });

  for (const [id, cases] of Object.entries(CASES) as Array<[CommandId, Case[]]>)
    for (const c of cases)
      it(`${id}: ${c.name}`, async function () {
        if (c.sandbox) this.timeout(60_000);
        const w = await world(server, { sandbox: c.sandbox, gateways: c.gateways });
        opened({ close: async () => void (await w.sandbox.stop()) });
        w.fake.script(c.rules ?? []);
        const result = await c.run(w);
        await openViews(w);
        await c.check?.(w, result);
        // The sandbox's credentials and every value a run registered as secret are canaries too.
        const received = [...w.sandboxSecrets, ...w.recorders.flatMap((r) => r.secrets())].filter((v) => v.length >= 8);
        if (c.sandbox) assert.ok(w.sandboxSecrets.length > 0, 'the sandbox credentials are searched for');
        const forms = [...ALL_FORMS, ...canaryForms(received)];
        const found = places(w);
        for (const [place, output] of Object.entries(found)) {
          if (c.revealed?.place === place) {
            assert.ok(output.includes(c.revealed.value), `${place} holds what the person asked to see`);
            continue;
          }
          assert.deepEqual(leaksOf(output, forms), [], `${place} of ${id}:\n${output.slice(0, 4000)}`);
        }
      });
});
