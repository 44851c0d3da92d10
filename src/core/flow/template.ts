import { OidcError } from '../errors';
import { headerKey } from '../http/headers';
import { didYouMean } from './did-you-mean';
import type { SecretSources } from './secret-ref';
import { interpolateSecretRefs } from './secret-ref';
import type { TemplateContext } from './step-result';
import { evaluateJsonPath, jsonPathProblem } from './jsonpath';
import { TextMemo } from '../text-memo';

/**
 * The chaining template engine: `{{ steps.<id>.response.body.items[0].id }}`.
 * Expressions are data paths only — a root (`env`, `steps`, `vars`), then
 * `.name`, `[0]` or `['name']` segments, optionally a JSON path from `$`
 * (jsonpath-plus with script evaluation off) and the filters `json` and
 * `urlencode`. Nothing is ever evaluated as code, and only own properties are
 * read, so `constructor` or `__proto__` lead nowhere.
 */

export const TEMPLATE_ROOTS = ['env', 'steps', 'vars'] as const;
export type TemplateRoot = (typeof TEMPLATE_ROOTS)[number];
export const TEMPLATE_FILTERS = ['json', 'urlencode'] as const;
export type TemplateFilter = (typeof TEMPLATE_FILTERS)[number];

export interface TemplateExpression {
  /** The text between the braces, trimmed. */
  source: string;
  root: TemplateRoot;
  segments: Array<string | number>;
  /** JSON path (starting with `$`) applied after the segments. */
  jsonPath?: string;
  filters: TemplateFilter[];
}

export type TemplatePart =
  { kind: 'text'; text: string } | { kind: 'expr'; expr: TemplateExpression; start: number; end: number };

export interface TemplateReference {
  root: TemplateRoot;
  /** First segment: the step id for `steps`, the value name for `env` and `vars`. */
  name: string | undefined;
  expression: string;
  /** Where in the walked value the string sits, e.g. `headers.Authorization`. */
  field: string;
}

export interface RenderOptions {
  /** Resolve `${env:..}` / `${secret:..}` in the same pass (substituted values are never re-scanned). */
  secrets?: SecretSources;
  /** Prefix for error locations, e.g. "flow introspection-scenario, step call1". */
  where?: string;
}

const SYNTAX_HINT =
  'Templates are data paths such as {{steps.token.token.access_token}}, {{env.kongUrl}} or {{steps.call.response.body.$.items[0].id}}; they cannot call functions.';

// Each json filter escapes the quotes and backslashes the one before it produced, so a chain of
// them doubles the value each time; two are all a real template needs, four leave room.
const MAX_FILTERS = 4;

function syntaxError(message: string, where?: string): OidcError {
  return new OidcError('template.syntax', message, { where, hint: SYNTAX_HINT });
}

/** True when the string holds at least one `{{`. */
export function hasTemplate(text: string): boolean {
  return text.includes('{{');
}

/**
 * True when no string in `value` (in its arrays and objects' own values, as rendering walks them)
 * holds `{{` or `${`: rendering it gives it back as it is, with or without secret sources, in any
 * context. Keys are not rendered, so they are not looked at.
 */
export function holdsNoTemplate(value: unknown): boolean {
  if (typeof value === 'string') return !value.includes('{{') && !value.includes('${');
  if (Array.isArray(value)) {
    for (const item of value) if (!holdsNoTemplate(item)) return false;
    return true;
  }
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) if (!holdsNoTemplate(record[key])) return false;
  }
  return true;
}

