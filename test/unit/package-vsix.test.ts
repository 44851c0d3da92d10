/**
 * `npm run package`'s checks on a small extension of the test's own: it
 * packages with vsce, lists the archive, and refuses a stray file, a vsce
 * warning or a missing repository, saying which.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageVsix } from '../../scripts/package-vsix';
import { readVsix } from '../../scripts/package/vsix-archive';

const repo = join(__dirname, '..', '..');

interface Packaged {
  code: number;
  out: string;
  err: string;
}

describe('npm run package (scripts/package-vsix.ts)', function () {
  // vsce takes a few seconds, more on a busy machine.
  this.timeout(60_000);
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'oidc-package-'));
    mkdirSync(join(root, 'dist'));
    mkdirSync(join(root, 'media'));
    mkdirSync(join(root, 'docs', 'marketplace'), { recursive: true });
    writeFileSync(join(root, 'dist', 'extension.js'), 'exports.activate = () => undefined;\n');
    copyFileSync(join(repo, 'media', 'icon.png'), join(root, 'media', 'icon.png'));
    writeFileSync(join(root, 'LICENSE'), 'MIT License\n');
    writeFileSync(join(root, 'CHANGELOG.md'), '# Changelog\n\n## 0.1.0\n\n- First.\n');
    writeFileSync(
      join(root, 'docs', 'marketplace', 'README.md'),
      '# Small\n\nA test extension.\n\n![A picture](picture.png)\n',
    );
    writeFileSync(join(root, '.vscodeignore'), '**\n!dist/extension.js\n!media/**\n!LICENSE\n!CHANGELOG.md\n');
    writeFileSync(
      join(root, 'allow.txt'),
      '# test\n[Content_Types].xml\nextension.vsixmanifest\nextension/package.json\nextension/readme.md\nextension/changelog.md\nextension/LICENSE.txt\nextension/dist/extension.js\nextension/media/icon.png\n',
    );
    writeManifest({});
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function writeManifest(change: Record<string, unknown>): void {
    const manifest = {
      name: 'small',
      displayName: 'Small',
      description: 'A test extension.',
      version: '0.1.0',
      publisher: 'tester',
      license: 'MIT',
      icon: 'media/icon.png',
      preview: true,
      categories: ['Testing'],
      keywords: ['oauth'],
      repository: { type: 'git', url: 'https://github.com/tester/small.git' },
      bugs: { url: 'https://github.com/tester/small/issues' },
      homepage: 'https://github.com/tester/small#readme',
      engines: { vscode: '^1.90.0' },
      main: './dist/extension.js',
      activationEvents: ['onStartupFinished'],
      ...change,
    };
    writeFileSync(join(root, 'package.json'), JSON.stringify(manifest, null, 2));
  }

  async function run(): Promise<Packaged> {
    const said = { out: '', err: '' };
    const code = await packageVsix({
      root,
      allowList: join(root, 'allow.txt'),
      out: (text) => (said.out += `${text}\n`),
      err: (text) => (said.err += `${text}\n`),
    });
    return { code, ...said };
  }

  it('packages, prints the size and every file, and passes a well-formed extension', async () => {
    const result = await run();
    assert.equal(result.code, 0, result.out + result.err);
    assert.match(result.out, /small-0\.1\.0\.vsix: [\d.]+ KiB \(\d+ bytes\), 8 files/);
    assert.match(result.out, /extension\/dist\/extension\.js\s+[\d.]+ KiB/);
    assert.match(result.out, /offline checks passed \(1 of 30 tags; license MIT\)/);
    // The details page's picture points into the repository, beside the readme.
    const readme = readVsix(join(root, 'small-0.1.0.vsix')).read('extension/readme.md')?.toString();
    assert.match(
      readme ?? '',
      /!\[A picture\]\(https:\/\/github\.com\/tester\/small\/raw\/HEAD\/docs\/marketplace\/picture\.png\)/,
    );
  });

  it('refuses a file outside the allow-list, naming it', async () => {
    writeFileSync(join(root, 'media', 'notes.txt'), 'left behind\n');
    const result = await run();
    assert.equal(result.code, 1);
    assert.match(result.err, /outside .*\n {2}extension\/media\/notes\.txt\n/);
  });

  it('refuses a package vsce warns about', async () => {
    writeManifest({ activationEvents: ['*'] });
    const result = await run();
    assert.equal(result.code, 1);
    assert.match(result.out, /Using '\*' activation/);
    assert.match(result.err, /vsce printed a warning/);
  });

  it('refuses a manifest without a repository, and one the registries would refuse', async () => {
    writeManifest({ repository: undefined });
    assert.match((await run()).err, /package\.json has no repository\.url/);
    writeManifest({ preview: undefined, categories: ['Security'] });
    const result = await run();
    assert.equal(result.code, 1);
    assert.match(result.err, /Marketplace: category "Security" is not one it lists/);
    assert.match(result.err, /both: version 0\.1\.0 is 0\.x but preview is not set/);
  });
});
