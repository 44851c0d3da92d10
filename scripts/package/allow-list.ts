/**
 * The allow-lists under scripts/package-contents/: one glob per line, `#`
 * starts a comment, blank lines are skipped. A glob is matched against a
 * whole path inside the package; `**` matches any run of characters, `/`
 * included, `*` any run without `/`; every other character, `[` and `?`
 * included, is itself (so `[Content_Types].xml` needs no escaping).
 * `npm run package` and `npm run release:check` read the same files.
 */
import { readFileSync } from 'node:fs';

/** The globs of an allow-list file's text. */
export function parseAllowList(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter((line) => line.length > 0);
}

/** Reads an allow-list file. */
export function readAllowList(file: string): string[] {
  return parseAllowList(readFileSync(file, 'utf8'));
}

/** The glob as an anchored regular expression. */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      // `dir/**` also matches the folder's files at any depth; `**/x` matches x at the top too.
      if (glob[i + 2] === '/') {
        source += '(?:.*/)?';
        i += 2;
      } else {
        source += '.*';
        i += 1;
      }
    } else if (c === '*') source += '[^/]*';
    else source += c.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** The paths no glob of the list allows. */
export function outsideAllowList(paths: readonly string[], globs: readonly string[]): string[] {
  const patterns = globs.map(globToRegExp);
  return paths.filter((path) => !patterns.some((pattern) => pattern.test(path)));
}

/** The globs that match no path (a stale line hides nothing, but says the list drifted). */
export function unusedGlobs(paths: readonly string[], globs: readonly string[]): string[] {
  return globs.filter((glob) => {
    const pattern = globToRegExp(glob);
    return !paths.some((path) => pattern.test(path));
  });
}

/** The sentences that say what is wrong with an artifact's files against its list, empty when they match. */
export function allowListProblems(
  artifact: string,
  listPath: string,
  paths: readonly string[],
  globs: readonly string[],
): string[] {
  return [
    ...outsideAllowList(paths, globs).map(
      (file) => `${artifact} ships ${file}, which ${listPath} does not allow: drop it, or add a glob for it there.`,
    ),
    ...unusedGlobs(paths, globs).map(
      (glob) => `${artifact} has no file matching "${glob}" of ${listPath}: the build lost it, or the line is stale.`,
    ),
  ];
}
