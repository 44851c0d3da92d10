/**
 * Builds the extension-host test bundle (runner + every suite under
 * test/extension/suite + mocha, one CommonJS file, `vscode` external) and,
 * for code-server, wraps it as a tiny test-runner extension VSIX.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { createVSIX } from '@vscode/vsce';

const EXTENSION_TEST_ROOT = __dirname;
export const SUITE_DIR = join(EXTENSION_TEST_ROOT, 'suite');
export const RUNNER_EXTENSION_ID = 'oidc-flow-debugger.oidc-flow-debugger-test-runner';

/** Suite files, in a stable order. */
export function suiteFiles(): string[] {
  return readdirSync(SUITE_DIR, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.test.ts'))
    .sort()
    .map((name) => join(SUITE_DIR, name));
}

/**
 * Bundles runner and suites into `outDir`; returns the path of the module to
 * load (extension `main` or test-electron's extensionTestsPath).
 */
export async function buildTestBundle(outDir: string): Promise<string> {
  const suites = suiteFiles();
  if (suites.length === 0) throw new Error(`no *.test.ts files under ${SUITE_DIR}`);
  // The suites are required inside the loader so they register only after
  // mocha's pre-require has put describe/it on globalThis.
  const requires = suites
    .map((file) => `require(${JSON.stringify('./' + relative(EXTENSION_TEST_ROOT, file).split('\\').join('/'))});`)
    .join('\n  ');
  const entry = [
    `import { setSuiteLoader } from './runner/entry';`,
    `export { activate, deactivate, run } from './runner/entry';`,
    `setSuiteLoader(() => {\n  ${requires}\n});`,
  ].join('\n');
  const bundlePath = join(outDir, 'tests.js');
  const result = await build({
    stdin: { contents: entry, resolveDir: EXTENSION_TEST_ROOT, sourcefile: 'extension-tests-entry.ts', loader: 'ts' },
    outfile: bundlePath,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['vscode'],
    sourcemap: 'external',
    write: false,
    logLevel: 'error',
  });
  const code = result.outputFiles.find((file) => file.path.endsWith('.js'));
  const map = result.outputFiles.find((file) => file.path.endsWith('.js.map'));
  if (!code || !map) throw new Error('esbuild produced no bundle or no source map');
  // esbuild writes sources relative to the bundle, but the bundle is copied
  // into an extensions folder: absolute file URLs keep them valid.
  const sourceMap = JSON.parse(map.text) as { sources: string[] };
  sourceMap.sources = sourceMap.sources.map((source) => pathToFileURL(resolve(outDir, source)).href);
  const inlineMap = Buffer.from(JSON.stringify(sourceMap)).toString('base64');
  const js = code.text.replace(/\/\/# sourceMappingURL=.*\s*$/, '');
  writeFileSync(bundlePath, `${js}//# sourceMappingURL=data:application/json;base64,${inlineMap}\n`);
  // Source maps apply only to files loaded after they are switched on, so a
  // shim switches them on and then loads the bundle: failures point at the
  // .ts suite lines instead of the bundle.
  const shim = join(outDir, 'index.js');
  writeFileSync(
    shim,
    [
      `'use strict';`,
      `const mod = require('node:module');`,
      `if (typeof mod.setSourceMapsSupport === 'function') mod.setSourceMapsSupport(true);`,
      `else if (typeof process.setSourceMapsEnabled === 'function') process.setSourceMapsEnabled(true);`,
      `module.exports = require('./tests.js');`,
      ``,
    ].join('\n'),
  );
  return shim;
}

/** Builds the test-runner extension in `workDir` and packages it; returns the VSIX path. */
export async function buildRunnerVsix(workDir: string): Promise<string> {
  const extensionDir = join(workDir, 'runner-extension');
  mkdirSync(extensionDir, { recursive: true });
  await buildTestBundle(extensionDir);
  const [publisher, name] = RUNNER_EXTENSION_ID.split('.') as [string, string];
  const manifest = {
    name,
    displayName: 'OIDC Flow Debugger test runner',
    description:
      'Runs the extension-host tests in code-server; built by test/extension/build-runner.ts, never published.',
    version: '0.0.0',
    publisher,
    license: 'MIT',
    private: true,
    engines: { vscode: '^1.90.0' },
    main: './index.js',
    // After the product extension and the workbench are up; the product itself is activated by the tests.
    activationEvents: ['onStartupFinished'],
  };
  writeFileSync(join(extensionDir, 'package.json'), JSON.stringify(manifest, null, 2));
  writeFileSync(
    join(extensionDir, 'README.md'),
    '# OIDC Flow Debugger test runner\n\nRuns test/extension/suite inside the extension host.\n',
  );
  writeFileSync(join(extensionDir, 'LICENSE'), 'MIT\n');
  writeFileSync(join(extensionDir, '.vscodeignore'), '**\n!package.json\n!README.md\n!LICENSE\n!index.js\n!tests.js\n');
  const packagePath = resolve(workDir, `${name}.vsix`);
  // vsce logs "DONE Packaged" on stdout; keep the test output to the results.
  const log = console.log;
  console.log = () => undefined;
  try {
    await createVSIX({
      cwd: extensionDir,
      packagePath,
      dependencies: false,
      allowMissingRepository: true,
      skipLicense: true,
    });
  } finally {
    console.log = log;
  }
  return packagePath;
}
