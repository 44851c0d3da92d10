import { parseArgs } from 'node:util';
import { VALIDATE_OPTIONS } from '../command-options';
import { checkFlowFile } from '../../core/flow/load';
import { writeFlowFileCheck } from '../flow-check-report';
import type { CliIo } from '../io';
import { readInputFile } from '../read-input';
import { EXIT, styler, UsageError } from '../io';

export const validateHelp = `Usage: oidc-flow validate <file> [<file>...]

Loads and checks flow files (YAML or JSON) without sending anything: the
syntax, the schema, references between steps, IdPs and routes, templates,
URLs (absolute http(s); a host left empty by an environment is a warning) and
the secret rules (no secret written in the file). Every problem is listed with
its line, as the editor shows them.

Exit codes: 0 every file is valid (warnings are listed), 2 a file has problems
or cannot be read.
`;

/** oidc-flow validate */
export async function validateCommand(args: string[], io: CliIo): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: VALIDATE_OPTIONS });
  if (positionals.length === 0)
    throw new UsageError('Name the flow file to check, e.g. oidc-flow validate orders.oidc-flow.yaml');
  const s = styler(io.stdout, io.env);
  let failed = false;
  for (const path of positionals) {
    const text = await readInputFile(path, 'validate', io);
    if (text === undefined) failed = true;
    else if (writeFlowFileCheck(path, checkFlowFile(text, { fileName: path }), io.stdout, s)) failed = true;
  }
  return failed ? EXIT.usage : EXIT.ok;
}
