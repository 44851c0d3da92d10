/**
 * Issue #14 point 3, CLI start: for every command that needs no network (or
 * only a loopback server this benchmark starts), the time from spawning
 * `node <build>/cli.js <command>` to its first byte on standard output, against
 * the whole of `node -e 0` on the same Node. Rounds are interleaved and
 * medians printed; the goal is each ≤1.5×.
 *
 * Two builds: the production build (minified, what the VSIX and the npm
 * package ship; made here with `esbuild.config.mjs --production --outdir=` in
 * a temporary folder, so dist/ keeps the development build) and dist/ as it is.
 * The goal applies to the production build.
 *
 *   node --import tsx bench/cli-start.ts          (START_REPS=15; BENCH_QUICK=1: 3)
 *
 * Each process's CPU time (user + system, to its exit; bench/support/report-cpu.cjs)
 * is printed too, against node -e 0's: on a loaded machine wall times move
 * with the other jobs, CPU times much less.
 *
 * START_COMPARE=<path of another build's cli.js> times that build in the same
 * rounds (a column "compare"), for before/after figures under the same load.
 *
 * The CLI's start-up code cache (src/cli/code-cache.ts) is warmed on purpose:
 * the children keep it in a folder of this run (XDG_CACHE_HOME), the first,
 * uncounted round writes it, and the counted rounds read it, as every start
 * after a user's first does. The column "production cold" is the same build
 * with OIDC_FLOW_NO_CODE_CACHE=1: every start of a user who turned it off.
 *
 * Reference programs, timed in the same rounds, print-free of any of our code:
 * the least a Node process can do to make the one loopback call that `run`
 * and `verify` make, once with node:http and once with undici (which the
 * product uses for HTTP). They show how much of those commands' ratio any
 * program that sends a request pays, whoever wrote it.
 *
 * Floors (bench/support/start-floors.ts): for each command, a program doing only the library work
 * it exists for (yaml for a flow file or deck, undici for its request, jose for a token, yaml's
 * renderer for import), bundled, minified and loaded through the same code cache as the CLI and
 * warmed the same way. Each command's time is printed against its floor too: what is above it is
 * ours; what the floor itself is above node -e 0 is what the libraries cost any program.
 *
 * Not here: `sandbox` and `demo` (they start an IdP and a gateway first) and
 * the commands that need a real IdP or gateway (token, introspect, revoke,
 * explain), whose time is the network's.
 */
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { startEchoUpstream } from '../src/core/sandbox/echo-upstream';
import { CLI, emitRow, median, medianRange, ms, QUICK, REPO, requireBuiltCli, timeNode } from './support/report';
import { buildStartFloors, type FloorKind } from './support/start-floors';

const REPS = Number(process.env.START_REPS ?? (QUICK ? 3 : 15));

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** A well-formed JWT (decode does not verify; the signature is any bytes). */
const JWT = [
  b64({ alg: 'RS256', kid: 'k1', typ: 'JWT' }),
  b64({ iss: 'https://idp.example.com/oauth2/default', sub: 'app', aud: 'api://default', exp: 4102444800, iat: 1 }),
  Buffer.alloc(256, 7).toString('base64url'),
].join('.');

