/**
 * The pattern of a `matches` assertion. Its own module: checking a flow file (cross-check.ts)
 * compiles the patterns of its assertions without loading what evaluates them (assertions.ts and
 * the redaction it needs), which `oidc-flow validate` never runs (issue #14 point 3).
 */
import { OidcError } from '../errors';

// Patterns longer than this are refused, to keep a hostile or accidental catastrophic-backtracking
// pattern bounded (assertions.ts also cuts the texts it matches).
const MAX_PATTERN_LENGTH = 1000;

/** Compiles `source` or `/source/flags`; throws `assertion.regex` with the reason when it is not a valid pattern. */
export function compileAssertionRegex(pattern: string, where?: string): RegExp {
  const literal = /^\/(.*)\/([dgimsuvy]*)$/s.exec(pattern);
  const source = literal ? literal[1]! : pattern;
  const flags = (literal ? literal[2]! : '').replace(/[gy]/g, '');
  if (source.length > MAX_PATTERN_LENGTH) {
    throw new OidcError(
      'assertion.regex',
      `The regular expression in 'matches' is ${source.length} characters long; the limit is ${MAX_PATTERN_LENGTH}.`,
      {
        where,
        hint: 'Use a shorter pattern, or compare with equals / contains.',
      },
    );
  }
  try {
    return new RegExp(source, flags);
  } catch (error) {
    throw new OidcError(
      'assertion.regex',
      `'matches: ${pattern.slice(0, 80)}' is not a valid regular expression: ${(error as Error).message.replace(/^Invalid regular expression: /, '')}.`,
      {
        where,
        hint: 'Escape special characters such as ( [ . with a backslash, or write /pattern/i for flags.',
        cause: error,
      },
    );
  }
}
