import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONTEXT_VALUES } from '../../src/extension/trees/node';
import {
  COMMAND_CATEGORY,
  CONTEXT_KEYS,
  COMMAND_IDS,
  RESULTS_VIEW_TYPE,
  VIEW_CONTAINER_ID,
  VIEW_IDS,
  WALKTHROUGH_ID,
} from '../../src/extension/commands/command-ids';

// Reads package.json as VS Code does; never imports vscode.
const root = join(__dirname, '..', '..');
interface Contributed {
  command: string;
  title: string;
  category?: string;
}
interface MenuItem {
  command: string;
  when?: string;
  group?: string;
}
interface Manifest {
  main: string;
  capabilities?: {
    untrustedWorkspaces?: { supported: boolean | 'limited'; description?: string; restrictedConfigurations?: string[] };
  };
  icon?: string;
  engines: { vscode: string };
  activationEvents: string[];
  contributes: {
    commands: Contributed[];
    menus: Record<string, MenuItem[]>;
    viewsContainers: { activitybar: Array<{ id: string; title: string; icon: string }> };
    views: Record<string, Array<{ id: string; name: string }>>;
    viewsWelcome: Array<{ view: string; contents: string }>;
    configuration: { properties: Record<string, { type: string; default?: unknown; scope?: string }> };
    jsonValidation: Array<{ fileMatch: string[]; url: string }>;
    yamlValidation: Array<{ fileMatch: string[]; url: string }>;
    walkthroughs: Array<{
      id: string;
      steps: Array<{
        id: string;
        description: string;
        media: { markdown?: string; image?: string };
        completionEvents?: string[];
      }>;
    }>;
  };
}
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Manifest;
const known = new Set<string>(COMMAND_IDS);

