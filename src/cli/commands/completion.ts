import { open } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { FlowFile } from '../../core/flow/file-format';
import { COMMAND_OPTIONS, COMPLETION_OPTIONS } from '../command-options';
import type { CliIo } from '../io';
import { EXIT, UsageError } from '../io';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

export const completionHelp = `Usage: oidc-flow completion bash|zsh|fish

Prints a completion script for the shell: commands, their options, and the
names in the flow file given on the line (--flow, --env, --idp, capture's --route).

Enable it:
  bash   add to ~/.bashrc:   source <(oidc-flow completion bash)
  zsh    add to ~/.zshrc (after compinit):   source <(oidc-flow completion zsh)
  fish   oidc-flow completion fish > ~/.config/fish/completions/oidc-flow.fish

The script reads names with "oidc-flow __complete KIND FILE", which only loads
the file (nothing is run or sent); names with characters a shell would
interpret (spaces, quotes, $, *, ...) are left out.
`;

/** A command as the completion script sees it: the help's summary and the parser's options. */
export interface CompletedCommand {
  name: string;
  summary: string;
}

/** Which names an option's value is completed from, read from the flow file on the line. */
const NAME_OPTIONS: Record<string, NameKind> = { flow: 'flows', env: 'environments', idp: 'idps' };
/** Options whose value names something else elsewhere, e.g. lint's --route names a gateway route. */
const NAME_OPTIONS_BY_COMMAND: Record<string, Record<string, NameKind>> = { capture: { route: 'routes' } };
/** Commands whose first positional is the flow file (the others take it from --file). */
const FILE_POSITIONAL = ['run'];

const NAME_KINDS = ['flows', 'steps', 'environments', 'idps', 'routes'] as const;
type NameKind = (typeof NAME_KINDS)[number];

/** What a shell may receive as a completion word without quoting: no spaces, quotes, $, globs, ; or |. */
const SHELL_SAFE = /^[A-Za-z0-9_][A-Za-z0-9_.:@%+,=-]*$/;

/** oidc-flow completion bash|zsh|fish */
export async function completionCommand(args: string[], io: CliIo, commands: CompletedCommand[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: COMPLETION_OPTIONS });
  const shell = positionals[0];
  if (shell === undefined) throw new UsageError(`Name the shell: oidc-flow completion ${SHELLS.join('|')}.`);
  if (positionals.length > 1) throw new UsageError(`One shell at a time; also got ${positionals.slice(1).join(' ')}.`);
  if (!(SHELLS as readonly string[]).includes(shell))
    throw new UsageError(`No completion for the shell "${shell}": use ${SHELLS.join(', ')}.`);
  io.stdout.write(completionScript(shell as Shell, commands));
  return EXIT.ok;
}

/**
 * oidc-flow __complete KIND FILE [PREFIX]: the names the scripts offer, one a line. Never a
 * message: a completion must not write into the line being edited, so an unreadable, huge or
 * invalid file gives no names and exit 0.
 */
export async function completeNamesCommand(args: string[], io: CliIo): Promise<number> {
  const [kind, path, prefix = ''] = args;
  if (!kind || !(NAME_KINDS as readonly string[]).includes(kind) || !path) return EXIT.usage;
  // Loaded here, not at the top: the loader brings yaml and the schema, which printing a script does not need.
  const { checkFlowFile, MAX_FLOW_FILE_CHARS } = await import('../../core/flow/load');
  const text = await readBounded(path, MAX_FLOW_FILE_CHARS * 4);
  if (text === undefined) return EXIT.ok;
  const { file } = checkFlowFile(text, { fileName: path });
  if (!file) return EXIT.ok;
  const names = flowFileNames(file, kind as NameKind).filter(
    (name) => SHELL_SAFE.test(name) && name.startsWith(prefix),
  );
  if (names.length > 0) io.stdout.write(`${[...new Set(names)].join('\n')}\n`);
  return EXIT.ok;
}

export function flowFileNames(file: FlowFile, kind: NameKind): string[] {
  switch (kind) {
    case 'flows':
      return Object.keys(file.flows ?? {});
    case 'steps':
      return Object.values(file.flows ?? {}).flatMap((flow) => flow.steps.map((step) => step.id));
    case 'environments':
      return Object.keys(file.environments ?? {});
    case 'idps':
      return Object.keys(file.idps ?? {});
    case 'routes':
      return Object.keys(file.routes ?? {});
  }
}

/** The file's text when it is a regular file the loader would accept at all; undefined otherwise. */
async function readBounded(path: string, maxBytes: number): Promise<string | undefined> {
  // A FIFO or /dev/zero would never end, and a huge file is no flow file: both are refused before reading.
  let handle;
  try {
    handle = await open(path, 'r');
    const stat = await handle.stat();
    if (!stat.isFile() || stat.size > maxBytes) return undefined;
    return await handle.readFile('utf8');
  } catch {
    return undefined;
  } finally {
    await handle?.close();
  }
}

