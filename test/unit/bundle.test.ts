/**
 * The extension host bundles (esbuild.config.mjs): activation parses only
 * dist/extension.js, the shell; dist/lazy.js holds what views and commands
 * load later (flow files, the runner, OAuth, HTTP); dist/sandbox.js the
 * sandbox, which only Start Sandbox and the demo need. No module may sit in
 * two of them (two OidcError classes would break instanceof), and each must
 * find the others' modules at run time.
 *
 * Reads the development build that `npm test` makes before the unit tests.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import Module, { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import { wrappedEnd } from '../../src/cli/code-cache';

const dist = join(__dirname, '..', '..', 'dist');
/** An RS256 JWT (kid k1) with a made-up signature: verify fetches the JWKS and finds no key for it. */
const JWT_RS256 = [
  Buffer.from('{"alg":"RS256","kid":"k1","typ":"JWT"}').toString('base64url'),
  Buffer.from('{"iss":"https://idp.example.com","sub":"app","exp":4102444800}').toString('base64url'),
  Buffer.alloc(256, 7).toString('base64url'),
].join('.');
const shellPath = join(dist, 'extension.js');
const lazyPath = join(dist, 'lazy.js');
const sandboxPath = join(dist, 'sandbox.js');
const bundles = [shellPath, lazyPath, sandboxPath];
const requireBundle = createRequire(__filename);

/**
 * The source modules a development bundle holds (esbuild heads each with `// <path>`).
 * A node_modules reached through a symlink (a git worktree sharing one install) is
 * headed `// ../../<elsewhere>/node_modules/…`; it counts as node_modules/… all the same.
 */
function modulesIn(bundle: string): Set<string> {
  return new Set(
    [...readFileSync(bundle, 'utf8').matchAll(/^\/\/ (?:\.\.\/\S*?)?((?:src|node_modules|schemas)\/\S+)$/gm)].map(
      (m) => m[1]!,
    ),
  );
}

/** Requires the shell as VS Code would, with a stand-in for the vscode module. */
function requireShell(): { exports: Record<string, unknown>; loaded: () => string[] } {
  const load = (Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown })._load;
  const original = load.bind(Module);
  (Module as unknown as { _load: typeof load })._load = (request: string, ...rest: unknown[]) =>
    request === 'vscode' ? {} : original(request, ...rest);
  try {
    for (const path of bundles) delete requireBundle.cache[path];
    const exports = requireBundle(shellPath) as Record<string, unknown>;
    return {
      exports,
      loaded: () =>
        Object.keys(requireBundle.cache)
          .filter((p) => bundles.includes(p))
          .sort(),
    };
  } finally {
    (Module as unknown as { _load: typeof load })._load = load;
  }
}

describe('the extension host bundles', function () {
  before(function () {
    for (const path of bundles) {
      if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run build\` first (npm test does)`);
    }
    if (modulesIn(shellPath).size === 0)
      throw new Error(`${shellPath} has no module comments: it is a production build; run \`npm run build\``);
  });

  it('share no module: each source file is bundled once, where its first user needs it', function () {
    const [shell, lazy, sandbox] = bundles.map(modulesIn) as [Set<string>, Set<string>, Set<string>];
    assert.deepEqual(
      [...shell].filter((m) => lazy.has(m) || sandbox.has(m)),
      [],
    );
    assert.deepEqual(
      [...lazy].filter((m) => sandbox.has(m)),
      [],
    );
    assert.ok(shell.has('src/extension/extension.ts'));
    assert.ok(
      ![...shell].some((m) => m.startsWith('node_modules/')),
      `the shell bundles packages: ${[...shell].filter((m) => m.startsWith('node_modules/')).join(', ')}`,
    );
    for (const needed of ['src/core/flow/runner.ts', 'src/core/flow/load.ts', 'src/core/errors.ts'])
      assert.ok(lazy.has(needed), `${needed} is not in lazy.js`);
    assert.ok(sandbox.has('src/core/sandbox/sandbox.ts'));
    for (const heavy of ['node_modules/oidc-provider/', 'node_modules/koa/', 'node_modules/node-forge/']) {
      assert.ok(
        [...sandbox].some((m) => m.startsWith(heavy)),
        `${heavy} is not in sandbox.js`,
      );
      assert.ok(![...lazy].some((m) => m.startsWith(heavy)), `${heavy} is in lazy.js, which the views load`);
    }
  });

  it('requiring the shell loads nothing else; a lazy module loads on first use, once; the sandbox only when asked for', function () {
    const shell = requireShell();
    assert.equal(typeof shell.exports.activate, 'function');
    assert.deepEqual(shell.loaded(), [shellPath]);
    const shared = shell.exports.__shared as Record<string, Record<string, unknown>>;
    assert.ok(shared['src/extension/workspace/source-model.ts'], 'the shell does not share its modules');

    const lazy = requireBundle(lazyPath) as Record<string, Record<string, unknown>>;
    const errors = lazy['src/core/errors.ts'];
    assert.equal(typeof errors?.OidcError, 'function');
    assert.equal(lazy['src/core/errors.ts']?.OidcError, errors?.OidcError, 'a lazy module was evaluated twice');
    assert.equal(typeof lazy['src/core/flow/load.ts']?.loadFlowFile, 'function');
    assert.deepEqual(shell.loaded(), [shellPath, lazyPath].sort(), 'reading flow files loaded the sandbox');

    const sandbox = requireBundle(sandboxPath) as Record<string, Record<string, unknown>>;
    assert.equal(typeof sandbox['src/core/sandbox/sandbox.ts']?.startSandbox, 'function');
  });
});

