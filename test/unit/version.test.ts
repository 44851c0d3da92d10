import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VERSION } from '../../src/core/version';

const root = join(__dirname, '..', '..');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };

describe('one version, set in package.json', () => {
  it('the core reads it from package.json when run from source', () => {
    assert.equal(VERSION, version);
  });

  it('the built CLI prints it (oidc-flow --version)', () => {
    const printed = spawnSync(process.execPath, [join(root, 'dist', 'cli.js'), '--version'], { encoding: 'utf8' });
    assert.equal(printed.status, 0, `${printed.stderr} (run npm run build first)`);
    assert.equal(printed.stdout, `${version}\n`);
  });

  it('the extension logs the same VERSION at activation ("OIDC Flow Debugger <version>" in its output channel)', () => {
    const source = readFileSync(join(root, 'src', 'extension', 'extension.ts'), 'utf8');
    assert.match(source, /import \{ VERSION \} from '\.\.\/core\/version';/);
    assert.match(source, /log\.info\(`OIDC Flow Debugger \$\{VERSION\}`\);/);
  });
});
