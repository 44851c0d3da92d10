/**
 * Issue #15: the CLI installs from its npm package on a clean folder and runs
 * under the oldest and the newest Node it supports. Installing needs nothing
 * but the tarball (offline, temporary prefix and cache): the package bundles
 * everything it runs.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cleanFolder, packedCli, sh, systemNpm } from '../support/cli-package';
import type { CliSandboxDir, PackedCli } from '../support/cli-package';

const root = join(__dirname, '..', '..');
const VERSION = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;

// Node 20 is the floor engines.node promises (Debian's nodejs); Node 24 the one npm ci installs.
const NODES: Array<{ label: string; binary: string; major: number }> = [
  { label: 'Node 20 (the system node)', binary: '/usr/bin/node', major: 20 },
  { label: 'Node 24 (node_modules/.bin/node)', binary: join(root, 'node_modules', '.bin', 'node'), major: 24 },
];

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const JWT = `${base64url({ alg: 'RS256', typ: 'JWT' })}.${base64url({ iss: 'https://idp.example/oauth2/default', sub: 'svc', scp: ['orders:read'], exp: 4102444800 })}.c2ln`;

describe('the CLI npm package (npm run pack:cli)', function () {
  this.timeout(180_000);
  let packed: PackedCli;

  before(function () {
    packed = packedCli();
  });

  it('ships only its bundles, README, LICENSE and package.json, and stays small', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'build', 'cli-package', 'package.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    assert.equal(manifest.name, 'oidc-flow');
    assert.equal(manifest.version, VERSION, 'the one version, from the root package.json');
    assert.deepEqual(manifest.bin, { 'oidc-flow': 'dist/cli.js' });
    assert.equal(manifest.dependencies, undefined, 'no runtime dependencies: everything is bundled');
    assert.match(String((manifest.engines as { node?: string }).node), /^>=20\./);
    assert.ok(packed.files.includes('dist/cli.js') && packed.files.includes('dist/cli-sandbox.js'));
    assert.deepEqual(
      packed.files.filter((f) => !/^(package\.json|README\.md|LICENSE|dist\/cli(-[a-z0-9-]+)?\.js)$/.test(f)),
      [],
    );
    // 756 KB when this was written (cli-sandbox.js, with oidc-provider, is about 280 KB of it).
    assert.ok(packed.size < 1.5 * 1024 * 1024, `the tarball grew to ${packed.size} bytes`);
  });

  for (const node of NODES) {
    describe(node.label, () => {
      let folder: CliSandboxDir;

      before(function () {
        if (!existsSync(node.binary))
          throw new Error(
            `${node.binary} is missing: ${node.major === 20 ? 'apt-get install nodejs (Node 20)' : 'run npm ci (the node devDependency)'}.`,
          );
        folder = cleanFolder(node.binary);
      });
      after(() => rmSync(folder.dir, { recursive: true, force: true }));

      it('npm i -g <tarball> offline, then oidc-flow --version prints the root version', async () => {
        const npm = systemNpm();
        const version = await sh('node --version', { cwd: folder.dir, env: folder.env });
        assert.match(version.stdout, new RegExp(`^v${node.major}\\.`));
        const install = await sh(`${npm} i -g ${packed.tarball}`, { cwd: folder.dir, env: folder.env });
        assert.equal(install.code, 0, install.stderr);
        assert.ok(existsSync(join(folder.prefix, 'bin', 'oidc-flow')), 'no oidc-flow in the prefix bin folder');
        assert.ok(
          !existsSync(join(folder.prefix, 'lib', 'node_modules', 'oidc-flow', 'node_modules')),
          'the install pulled dependencies',
        );
        const printed = await sh('oidc-flow --version', { cwd: folder.dir, env: folder.env });
        assert.equal(printed.code, 0, printed.stderr);
        assert.equal(printed.stdout, `${VERSION}\n`);
      });

      it('oidc-flow demo plays the scenario to its verdict (exit 0)', async () => {
        const demo = await sh('oidc-flow demo --skip-cached', { cwd: folder.dir, env: folder.env });
        assert.equal(demo.code, 0, demo.stdout + demo.stderr);
        assert.match(demo.stdout, /why: Okta confirms the application with client id \S+ is INACTIVE/);
        assert.match(demo.stdout, /passed: 6 passed, 0 failed, 0 errors/);
      });

      it('npx <tarball> decode <jwt> runs without installing globally', async () => {
        const decode = await sh(`npx --yes file:${packed.tarball} decode ${JWT}`, {
          cwd: folder.dir,
          env: folder.env,
        });
        assert.equal(decode.code, 0, decode.stderr);
        assert.match(decode.stdout, /scp {2}Granted scopes: orders:read/);
      });
    });
  }
});