/** Splits a string into literal text and parsed `{{ }}` expressions; `\{{` is a literal `{{`. */
export function parseTemplate(text: string, where?: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let buffer = '';
  let i = 0;
  while (i < text.length) {
    // Jump to the next `{{` (copying the text before it in one slice, not a character at a time).
    const open = text.indexOf('{{', i);
    if (open < 0) {
      buffer += text.slice(i);
      break;
    }
    if (open > i && text[open - 1] === '\\') {
      buffer += `${text.slice(i, open - 1)}{{`;
      i = open + 2;
      continue;
    }
    buffer += text.slice(i, open);
    i = open;
    const close = text.indexOf('}}', i + 2);
    if (close < 0) throw syntaxError(`Unclosed template: '{{' at position ${i} has no matching '}}'.`, where);
    if (buffer) parts.push({ kind: 'text', text: buffer });
    buffer = '';
    parts.push({ kind: 'expr', expr: parseExpression(text.slice(i + 2, close), where), start: i, end: close + 2 });
    i = close + 2;
  }
  if (buffer) parts.push({ kind: 'text', text: buffer });
  return parts;
}

/** Parses the inside of `{{ }}`. */
export function parseExpression(inner: string, where?: string): TemplateExpression {
  const source = inner.trim();
  if (!source) throw syntaxError('Empty template {{ }}.', where);
  const pieces = source.split('|');
  const path = pieces[0]!.trim();
  if (pieces.length - 1 > MAX_FILTERS) {
    throw syntaxError(
      `{{${source.length > 80 ? `${source.slice(0, 80)}…` : source}}} applies ${pieces.length - 1} filters; a template may apply at most ${MAX_FILTERS} filters.`,
      where,
    );
  }
  const filters = pieces.slice(1).map((raw) => {
    const name = raw.trim();
    if (!(TEMPLATE_FILTERS as readonly string[]).includes(name)) {
      throw syntaxError(
        `Unknown filter '${name}' in {{${source}}}; the filters are: ${TEMPLATE_FILTERS.join(', ')}${didYouMean(name, TEMPLATE_FILTERS)}`,
        where,
      );
    }
    return name as TemplateFilter;
  });

  const rootMatch = /^[A-Za-z_][A-Za-z0-9_]*/.exec(path);
  const root = rootMatch?.[0];
  if (!root || !(TEMPLATE_ROOTS as readonly string[]).includes(root)) {
    throw syntaxError(
      `{{${source}}} must start with env, steps or vars${root ? `, not '${root}'${didYouMean(root, TEMPLATE_ROOTS)}` : ''}.`,
      where,
    );
  }
  const segments: Array<string | number> = [];
  let i = root.length;
  let jsonPath: string | undefined;
  while (i < path.length) {
    const rest = path.slice(i);
    if (rest.startsWith('.$') || (rest.startsWith('$') && i === root.length)) {
      jsonPath = rest.startsWith('.') ? rest.slice(1) : rest;
      if (/[()?]/.test(jsonPath)) {
        throw syntaxError(
          `The JSON path '${jsonPath}' in {{${source}}} uses a script expression; filters like ?(...) are not supported.`,
          where,
        );
      }
      if (!balancedBrackets(jsonPath))
        throw syntaxError(`The JSON path '${jsonPath}' in {{${source}}} has an unclosed '[' or quote.`, where);
      break;
    }
    const dotted = /^\.([A-Za-z0-9_-]+)/.exec(rest);
    const indexed = /^\[(\d+)\]/.exec(rest);
    const quoted = /^\[(?:'([^']*)'|"([^"]*)")\]/.exec(rest);
    if (dotted) segments.push(dotted[1]!);
    else if (indexed) segments.push(Number(indexed[1]));
    else if (quoted) segments.push(quoted[1] ?? quoted[2]!);
    else throw syntaxError(`Unexpected '${rest[0]}' at position ${i} in {{${source}}}.`, where);
    i += (dotted ?? indexed ?? quoted)![0].length;
  }
  return { source, root: root as TemplateRoot, segments, jsonPath, filters };
}

/** jsonpath-plus quietly accepts `$.items[`; a half-written path should be an error instead. */
function balancedBrackets(path: string): boolean {
  let depth = 0;
  let quote: string | undefined;
  for (const ch of path) {
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '[') depth += 1;
    else if (ch === ']' && --depth < 0) return false;
  }
  return depth === 0 && quote === undefined;
}

