import { asOidcError, isOidcError } from '../core/errors';
import { decodeCommand, decodeHelp } from './commands/decode';
import { demoCommand, demoHelp } from './commands/demo';
import { explainCommand, explainHelp } from './commands/explain';
import { introspectCommand, introspectHelp } from './commands/introspect';
import { tokenCommand, tokenHelp } from './commands/token';
import { verifyCommand, verifyHelp } from './commands/verify';
import { importCommand, importHelp } from './commands/import';
import { runCommand, runHelp } from './commands/run';
import { sandboxCommand, sandboxHelp } from './commands/sandbox';
import type { CliIo } from './io';
import { EXIT, styler, UsageError } from './io';

export type { CliIo } from './io';

interface Command {
  summary: string;
  help: string;
  run(args: string[], io: CliIo): Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  run: { summary: 'Run a flow from a flow file and explain every rejection', help: runHelp, run: runCommand },
  demo: { summary: 'Play the introspection scenario against the local sandbox', help: demoHelp, run: demoCommand },
  sandbox: { summary: 'Start the local sandbox IdP and gateway until Ctrl-C', help: sandboxHelp, run: sandboxCommand },
  token: { summary: 'Get a token from the IdP (prints only the access token)', help: tokenHelp, run: tokenCommand },
  introspect: { summary: 'Ask the IdP whether a token is active and what it says about it', help: introspectHelp, run: introspectCommand },
  verify: { summary: "Verify a JWT against the IdP's keys, showing every check", help: verifyHelp, run: verifyCommand },
  explain: { summary: 'Call a gateway route and explain why it accepted or refused the token', help: explainHelp, run: explainCommand },
  decode: { summary: 'Decode a JWT (unverified) and explain its claims', help: decodeHelp, run: decodeCommand },
  import: { summary: 'Turn an Insomnia or Postman export into a flow file', help: importHelp, run: importCommand },
};

function mainHelp(): string {
  const names = Object.keys(COMMANDS);
  const width = Math.max(...names.map((n) => n.length));
  return `oidc-flow: debug OAuth 2.0 / OpenID Connect flows between an identity provider and an API gateway

Usage: oidc-flow <command> [options]     (oidc-flow <command> --help for details)

Commands:
${names.map((name) => `  ${name.padEnd(width)}  ${COMMANDS[name]!.summary}`).join('\n')}

Exit codes: 0 success, 1 an assertion or check failed, 2 usage or configuration error.
Secrets (client secrets, tokens) are read from environment variables, never from flow files.
`;
}

/** Runs one CLI invocation and returns its exit code. */
export async function runCli(args: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    const topic = name === 'help' ? rest[0] : undefined;
    io.stdout.write(topic && COMMANDS[topic] ? COMMANDS[topic].help : mainHelp());
    return EXIT.ok;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`${process.env.npm_package_version ?? '0.1.0'}\n`);
    return EXIT.ok;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr.write(`oidc-flow: unknown command "${name}". Run "oidc-flow help" for the list.\n`);
    return EXIT.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(command.help);
    return EXIT.ok;
  }
  const s = styler(io.stderr, io.env);
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError || (error instanceof TypeError && (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'))) {
      io.stderr.write(`${s.red(`oidc-flow ${name}`)}: ${error.message}\n${command.help.split('\n')[0]}\n`);
      return EXIT.usage;
    }
    const e = asOidcError(error);
    io.stderr.write(`${s.red(`oidc-flow ${name}`)}: ${e.toUserMessage()}${isOidcError(error) ? ` [${e.code}]` : ''}\n`);
    return isOidcError(error) && /^(flowfile|config|usage)\./.test(e.code) ? EXIT.usage : EXIT.failed;
  }
}