describe('the flow-check worker bundle', function () {
  const workerPath = join(dist, 'flow-check-worker.js');

  before(function () {
    if (!existsSync(workerPath))
      throw new Error(`${workerPath} is missing: run \`npm run build\` first (npm test does)`);
  });

  it('holds the checker on its own, and the shell never loads it', function () {
    const modules = modulesIn(workerPath);
    for (const needed of ['src/extension/editor/flow-check-worker.ts', 'src/core/flow/load.ts'])
      assert.ok(modules.has(needed), `${needed} is not in flow-check-worker.js`);
    assert.ok(![...modules].some((m) => m.startsWith('node_modules/oidc-provider/')), 'the worker bundles the sandbox');
    assert.doesNotMatch(
      readFileSync(workerPath, 'utf8'),
      /require\("vscode"\)/,
      'a worker thread has no vscode module',
    );
    assert.ok(!modulesIn(shellPath).has('src/extension/editor/flow-check-data.ts'), 'the shell bundles the checker');
  });

  it('checks a flow file in a worker thread', async function () {
    const { Worker } = await import('node:worker_threads');
    const worker = new Worker(workerPath);
    try {
      const answer = await new Promise<{ id: number; result: { issues: unknown[]; flows: Array<{ flow: string }> } }>(
        (resolve, reject) => {
          worker.once('message', resolve);
          worker.once('error', reject);
          worker.postMessage({ id: 7, text: 'version: 1\nflows:\n  smoke:\n    steps: []\n', fileName: 'a.yaml' });
        },
      );
      assert.equal(answer.id, 7);
      assert.deepEqual(
        answer.result.flows.map((f) => f.flow),
        ['smoke'],
      );
    } finally {
      await worker.terminate();
    }
  });
});

let loadedPreloadFile: string | undefined;
/**
 * The CLI bundles a command loads, with the modules they hold: what Node's module cache holds when
 * the process exits. (The CLI loads one bundle from another without Node's resolution, so Node's
 * module debug log no longer names them all; the cache does, src/cli/code-cache.ts.)
 */
function cliBundlesLoadedBy(args: string[], env: NodeJS.ProcessEnv = {}): Map<string, Set<string>> {
  if (!loadedPreloadFile) {
    loadedPreloadFile = join(mkdtempSync(join(tmpdir(), 'bundle-test-')), 'loaded.cjs');
    writeFileSync(
      loadedPreloadFile,
      "process.on('exit', () => require('fs').writeSync(2, '\\nloaded ' + Object.keys(require.cache).join('|') + '\\n'));\n",
    );
  }
  return cliBundlesReported(loadedPreloadFile, 'loaded', args, env, 'did not exit normally');
}

/**
 * Runs the built CLI with `preload`, which writes `<marker> <the module cache's file names>` to
 * standard error; the CLI bundles among those files, with the modules they hold.
 */
