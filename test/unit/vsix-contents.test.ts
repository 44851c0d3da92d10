/**
 * What `npm run package` puts in the VSIX, as @vscode/vsce itself lists it
 * (the same .vscodeignore rules and package readme, without building the
 * archive), against scripts/package-contents/vsix.txt, the allow-list
 * `npm run package` also checks the built VSIX with: the bundles, media, the
 * package readme, CHANGELOG and LICENSE, the manifest and the flow-file JSON
 * schema. Nothing else: no sources, source maps, tests, node_modules, local
 * artefacts or the marketplace pictures (the readme links them on GitHub).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { listFiles, PackageManager } from '@vscode/vsce';
import type { IListFilesOptions } from '@vscode/vsce';
import { outsideAllowList, readAllowList, unusedGlobs } from '../../scripts/package/allow-list';
import { PACKAGE_README, VSIX_ALLOW_LIST } from '../../scripts/package-vsix';

const root = join(__dirname, '..', '..');

describe('the VSIX contents', function () {
  this.timeout(30_000);

  it('hold exactly what scripts/package-contents/vsix.txt allows', async function () {
    for (const bundle of ['extension.js', 'lazy.js', 'sandbox.js', 'flow-check-worker.js', 'webview.js']) {
      if (!existsSync(join(root, 'dist', bundle)))
        throw new Error(`dist/${bundle} is missing: run \`npm run build\` first (npm test does)`);
    }
    // vsce's listFiles passes readmePath on to the file collector as `vsce package --readme-path` does; its typings omit it.
    const options: IListFilesOptions & { readmePath: string } = {
      cwd: root,
      packageManager: PackageManager.None,
      readmePath: PACKAGE_README,
    };
    const files = (await listFiles(options)).map((f) => f.split('\\').join('/')).sort();
    // vsce stores the readme as extension/readme.md, the changelog lower-cased and LICENSE as LICENSE.txt.
    const archived = files.map((f) =>
      f === PACKAGE_README
        ? 'extension/readme.md'
        : f === 'CHANGELOG.md'
          ? 'extension/changelog.md'
          : f === 'LICENSE'
            ? 'extension/LICENSE.txt'
            : `extension/${f}`,
    );
    const globs = readAllowList(VSIX_ALLOW_LIST);
    assert.deepEqual(outsideAllowList(archived, globs), [], 'files the VSIX should not carry');
    // vsce's own two records are not files it lists.
    assert.deepEqual(unusedGlobs([...archived, '[Content_Types].xml', 'extension.vsixmanifest'], globs), []);
    assert.ok(!files.includes('README.md'), "the repository's README.md is not the details page");
  });
});
