/**
 * The floor programs' cli.js (bench/cli-start.ts, issue #14 point 3): started the way
 * src/cli/main.ts starts the CLI (Node's compile cache, then our code cache for the cli-*.js
 * bundles beside it), it loads the one bundle `process.argv[2]` names, cli-floor-<kind>.js, which
 * does the library work a command exists for and prints one line. Built by ../start-floors.ts.
 */
import { enableCompileCache } from 'node:module';
import { join } from 'node:path';
import { cacheUsage, installCodeCache } from '../../../src/cli/code-cache';

(enableCompileCache as (() => unknown) | undefined)?.();
installCodeCache({
  bundleDir: __dirname,
  env: process.env,
  version: 'floor',
  usage: cacheUsage(process.argv.slice(2)),
  debug: (line) => process.stderr.write(line),
});
// A path esbuild cannot follow: the kind's bundle is loaded at run time, not bundled here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
require(join(__dirname, `cli-floor-${process.argv[2]}.js`));
