/**
 * A V8 code cache for the CLI's own bundles (dist/cli-*.js: the shell
 * cli-main.js and the command bundles), made AFTER the command ran. dist/cli.js
 * (boot.ts) turns it on before it loads the shell.
 *
 * Why not only Node's compile cache (`module.enableCompileCache`, also on in
 * boot.ts): Node creates its cache data right after compiling a file, when
 * V8 has compiled just the top level. esbuild puts each module's body in a
 * function, so what a command runs (yaml's parser, the generated flow-file
 * validator, undici, jose, the flow modules) stays outside that cache and is
 * compiled afresh at every start. `vm.Script#createCachedData()` called at
 * exit serializes every function compiled so far; the next start of the same
 * command reads them back instead (the technique of v8-compile-cache and of
 * Next.js's precompiled modules). See docs/cli.md, "Start-up code cache".
 *
 * The rules, each for a reason:
 * - only files named cli-*.js in the folder of the running cli.js go through
 *   it: our own bundles, never a dependency's or a user's module;
 * - a private folder, XDG_CACHE_HOME or ~/.cache (Windows: LOCALAPPDATA)
 *   /oidc-flow-debugger/v8-cache/<cli version>-<node version>-<arch>-<hash of
 *   the bundles' folder and Node's options>, made 0700. Two installations of
 *   one version (a global one and a project's), or starts with other V8 flags
 *   (which make V8 reject the data), would otherwise rewrite each other's
 *   files at every start. The files hold code V8 runs without parsing it again, so a folder
 *   or file that another user owns, or that group or others may write, is
 *   not read: plain loading then;
 * - each file starts with the identity of the bundle file it was made from
 *   (device, inode, size, modification and change times in nanoseconds): V8
 *   itself checks only the source's length (and its version and flags), so a
 *   rebuilt bundle of the same length would run stale code otherwise. Any
 *   write, copy, checkout or reinstall of a bundle gives it a new change time
 *   (no program can set it back, unlike the modification time npm sets to
 *   1985 for every file of a package). Not a hash of the source: loading
 *   node:crypto alone costs 4 ms, more than `decode` saves;
 * - written only when missing, stale or rejected by V8, or when a command
 *   (its name and option names, never their values, and its exit code) uses
 *   the bundle for the first time: a bundle shared by `decode` and `validate`
 *   then holds what both ran, and a first `validate` of a missing file does
 *   not stand for the valid ones. Asking V8 at every exit whether the data grew would cost 4 to
 *   11 ms of serializing per start. Through a temporary file and a rename,
 *   so a reader never sees half a file;
 * - never a failure of the command: any error (read-only home, full disk,
 *   EACCES) means plain loading, and a line on stderr only when
 *   OIDC_FLOW_DEBUG_CODE_CACHE=1. OIDC_FLOW_NO_CODE_CACHE=1 turns it off;
 * - bounded: one file per bundle, and the KEEP folders most recently written
 *   to (Node 20 and 24 used in turn, or two installations, keep theirs).
 *
 * Off when source maps are on (`--enable-source-maps`): Node maps stack
 * traces of the files its own loader compiled. The VS Code extension never
 * loads this module (its host has a cache of its own).
 */
// Named imports, not `import * as`: esbuild copies a namespace import of a built-in module into an
// object of getters at load (node:fs has 104 names), which every start paid for (issue #14 point 3).
import {
  closeSync,
  constants as fsConstants,
  existsSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  type Stats,
} from 'node:fs';
import { enableCompileCache, Module } from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { constants as vmConstants, Script, type ScriptOptions } from 'node:vm';
import { BUNDLE_CALL, BUNDLE_HEAD, BUNDLE_TAIL } from './bundle-wrapper';

