/**
 * code-server (a full VS Code served over HTTP, installed from the npm
 * registry by scripts/install-code-server.sh) as a real VS Code for tests:
 * each instance gets its own extensions and user-data folders, the packaged
 * VSIX installed into them, and a workspace folder.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const REPO_ROOT = resolve(__dirname, '..', '..', '..');

/** One code-server installation the tests can run: which version, where, and how it gets there. */
export interface CodeServerInstall {
  version: string;
  /** The folder its installer installs into. */
  cache: string;
  /** The command that installs it. */
  installCommand: string;
  /** What the installer needs, for the message when it is missing. */
  needs: string;
}

/** The current code-server (VS Code 1.139 on Node 24): e2e and the main extension-host run. */
export function currentCodeServer(): CodeServerInstall {
  return {
    version: process.env.OIDC_CODE_SERVER_VERSION ?? '4.139.1',
    cache: process.env.OIDC_E2E_CACHE ?? join(homedir(), '.cache', 'oidc-flow-debugger', 'code-server'),
    installCommand: 'bash scripts/install-code-server.sh',
    needs: 'needs Node 24 from node_modules/.bin and apt-get install -y libkrb5-dev; npm run test:e2e does this first',
  };
}

/** The code-server whose VS Code is the oldest package.json's engines.vscode allows (1.90, on Node 20). */
export function oldestCodeServer(): CodeServerInstall {
  const version = process.env.OIDC_OLDEST_CODE_SERVER ?? '4.90.3';
  return {
    version,
    cache:
      process.env.OIDC_OLDEST_CODE_SERVER_CACHE ??
      join(homedir(), '.cache', 'oidc-flow-debugger', `code-server-${version}`),
    installCommand: 'bash scripts/install-oldest-code-server.sh',
    needs:
      'it brings its own Node 20 and needs apt-get install -y libkrb5-dev ripgrep; npm run test:extension:oldest does this first',
  };
}

// OIDC_CODE_SERVER=oldest runs the e2e suite in the oldest supported VS Code.
let selected: CodeServerInstall = process.env.OIDC_CODE_SERVER === 'oldest' ? oldestCodeServer() : currentCodeServer();

/** Makes startCodeServer() and the checks below use another installation. */
export function selectCodeServer(install: CodeServerInstall): void {
  selected = install;
}

export function selectedCodeServer(): CodeServerInstall {
  return selected;
}

/** The folder the selected installation lives in. */
export function codeServerCache(): string {
  return selected.cache;
}

/** code-server's entry script inside the cache. */
export function codeServerEntry(): string {
  return join(codeServerCache(), 'node_modules', 'code-server', 'out', 'node', 'entry.js');
}

/** The packaged extension `npm run package` writes. */
export function productVsixPath(): string {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
  return join(REPO_ROOT, `${pkg.name}-${pkg.version}.vsix`);
}

/** Why code-server cannot run here (and how to fix it), or undefined when it can. */
export function codeServerUnavailable(): string | undefined {
  const entry = codeServerEntry();
  if (!existsSync(entry) || !existsSync(join(codeServerCache(), `.installed-${selected.version}`))) {
    return `code-server ${selected.version} is not installed in ${codeServerCache()}: run \`${selected.installCommand}\` (${selected.needs})`;
  }
  const repoNode = join(REPO_ROOT, 'node_modules', '.bin', 'node');
  if (
    !existsSync(join(codeServerCache(), 'node', 'bin', 'node')) &&
    !existsSync(repoNode) &&
    process.versions.node.split('.')[0] !== '24'
  ) {
    return `code-server needs Node 24, but this is Node ${process.versions.node} and ${repoNode} is missing: run npm ci`;
  }
  return undefined;
}

/** Throws a test failure naming what is missing: a missing tool must never let a test pass. */
export function requireCodeServer(): void {
  const why = codeServerUnavailable();
  if (why) throw new Error(why);
}

/** Throws when the VSIX has not been built. */
export function requireVsix(path: string): void {
  if (!existsSync(path))
    throw new Error(`${path} does not exist: run \`npm run package\` first (npm run test:e2e does)`);
}

function nodeBinary(): string {
  // An older code-server needs the Node its VS Code was built for; its
  // installer leaves that Node in the cache as node/bin/node.
  const cachedNode = join(codeServerCache(), 'node', 'bin', 'node');
  if (existsSync(cachedNode)) return cachedNode;
  // code-server 4.139 insists on Node 24; the repo ships it as the devDependency `node`.
  const repoNode = join(REPO_ROOT, 'node_modules', '.bin', 'node');
  return existsSync(repoNode) ? repoNode : process.execPath;
}

export interface CodeServerOptions {
  /** VSIX files to install before starting (`--install-extension`). */
  vsixPaths: string[];
  /** Workspace folder to open; a fresh empty one when omitted. */
  folder?: string;
  /** Extra environment for the server; its extension host inherits it. */
  env?: Record<string, string>;
  /** User settings written to settings.json before start. */
  settings?: Record<string, unknown>;
  /** How long to wait for the server to listen (default 60 s). */
  startTimeoutMs?: number;
}

