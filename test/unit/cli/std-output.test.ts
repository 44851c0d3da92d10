import { strict as assert } from 'node:assert';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, type Stats } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stdOutput } from '../../../src/cli/std-output';

/** A stat of a pipe (direct writes) or of a terminal (Node's stream). */
const kind = (pipe: boolean) => () => ({ isFIFO: () => pipe, isSocket: () => false, isFile: () => false }) as Stats;

/** A stand-in for Node's stream that records what it was given. */
function recordingStream() {
  const got: string[] = [];
  let made = 0;
  return {
    got,
    made: () => made,
    stream: () => {
      made += 1;
      return { write: (data: string | Uint8Array) => got.push(Buffer.from(data).toString('utf8')) };
    },
  };
}

describe('CLI standard output: straight to the descriptor for a pipe or file, Node’s stream for a terminal', () => {
  it('writes a file descriptor directly, in order, and never makes the stream', () => {
    const dir = mkdtempSync(join(tmpdir(), 'std-output-'));
    const fd = openSync(join(dir, 'out'), 'w');
    try {
      const node = recordingStream();
      const out = stdOutput(fd, node.stream, () => assert.fail('closed'));
      out.write('UNVERIFIED: é\n');
      out.write('second line\n');
      assert.equal(readFileSync(join(dir, 'out'), 'utf8'), 'UNVERIFIED: é\nsecond line\n');
      assert.equal(node.made(), 0);
      assert.equal(out.isTTY, undefined);
    } finally {
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives Node’s stream itself for anything that is not a pipe, socket or file (a terminal)', () => {
    const node = recordingStream();
    const out = stdOutput(1, node.stream, () => {}, { fstat: kind(false) });
    assert.equal(node.made(), 1);
    out.write('x');
    assert.deepEqual(node.got, ['x']);
    // fstat failing (a closed descriptor) also leaves it to Node.
    const failing = recordingStream();
    stdOutput(1, failing.stream, () => {}, {
      fstat: () => {
        throw Object.assign(new Error('EBADF'), { code: 'EBADF' });
      },
    });
    assert.equal(failing.made(), 1);
  });

  it('sends what a pipe did not take, from the byte where it stopped', () => {
    const bytes: number[] = [];
    const writeSync = (_fd: number, data: string | Uint8Array) => {
      const all = Buffer.from(data);
      const taken = all.subarray(0, 5);
      bytes.push(...taken);
      return taken.length;
    };
    const out = stdOutput(1, recordingStream().stream, () => {}, { fstat: kind(true), writeSync });
    out.write('ééé long line ☃ end\n');
    assert.equal(Buffer.from(bytes).toString('utf8'), 'ééé long line ☃ end\n');
  });

  it('hands the rest to Node’s stream when the descriptor would block (EAGAIN), for every later write too', () => {
    const direct: string[] = [];
    let calls = 0;
    const writeSync = () => {
      calls += 1;
      if (calls === 1) {
        direct.push('head');
        return 4;
      }
      throw Object.assign(new Error('EAGAIN'), { code: 'EAGAIN' });
    };
    const node = recordingStream();
    const out = stdOutput(1, node.stream, () => {}, { fstat: kind(true), writeSync });
    out.write('head and tail\n');
    out.write('next\n');
    assert.deepEqual(direct, ['head']);
    assert.deepEqual(node.got, [' and tail\n', 'next\n']);
    assert.equal(node.made(), 1);
  });

  it('ends as a closed pipe does when the reader has gone (EPIPE), and throws any other error', () => {
    let closed = 0;
    const epipe = stdOutput(1, recordingStream().stream, () => (closed += 1), {
      fstat: kind(true),
      writeSync: () => {
        throw Object.assign(new Error('EPIPE'), { code: 'EPIPE' });
      },
    });
    assert.equal(epipe.write('x'), false);
    assert.equal(closed, 1);
    const full = stdOutput(1, recordingStream().stream, () => {}, {
      fstat: kind(true),
      writeSync: () => {
        throw Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' });
      },
    });
    assert.throws(() => full.write('x'), /ENOSPC/);
  });
});
