/**
 * `npm run package` after the production build: packages the VSIX with vsce
 * and its marketplace readme, then checks the very file a user installs.
 * Fails (exit 1) when vsce prints a warning, when the VSIX holds a path
 * outside scripts/package-contents/vsix.txt, or when the Marketplace or
 * Open VSX would refuse it (scripts/package/marketplace-checks.ts); prints
 * the VSIX's size and every file in it with its size.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { outsideAllowList, readAllowList, unusedGlobs } from './package/allow-list';
import { marketplaceIssues, vsixManifestTags } from './package/marketplace-checks';
import type { PackagedManifest } from './package/marketplace-checks';
import { readVsix } from './package/vsix-archive';

const REPO = join(__dirname, '..');
/** The readme the VSIX's details page shows; the repository's README.md is for people who build. */
export const PACKAGE_README = 'docs/marketplace/README.md';
export const VSIX_ALLOW_LIST = join(REPO, 'scripts', 'package-contents', 'vsix.txt');

/**
 * The base URLs vsce prefixes to the readme's relative links, so that they
 * stay relative to the readme's own folder (as on GitHub) and point into the
 * repository: the marketplaces show only https images.
 */
export function readmeBaseUrls(repository: string, readme: string): { content: string; images: string } {
  const repo = repository.replace(/^git\+/, '').replace(/\.git$/, '');
  const folder = readme.split('/').slice(0, -1).join('/');
  return { content: `${repo}/blob/HEAD/${folder}`, images: `${repo}/raw/HEAD/${folder}` };
}

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

/** Where to package and where to say what happened; tests point it at a small extension of their own. */
export interface PackageOptions {
  /** The extension's folder (package.json, .vscodeignore, the package readme). */
  root: string;
  allowList: string;
  out(text: string): void;
  err(text: string): void;
}

/** Packages and checks the VSIX; the exit code: 0 when it may ship, 1 when not. */
export async function packageVsix(options: PackageOptions): Promise<number> {
  const { root, out, err } = options;
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackagedManifest;
  const vsixName = `${manifest.name}-${manifest.version}.vsix`;
  const repository = typeof manifest.repository === 'string' ? manifest.repository : manifest.repository?.url;
  if (!repository) {
    err(
      "package.json has no repository.url: the details page links to it and the readme's pictures are served from it",
    );
    return 1;
  }
  const base = readmeBaseUrls(repository, PACKAGE_README);
  const vsce = spawnSync(
    join(REPO, 'node_modules', '.bin', 'vsce'),
    [
      'package',
      '--no-dependencies',
      '--readme-path',
      PACKAGE_README,
      '--baseContentUrl',
      base.content,
      '--baseImagesUrl',
      base.images,
      '--out',
      vsixName,
    ],
    // stdin closed: a vsce question ("Do you want to continue?") is answered no, never waited on.
    { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const said = `${vsce.stdout ?? ''}${vsce.stderr ?? ''}`;
  if (vsce.status !== 0) {
    out(said);
    err(`vsce package failed (exit ${vsce.status ?? vsce.signal}): see its output above`);
    return 1;
  }
  // vsce goes on after most warnings; a package that vsce warns about is not the one we ship.
  if (/\bWARNING\b/i.test(said)) {
    out(said);
    err('vsce printed a warning: fix what it names (the package must build without warnings)');
    return 1;
  }
  // Its file tree shows no sizes for the files it rewrote (readme, changelog); the listing below is the archive's own.
  out(
    said
      .split('\n')
      .find((line) => /Packaged:/.test(line))
      ?.trim() ?? `vsce packaged ${vsixName}`,
  );

  const vsix = readVsix(join(root, vsixName));
  const paths = vsix.entries.map((entry) => entry.path);
  out(`\n${vsixName}: ${kib(vsix.bytes)} (${vsix.bytes} bytes), ${vsix.entries.length} files`);
  const width = Math.max(...paths.map((path) => path.length));
  for (const entry of [...vsix.entries].sort((a, b) => a.path.localeCompare(b.path)))
    out(`  ${entry.path.padEnd(width)}  ${kib(entry.size).padStart(10)}`);

  let failed = false;
  const globs = readAllowList(options.allowList);
  const outside = outsideAllowList(paths, globs);
  if (outside.length > 0) {
    err(
      `\nThe VSIX holds files outside scripts/package-contents/vsix.txt:\n  ${outside.join('\n  ')}\n` +
        'Exclude them in .vscodeignore, or add them to the allow-list if users need them.',
    );
    failed = true;
  }
  const unused = unusedGlobs(paths, globs);
  if (unused.length > 0) out(`\nNote: these lines of vsix.txt match nothing in the VSIX: ${unused.join(', ')}`);

  const packaged = JSON.parse(vsix.read('extension/package.json')?.toString('utf8') ?? '{}') as PackagedManifest;
  const tags = vsixManifestTags(vsix.read('extension.vsixmanifest')?.toString('utf8') ?? '');
  const issues = marketplaceIssues(packaged, tags, paths);
  // ovsx's own checks on the packaged manifest, the ones it makes before it contacts the registry.
  // Imported here: the unit tests import this file's helpers and need none of ovsx.
  const { isLicenseOk, validateManifest } = await import('ovsx');
  const { readVSIXPackage } = await import('ovsx/lib/zip');
  try {
    // ovsx reads the manifest out of the VSIX with its own zip reader, as `ovsx publish <file>` does.
    const seenByOvsx = await readVSIXPackage(join(root, vsixName));
    validateManifest(seenByOvsx);
    if (!(await isLicenseOk(root, seenByOvsx))) issues.push({ registry: 'Open VSX', message: 'ovsx finds no license' });
  } catch (error) {
    issues.push({ registry: 'Open VSX', message: `ovsx refuses the manifest: ${(error as Error).message}` });
  }
  if (issues.length > 0) {
    err(`\nThe registries would refuse or flag this package:`);
    for (const issue of issues) err(`  ${issue.registry}: ${issue.message}`);
    failed = true;
  } else {
    out(`\nMarketplace and Open VSX offline checks passed (${tags.length} of 30 tags; license ${packaged.license}).`);
  }
  return failed ? 1 : 0;
}

if (require.main === module) {
  packageVsix({
    root: REPO,
    allowList: VSIX_ALLOW_LIST,
    out: (text) => console.log(text),
    err: (text) => console.error(text),
  }).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`npm run package: ${(error as Error).message}`);
      process.exit(1);
    },
  );
}
