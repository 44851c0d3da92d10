import { asOidcError, isConfigurationCode, isOidcError } from '../core/errors';
import { FlowFileError, formatFlowFileIssues } from '../core/flow/issues';
import { VERSION } from '../core/version';
import type { CliIo } from './io';
import { EXIT, styler, terminalSafeIo, UsageError } from './io';
import { fitHelp } from './help-wrap';

export type { CliIo } from './io';

interface CommandModule {
  help: string;
  run(args: string[], io: CliIo): Promise<number>;
}

interface Command {
  summary: string;
  /** Left out of the help and of the completion: a command for our own scripts. */
  hidden?: boolean;
  /** Loaded on demand, so "oidc-flow decode" does not pay for the sandbox, the importers or the lint. */
  load(): Promise<CommandModule>;
}

/** completion and __complete share one bundle: one import, so the build counts one command bundle. */
const loadCompletion = () => import('./commands/completion');

const COMMANDS: Record<string, Command> = {
  run: {
    summary: 'Run a flow from a flow file and explain every rejection',
    load: async () => {
      const m = await import('./commands/run');
      return { help: m.runHelp, run: m.runCommand };
    },
  },
  demo: {
    summary: 'Play the introspection scenario against the local sandbox',
    load: async () => {
      const m = await import('./commands/demo');
      return { help: m.demoHelp, run: m.demoCommand };
    },
  },
  sandbox: {
    summary: 'Start the local sandbox IdP and gateway until Ctrl-C',
    load: async () => {
      const m = await import('./commands/sandbox');
      return { help: m.sandboxHelp, run: m.sandboxCommand };
    },
  },
  token: {
    summary: 'Get a token from the IdP (prints only the access token)',
    load: async () => {
      const m = await import('./commands/token');
      return { help: m.tokenHelp, run: m.tokenCommand };
    },
  },
  introspect: {
    summary: 'Ask the IdP whether a token is active and what it says about it',
    load: async () => {
      const m = await import('./commands/introspect');
      return { help: m.introspectHelp, run: m.introspectCommand };
    },
  },
  revoke: {
    summary: 'Ask the IdP to revoke a token (RFC 7009) and show what it answered',
    load: async () => {
      const m = await import('./commands/revoke');
      return { help: m.revokeHelp, run: m.revokeCommand };
    },
  },
  verify: {
    summary: "Verify a JWT against the IdP's keys, showing every check",
    load: async () => {
      const m = await import('./commands/verify');
      return { help: m.verifyHelp, run: m.verifyCommand };
    },
  },
  explain: {
    summary: 'Call a gateway route and explain why it accepted or refused the token',
    load: async () => {
      const m = await import('./commands/explain');
      return { help: m.explainHelp, run: m.explainCommand };
    },
  },
  capture: {
    summary: "Proxy an application's traffic to the gateway and explain each refusal live",
    load: async () => {
      const m = await import('./commands/capture');
      return { help: m.captureHelp, run: m.captureCommand };
    },
  },
  decode: {
    summary: 'Decode a JWT (unverified) and explain its claims',
    load: async () => {
      const m = await import('./commands/decode');
      return { help: m.decodeHelp, run: m.decodeCommand };
    },
  },
  routes: {
    summary: "List the gateway's services and routes with their auth plugin",
    load: async () => {
      const m = await import('./commands/routes');
      return { help: m.routesHelp, run: m.routesCommand };
    },
  },
  lint: {
    summary: "Lint each route's OIDC configuration against the IdP (and a real token)",
    load: async () => {
      const m = await import('./commands/lint');
      return { help: m.lintHelp, run: m.lintCommand };
    },
  },
  validate: {
    summary: 'Check a flow file (schema, references, templates, secret rules) without sending anything',
    load: async () => {
      const m = await import('./commands/validate');
      return { help: m.validateHelp, run: m.validateCommand };
    },
  },
  import: {
    summary: 'Turn an Insomnia or Postman export into a flow file',
    load: async () => {
      const m = await import('./commands/import');
      return { help: m.importHelp, run: m.importCommand };
    },
  },
  completion: {
    summary: 'Print a shell completion script (bash, zsh or fish)',
    load: async () => {
      const m = await loadCompletion();
      return { help: m.completionHelp, run: (args, io) => m.completionCommand(args, io, visibleCommands()) };
    },
  },
  // What the completion scripts call for names in a flow file (oidc-flow __complete flows FILE).
  __complete: {
    summary: 'List the names of a kind in a flow file, for the completion scripts',
    hidden: true,
    load: async () => {
      const m = await loadCompletion();
      return {
        help: 'Usage: oidc-flow __complete flows|steps|environments|idps|routes FILE [PREFIX]\n',
        run: m.completeNamesCommand,
      };
    },
  },
};