interface CommandShape {
  name: string;
  summary: string;
  /** --name for every option. */
  options: string[];
  /** The options that take a value (the next word is theirs), long and short. */
  valued: string[];
  /** Option → the kind of names its value is completed from. */
  names: Array<[string, NameKind]>;
  fileIsPositional: boolean;
  /** -o for --output, when the option has a short form. */
  shorts: Array<[string, string]>;
}

function shapes(commands: CompletedCommand[]): CommandShape[] {
  return commands.map(({ name, summary }) => {
    const table = COMMAND_OPTIONS[name] ?? {};
    const entries = Object.entries(table);
    // Option names come from our own tables; checked all the same, since they are written into a script.
    for (const [option] of entries)
      if (!/^[a-z][a-z0-9-]*$/.test(option)) throw new Error(`Option --${option} of ${name} cannot go into a script.`);
    const byCommand = NAME_OPTIONS_BY_COMMAND[name] ?? {};
    return {
      name,
      summary,
      options: entries.map(([option]) => `--${option}`),
      valued: entries
        .filter(([, spec]) => spec.type === 'string')
        .flatMap(([option, spec]) => [`--${option}`, ...(spec.short ? [`-${spec.short}`] : [])]),
      names: entries
        .map(([option]) => [option, byCommand[option] ?? NAME_OPTIONS[option]] as const)
        .filter((pair): pair is readonly [string, NameKind] => pair[1] !== undefined)
        .map(([option, kind]) => [`--${option}`, kind]),
      fileIsPositional: FILE_POSITIONAL.includes(name),
      shorts: entries.flatMap(([option, spec]) => (spec.short ? [[`-${spec.short}`, `--${option}`]] : [])) as Array<
        [string, string]
      >,
    };
  });
}

/** The completion script for `shell`, made from the command table and each command's parseArgs options. */
export function completionScript(shell: Shell, commands: CompletedCommand[]): string {
  const all = shapes(commands);
  switch (shell) {
    case 'bash':
      return bashScript(all);
    case 'zsh':
      return zshScript(all);
    case 'fish':
      return fishScript(all);
  }
}

function bashScript(all: CommandShape[]): string {
  const names = all.map((c) => c.name).join(' ');
  const cases = all
    .map((c) => {
      const kinds = c.names.map(([option, kind]) => `${option}) kind=${kind} ;;`).join(' ');
      return `    ${c.name})
      opts='${[...c.options, ...c.shorts.map(([short]) => short)].join(' ')}'
      valued=' ${c.valued.join(' ')} '
      posfile=${c.fileIsPositional ? 1 : 0}
      case $prev in ${kinds} esac ;;`;
    })
    .join('\n');
  return `# oidc-flow completion for bash: source <(oidc-flow completion bash)
# Names from flow files come from "oidc-flow __complete", one a line, read with mapfile
# (never through compgen -W, which would expand them).
_oidc_flow() {
  local cur prev cmd opts valued posfile kind file w i
  cur=\${COMP_WORDS[COMP_CWORD]}
  prev=\${COMP_WORDS[COMP_CWORD-1]}
  COMPREPLY=()
  if (( COMP_CWORD == 1 )); then
    mapfile -t COMPREPLY < <(compgen -W '${names} help' -- "$cur")
    return 0
  fi
  cmd=\${COMP_WORDS[1]}
  kind=
  case $cmd in
${cases}
    help)
      (( COMP_CWORD == 2 )) && mapfile -t COMPREPLY < <(compgen -W '${names}' -- "$cur")
      return 0 ;;
    *) return 0 ;;
  esac
  if [[ $cmd == completion ]]; then
    mapfile -t COMPREPLY < <(compgen -W '${SHELLS.join(' ')}' -- "$cur")
    return 0
  fi
  if [[ -n $kind ]]; then
    file=
    for (( i = 2; i < COMP_CWORD; i++ )); do
      w=\${COMP_WORDS[i]}
      case $w in
        --file=*) file=\${w#--file=} ;;
        --file) (( i++ )); file=\${COMP_WORDS[i]} ;;
        --*=*) ;;
        -*) [[ $valued == *" $w "* ]] && (( i++ )) ;;
        *) [[ $posfile == 1 && -z $file ]] && file=$w ;;
      esac
    done
    [[ $file == "~/"* ]] && file=$HOME/\${file#"~/"}
    [[ -n $file ]] && mapfile -t COMPREPLY < <(oidc-flow __complete "$kind" "$file" "$cur" 2>/dev/null)
    return 0
  fi
  # The value of another option, or a positional: the shell's own file completion (-o default).
  [[ $valued == *" $prev "* ]] && return 0
  [[ $cur == -* ]] && mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
  return 0
}
complete -o default -F _oidc_flow oidc-flow
`;
}