function commandLinks(text: string): string[] {
  return [...text.matchAll(/\(command:([A-Za-z0-9_.]+)/g)].map((m) => m[1]!);
}

describe('extension manifest (package.json)', () => {
  it('supports untrusted workspaces only in part, restricting every setting that sends, reads files or changes TLS', () => {
    const trust = manifest.capabilities?.untrustedWorkspaces;
    assert.equal(trust?.supported, 'limited');
    assert.ok(trust?.description);
    const restricted = new Set(trust?.restrictedConfigurations);
    const settings = manifest.contributes.configuration.properties;
    for (const key of [
      'oidcFlow.gateways',
      'oidcFlow.proxy',
      'oidcFlow.caFile',
      'oidcFlow.insecureSkipTlsVerify',
      'oidcFlow.gatewayLogs',
    ]) {
      assert.ok(restricted.has(key), `${key} is not restricted in untrusted workspaces`);
      assert.ok(settings[key], `${key} is restricted but not contributed`);
    }
    // A workspace must not pre-approve what flow files read from the environment.
    assert.ok(['machine', 'application'].includes(settings['oidcFlow.allowedEnvironmentVariables']?.scope ?? ''));
  });

  it('contributes exactly the commands of the CommandId union', () => {
    const contributed = manifest.contributes.commands.map((c) => c.command);
    assert.deepEqual([...contributed].sort(), [...COMMAND_IDS].sort());
    assert.equal(new Set(contributed).size, contributed.length, 'a command is contributed twice');
  });

  it('lists every command under the "OIDC Flow" category with a title', () => {
    assert.equal(COMMAND_CATEGORY, 'OIDC Flow');
    for (const c of manifest.contributes.commands) {
      assert.equal(c.category, COMMAND_CATEGORY, `${c.command} has category ${c.category}`);
      assert.ok(c.title.trim().length > 0, `${c.command} has no title`);
    }
  });

  it('menus only name contributed commands and known views', () => {
    const views = new Set<string>(Object.values(VIEW_IDS));
    for (const [menu, items] of Object.entries(manifest.contributes.menus)) {
      for (const item of items) {
        assert.ok(known.has(item.command), `${menu} names unknown command ${item.command}`);
        for (const view of item.when?.match(/view == ([A-Za-z0-9_.]+)/g) ?? [])
          assert.ok(views.has(view.slice(8)), `${menu}: unknown ${view}`);
      }
    }
  });

  it('matches tree items by contextValues the trees really set', () => {
    const values: string[] = Object.values(CONTEXT_VALUES);
    for (const item of manifest.contributes.menus['view/item/context']!) {
      for (const m of item.when?.matchAll(/viewItem == ([A-Za-z.]+)/g) ?? [])
        assert.ok(values.includes(m[1]!), `menu matches unknown contextValue ${m[1]}`);
      for (const m of item.when?.matchAll(/viewItem =~ \/\^([A-Za-z]+)/g) ?? [])
        assert.ok(
          values.some((v) => v.startsWith(m[1]!)),
          `menu regex matches no contextValue: ${m[1]}`,
        );
    }
  });

  it('gives every tree item kind with actions an inline action', () => {
    const inline = manifest.contributes.menus['view/item/context']!.filter((i) => i.group?.startsWith('inline'));
    for (const value of [
      'idp\\.',
      'token',
      '^(route|gatewayRoute\\.callable)$',
      'viewItem == flow',
      'viewItem == step',
      'viewItem == history',
    ]) {
      assert.ok(
        inline.some((i) => i.when?.includes(value)),
        `no inline action for ${value}`,
      );
    }
  });

  it('declares the activity-bar container with the five views, each with a welcome view', () => {
    const container = manifest.contributes.viewsContainers.activitybar.find((c) => c.id === VIEW_CONTAINER_ID);
    assert.ok(container, 'no OIDC Flow activity-bar container');
    assert.equal(container.title, 'OIDC Flow');
    assert.ok(existsSync(join(root, container.icon)), `${container.icon} is missing`);
    const views = manifest.contributes.views[VIEW_CONTAINER_ID]!.map((v) => v.id);
    assert.deepEqual(views, [VIEW_IDS.idps, VIEW_IDS.routes, VIEW_IDS.flows, VIEW_IDS.history, VIEW_IDS.capture]);
    assert.deepEqual(
      manifest.contributes.views[VIEW_CONTAINER_ID]!.map((v) => v.name),
      ['Identity Providers', 'Gateway Routes', 'Flows', 'History', 'Capture'],
    );
    for (const view of views)
      assert.ok(
        manifest.contributes.viewsWelcome.some((w) => w.view === view),
        `${view} has no welcome view`,
      );
  });

  it('links only to contributed commands from welcome views and the walkthrough', () => {
    const texts = [
      ...manifest.contributes.viewsWelcome.map((w) => w.contents),
      ...manifest.contributes.walkthroughs.flatMap((w) => w.steps.map((s) => s.description)),
    ];
    const links = texts.flatMap(commandLinks);
    assert.ok(links.length > 5);
    for (const link of links) assert.ok(known.has(link), `link to unknown command ${link}`);
    const welcome = manifest.contributes.viewsWelcome.map((w) => w.contents).join('\n');
    for (const needed of [
      'oidcFlow.addIdp',
      'oidcFlow.importCollection',
      'oidcFlow.startSandbox',
      'oidcFlow.openWalkthrough',
    ])
      assert.ok(welcome.includes(`command:${needed}`), `welcome views do not offer ${needed}`);
  });

  it('has a walkthrough that starts the sandbox, runs the demo and shows the verdict', () => {
    const walkthrough = manifest.contributes.walkthroughs.find((w) => w.id === WALKTHROUGH_ID);
    assert.ok(walkthrough);
    const links = walkthrough.steps.flatMap((s) => commandLinks(s.description));
    for (const needed of ['oidcFlow.startSandbox', 'oidcFlow.runDemo', 'oidcFlow.explainLastRejection'])
      assert.ok(links.includes(needed), `walkthrough lacks ${needed}`);
    for (const step of walkthrough.steps) {
      const media = step.media.markdown ?? step.media.image;
      assert.ok(media && existsSync(join(root, media)), `walkthrough step ${step.id}: ${media} missing`);
    }
  });

  it('ticks "Start the sandbox" when the sandbox runs, whoever started it (the demo starts it too)', () => {
    const walkthrough = manifest.contributes.walkthroughs.find((w) => w.id === WALKTHROUGH_ID);
    const step = walkthrough?.steps.find((s) => s.id === 'startSandbox');
    assert.ok(step?.completionEvents?.includes(`onContext:${CONTEXT_KEYS.sandboxRunning}`), JSON.stringify(step));
    const keys = new Set<string>(Object.values(CONTEXT_KEYS));
    for (const s of walkthrough!.steps)
      for (const event of s.completionEvents ?? [])
        if (event.startsWith('onContext:'))
          assert.ok(keys.has(event.slice('onContext:'.length)), `step ${s.id}: ${event} is no context key we set`);
  });

  it('activates only on flow files and to restore the results view (views and commands activate implicitly)', () => {
    assert.ok(manifest.activationEvents.includes('workspaceContains:**/*.oidc-flow.{yaml,yml,json}'));
    assert.ok(
      manifest.activationEvents.includes(`onWebviewPanel:${RESULTS_VIEW_TYPE}`),
      'the results view cannot be restored after a reload',
    );
    const unexpected = manifest.activationEvents.filter(
      (e) => !e.startsWith('workspaceContains:') && e !== `onWebviewPanel:${RESULTS_VIEW_TYPE}`,
    );
    assert.deepEqual(unexpected, []);
    assert.equal(manifest.main, './dist/extension.js');
    assert.match(manifest.engines.vscode, /^\^1\.(9\d|\d{3})\.\d+$/);
  });

  it('admits exactly the oldest VS Code the oldest-code-server suites run (code-server 4.N is VS Code 1.N)', () => {
    const installer = readFileSync(join(root, 'scripts', 'install-oldest-code-server.sh'), 'utf8');
    const support = readFileSync(join(root, 'test', 'e2e', 'support', 'code-server.ts'), 'utf8');
    const scriptVersion = /OIDC_OLDEST_CODE_SERVER:-(4\.\d+\.\d+)/.exec(installer)?.[1];
    const testVersion = /OIDC_OLDEST_CODE_SERVER \?\? '(4\.\d+\.\d+)'/.exec(support)?.[1];
    assert.ok(scriptVersion, 'scripts/install-oldest-code-server.sh names no default version');
    assert.equal(testVersion, scriptVersion, 'the installer and the test support disagree on the oldest code-server');
    const minor = scriptVersion.split('.')[1];
    assert.equal(
      manifest.engines.vscode,
      `^1.${minor}.0`,
      `engines.vscode must be the VS Code of code-server ${scriptVersion}`,
    );
  });

  it('validates flow files with the bundled JSON schema (JSON and YAML)', () => {
    for (const entry of [...manifest.contributes.jsonValidation, ...manifest.contributes.yamlValidation]) {
      assert.equal(entry.url, './schemas/flow-file.schema.json');
      assert.ok(existsSync(join(root, entry.url)));
    }
    assert.ok(manifest.contributes.jsonValidation.some((e) => e.fileMatch.includes('*.oidc-flow.json')));
    assert.ok(
      manifest.contributes.yamlValidation.some(
        (e) => e.fileMatch.includes('*.oidc-flow.yaml') && e.fileMatch.includes('*.oidc-flow.yml'),
      ),
    );
  });

  it('has the documented settings and none that could hold a secret', () => {
    const props = manifest.contributes.configuration.properties;
    for (const key of [
      'oidcFlow.caFile',
      'oidcFlow.proxy',
      'oidcFlow.timeoutMs',
      'oidcFlow.insecureSkipTlsVerify',
      'oidcFlow.redaction',
      'oidcFlow.gatewayLogs',
    ])
      assert.ok(props[key], `missing setting ${key}`);
    assert.equal(props['oidcFlow.insecureSkipTlsVerify']!.default, false);
    for (const key of Object.keys(props))
      assert.doesNotMatch(key, /secret|token|password|key$/i, `${key} looks like it stores a secret`);
  });

  it('ships an icon and names the results webview type consistently', () => {
    assert.ok(manifest.icon && existsSync(join(root, manifest.icon)));
    assert.equal(RESULTS_VIEW_TYPE, 'oidcFlow.results');
  });
});
