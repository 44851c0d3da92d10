import assert from 'node:assert/strict';
import type * as vscode from 'vscode';
import type { FlowFile } from '../../../src/core/flow/file-format';
import type { SecretService as SecretServiceType } from '../../../src/extension/secrets/secret-service';
import { SecretService } from '../../../src/extension/secrets/secret-service';
import { approvedEnvironment, visibleEnvironment } from '../../../src/extension/services/env-approval';
import { RunService } from '../../../src/extension/services/run-service';
import type { RunStore } from '../../../src/extension/results/run-store';
import type { RedactedLog } from '../../../src/extension/services/log';
import type { SandboxService } from '../../../src/extension/services/sandbox-service';
import type { FlowSource } from '../../../src/extension/workspace/source-model';
import { routeTreeNodes, UNTRUSTED_GATEWAYS_NODE } from '../../../src/extension/trees/route-nodes';
import { memoryMemento, memorySecrets } from '../../support/memory-stores';
import { rejection } from '../../support/rejection';

/**
 * What this file proves: a cloned workspace cannot make the extension act
 * for it before the person trusts it, and a trusted one reads only what the
 * person gave it. In Restricted Mode no flow file runs (the built-in sandbox
 * demo does) and the Gateway Routes view reads nothing; `${secret:KEY}` is
 * looked up in the secrets of the flow file's own workspace folder (older,
 * global values are offered once and copied on consent); `${env:NAME}` reads
 * only variables the person approved for the workspace or in user settings.
 */

interface Prompt {
  message: string;
  modal: boolean;
  buttons: string[];
}

const FOLDERS = [
  { uri: 'file:///work/orders-api', name: 'orders-api' },
  { uri: 'file:///work/billing', name: 'billing' },
];

