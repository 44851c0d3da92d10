import { readFile } from 'node:fs/promises';
import type { CliIo } from './io';
import { styler } from './io';

/** Reads a file named on the command line; when it cannot, says so on stderr (no stack) and gives undefined. */
export async function readInputFile(path: string, command: string, io: CliIo): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    io.stderr.write(
      `${styler(io.stderr, io.env).red(`oidc-flow ${command}`)}: cannot read ${path}${code === 'ENOENT' ? ': no such file' : code ? ` (${code})` : ''}.\n`,
    );
    return undefined;
  }
}
