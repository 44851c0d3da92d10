import { asOidcError, isConfigurationCode, isOidcError } from '../../src/core/errors';
import type { CliIo } from '../../src/cli/io';
import { EXIT, UsageError } from '../../src/cli/io';

/**
 * Runs one command function the way runCli does (usage errors exit 2, core
 * errors print their code and exit 1), for commands not yet listed in cli.ts.
 */
export async function invoke(
  command: (args: string[], io: CliIo) => Promise<number>,
  args: string[],
  io: CliIo,
): Promise<number> {
  try {
    return await command(args, io);
  } catch (error) {
    if (
      error instanceof UsageError ||
      (error instanceof TypeError && (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'))
    ) {
      io.stderr.write(`usage: ${error.message}\n`);
      return EXIT.usage;
    }
    const e = asOidcError(error);
    io.stderr.write(`${e.toUserMessage()}${isOidcError(error) ? ` [${e.code}]` : ''}\n`);
    return isOidcError(error) && isConfigurationCode(e.code) ? EXIT.usage : EXIT.failed;
  }
}
