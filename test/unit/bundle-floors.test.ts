/**
 * The floors of bench/cli-start.ts (issue #14 point 3): programs doing only a command's library
 * work, against which each command's start is read. A floor is only fair if it is built and loaded
 * the way the CLI is; this checks that, never a time: each floor prints what its work gives, its
 * bundle goes through the CLI's code cache (src/cli/code-cache.ts) once warm, and undici comes
 * with the same trims (no node:assert, no node:http2), as test/unit/bundle.test.ts holds for `verify`.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildStartFloors, FLOOR_KINDS, type FloorKind } from '../../bench/support/start-floors';

const repo = join(__dirname, '..', '..');
const JWT = [
  Buffer.from('{"alg":"RS256","kid":"k1","typ":"JWT"}').toString('base64url'),
  Buffer.from('{"sub":"app"}').toString('base64url'),
  Buffer.alloc(256, 7).toString('base64url'),
].join('.');

describe('the CLI start floors (bench/support/start-floors.ts)', function () {
  this.timeout(60_000);
  let dir: string;
  let cli: string;
  let server: Server;
  let origin: string;

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), 'start-floors-'));
    cli = await buildStartFloors(join(dir, 'floors'));
    server = createServer((_req, res) => res.end('{"keys":[]}'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(function () {
    server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Runs a floor; asynchronously, as the loopback server it calls answers in this process. */
  function runFloor(
    kind: FloorKind,
    args: string[],
    extra: string[] = [],
    env: NodeJS.ProcessEnv = {},
  ): Promise<{ stdout: string; stderr: string; status: number | null }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [...extra, cli, kind, ...args], {
        env: { ...process.env, XDG_CACHE_HOME: join(dir, 'cache'), ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      child.on('error', reject);
      child.on('close', (status) => resolve({ stdout: stdout.trim(), stderr, status }));
    });
  }

  it('has a program for each kind, and each prints what its library work gives', async function () {
    const flow = join(dir, 'flow.yaml');
    writeFileSync(flow, 'version: 1\nflows:\n  f:\n    steps: []\n');
    const imported = join(dir, 'imported.json');
    writeFileSync(imported, JSON.stringify({ version: 1, flows: { f: { steps: [] } } }));
    const postman = join(repo, 'test', 'fixtures', 'importers', 'postman-v21-okta-kong.json');
    const cases: Record<FloorKind, { args: string[]; prints: RegExp }> = {
      empty: { args: [], prints: /^floor$/ },
      yaml: { args: [join(repo, 'examples', 'introspection-scenario.yaml')], prints: /^\d+$/ },
      get: { args: [`${origin}/ping`], prints: /^200$/ },
      'yaml-get': { args: [flow, `${origin}/ping`], prints: /^200$/ },
      verify: { args: [JWT, `${origin}/jwks`], prints: /^no key k1 in the JWKS$/ },
      render: { args: [postman, imported], prints: /^version: 1$/m },
    };
    assert.deepEqual(Object.keys(cases).sort(), Object.keys(FLOOR_KINDS).sort());
    for (const [kind, { args, prints }] of Object.entries(cases) as Array<[FloorKind, (typeof cases)[FloorKind]]>) {
      const out = await runFloor(kind, args);
      assert.match(out.stdout, prints, `floor ${kind}: ${out.stderr}`);
      assert.equal(out.status, 0, `floor ${kind}: ${out.stderr}`);
    }
  });

  it('loads its bundle through the CLI code cache once warm', async function () {
    const args = [join(repo, 'examples', 'introspection-scenario.yaml')];
    await runFloor('yaml', args);
    const warm = await runFloor('yaml', args, [], { OIDC_FLOW_DEBUG_CODE_CACHE: '1' });
    assert.match(warm.stderr, /code cache: cli-floor-yaml\.js\.v8 used \(\d+ bytes\)/, warm.stderr);
  });

  it("sends its GET without Node's assert or http2 modules, as the CLI's undici does", async function () {
    const preload = join(dir, 'builtins.cjs');
    writeFileSync(
      preload,
      "process.on('exit', () => process.stderr.write('\\nbuiltins ' + process.moduleLoadList.join('|') + '\\n'));\n",
    );
    const out = await runFloor('get', [`${origin}/ping`], ['--require', preload]);
    assert.equal(out.stdout, '200', out.stderr);
    const builtins = (/^builtins (.*)$/m.exec(out.stderr)?.[1] ?? '').split('|');
    assert.ok(builtins.includes('NativeModule net'), 'no list of built-in modules');
    for (const name of ['assert', 'http2'])
      assert.ok(!builtins.includes(`NativeModule ${name}`), `loaded node:${name}`);
  });
});