function cliBundlesReported(
  preload: string,
  marker: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  otherwise: string,
): Map<string, Set<string>> {
  const out = spawnSync(process.execPath, ['--require', preload, join(dist, 'cli.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env, NO_COLOR: '1' },
  });
  const line = new RegExp(`^${marker} (.*)$`, 'm').exec(out.stderr)?.[1];
  if (line === undefined) throw new Error(`oidc-flow ${args.join(' ')} ${otherwise}: ${out.stderr}`);
  const files = line.split('|').filter((file) => /[\\/]dist[\\/]cli[^\\/]*\.js$/.test(file));
  return new Map(files.map((file) => [basename(file), modulesIn(file)]));
}

let firstOutputPreloadFile: string | undefined;
/**
 * The CLI bundles a command had loaded when it wrote its first bytes to standard output (their
 * modules, as cliBundlesLoadedBy gives them): what that first output waited for.
 */
function cliBundlesBeforeFirstOutput(args: string[]): Map<string, Set<string>> {
  if (!firstOutputPreloadFile) {
    firstOutputPreloadFile = join(mkdtempSync(join(tmpdir(), 'bundle-test-')), 'first-output.cjs');
    writeFileSync(
      firstOutputPreloadFile,
      // The CLI writes a pipe straight to its descriptor (src/cli/std-output.ts), a terminal through
      // process.stdout: the first of either is its first output.
      [
        "const fs = require('fs');",
        'let seen = false;',
        'const report = () => {',
        '  if (seen) return;',
        '  seen = true;',
        "  fs.writeSync(2, '\\nfirst-output ' + Object.keys(require.cache).join('|') + '\\n');",
        '};',
        'const writeSync = fs.writeSync;',
        'fs.writeSync = function (fd, ...args) {',
        '  if (fd === 1) report();',
        '  return writeSync.call(this, fd, ...args);',
        '};',
        '',
      ].join('\n'),
    );
  }
  return cliBundlesReported(firstOutputPreloadFile, 'first-output', args, {}, 'wrote nothing on stdout');
}

/** A flow file of one plain request to port 9, which refuses it: a run ends at its first request. */
function plainFlowFile(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'bundle-test-')), 'plain.yaml');
  writeFileSync(
    path,
    'version: 1\nflows:\n  plain:\n    steps:\n      - id: ping\n        type: request\n        url: http://127.0.0.1:9/ping\n',
  );
  return path;
}

let preloadFile: string | undefined;
/** A file to --require that prints, at exit, the Node built-in modules the process loaded. */
function builtinsPreload(): string {
  if (!preloadFile) {
    preloadFile = join(mkdtempSync(join(tmpdir(), 'bundle-test-')), 'builtins.cjs');
    writeFileSync(
      preloadFile,
      // fs.writeSync, not process.stderr: making that stream would load node:net and node:stream.
      "process.on('exit', () => require('fs').writeSync(2, '\\nbuiltins ' + process.moduleLoadList.join('|') + '\\n'));\n",
    );
  }
  return preloadFile;
}
const builtinsIn = (stderr: string) =>
  (/^builtins (.*)$/m.exec(stderr)?.[1]?.split('|') ?? [])
    .filter((m) => m.startsWith('NativeModule '))
    .map((m) => m.slice('NativeModule '.length));

