import type { Document, LineCounter, Node } from 'yaml';
import { isMap, isNode, isPair, isScalar, isSeq } from 'yaml';

/** 1-based line and column, plus the 0-based character offset. */
export interface SourcePosition {
  line: number;
  col: number;
  offset: number;
}

export interface SourceRange {
  start: SourcePosition;
  end: SourcePosition;
}

export type DataPath = Array<string | number>;

/** Finds where a value (or its key) sits in the parsed source. */
export interface SourceLocator {
  /**
   * The range of the value at `path`; with `key: true`, the range of its key
   * (what an editor should underline for "unknown field" or "missing field").
   * Falls back to the nearest existing ancestor.
   */
  locate(path: DataPath, options?: { key?: boolean }): SourceRange | undefined;
}

/** Builds a locator over a yaml Document parsed with a LineCounter. */
export function createSourceLocator(doc: Document | undefined, lineCounter: LineCounter): SourceLocator {
  const position = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { line: Math.max(line, 1), col, offset };
  };
  const rangeOf = (node: unknown): SourceRange | undefined => {
    const range = isNode(node) ? (node as Node).range : undefined;
    return range ? { start: position(range[0]), end: position(range[1]) } : undefined;
  };
  return {
    locate(path, options = {}) {
      let node: unknown = doc?.contents;
      let keyNode: unknown;
      let best = rangeOf(node);
      for (const segment of path) {
        keyNode = undefined;
        if (isMap(node)) {
          const pair = node.items.find(
            (p) => isPair(p) && (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(segment),
          );
          if (!pair) return best;
          keyNode = pair.key;
          node = pair.value;
        } else if (isSeq(node) && typeof segment === 'number') {
          node = node.items[segment];
        } else {
          return best;
        }
        best = (options.key ? rangeOf(keyNode) : undefined) ?? rangeOf(node) ?? rangeOf(keyNode) ?? best;
      }
      return best;
    },
  };
}

/** "flows.smoke.steps[2].idp" for people. */
export function formatDataPath(path: DataPath): string {
  return path.reduce<string>((acc, segment) => {
    if (typeof segment === 'number') return `${acc}[${segment}]`;
    const part = /^[A-Za-z0-9_$-]+$/.test(segment) ? segment : `'${segment}'`;
    return acc ? `${acc}.${part}` : part;
  }, '');
}

/** Turns an ajv instance path ("/idps/okta/scopes/0") into data path segments. */
export function pointerToPath(pointer: string, data: unknown): DataPath {
  if (!pointer) return [];
  const path: DataPath = [];
  let current = data;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(current) && /^\d+$/.test(segment)) {
      path.push(Number(segment));
      current = current[Number(segment)];
    } else {
      path.push(segment);
      current =
        current !== null && typeof current === 'object' ? (current as Record<string, unknown>)[segment] : undefined;
    }
  }
  return path;
}
