import type * as JsonPathPlus from 'jsonpath-plus';

let loaded: typeof JsonPathPlus | undefined;

/**
 * jsonpath-plus's JSONPath, evaluated when a flow first evaluates a `$.` path,
 * not when the flow modules are imported: `validate`, `verify` and a run
 * without JSON paths never need it (issue #14, CLI start). A `require` from
 * src/ is where esbuild.config.mjs cuts the CLI's bundles.
 */
export function jsonPath(): typeof JsonPathPlus.JSONPath {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (loaded ??= require('jsonpath-plus') as typeof JsonPathPlus).JSONPath;
}

/**
 * Why a JSON path from a flow file must not reach jsonpath-plus, or undefined.
 * Its path parser is quadratic in the path's length (100,000 characters of `.a`
 * took seconds), and each recursive descent `..` searches the whole document
 * again from every match of the one before (`$..$..` repeated 300 times took
 * minutes on a 10-node body). Real paths are a few dozen characters with at
 * most one `..`.
 */
export function jsonPathProblem(path: string): string | undefined {
  if (path.length > MAX_JSON_PATH_CHARS)
    return `is ${path.length} characters long; a JSON path may be at most ${MAX_JSON_PATH_CHARS}`;
  const descents = path.split('..').length - 1;
  if (descents > MAX_JSON_PATH_DESCENTS)
    return `searches the whole document ${descents} times (..); a JSON path may use .. at most ${MAX_JSON_PATH_DESCENTS} times`;
  return undefined;
}
const MAX_JSON_PATH_CHARS = 1_000;
const MAX_JSON_PATH_DESCENTS = 2;