/** The Node built-in modules a CLI command loads (it runs to its end; nothing may listen for it). */
function cliBuiltinsLoadedBy(args: string[], env: NodeJS.ProcessEnv = {}, stdin: 'pipe' | 'ignore' = 'pipe'): string[] {
  const out = spawnSync(process.execPath, ['--require', builtinsPreload(), join(dist, 'cli.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    stdio: [stdin, 'pipe', 'pipe'],
  });
  const builtins = builtinsIn(out.stderr);
  if (!builtins.includes('fs')) throw new Error(`no list of built-in modules from oidc-flow ${args[0]}: ${out.stderr}`);
  return builtins;
}

describe('the CLI bundles', function () {
  this.timeout(60_000);
  const cli = join(dist, 'cli.js');
  // cli.js (the entry, src/cli/boot.ts), cli-main.js (the shell), one bundle per command and one
  // per set of commands sharing modules (esbuild.config.mjs, cliChunk), and cli-sandbox.js.
  const parts = () =>
    readdirSync(dist)
      .filter((f) => /^cli(-[\w-]+)?\.js$/.test(f))
      .map((f) => join(dist, f));

  before(function () {
    for (const path of [cli, join(dist, 'cli-sandbox.js'), join(dist, 'cli-decode.js')])
      if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run build\` first (npm test does)`);
  });

  it('share no module, and only cli-sandbox.js holds oidc-provider', function () {
    const owners = new Map<string, string[]>();
    for (const part of parts())
      for (const m of modulesIn(part)) owners.set(m, [...(owners.get(m) ?? []), basename(part)]);
    assert.deepEqual(
      [...owners].filter(([, inBundles]) => inBundles.length > 1),
      [],
    );
    const provider = [...owners].filter(([m]) => m.startsWith('node_modules/oidc-provider/'));
    assert.ok(provider.length > 0);
    assert.deepEqual([...new Set(provider.map(([, [b]]) => b))], ['cli-sandbox.js']);
    assert.match(readFileSync(cli, 'utf8'), /^#!\/usr\/bin\/env node\n/, 'the CLI entry lost its shebang');
    // Node compiles the entry afresh at every start, before the code cache is on: it holds only what
    // turns the cache on (src/cli/boot.ts) and loads the rest through it.
    assert.deepEqual([...modulesIn(cli)].sort(), [
      'src/cli/boot.ts',
      'src/cli/bundle-wrapper.ts',
      'src/cli/code-cache.ts',
    ]);
  });

  it('wraps each bundle as the code cache expects, so it compiles the text it reads and not a copy', function () {
    // src/cli/bundle-wrapper.ts: a concatenation around each bundle cost a validate about 1.5 ms.
    for (const part of parts().filter((file) => basename(file) !== 'cli.js'))
      assert.notEqual(wrappedEnd(readFileSync(part, 'utf8')), -1, `${basename(part)} is not wrapped`);
    assert.equal(wrappedEnd(readFileSync(cli, 'utf8')), -1, 'cli.js, which Node starts, is wrapped');
  });

  it("the shell and decode's bundles take Node's modules by name, without copying their namespaces", function () {
    // esbuild turns `import * as fs from 'node:fs'` (or a default import) into a copy of the module's
    // every name as a getter, made at load: node:fs has over a hundred, and every start paid for
    // them in cli.js (issue #14 point 3). A named import is a plain require.
    const loaded = [...cliBundlesLoadedBy(['decode', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.']).keys()];
    assert.ok(loaded.includes('cli-main.js') && loaded.includes('cli-decode.js'), loaded.join(', '));
    for (const bundle of loaded) {
      const copies = readFileSync(join(dist, bundle), 'utf8').match(/__toESM\(require\("node:[\w/]+"\)/g) ?? [];
      assert.deepEqual(copies, [], `${bundle} copies the namespace of a built-in module`);
    }
  });

  it("writes to a pipe without making Node's stdout stream, which loads node:net and node:stream", function () {
    // src/cli/std-output.ts: every start that prints to a pipe paid ~3 ms for them.
    for (const args of [
      ['decode', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.'],
      ['validate', join(dist, '..', 'examples', 'introspection-scenario.yaml')],
      ['--version'],
    ])
      assert.deepEqual(
        cliBuiltinsLoadedBy(args).filter((m) => ['net', 'stream', 'tty'].includes(m)),
        [],
        `oidc-flow ${args.join(' ')}`,
      );
  });

  it('a command loads only the bundles of the modules it can reach', function () {
    const heavy = (loaded: Map<string, Set<string>>, pkg: string) =>
      [...loaded]
        .filter(([, modules]) => [...modules].some((m) => m.startsWith(`node_modules/${pkg}/`)))
        .map(([b]) => b);
    assert.deepEqual([...cliBundlesLoadedBy(['--version']).keys()], ['cli.js', 'cli-main.js']);
    const decode = cliBundlesLoadedBy(['decode', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.']);
    assert.ok(decode.has('cli-decode.js'), [...decode.keys()].join(', '));
    for (const pkg of ['undici', 'ajv', 'oidc-provider', 'jsonpath-plus', 'yaml', 'jose'])
      assert.deepEqual(heavy(decode, pkg), [], `decode loaded ${pkg}`);
    // verify loads the flow-file loader only for --file (src/cli/idp-options.ts).
    const verify = cliBundlesLoadedBy([
      'verify',
      'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
      '--jwks-uri',
      'http://127.0.0.1:9/k',
    ]);
    // jsonpath-plus loads at the first `$.` path (src/core/flow/jsonpath.ts), yaml only with a flow file.
    for (const pkg of ['ajv', 'oidc-provider', 'jsonpath-plus', 'yaml'])
      assert.deepEqual(heavy(verify, pkg), [], `verify loaded ${pkg}`);
    // An IdP made of flags holds no template: the engine (and jsonpath) loads only for one that does (oauth/connect-idp.ts).
    const holding = (loaded: Map<string, Set<string>>, module: string) =>
      [...loaded].filter(([, modules]) => modules.has(module)).map(([b]) => b);
    for (const module of ['src/core/flow/template.ts', 'src/core/flow/jsonpath.ts', 'src/core/flow/url-variables.ts'])
      assert.deepEqual(holding(verify, module), [], `verify --jwks-uri loaded ${module}`);
    const flow = join(dist, '..', 'examples', 'introspection-scenario.yaml');
    const validate = cliBundlesLoadedBy(['validate', flow]);
    for (const pkg of ['undici', 'oidc-provider', 'jsonpath-plus', 'jose'])
      assert.deepEqual(heavy(validate, pkg), [], `validate loaded ${pkg}`);
    // The completion script is the command table and the option tables, nothing a command runs.
    const completion = cliBundlesLoadedBy(['completion', 'bash']);
    assert.ok(completion.has('cli-completion.js'), [...completion.keys()].join(', '));
    for (const pkg of ['undici', 'ajv', 'oidc-provider', 'jsonpath-plus', 'yaml', 'jose'])
      assert.deepEqual(heavy(completion, pkg), [], `completion loaded ${pkg}`);
    // undici is evaluated when the first dispatcher is made (src/core/http/undici.ts); reading a
    // gateway file sends nothing, and each gateway reader loads with its source (gateway/source.ts).
    const fixtures = join(dist, '..', 'test', 'fixtures');
    const apache = cliBundlesLoadedBy(['routes', '--apache-conf', join(fixtures, 'apache', 'oidc-gateway.conf')]);
    for (const pkg of ['undici', 'yaml', 'jose', 'ajv', 'jsonpath-plus'])
      assert.deepEqual(heavy(apache, pkg), [], `routes --apache-conf loaded ${pkg}`);
    assert.deepEqual(holding(apache, 'src/core/http/client.ts'), [], 'routes --apache-conf loaded the HTTP client');
    // jose loads to sign or check a signature (jwt/verify.ts, jwt/jwks.ts, oauth/client-auth.ts), not to run a call.
    // The scenario stops at its first step (OKTA_DOMAIN is not set), after the runner has loaded.
    const run = cliBundlesLoadedBy(['run', flow], { OKTA_DOMAIN: undefined });
    assert.ok(holding(run, 'src/core/flow/runner.ts').length > 0, 'run did not get as far as the runner');
    for (const pkg of ['jose', 'oidc-provider']) assert.deepEqual(heavy(run, pkg), [], `run loaded ${pkg}`);
    // The diagnosis engine and Kong's lint rules load at the first call to diagnose (core/flow/http-steps.ts).
    for (const module of [
      'src/core/flow/call-diagnosis.ts',
      'src/core/diagnosis/diagnose.ts',
      'src/core/gateway/lint.ts',
    ])
      assert.deepEqual(holding(run, module), [], `run loaded ${module}`);
    // A run of plain requests loads no OAuth, JWT or token-step module: the runner requires them at the
    // first step that needs them (core/flow/runner.ts). Port 9 refuses the request; the run ends there.
    const plainFlow = plainFlowFile();
    const plain = cliBundlesLoadedBy(['run', plainFlow]);
    assert.ok(holding(plain, 'src/core/flow/runner.ts').length > 0, 'the plain run did not get as far as the runner');
    for (const module of [
      'src/core/flow/token-step.ts',
      'src/core/oauth/discovery.ts',
      'src/core/oauth/token-store.ts',
      'src/core/jwt/decode.ts',
      'src/core/jwt/verify.ts',
    ])
      assert.deepEqual(holding(plain, module), [], `a run of plain requests loaded ${module}`);
    // Each file costs a start to find, read and load whatever its size: the small modules of our
    // own source share cli-shared-small.js (esbuild.config.mjs, mergeSmall). This start read 42 before.
    assert.ok(run.has('cli-shared-small.js'), [...run.keys()].join(', '));
    assert.ok(run.size <= 30, `run loaded ${run.size} CLI bundles: ${[...run.keys()].join(', ')}`);
    // An exchange id needs no node:crypto (core/http/client.ts exchangeId); OAuth work loads it (core/node-crypto.ts).
    assert.deepEqual(
      cliBuiltinsLoadedBy(['run', flow], { OKTA_DOMAIN: undefined }).filter((m) =>
        ['crypto', 'tls', 'fs/promises'].includes(m),
      ),
      [],
      'run loaded node:crypto, tls or fs/promises',
    );
    // Whether the run may prompt asks isatty(0), not process.stdin, which for /dev/null (or a file) is a
    // file stream whose modules (fs streams, fs/promises, readline) a run never used (src/cli/runtime.ts).
    assert.deepEqual(
      cliBuiltinsLoadedBy(['run', flow], { OKTA_DOMAIN: undefined }, 'ignore').filter((m) =>
        ['internal/fs/streams', 'internal/fs/promises', 'internal/readline/interface'].includes(m),
      ),
      [],
      'run with stdin on /dev/null made process.stdin',
    );
    // Nor node:tty, which loads node:net and its streams (1.5 to 3 ms before a run's first line): it
    // answers whether the run may prompt, asked only when standard output is a terminal (here a pipe).
    const refused = join(mkdtempSync(join(tmpdir(), 'bundle-test-')), 'refused.oidc-flow.yaml');
    writeFileSync(
      refused,
      'version: 1\nroutes:\n  r: { baseUrl: "http://127.0.0.1:9" }\nflows:\n  f:\n    steps:\n      - { id: call, type: call, route: r, token: false }\n',
    );
    const piped = cliBuiltinsLoadedBy(['run', refused]);
    assert.ok(piped.includes('net'), 'the run did not send its request (no node:net)');
    assert.ok(!piped.includes('tty'), 'run with stdout a pipe loaded node:tty');
    // lint loads its rules after it has printed what it lints (cli/commands/lint.ts): a file that is
    // no decK file (an Apache config) stops it before, with none of them loaded.
    const notDeck = cliBundlesLoadedBy(['lint', '--deck', join(fixtures, 'apache', 'oidc-gateway.conf')]);
    for (const module of ['src/core/gateway/lint.ts', 'src/core/gateway/route-lint.ts', 'src/core/oauth/discovery.ts'])
      assert.deepEqual(holding(notDeck, module), [], `lint --deck of an unreadable deck loaded ${module}`);
    // A deck without an OIDC plugin is linted without a request. lint decodes a token with
    // jwt/decode.ts (not the jwt index: verification, explain...), and only for --token-env.
    const plainDeck = join(mkdtempSync(join(tmpdir(), 'bundle-test-')), 'plain-deck.yaml');
    writeFileSync(
      plainDeck,
      '_format_version: "3.0"\nservices:\n  - name: s\n    url: http://127.0.0.1:9\n    routes:\n      - name: r\n        paths: [/r]\n',
    );
    const lint = cliBundlesLoadedBy(['lint', '--deck', plainDeck]);
    assert.ok(holding(lint, 'src/core/gateway/lint.ts').length > 0, 'lint did not load its rules');
    for (const module of [
      'src/core/jwt/decode.ts',
      'src/core/jwt/verify.ts',
      'src/core/jwt/explain.ts',
      'src/cli/runtime.ts',
    ])
      assert.deepEqual(holding(lint, module), [], `lint --deck loaded ${module}`);
    const deck = cliBundlesLoadedBy(['routes', '--deck', join(fixtures, 'gateway', 'bearer-scopes.yaml')]);
    for (const pkg of ['undici', 'jose', 'ajv']) assert.deepEqual(heavy(deck, pkg), [], `routes --deck loaded ${pkg}`);
    // The CLI runtime (prompts, progress, the runner's dependencies) loads for --ca only (cli/commands/routes.ts).
    for (const module of ['src/cli/runtime.ts', 'src/cli/progress.ts'])
      assert.deepEqual(holding(deck, module), [], `routes --deck loaded ${module}`);
    // node:crypto and node:fs/promises load at a file write (core/atomic-write.ts); files are read
    // through node:fs (core/text-file.ts), which every Node start has loaded. node:tty loads only where
    // a run asks whether it may prompt (cli/runtime.ts), which routes loads too; stdout is a pipe here.
    const postman = join(fixtures, 'importers', 'postman-v21-okta-kong.json');
    for (const args of [
      ['import', postman, '-o', '-'],
      ['validate', flow],
      ['routes', '--deck', join(fixtures, 'gateway', 'bearer-scopes.yaml')],
    ])
      assert.deepEqual(
        cliBuiltinsLoadedBy(args).filter((m) => ['crypto', 'tls', 'fs/promises', 'tty'].includes(m)),
        [],
        `oidc-flow ${args.join(' ')}`,
      );
    // capture (issue #16) loads the flow-file loader only for --file, and never the sandbox.
    const capture = cliBundlesLoadedBy(['capture', '--help']);
    assert.ok(
      [...capture.keys()].some((b) => b !== 'cli.js' && b !== 'cli-main.js'),
      [...capture.keys()].join(', '),
    );
    for (const pkg of ['ajv', 'oidc-provider']) assert.deepEqual(heavy(capture, pkg), [], `capture loaded ${pkg}`);
  });

  it('a command writes its first output before loading what only the rest of its work needs', function () {
    const holding = (loaded: Map<string, Set<string>>, module: string) =>
      [...loaded].filter(([, modules]) => modules.has(module)).map(([b]) => b);
    /** `args` has loaded `loaded` and none of `notYet` when it writes its first output; its bundles then. */
    const firstOutputLoads = (args: string[], loaded: string, notYet: string[]) => {
      const bundles = cliBundlesBeforeFirstOutput(args);
      assert.ok(holding(bundles, loaded).length > 0, [...bundles.keys()].join(', '));
      for (const module of notYet)
        assert.deepEqual(holding(bundles, module), [], `${args[0]} loaded ${module} before its first output`);
      return bundles;
    };
    const fixtures = join(dist, '..', 'test', 'fixtures');
    // import prints the flow file, then checks it: the flow loader and its validator load after
    // (cli/commands/import.ts; the importers take the size limit from core/untrusted-input.ts).
    firstOutputLoads(
      ['import', join(fixtures, 'importers', 'postman-v21-okta-kong.json'), '-o', '-'],
      'src/core/importers/build-flow.ts',
      ['src/core/flow/load.ts', 'src/core/flow/schema-precompiled.ts'],
    );
    // lint says which file it lints, then loads its rules and asks the IdPs (cli/commands/lint.ts).
    // Its IdP at port 9 refuses the discovery request at once, after the first line.
    const deck = join(mkdtempSync(join(tmpdir(), 'bundle-test-')), 'deck.yaml');
    writeFileSync(
      deck,
      [
        '_format_version: "3.0"',
        'services:',
        '  - name: s',
        '    url: http://127.0.0.1:9',
        '    routes: [{ name: r, paths: [/r] }]',
        '    plugins: [{ name: openid-connect, config: { issuer: "http://127.0.0.1:9/oauth2/default" } }]',
        '',
      ].join('\n'),
    );
    firstOutputLoads(['lint', '--deck', deck], 'src/core/gateway/deck-file.ts', [
      'src/core/gateway/route-lint.ts',
      'src/core/gateway/lint.ts',
      'src/core/oauth/discovery.ts',
      'src/core/http/client.ts',
    ]);
    // run prints its first line (the flow, its steps) before it sends anything: the HTTP client and its
    // proxy, limit and error modules load at the first request (cli/runtime.ts clientAtFirstSend), and
    // the runner and the pretty reporter once that line is out (cli/commands/run.ts).
    // Port 9 refuses the request after that line.
    firstOutputLoads(['run', plainFlowFile()], 'src/core/flow/load.ts', [
      'src/core/flow/runner.ts',
      'src/core/flow/http-steps.ts',
      'src/cli/reporters/pretty.ts',
      'src/core/http/client.ts',
      'src/core/http/proxy.ts',
      'src/core/http/limits.ts',
      'src/core/http/classify-error.ts',
    ]);
    // verify prints the header's checks before it connects (cli/commands/verify.ts): the connector,
    // the JWKS client, the rest of the verification, the HTTP client and jose load after them.
    // (cli/idp-connect.ts itself is small enough to share cli-shared-small, which every command reads.)
    const jwt = [
      Buffer.from('{"alg":"RS256","kid":"k1"}').toString('base64url'),
      Buffer.from('{"iss":"https://idp.example.com","exp":4102444800}').toString('base64url'),
      'c2ln',
    ].join('.');
    const verify = firstOutputLoads(
      ['verify', jwt, '--jwks-uri', 'http://127.0.0.1:9/jwks'],
      'src/core/jwt/header-checks.ts',
      ['src/core/jwt/verify.ts', 'src/core/jwt/jwks.ts', 'src/core/oauth/connect-idp.ts', 'src/core/http/client.ts'],
    );
    for (const pkg of ['jose', 'undici'])
      assert.ok(
        ![...verify.values()].some((modules) => [...modules].some((m) => m.startsWith(`node_modules/${pkg}/`))),
        `verify loaded ${pkg} before its first line`,
      );
  });

  it("verify sends its http request without loading Node's assert, http2, tls or tty modules", async function () {
    // scripts/esbuild-undici-trims.mjs (esbuild.config.mjs's plugin): undici only calls assert(value,
    // message), and its HTTP/2 client is never reached (allowH2: false); loading either module cost
    // more at start than undici.
    let fetched = 0;
    const server = createServer((_req, res) => {
      fetched += 1;
      res.end('{"keys":[]}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const jwksUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
      const out = await new Promise<string>((resolve) => {
        const child = spawn(process.execPath, [
          '--require',
          builtinsPreload(),
          cli,
          'verify',
          JWT_RS256,
          '--jwks-uri',
          jwksUri,
        ]);
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.on('close', () => resolve(stderr));
      });
      const builtins = builtinsIn(out);
      assert.equal(fetched, 1, `verify never fetched the JWKS: ${out.slice(0, 500)}`);
      assert.ok(builtins.includes('net'), `no list of built-in modules from verify: ${out.slice(-500)}`);
      // node:tls loads only for an https URL or an extra CA / client certificate (src/core/http/dispatchers.ts).
      // node:tty answers whether a command may prompt (cli/runtime.ts runtimeFor); verify never prompts.
      for (const name of ['assert', 'http2', 'tls', 'tty'])
        assert.ok(!builtins.includes(name), `verify loaded node:${name}`);
    } finally {
      server.close();
    }
    // oidc-provider (cli-sandbox.js) uses node:assert itself.
    for (const part of parts().filter((p) => basename(p) !== 'cli-sandbox.js'))
      assert.doesNotMatch(
        readFileSync(part, 'utf8'),
        /require\("node:(assert|http2)"\)/,
        `${basename(part)} requires it`,
      );
  });

  it('--version prints the version the build was made from, whatever npm says', function () {
    const { version } = JSON.parse(readFileSync(join(dist, '..', 'package.json'), 'utf8')) as { version: string };
    const out = spawnSync(process.execPath, [cli, '--version'], {
      encoding: 'utf8',
      env: { ...process.env, npm_package_version: '9.9.9-other-package' },
    });
    assert.equal(out.status, 0, out.stderr);
    assert.equal(out.stdout, `${version}\n`);
  });

  it('the built CLI runs: decode (shell + lazy), and the sandbox until Ctrl-C (the island)', async function () {
    const decoded = spawnSync(process.execPath, [cli, 'decode', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.'], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    assert.equal(decoded.status, 0, decoded.stderr);
    assert.match(decoded.stdout, /alg: none/);

    const child = spawn(process.execPath, [cli, 'sandbox'], {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (/Sandbox running/.test(out)) resolve();
      });
      child.on('close', (code) => reject(new Error(`the sandbox exited (${code}) before it ran: ${err}`)));
    });
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 0, err);
    assert.match(out, /IdP issuer\s+https:\/\/127\.0\.0\.1:\d+/);
  });
});
