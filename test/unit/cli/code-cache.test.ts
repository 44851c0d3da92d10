import { strict as assert } from 'node:assert';
import type { Stats } from 'node:fs';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createRequire, Module } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, join, sep } from 'node:path';
import type { CodeCache, CodeCacheOptions } from '../../../src/cli/code-cache';
import { cacheUsage, codeCacheFolder, installCodeCache, untrusted, wrappedEnd } from '../../../src/cli/code-cache';
import { BUNDLE_CALL, BUNDLE_HEAD, BUNDLE_TAIL } from '../../../src/cli/bundle-wrapper';

/**
 * What this file proves: the CLI's start-up code cache (src/cli/code-cache.ts) keeps its files in a
 * private 0700 folder, refuses a folder or file another user owns or others may write, never uses
 * a cache made for another build of a bundle, rewrites data V8 rejects, never fails a load because
 * of the cache, is off with OIDC_FLOW_NO_CODE_CACHE=1, and records commands without their values.
 * Each test loads small cli-*.js bundles of its own through the hook, then undoes it.
 */

// The modes and owners checked are POSIX ones: on Windows the folder is the user's own LOCALAPPDATA.
const POSIX = process.platform !== 'win32';

describe('the CLI code cache', () => {
  let root: string;
  let bundles: string;
  let cache: CodeCache | undefined;
  let lines: string[];

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'oidc-flow-code-cache-'));
    bundles = join(root, 'dist');
    mkdirSync(bundles);
    lines = [];
  });
  afterEach(() => {
    cache?.uninstall();
    cache = undefined;
    rmSync(root, { recursive: true, force: true });
  });

  const install = (extra: Partial<CodeCacheOptions> = {}) => {
    cache?.uninstall();
    cache = installCodeCache({
      bundleDir: bundles,
      version: '1.2.3',
      usage: 'validate',
      sourceMaps: false, // tsx turns them on in this process
      debug: (line) => lines.push(line.trim()),
      ...extra,
      env: { XDG_CACHE_HOME: join(root, 'cache'), OIDC_FLOW_DEBUG_CODE_CACHE: '1', ...extra.env },
    });
    return cache;
  };
  /** Requires a bundle afresh, as a new process would. */
  const load = (name: string): unknown => {
    const require = createRequire(join(bundles, 'cli.js'));
    delete require.cache[join(bundles, name)];
    return require(`./${name}`);
  };
  const bundle = (name: string, value: string) =>
    writeFileSync(
      join(bundles, name),
      `"use strict";\nfunction f() { return ${JSON.stringify(value)}; }\nmodule.exports = { value: f(), dir: __dirname, file: __filename, stack: () => new Error('here').stack };\n`,
    );
  const said = (pattern: RegExp) => lines.some((line) => pattern.test(line));

  it('gives a bundle the require Node gives a module: its own resolve, resolve.paths, cache, extensions and main', () => {
    mkdirSync(join(bundles, 'node_modules', 'dep'), { recursive: true });
    writeFileSync(join(bundles, 'node_modules', 'dep', 'index.js'), 'module.exports = "dep";\n');
    writeFileSync(join(bundles, 'cli-other.js'), 'module.exports = "other";\n');
    writeFileSync(
      join(bundles, 'cli-req.js'),
      [
        '"use strict";',
        'module.exports = {',
        '  dep: require("dep"), other: require("./cli-other.js"), builtin: require("node:path").sep,',
        '  resolved: require.resolve("dep"), paths: require.resolve.paths("dep"),',
        '  sameCache: require.cache === module.constructor._cache, sameExtensions: require.extensions === module.constructor._extensions,',
        '  main: require.main === process.mainModule, parent: require.cache[__filename] === module,',
        '};',
        '',
      ].join('\n'),
    );
    const plain = load('cli-req.js');
    const { folder, flush } = install()!;
    const cached = load('cli-req.js');
    flush();
    assert.ok(existsSync(join(folder, 'cli-req.js.v8')), 'the bundle did not go through the cache');
    assert.deepEqual(cached, plain);
    assert.deepEqual(cached, {
      dep: 'dep',
      other: 'other',
      builtin: sep,
      resolved: join(bundles, 'node_modules', 'dep', 'index.js'),
      paths: (plain as { paths: string[] }).paths,
      sameCache: true,
      sameExtensions: true,
      main: true,
      parent: true,
    });
    assert.equal((cached as { paths: string[] }).paths[0], join(bundles, 'node_modules'));
  });

  it('keeps its files in <XDG_CACHE_HOME>/oidc-flow-debugger/v8-cache/<version>-<node>-<arch>-<folder>, made 0700', () => {
    bundle('cli-a.js', 'one');
    const { folder } = install()!;
    const parent = join(root, 'cache', 'oidc-flow-debugger', 'v8-cache');
    assert.equal(join(folder, '..'), parent);
    assert.match(
      folder.slice(parent.length + 1),
      new RegExp(`^1\\.2\\.3-${process.version.replace(/\./g, '\\.')}-${process.arch}-[0-9a-f]{8}$`),
    );
    load('cli-a.js');
    cache!.flush();
    assert.ok(existsSync(join(folder, 'cli-a.js.v8')), lines.join('\n'));
    if (POSIX)
      for (const dir of [folder, join(folder, '..'), join(folder, '..', '..')])
        assert.equal(statSync(dir).mode & 0o777, 0o700, dir);
    if (POSIX) assert.equal(statSync(join(folder, 'cli-a.js.v8')).mode & 0o777, 0o600);
  });

  it('loads a bundle as Node would: exports, __dirname, __filename, line and column in stack traces', () => {
    bundle('cli-a.js', 'one');
    type Bundle = { value: string; dir: string; file: string; stack: () => string };
    const where = (stack: string) => /cli-a\.js:\d+:\d+/.exec(stack)?.[0];
    const plain = load('cli-a.js') as Bundle;
    install();
    const cached = load('cli-a.js') as Bundle;
    assert.equal(cached.value, 'one');
    assert.equal(cached.dir, bundles);
    assert.equal(cached.file, join(bundles, 'cli-a.js'));
    assert.equal(where(cached.stack()), 'cli-a.js:3:79');
    assert.equal(where(cached.stack()), where(plain.stack()));
  });

  it('loads a wrapped bundle (as the build writes them) from its own text, and Node loads it as it is', () => {
    // src/cli/bundle-wrapper.ts: the function the file calls at once; the cache compiles it without the call.
    const body = `"use strict";\nfunction f() { return "two"; }\nmodule.exports = { value: f(), dir: __dirname, file: __filename, stack: () => new Error('here').stack };`;
    for (const after of ['\n', '\n//# sourceMappingURL=cli-w.js.map\n']) {
      writeFileSync(join(bundles, 'cli-w.js'), `${BUNDLE_HEAD}\n${body}\n${BUNDLE_TAIL}${BUNDLE_CALL}${after}`);
      type Bundle = { value: string; dir: string; file: string; stack: () => string };
      const where = (stack: string) => /cli-w\.js:\d+:\d+/.exec(stack)?.[0];
      cache?.uninstall();
      const plain = load('cli-w.js') as Bundle;
      install();
      const cached = load('cli-w.js') as Bundle;
      assert.deepEqual([cached.value, cached.dir, cached.file], ['two', bundles, join(bundles, 'cli-w.js')]);
      assert.equal(plain.value, 'two');
      assert.equal(where(cached.stack()), 'cli-w.js:4:79');
      assert.equal(where(cached.stack()), where(plain.stack()));
      cache!.flush();
      assert.equal(load('cli-w.js') && (load('cli-w.js') as Bundle).value, 'two');
      assert.ok(said(/cli-w\.js\.v8 used/), lines.join('\n'));
    }
  });

  it('tells a wrapped bundle from other text: head, the call at the end, nothing after it but a source map comment', () => {
    const wrapped = `${BUNDLE_HEAD}\nx\n${BUNDLE_TAIL}${BUNDLE_CALL}`;
    assert.equal(wrappedEnd(wrapped), wrapped.length - BUNDLE_CALL.length);
    assert.equal(wrappedEnd(`${wrapped}\n//# sourceMappingURL=a.js.map\n`), wrapped.length - BUNDLE_CALL.length);
    for (const other of [
      'module.exports = 1;',
      `${BUNDLE_HEAD}\nx\n${BUNDLE_TAIL}`,
      `${wrapped}\nmore();`,
      `x${wrapped}`,
    ])
      assert.equal(wrappedEnd(other), -1, other);
  });

  it('lets a bundle require its neighbours and import() built-in modules', async () => {
    writeFileSync(join(bundles, 'cli-b.js'), 'module.exports = { b: 2 };');
    writeFileSync(
      join(bundles, 'cli-a.js'),
      `module.exports = { b: require('./cli-b.js').b, os: () => import('node:os').then((m) => typeof m.cpus) };`,
    );
    install();
    const a = load('cli-a.js') as { b: number; os: () => Promise<string> };
    assert.equal(a.b, 2);
    assert.equal(await a.os(), 'function');
    cache!.flush();
    assert.ok(said(/wrote cli-a\.js\.v8/) && said(/wrote cli-b\.js\.v8/), lines.join('\n'));
  });

  it("finds a neighbour bundle without Node's resolution, and keeps one module for it, as Node would", () => {
    // cli-c.js throws on its first load only (a marker file), so the retry shows it was not kept.
    const marker = join(root, 'c-threw');
    writeFileSync(join(bundles, 'cli-b.js'), 'module.exports = { made: Math.random() };');
    writeFileSync(
      join(bundles, 'cli-c.js'),
      `const fs = require('node:fs'); if (!fs.existsSync(${JSON.stringify(marker)})) { fs.writeFileSync(${JSON.stringify(marker)}, ''); throw new Error('first load'); } module.exports = { c: 3 };`,
    );
    writeFileSync(
      join(bundles, 'cli-a.js'),
      `module.exports = { b: () => require('./cli-b.js'), c: () => require('./cli-c.js'), missing: () => require('./cli-none.js') };`,
    );
    install();
    const resolved = { count: 0 };
    const moduleApi = Module as unknown as { _resolveFilename: (...args: unknown[]) => string };
    const resolve = moduleApi._resolveFilename;
    moduleApi._resolveFilename = function (this: unknown, ...args: unknown[]) {
      if (String(args[0]).startsWith('./cli-')) resolved.count += 1;
      return resolve.apply(this, args);
    };
    try {
      const a = load('cli-a.js') as { b: () => { made: number }; c: () => { c: number }; missing: () => unknown };
      resolved.count = 0; // load() itself requires cli-a.js through Node
      const b = a.b();
      assert.equal(a.b(), b, 'the same module at each require');
      assert.equal(resolved.count, 0, 'a neighbour bundle went through Node resolution');
      // The module is where Node keeps it: a plain require of the file gets the same one.
      assert.equal(createRequire(join(bundles, 'cli.js'))('./cli-b.js'), b);
      assert.throws(() => a.c(), /first load/);
      assert.deepEqual(a.c(), { c: 3 }, 'a bundle that threw is loaded again');
      // A bundle that is not there: Node's own error, which names it.
      assert.throws(
        () => a.missing(),
        (error: NodeJS.ErrnoException) => error.code === 'MODULE_NOT_FOUND',
      );
    } finally {
      moduleApi._resolveFilename = resolve;
      for (const name of ['cli-a.js', 'cli-b.js', 'cli-c.js']) delete require.cache[join(bundles, name)];
    }
  });

  it('is in the CLI only: no extension host bundle holds it', () => {
    const dist = join(__dirname, '..', '..', '..', 'dist');
    if (!existsSync(join(dist, 'cli.js'))) throw new Error(`${dist}/cli.js is missing: run \`npm run build\` first`);
    assert.match(readFileSync(join(dist, 'cli.js'), 'utf8'), /OIDC_FLOW_NO_CODE_CACHE/);
    for (const bundle of ['extension.js', 'lazy.js', 'sandbox.js', 'flow-check-worker.js'])
      assert.doesNotMatch(readFileSync(join(dist, bundle), 'utf8'), /OIDC_FLOW_NO_CODE_CACHE/, bundle);
  });

  it('leaves other modules to Node: files not named cli-*.js, and cli-*.js of other folders', () => {
    writeFileSync(join(bundles, 'other.js'), 'module.exports = 1;');
    mkdirSync(join(bundles, 'sub'));
    writeFileSync(join(bundles, 'sub', 'cli-b.js'), 'module.exports = 2;');
    install();
    assert.equal(load('other.js'), 1);
    assert.equal(load('sub/cli-b.js'), 2);
    cache!.flush();
    assert.deepEqual(lines, []);
  });

  it('reads the cache it wrote, and writes it again only for a new usage', () => {
    bundle('cli-a.js', 'one');
    install();
    load('cli-a.js');
    cache!.flush();
    assert.ok(said(/wrote cli-a\.js\.v8 .*for validate\)/), lines.join('\n'));
    lines = [];
    install();
    load('cli-a.js');
    cache!.flush();
    assert.ok(said(/cli-a\.js\.v8 used \(\d+ bytes\)/), lines.join('\n'));
    assert.ok(!said(/wrote/), 'same usage: nothing to write');
    install({ usage: 'decode' });
    load('cli-a.js');
    cache!.flush();
    assert.ok(said(/wrote cli-a\.js\.v8 .*for validate, decode\)/), lines.join('\n'));
  });

  it('never uses a cache made for another build of the bundle, even of the same length', () => {
    bundle('cli-a.js', 'one');
    install();
    load('cli-a.js');
    cache!.flush();
    bundle('cli-a.js', 'two');
    install();
    assert.equal((load('cli-a.js') as { value: string }).value, 'two');
    assert.ok(said(/cli-a\.js\.v8 is for another build of the bundle/), lines.join('\n'));
    cache!.flush();
    assert.ok(said(/wrote cli-a\.js\.v8/));
  });

  // V8 keeps the scripts it compiled in this process and would not even look at the file again;
  // test/integration/cli-code-cache.test.ts shows a rejected file rewritten, in new processes.
  it('loads a bundle whose cache file is damaged', () => {
    bundle('cli-a.js', 'one');
    const { folder } = install()!;
    load('cli-a.js');
    cache!.flush();
    const file = join(folder, 'cli-a.js.v8');
    const bytes = readFileSync(file);
    bytes.fill(0x55, bytes.indexOf(10) + 1, bytes.length);
    writeFileSync(file, bytes);
    install();
    assert.equal((load('cli-a.js') as { value: string }).value, 'one');
    writeFileSync(file, 'OFCC1 no newline');
    install();
    assert.equal((load('cli-a.js') as { value: string }).value, 'one');
    assert.ok(said(/cli-a\.js\.v8 is not a cache file/), lines.join('\n'));
  });

  it('is not used when its folder is writable by others or owned by another user', () => {
    bundle('cli-a.js', 'one');
    const { folder } = install()!;
    cache!.uninstall();
    chmodSync(folder, 0o777);
    assert.equal(install(), undefined);
    assert.ok(said(/not used: .* writable by group or others \(mode 777\)/), lines.join('\n'));
    assert.equal((load('cli-a.js') as { value: string }).value, 'one', 'plain loading');
    chmodSync(folder, 0o700);
    assert.equal(install({ uid: process.getuid!() + 1 }), undefined);
    assert.ok(said(/not used: .* owned by uid \d+, not \d+/), lines.join('\n'));
  });

  it('does not read a cache file others may write', () => {
    bundle('cli-a.js', 'one');
    const { folder } = install()!;
    load('cli-a.js');
    cache!.flush();
    chmodSync(join(folder, 'cli-a.js.v8'), 0o666);
    install();
    assert.equal((load('cli-a.js') as { value: string }).value, 'one');
    assert.ok(said(/cli-a\.js\.v8 not read: writable by group or others/), lines.join('\n'));
  });

  it('judges folders and files by owner, mode and kind', () => {
    const stat = (mode: number, uid: number, dir = true) =>
      ({ mode, uid, isDirectory: () => dir, isFile: () => !dir }) as unknown as Stats;
    assert.equal(untrusted(stat(0o40700, 1000), 1000, 'folder'), undefined);
    assert.equal(untrusted(stat(0o40755, 1000), 1000, 'folder'), undefined);
    assert.match(untrusted(stat(0o40775, 1000), 1000, 'folder')!, /writable by group or others/);
    assert.match(untrusted(stat(0o40702, 1000), 1000, 'folder')!, /writable by group or others/);
    assert.match(untrusted(stat(0o40700, 0), 1000, 'folder')!, /owned by uid 0, not 1000/);
    assert.match(untrusted(stat(0o100600, 1000, false), 1000, 'folder')!, /not a plain folder/);
    assert.equal(untrusted(stat(0o100666, 0, false), undefined, 'file'), undefined, 'Windows: no owner check');
  });

  it('never fails a load: no folder can be made, or a file cannot be written', () => {
    bundle('cli-a.js', 'one');
    writeFileSync(join(root, 'file'), '');
    assert.equal(install({ env: { XDG_CACHE_HOME: join(root, 'file') } }), undefined);
    assert.ok(said(/not used: /), lines.join('\n'));
    assert.equal((load('cli-a.js') as { value: string }).value, 'one');
    const { folder } = install()!;
    mkdirSync(join(folder, 'cli-a.js.v8')); // the rename onto it fails
    load('cli-a.js');
    assert.doesNotThrow(() => cache!.flush());
    assert.ok(said(/cli-a\.js\.v8 not written: /), lines.join('\n'));
  });

  it('is off with OIDC_FLOW_NO_CODE_CACHE=1, and makes no folder then', () => {
    assert.equal(install({ env: { XDG_CACHE_HOME: join(root, 'cache'), OIDC_FLOW_NO_CODE_CACHE: '1' } }), undefined);
    assert.ok(!existsSync(join(root, 'cache')));
  });

  it('keeps the four folders most recently written to', () => {
    const folders = ['1.0.0', '1.1.0', '1.2.0', '1.3.0', '1.4.0'].map((version, i) => {
      const { folder } = install({ version })!;
      // The file system's clock may give folders made within a few ms the same time.
      const when = new Date(Date.now() - 60_000 + i * 1000);
      utimesSync(folder, when, when);
      return folder;
    });
    assert.deepEqual(
      folders.map((folder) => existsSync(folder)),
      [false, true, true, true, true],
    );
  });

  it('finds its folder under XDG_CACHE_HOME, ~/.cache or LOCALAPPDATA, one for each folder of bundles and flags', () => {
    const at = (
      env: Record<string, string>,
      platform: NodeJS.Platform = 'linux',
      bundleDir = '/usr/lib/oidc-flow/dist',
      flags = '',
    ) =>
      codeCacheFolder({
        env,
        platform,
        bundleDir,
        flags,
        home: '/home/me',
        version: '1.0.0',
        nodeVersion: 'v24.1.0',
        arch: 'x64',
      });
    const key = /^1\.0\.0-v24\.1\.0-x64-[0-9a-f]{8}$/;
    assert.equal(join(at({ XDG_CACHE_HOME: '/xdg' })!, '..'), join('/xdg', 'oidc-flow-debugger', 'v8-cache'));
    assert.match(basename(at({ XDG_CACHE_HOME: '/xdg' })!), key);
    assert.equal(join(at({})!, '..'), join('/home/me', '.cache', 'oidc-flow-debugger', 'v8-cache'));
    assert.equal(at({ XDG_CACHE_HOME: 'relative' }), at({}), 'a relative XDG_CACHE_HOME is ignored, as the spec says');
    assert.notEqual(at({}, 'linux', '/home/me/project/node_modules/oidc-flow/dist'), at({}));
    assert.notEqual(at({}, 'linux', undefined, '--max-old-space-size=4096'), at({}));
    const windows = at({ LOCALAPPDATA: 'C:\\Users\\me\\AppData\\Local' }, 'win32')!;
    assert.equal(join(windows, '..'), join('C:\\Users\\me\\AppData\\Local', 'oidc-flow-debugger', 'v8-cache'));
    assert.equal(at({}, 'win32'), undefined);
  });

  it('records a command by its name and option names, never a value', () => {
    assert.equal(
      cacheUsage(['token', '--client-secret', 's3cr3t', '--issuer=https://idp']),
      'token --client-secret --issuer',
    );
    assert.equal(cacheUsage(['routes', '--deck', 'kong.yaml']), 'routes --deck');
    assert.equal(cacheUsage(['decode', 'eyJhbGciOi.eyJzdWIi.c2ln']), 'decode');
    assert.equal(cacheUsage(['--version']), '--version');
    assert.equal(cacheUsage([]), '-');
  });
});