async function main(): Promise<void> {
  requireBuiltCli();
  const upstream = await startEchoUpstream();
  // verify needs a JWKS: an empty one answers at once (the token is then refused, which is output too).
  // The same server is the IdP of the deck that `lint --deck` checks: any path ending in
  // /.well-known/openid-configuration answers a discovery document for the issuer before it. The
  // fixture names example.okta.com, whose DNS failure (no network here) or answer would be
  // timed instead of our start.
  const jwks = createServer((req, res) => {
    const discovery = /^(.*)\/\.well-known\/openid-configuration$/.exec(req.url ?? '');
    res.writeHead(200, { 'content-type': 'application/json' });
    if (!discovery) return res.end('{"keys":[]}');
    const issuer = `${idp}${discovery[1]}`;
    res.end(
      JSON.stringify({
        issuer,
        authorization_endpoint: `${issuer}/v1/authorize`,
        token_endpoint: `${issuer}/v1/token`,
        introspection_endpoint: `${issuer}/v1/introspect`,
        revocation_endpoint: `${issuer}/v1/revoke`,
        jwks_uri: `${idp}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
      }),
    );
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  const idp = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}`;
  const jwksUri = `${idp}/jwks`;
  const dir = mkdtempSync(join(tmpdir(), 'bench-start-'));
  const flow = join(dir, 'call.oidc-flow.yaml');
  writeFileSync(
    flow,
    `version: 1
routes:
  echo: { baseUrl: "${upstream.url}" }
flows:
  f:
    steps:
      - { id: call, type: call, route: echo, path: /ping, token: false, assert: [{ status: 200 }] }
`,
  );
  const fixture = (...path: string[]) => join(REPO, ...path);
  const example = fixture('examples', 'introspection-scenario.yaml');
  const postman = fixture('test', 'fixtures', 'importers', 'postman-v21-okta-kong.json');
  const deck = join(dir, 'bearer-scopes.yaml');
  writeFileSync(
    deck,
    readFileSync(fixture('test', 'fixtures', 'gateway', 'bearer-scopes.yaml'), 'utf8').replace(
      /https:\/\/(example\.okta\.com|partner\.example\.com)/g,
      (_all, host: string) => `${idp}/${host}`,
    ),
  );
  const commands: Record<string, string[]> = {
    '--version': ['--version'],
    help: ['help'],
    'decode <jwt>': ['decode', JWT],
    'verify <jwt> --jwks-uri (loopback)': ['verify', JWT, '--jwks-uri', jwksUri],
    'validate <flow file>': ['validate', example],
    'run <flow> (loopback call)': ['run', flow],
    'routes --deck': ['routes', '--deck', deck],
    'lint --deck (loopback IdP)': ['lint', '--deck', deck],
    'routes --apache-conf': ['routes', '--apache-conf', fixture('test', 'fixtures', 'apache', 'oidc-gateway.conf')],
    'import <postman> -o -': ['import', postman, '-o', '-'],
  };
  // The reference programs: one GET of the echo upstream, its status printed.
  const ping = `${upstream.url}/ping`;
  const references: Record<string, string> = {
    'reference: one GET with node:http': `require('node:http').get(${JSON.stringify(ping)}, (r) => { r.resume(); r.on('end', () => console.log(r.statusCode)); })`,
    'reference: one GET with undici': `require(${JSON.stringify(join(REPO, 'node_modules', 'undici'))}).request(${JSON.stringify(ping)}).then(async (r) => { await r.body.text(); console.log(r.statusCode); })`,
  };
  // The floors: the library work of each command, as a program built and loaded like the CLI.
  // import's floor renders the flow file import itself prints (as JSON, made below).
  const imported = join(dir, 'imported.json');
  const floors: Record<string, { kind: FloorKind; args: string[]; prints: RegExp }> = {
    'start only (cli.js, code cache, 1 bundle)': { kind: 'empty', args: [], prints: /^floor$/ },
    'yaml: the example flow file': { kind: 'yaml', args: [example], prints: /^\d+$/ },
    'yaml: the deck': { kind: 'yaml', args: [deck], prints: /^\d+$/ },
    'yaml: the flow file run runs': { kind: 'yaml', args: [flow], prints: /^\d+$/ },
    'undici: one GET': { kind: 'get', args: [ping], prints: /^200$/ },
    'yaml + GET: the flow file, its call': { kind: 'yaml-get', args: [flow, ping], prints: /^200$/ },
    'yaml + GET: the deck, a discovery': {
      kind: 'yaml-get',
      args: [deck, `${idp}/example.okta.com/oauth2/default/.well-known/openid-configuration`],
      prints: /^200$/,
    },
    'GET JWKS + jose compactVerify': { kind: 'verify', args: [JWT, jwksUri], prints: /^no key k1/ },
    'JSON in, yaml render of the flow': { kind: 'render', args: [postman, imported], prints: /^version: 1$/m },
  };
  /**
   * Each command's floor: the least any program doing the library work of its first output pays.
   * `run` and `lint --deck` print their first line (the flow and its steps; the deck's routes)
   * before their first request, so theirs is the yaml of their file; `verify` prints the header's
   * checks before it fetches the JWKS, so its floor is the start alone. The whole of those three
   * commands, to their exit, is printed against the floor of their whole work (toExitFloor).
   */
  const floorOf: Record<string, string> = {
    '--version': 'start only (cli.js, code cache, 1 bundle)',
    help: 'start only (cli.js, code cache, 1 bundle)',
    'decode <jwt>': 'start only (cli.js, code cache, 1 bundle)',
    'verify <jwt> --jwks-uri (loopback)': 'start only (cli.js, code cache, 1 bundle)',
    'validate <flow file>': 'yaml: the example flow file',
    'run <flow> (loopback call)': 'yaml: the flow file run runs',
    'routes --deck': 'yaml: the deck',
    'lint --deck (loopback IdP)': 'yaml: the deck',
    'routes --apache-conf': 'start only (cli.js, code cache, 1 bundle)',
    'import <postman> -o -': 'JSON in, yaml render of the flow',
  };
  /** The commands whose first output leaves before their request, and the floor of all they do. */
  const toExitFloor: Record<string, string> = {
    'verify <jwt> --jwks-uri (loopback)': 'GET JWKS + jose compactVerify',
    'run <flow> (loopback call)': 'yaml + GET: the flow file, its call',
    'lint --deck (loopback IdP)': 'yaml + GET: the deck, a discovery',
  };
  const referenceWall = new Map<string, number[]>(
    [...Object.keys(references), ...Object.keys(floors)].map((name) => [name, []]),
  );
  const referenceCpu = new Map<string, number[]>([...referenceWall.keys()].map((name) => [name, []]));
  try {
    // The shipped build, made from the same sources as dist/.
    const production = join(dir, 'dist-production');
    execFileSync(process.execPath, ['esbuild.config.mjs', '--production', `--outdir=${production}`], {
      cwd: REPO,
      stdio: 'inherit',
    });
    const builds: Record<string, string> = {
      production: join(production, 'cli.js'),
      'production cold': join(production, 'cli.js'),
      development: CLI,
    };
    if (process.env.START_COMPARE) builds.compare = process.env.START_COMPARE;
    const floorCli = await buildStartFloors(join(dir, 'floors'));
    writeFileSync(
      imported,
      JSON.stringify(
        parseYaml(
          execFileSync(process.execPath, [builds.production!, 'import', postman, '-o', '-'], {
            encoding: 'utf8',
            stdio: ['ignore', 'pipe', 'pipe'],
          }),
        ),
      ),
    );
    const cache = { ...process.env, XDG_CACHE_HOME: join(dir, 'cache') };
    const envOf = (build: string) => (build === 'production cold' ? { ...cache, OIDC_FLOW_NO_CODE_CACHE: '1' } : cache);
    const baseline: number[] = [];
    const baselineCpu: number[] = [];
    const first = new Map<string, number[]>(
      Object.keys(builds).flatMap((build) => Object.keys(commands).map((name) => [`${build} ${name}`, []])),
    );
    const cpu = new Map<string, number[]>([...first.keys()].map((key) => [key, []]));
    const toExit = new Map<string, number[]>([...first.keys()].map((key) => [key, []]));
    const cpuOf = (stderr: string) => Number(/cpu-us (\d+)/.exec(stderr)?.[1] ?? NaN) / 1000;
    const withCpu = ['--require', join(REPO, 'bench', 'support', 'report-cpu.cjs')];
    // One round to warm the disk cache, Node's compile cache and the CLI's code cache, not counted.
    for (let rep = -1; rep < REPS; rep += 1) {
      const node = await timeNode([...withCpu, '-e', '0'], { rss: false });
      if (rep >= 0) baseline.push(node.wallMs);
      if (rep >= 0) baselineCpu.push(cpuOf(node.stderr));
      for (const [name, program] of Object.entries(references)) {
        const t = await timeNode([...withCpu, '-e', program], { rss: false });
        if (t.stdout.trim() !== '200')
          throw new Error(`${name} printed ${JSON.stringify(t.stdout)}: ${t.stderr.slice(-500)}`);
        if (rep < 0) continue;
        referenceWall.get(name)!.push(t.firstOutputMs);
        referenceCpu.get(name)!.push(cpuOf(t.stderr));
      }
      for (const [name, { kind, args, prints }] of Object.entries(floors)) {
        const t = await timeNode([...withCpu, floorCli, kind, ...args], { rss: false, env: cache });
        if (!prints.test(t.stdout.trim()))
          throw new Error(`floor ${name} printed ${JSON.stringify(t.stdout.slice(0, 200))}: ${t.stderr.slice(-500)}`);
        if (rep < 0) continue;
        referenceWall.get(name)!.push(t.firstOutputMs);
        referenceCpu.get(name)!.push(cpuOf(t.stderr));
      }
      for (const [build, cli] of Object.entries(builds))
        for (const [name, args] of Object.entries(commands)) {
          const t = await timeNode([...withCpu, cli, ...args], { rss: false, env: envOf(build) });
          if (!t.stdout)
            throw new Error(
              `oidc-flow ${name} (${build} build) printed nothing on stdout (exit ${t.code}): ${t.stderr.slice(-500)}`,
            );
          if (rep < 0) continue;
          first.get(`${build} ${name}`)!.push(t.firstOutputMs);
          toExit.get(`${build} ${name}`)!.push(t.wallMs);
          cpu.get(`${build} ${name}`)!.push(cpuOf(t.stderr));
        }
    }
    const base = median(baseline);
    const baseCpu = median(baselineCpu);
    process.stdout.write(
      `CLI start: spawn to first byte on stdout (wall), and CPU time to exit, medians of ${REPS}, vs node -e 0 (${ms(base)} wall, ${ms(baseCpu)} CPU), Node ${process.version}\n`,
    );
    process.stdout.write(
      `  The CLI's code cache was written in an uncounted first round and read in the counted ones; "production cold" runs without it (OIDC_FLOW_NO_CODE_CACHE=1).\n`,
    );
    process.stdout.write(
      `  ${'command'.padEnd(36)} ${Object.keys(builds)
        .map((b) => `${b} wall`.padStart(17) + `${b} CPU`.padStart(17))
        .join(' ')}\n`,
    );
    for (const name of Object.keys(commands)) {
      const cells = Object.keys(builds).map((build) => {
        const value = median(first.get(`${build} ${name}`)!);
        const cpuMs = median(cpu.get(`${build} ${name}`)!);
        emitRow({
          bench: 'cli-start',
          case: `oidc-flow ${name} (${build} build)`,
          figure: `${ms(value)} (CPU ${ms(cpuMs)}, ${(cpuMs / baseCpu).toFixed(2)}×)`,
          baseline: `${ms(base)} (node -e 0)`,
          ratio: value / base,
          goal: build === 'production' ? '≤1.5×' : undefined,
        });
        return `${ms(value).padStart(9)} ${(value / base).toFixed(2).padStart(5)}×${ms(cpuMs).padStart(9)} ${(cpuMs / baseCpu).toFixed(2).padStart(5)}×`;
      });
      process.stdout.write(`  ${name.padEnd(36)} ${cells.join(' ')}\n`);
    }
    for (const name of referenceWall.keys()) {
      const value = median(referenceWall.get(name)!);
      const cpuMs = median(referenceCpu.get(name)!);
      emitRow({
        bench: 'cli-start',
        case: name in floors ? `floor: ${name}` : name,
        figure: `${ms(value)} (CPU ${ms(cpuMs)}, ${(cpuMs / baseCpu).toFixed(2)}×)`,
        baseline: `${ms(base)} (node -e 0)`,
        ratio: value / base,
      });
      process.stdout.write(
        `  ${(name in floors ? `floor: ${name}` : name).padEnd(52)} ${ms(value).padStart(9)} ${(value / base).toFixed(2).padStart(5)}×${ms(cpuMs).padStart(9)} ${(cpuMs / baseCpu).toFixed(2).padStart(5)}×\n`,
      );
    }
    // Each round timed node -e 0 and then every command: a command's ratio to the node -e 0 of its own
    // round, and the 95% interval of their median (bench/support/report.ts), say how far a reading
    // of 1.49× or 1.52× can be told from the goal on a machine whose starts move by a few ms.
    process.stdout.write(
      `\n  Each round's ratio to that round's node -e 0 (production build, warm cache): median and its 95% interval\n`,
    );
    for (const name of Object.keys(commands)) {
      const rounds = first.get(`production ${name}`)!.map((wall, round) => wall / baseline[round]!);
      const ratio = median(rounds);
      const range = medianRange(rounds);
      const intervalText = range ?? `too few rounds (${rounds.length}) for a 95% interval`;
      process.stdout.write(`  ${name.padEnd(36)} ${ratio.toFixed(2).padStart(5)}×  ${intervalText}\n`);
      emitRow({
        bench: 'cli-start',
        case: `oidc-flow ${name} (production build), each round against its node -e 0`,
        figure: range ? `95% interval ${range}` : intervalText,
        baseline: 'node -e 0 of the same round',
        ratio,
      });
    }
    // Each command against its floor, in wall time and CPU: what is above 1.00× is ours.
    // The floors are loaded through a warm code cache: against the builds that are too.
    const against = Object.keys(builds).filter((build) => build === 'production' || build === 'compare');
    process.stdout.write(
      `\n  Each command against its floor (medians of the same rounds; above 1.00× is the CLI's own cost):\n  ${'command'.padEnd(36)} ${'floor'.padEnd(42)} ${'floor ×node'.padStart(11)} ${against.map((b) => `${b} wall`.padStart(17) + `${b} CPU`.padStart(17)).join(' ')}\n`,
    );
    for (const [name, floor] of Object.entries(floorOf)) {
      const floorWall = median(referenceWall.get(floor)!);
      const floorCpu = median(referenceCpu.get(floor)!);
      const cells = against.map((build) => {
        const wall = median(first.get(`${build} ${name}`)!) / floorWall;
        const cpuRatio = median(cpu.get(`${build} ${name}`)!) / floorCpu;
        return `${wall.toFixed(2).padStart(16)}×${cpuRatio.toFixed(2).padStart(16)}×`;
      });
      emitRow({
        bench: 'cli-start',
        case: `oidc-flow ${name} (production build) against its floor`,
        figure: ms(median(first.get(`production ${name}`)!)),
        baseline: `${ms(floorWall)} (floor: ${floor})`,
        ratio: median(first.get(`production ${name}`)!) / floorWall,
      });
      process.stdout.write(
        `  ${name.padEnd(36)} ${floor.padEnd(42)} ${(floorWall / base).toFixed(2).padStart(10)}× ${cells.join(' ')}\n`,
      );
    }
    // The whole command, to its exit, for those that print before their request: the floor's
    // program prints once, at its end, and exits then, so its first byte stands for its whole.
    process.stdout.write(
      `\n  To exit, the commands that print before their request (medians of the same rounds), against node -e 0 and the floor of their whole work:\n  ${'command'.padEnd(36)} ${'floor'.padEnd(42)} ${'floor ×node'.padStart(11)} ${against.map((b) => `${b} exit`.padStart(17) + `×floor`.padStart(8)).join(' ')}\n`,
    );
    for (const [name, floor] of Object.entries(toExitFloor)) {
      const floorWall = median(referenceWall.get(floor)!);
      const cells = against.map((build) => {
        const exit = median(toExit.get(`${build} ${name}`)!);
        return `${ms(exit).padStart(9)} ${(exit / base).toFixed(2).padStart(5)}×${(exit / floorWall).toFixed(2).padStart(7)}×`;
      });
      const exit = median(toExit.get(`production ${name}`)!);
      emitRow({
        bench: 'cli-start',
        case: `oidc-flow ${name} (production build) to its exit`,
        figure: `${ms(exit)} (${(exit / floorWall).toFixed(2)}× its floor, ${floor})`,
        baseline: `${ms(base)} (node -e 0)`,
        ratio: exit / base,
      });
      process.stdout.write(
        `  ${name.padEnd(36)} ${floor.padEnd(42)} ${(floorWall / base).toFixed(2).padStart(10)}× ${cells.join(' ')}\n`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    jwks.close();
    await upstream.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench/cli-start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
