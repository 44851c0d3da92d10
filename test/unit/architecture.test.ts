import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('architecture', () => {
  it('keeps src/core, src/shared, src/cli and src/webview free of the vscode API', () => {
    const offenders = ['src/core', 'src/shared', 'src/cli', 'src/webview']
      .flatMap(files)
      .filter((file) => /from\s+['"]vscode['"]|require\(\s*['"]vscode['"]\s*\)/.test(readFileSync(file, 'utf8')));
    assert.deepEqual(offenders, []);
  });

  it('has no default exports in src', () => {
    const offenders = files('src').filter((file) => /export\s+default\b/.test(readFileSync(file, 'utf8')));
    assert.deepEqual(offenders, []);
  });
});
