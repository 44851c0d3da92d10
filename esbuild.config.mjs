// One build: the extension host (CJS, vscode external) in three parts plus a
// worker thread, the webview (browser IIFE) and the CLI (CJS with a shebang)
// the same way, its lazy part cut further into one bundle per set of commands
// that share modules (cliChunk), so each command parses only what it can run.
//
// The extension host part is split so each moment parses only what it runs:
// dist/extension.js holds the modules activation imports statically (the
// shell: commands, trees, the workspace index); dist/lazy.js everything the
// shell reaches only through `await import(...)` (flow files, the runner,
// OAuth, JOSE, undici); dist/sandbox.js the sandbox with oidc-provider, which
// only Start Sandbox and the demo need. One bundle of all of it cost about
// 65 ms of parsing at every activation, and the trees paid for the sandbox.
//
// A module must exist once, or `instanceof OidcError` and shared state
// break: each bundle takes the modules it does not own from their owner at
// run time instead of bundling them again (see splitBundle).
import * as esbuild from 'esbuild';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, relative, resolve } from 'node:path';
import { undiciTrims } from './scripts/esbuild-undici-trims.mjs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const root = process.cwd();
// Where the bundles go: dist/ unless `--outdir DIR` or `--outdir=DIR`: npm run pack:cli builds its
// production CLI aside, and bench/cli-start.ts times a production build, both without replacing
// the development build in dist/ that the tests need.
const outdirArg = process.argv.findIndex((arg) => arg === '--outdir' || arg.startsWith('--outdir='));
const outdir =
  outdirArg === -1
    ? 'dist'
    : process.argv[outdirArg].startsWith('--outdir=')
      ? process.argv[outdirArg].slice('--outdir='.length)
      : process.argv[outdirArg + 1];
if (!outdir) throw new Error('--outdir needs a folder');

// The version every bundle reports (src/core/version.ts): the one the build was made from.
const { version } = JSON.parse(readFileSync('package.json', 'utf8'));

const common = {
  bundle: true,
  define: { __OIDC_FLOW_VERSION__: JSON.stringify(version) },
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  legalComments: 'none',
};

/** The exports of a TypeScript module of ours, bundled and run here (build-time code and constants). */
async function evaluated(entry) {
  const { outputFiles } = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    write: false,
    logLevel: 'warning',
  });
  const module = { exports: {} };
  new Function('module', 'exports', 'require', outputFiles[0].text)(
    module,
    module.exports,
    createRequire(import.meta.url),
  );
  return module.exports;
}

/**
 * Replaces src/core/flow/schema-precompiled.ts with the flow-file validator
 * as ajv standalone code, generated now by schema-standalone.ts (bundled and
 * run here, so the options are the run time's). Compiling the schema at run
 * time cost every `run`, `validate` and `import` 0.4 s or more (issue #14).
 */
async function precompiledFlowValidator() {
  const { flowValidatorSource } = await evaluated('src/core/flow/schema-standalone.ts');
  // The standalone module's export is the validate function; schema-precompiled.ts exports a function returning it.
  return `${flowValidatorSource()}\nconst validate = module.exports;\nmodule.exports.flowValidator = () => validate;\n`;
}
const flowValidatorCode = await precompiledFlowValidator();
const FLOW_VALIDATOR_MODULE = 'src/core/flow/schema-precompiled.ts';
const flowValidator = {
  name: 'flow-validator',
  setup(build) {
    // The module's path with either separator, at the end of the absolute path esbuild loads.
    const filter = new RegExp(`${FLOW_VALIDATOR_MODULE.replace(/\./g, '\\.').replaceAll('/', '[\\\\/]')}$`);
    build.onLoad({ filter }, () => ({
      contents: flowValidatorCode,
      loader: 'js',
      resolveDir: root,
    }));
  },
};

const node = {
  ...common,
  plugins: [flowValidator, undiciTrims(root)],
  platform: 'node',
  target: 'node20',
  format: 'cjs',
};

const key = (absPath) => relative(root, absPath).split('\\').join('/');

/** The module graph esbuild sees from `entry`: each input with its imports. */
async function moduleGraph(options, entry) {
  const probe = await esbuild.build({
    ...options,
    entryPoints: [entry],
    write: false,
    metafile: true,
    outfile: 'dist/probe.js',
    logLevel: 'silent',
  });
  return probe.metafile.inputs;
}

