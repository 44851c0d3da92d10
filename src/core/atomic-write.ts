/**
 * Writing a file so that nobody ever sees half of it, and nothing the user
 * saved is lost: the text goes to a temporary file beside the target (with
 * its final mode from the start), then takes the target's place in one step.
 */
import { basename, dirname, join } from 'node:path';
import { nodeCrypto } from './node-crypto';
import { fsPromises } from './text-file';

export interface AtomicWriteOptions {
  /** The file's permissions (0o600 for anything holding secrets). */
  mode: number;
  /** Replace an existing file (default); false fails with EEXIST and leaves it untouched. */
  overwrite?: boolean;
}

/** Writes `data` to `path` atomically; says whether an existing file was replaced. */
export async function writeFileAtomic(
  path: string,
  data: string,
  options: AtomicWriteOptions,
): Promise<{ replaced: boolean }> {
  // node:crypto and node:fs/promises load here, at the first write, not with the module: `import -o -`
  // and a `run` without --report write nothing, and loading them cost about half of `node -e 0` (issue #14).
  const { randomBytes } = nodeCrypto();
  const { link, open, rename, stat, unlink } = fsPromises();
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temporary, 'wx', options.mode);
  try {
    try {
      await handle.writeFile(data, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (options.overwrite === false) {
      // link fails with EEXIST when the target appeared meanwhile: never a silent overwrite.
      await link(temporary, path);
      return { replaced: false };
    }
    const replaced = await stat(path).then(
      () => true,
      () => false,
    );
    await rename(temporary, path);
    return { replaced };
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
}
