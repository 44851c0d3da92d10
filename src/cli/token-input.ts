import { isOidcError } from '../core/errors';
import { decodeJwt } from '../core/jwt/decode';
import type { DecodedJwt } from '../core/jwt/decode';
import type { CliIo } from './io';
import { UsageError } from './io';

/** Gets a token from the argument, "-"/piped standard input, or a named environment variable. */
export async function readTokenArgument(
  argument: string | undefined,
  envName: string | undefined,
  io: CliIo,
): Promise<string> {
  if (envName) {
    const value = io.env[envName];
    if (!value) throw new UsageError(`The environment variable ${envName} (from --token-env) is not set or empty.`);
    return value.trim();
  }
  if (argument && argument !== '-') return argument.trim();
  const piped = await io.readStdin?.();
  if (piped && piped.trim()) return piped.trim();
  throw new UsageError(
    'Give the token as an argument, pipe it on standard input, or name an environment variable with --token-env.',
  );
}

/**
 * The token a command about one token works on (introspect, revoke): at
 * most one positional ("-" or piped standard input) or --token-env, and its
 * --hint when it is one of `hints`.
 */
export async function readTokenInput(
  positionals: readonly string[],
  values: { 'token-env'?: string; hint?: string },
  hints: readonly string[],
  io: CliIo,
): Promise<{ token: string; hint?: string }> {
  if (positionals.length > 1) throw new UsageError('Give at most one token.');
  const { hint } = values;
  if (hint !== undefined && !hints.includes(hint))
    throw new UsageError(`Unknown --hint "${hint}": use ${hints.join(', ')}.`);
  const token = await readTokenArgument(positionals[0], values['token-env'], io);
  return hint === undefined ? { token } : { token, hint };
}

/**
 * Decodes the token a command was given. One that is not a JWT is wrong
 * input (exit 2), like an opaque token: the message says which part is wrong
 * and keeps its code.
 */
export function decodeTokenArgument(token: string): DecodedJwt {
  try {
    return decodeJwt(token);
  } catch (error) {
    if (isOidcError(error) && error.code.startsWith('jwt.malformed'))
      throw new UsageError(`${error.message}${error.hint ? ` ${error.hint}` : ''} [${error.code}]`);
    throw error;
  }
}
