import { ManualClock } from '../../src/core/clock';

/**
 * A ManualClock with a sleep that moves it instead of waiting, for the code
 * that takes both (the runner, the device grant, the sandbox gateway's cache):
 * a poll or a cache expiry is tested in no time. `slept` records each wait.
 */
export function manualTime(start: number): {
  clock: ManualClock;
  slept: number[];
  sleep: (ms: number) => Promise<void>;
} {
  const clock = new ManualClock(start);
  const slept: number[] = [];
  const sleep = async (ms: number): Promise<void> => {
    slept.push(ms);
    clock.advance(ms);
  };
  return { clock, slept, sleep };
}
