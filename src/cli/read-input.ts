import { OidcError } from '../core/errors';
import { readTextFile } from '../core/text-file';
import type { CliIo } from './io';
import { styler } from './io';

/** Reads a file named on the command line; when it cannot, says so on stderr (no stack) and gives undefined. */
export async function readInputFile(path: string, command: string, io: CliIo): Promise<string | undefined> {
  try {
    return await readTextFile(path);
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
    return await (options.read ?? readTextFile)(path);
  } catch (error) {
    throw new OidcError(
      'config.file_unreadable',
      `Cannot read ${named}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`,
      { where: options.where, hint: options.hint ?? 'Check the path and its permissions.' },
    );
  }
}
