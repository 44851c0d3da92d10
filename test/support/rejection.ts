import assert from 'node:assert/strict';
import { OidcError } from '../../src/core/errors';

type ErrorClass<E> = abstract new (...args: never[]) => E;

/**
 * The error a promise rejects with, of class `type` (OidcError unless told,
 * e.g. HttpError); fails the test when it resolves or rejects with anything else.
 */
export async function rejection<E extends OidcError = OidcError>(
  promise: Promise<unknown>,
  type: ErrorClass<E> = OidcError as unknown as ErrorClass<E>,
): Promise<E> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a rejection');
}

/** The OidcError a function throws; fails the test when it returns or throws anything else. */
export function thrown(fn: () => unknown): OidcError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof OidcError, `expected OidcError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected an error');
}
