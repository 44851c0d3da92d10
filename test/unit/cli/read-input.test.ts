/**
 * How the CLI reads the files named on its command line (src/cli/read-input.ts): a regular file
 * synchronously (no thread pool at start, issue #14), anything else as readTextFile always did.
 * Either way the text and the failures are readTextFile's.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCliTextFile } from '../../../src/cli/read-input';
import { readTextFile } from '../../../src/core/text-file';

/** What a read gives: its text, or its error's code, syscall and message. */
async function outcome(read: Promise<string>): Promise<unknown> {
  try {
    return { text: await read };
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    return { code: e.code, syscall: e.syscall, message: e.message };
  }
}

describe('readCliTextFile', function () {
  let dir: string;
  before(function () {
    dir = mkdtempSync(join(tmpdir(), 'read-input-'));
  });
  after(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives what readTextFile gives for a regular file, an empty one, a missing one and a folder', async function () {
    const text = join(dir, 'deck.yaml');
    writeFileSync(text, '_format_version: "3.0"\n# é ✓ \u{1F600}\n');
    const empty = join(dir, 'empty.yaml');
    writeFileSync(empty, '');
    for (const path of [text, empty, join(dir, 'missing.yaml'), dir]) {
      assert.deepEqual(await outcome(readCliTextFile(path)), await outcome(readTextFile(path)), path);
    }
    assert.deepEqual(await outcome(readCliTextFile(text)), { text: '_format_version: "3.0"\n# é ✓ \u{1F600}\n' });
  });

  it('fails as a rejected promise, never by throwing at the call', async function () {
    const read = readCliTextFile(join(dir, 'missing.yaml'));
    assert.ok(read instanceof Promise);
    await assert.rejects(read, { code: 'ENOENT' });
  });

  // Windows has no FIFO (mkfifo): the cases above are the ones that apply there.
  const posixIt = process.platform === 'win32' ? it.skip : it;
  posixIt('reads a FIFO without blocking the event loop: its writer runs in the same process', async function () {
    const fifo = join(dir, 'pipe.yaml');
    execFileSync('mkfifo', [fifo]);
    // A synchronous open of a FIFO would wait for this writer forever (and Ctrl-C with it).
    const [text] = await Promise.all([readCliTextFile(fifo), writeFile(fifo, 'piped: true\n')]);
    assert.equal(text, 'piped: true\n');
  });
});
