import { strict as assert } from 'node:assert';
import { deferredQueue, gatheredOutput } from '../../../src/cli/gathered-output';

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

describe('deferredQueue (step lines made while the next request travels)', () => {
  const tick = () => new Promise((resolve) => setImmediate(resolve));

  it('handles nothing as items come, then everything in order on the check phase after soon()', async () => {
    const handled: number[] = [];
    const queue = deferredQueue((n: number) => handled.push(n), 10_000);
    queue.push(1);
    queue.push(2);
    await tick();
    assert.deepEqual(handled, [], 'no request sent yet: nothing handled');
    queue.soon();
    assert.deepEqual(handled, [], 'soon() only schedules');
    await tick();
    assert.deepEqual(handled, [1, 2]);
    queue.soon();
    queue.flush();
    assert.deepEqual(handled, [1, 2], 'an empty queue handles nothing twice');
  });

  it('handles what waits by itself after the fallback delay, when no request follows', async () => {
    const handled: string[] = [];
    const queue = deferredQueue((s: string) => handled.push(s), 1);
    queue.push('last step');
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(handled, ['last step']);
  });

  it('flush() handles everything at once and leaves no timer behind', () => {
    const handled: string[] = [];
    const queue = deferredQueue((s: string) => handled.push(s));
    queue.push('a');
    queue.soon();
    queue.push('b');
    queue.flush();
    assert.deepEqual(handled, ['a', 'b']);
  });

  it("gives an item's error to the next push or flush, not to the event loop", async () => {
    const queue = deferredQueue((s: string) => {
      if (s === 'bad') throw new Error('reporter failed');
    }, 10_000);
    queue.push('bad');
    queue.soon();
    await tick();
    assert.throws(() => queue.push('next'), /reporter failed/);
    queue.push('bad');
    assert.throws(() => queue.flush(), /reporter failed/);
    queue.flush();
  });
});
