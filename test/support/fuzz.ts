import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { isOidcError } from '../../src/core/errors';

/**
 * Shared pieces of the fuzz suites (test/unit/fuzz/): hostile inputs made from
 * real files, and the one property they all check.
 */

/** One edit of a text: flip, insert or delete a character, or repeat or cut a slice. */
type Edit =
  | { kind: 'flip' | 'insert'; at: number; char: string }
  | { kind: 'delete'; at: number }
  | { kind: 'repeat'; at: number; length: number; times: number }
  | { kind: 'cut'; at: number };

// Characters that mean something to the parsers under test: quoting, nesting, templates, YAML, JSON.
const SPECIAL = [...'{}[]"\'\\:,.-#&*!|>%@`$=/\n\t \u0000\u2028\ufeff'];
const char = fc.oneof(fc.constantFrom(...SPECIAL), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }));
const fraction = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constantFrom('flip' as const, 'insert' as const), at: fraction, char }),
  fc.record({ kind: fc.constant('delete' as const), at: fraction }),
  fc.record({
    kind: fc.constant('repeat' as const),
    at: fraction,
    length: fc.integer({ min: 1, max: 40 }),
    times: fc.integer({ min: 2, max: 200 }),
  }),
  fc.record({ kind: fc.constant('cut' as const), at: fraction }),
);

function apply(text: string, e: Edit): string {
  const at = Math.floor(e.at * (text.length + 1));
  switch (e.kind) {
    case 'flip':
      return text.slice(0, at) + e.char + text.slice(at + 1);
    case 'insert':
      return text.slice(0, at) + e.char + text.slice(at);
    case 'delete':
      return text.slice(0, at) + text.slice(at + 1);
    case 'repeat':
      return text.slice(0, at) + text.slice(at, at + e.length).repeat(e.times) + text.slice(at);
    case 'cut':
      return text.slice(0, at);
  }
}

/** A valid input after one to eight random edits (the shape real corruption and hostile tweaks take). */
export function mutationsOf(...seeds: string[]): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom(...seeds), fc.array(edit, { minLength: 1, maxLength: 8 }))
    .map(([seed, edits]) => edits.reduce(apply, seed));
}

/** Random text, biased towards the characters the parsers care about. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 400 }),
  fc.array(char, { maxLength: 200 }).map((chars) => chars.join('')),
);

/**
 * Runs `parse`: it may return anything or throw an OidcError (a coded error the
 * shells render); any other throw is a bug the property reports with the input.
 */
export function valueOrOidcError(parse: () => unknown): void {
  try {
    parse();
  } catch (error) {
    assert.ok(isOidcError(error), `threw a non-OidcError: ${error instanceof Error ? error.stack : String(error)}`);
    assert.ok(error.message.length > 0, 'an OidcError without a message');
    assert.doesNotMatch(error.message, /likely a bug/i);
  }
}

/** numRuns of every fuzz property: the whole suite has to stay well under a minute on two slow cores. */
export const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