function describePath(root: string, segments: Array<string | number>): string {
  return segments.reduce<string>(
    (acc, s) =>
      typeof s === 'number' ? `${acc}[${s}]` : /^[A-Za-z0-9_-]+$/.test(s) ? `${acc}.${s}` : `${acc}['${s}']`,
    root,
  );
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function available(value: unknown): string {
  if (Array.isArray(value))
    return value.length === 0 ? 'is an empty list' : `is a list of ${value.length} (indexes 0..${value.length - 1})`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 0) return 'is an empty object';
    const shown = keys.slice(0, 25).join(', ');
    return `has: ${shown}${keys.length > 25 ? `, … (${keys.length} keys)` : ''}`;
  }
  return `is ${kindOf(value)}, not an object or list`;
}

function lookup(
  container: unknown,
  segment: string | number,
  caseInsensitive: boolean,
): { found: boolean; value?: unknown } {
  if (Array.isArray(container)) {
    const index = typeof segment === 'number' ? segment : /^\d+$/.test(segment) ? Number(segment) : NaN;
    return Number.isInteger(index) && index < container.length
      ? { found: true, value: container[index] }
      : { found: false };
  }
  if (container === null || typeof container !== 'object') return { found: false };
  const key = String(segment);
  if (Object.hasOwn(container, key)) return { found: true, value: (container as Record<string, unknown>)[key] };
  if (caseInsensitive) {
    const match = headerKey(container as Record<string, unknown>, key);
    if (match !== undefined) return { found: true, value: (container as Record<string, unknown>)[match] };
  }
  return { found: false };
}

function maybeJson(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const trimmed = value.trim();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return value;
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    return value;
  }
}

/** JSON paths with wildcards, recursion, slices or unions give lists; plain paths give one value. */
function isDefinite(path: string): boolean {
  return !/\*|\.\.|:|,|\?/.test(path);
}

/** The error for a path segment `index` that `current` lacks (a module function: made only on failure). */
function unresolvedError(
  expr: TemplateExpression,
  ctx: TemplateContext,
  current: unknown,
  index: number,
  where: string | undefined,
): OidcError {
  const at = describePath(expr.root, expr.segments.slice(0, index));
  const missing = expr.segments[index];
  const keys = current !== null && typeof current === 'object' && !Array.isArray(current) ? Object.keys(current) : [];
  const stepNote =
    expr.root === 'steps' && index >= 1
      ? stepStatusNote(ctx, String(expr.segments[0]))
      : expr.root === 'steps' && index === 0
        ? ' (a step can only read steps that ran before it)'
        : '';
  return new OidcError(
    'template.unresolved',
    `{{${expr.source}}} cannot be resolved: ${at} has no '${String(missing)}'${typeof missing === 'string' ? didYouMean(missing, keys) : ''}; ${at} ${available(current)}${stepNote}.`,
    {
      where,
      hint: 'Check the spelling and that the step that produces the value ran earlier in the flow and succeeded.',
    },
  );
}

/** Resolves one parsed expression against the context, keeping the value's type. */
export function evaluateExpression(expr: TemplateExpression, ctx: TemplateContext, where?: string): unknown {
  const rootValue: unknown = expr.root === 'env' ? ctx.env : expr.root === 'steps' ? ctx.steps : (ctx.vars ?? {});
  let current = rootValue;
  for (let i = 0; i < expr.segments.length; i++) {
    const previous = expr.segments[i - 1];
    const caseInsensitive = previous === 'headers';
    const hit = lookup(previous === 'body' ? maybeJson(current) : current, expr.segments[i]!, caseInsensitive);
    if (!hit.found || hit.value === undefined) {
      if (previous === 'body') current = maybeJson(current);
      throw unresolvedError(expr, ctx, current, i, where);
    }
    current = hit.value;
  }
  if (expr.jsonPath !== undefined) current = applyJsonPath(expr, maybeJson(current), where);
  for (const filter of expr.filters) {
    current = filter === 'json' ? JSON.stringify(current) : encodeURIComponent(stringifyValue(current));
  }
  return current;
}