/** What the cache needs from its surroundings, injected so tests can point it elsewhere. */
export interface CodeCacheOptions {
  /** The folder of the running cli.js: only its cli-*.js files are loaded through the cache. */
  bundleDir: string;
  env: Record<string, string | undefined>;
  /** The CLI's version: one cache folder per version, as the bundles change with it. */
  version: string;
  platform?: NodeJS.Platform;
  home?: string;
  /** Whether Node maps stack traces through source maps (`--enable-source-maps`, tsx): the cache is off then. */
  sourceMaps?: boolean;
  /** The current user (POSIX); undefined on Windows, where ownership is not checked. */
  uid?: number;
  /**
   * What this start does, e.g. `routes --deck` (see cacheUsage): a cache is rewritten once for each
   * new one, with the functions it compiled added.
   */
  usage: string;
  /** Where debug lines go (OIDC_FLOW_DEBUG_CODE_CACHE=1); stderr in the CLI. */
  debug?: (line: string) => void;
}

/** What installCodeCache returns: writing now (tests; the CLI writes at exit) and undoing the hook. */
export interface CodeCache {
  folder: string;
  /** Writes the caches that are missing, stale, rejected or new to this usage (and exit code, at exit). */
  flush(exitCode?: number): void;
  uninstall(): void;
}

const BUNDLE = /^cli-[\w-]+\.js$/;
const MAGIC = 'OFCC1 ';
/** The longest header: MAGIC, the identity, the usages, newline. */
const HEADER_MAX = 4096;
/** Usages a cache file records; past them it is complete enough, and its header stays bounded. */
const USAGES_MAX = 40;
/** Folders kept: the current one and the last others written to (Node 20 and 24 in turn, an upgrade). */
const KEEP = 4;

