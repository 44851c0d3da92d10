/**
 * The extension host bundles (esbuild.config.mjs): activation parses only
 * dist/extension.js, the shell; dist/lazy.js holds what commands load later.
 * No module may sit in both (two OidcError classes would break instanceof),
 * and each side must find the other's modules at run time.
 *
 * Reads the development build that `npm test` makes before the unit tests.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { join } from 'node:path';

const dist = join(__dirname, '..', '..', 'dist');
const shellPath = join(dist, 'extension.js');
const lazyPath = join(dist, 'lazy.js');
const requireBundle = createRequire(__filename);

/** The source modules a development bundle holds (esbuild heads each with `// <path>`). */
function modulesIn(bundle: string): Set<string> {
  return new Set([...readFileSync(bundle, 'utf8').matchAll(/^\/\/ ((?:src|node_modules|schemas)\/\S+)$/gm)].map((m) => m[1]!));
}

/** Requires the shell as VS Code would, with a stand-in for the vscode module. */
function requireShell(): { exports: Record<string, unknown>; loaded: () => string[] } {
  const load = (Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown })._load;
  const original = load.bind(Module);
  (Module as unknown as { _load: typeof load })._load = (request: string, ...rest: unknown[]) => (request === 'vscode' ? {} : original(request, ...rest));
  try {
    for (const path of [shellPath, lazyPath]) delete requireBundle.cache[path];
    const exports = requireBundle(shellPath) as Record<string, unknown>;
    return { exports, loaded: () => Object.keys(requireBundle.cache).filter((p) => p === shellPath || p === lazyPath) };
  } finally {
    (Module as unknown as { _load: typeof load })._load = load;
  }
}

describe('the extension host bundles', function () {
  before(function () {
    for (const path of [shellPath, lazyPath]) {
      if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run build\` first (npm test does)`);
    }
    if (modulesIn(shellPath).size === 0) throw new Error(`${shellPath} has no module comments: it is a production build; run \`npm run build\``);
  });

  it('share no module: each source file is bundled once', function () {
    const shell = modulesIn(shellPath);
    const lazy = modulesIn(lazyPath);
    assert.deepEqual([...shell].filter((m) => lazy.has(m)), []);
    assert.ok(shell.has('src/extension/extension.ts'));
    assert.ok(lazy.has('src/core/flow/runner.ts'), 'the flow runner should load on demand');
    assert.ok([...lazy].some((m) => m.startsWith('node_modules/oidc-provider/')), 'the sandbox IdP should load on demand');
    assert.ok(![...shell].some((m) => m.startsWith('node_modules/')), `the shell bundles packages: ${[...shell].filter((m) => m.startsWith('node_modules/')).join(', ')}`);
  });

  it('requiring the shell loads no lazy module; a lazy module loads on first use, once', function () {
    const shell = requireShell();
    assert.equal(typeof shell.exports.activate, 'function');
    assert.deepEqual(shell.loaded(), [shellPath]);
    const shared = shell.exports.__shared as Record<string, Record<string, unknown>>;
    assert.ok(shared['src/extension/workspace/source-model.ts'], 'the shell does not share its modules with lazy.js');

    const lazy = requireBundle(lazyPath) as Record<string, Record<string, unknown>>;
    const errors = lazy['src/core/errors.ts'];
    assert.equal(typeof errors?.OidcError, 'function');
    assert.equal(lazy['src/core/errors.ts']?.OidcError, errors?.OidcError, 'a lazy module was evaluated twice');
    assert.deepEqual(shell.loaded().sort(), [shellPath, lazyPath].sort());
  });
});
