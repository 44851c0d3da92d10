/**
 * Orders requests so that every request runs after the ones whose responses
 * it reads, keeping the export's order wherever the chaining allows
 * (a stable topological sort). Cycles cannot be ordered: each is returned so
 * the caller can report it, and the request that breaks it is placed in
 * export order anyway.
 */

export interface OrderNode {
  ref: string;
  /** Refs of the requests this one reads. */
  deps: Set<string>;
}

export interface Ordering<T extends OrderNode> {
  order: T[];
  /** Each cycle as the refs along it, first ref repeated at the end. */
  cycles: string[][];
}

function findCycle<T extends OrderNode>(start: T, remaining: Map<string, T>, live: (node: T) => string[]): string[] {
  const path: string[] = [];
  let current: T | undefined = start;
  while (current && !path.includes(current.ref)) {
    path.push(current.ref);
    const next: string | undefined = live(current).find((d) => remaining.has(d));
    current = next === undefined ? undefined : remaining.get(next);
  }
  if (!current) return [...path, start.ref];
  const from = path.indexOf(current.ref);
  return [...path.slice(from), current.ref];
}

/**
 * Stable topological order by `deps`; unknown deps are ignored (the caller
 * reports them). A cycle is broken at its earliest request (in export order),
 * whose read of the next request in the cycle is ignored, and the sort starts
 * over, so requests outside the cycle keep their places.
 */
export function orderByDependencies<T extends OrderNode>(nodes: T[]): Ordering<T> {
  const known = new Set(nodes.map((n) => n.ref));
  const index = new Map(nodes.map((n, i) => [n.ref, i] as const));
  const broken = new Map<string, Set<string>>();
  const live = (node: T) => [...node.deps].filter((d) => known.has(d) && !broken.get(node.ref)?.has(d));
  const cycles: string[][] = [];
  for (;;) {
    const remaining = new Map(nodes.map((n) => [n.ref, n] as const));
    const done = new Set<string>();
    const order: T[] = [];
    while (remaining.size > 0) {
      const next = [...remaining.values()].find((n) => live(n).every((d) => done.has(d)));
      if (!next) break;
      order.push(next);
      done.add(next.ref);
      remaining.delete(next.ref);
    }
    if (remaining.size === 0) return { order, cycles };
    const cycle = findCycle([...remaining.values()][0]!, remaining, live);
    cycles.push(cycle);
    const members = cycle.slice(0, -1);
    const forced = members.reduce((a, b) => (index.get(a)! <= index.get(b)! ? a : b));
    const target = cycle[cycle.indexOf(forced) + 1]!;
    if (!broken.has(forced)) broken.set(forced, new Set());
    broken.get(forced)!.add(target);
  }
}