function zshScript(all: CommandShape[]): string {
  const described = all.map((c) => `'${c.name}:${zshQuote(c.summary)}'`).join(' ');
  const cases = all
    .map((c) => {
      const kinds = c.names.map(([option, kind]) => `${option}) kind=${kind} ;;`).join(' ');
      return `    ${c.name})
      opts=(${[...c.options, ...c.shorts.map(([short]) => short)].join(' ')})
      valued=(${c.valued.join(' ')})
      posfile=${c.fileIsPositional ? 1 : 0}
      case $prev in ${kinds} esac ;;`;
    })
    .join('\n');
  return `#compdef oidc-flow
# oidc-flow completion for zsh: source <(oidc-flow completion zsh), after compinit.
_oidc_flow() {
  local cur=\${words[CURRENT]} prev=\${words[CURRENT-1]} cmd=\${words[2]} kind= file= w posfile=0
  local -a opts valued names commands
  local -i i
  commands=(${described} 'help:Show the help of a command')
  if (( CURRENT == 2 )); then
    _describe 'command' commands
    return
  fi
  case $cmd in
${cases}
    help) (( CURRENT == 3 )) && _describe 'command' commands; return ;;
    *) return 1 ;;
  esac
  if [[ $cmd == completion ]]; then
    compadd -- ${SHELLS.join(' ')}
    return
  fi
  if [[ -n $kind ]]; then
    for (( i = 3; i < CURRENT; i++ )); do
      w=\${words[i]}
      case $w in
        --file=*) file=\${w#--file=} ;;
        --file) (( i++ )); file=\${words[i]} ;;
        --*=*) ;;
        -*) (( \${valued[(Ie)$w]} )) && (( i++ )) ;;
        *) [[ $posfile == 1 && -z $file ]] && file=$w ;;
      esac
    done
    file=\${file/#\~/$HOME}
    [[ -n $file ]] || return 1
    # One name a line, kept as words (never evaluated); compadd quotes what it inserts.
    names=(\${(f)"$(oidc-flow __complete $kind $file 2>/dev/null)"})
    compadd -- $names
    return
  fi
  if (( \${valued[(Ie)$prev]} )); then
    _files
    return
  fi
  if [[ $cur == -* ]]; then
    compadd -- $opts
    return
  fi
  _files
}
if (( $+functions[compdef] )); then
  compdef _oidc_flow oidc-flow
else
  print -u2 'oidc-flow completion: run "autoload -Uz compinit && compinit" before sourcing this script.'
fi
`;
}

function zshQuote(text: string): string {
  // Inside single quotes in an array for _describe: a quote is closed, escaped and reopened; a colon separates.
  return text.replace(/'/g, `'\\''`).replace(/:/g, '\\:');
}

function fishQuote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function fishScript(all: CommandShape[]): string {
  const lines: string[] = [
    '# oidc-flow completion for fish: oidc-flow completion fish > ~/.config/fish/completions/oidc-flow.fish',
    'complete -c oidc-flow -f',
    ...all.map((c) => `complete -c oidc-flow -n __fish_use_subcommand -a ${c.name} -d ${fishQuote(c.summary)}`),
    "complete -c oidc-flow -n __fish_use_subcommand -a help -d 'Show the help of a command'",
    `complete -c oidc-flow -n '__fish_seen_subcommand_from help' -a '${all.map((c) => c.name).join(' ')}'`,
    `complete -c oidc-flow -n '__fish_seen_subcommand_from completion' -a '${SHELLS.join(' ')}'`,
  ];
  for (const c of all) {
    const when = `-n '__fish_seen_subcommand_from ${c.name}'`;
    const kinds = new Map(c.names);
    for (const option of c.options) {
      const short = c.shorts.find(([, long]) => long === option)?.[0];
      const flag = `-l ${option.slice(2)}${short ? ` -s ${short.slice(1)}` : ''}`;
      const kind = kinds.get(option);
      if (kind) lines.push(`complete -c oidc-flow ${when} ${flag} -x -a '(__oidc_flow_names ${kind})'`);
      else if (c.valued.includes(option)) lines.push(`complete -c oidc-flow ${when} ${flag} -r -F`);
      else lines.push(`complete -c oidc-flow ${when} ${flag}`);
    }
    if (c.fileIsPositional) lines.push(`complete -c oidc-flow ${when} -F`);
  }
  const valuedCases = all.map((c) => `        case ${c.name}\n            set valued ${c.valued.join(' ')}`).join('\n');
  const posfile = FILE_POSITIONAL.join(' ');
  return `${lines.join('\n')}

# The names in the flow file on the line (--file F, or run's first argument), one a line.
function __oidc_flow_names
    set -l tokens (commandline -opc)
    set -l cmd $tokens[2]
    set -l valued
    switch $cmd
${valuedCases}
    end
    set -l file
    set -l i 3
    while test $i -le (count $tokens)
        set -l w $tokens[$i]
        switch $w
            case '--file=*'
                set file (string replace -- '--file=' '' $w)
            case --file
                set i (math $i + 1)
                set file $tokens[$i]
            case '--*=*'
            case '-*'
                contains -- $w $valued; and set i (math $i + 1)
            case '*'
                if test -z "$file"; and contains -- $cmd ${posfile}
                    set file $w
                end
        end
        set i (math $i + 1)
    end
    test -n "$file"; or return
    oidc-flow __complete $argv[1] $file 2>/dev/null
end
`;
}
