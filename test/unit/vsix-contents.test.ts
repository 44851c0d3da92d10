/**
 * What `npm run package` puts in the VSIX, as @vscode/vsce itself lists it
 * (the same .vscodeignore rules, without building the archive): the
 * bundles, media, README, CHANGELOG and LICENSE, plus the two files VS Code
 * needs beyond those (package.json, the manifest; the flow-file JSON schema
 * that contributes.jsonValidation/yamlValidation point at). Nothing else:
 * no sources, source maps, tests, node_modules or local artefacts.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { listFiles, PackageManager } from '@vscode/vsce';

const root = join(__dirname, '..', '..');

describe('the VSIX contents', function () {
  this.timeout(30_000);

  it('holds only the bundles, media, README, CHANGELOG, LICENSE, the manifest and the flow-file schema', async function () {
    for (const bundle of ['extension.js', 'lazy.js', 'sandbox.js', 'flow-check-worker.js', 'webview.js']) {
      if (!existsSync(join(root, 'dist', bundle)))
        throw new Error(`dist/${bundle} is missing: run \`npm run build\` first (npm test does)`);
    }
    const files = (await listFiles({ cwd: root, packageManager: PackageManager.None }))
      .map((f) => f.split('\\').join('/'))
      .sort();
    const allowed = [
      /^dist\/(extension|lazy|sandbox|flow-check-worker|webview)\.js$/,
      /^media\//,
      /^(README|CHANGELOG)\.md$/,
      /^LICENSE$/,
      /^package\.json$/,
      /^schemas\/flow-file\.schema\.json$/,
    ];
    assert.deepEqual(
      files.filter((f) => !allowed.some((pattern) => pattern.test(f))),
      [],
      'files the VSIX should not carry',
    );
    for (const needed of [
      'dist/extension.js',
      'dist/lazy.js',
      'dist/sandbox.js',
      'dist/flow-check-worker.js',
      'dist/webview.js',
      'README.md',
      'CHANGELOG.md',
      'LICENSE',
      'package.json',
      'schemas/flow-file.schema.json',
      'media/results.css',
      'media/icon.png',
    ]) {
      assert.ok(files.includes(needed), `the VSIX lacks ${needed}`);
    }
    assert.ok(
      files.some((f) => f.startsWith('media/walkthrough/')),
      'the VSIX lacks the walkthrough pages',
    );
  });
});
