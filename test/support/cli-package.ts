/**
 * The CLI as users get it: the npm package that `npm run pack:cli` makes,
 * installed with the system's npm into a temporary prefix, offline, with a
 * temporary cache and HOME, so a test never touches the user's global
 * packages, ~/.npm or ~/.npmrc.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

const root = join(__dirname, '..', '..');

export interface PackedCli {
  tarball: string;
  size: number;
  unpackedSize: number;
  files: string[];
}

let packed: PackedCli | undefined;

/** Builds and packs the CLI once per test process (about 10 s). */
export function packedCli(): PackedCli {
  if (packed) return packed;
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'pack-cli.ts'), '--json'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`npm run pack:cli failed (exit ${result.status}):\n${result.stderr}`);
  packed = JSON.parse(result.stdout.trim().split('\n').pop()!) as PackedCli;
  return packed;
}

/** The system's npm: what people type `npm i -g` into. */
export function systemNpm(): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir.includes('node_modules')) continue;
    if (existsSync(join(dir, 'npm'))) return join(dir, 'npm');
  }
  throw new Error('No npm on PATH outside node_modules: install Node.js with npm (apt-get install nodejs npm).');
}

export interface CliSandboxDir {
  /** The temporary folder: prefix/, cache/, home/ and node-bin/ inside. */
  dir: string;
  prefix: string;
  cache: string;
  /** An environment whose `node` is the one asked for, with no npm_* settings of the npm that runs the tests. */
  env: NodeJS.ProcessEnv;
}

/** A clean folder whose PATH starts with `nodeBinary` as `node`, for npm, npx and the CLI's shebang. */
export function cleanFolder(nodeBinary: string): CliSandboxDir {
  const dir = mkdtempSync(join(tmpdir(), 'oidc-cli-package-'));
  const nodeBin = join(dir, 'node-bin');
  for (const sub of ['prefix', 'cache', 'home', 'node-bin']) mkdirSync(join(dir, sub));
  symlinkSync(nodeBinary, join(nodeBin, 'node'));
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env))
    if (!/^npm_/i.test(key) && key !== 'NODE_OPTIONS' && key !== 'INIT_CWD') env[key] = value;
  const path = (process.env.PATH ?? '').split(delimiter).filter((d) => !d.includes('node_modules'));
  Object.assign(env, {
    PATH: [join(dir, 'prefix', 'bin'), nodeBin, ...path].join(delimiter),
    HOME: join(dir, 'home'),
    NO_COLOR: '1',
    npm_config_prefix: join(dir, 'prefix'),
    npm_config_cache: join(dir, 'cache'),
    npm_config_offline: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  });
  return { dir, prefix: join(dir, 'prefix'), cache: join(dir, 'cache'), env };
}

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command line with bash (the recipes' shell) in `cwd`, never through the test's own npm. */
export function sh(line: string, options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-eo', 'pipefail', '-c', line], { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
