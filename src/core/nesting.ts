/**
 * True when `value` nests lists or objects deeper than `max`: printing or
 * walking it recursively would overflow the stack (a JWT header of 200,000
 * nested lists did). Iterative, and stops at the first path that is too deep.
 */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  // Two stacks and only objects pushed: a pair per value showed in the allocation profile of a long
  // run, which checks every token's header and payload (issue #14).
  const items: object[] = [];
  const depths: number[] = [];
  if (value !== null && typeof value === 'object') {
    items.push(value);
    depths.push(0);
  }
  while (items.length > 0) {
    const item = items.pop()!;
    const depth = depths.pop()!;
    if (depth >= max) return true;
    for (const child of Array.isArray(item) ? item : Object.values(item))
      if (child !== null && typeof child === 'object') {
        items.push(child);
        depths.push(depth + 1);
      }
  }
  return false;
}
