/**
 * dist/cli.js, the file `oidc-flow` starts: it turns on the start-up code cache (code-cache.ts),
 * then loads the CLI's shell, dist/cli-main.js (src/cli/main.ts and what it imports), through it.
 *
 * Why a file of its own: Node compiles the file it starts before any of its code runs, so that
 * file cannot come from our cache, and each of its functions was compiled afresh at the first
 * call, at every start. The shell's command table, argument parsing, output and error handling
 * were about 1 ms of every command (issue #14 point 3). Now only this file, code-cache.ts and the
 * bundles' wrapper (bundle-wrapper.ts) are compiled at each start; the shell comes from the cache
 * like the command bundles.
 *
 * It imports nothing the shell imports (the version comes from the build's define), so no module
 * is bundled twice (test/unit/bundle.test.ts).
 */
import { startThroughCodeCache } from './code-cache';

// esbuild replaces this with package.json's version at build time (see esbuild.config.mjs).
declare const __OIDC_FLOW_VERSION__: string;

startThroughCodeCache(__dirname, __OIDC_FLOW_VERSION__, 'cli-main.js');