function stepStatusNote(ctx: TemplateContext, stepId: string): string {
  const step = Object.hasOwn(ctx.steps, stepId) ? ctx.steps[stepId] : undefined;
  return step && step.status !== 'passed' ? ` (step '${stepId}' ended ${step.status})` : '';
}

function applyJsonPath(expr: TemplateExpression, json: unknown, where?: string): unknown {
  const path = expr.jsonPath!;
  const at = describePath(expr.root, expr.segments);
  if (json === null || typeof json !== 'object') {
    throw new OidcError(
      'template.unresolved',
      `{{${expr.source}}} cannot be resolved: ${at} is ${kindOf(json)}, so the JSON path ${path} has nothing to search.`,
      {
        where,
        hint: 'JSON paths work on JSON bodies; check the response Content-Type and status.',
      },
    );
  }
  const refused = jsonPathProblem(path);
  if (refused) {
    throw new OidcError(
      'template.jsonpath',
      `The JSON path ${path.length > 40 ? `${path.slice(0, 40)}…` : path} in a template ${refused}.`,
      { where, hint: 'Use plain JSON paths such as $.items[0].id or $..id.' },
    );
  }
  let results: unknown[];
  try {
    // evaluateJsonPath passes eval: false: a template must never run code, whatever the path says.
    results = evaluateJsonPath(path, json as object);
  } catch (error) {
    throw new OidcError(
      'template.jsonpath',
      `The JSON path ${path} in {{${expr.source}}} is not valid: ${(error as Error).message}`,
      {
        where,
        hint: 'Use plain JSON paths such as $.items[0].id or $..id; script filters ?(...) are disabled.',
        cause: error,
      },
    );
  }
  if (!isDefinite(path)) return results;
  if (results.length === 0 || results[0] === undefined) {
    throw new OidcError(
      'template.unresolved',
      `{{${expr.source}}} cannot be resolved: the JSON path ${path} matched nothing; ${at} ${available(json)}.`,
      {
        where,
        hint: 'Check the path against the response body in the timeline.',
      },
    );
  }
  return results[0];
}

/** How an embedded value becomes text: strings as they are, objects as JSON. */
export function stringifyValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  return JSON.stringify(value) ?? '';
}

/**
 * Parsed templates by their text. A runner renders the same step definitions and routes on
 * every run, and parsing them anew each time showed in bench/runner-overhead.ts's profile.
 * Parts are never changed by their readers, so one parse serves every render; only successful
 * parses are kept (an error names its `where`), bounded and emptied whole when full.
 */
const parseCache = new TextMemo<TemplatePart[]>(512, 4096);

function parseTemplateCached(text: string, where: string | undefined): TemplatePart[] {
  return parseCache.get(text) ?? parseCache.set(text, parseTemplate(text, where));
}

/** True when rendering `text` can change it: it holds a template, or a reference the sources resolve. */
function needsRendering(text: string, options: RenderOptions): boolean {
  return hasTemplate(text) || (options.secrets !== undefined && text.includes('${'));
}

function renderString(text: string, ctx: TemplateContext, options: RenderOptions, where: string | undefined): unknown {
  if (!needsRendering(text, options)) return text;
  const parts = parseTemplateCached(text, where);
  const only = parts[0];
  if (parts.length === 1 && only?.kind === 'expr') return evaluateExpression(only.expr, ctx, where);
  let out = '';
  for (const part of parts) {
    if (part.kind === 'expr') out += stringifyValue(evaluateExpression(part.expr, ctx, where));
    else out += options.secrets ? interpolateSecretRefs(part.text, options.secrets, where) : part.text;
  }
  return out;
}

function joinWhere(base: string | undefined, field: string): string | undefined {
  if (!field) return base;
  return base ? `${base}, ${field}` : field;
}

function walk(value: unknown, field: string, visit: (text: string, field: string) => unknown): unknown {
  if (typeof value === 'string') return visit(value, field);
  if (Array.isArray(value)) return value.map((item, i) => walk(item, `${field}[${i}]`, visit));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = walk(item, field ? `${field}.${key}` : key, visit);
    return out;
  }
  return value;
}

