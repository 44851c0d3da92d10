import { strict as assert } from 'node:assert';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeadlineTimer } from '../../../src/core/http/deadline-timer';

// What the shared deadline timer of the HTTP client promises: each pending deadline expires once,
// in deadline order, whichever order they came in; a removed one never does; and the timer holds
// the process open only while a deadline is pending.
describe('DeadlineTimer (one timer for every pending deadline of a client)', () => {
  it('expires each pending deadline once, in deadline order, and never a removed one', async () => {
    const timer = new DeadlineTimer();
    const fired: string[] = [];
    const now = performance.now();
    timer.add(now + 120, () => fired.push('late'));
    timer.add(now + 20, () => fired.push('early'));
    const removed = timer.add(now + 60, () => fired.push('removed'));
    timer.add(now + 80, () => fired.push('middle'));
    timer.remove(removed);
    await sleep(250);
    assert.deepEqual(fired, ['early', 'middle', 'late']);
  });

  it('expires deadlines already due together, earliest first', async () => {
    const timer = new DeadlineTimer();
    const fired: number[] = [];
    const now = performance.now();
    for (const at of [3, 1, 2]) timer.add(now - at, () => fired.push(at));
    await sleep(30);
    assert.deepEqual(fired, [3, 2, 1]);
  });

  it('holds the process open only while a deadline is pending', async () => {
    const timer = new DeadlineTimer();
    assert.equal(timer.holdsProcess(), false);
    const first = timer.add(performance.now() + 60_000, () => assert.fail('removed before its time'));
    assert.equal(timer.holdsProcess(), true);
    timer.remove(first);
    assert.equal(timer.holdsProcess(), false, 'an idle client does not keep the process alive');
    const second = timer.add(performance.now() + 60_000, () => assert.fail('removed before its time'));
    assert.equal(timer.holdsProcess(), true, 'a later deadline on the armed timer holds it again');
    timer.remove(second);
    assert.equal(timer.holdsProcess(), false);
  });
});
