// One build, three bundles: the extension host (CJS, vscode external), the
// webview (browser IIFE) and the CLI (CJS with a shebang).
import * as esbuild from 'esbuild';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  // The sandbox IdP (oidc-provider) finds its token models by class name; minified
  // names made it drop expires_in from token responses in the production bundles.
  keepNames: true,
  logLevel: 'warning',
  legalComments: 'none',
};

const contexts = [
  {
    ...common,
    entryPoints: ['src/extension/extension.ts'],
    outfile: 'dist/extension.js',
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['vscode'],
  },
  {
    ...common,
    entryPoints: ['src/webview/main.ts'],
    outfile: 'dist/webview.js',
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
  },
  {
    ...common,
    entryPoints: ['src/cli/main.ts'],
    outfile: 'dist/cli.js',
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    banner: { js: '#!/usr/bin/env node' },
  },
];

const built = await Promise.all(contexts.map((options) => esbuild.context(options)));
if (watch) {
  await Promise.all(built.map((ctx) => ctx.watch()));
} else {
  await Promise.all(built.map((ctx) => ctx.rebuild()));
  await Promise.all(built.map((ctx) => ctx.dispose()));
}
