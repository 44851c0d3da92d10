'use strict';
// What the bundles give undici for `require('node:assert')` (esbuild.config.mjs, undiciTrims).
// undici only calls assert(value[, message]) on its own invariants. Node's assert module, with
// the modules it loads to quote the failing expression from the source file, cost every
// request-sending command (verify, run, token...) more CPU at start than this whole check
// (issue #14, CLI start). A failure still throws an AssertionError with code ERR_ASSERTION.
function assert(value, message) {
  if (value) return;
  if (message instanceof Error) throw message;
  const error = new Error(message ?? 'The expression evaluated to a falsy value');
  error.name = 'AssertionError';
  error.code = 'ERR_ASSERTION';
  throw error;
}
assert.ok = assert;
module.exports = assert;