/**
 * Renders templates in a string, or in every string inside objects and arrays.
 * A string that is exactly one `{{ }}` keeps the value's type; embedded ones are stringified.
 */
export function renderTemplate(value: unknown, ctx: TemplateContext, options: RenderOptions = {}): unknown {
  return renderWalk(value, [], ctx, options);
}

/**
 * walk() for rendering, with two savings for the runner, which renders the same step definitions
 * and routes on every run: a string's field name (for error locations) is joined from `path` (keys
 * and indexes) only for a string that needs rendering; and a value with nothing to render comes
 * back as it is, not copied (an object or list is copied from its first changed item on). Most
 * steps and route settings hold no template, and copying them all on every run showed in
 * bench/runner-overhead.ts's profile. No caller changes what it gets back, so sharing the written
 * parts is safe; a rendered part is always a new object.
 */
function renderWalk(
  value: unknown,
  path: Array<string | number>,
  ctx: TemplateContext,
  options: RenderOptions,
): unknown {
  if (typeof value === 'string') {
    if (!needsRendering(value, options)) return value;
    return renderString(value, ctx, options, joinWhere(options.where, fieldName(path)));
  }
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i += 1) {
      const item: unknown = value[i];
      path.push(i);
      const rendered = renderWalk(item, path, ctx, options);
      path.pop();
      if (out === undefined && rendered !== item) out = value.slice(0, i);
      if (out !== undefined) out.push(rendered);
    }
    return out ?? value;
  }
  if (value !== null && typeof value === 'object') {
    // An error thrown below leaves `path` as it was: it ends the whole render, which made the path.
    const keys = Object.keys(value);
    const record = value as Record<string, unknown>;
    let out: Record<string, unknown> | undefined;
    for (let k = 0; k < keys.length; k += 1) {
      const key = keys[k]!;
      const item = record[key];
      path.push(key);
      const rendered = renderWalk(item, path, ctx, options);
      path.pop();
      if (out === undefined && rendered !== item) {
        out = {};
        for (let j = 0; j < k; j += 1) out[keys[j]!] = record[keys[j]!];
      }
      if (out !== undefined) out[key] = rendered;
    }
    return out ?? value;
  }
  return value;
}

/** `items[0].id` from the keys and indexes of a path. */
function fieldName(path: ReadonlyArray<string | number>): string {
  let field = '';
  for (const piece of path) field += typeof piece === 'number' ? `[${piece}]` : field ? `.${piece}` : piece;
  return field;
}

/** Renders a string and always returns text (for URLs and header values). */
export function renderTemplateString(text: string, ctx: TemplateContext, options: RenderOptions = {}): string {
  return stringifyValue(renderString(text, ctx, options, options.where));
}

/** Every template reference inside `value` (strings in objects and arrays walked). */
export function findReferences(value: unknown): TemplateReference[] {
  const refs: TemplateReference[] = [];
  walk(value, '', (text, field) => {
    if (!hasTemplate(text)) return text;
    for (const part of parseTemplateCached(text, field || undefined)) {
      if (part.kind !== 'expr') continue;
      const first = part.expr.segments[0];
      refs.push({
        root: part.expr.root,
        name: first === undefined ? undefined : String(first),
        expression: part.expr.source,
        field,
      });
    }
    return text;
  });
  return refs;
}

/** The step ids that `value` reads through `{{steps.<id>...}}`, without duplicates. */
export function findStepReferences(value: unknown): string[] {
  return [
    ...new Set(findReferences(value).flatMap((r) => (r.root === 'steps' && r.name !== undefined ? [r.name] : []))),
  ];
}

/**
 * An environment's values rendered as IdP and route templates read them
 * (`{{env.x}}`): references resolved, templates among them filled in.
 */
export function renderEnvironment(
  environment: { name: string; values: unknown } | undefined,
  secrets: SecretSources,
): Record<string, unknown> {
  if (!environment) return {};
  const where = `environment ${environment.name}`;
  return renderTemplate(environment.values, { env: {}, steps: {} }, { secrets, where }) as Record<string, unknown>;
}
