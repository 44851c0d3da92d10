import type * as Jose from 'jose';

/**
 * jose, evaluated when it is first needed (a signature to check or make),
 * not when a module that may need it loads (issue #14, CLI start). The promise
 * is kept: an import() per call goes through the module loader each time,
 * which cost two thirds of verifyJwt's throughput under tsx.
 */
let jose: Promise<typeof Jose> | undefined;

export function loadJose(): Promise<typeof Jose> {
  return (jose ??= import('jose'));
}
