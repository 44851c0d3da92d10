import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import { evaluateAssertions } from './src/core/flow';
import { hostileText, mutationsOf } from './test/support/fuzz';
const call: any = { status: 'failed', response: { status: 401, headers: {}, body: { items: [{ id: 'o-1', price: 12.5 }, { id: 'o-2' }], 'odd key': true, nested: { a: { b: [1, 2, 3] } } } } };
const PATHS = ['$.items[0].id', '$..price', '$.items[?(@.price > 5)].id', "$['odd key']", '$.nested.a.b[1:2]', '$.items[*]', '$.items.length'];
let worst = 0;
fc.assert(fc.property(fc.oneof(hostileText, mutationsOf(...PATHS)), (p) => {
  writeFileSync('/tmp/last-path.txt', p);
  const s = Date.now();
  evaluateAssertions([{ json: p, exists: true } as any], call, { now: 0 });
  const t = Date.now() - s;
  if (t > worst) { worst = t; writeFileSync('/tmp/worst-path.json', JSON.stringify({ t, p })); }
}), { numRuns: 5000 });