export interface CodeServer {
  /** Base URL, e.g. http://127.0.0.1:41234/ */
  url: string;
  port: number;
  /** The workspace folder the server opened. */
  folder: string;
  /** URL that opens the workbench on `folder`. */
  workbenchUrl: string;
  extensionsDir: string;
  userDataDir: string;
  /** Everything the server printed so far (stdout and stderr). */
  output(): string;
  /** Kills the server with its children and removes its temporary folders. */
  stop(): Promise<void>;
}

// Quiet, deterministic workbench: no welcome page, no update or marketplace
// lookups (the machines are offline), no AI chat panel.
const DEFAULT_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'security.workspace.trust.enabled': false,
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'git.enabled': false,
};

/** Installs the VSIX files into fresh folders and starts code-server on 127.0.0.1 (a free port). */
export async function startCodeServer(options: CodeServerOptions): Promise<CodeServer> {
  requireCodeServer();
  for (const vsix of options.vsixPaths) requireVsix(vsix);

  const root = mkdtempSync(join(tmpdir(), 'oidc-code-server-'));
  const extensionsDir = join(root, 'extensions');
  const userDataDir = join(root, 'user-data');
  const configPath = join(root, 'config.yaml');
  const folder = options.folder ?? join(root, 'workspace');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  mkdirSync(folder, { recursive: true });
  writeFileSync(
    join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({ ...DEFAULT_SETTINGS, ...options.settings }, null, 2),
  );
  // An explicit config keeps code-server from writing ~/.config/code-server/config.yaml.
  writeFileSync(configPath, 'auth: none\n');

  const node = nodeBinary();
  const entry = codeServerEntry();
  const common = ['--config', configPath, '--extensions-dir', extensionsDir, '--user-data-dir', userDataDir];
  const env = { ...process.env, ...options.env };

  try {
    if (options.vsixPaths.length > 0) {
      const install = options.vsixPaths.flatMap((vsix) => ['--install-extension', vsix]);
      await run(node, [entry, ...common, '--force', ...install], { env, timeout: 120_000 }).catch(
        (error: Error & { stdout?: string; stderr?: string }) => {
          throw new Error(
            `code-server --install-extension failed: ${error.message}\n${error.stdout ?? ''}${error.stderr ?? ''}`,
          );
        },
      );
    }
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }

  const child = spawn(
    node,
    [
      entry,
      ...common,
      '--auth',
      'none',
      '--bind-addr',
      '127.0.0.1:0',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--ignore-last-opened',
      folder,
    ],
    // Its own process group, so stop() also ends the extension host and the
    // other children code-server forks.
    { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));

  // A test run that dies (Ctrl-C, mocha --exit) must not leave a server behind.
  const killOnExit = (): void => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Already gone.
    }
    rmSync(root, { recursive: true, force: true });
  };
  process.once('exit', killOnExit);

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    process.off('exit', killOnExit);
    await killGroup(child);
    rmSync(root, { recursive: true, force: true });
  };

  try {
    const port = await waitForListening(child, () => output, options.startTimeoutMs ?? 60_000);
    const url = `http://127.0.0.1:${port}/`;
    return {
      url,
      port,
      folder,
      workbenchUrl: `${url}?folder=${encodeURIComponent(folder)}`,
      extensionsDir,
      userDataDir,
      output: () => output,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function waitForListening(child: ChildProcess, output: () => string, timeoutMs: number): Promise<number> {
  // Port 0 avoids a free-port race; code-server logs the port it got.
  const listening = /HTTP server listening on http:\/\/127\.0\.0\.1:(\d+)/;
  return new Promise((resolvePort, reject) => {
    const timer = setTimeout(
      () => finish(new Error(`code-server did not listen within ${timeoutMs} ms; it printed:\n${output()}`)),
      timeoutMs,
    );
    const onData = (): void => {
      const match = listening.exec(output());
      if (match) finish(undefined, Number(match[1]));
    };
    const onExit = (code: number | null, signal: string | null): void =>
      finish(
        new Error(`code-server exited (code ${code}, signal ${signal}) before listening; it printed:\n${output()}`),
      );
    const finish = (error?: Error, port?: number): void => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolvePort(port!);
    };
    // Registered after the collectors in startCodeServer, so output() already holds the chunk.
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });
}

async function killGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const signal = (name: NodeJS.Signals): void => {
    try {
      process.kill(-child.pid!, name);
    } catch {
      // The group is already gone.
    }
  };
  signal('SIGTERM');
  const killed = await Promise.race([
    exited.then(() => true),
    new Promise<boolean>((done) => setTimeout(() => done(false), 5000)),
  ]);
  if (!killed) {
    signal('SIGKILL');
    await exited;
  }
  // Children that outlived the server (extension host) go with the group.
  signal('SIGKILL');
}
