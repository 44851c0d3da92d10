/**
 * True when `value` nests lists or objects deeper than `max`: printing or
 * walking it recursively would overflow the stack (a JWT header of 200,000
 * nested lists did). Iterative, and stops at the first path that is too deep.
 */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  // Two parallel stacks and only containers pushed: no pair array per value (a JWT verification
  // walks its header and claims on every call).
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
    const children: unknown[] = Array.isArray(item) ? item : Object.values(item);
    for (const child of children) {
      if (child !== null && typeof child === 'object') {
        items.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}
