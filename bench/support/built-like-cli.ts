import type * as esbuild from 'esbuild';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { undiciTrims } from '../../scripts/esbuild-undici-trims.mjs';
import { REPO } from './report';

/**
 * The esbuild options of the production CLI's bundles (esbuild.config.mjs: `common` and `node`
 * with --production), for bench programs that time our code as it ships: minified, function names
 * not kept (tsx keeps them, with a `__name` call at every function our code makes and none in
 * undici's), undici trimmed by the same plugin, the version defined.
 */
export function builtLikeCli(): esbuild.BuildOptions {
  const { version } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
  return {
    bundle: true,
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    define: { __OIDC_FLOW_VERSION__: JSON.stringify(version) },
    plugins: [undiciTrims(REPO)],
  };
}
