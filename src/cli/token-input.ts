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
