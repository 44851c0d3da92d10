import type * as JsonPathPlus from 'jsonpath-plus';
import { TextMemo } from '../text-memo';

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
  // Most paths have no descent: no split (an array per assertion of every call) for them.
  if (!path.includes('..')) return undefined;
  const descents = path.split('..').length - 1;
  if (descents > MAX_JSON_PATH_DESCENTS)
    return `searches the whole document ${descents} times (..); a JSON path may use .. at most ${MAX_JSON_PATH_DESCENTS} times`;
  return undefined;
}
const MAX_JSON_PATH_CHARS = 1_000;

/** `$`, then only `.name` and `[index]` steps: the paths flows use most, e.g. `$.upstream` or `$.items[0].id`. */
const PLAIN_PATH = /^\$(?:\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\])*$/;

/**
 * The values `path` selects in `json`, as jsonpath-plus gives them (`wrap: true`, `resultType:
 * 'value'`, script evaluation off). A plain path is followed here, own properties only as
 * jsonpath-plus does: through jsonpath-plus, `$.upstream` cost each assertion several
 * microseconds of path parsing and tracing (issue #14's runner profile). A property test holds
 * the two equal. Call jsonPathProblem first: this does not bound the path.
 */
export function evaluateJsonPath(path: string, json: object): unknown[] {
  const keys = plainKeys(path);
  if (keys === null) return jsonPath()({ path, json, eval: false, wrap: true, resultType: 'value' }) as unknown[];
  let current: unknown = json;
  for (const key of keys) {
    // jsonpath-plus follows a name only from a truthy value that has it as an own property.
    if (!current || !Object.hasOwn(current, key)) return [];
    current = (current as Record<string, unknown>)[key];
  }
  return [current];
}

/** Whether `path` selects at most one value (no wildcard, descent, slice, union or filter), as an assertion reads it. */
export function isDefinitePath(path: string): boolean {
  return plainKeys(path) !== null || !INDEFINITE.test(path);
}
const INDEFINITE = /\*|\.\.|:|,|\?/;

/**
 * The keys of a plain path (PLAIN_PATH: `.name` and `[index]` steps), null for any other, by the
 * path's text: an assertion or template evaluates the same path on every call of every run, and
 * testing and slicing it each time showed in the runner's profile (issue #14 point 2). Only paths
 * a flow may hold (MAX_JSON_PATH_CHARS) are kept.
 */
function plainKeys(path: string): readonly string[] | null {
  const keys = plainKeysByPath.get(path);
  if (keys !== undefined) return keys;
  return plainKeysByPath.set(path, PLAIN_PATH.test(path) ? splitPlainPath(path) : null);
}
const plainKeysByPath = new TextMemo<readonly string[] | null>(256, MAX_JSON_PATH_CHARS);

/** `$.items[0].id` → items, 0, id; PLAIN_PATH held: each step is `.name` up to the next `.` or `[`, or `[digits]`. */
function splitPlainPath(path: string): readonly string[] {
  const keys: string[] = [];
  let i = 1;
  while (i < path.length) {
    const index = path[i] === '[';
    let end = i + 1;
    while (end < path.length && path[end] !== '.' && path[end] !== '[') end += 1;
    keys.push(index ? path.slice(i + 1, end - 1) : path.slice(i + 1, end));
    i = end;
  }
  return Object.freeze(keys);
}
const MAX_JSON_PATH_DESCENTS = 2;
