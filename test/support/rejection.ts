import assert from 'node:assert/strict';
import { OidcError } from '../../src/core/errors';

/** The OidcError a promise rejects with; fails the test when it resolves or rejects with anything else. */
export async function rejection(promise: Promise<unknown>): Promise<OidcError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof OidcError, `expected OidcError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a rejection');
}
