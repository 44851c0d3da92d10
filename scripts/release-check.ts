// npm run release:check: can this commit be released? One version for the
// extension and the CLI, set in package.json and nowhere else (the docs that
// quote it must agree), a changelog entry for it, and both artifacts built
// with exactly the files their allow-lists admit:
//   - the VSIX (npm run package) against scripts/package-contents/vsix.txt;
//   - the CLI package (npm run pack:cli) against scripts/package-contents/cli.txt.
// Exit 0 when all holds, 1 with one line per problem, each saying what to do.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { allowListProblems, readAllowList } from './package/allow-list';
import { readVsix } from './package/vsix-archive';

const root = join(__dirname, '..');
const VSIX_ALLOW_LIST = 'scripts/package-contents/vsix.txt';
const problems: string[] = [];
const notes: string[] = [];

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; version: string };

/** Runs an npm script or node; its output is shown only when it fails, so the check's own lines stand out. */
function step(title: string, command: string, args: string[]): { ok: boolean; stdout: string } {
  process.stdout.write(`${title}...\n`);
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const ok = result.status === 0;
  if (!ok) {
    process.stdout.write(result.stdout + result.stderr);
    problems.push(
      `${title} failed (${command} ${args.join(' ')}, exit ${result.status ?? result.signal}); its output is above.`,
    );
  }
  return { ok, stdout: result.stdout };
}

/** Problems with the version itself and with the docs that quote it (files: path to text). */
export function versionProblems(version: string, files: ReadonlyMap<string, string>): string[] {
  const found: string[] = [];
  if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version))
    found.push(`package.json's version "${version}" is not a semantic version (MAJOR.MINOR.PATCH).`);
  for (const [file, text] of files)
    for (const match of text.matchAll(VERSION_QUOTES[file] ?? /$^/g))
      if (match[1] !== version)
        found.push(`${file} quotes version ${match[1]} ("${match[0]}"), package.json says ${version}: update ${file}.`);
  return found;
}

/** Where the docs quote the version: the VSIX file name, the pinned CLI in the CI recipes. */
export const VERSION_QUOTES: Record<string, RegExp> = {
  'README.md': /oidc-flow-debugger-(\d+\.\d+\.\d+[^\s/]*?)\.vsix/g,
  'docs/ci.md': /oidc-flow@(\d+\.\d+\.\d+[^\s`]*)/g,
};

/** The changelog's entry: "## <version>", with at least one "- " item under it. */
export function changelogProblems(changelog: string, version: string): { problems: string[]; notes: string[] } {
  const heading = new RegExp(`^## ${version.replace(/\./g, '\\.')}(?: .*)?$`, 'm').exec(changelog);
  if (!heading)
    return {
      problems: [`CHANGELOG.md has no "## ${version}" entry: add one that says what this version changes.`],
      notes: [],
    };
  const body = changelog.slice(heading.index + heading[0].length).split(/^## /m)[0]!;
  return {
    problems: /^- \S/m.test(body) ? [] : [`CHANGELOG.md's "## ${version}" entry lists no change ("- ..." lines).`],
    notes: /unreleased/i.test(heading[0])
      ? [`CHANGELOG.md marks ${version} "unreleased": date the heading in the release commit.`]
      : [],
  };
}

function main(): void {
  const version = pkg.version;
  const docs = new Map(Object.keys(VERSION_QUOTES).map((file) => [file, readFileSync(join(root, file), 'utf8')]));
  problems.push(...versionProblems(version, docs));
  const changelog = changelogProblems(readFileSync(join(root, 'CHANGELOG.md'), 'utf8'), version);
  problems.push(...changelog.problems);
  notes.push(...changelog.notes);

  // 3. The VSIX: built, its files allowed, its manifest of the one version.
  const vsixName = `${pkg.name}-${version}.vsix`;
  if (step(`Building the VSIX (npm run package)`, 'npm', ['run', 'package']).ok) {
    const vsixPath = join(root, vsixName);
    if (!existsSync(vsixPath)) problems.push(`npm run package wrote no ${vsixName}.`);
    else {
      const vsix = readVsix(vsixPath);
      const paths = vsix.entries.map((entry) => entry.path).sort();
      problems.push(...allowListProblems(vsixName, VSIX_ALLOW_LIST, paths, readAllowList(join(root, VSIX_ALLOW_LIST))));
      const manifest = vsix.read('extension/package.json');
      const shipped = manifest ? (JSON.parse(manifest.toString('utf8')) as { version?: string }).version : undefined;
      if (shipped !== version)
        problems.push(`${vsixName}'s extension/package.json says version ${shipped}, not ${version}.`);
      // What the extension logs at activation ("OIDC Flow Debugger <version>"), inlined at build time.
      const shell = vsix.read('extension/dist/extension.js');
      if (!shell?.toString('utf8').includes(JSON.stringify(version)))
        problems.push(`${vsixName}'s dist/extension.js does not carry version ${version}: rebuild (npm run package).`);
      notes.push(`${vsixName}: ${(vsix.bytes / 1024).toFixed(0)} KB, ${vsix.entries.length} files.`);
    }
  }

  // 4. The CLI package: pack:cli checks its allow-list itself; the packed CLI must print the one version.
  const packed = step('Building the CLI package (npm run pack:cli)', 'npm', [
    'run',
    '--silent',
    'pack:cli',
    '--',
    '--json',
  ]);
  if (packed.ok) {
    const cli = JSON.parse(packed.stdout.trim().split('\n').pop()!) as {
      tarball: string;
      size: number;
      files: string[];
    };
    const printed = spawnSync(process.execPath, [join(root, 'build', 'cli-package', 'dist', 'cli.js'), '--version'], {
      encoding: 'utf8',
    });
    if (printed.stdout.trim() !== version)
      problems.push(`The packed CLI prints version "${printed.stdout.trim()}" (oidc-flow --version), not ${version}.`);
    notes.push(`${relative(root, cli.tarball)}: ${(cli.size / 1024).toFixed(0)} KB, ${cli.files.length} files.`);
  }

  // npm run package leaves a production build in dist/; the tests and the debugger want the development one back.
  step('Restoring the development build in dist/ (npm run build)', 'npm', ['run', 'build']);

  for (const note of notes) process.stdout.write(`  ${note}\n`);
  if (problems.length > 0) {
    process.stderr.write(
      `\nrelease:check: ${version} cannot be released:\n${problems.map((p) => `  - ${p}\n`).join('')}`,
    );
    process.exit(1);
  }
  process.stdout.write(
    `\nrelease:check: ${version} is ready: one version, a changelog entry, both artifacts as allowed.\n`,
  );
}

if (require.main === module) main();
