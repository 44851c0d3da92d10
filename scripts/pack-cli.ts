// npm run pack:cli: the CLI as its own npm package, `oidc-flow` (the name was
// free on npm; the command and the package share it, so `npx oidc-flow` works).
// The root package.json is the extension's (private, vscode engine, every
// dependency of the sources), so the package is staged in build/cli-package/
// from a generated package.json and packed from there:
//   build/cli-package/{package.json,README.md,LICENSE,dist/cli.js,dist/cli-*.js}
// No runtime dependencies: esbuild bundles undici, jose, ajv, yaml and, in
// cli-sandbox.js (loaded only by `demo`, `sandbox` and `run --sandbox`),
// oidc-provider and node-forge. The sandbox costs about a third of the
// tarball; declaring its modules as dependencies instead would make every
// install fetch ~40 packages from the registry and fail offline.
//
// Usage: tsx scripts/pack-cli.ts [--no-build] [--json]
//   --no-build packs dist/ (the development build) as it is; --json prints the result as JSON (for the tests)
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { allowListProblems, readAllowList } from './package/allow-list';

const root = join(__dirname, '..');
export const CLI_PACKAGE_NAME = 'oidc-flow';
export const CLI_ALLOW_LIST = 'scripts/package-contents/cli.txt';
const staging = join(root, 'build', 'cli-package');

// The lowest Node the bundles run on. esbuild targets node20 and undici 7, the
// highest floor of what is bundled, needs 20.18.1; the install test runs the
// package under Node 20 and Node 24.
export const CLI_ENGINES_NODE = '>=20.18.1';

export interface PackedCli {
  tarball: string;
  size: number;
  unpackedSize: number;
  files: string[];
}

function fail(message: string): never {
  process.stderr.write(`pack:cli: ${message}\n`);
  process.exit(1);
}

function run(command: string, args: string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (result.status !== 0)
    fail(
      `${command} ${args.join(' ')} failed (exit ${result.status ?? result.signal}) in ${relative(root, cwd) || '.'}.`,
    );
  return result.stdout;
}

/** Builds (unless told not to), stages and packs the CLI; returns the tarball and its contents. */
export function packCli(options: { build: boolean }): PackedCli {
  // A production build (minified, no source maps) of its own, beside dist/, which stays the development build.
  const built = options.build ? join(root, 'build', 'cli-dist') : join(root, 'dist');
  if (options.build) {
    rmSync(built, { recursive: true, force: true });
    run(process.execPath, ['esbuild.config.mjs', '--production', '--outdir', relative(root, built)], root);
  }
  const rootPackage = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    version: string;
    description: string;
    license: string;
    keywords?: string[];
  };
  const bundles = readdirSync(built).filter((file) => /^cli(-.+)?\.js$/.test(file));
  if (!bundles.includes('cli.js'))
    fail(`${relative(root, built)}/cli.js is missing: run npm run build first, or leave out --no-build.`);
  for (const file of bundles)
    if (/require\(["']vscode["']\)/.test(readFileSync(join(built, file), 'utf8')))
      fail(
        `${relative(root, built)}/${file} requires vscode: the CLI must not import src/extension (see CONTRIBUTING.md, Layers).`,
      );

  rmSync(staging, { recursive: true, force: true });
  mkdirSync(join(staging, 'dist'), { recursive: true });
  for (const file of bundles) copyFileSync(join(built, file), join(staging, 'dist', file));
  copyFileSync(join(root, 'docs', 'cli.md'), join(staging, 'README.md'));
  copyFileSync(join(root, 'LICENSE'), join(staging, 'LICENSE'));
  const manifest = {
    name: CLI_PACKAGE_NAME,
    // The one version (root package.json), the same the extension reports.
    version: rootPackage.version,
    description:
      'Command line of OIDC Flow Debugger: run OAuth 2.0 / OpenID Connect flows against your IdP and API gateway, and learn why the gateway said 401 or 403.',
    license: rootPackage.license,
    keywords: rootPackage.keywords,
    bin: { [CLI_PACKAGE_NAME]: 'dist/cli.js' },
    files: ['dist/cli.js', 'dist/cli-*.js'],
    engines: { node: CLI_ENGINES_NODE },
  };
  writeFileSync(join(staging, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);

  const out = run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', join(root, 'build')], staging);
  const [packed] = JSON.parse(out) as Array<{
    filename: string;
    size: number;
    unpackedSize: number;
    files: Array<{ path: string }>;
  }>;
  if (!packed) fail('npm pack printed no result.');
  const result = {
    tarball: join(root, 'build', packed.filename),
    size: packed.size,
    unpackedSize: packed.unpackedSize,
    files: packed.files.map((f) => f.path).sort(),
  };
  const problems = allowListProblems(
    'the CLI package',
    CLI_ALLOW_LIST,
    result.files,
    readAllowList(join(root, CLI_ALLOW_LIST)),
  );
  if (problems.length > 0) fail(problems.join('\n'));
  return result;
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;

if (require.main === module) {
  const packed = packCli({ build: !process.argv.includes('--no-build') });
  if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(packed)}\n`);
  else
    process.stdout.write(
      `${relative(root, packed.tarball)}: ${kb(packed.size)} packed, ${kb(packed.unpackedSize)} unpacked, ${packed.files.length} files\n` +
        packed.files.map((f) => `  ${f}\n`).join(''),
    );
}
