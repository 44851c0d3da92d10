/**
 * The floor programs' cli.js (bench/cli-start.ts, issue #14 point 3): started the way
 * src/cli/boot.ts starts the CLI (Node's compile cache, then our code cache for the cli-*.js
 * bundles beside it), it loads the one bundle `process.argv[2]` names, cli-floor-<kind>.js, which
 * does the library work a command exists for and prints one line. Built by ../start-floors.ts.
 */
import { startThroughCodeCache } from '../../../src/cli/code-cache';

startThroughCodeCache(__dirname, 'floor', `cli-floor-${process.argv[2]}.js`);
