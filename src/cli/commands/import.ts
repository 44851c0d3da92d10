import { writeFileAtomic } from '../../core/atomic-write';
import { fsPromises } from '../../core/text-file';
import { basename, dirname, extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { IMPORT_OPTIONS } from '../command-options';
import { writeFlowFileCheck } from '../flow-check-report';
import { importAny, SUPPORTED_FORMATS } from '../../core/importers';
import type { ImportResult } from '../../core/importers';
import type { CliIo } from '../io';
import { readInputFile } from '../read-input';
import { EXIT, styler, UsageError } from '../io';

export const importHelp = `Usage: oidc-flow import <file> [--environment <env.json>]... [-o <out.yaml> | -o -] [--force]

Turns an Insomnia or Postman export into a flow file: requests become steps,
OAuth 2.0 settings become IdPs and token steps, response chaining becomes
{{steps.<id>...}} references. Secrets found in the export are never copied:
they become \${env:NAME} references, and the command lists the variables to set.
Scripts and template tags a flow cannot run are listed as not carried over.
It ends by checking the written file as "oidc-flow validate" does (exit 2 if
the check finds a problem; the file is written all the same, to be fixed).

Reads: ${SUPPORTED_FORMATS}.

Options:
  -e, --environment FILE
                     a Postman environment export to import with a Postman
                     collection (repeat it for several); its values are laid
                     over the collection's variables, as Postman does
  -o, --output FILE  where to write the flow file (default: next to the export,
                     as <name>.oidc-flow.yaml, the name the editor picks up); "-" writes it to standard output
  --force            overwrite FILE if it exists (otherwise it is left alone)
`;

/** Why a flow file could not be written, in words, for the common error codes. */
const WRITE_FAILURES: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOENT: 'its folder does not exist',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'it is a folder',
  ENOSPC: 'the disk is full',
};

function defaultOutput(input: string): string {
  const name = basename(input, extname(input)).replace(/\.(insomnia|postman_collection|collection)$/i, '');
  // *.oidc-flow.yaml: the extension finds, validates and lists files with this name.
  return join(dirname(input), `${name}.oidc-flow.yaml`);
}

function report(result: ImportResult, out: { write(text: string): unknown; isTTY?: boolean }, io: CliIo): void {
  const s = styler(out, io.env);
  if (result.secrets.length > 0) {
    out.write(
      `\n${s.bold('Set these environment variables before running')} (the flow reads these and no others; secrets from the export were not copied):\n`,
    );
    const width = Math.max(...result.secrets.map((x) => x.name.length));
    for (const secret of result.secrets) out.write(`  ${s.cyan(secret.name.padEnd(width))}  ${secret.where}\n`);
  }
  if (result.notCarried.length > 0) {
    out.write(`\n${s.yellow(`Not carried over (${result.notCarried.length})`)}:\n`);
    for (const n of result.notCarried) out.write(`  - ${n.item}: ${n.reason}\n`);
  }
}

function summary(result: ImportResult): string {
  const flows = Object.entries(result.file.flows ?? {});
  const steps = flows.reduce((sum, [, flow]) => sum + flow.steps.length, 0);
  const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return `${count(steps, 'step')} in flow ${flows.map(([name]) => name).join(', ')}, ${count(Object.keys(result.file.idps ?? {}).length, 'IdP')}, ${count(Object.keys(result.file.routes ?? {}).length, 'route')}, ${count(Object.keys(result.file.environments ?? {}).length, 'environment')}`;
}

/** oidc-flow import */
export async function importCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: IMPORT_OPTIONS,
  });
  const input = positionals[0];
  if (input === undefined)
    throw new UsageError('Give the export file to import, e.g. oidc-flow import orders.insomnia.json');
  if (positionals.length > 1) throw new UsageError(`One export at a time; also got: ${positionals.slice(1).join(' ')}`);
  const err = styler(io.stderr, io.env);

  const texts: string[] = [];
  for (const file of [input, ...(values.environment ?? [])]) {
    const text = await readInputFile(file, 'import', io);
    if (text === undefined) return EXIT.usage;
    texts.push(text);
  }

  // An export that cannot be read is the user's input: the CLI reports its import.* code and exits 2.
  const result: ImportResult = importAny(texts[0]!, {
    fileName: basename(input),
    environments: (values.environment ?? []).map((file, i) => ({ text: texts[i + 1]!, fileName: basename(file) })),
  });

  const target = values.output ?? defaultOutput(input);
  const toStdout = target === '-';
  if (toStdout) {
    io.stdout.write(result.yaml);
  } else {
    try {
      // 'wx' fails when the file exists: a file the user already has is never replaced by accident.
      await writeFileAtomic(target, result.yaml, { mode: 0o644, overwrite: values.force === true });
    } catch (error) {
      let code = (error as NodeJS.ErrnoException).code;
      // 'wx' on a folder says EEXIST; --force would not help there.
      if (
        code === 'EEXIST' &&
        (
          await fsPromises()
            .stat(target)
            .catch(() => undefined)
        )?.isDirectory()
      )
        code = 'EISDIR';
      if (code === 'EEXIST') {
        io.stderr.write(
          `${err.red('oidc-flow import')}: ${target} already exists; nothing was written. Use --force to overwrite it, or -o to choose another file.\n`,
        );
      } else {
        const why = code ? WRITE_FAILURES[code] : undefined;
        io.stderr.write(
          `${err.red('oidc-flow import')}: cannot write ${target}${why ? `: ${why}` : ''}${code ? ` (${code})` : ''}; nothing was written. Choose a writable path with -o, or -o - for standard output.\n`,
        );
      }
      return EXIT.usage;
    }
  }
  const out = toStdout ? io.stderr : io.stdout;
  const s = styler(out, io.env);
  out.write(`${s.green(toStdout ? 'Imported' : `Wrote ${target}`)}: ${summary(result)}.\n`);
  report(result, out, io);
  out.write('\n');
  // The import ends as "oidc-flow validate" would: what was written is checked by the same checker.
  // Checked only now, after the flow file and the summary are out: it parses the YAML again,
  // and nothing before this line depends on it (issue #14, CLI start). The checker (the flow loader
  // and the flow-file validator) loads here too, so the first lines do not wait for it.
  const { checkFlowFile } = await import('../../core/flow/load');
  const check = checkFlowFile(result.yaml, { fileName: toStdout ? 'imported.yaml' : target });
  return writeFlowFileCheck(toStdout ? 'the imported flow' : target, check, out, s) ? EXIT.usage : EXIT.ok;
}
