import { strict as assert } from 'node:assert';
import { gatheredOutput } from '../../../src/cli/gathered-output';

describe('gatheredOutput (step lines to a pipe or a file)', () => {
  it('writes the lines of several steps in one write, in order, on flush', () => {
    const writes: string[] = [];
    const out = gatheredOutput((t) => writes.push(t));
    out.write('step one\n');
    out.write('step two\n');
    assert.deepEqual(writes, []);
    out.flush();
    assert.deepEqual(writes, ['step one\nstep two\n']);
    out.flush();
    assert.equal(writes.length, 1, 'nothing pending: no empty write');
  });

  it('writes what is pending by itself after the delay, so a long run shows its progress', async () => {
    const writes: string[] = [];
    const out = gatheredOutput((t) => writes.push(t), 1);
    out.write('a\n');
    out.write('b\n');
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(writes, ['a\nb\n']);
    out.write('c\n');
    out.flush();
    assert.deepEqual(writes, ['a\nb\n', 'c\n']);
  });

  it('writes at once when the pending text grows long (bounded memory)', () => {
    const writes: string[] = [];
    const out = gatheredOutput((t) => writes.push(t));
    const line = `${'x'.repeat(1023)}\n`;
    for (let i = 0; i < 200; i += 1) out.write(line);
    assert.ok(writes.length >= 3, `expected several writes, got ${writes.length}`);
    assert.ok(writes.every((w) => w.length <= 64 * 1024));
    out.flush();
    assert.equal(writes.join(''), line.repeat(200));
  });
});
