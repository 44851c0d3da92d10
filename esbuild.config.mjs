// One build, four bundles: the extension host (CJS, vscode external) in two
// parts, the webview (browser IIFE) and the CLI (CJS with a shebang).
//
// The extension host part is split so activation parses only what it runs:
// dist/extension.js holds the modules activation imports statically (the
// shell: commands, trees, the workspace index), dist/lazy.js everything the
// shell reaches only through `await import(...)` (the flow runner, OAuth,
// JOSE, undici, the sandbox with oidc-provider...). One bundle of all of it
// cost about 65 ms of parsing at every activation.
//
// A module must exist once, or `instanceof OidcError` and shared state
// break: lazy.js does not bundle the shell's modules again but takes them
// from dist/extension.js (`__shared`), and the shell's dynamic imports read
// their module from lazy.js, which evaluates it on first use.
import * as esbuild from 'esbuild';
import { relative, resolve } from 'node:path';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const root = process.cwd();

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

const extensionHost = {
  ...common,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['vscode'],
};

const EXTENSION_ENTRY = 'src/extension/extension.ts';
const key = (absPath) => relative(root, absPath).split('\\').join('/');

/**
 * Which modules activation needs (the entry's static imports, transitively)
 * and which modules those reach only by dynamic import.
 */
async function splitExtensionHost() {
  const probe = await esbuild.build({ ...extensionHost, entryPoints: [EXTENSION_ENTRY], write: false, metafile: true, outfile: 'dist/extension.js', logLevel: 'silent' });
  const inputs = probe.metafile.inputs;
  const shell = new Set();
  const queue = [EXTENSION_ENTRY];
  while (queue.length > 0) {
    const file = queue.shift();
    if (shell.has(file)) continue;
    shell.add(file);
    for (const edge of inputs[file]?.imports ?? []) if (!edge.external && edge.kind !== 'dynamic-import') queue.push(edge.path);
  }
  const lazy = new Set();
  for (const file of shell) for (const edge of inputs[file]?.imports ?? []) if (!edge.external && edge.kind === 'dynamic-import' && !shell.has(edge.path)) lazy.add(edge.path);
  return { shell, lazy };
}

/** Resolves as esbuild would, then lets `pick` redirect the result. */
function redirect(name, pick) {
  return {
    name,
    setup(build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData?.[name] || args.kind === 'entry-point' || args.namespace !== 'file') return undefined;
        const resolved = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: { [name]: true } });
        if (resolved.errors.length > 0 || resolved.external) return undefined;
        return pick(args, key(resolved.path)) ?? resolved;
      });
      build.onLoad({ filter: /.*/, namespace: name }, (args) => ({ contents: args.pluginData.contents, loader: 'js', resolveDir: root }));
    },
  };
}

function extensionHostContexts({ shell, lazy }) {
  const shellEntry = [
    `export * from ${JSON.stringify(resolve(root, EXTENSION_ENTRY))};`,
    ...[...shell].map((file, i) => `import * as m${i} from ${JSON.stringify(resolve(root, file))};`),
    `export const __shared = { ${[...shell].map((file, i) => `${JSON.stringify(file)}: m${i}`).join(', ')} };`,
  ].join('\n');
  const lazyEntry = [...lazy]
    .map((file) => `Object.defineProperty(exports, ${JSON.stringify(file)}, { enumerable: true, get: () => require(${JSON.stringify(resolve(root, file))}) });`)
    .join('\n');
  return [
    {
      ...extensionHost,
      stdin: { contents: shellEntry, resolveDir: root, sourcefile: 'extension-entry.js', loader: 'js' },
      outfile: 'dist/extension.js',
      external: [...extensionHost.external, './lazy.js'],
      plugins: [
        redirect('lazy-module', (args, file) =>
          args.kind === 'dynamic-import' && lazy.has(file)
            ? { path: file, namespace: 'lazy-module', pluginData: { contents: `module.exports = require("./lazy.js")[${JSON.stringify(file)}];` } }
            : undefined,
        ),
      ],
    },
    {
      ...extensionHost,
      stdin: { contents: lazyEntry, resolveDir: root, sourcefile: 'lazy-entry.js', loader: 'js' },
      outfile: 'dist/lazy.js',
      external: [...extensionHost.external, './extension.js'],
      plugins: [
        redirect('shell-module', (args, file) =>
          shell.has(file) ? { path: file, namespace: 'shell-module', pluginData: { contents: `module.exports = require("./extension.js").__shared[${JSON.stringify(file)}];` } } : undefined,
        ),
      ],
    },
  ];
}

const contexts = [
  ...extensionHostContexts(await splitExtensionHost()),
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
  // A new static or dynamic import moves modules between the two extension
  // host bundles; restart the watch after adding one.
  await Promise.all(built.map((ctx) => ctx.watch()));
} else {
  await Promise.all(built.map((ctx) => ctx.rebuild()));
  await Promise.all(built.map((ctx) => ctx.dispose()));
}
