import { strict as assert } from 'node:assert';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../src/core/atomic-write';
import { runCli } from '../../src/cli/cli';
import { captureIo } from '../support/capture-io';

describe('writeFileAtomic', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'oidc-atomic-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('replaces a world-readable file with an owner-only one, says so, and leaves no temporary file', async () => {
    const path = join(dir, 'report.json');
    writeFileSync(path, 'old');
    chmodSync(path, 0o644);
    assert.deepEqual(await writeFileAtomic(path, 'new', { mode: 0o600 }), { replaced: true });
    assert.equal(readFileSync(path, 'utf8'), 'new');
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dir), ['report.json']);
    assert.deepEqual(await writeFileAtomic(join(dir, 'fresh.json'), 'x', { mode: 0o600 }), { replaced: false });
  });

  it('with overwrite false, an existing file is untouched (EEXIST) and no temporary file is left', async () => {
    const path = join(dir, 'mine.oidc-flow.yaml');
    writeFileSync(path, '# my flow\n');
    await assert.rejects(writeFileAtomic(path, 'imported', { mode: 0o644, overwrite: false }), { code: 'EEXIST' });
    assert.equal(readFileSync(path, 'utf8'), '# my flow\n');
    assert.deepEqual(readdirSync(dir), ['mine.oidc-flow.yaml']);
  });

  it('run --output replaces an earlier report mode 600 and says it did', async () => {
    const flow = join(dir, 'f.oidc-flow.yaml');
    writeFileSync(flow, 'version: 1\nflows:\n  f:\n    steps:\n      - { id: w, type: wait, seconds: 0 }\n');
    const report = join(dir, 'report.xml');
    writeFileSync(report, 'earlier');
    chmodSync(report, 0o644);
    const c = captureIo();
    assert.equal(await runCli(['run', flow, '--reporter', 'junit', '--output', report], c.io), 0, c.err());
    assert.match(readFileSync(report, 'utf8'), /<testsuites/);
    assert.equal(statSync(report).mode & 0o777, 0o600);
    assert.match(c.err(), /Replaced the earlier report at .*report\.xml\./);
    // The report went to the file; the log (standard output) still shows the run.
    assert.match(c.out(), /▶ flow f/);
  });
});
