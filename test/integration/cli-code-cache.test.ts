/**
 * What this file proves: the built CLI (dist/cli.js) prints exactly the same bytes and exits with
 * the same code whether its start-up code cache (src/cli/code-cache.ts) is off, being written (the
 * first start) or read (the next ones), on Node 20 and Node 24; a cache file V8 rejects is
 * rewritten; a changed bundle never runs a cache made for the old one; and a home where nothing can
 * be written changes nothing. Each run gets a cache folder of its own (XDG_CACHE_HOME).
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const DIST = join(ROOT, 'dist');
const NODES = [
  { label: 'Node 20 (the system node)', binary: '/usr/bin/node', install: 'apt-get install nodejs (Node 20)' },
  { label: 'Node 24 (node_modules/.bin/node)', binary: join(ROOT, 'node_modules', '.bin', 'node'), install: 'npm ci' },
];

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const JWT = [
  b64({ alg: 'RS256', kid: 'k1' }),
  b64({ iss: 'https://idp.example', sub: 'app', exp: 4102444800 }),
  'c2ln',
].join('.');
const fixture = (...path: string[]) => join(ROOT, ...path);
/** Commands that need no network, with their failures too (an error path runs other code). */
const COMMANDS: string[][] = [
  ['--version'],
  ['help', 'run'],
  ['decode', JWT],
  ['decode', 'not-a-token'],
  ['validate', fixture('examples', 'introspection-scenario.yaml')],
  ['validate', fixture('test', 'fixtures', 'gateway', 'bearer-scopes.yaml')],
  ['routes', '--deck', fixture('test', 'fixtures', 'gateway', 'bearer-scopes.yaml')],
  ['import', fixture('test', 'fixtures', 'importers', 'postman-v21-okta-kong.json'), '-o', '-'],
];

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('the CLI start-up code cache, end to end', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    if (!existsSync(join(DIST, 'cli.js'))) throw new Error(`${DIST}/cli.js is missing: run \`npm run build\` first`);
  });
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'oidc-flow-code-cache-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  for (const node of NODES) {
    describe(node.label, () => {
      before(() => {
        if (!existsSync(node.binary)) throw new Error(`${node.binary} is missing: ${node.install}.`);
      });
      const run = (args: string[], env: Record<string, string>, cli = join(DIST, 'cli.js')): Ran => {
        const out = spawnSync(node.binary, [cli, ...args], {
          cwd: ROOT,
          encoding: 'utf8',
          env: { PATH: process.env.PATH ?? '', HOME: join(dir, 'home'), NO_COLOR: '1', ...env },
        });
        return { code: out.status, stdout: out.stdout, stderr: out.stderr };
      };
      const cacheAt = () => ({ XDG_CACHE_HOME: join(dir, 'cache') });

      it('prints the same bytes with the same exit code: no cache, first start, next start', () => {
        for (const args of COMMANDS) {
          const plain = run(args, { OIDC_FLOW_NO_CODE_CACHE: '1', ...cacheAt() });
          assert.ok(plain.stdout || plain.stderr, `${args[0]} printed something`);
          assert.deepEqual(run(args, cacheAt()), plain, `${args.join(' ')}: first start (writes the cache)`);
          assert.deepEqual(run(args, cacheAt()), plain, `${args.join(' ')}: next start (reads it)`);
        }
        const parent = join(dir, 'cache', 'oidc-flow-debugger', 'v8-cache');
        const [folder, ...others] = readdirSync(parent);
        assert.deepEqual(others, []);
        assert.equal(statSync(join(parent, folder!)).mode & 0o777, 0o700);
        assert.ok(readdirSync(join(parent, folder!)).includes('cli-decode.js.v8'));
        assert.ok(!existsSync(join(dir, 'home')), 'nothing else written');
      });

      it('rewrites a cache file V8 rejects, and prints the same', () => {
        const debug = { ...cacheAt(), OIDC_FLOW_DEBUG_CODE_CACHE: '1' };
        const first = run(['decode', JWT], debug);
        assert.match(first.stderr, /wrote cli-decode\.js\.v8 \(\d+ bytes, for decode exit 0\)/);
        const [folder] = readdirSync(join(dir, 'cache', 'oidc-flow-debugger', 'v8-cache'));
        const file = join(dir, 'cache', 'oidc-flow-debugger', 'v8-cache', folder!, 'cli-decode.js.v8');
        const bytes = readFileSync(file);
        bytes.fill(0x55, bytes.indexOf(10) + 1);
        writeFileSync(file, bytes);
        const again = run(['decode', JWT], debug);
        assert.match(again.stderr, /cli-decode\.js\.v8 rejected by V8, rewritten at exit/);
        assert.match(again.stderr, /wrote cli-decode\.js\.v8/);
        assert.equal(again.stdout, first.stdout);
        const third = run(['decode', JWT], debug);
        assert.match(third.stderr, /cli-decode\.js\.v8 used \(\d+ bytes\)/);
        assert.doesNotMatch(third.stderr, /wrote/);
      });

      it('never runs the cache of a bundle that changed since', () => {
        const copy = join(dir, 'dist');
        mkdirSync(copy);
        for (const file of readdirSync(DIST))
          if (/^cli.*\.js$/.test(file)) copyFileSync(join(DIST, file), join(copy, file));
        const debug = { ...cacheAt(), OIDC_FLOW_DEBUG_CODE_CACHE: '1' };
        const before = run(['decode', JWT], debug, join(copy, 'cli.js'));
        assert.match(before.stderr, /wrote cli-decode\.js\.v8/);
        appendFileSync(join(copy, 'cli-decode.js'), '\n// rebuilt\n');
        const after = run(['decode', JWT], debug, join(copy, 'cli.js'));
        assert.match(after.stderr, /cli-decode\.js\.v8 is for another build of the bundle/);
        assert.equal(after.stdout, before.stdout);
      });

      it('works the same when no cache folder can be made (a file where the home should be)', () => {
        writeFileSync(join(dir, 'not-a-folder'), '');
        const unusable = { XDG_CACHE_HOME: join(dir, 'not-a-folder'), HOME: join(dir, 'not-a-folder') };
        for (const args of [
          ['decode', JWT],
          ['validate', fixture('examples', 'introspection-scenario.yaml')],
        ])
          assert.deepEqual(run(args, unusable), run(args, { OIDC_FLOW_NO_CODE_CACHE: '1', ...unusable }));
      });
    });
  }
});