function visibleCommands(): Array<{ name: string; summary: string }> {
  return Object.entries(COMMANDS)
    .filter(([, command]) => !command.hidden)
    .map(([name, command]) => ({ name, summary: command.summary }));
}

/** Every command's name, so a standing suite (the secret canaries) can insist that each one is tried. */
export const COMMAND_NAMES: readonly string[] = Object.keys(COMMANDS);

function mainHelp(): string {
  const names = visibleCommands().map((command) => command.name);
  const width = Math.max(...names.map((n) => n.length));
  return `oidc-flow: debug OAuth 2.0 / OpenID Connect flows between an identity provider and an API gateway

Usage: oidc-flow <command> [options]     (oidc-flow <command> --help for details)

Commands:
${names.map((name) => `  ${name.padEnd(width)}  ${COMMANDS[name]!.summary}`).join('\n')}

Exit codes: 0 success, 1 an assertion or check failed, 2 usage or configuration error.
Secrets (client secrets, tokens) are read from environment variables, never from flow files.
`;
}

/** Help on a terminal is folded to its width; piped, it is written as it is. */
function writeHelp(io: CliIo, text: string): void {
  io.stdout.write(io.stdout.isTTY ? fitHelp(text, io.stdout.columns) : text);
}

/** Runs one CLI invocation and returns its exit code. */
export async function runCli(args: string[], given: CliIo): Promise<number> {
  const io = terminalSafeIo(given);
  const [name, ...rest] = args;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    const topic = name === 'help' && rest[0] !== '--help' && rest[0] !== '-h' ? rest[0] : undefined;
    if (topic !== undefined && !Object.hasOwn(COMMANDS, topic)) {
      io.stderr.write(`oidc-flow help: unknown command "${topic}". Run "oidc-flow help" for the list.\n`);
      return EXIT.usage;
    }
    writeHelp(io, topic ? (await COMMANDS[topic]!.load()).help : mainHelp());
    return EXIT.ok;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`${VERSION}\n`);
    return EXIT.ok;
  }
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!entry) {
    io.stderr.write(`oidc-flow: unknown command "${name}". Run "oidc-flow help" for the list.\n`);
    return EXIT.usage;
  }
  const command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    writeHelp(io, command.help);
    return EXIT.ok;
  }
  const s = styler(io.stderr, io.env);
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (
      error instanceof UsageError ||
      (error instanceof TypeError && (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'))
    ) {
      io.stderr.write(`${s.red(`oidc-flow ${name}`)}: ${error.message}\n${command.help.split('\n')[0]}\n`);
      return EXIT.usage;
    }
    if (error instanceof FlowFileError && error.issues.length > 0) {
      io.stderr.write(`${s.red(`oidc-flow ${name}`)}: ${formatFlowFileIssues(error.issues)}\n`);
      return EXIT.usage;
    }
    const e = asOidcError(error);
    io.stderr.write(`${s.red(`oidc-flow ${name}`)}: ${e.toUserMessage()}${isOidcError(error) ? ` [${e.code}]` : ''}\n`);
    return isOidcError(error) && isConfigurationCode(e.code) ? EXIT.usage : EXIT.failed;
  }
}
