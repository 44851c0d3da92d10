import { readFile } from 'node:fs';
import type * as FsPromises from 'node:fs/promises';

/**
 * `fs.promises.readFile(path, 'utf8')` through node:fs's callback API: node:fs is loaded at every
 * Node start, node:fs/promises is not, and loading it cost each command that reads a file
 * (validate, run, import, routes, lint) about a quarter of `node -e 0` in instructions (issue #14,
 * CLI start). The same errors (code ENOENT, EACCES, EISDIR... with the same messages).
 */
export function readTextFile(path: string): Promise<string> {
  return new Promise((resolve, reject) =>
    readFile(path, 'utf8', (error, text) => (error ? reject(error) : resolve(text))),
  );
}

/** node:fs/promises, loaded at the first call: for code that writes or seeks, which no quick command runs. */
export function fsPromises(): typeof FsPromises {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('node:fs/promises') as typeof FsPromises;
}
