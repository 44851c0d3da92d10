import { asOidcError } from '../core/errors';

export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  env: Record<string, string | undefined>;
}

const HELP = `oidc-flow: debug OAuth 2.0 / OpenID Connect flows between an IdP and an API gateway

Usage: oidc-flow <command> [options]

Commands:
  decode <jwt>     Decode a JWT without verifying it (the output says UNVERIFIED)
  help             Show this help

Exit codes: 0 success, 1 an assertion or check failed, 2 usage or configuration error.
`;

/** Runs one CLI invocation and returns its exit code. */
export async function runCli(args: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = args;
  try {
    switch (command) {
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout.write(HELP);
        return 0;
      case 'decode': {
        const token = rest[0];
        if (!token) {
          io.stderr.write('oidc-flow decode: give the token as the first argument.\n');
          return 2;
        }
        const { decodeJwtParts } = await import('../core/jwt/decode');
        const decoded = decodeJwtParts(token);
        io.stdout.write('UNVERIFIED: decoded without checking the signature\n');
        io.stdout.write(`${JSON.stringify({ header: decoded.header, payload: decoded.payload }, null, 2)}\n`);
        return 0;
      }
      default:
        io.stderr.write(`oidc-flow: unknown command "${command}". Run "oidc-flow help".\n`);
        return 2;
    }
  } catch (error) {
    const e = asOidcError(error);
    io.stderr.write(`oidc-flow: ${e.toUserMessage()} [${e.code}]\n`);
    return 2;
  }
}
