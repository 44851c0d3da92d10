import { readFileSync, statSync } from 'node:fs';
import { OidcError } from '../core/errors';
import { readTextFile } from '../core/text-file';
import type { CliIo } from './io';
import { styler } from './io';

/**
 * readTextFile for the CLI: a regular file is read synchronously. The asynchronous read starts
 * libuv's thread pool and loads Node's read context, about 1 ms of a 30 ms start (issue #14, CLI
 * start), while a command has nothing else to do meanwhile. Anything else (a FIFO, /dev/stdin, a
 * terminal, a directory) and any failure to stat goes to readTextFile as before: its errors are the
 * same, and Ctrl-C still ends a read that waits for a writer. A regular file's read fails as
 * readTextFile's would (same codes and messages, from the same open).
 */
export async function readCliTextFile(path: string): Promise<string> {
  let regular = false;
  try {
    regular = statSync(path).isFile();
  } catch {
    // readTextFile says why, with the error it always gave.
  }
  return regular ? readFileSync(path, 'utf8') : readTextFile(path);
}

/** Reads a file named on the command line; when it cannot, says so on stderr (no stack) and gives undefined. */
export async function readInputFile(path: string, command: string, io: CliIo): Promise<string | undefined> {
  try {
    return await readCliTextFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    io.stderr.write(
      `${styler(io.stderr, io.env).red(`oidc-flow ${command}`)}: cannot read ${path}${code === 'ENOENT' ? ': no such file' : code ? ` (${code})` : ''}.\n`,
    );
    return undefined;
  }
}

/**
 * Reads a file named on the command line, or fails with a configuration error (exit 2) that
 * names it: `named` is how the message calls it ("the flow file x.yaml", "x.pem (--cert-file)").
 */
export async function readNamedFile(
  path: string,
  named: string,
  options: { where?: string; hint?: string; read?: (path: string) => Promise<string> } = {},
): Promise<string> {
  try {
    return await (options.read ?? readCliTextFile)(path);
  } catch (error) {
    throw new OidcError(
      'config.file_unreadable',
      `Cannot read ${named}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`,
      { where: options.where, hint: options.hint ?? 'Check the path and its permissions.' },
    );
  }
}
