// The allow-lists of what each artifact ships (cli.txt for the npm package,
// vsix.txt for the VSIX): one glob per line, `#` starts a comment. A file no
// glob admits is a leak (sources, tests, source maps); a glob no file matches
// is something the artifact lost. Both fail packaging and `npm run release:check`.
import { readFileSync } from 'node:fs';

/** The globs of one allow-list file, comments and blank lines dropped. */
export function readAllowList(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((line) => line !== '');
}

/** `**` spans folders, `*` and `?` stay inside one path segment; everything else is literal. */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      // `**/` also matches no folder at all.
      source += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

export interface AllowListCheck {
  /** Files in the artifact that no glob admits. */
  unexpected: string[];
  /** Globs that match no file of the artifact. */
  missing: string[];
}

/** Compares an artifact's file list (paths with `/`) with an allow-list. */
export function checkAgainstAllowList(files: readonly string[], globs: readonly string[]): AllowListCheck {
  const patterns = globs.map((glob) => ({ glob, re: globToRegExp(glob) }));
  return {
    unexpected: files.filter((file) => !patterns.some(({ re }) => re.test(file))),
    missing: patterns.filter(({ re }) => !files.some((file) => re.test(file))).map(({ glob }) => glob),
  };
}

/** The sentences that say what is wrong, empty when the artifact matches its allow-list. */
export function allowListProblems(artifact: string, listPath: string, check: AllowListCheck): string[] {
  return [
    ...check.unexpected.map(
      (file) => `${artifact} ships ${file}, which ${listPath} does not allow: drop it, or add a glob for it there.`,
    ),
    ...check.missing.map(
      (glob) => `${artifact} has no file matching "${glob}" of ${listPath}: the build lost it, or the line is stale.`,
    ),
  ];
}
