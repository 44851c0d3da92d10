/**
 * The floors of CLI start (issue #14 point 3): programs that do only the library work a command
 * exists for (read and parse its YAML with `yaml`, send its request with undici, check its token
 * with jose) and print one line, built and started the SAME way as the CLI, so that a command's
 * ratio to its floor is what our own code adds, not what any program using those libraries pays:
 * - one esbuild bundle per floor (cli-floor-<kind>.js), minified like the production CLI and
 *   wrapped like its bundles (src/cli/bundle-wrapper.ts), undici trimmed by the same plugin
 *   (scripts/esbuild-undici-trims.mjs);
 * - a cli.js that turns on Node's compile cache and loads the bundle through the CLI's own code
 *   cache (src/cli/code-cache.ts), warmed like the CLI's by an uncounted first start.
 * One bundle each, where the CLI reads several (cli-main.js, the command's bundles, shared ones):
 * the floor is the least the same loading costs, not a copy of our layout.
 */
import * as esbuild from 'esbuild';
import { join } from 'node:path';
import { BUNDLE_CALL, BUNDLE_HEAD, BUNDLE_TAIL } from '../../src/cli/bundle-wrapper';
import { builtLikeCli } from './built-like-cli';
import { REPO } from './report';

const here = join(REPO, 'bench', 'support', 'start-floors');
const from = (file: string) => JSON.stringify(join(here, file));
// Straight to the descriptor, as the CLI writes a pipe (src/cli/std-output.ts): process.stdout would
// load node:net and node:stream, ~3 ms the CLI no longer pays.
const print =
  "import { writeSync as writeOut } from 'node:fs'; const print = (line) => { writeOut(1, `${line}\\n`); process.exit(0); };";
const arg = (n: number) => `process.argv[${n + 2}]`;

/** Each floor's program, given the arguments after its kind; what it prints is checked by the bench. */
export const FLOOR_KINDS = {
  /** Nothing but the start: cli.js, the code cache, one bundle, one line. */
  empty: `${print} print('floor');`,
  /** Read a YAML file and parseDocument + toJS it. */
  yaml: `import { parseFile } from ${from('yaml.ts')}; ${print} print(Object.keys(parseFile(${arg(1)})).length);`,
  /** One GET with undici. */
  get: `import { get } from ${from('http.ts')}; ${print} get(${arg(1)}).then((r) => print(r.status));`,
  /** Both: a YAML file, then one GET. */
  'yaml-get': `import { parseFile } from ${from('yaml.ts')}; import { get } from ${from('http.ts')}; ${print} parseFile(${arg(1)}); get(${arg(2)}).then((r) => print(r.status));`,
  /** Fetch a JWKS with undici and compactVerify a JWT against it with jose. */
  verify: `import { verifyAgainst } from ${from('jose.ts')}; ${print} verifyAgainst(${arg(1)}, ${arg(2)}).then(print);`,
  /** Read a JSON input and render a flow file (JSON) as YAML. */
  render: `import { renderFile } from ${from('yaml.ts')}; ${print} print(renderFile(${arg(1)}, ${arg(2)}));`,
} as const;

export type FloorKind = keyof typeof FLOOR_KINDS;

/** Builds the floors into `outdir`; returns the path of their cli.js (`node cli.js <kind> ...`). */
export async function buildStartFloors(outdir: string): Promise<string> {
  const options = builtLikeCli();
  await Promise.all([
    esbuild.build({ ...options, entryPoints: [join(here, 'main.ts')], outfile: join(outdir, 'cli.js') }),
    ...Object.entries(FLOOR_KINDS).map(([kind, contents]) =>
      esbuild.build({
        ...options,
        stdin: { contents, resolveDir: here, sourcefile: `cli-floor-${kind}-entry.js`, loader: 'js' },
        outfile: join(outdir, `cli-floor-${kind}.js`),
        // Wrapped as the CLI's bundles are, so the code cache loads them the same way.
        banner: { js: BUNDLE_HEAD },
        footer: { js: `${BUNDLE_TAIL}${BUNDLE_CALL}` },
      }),
    ),
  ]);
  return join(outdir, 'cli.js');
}
