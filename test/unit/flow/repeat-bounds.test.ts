/** A long repeat: bounded memory, a documented maximum of `times`, and it yields so a stop is heard. */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFlowFile } from '../../../src/core/flow/load';
import { FlowRunner, REPEAT_DETAIL_ITERATIONS } from '../../../src/core/flow/runner';
import { FakeHttp } from '../../support/fake-http';

const TOKEN = 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.';
const repeatFile = (times: number, inner = 1) => `
version: 1
flows:
  f:
    steps:
      - id: again
        type: repeat
        times: ${times}
        every: 0
        steps:
${Array.from({ length: inner }, (_, i) => `          - { id: d${i}, type: decode, token: "\${env:T}" }`).join('\n')}
`;

describe('repeat: bounded', function () {
  this.timeout(60_000);

  it('keeps the details of the last iterations only, and counts the rest', async () => {
    const file = loadFlowFile(repeatFile(2000, 2), { fileName: 'r.yaml' }).file;
    const result = await new FlowRunner(file, { http: new FakeHttp(), secrets: { env: { T: TOKEN } } }).run({
      flow: 'f',
    });
    const repeat = result.steps[0]!;
    assert.equal(repeat.status, 'passed');
    assert.equal(repeat.attempts, 2000);
    assert.equal(repeat.children?.length, REPEAT_DETAIL_ITERATIONS * 2);
    assert.equal(repeat.children?.at(-1)?.path, 'again/d1#2000');
    assert.ok(
      repeat.notes.some((n) =>
        /^Ran 2000 time\(s\).*details of the last 20 iterations are kept; the 1980 before: 3960 steps passed, 0 failed, 0 errors\./.test(
          n,
        ),
      ),
      repeat.notes.join('\n'),
    );
  });

  it('refuses more than 10000 times, naming the field and the maximum', () => {
    assert.throws(
      () => loadFlowFile(repeatFile(100_000_000), { fileName: 'r.yaml' }),
      (e: { code?: string; message: string }) =>
        e.code === 'flowfile.schema' && /flows\.f\.steps\[0\]\.times/.test(e.message) && /10000/.test(e.message),
    );
  });

  it('a run that never waits on the network still stops at once when aborted', async () => {
    const stop = new AbortController();
    const file = loadFlowFile(repeatFile(10_000, 10), { fileName: 'r.yaml' }).file;
    setTimeout(() => stop.abort(), 50);
    const result = await new FlowRunner(file, {
      http: new FakeHttp(),
      secrets: { env: { T: TOKEN } },
      signal: stop.signal,
    }).run({ flow: 'f' });
    assert.ok((result.steps[0]!.attempts ?? 0) < 10_000, 'the repeat ran to the end');
  });

  // No timed assertion (timing belongs in benchmarks): before the runner yielded, the signal
  // was not heard until the whole repeat had run, and the CLI exited 0 with its full report.
  it('the built CLI stops a running repeat on SIGINT and on SIGTERM (exit 130, not the end of the run)', async function () {
    const cli = join(__dirname, '..', '..', '..', 'dist', 'cli.js');
    if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first (npm test does)`);
    const dir = mkdtempSync(join(tmpdir(), 'oidc-repeat-'));
    try {
      writeFileSync(join(dir, 'r.oidc-flow.yaml'), repeatFile(10_000, 10));
      for (const signal of ['SIGINT', 'SIGTERM'] as const) {
        const child = spawn(process.execPath, [cli, 'run', join(dir, 'r.oidc-flow.yaml')], {
          env: { ...process.env, NO_COLOR: '1', T: TOKEN },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
        // Signal once the repeat is running: its iterations are being reported.
        await new Promise<void>((resolve) => {
          let out = '';
          child.stdout.on('data', (chunk: Buffer) => {
            out += chunk.toString();
            if (/#3\b/.test(out)) resolve();
          });
        });
        child.kill(signal);
        const code = await exited;
        assert.equal(code, 130, `${signal}: exit code`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
