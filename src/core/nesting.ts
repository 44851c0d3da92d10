/**
 * True when `value` nests lists or objects deeper than `max`: printing or
 * walking it recursively would overflow the stack (a JWT header of 200,000
 * nested lists did). Iterative, and stops at the first path that is too deep.
 */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (item === null || typeof item !== 'object') continue;
    if (depth >= max) return true;
    for (const child of Array.isArray(item) ? item : Object.values(item)) stack.push([child, depth + 1]);
  }
  return false;
}
