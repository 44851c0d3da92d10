/**
 * The progress line through a real pseudo-terminal (util-linux `script`): drawn while a repeat
 * waits when stderr is a terminal, absent when the same run is piped.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const cli = join(__dirname, '..', '..', 'dist', 'cli.js');

describe('the progress line on a real terminal', function () {
  this.timeout(30_000);
  let dir: string;
  let flow: string;
  before(() => {
    if (spawnSync('sh', ['-c', 'command -v script']).status !== 0)
      throw new Error('`script` is not installed: apt-get install util-linux (bsdutils) to run this test.');
    if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first (npm test does)`);
    dir = mkdtempSync(join(tmpdir(), 'oidc-progress-tty-'));
    flow = join(dir, 'poll.oidc-flow.yaml');
    writeFileSync(
      flow,
      'version: 1\nflows:\n  poll:\n    steps:\n      - { id: again, type: repeat, times: 2, every: 1, step: { id: pause, type: wait, seconds: 0 } }\n',
    );
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  const command = () => `${JSON.stringify(process.execPath)} ${JSON.stringify(cli)} run ${JSON.stringify(flow)}`;

  it('draws and clears the line in a pseudo-terminal', () => {
    const result = spawnSync('script', ['-qec', command(), '/dev/null'], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /\r\u001b\[2Kagain: iteration 1\/2, next in 1 s/);
    assert.match(result.stdout, /\r\u001b\[2K[^\r]*✔[^\n]*pause#2/);
  });

  it('writes no line when piped, nor with --quiet on the terminal', () => {
    const piped = spawnSync('sh', ['-c', `${command()} 2>&1 | cat`], { encoding: 'utf8' });
    assert.equal(piped.status, 0, piped.stdout);
    const quiet = spawnSync('script', ['-qec', `${command()} --quiet`, '/dev/null'], { encoding: 'utf8' });
    assert.equal(quiet.status, 0, quiet.stdout);
    for (const out of [piped.stdout, quiet.stdout]) {
      assert.match(out, /pause#2/);
      assert.doesNotMatch(out, /iteration|\u001b\[2K/);
    }
  });
});