// A file that is not wrapped already (bundle-wrapper.ts): its line 1 follows the wrapper on line 2;
// lineOffset -1 keeps stack traces' line and column numbers.
const WRAPPER_HEAD = `${BUNDLE_HEAD}\n`;
const WRAPPER_TAIL = `\n${BUNDLE_TAIL}`;
/** After the call of a wrapped bundle: nothing, or a development build's source map comment. */
const AFTER_CALL = /^\s*(?:\/\/# sourceMappingURL=\S*\s*)?$/;

/**
 * Where the function of a wrapped bundle (bundle-wrapper.ts) ends, before its call: what the
 * cache compiles is that slice of the text read, not a copy. -1 for any other text.
 */
export function wrappedEnd(source: string): number {
  if (!source.startsWith(BUNDLE_HEAD)) return -1;
  const call = source.lastIndexOf(`${BUNDLE_TAIL}${BUNDLE_CALL}`);
  if (call === -1 || !AFTER_CALL.test(source.slice(call + BUNDLE_TAIL.length + BUNDLE_CALL.length))) return -1;
  return call + BUNDLE_TAIL.length;
}

/**
 * The cache folder for this CLI version, Node version, architecture and folder of bundles; undefined
 * when there is no home to put it in.
 */
export function codeCacheFolder(options: {
  bundleDir: string;
  /** Node's and V8's options of this process (execArgv, NODE_OPTIONS). */
  flags: string;
  env: Record<string, string | undefined>;
  platform: NodeJS.Platform;
  home: string;
  version: string;
  nodeVersion: string;
  arch: string;
}): string | undefined {
  const { env, platform, home } = options;
  const base =
    platform === 'win32'
      ? env.LOCALAPPDATA
      : env.XDG_CACHE_HOME?.startsWith('/')
        ? env.XDG_CACHE_HOME
        : home
          ? join(home, '.cache')
          : undefined;
  if (!base) return undefined;
  const key = `${options.version}-${options.nodeVersion}-${options.arch}-${fnv1a(`${options.bundleDir}\0${options.flags}`)}`;
  return join(base, 'oidc-flow-debugger', 'v8-cache', key.replace(/[^\w.+-]/g, '_'));
}

/** A short name for a text (FNV-1a, 32 bits): node:crypto would cost 4 ms to load. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash.toString(16).padStart(8, '0');
}

/** Why a folder or file may not be trusted (another user's, or writable by group or others), or undefined. */
export function untrusted(stat: Stats, uid: number | undefined, kind: 'folder' | 'file'): string | undefined {
  if (kind === 'folder' ? !stat.isDirectory() : !stat.isFile()) return `not a plain ${kind} (a link?)`;
  if (uid === undefined) return undefined;
  if (stat.uid !== uid) return `owned by uid ${stat.uid}, not ${uid}`;
  if ((stat.mode & 0o022) !== 0) return `writable by group or others (mode ${(stat.mode & 0o777).toString(8)})`;
  return undefined;
}

/** Makes the cache folder (0700) and checks it and its two parents are ours; an error names why not. */
function openFolder(folder: string, uid: number | undefined): { created: boolean } {
  const created = !existsSync(folder);
  if (created) mkdirSync(folder, { recursive: true, mode: 0o700 });
  for (const dir of [folder, dirname(folder), dirname(dirname(folder))]) {
    const why = untrusted(lstatSync(dir), uid, 'folder');
    if (why) throw new Error(`${dir}: ${why}`);
  }
  return { created };
}

/** Removes the version folders beyond the KEEP most recently used. */
function prune(folder: string): void {
  const parent = dirname(folder);
  const others = readdirSync(parent, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && join(parent, entry.name) !== folder)
    .map((entry) => ({ path: join(parent, entry.name), used: statSync(join(parent, entry.name)).mtimeMs }))
    .sort((a, b) => b.used - a.used);
  for (const old of others.slice(KEEP - 1)) rmSync(old.path, { recursive: true, force: true });
}

interface Loaded {
  script: Script;
  file: string;
  /** The bundle file's identity the cache is made for (see the top of this file). */
  identity: string;
  /** The usages the file records, when V8 took its data; undefined when it must be written. */
  usages: string[] | undefined;
}

/**
 * Loads the CLI's cli-*.js bundles through V8 code caches kept in a private folder (see the top of
 * this file); undefined, and plain loading, when turned off or when the folder cannot be used.
 */
export function installCodeCache(options: CodeCacheOptions): CodeCache | undefined {
  const { env } = options;
  const debug = env.OIDC_FLOW_DEBUG_CODE_CACHE === '1' ? (options.debug ?? (() => {})) : () => {};
  const say = (line: string) => debug(`oidc-flow code cache: ${line}\n`);
  const off = (why: string): undefined => void say(why);
  if (env.OIDC_FLOW_NO_CODE_CACHE === '1') return off('off (OIDC_FLOW_NO_CODE_CACHE=1)');
  if (options.sourceMaps ?? (process as { sourceMapsEnabled?: boolean }).sourceMapsEnabled)
    return off('off (source maps are on)');
  // Without it a bundle's `import()` (node:child_process, node:readline) would throw.
  const importModuleDynamically = vmConstants?.USE_MAIN_CONTEXT_DEFAULT_LOADER;
  if (!importModuleDynamically) return off('off (this Node has no vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER)');
  const folder = codeCacheFolder({
    env,
    bundleDir: options.bundleDir,
    flags: `${process.execArgv.join(' ')}\0${env.NODE_OPTIONS ?? ''}`,
    platform: options.platform ?? process.platform,
    home: options.home ?? safeHomedir(),
    version: options.version,
    nodeVersion: process.version,
    arch: process.arch,
  });
  if (!folder) return off('off (no home folder)');
  const uid = 'uid' in options ? options.uid : process.getuid?.();
  try {
    if (openFolder(folder, uid).created) prune(folder);
  } catch (error) {
    return off(`not used: ${messageOf(error)}`);
  }

  const extensions = (Module as unknown as { _extensions: Record<string, (module: Module, file: string) => void> })
    ._extensions;
  const plain = extensions['.js']!;
  const loaded: Loaded[] = [];
  const hook = function (this: unknown, module: Module, filename: string): void {
    if (dirname(filename) !== options.bundleDir || !BUNDLE.test(basename(filename)))
      return plain.call(this, module, filename);
    const { source, identity } = readBundle(filename);
    const file = join(folder, `${basename(filename)}.v8`);
    const cached = readCache(file, identity, uid, off);
    const cachedData = cached?.data;
    const end = wrappedEnd(source);
    const script = new Script(end === -1 ? WRAPPER_HEAD + source + WRAPPER_TAIL : source.slice(0, end), {
      filename,
      lineOffset: end === -1 ? -1 : 0,
      cachedData,
      importModuleDynamically,
    } as ScriptOptions);
    if (cachedData)
      say(
        script.cachedDataRejected
          ? `${basename(file)} rejected by V8, rewritten at exit`
          : `${basename(file)} used (${cachedData.length} bytes)`,
      );
    loaded.push({ script, file, identity, usages: script.cachedDataRejected ? undefined : cached?.usages });
    const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => void;
    wrapper.call(module.exports, module.exports, requireOf(module, requireBundle), module, filename, dirname(filename));
  };
  extensions['.js'] = hook;
  const cache = (Module as unknown as { _cache: NodeJS.Dict<Module> })._cache;
  /**
   * A bundle's require of another bundle ('./cli-….js', what esbuild writes between them, the
   * shell's './cli-main.js' among them): the file in bundleDir, the folder of the running cli.js as
   * Node resolved it (links followed). Node's resolution of that path (a stat, a
   * realpath, its package scope: about 50 µs, some twenty times a start) would find the same file.
   * The module is cached where and as Node caches it, so any other require of the file gets the
   * same module (issue #14, CLI start). A missing file goes to Node, whose error names it.
   */
  function requireBundle(parent: Module, id: string): unknown {
    const filename = join(options.bundleDir, id.slice(2));
    const cached = cache[filename];
    if (cached) return cached.exports;
    if (!existsSync(filename)) return parent.require(id);
    const child = new Module(filename, parent);
    child.filename = filename;
    child.paths = parent.paths;
    cache[filename] = child;
    let loadedOk = false;
    try {
      hook.call(undefined, child, filename);
      loadedOk = true;
    } finally {
      // As Node does: a module that threw while loading is not kept, so a later require tries again.
      if (!loadedOk) delete cache[filename];
    }
    child.loaded = true;
    return child.exports;
  }

  const flush = (exitCode?: number): void => {
    const usage = `${options.usage.replace(/[^\w -]/g, '').slice(0, 80)}${exitCode === undefined ? '' : ` exit ${exitCode}`}`;
    for (const entry of loaded.splice(0)) {
      if (entry.usages && (entry.usages.includes(usage) || entry.usages.length >= USAGES_MAX)) continue;
      const usages = [...(entry.usages ?? []), usage];
      try {
        const data = entry.script.createCachedData();
        const header = `${MAGIC}${entry.identity}\t${usages.join('\t')}\n`;
        writeAtomically(entry.file, Buffer.concat([Buffer.from(header, 'latin1'), data]));
        say(`wrote ${basename(entry.file)} (${data.length} bytes, for ${usages.join(', ')})`);
      } catch (error) {
        say(`${basename(entry.file)} not written: ${messageOf(error)}`);
      }
    }
  };
  process.on('exit', flush);
  return {
    folder,
    flush,
    uninstall() {
      process.off('exit', flush);
      if (extensions['.js'] === hook) extensions['.js'] = plain;
    },
  };
}

/**
 * How the built CLI starts (src/cli/boot.ts), and the bench's floors the same way: Node's compile
 * cache on, then this code cache, then `first`, a cli-*.js file in `bundleDir`, loaded through it.
 *
 * Node's compile cache (22.1+, a no-op before) is for what Node's loader compiles itself: the
 * bundles when this cache is off (OIDC_FLOW_NO_CODE_CACHE=1, `--enable-source-maps`). Node keeps it
 * in its own folder under the temp dir, checked against each file's contents;
 * NODE_DISABLE_COMPILE_CACHE=1 turns it off.
 */
export function startThroughCodeCache(bundleDir: string, version: string, first: string): void {
  (enableCompileCache as (() => unknown) | undefined)?.();
  installCodeCache({
    bundleDir,
    env: process.env,
    version,
    usage: cacheUsage(process.argv.slice(2)),
    // Only with OIDC_FLOW_DEBUG_CODE_CACHE=1.
    debug: (line) => process.stderr.write(line),
  });
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a bundle beside the running file, found at run time
  require(join(bundleDir, first));
}

/**
 * The `require` Node gives a module it loads itself (makeRequireFunction in Node's
 * lib/internal/modules/helpers.js): the module's own require, resolve and resolve.paths from the
 * module, which Module#load has already given its folder and node_modules paths. createRequire(filename)
 * answered the same but made a second module and worked out those paths again, about 40 µs for each
 * bundle a command loads (issue #14, CLI start).
 */
function requireOf(module: Module, requireBundle: (parent: Module, id: string) => unknown): NodeJS.Require {
  const loader = Module as unknown as {
    _resolveFilename(request: string, parent: Module, isMain: boolean, options?: { paths?: string[] }): string;
    _resolveLookupPaths(request: string, parent: Module): string[] | null;
    _extensions: NodeJS.RequireExtensions;
    _cache: NodeJS.Dict<NodeJS.Module>;
  };
  // How one bundle requires another (the shell cli-main.js too): esbuild writes './' and the file's name.
  const require = ((id: string) =>
    id.startsWith('./') && BUNDLE.test(id.slice(2)) ? requireBundle(module, id) : module.require(id)) as NodeJS.Require;
  const resolve = ((request: string, options?: { paths?: string[] }) =>
    loader._resolveFilename(request, module, false, options)) as NodeJS.RequireResolve;
  resolve.paths = (request: string) => loader._resolveLookupPaths(request, module);
  require.resolve = resolve;
  require.main = process.mainModule;
  require.extensions = loader._extensions;
  require.cache = loader._cache;
  return require;
}

/** A bundle's text and identity, both through one descriptor so they describe the same file. */
function readBundle(filename: string): { source: string; identity: string } {
  const fd = openSync(filename, 'r');
  try {
    const stat = fstatSync(fd, { bigint: true });
    const identity = [stat.dev, stat.ino, stat.size, stat.mtimeNs, stat.ctimeNs].join(' ');
    return { source: readFileSync(fd, 'utf8'), identity };
  } finally {
    closeSync(fd);
  }
}

/** The V8 data of a cache file made from exactly this bundle file, by us, and its usages; undefined otherwise. */
function readCache(
  file: string,
  identity: string,
  uid: number | undefined,
  off: (why: string) => undefined,
): { data: Buffer; usages: string[] } | undefined {
  let fd: number;
  try {
    fd = openSync(file, fsConstants.O_RDONLY | (fsConstants.O_NOFOLLOW ?? 0));
  } catch {
    return undefined; // none yet
  }
  try {
    const why = untrusted(fstatSync(fd), uid, 'file');
    if (why) return off(`${basename(file)} not read: ${why}`);
    const bytes = readFileSync(fd);
    const end = bytes.subarray(0, HEADER_MAX).indexOf(10);
    const header = end === -1 ? '' : bytes.toString('latin1', 0, end);
    if (!header.startsWith(MAGIC)) return off(`${basename(file)} is not a cache file, rewritten at exit`);
    const [made, ...usages] = header.slice(MAGIC.length).split('\t');
    if (made !== identity) return off(`${basename(file)} is for another build of the bundle, rewritten at exit`);
    return { data: bytes.subarray(end + 1), usages };
  } catch (error) {
    return off(`${basename(file)} not read: ${messageOf(error)}`);
  } finally {
    closeSync(fd);
  }
}

function writeAtomically(file: string, bytes: Buffer): void {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    rmSync(temporary, { force: true }); // left by a process of the same id that was killed
    writeFileSync(temporary, bytes, { mode: 0o600, flag: 'wx' });
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/**
 * What a start of the CLI does, for the cache: the command and the names of its options, e.g.
 * `routes --deck`. Never an option's value or an argument: they may be tokens or secrets.
 */
export function cacheUsage(args: readonly string[]): string {
  const command = args[0] && !args[0].startsWith('-') ? args[0] : '';
  const names = args.filter((arg) => /^--?[\w-]+/.test(arg)).map((arg) => /^--?[\w-]+/.exec(arg)![0]);
  return [command, ...[...new Set(names)].sort()].join(' ').trim() || '-';
}

function safeHomedir(): string {
  try {
    return homedir();
  } catch {
    return '';
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