/** A vscode stand-in with what RunService.prepare touches: trust, folders, prompts, settings. */
function fakeVs(
  options: {
    trusted?: boolean;
    answers?: Array<string | undefined>;
    allowedEnv?: string[];
    /** The file in the active editor. */
    activeFile?: string;
    /** The folder name picked when asked which folder. */
    pickFolder?: string;
  } = {},
) {
  const prompts: Prompt[] = [];
  const inputs: string[] = [];
  const answers = [...(options.answers ?? [])];
  const uri = (text: string) => {
    const path = text.replace(/^file:\/\//, '');
    return { path, toString: () => `file://${path}` };
  };
  const vs = {
    EventEmitter: class {
      event = () => ({ dispose() {} });
      fire() {}
      dispose() {}
    },
    Uri: {
      parse: uri,
      joinPath: (base: { path: string }, ...parts: string[]) =>
        uri(`file://${[base.path, ...parts].join('/').replace(/\/[^/]+\/\.\.$/, '')}`),
    },
    workspace: {
      isTrusted: options.trusted ?? true,
      workspaceFolders: FOLDERS.map((f) => ({ uri: uri(f.uri), name: f.name })),
      getWorkspaceFolder: (target: { path: string }) => {
        const folder = FOLDERS.find((f) => target.path.startsWith(`${f.uri.slice('file://'.length)}/`));
        return folder ? { uri: uri(folder.uri), name: folder.name } : undefined;
      },
      getConfiguration: () => ({
        get: () => undefined,
        inspect: (key: string) =>
          key === 'allowedEnvironmentVariables' ? { globalValue: options.allowedEnv ?? [] } : undefined,
      }),
    },
    window: {
      activeTextEditor: options.activeFile ? { document: { uri: uri(options.activeFile) } } : undefined,
      showWorkspaceFolderPick: async () => {
        prompts.push({ message: 'which folder?', modal: false, buttons: [] });
        const folder = FOLDERS.find((f) => f.name === options.pickFolder);
        return folder ? { uri: uri(folder.uri), name: folder.name } : undefined;
      },
      showWarningMessage: async (message: string, opts: { modal?: boolean }, ...buttons: string[]) => {
        prompts.push({ message, modal: opts?.modal === true, buttons });
        return answers.shift();
      },
      showInputBox: async (opts: { prompt?: string }) => {
        inputs.push(opts.prompt ?? '');
        return undefined;
      },
    },
  };
  return { vs: vs as unknown as typeof vscode, prompts, inputs };
}

function runService(vs: typeof vscode, secrets: SecretServiceType, state = memoryMemento()) {
  const sandbox = {
    current: undefined,
    start: async () => assert.fail('these flows must not start the sandbox'),
  } as unknown as SandboxService;
  const log = { info() {}, warn() {}, error() {}, debug() {} } as unknown as RedactedLog;
  return new RunService(vs, log, sandbox, secrets, {} as RunStore, () => ({ showRun() {} }), state);
}

const FILE: FlowFile = {
  idps: {
    okta: {
      issuer: 'https://acme.okta.com/oauth2/default',
      clientId: '${env:OKTA_CLIENT_ID}',
      clientSecret: '${secret:okta.clientSecret}',
    },
  },
  flows: { login: { steps: [] } },
} as unknown as FlowFile;

/** A ${secret:KEY} value a prepared run would use. */
function secretOf(prepared: { sources: { secrets?: unknown } }, key: string): string | undefined {
  return (prepared.sources.secrets as Record<string, string>)[key];
}

const fileSource = (path: string): FlowSource => ({
  id: `file://${path}`,
  kind: 'file',
  label: path,
  file: FILE,
  errorCount: 0,
});
const ORDERS = fileSource('/work/orders-api/login.oidc-flow.yaml');
const BILLING = fileSource('/work/billing/login.oidc-flow.yaml');

describe('workspace trust and what a flow may read', () => {
  const saved = { ...process.env };
  beforeEach(() => {
    process.env.OKTA_CLIENT_ID = 'client-from-env';
    process.env.AWS_SECRET_ACCESS_KEY = 'never-read';
  });
  afterEach(() => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  });

  describe('Restricted Mode', () => {
    it('runs no workspace flow file, and says how to trust the workspace', async () => {
      const { vs, prompts, inputs } = fakeVs({ trusted: false });
      const runs = runService(vs, new SecretService(memorySecrets(), memoryMemento()));
      const error = await rejection(runs.run({ source: ORDERS, file: FILE, flow: 'login', title: 'Run login' }));
      assert.equal(error.code, 'extension.untrusted_workspace');
      assert.match(error.message, /^Run login was not run: this workspace is not trusted/);
      assert.match(error.hint!, /"Workspaces: Manage Workspace Trust"/);
      const oneOff = await rejection(runs.prepare({ source: ORDERS, file: FILE, title: 'Discover okta' }));
      assert.equal(oneOff.code, 'extension.untrusted_workspace');
      assert.equal(runs.running, false);
      assert.deepEqual([prompts, inputs], [[], []], 'nothing was asked: no secret, no environment variable');
    });

    it('still prepares the built-in sandbox flow (the product’s own, on loopback)', async () => {
      const { vs } = fakeVs({ trusted: false });
      const runs = runService(vs, new SecretService(memorySecrets(), memoryMemento()));
      const sandboxSource: FlowSource = { id: 'sandbox', kind: 'sandbox', label: 'Sandbox', errorCount: 0 };
      await assert.rejects(
        runs.prepare({ source: sandboxSource, file: { flows: {} } as unknown as FlowFile, title: 'Demo' }),
        /must not start the sandbox/,
        'the sandbox source got past the trust check to starting the sandbox',
      );
    });

    it('shows one "not read: workspace not trusted" node instead of the configured gateways', () => {
      const gateway = {
        id: 'gateway:kong',
        config: { name: 'kong', kind: 'admin-api' as const, adminUrl: 'https://kong.corp:8444' },
        findings: new Map(),
        refreshing: false,
      };
      const nodes = routeTreeNodes({ flowRoutes: [], gateways: [gateway], untrusted: true });
      assert.deepEqual(nodes, [UNTRUSTED_GATEWAYS_NODE]);
      assert.equal(nodes[0]!.description, 'not read: workspace not trusted');
      assert.match(nodes[0]!.tooltip!, /Workspaces: Manage Workspace Trust/);
      assert.equal(routeTreeNodes({ flowRoutes: [], gateways: [gateway] })[0]!.label, 'kong');
    });
  });

  describe('${secret:KEY} per workspace folder', () => {
    it('a flow in one folder does not get the secret another folder stored under the same key', async () => {
      const { vs, inputs } = fakeVs({ answers: ['Allow'] });
      const secrets = new SecretService(memorySecrets(), memoryMemento());
      const runs = runService(vs, secrets);
      const { secretScopeOf } = await import('../../../src/extension/secrets/secret-scope');
      await secrets.set(secretScopeOf(vs, BILLING.id), 'okta.clientSecret', 'billing-secret');
      const orders = await runs.prepare({ source: ORDERS, file: FILE, title: 'Orders login' });
      assert.equal(secretOf(orders, 'okta.clientSecret'), undefined);
      assert.equal(inputs.length, 1, 'the missing value is asked for');
      assert.match(inputs[0]!, /not in VS Code's secret storage for orders-api/);
      const billing = await runs.prepare({ source: BILLING, file: FILE, title: 'Billing login' });
      assert.equal(secretOf(billing, 'okta.clientSecret'), 'billing-secret');
    });

    it('offers a value stored before this change once (modal, naming key and folder) and copies it on consent', async () => {
      const store = memorySecrets();
      const names = memoryMemento();
      store.data.set('oidcFlow.secret/okta.clientSecret', 'legacy-secret');
      await names.update('oidcFlow.secretKeys.v1', ['okta.clientSecret']);
      const secrets = new SecretService(store, names);

      const declined = fakeVs({ answers: ['Allow', undefined] });
      const first = await runService(declined.vs, secrets).prepare({ source: BILLING, file: FILE, title: 'Billing' });
      assert.equal(secretOf(first, 'okta.clientSecret'), undefined);
      const offer = declined.prompts[1]!;
      assert.equal(offer.modal, true);
      assert.match(offer.message, /\$\{secret:okta\.clientSecret\}.*flow files of billing/);
      const again = fakeVs({ answers: ['Allow'] });
      await runService(again.vs, secrets).prepare({ source: BILLING, file: FILE, title: 'Billing' });
      assert.deepEqual(
        again.prompts.filter((p) => /stored before secrets were kept per workspace/.test(p.message)),
        [],
        'a declined offer is not made again for that folder',
      );
      assert.equal(again.inputs.length, 1, 'the value is asked for instead');

      const consent = fakeVs({ answers: ['Allow', 'Use It for orders-api'] });
      const moved = await runService(consent.vs, secrets).prepare({ source: ORDERS, file: FILE, title: 'Orders' });
      assert.equal(secretOf(moved, 'okta.clientSecret'), 'legacy-secret');
      assert.equal(consent.inputs.length, 0);
      assert.equal(store.data.get('oidcFlow.secret/okta.clientSecret'), 'legacy-secret', 'the old value is not lost');
      const { secretScopeOf } = await import('../../../src/extension/secrets/secret-scope');
      assert.deepEqual(secrets.keys(secretScopeOf(consent.vs, ORDERS.id)), ['okta.clientSecret']);
    });
  });

  describe('Store Secret: which folder', () => {
    it('stores for the folder of the active flow file, else asks which folder', async () => {
      const { pickSecretScope, secretScopeOf } = await import('../../../src/extension/secrets/secret-scope');
      const active = fakeVs({ activeFile: 'file:///work/billing/login.oidc-flow.yaml' });
      assert.deepEqual(await pickSecretScope(active.vs), secretScopeOf(active.vs, BILLING.id));
      assert.equal(active.prompts.length, 0);
      const other = fakeVs({ activeFile: 'file:///work/billing/notes.md', pickFolder: 'orders-api' });
      const picked = await pickSecretScope(other.vs);
      assert.equal(picked?.label, 'orders-api');
      assert.deepEqual(picked, secretScopeOf(other.vs, ORDERS.id));
      assert.equal(other.prompts.length, 1, 'asked which folder');
      assert.notEqual(secretScopeOf(other.vs, ORDERS.id).id, secretScopeOf(other.vs, BILLING.id).id);
      assert.doesNotMatch(picked!.id, /work|orders/, 'no path in SecretStorage keys');
    });
  });

  describe('${env:NAME} approval', () => {
    it('asks once per workspace, listing the names, and never hands over the rest of the environment', async () => {
      const { vs, prompts } = fakeVs({ answers: ['Allow'] });
      const state = memoryMemento();
      const runs = runService(vs, new SecretService(memorySecrets(), memoryMemento()), state);
      const first = await runs.prepare({ source: ORDERS, file: FILE, title: 'Orders login' });
      assert.equal(first.sources.env!.OKTA_CLIENT_ID, 'client-from-env');
      assert.equal(first.sources.env!.AWS_SECRET_ACCESS_KEY, undefined);
      assert.equal(first.sources.env!.PATH, undefined);
      const envPrompts = () => prompts.filter((p) => /environment variable/.test(p.message));
      assert.equal(envPrompts().length, 1);
      assert.equal(envPrompts()[0]!.modal, true);
      assert.match(envPrompts()[0]!.message, /OKTA_CLIENT_ID/);
      await runs.prepare({ source: ORDERS, file: FILE, title: 'Orders login' });
      assert.equal(envPrompts().length, 1, 'remembered in the workspace state');
    });

    it('refuses the run when the person declines, naming the variables and the setting', async () => {
      const { vs } = fakeVs({ answers: [undefined] });
      const runs = runService(vs, new SecretService(memorySecrets(), memoryMemento()));
      const error = await rejection(runs.prepare({ source: ORDERS, file: FILE, title: 'Orders login' }));
      assert.equal(error.code, 'extension.env_not_approved');
      assert.match(error.message, /OKTA_CLIENT_ID/);
      assert.match(error.hint!, /oidcFlow\.allowedEnvironmentVariables/);
    });

    it('needs no question for names the user setting pre-approves', async () => {
      const { vs, prompts } = fakeVs({ allowedEnv: ['OKTA_CLIENT_ID'] });
      const runs = runService(vs, new SecretService(memorySecrets(), memoryMemento()));
      const prepared = await runs.prepare({ source: ORDERS, file: FILE, title: 'Orders login' });
      assert.equal(prepared.sources.env!.OKTA_CLIENT_ID, 'client-from-env');
      assert.equal(prompts.filter((p) => /environment variable/.test(p.message)).length, 0);
    });

    it('never takes SANDBOX_* from the environment, and does not ask about unset names', async () => {
      const asked: string[][] = [];
      const values = await approvedEnvironment(['SANDBOX_ISSUER', 'UNSET_NAME', 'OKTA_CLIENT_ID'], 'Run', {
        state: memoryMemento(),
        allowed: [],
        env: { SANDBOX_ISSUER: 'https://evil.example', OKTA_CLIENT_ID: 'c' },
        ask: async (names) => {
          asked.push([...names]);
          return true;
        },
      });
      assert.deepEqual(values, { OKTA_CLIENT_ID: 'c' });
      assert.deepEqual(asked, [['OKTA_CLIENT_ID']]);
    });

    it('trees show ${env:NAME} values only for approved names', async () => {
      const state = memoryMemento();
      const env = { OKTA_CLIENT_ID: 'c', AWS_SECRET_ACCESS_KEY: 'k', SANDBOX_ISSUER: 'x', PRE: 'p' };
      assert.deepEqual(visibleEnvironment(state, ['PRE'], env), { PRE: 'p' });
      await approvedEnvironment(['OKTA_CLIENT_ID'], 'Run', { state, allowed: [], env, ask: async () => true });
      assert.deepEqual(visibleEnvironment(state, ['PRE', 'SANDBOX_ISSUER'], env), { PRE: 'p', OKTA_CLIENT_ID: 'c' });
    });
  });
});
