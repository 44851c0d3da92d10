// The esbuild plugin every bundle that holds undici is built with, shared by esbuild.config.mjs and
// bench/cli-start.ts's floor programs (which must load undici exactly as the CLI does to be a fair
// floor of its start, issue #14 point 3).
import { resolve } from 'node:path';

/**
 * Two parts of undici that the bundles replace (src/core/http/undici-bundled/): node:assert,
 * of which undici only calls assert(value, message), and its HTTP/2 client, which nothing here
 * reaches (allowH2: false everywhere). Loading node:assert and node:http2 cost `verify` and
 * `run` about as much CPU at start as the rest of undici (issue #14, CLI start).
 * `root` is the repository's folder.
 */
export function undiciTrims(root) {
  return {
    name: 'undici-trims',
    setup(build) {
      const inUndici = /[\\/]node_modules[\\/]undici[\\/]/;
      build.onResolve({ filter: /^(node:)?assert$/ }, (args) =>
        inUndici.test(args.importer) ? { path: resolve(root, 'src/core/http/undici-bundled/assert.cjs') } : undefined,
      );
      build.onResolve({ filter: /^\.\/client-h2\.js$/ }, (args) =>
        inUndici.test(args.importer) ? { path: resolve(root, 'src/core/http/undici-bundled/no-h2.cjs') } : undefined,
      );
    },
  };
}