/** Every module reachable from `roots` along edges `follow` accepts, never entering `stop`. */
function reach(inputs, roots, follow, stop) {
  const seen = new Set();
  const queue = [...roots];
  while (queue.length > 0) {
    const file = queue.shift();
    if (seen.has(file) || stop(file)) continue;
    seen.add(file);
    for (const edge of inputs[file]?.imports ?? []) if (!edge.external && follow(edge, file)) queue.push(edge.path);
  }
  return seen;
}

/** Resolves as esbuild would, then lets `pick` redirect the result. */
function redirect(name, pick) {
  return {
    name,
    setup(build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData?.[name] || args.kind === 'entry-point' || args.namespace !== 'file') return undefined;
        const resolved = await build.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: { [name]: true },
        });
        if (resolved.errors.length > 0 || resolved.external) return undefined;
        return pick(args, key(resolved.path)) ?? resolved;
      });
      build.onLoad({ filter: /.*/, namespace: name }, (args) => ({
        contents: args.pluginData.contents,
        loader: 'js',
        resolveDir: root,
      }));
    },
  };
}

/**
 * Bundles for one entry, each module in exactly one of them:
 * - `dist/<name>.js`, the shell: what the entry imports statically;
 * - `dist/<lazyName>.js`: what the shell reaches by dynamic import;
 * - `dist/<island>.js` for each island entry: a dynamic-import target whose
 *   modules nothing else needs (the sandbox, with oidc-provider), so the
 *   views and commands that never start it never parse it.
 * A bundle takes another's modules from it at run time: the shell through its
 * `__shared` export (its modules are evaluated at activation anyway), the
 * others through getters that evaluate a module on first use.
 */
