/**
 * How parsing hostile input scales: each input is timed at n and 4n in the
 * same run and the ratio printed. Linear work gives about 4; quadratic gives
 * about 16. No assertion: timings belong here, not in tests (the fuzz suites
 * in test/unit/fuzz/ feed the same shapes under a generous timeout instead).
 *
 *   npm run bench:parse
 */
import { parseWwwAuthenticate } from '../src/core/diagnosis/www-authenticate';
import { checkFlowFile } from '../src/core/flow/load';
import { renderTemplate } from '../src/core/flow/template';
import { readApacheConf } from '../src/core/gateway/apache-conf';
import { readDeckFile } from '../src/core/gateway/deck-file';
import { importAny } from '../src/core/importers';
import { decodeJwt } from '../src/core/jwt/decode';

const step = (url: string) => `version: 1\nflows:\n  f:\n    steps:\n      - { id: a, type: request, url: "${url}" }\n`;
const flow = (text: string) => checkFlowFile(text, { fileName: 'bench.yaml' });
const attempt = (run: () => unknown) => () => {
  try {
    run();
  } catch {
    // A coded refusal is a result too; only the time matters here.
  }
};
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const ctx = { env: { a: 'x' }, vars: {}, steps: {} };

const INPUTS: Record<string, (n: number) => () => unknown> = {
  'flow: unclosed {{': (n) => () => flow(step('{{'.repeat(n))),
  'flow: eyJ runs': (n) => () => flow(step(`http://x/${'eyJ'.repeat(n)}`)),
  'flow: many keys': (n) => () =>
    flow(
      `version: 1\nroutes:\n${Array.from({ length: n / 4 }, (_, i) => `  r${i}: { baseUrl: "http://x", path: / }`).join('\n')}\n`,
    ),
  'flow: templates': (n) => () => flow(step('{{env.a}}'.repeat(n / 4))),
  'flow: self alias': (n) => () => flow(`version: 1\nvars: &a [${'*a, '.repeat(n / 4)}]\n`),
  'template render': (n) => attempt(() => renderTemplate('{{env.a}}'.repeat(n / 4), ctx)),
  'jwt: quotes': (n) => attempt(() => decodeJwt(`${'"'.repeat(n)}x${'"'.repeat(n)}`)),
  'jwt: big payload': (n) => attempt(() => decodeJwt(`${b64({ alg: 'RS256' })}.${b64({ a: 'x'.repeat(n) })}.sig`)),
  'www-auth: params': (n) => () => parseWwwAuthenticate(`Bearer ${'a=b, '.repeat(n / 4)}`),
  'www-auth: quoted': (n) => () => parseWwwAuthenticate(`Bearer a="${'\\"'.repeat(n / 2)}"`),
  'import: requests': (n) =>
    attempt(() =>
      importAny(
        `{"_type":"export","__export_format":4,"resources":[{"_id":"wrk_1","_type":"workspace","name":"w"},${Array.from(
          { length: n / 100 },
          (_, i) =>
            `{"_id":"req_${i}","_type":"request","parentId":"wrk_1","name":"r${i}","method":"GET","url":"http://x/{{ _.v${i} }}"}`,
        ).join(',')}]}`,
        { fileName: 'bench.json' },
      ),
    ),
  'deck: services': (n) =>
    attempt(() =>
      readDeckFile(
        `_format_version: "3.0"\nservices:\n${Array.from({ length: n / 50 }, (_, i) => `  - { name: s${i}, url: "http://x/${i}" }`).join('\n')}\n`,
      ),
    ),
  'apache: sections': (n) =>
    attempt(() =>
      readApacheConf(
        `<VirtualHost *:443>\n${'<Location /a>\nAuthType openid-connect\nRequire valid-user\n</Location>\n'.repeat(n / 280)}</VirtualHost>\n`,
      ),
    ),
};

function time(run: () => unknown): number {
  const started = process.hrtime.bigint();
  run();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const n = Number(process.env.N ?? 20_000);
console.log(`input               n=${n} ms   4n ms   ratio (linear ~4, quadratic ~16)`);
for (const [name, make] of Object.entries(INPUTS)) {
  time(make(n / 10)); // warm up
  const small = Math.min(time(make(n)), time(make(n)));
  const large = Math.min(time(make(4 * n)), time(make(4 * n)));
  console.log(
    `${name.padEnd(18)}  ${small.toFixed(0).padStart(8)}  ${large.toFixed(0).padStart(6)}  ${(large / small).toFixed(1).padStart(5)}`,
  );
}
