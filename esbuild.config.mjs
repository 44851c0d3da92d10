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

const node = {
  ...common,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
};

const key = (absPath) => relative(root, absPath).split('\\').join('/');

/**
 * Which modules the entry needs at once (its static imports, transitively)
 * and which modules those reach only by dynamic import.
 */
async function analyse(options, entry) {
  const probe = await esbuild.build({ ...options, entryPoints: [entry], write: false, metafile: true, outfile: 'dist/probe.js', logLevel: 'silent' });
  const inputs = probe.metafile.inputs;
  const shell = new Set();
  const queue = [entry];
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

/**
 * Two bundles for one entry: `dist/<name>.js` with what the entry imports
 * statically, `dist/<name>-lazy.js` with what it reaches by dynamic import.
 */
async function splitBundle(options, { entry, name, lazyName }) {
  const { shell, lazy } = await analyse(options, entry);
  const shellFile = `./${name}.js`;
  const lazyFile = `./${lazyName}.js`;
  const shellEntry = [
    `export * from ${JSON.stringify(resolve(root, entry))};`,
    ...[...shell].map((file, i) => `import * as m${i} from ${JSON.stringify(resolve(root, file))};`),
    `export const __shared = { ${[...shell].map((file, i) => `${JSON.stringify(file)}: m${i}`).join(', ')} };`,
  ].join('\n');
  const lazyEntry = [...lazy]
    .map((file) => `Object.defineProperty(exports, ${JSON.stringify(file)}, { enumerable: true, get: () => require(${JSON.stringify(resolve(root, file))}) });`)
    .join('\n');
  const stub = (namespace, contents) => ({ namespace, pluginData: { contents } });
  return [
    {
      ...options,
      stdin: { contents: shellEntry, resolveDir: root, sourcefile: `${name}-entry.js`, loader: 'js' },
      outfile: `dist/${name}.js`,
      external: [...(options.external ?? []), lazyFile],
      plugins: [
        redirect('lazy-module', (args, file) =>
          args.kind === 'dynamic-import' && lazy.has(file) ? { path: file, ...stub('lazy-module', `module.exports = require(${JSON.stringify(lazyFile)})[${JSON.stringify(file)}];`) } : undefined,
        ),
      ],
    },
    {
      ...options,
      stdin: { contents: lazyEntry, resolveDir: root, sourcefile: `${lazyName}-entry.js`, loader: 'js' },
      outfile: `dist/${lazyName}.js`,
      external: [...(options.external ?? []), shellFile],
      plugins: [
        redirect('shell-module', (args, file) =>
          shell.has(file) ? { path: file, ...stub('shell-module', `module.exports = require(${JSON.stringify(shellFile)}).__shared[${JSON.stringify(file)}];`) } : undefined,
        ),
      ],
    },
  ];
}

const contexts = [
  ...(await splitBundle({ ...node, external: ['vscode'] }, { entry: 'src/extension/extension.ts', name: 'extension', lazyName: 'lazy' })),
  {
    ...common,
    entryPoints: ['src/webview/main.ts'],
    outfile: 'dist/webview.js',
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
  },
  // One file: every CLI command loads its modules on demand, so a split
  // would only spare `--help` (commands would all share one lazy bundle).
  { ...node, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
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