async function splitBundle(options, { entry, name, lazyName, islands = {}, splitLazy, mergeSmall }) {
  const inputs = await moduleGraph(options, entry);
  const islandEntries = new Map(Object.entries(islands).map(([bundle, file]) => [file, bundle]));
  const owner = new Map();
  const shell = reach(
    inputs,
    [entry],
    (edge) => edge.kind !== 'dynamic-import',
    () => false,
  );
  for (const file of shell) owner.set(file, name);
  const dynamicTargets = [...shell].flatMap((file) =>
    (inputs[file]?.imports ?? []).filter((e) => !e.external && e.kind === 'dynamic-import').map((e) => e.path),
  );
  const lazyRoots = [...new Set(dynamicTargets.filter((file) => !shell.has(file) && !islandEntries.has(file)))];
  const stopLazy = (f) => owner.has(f) || islandEntries.has(f);
  if (splitLazy) {
    // Each lazy module goes to the bundle of the set of dynamic targets (the
    // CLI's commands) that reach it, and of how: at once (static imports) or
    // only through a later `await import(...)`, marked `?`. A command thus
    // parses only modules it runs at once: `decode` no longer reads undici,
    // ajv and the runner, nor `verify --jwks-uri` the flow-file loader.
    const reachedBy = new Map();
    const mark = (file, how) => reachedBy.set(file, [...(reachedBy.get(file) ?? []), how]);
    // A `require()` in our own source is a deliberate load on first use (src/core/http/undici.ts):
    // like `await import(...)` it does not put its target among the modules a command runs at once.
    // Inside packages a `require` is an ordinary import and stays one.
    // Not in the flow-file validator, generated code (flowValidator above) whose requires of ajv's
    // run-time helpers run as it loads.
    const atOnceEdge = (edge, from) =>
      edge.kind !== 'dynamic-import' &&
      !(edge.kind === 'require-call' && from.startsWith('src/') && from !== FLOW_VALIDATOR_MODULE);
    for (const target of lazyRoots) {
      const atOnce = reach(inputs, [target], atOnceEdge, stopLazy);
      for (const file of atOnce) mark(file, target);
      for (const file of reach(inputs, [target], () => true, stopLazy)) if (!atOnce.has(file)) mark(file, `${target}?`);
    }
    for (const [file, targets] of reachedBy) owner.set(file, splitLazy(targets.sort()));
    if (mergeSmall) {
      // Sets of commands differ in one command or one `?`, so most of these bundles held one small
      // module: `run` read 42 files, each costing a start about 0.4 ms to find, read and load
      // through the code cache whatever its size. The small ones of our own source share one
      // file (cli-shared-small); a module in it is still evaluated only when first required (the
      // getters below), so a command only reads a few KB more. Packages keep their own bundles:
      // which commands load yaml, ajv, undici or jose is what test/unit/bundle.test.ts holds.
      const groups = new Map();
      for (const [file, bundle] of owner)
        if (reachedBy.has(file)) groups.set(bundle, [...(groups.get(bundle) ?? []), file]);
      for (const [bundle, files] of groups)
        if (
          mergeSmall.from(bundle) &&
          files.every((file) => file.startsWith('src/')) &&
          files.reduce((sum, file) => sum + inputs[file].bytes, 0) < mergeSmall.below
        )
          for (const file of files) owner.set(file, mergeSmall.into);
    }
  } else for (const file of reach(inputs, lazyRoots, () => true, stopLazy)) owner.set(file, lazyName);
  for (const [file, bundle] of islandEntries) {
    if (!inputs[file]) throw new Error(`island ${bundle}: ${file} is not in the module graph of ${entry}`);
    for (const island of reach(
      inputs,
      [file],
      () => true,
      (f) => owner.has(f),
    ))
      owner.set(island, bundle);
  }
  const bundles = [...new Set([name, ...(splitLazy ? owner.values() : [lazyName]), ...islandEntries.values()])];
  const fileOf = (bundle) => `./${bundle}.js`;
  const stubFor = (bundle, file) =>
    bundle === name
      ? `module.exports = require(${JSON.stringify(fileOf(name))}).__shared[${JSON.stringify(file)}];`
      : `module.exports = require(${JSON.stringify(fileOf(bundle))})[${JSON.stringify(file)}];`;
  const owned = (bundle) => [...owner].filter(([, b]) => b === bundle).map(([file]) => file);
  const entryOf = (bundle) => {
    if (bundle === name) {
      const files = owned(name);
      return [
        `export * from ${JSON.stringify(resolve(root, entry))};`,
        ...files.map((file, i) => `import * as m${i} from ${JSON.stringify(resolve(root, file))};`),
        `export const __shared = { ${files.map((file, i) => `${JSON.stringify(file)}: m${i}`).join(', ')} };`,
      ].join('\n');
    }
    return owned(bundle)
      .map(
        (file) =>
          `Object.defineProperty(exports, ${JSON.stringify(file)}, { enumerable: true, get: () => require(${JSON.stringify(resolve(root, file))}) });`,
      )
      .join('\n');
  };
  return bundles.map((bundle) => ({
    ...options,
    // The sandbox IdP (oidc-provider) finds its token models by class name; minified names made
    // it drop expires_in from token responses. So its island keeps every function's and class's
    // name, and only it: keeping names costs a call at each function and class made, also inside
    // functions yaml's parser runs for every value, about 0.5 to 1 ms of an `import` or `run` to
    // its first line and 1.2 to 1.5 ms to its exit (issue #14 point 3). The names our code and its
    // other libraries read are set by hand (OidcError, undici's errors) or are built-ins' (Error).
    keepNames: Object.hasOwn(islands, bundle),
    stdin: { contents: entryOf(bundle), resolveDir: root, sourcefile: `${bundle}-entry.js`, loader: 'js' },
    outfile: `${outdir}/${bundle}.js`,
    external: [...(options.external ?? []), ...bundles.filter((b) => b !== bundle).map(fileOf)],
    // redirect first: it resolves through the other plugins (undiciTrims' replacements too), then
    // sends a module another bundle owns to that bundle.
    plugins: [
      redirect(`from-${bundle}`, (_args, file) => {
        const home = owner.get(file);
        return home && home !== bundle
          ? { path: file, namespace: `from-${bundle}`, pluginData: { contents: stubFor(home, file) } }
          : undefined;
      }),
      ...(options.plugins ?? []),
    ],
  }));
}

/**
 * The bundle of the CLI modules that exactly these commands reach (paths of
 * the modules cli.ts imports dynamically, sorted, `?` when reached only
 * later): `cli-decode` for one, the shell (`cli-main`) for those all commands load at once, else a name
 * that stays the same from build to build.
 */
