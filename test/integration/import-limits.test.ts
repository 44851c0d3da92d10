/** Big exports: bounded memory, and a clear refusal for what no flow file could hold. */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importAny } from '../../src/core/importers';
import { isOidcError } from '../../src/core/errors';

const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');
const collection = (items: unknown[]) =>
  JSON.stringify({
    info: { name: 'big', schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json' },
    variable: [{ key: 'baseUrl', value: 'https://api.example.com' }],
    item: items,
  });

describe('import limits', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does)`);
    dir = mkdtempSync(join(tmpdir(), 'oidc-import-limits-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a 40 MB Postman collection (saved example responses) imports with under 300 MB of memory', () => {
    // What makes real collections big: saved example responses, which an import does not carry.
    const body = JSON.stringify({ items: Array.from({ length: 1000 }, (_, k) => ({ id: k, d: 'y'.repeat(30) })) });
    const items = Array.from({ length: 150 }, (_, i) => ({
      name: `req ${i}`,
      request: { method: 'GET', url: `{{baseUrl}}/orders/${i}`, header: [] },
      response: Array.from({ length: 5 }, (_, j) => ({ name: `ex${j}`, code: 200, status: 'OK', header: [], body })),
    }));
    const input = join(dir, 'big.postman_collection.json');
    const text = collection(items);
    writeFileSync(input, text);
    assert.ok(text.length > 38_000_000, `only ${text.length} characters`);
    const out = spawnSync(process.execPath, [CLI, 'import', input, '-o', join(dir, 'big.oidc-flow.yaml')], {
      encoding: 'utf8',
      env: {
        ...process.env,
        NO_COLOR: '1',
        NODE_OPTIONS: `--require ${join(__dirname, '..', 'support', 'report-rss.cjs')}`,
      },
    });
    assert.equal(out.status, 0, out.stderr);
    assert.match(out.stdout, /Valid: .*\(1 flow, 150 steps\)/);
    const kb = Number(/maxRSS-KB (\d+)/.exec(out.stderr)?.[1]);
    assert.ok(kb > 0 && kb < 300 * 1024, `peak memory ${Math.round(kb / 1024)} MB`);
  });

  it('an export with more requests than a flow file holds is refused before anything is built (import.too_large, exit 2)', () => {
    const items = Array.from({ length: 5001 }, (_, i) => ({
      name: `r${i}`,
      request: { method: 'GET', url: `{{baseUrl}}/${i}` },
    }));
    assert.throws(
      () => importAny(collection(items), { fileName: 'many.json' }),
      (e: unknown) =>
        isOidcError(e) &&
        e.code === 'import.too_large' &&
        /^many\.json holds 5,001 requests; a flow file holds at most 5,000 requests/.test(e.message) &&
        /export that folder/.test(e.hint ?? ''),
    );
  });

  it('an export whose flow file would pass the size cap is refused, naming the size', () => {
    const items = Array.from({ length: 90 }, (_, i) => ({
      name: `r${i}`,
      request: { method: 'POST', url: `{{baseUrl}}/${i}`, body: { mode: 'raw', raw: 'z'.repeat(50_000) } },
    }));
    assert.throws(
      () => importAny(collection(items), { fileName: 'bodies.json' }),
      (e: unknown) =>
        isOidcError(e) &&
        e.code === 'import.too_large' &&
        /would make a flow file of 4\.\d million characters/.test(e.message),
    );
  });
});
