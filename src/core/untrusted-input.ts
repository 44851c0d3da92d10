/**
 * Reading input nobody vouched for. YAML (and JSON, which is YAML 1.2): in
 * linear time and bounded size. The yaml library's own duplicate-key check
 * compares every key with every earlier one (20,000 keys took 12 s), and its
 * alias cap counts aliases, not what they expand to (a 1 MB string aliased
 * 99 times is 99 MB of work for every check after it).
 */
import { isAlias, isMap, isNode, isScalar, isSeq, parseDocument, YAMLParseError } from 'yaml';
import type { Document, ErrorCode, LineCounter } from 'yaml';
// Lives apart so a JWT's checks need not load the yaml library (issue #14, CLI start).
export { nestedDeeperThan } from './nesting';
// Lives apart so a flow's templates and assertions need not load yaml either.
export { jsonPathProblem } from './flow/jsonpath';

/** Aliases one document may use: as many as yaml's own `maxAliasCount` in `toJS` allows. */
const MAX_ALIASES = 100;

/** What a document may expand to once its aliases are resolved. */
export interface ExpansionLimits {
  /** Characters of all strings and keys together. */
  maxChars: number;
  /** Values (scalars, lists, mappings) together. */
  maxNodes: number;
}

/** Flow files are hand-sized: a few hundred steps at most. */
export const FLOW_FILE_LIMITS: ExpansionLimits = { maxChars: 4_000_000, maxNodes: 500_000 };

/**
 * parseDocument with the duplicate-key check done in one pass (a Set per
 * mapping); a duplicate is a DUPLICATE_KEY error on the document, as yaml's
 * own `uniqueKeys` reports it. Aliases are checked in the same pass: one inside
 * its own anchor (a value that contains itself) is a BAD_ALIAS error, more than
 * MAX_ALIASES a RESOURCE_EXHAUSTION error, so `toJS` never meets either (it
 * finds each alias's anchor by walking the document from the start, and
 * re-counts a self-containing one at every use: 1,000 of them took minutes).
 * Throws RangeError for input nested too deeply to compose.
 *
 * `lineCounter` is for callers that turn offsets into lines; readableYamlValue needs none.
 */
export function parseUntrustedYaml(text: string, lineCounter?: LineCounter): Document.Parsed {
  const doc = parseDocument(text, { ...(lineCounter ? { lineCounter } : {}), prettyErrors: false, uniqueKeys: false });
  // The composer recurses per nesting level and turns its own stack overflow into a syntax error.
  const overflow = doc.errors.find((e) => /call stack/i.test(e.message));
  if (overflow) throw new RangeError(overflow.message);
  checkKeysAndAliases(doc);
  return doc;
}

/**
 * The walk parseUntrustedYaml makes, by hand rather than with yaml's `visit`:
 * `visit` copies and freezes the path at every collection and pair (a third of
 * the time `validate` spent outside the parser), and with a `Map` visitor it
 * never called `Node` for a mapping, so `a: &x { b: *x }` went unnoticed.
 * Recursive like the composer that built the tree, so it fits the stack.
 */
function checkKeysAndAliases(doc: Document.Parsed): void {
  const anchors = new Map<string, unknown>();
  /** The collections the walk is inside: an alias to one of them would contain itself. */
  const open = new Set<unknown>();
  let aliases = 0;
  const fail = (node: { range?: [number, number, number] | null }, code: ErrorCode, message: string): void => {
    const at = node.range?.[0] ?? 0;
    doc.errors.push(new YAMLParseError([at, at + 1], code, message));
  };
  /** False once there are too many aliases: the walk stops there, as yaml's toJS would refuse the rest. */
  const walk = (node: unknown): boolean => {
    if (isAlias(node)) {
      aliases += 1;
      if (aliases > MAX_ALIASES) {
        fail(node, 'RESOURCE_EXHAUSTION', `More than ${MAX_ALIASES} aliases (*name); write the values out instead`);
        return false;
      }
      const source = anchors.get(node.source);
      if (source !== undefined && open.has(source)) {
        fail(
          node,
          'BAD_ALIAS',
          `Alias *${node.source} is inside its own anchor &${node.source}, so the value would contain itself`,
        );
      }
      return true;
    }
    if (!isNode(node)) return true;
    if (node.anchor) anchors.set(node.anchor, node);
    if (isMap(node)) {
      const seen = new Set<unknown>();
      for (const pair of node.items) {
        if (!isScalar(pair.key)) continue;
        const key = pair.key.value;
        if (seen.has(key)) {
          const at = pair.key.range?.[0] ?? 0;
          doc.errors.push(new YAMLParseError([at, at + 1], 'DUPLICATE_KEY', 'Map keys must be unique'));
        }
        seen.add(key);
      }
      open.add(node);
      for (const pair of node.items) if (!walk(pair.key) || !walk(pair.value)) return false;
      open.delete(node);
    } else if (isSeq(node)) {
      open.add(node);
      for (const item of node.items) if (!walk(item)) return false;
      open.delete(node);
    }
    return true;
  };
  walk(doc.contents);
}

/**
 * What a YAML text holds as far as it can be read, syntax errors and all (for
 * editor features that still work on a half-written file), or undefined when
 * it cannot be read safely: nested too deeply, an alias inside its own anchor,
 * too many aliases, or aliases that expand too far.
 */
export function readableYamlValue(text: string): unknown {
  try {
    const doc = parseUntrustedYaml(text);
    if (doc.errors.some((e) => e.code === 'BAD_ALIAS' || e.code === 'RESOURCE_EXHAUSTION')) return undefined;
    return doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch {
    return undefined;
  }
}

/**
 * How far past `limits` the value goes once expanded, or undefined when it
 * stays inside. Shared objects (aliases) count each time they appear, and the
 * walk stops as soon as a limit is passed, so it is bounded by the limits.
 */
export function expansionOverflow(value: unknown, limits: ExpansionLimits): string | undefined {
  let chars = 0;
  // Counted when pushed, not when popped: a list holding itself many times (a cycle) would
  // otherwise grow the stack by its length at every step before the count caught up.
  let nodes = 1;
  // Worded only once a limit is passed: toLocaleString loads ICU, about 12 ms of every
  // `validate`, `run` and `import` start when it ran on each call (issue #14, CLI start).
  const tooMany = (): string => `more than ${limits.maxNodes.toLocaleString('en')} values`;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item === 'string') chars += item.length;
    else if (Array.isArray(item)) {
      nodes += item.length;
      if (nodes > limits.maxNodes) return tooMany();
      for (let i = item.length - 1; i >= 0; i -= 1) stack.push(item[i]);
    } else if (item !== null && typeof item === 'object') {
      const entries = Object.entries(item);
      nodes += entries.length;
      if (nodes > limits.maxNodes) return tooMany();
      for (const [key, child] of entries) {
        chars += key.length;
        stack.push(child);
      }
    }
    if (chars > limits.maxChars) return `more than ${(limits.maxChars / 1_000_000).toFixed(0)} million characters`;
  }
  return undefined;
}
