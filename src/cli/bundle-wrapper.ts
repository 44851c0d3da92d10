/**
 * The text around each of the CLI's bundles (dist/cli-*.js; esbuild.config.mjs writes it as the
 * bundles' banner and footer): the bundle is the body of a function that takes what Node's module
 * wrapper gives a module, and the file calls it at once with those.
 * - Node's own loader (the code cache off) wraps the file in its module function and runs it: the
 *   call passes that function's arguments on.
 * - The code cache (code-cache.ts) compiles the file without its call, a slice of the text it read,
 *   and calls the function itself. Wrapping the text as it was read in a concatenation instead
 *   cost about 1.5 ms of a `validate` start before its first output (issue #14 point 3).
 */
export const BUNDLE_HEAD = '(function (exports, require, module, __filename, __dirname) {';
export const BUNDLE_TAIL = '})';
export const BUNDLE_CALL = '(exports, require, module, __filename, __dirname);';
