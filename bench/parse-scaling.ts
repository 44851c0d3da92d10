/**
 * How parsing hostile flow files scales: each input is timed at n and 4n in
 * the same run and the ratio printed. Linear work gives about 4; quadratic
 * gives about 16. No assertion: timings belong here, not in tests.
 *
 *   npm run bench:parse
 */
import { checkFlowFile } from '../src/core/flow/load';

const step = (url: string) => `version: 1\nflows:\n  f:\n    steps:\n      - { id: a, type: request, url: "${url}" }\n`;
const INPUTS: Record<string, (n: number) => string> = {
  'unclosed {{': (n) => step('{{'.repeat(n)),
  'eyJ runs': (n) => step(`http://x/${'eyJ'.repeat(n)}`),
  'many keys': (n) =>
    `version: 1\nroutes:\n${Array.from({ length: n / 4 }, (_, i) => `  r${i}: { baseUrl: "http://x", path: / }`).join('\n')}\n`,
  'many templates': (n) => step('{{env.a}}'.repeat(n / 4)),
};

function time(text: string): number {
  const started = process.hrtime.bigint();
  checkFlowFile(text, { fileName: 'bench.yaml' });
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const n = Number(process.env.N ?? 20_000);
console.log(`input             n=${n} ms   4n ms   ratio (linear ~4, quadratic ~16)`);
for (const [name, make] of Object.entries(INPUTS)) {
  time(make(n / 10)); // warm up
  const small = Math.min(time(make(n)), time(make(n)));
  const large = Math.min(time(make(4 * n)), time(make(4 * n)));
  console.log(
    `${name.padEnd(16)}  ${small.toFixed(0).padStart(8)}  ${large.toFixed(0).padStart(6)}  ${(large / small).toFixed(1).padStart(5)}`,
  );
}
