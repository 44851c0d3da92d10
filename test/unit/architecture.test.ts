import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { tsFiles } from '../support/source-files';

describe('architecture', () => {
  it('keeps src/core, src/shared, src/cli and src/webview free of the vscode API', () => {
    const offenders = ['src/core', 'src/shared', 'src/cli', 'src/webview']
      .flatMap(tsFiles)
      .filter((file) => /from\s+['"]vscode['"]|require\(\s*['"]vscode['"]\s*\)/.test(readFileSync(file, 'utf8')));
    assert.deepEqual(offenders, []);
  });

  it('has no default exports in src', () => {
    const offenders = tsFiles('src').filter((file) => /export\s+default\b/.test(readFileSync(file, 'utf8')));
    assert.deepEqual(offenders, []);
  });
});