function cliChunk(targets) {
  const names = targets.map((file) => basename(file).replace(/\.[cm]?[jt]sx?(\??)$/, '$1'));
  const atOnce = names.every((n) => !n.endsWith('?'));
  if (names.length === 1 && atOnce) return `cli-${names[0]}`;
  if (names.length === cliCommandCount && atOnce) return CLI_SHELL;
  return `cli-shared-${createHash('sha256').update(names.join(' ')).digest('hex').slice(0, 8)}`;
}
/** The CLI's shell bundle (src/cli/main.ts), which src/cli/boot.ts loads. */
const CLI_SHELL = 'cli-main';
const cliCommandCount = (await moduleGraph(node, 'src/cli/main.ts'))['src/cli/cli.ts'].imports.filter(
  (e) => e.kind === 'dynamic-import',
).length;

// Each CLI bundle is the body of a function the file calls at once (src/cli/bundle-wrapper.ts): the
// code cache compiles it without the call, Node's own loader runs it as it is.
const { BUNDLE_HEAD, BUNDLE_TAIL, BUNDLE_CALL } = await evaluated('src/cli/bundle-wrapper.ts');
const cliBundle = { ...node, banner: { js: BUNDLE_HEAD }, footer: { js: `${BUNDLE_TAIL}${BUNDLE_CALL}` } };

const contexts = [
  ...(await splitBundle(
    { ...node, external: ['vscode'] },
    {
      entry: 'src/extension/extension.ts',
      name: 'extension',
      lazyName: 'lazy',
      islands: { sandbox: 'src/core/sandbox/sandbox.ts' },
    },
  )),
  // The worker thread that checks large flow files off the extension host's
  // main thread: its own realm, so it bundles its modules again (no instanceof
  // crosses a thread) and the shell never loads it.
  {
    ...node,
    entryPoints: ['src/extension/editor/flow-check-worker.ts'],
    outfile: `${outdir}/flow-check-worker.js`,
  },
  {
    ...common,
    entryPoints: ['src/webview/main.ts'],
    outfile: `${outdir}/webview.js`,
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
  },
  // The CLI's entry, dist/cli.js: it turns the start-up code cache on and loads the shell below
  // through it (src/cli/boot.ts), so the shell's functions are not compiled afresh at every start.
  {
    ...node,
    entryPoints: ['src/cli/boot.ts'],
    outfile: `${outdir}/cli.js`,
    banner: { js: '#!/usr/bin/env node' },
  },
  // The CLI the same way as the extension host, its shell in cli-main.js and its lazy part split
  // further by command (see cliChunk): one bundle of every command made `decode` parse 2.9 MB to
  // use a few KB of it. Only sandbox, demo and --sandbox runs parse oidc-provider.
  ...(await splitBundle(cliBundle, {
    entry: 'src/cli/main.ts',
    name: CLI_SHELL,
    lazyName: 'cli-lazy',
    islands: { 'cli-sandbox': 'src/core/sandbox/sandbox.ts' },
    splitLazy: cliChunk,
    // Command bundles (cli-<command>) stay as they are; see mergeSmall in splitBundle.
    mergeSmall: { below: 8192, from: (bundle) => bundle.startsWith('cli-shared-'), into: 'cli-shared-small' },
  })),
];

// The CLI's bundle names follow its module graph: drop those of earlier builds,
// or a stale bundle would hold a second copy of modules (test/unit/bundle.test.ts).
const outputs = new Set(contexts.map((options) => options.outfile).filter(Boolean));
if (existsSync(outdir))
  for (const file of readdirSync(outdir)) {
    const js = `${outdir}/${file.replace(/\.map$/, '')}`;
    if (/^cli-.*\.js(\.map)?$/.test(file) && !outputs.has(js)) rmSync(`${outdir}/${file}`);
  }

const built = await Promise.all(contexts.map((options) => esbuild.context(options)));
if (watch) {
  // A new static or dynamic import moves modules between the two extension
  // host bundles; restart the watch after adding one.
  await Promise.all(built.map((ctx) => ctx.watch()));
} else {
  await Promise.all(built.map((ctx) => ctx.rebuild()));
  await Promise.all(built.map((ctx) => ctx.dispose()));
}
