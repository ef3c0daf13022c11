import { expect } from 'chai';
import { nextAttemptDelay } from './next-attempt-delay.js';

describe('nextAttemptDelay', () => {
  const schedule = [5_000, 300_000, 1_800_000];
  const middle = () => 0.5;

  it('follows the schedule with jitter and says when the last attempt was made', () => {
    expect(nextAttemptDelay(schedule, 1, undefined, middle)).to.equal(5_000);
    expect(nextAttemptDelay(schedule, 2, undefined, () => 0)).to.equal(270_000);
    expect(nextAttemptDelay(schedule, 4)).to.equal(undefined);
  });

  it('waits for a later Retry-After, but never longer than the longest step', () => {
    expect(nextAttemptDelay(schedule, 1, 60_000, middle)).to.equal(60_000);
    // Retry-After: 999999999, a 400-digit number, a date in 9999.
    for (const asked of [999_999_999_000, Number('9'.repeat(400)) * 1000, Date.parse('9999-12-31T23:59:59Z') - Date.now()]) {
      expect(nextAttemptDelay(schedule, 1, asked, middle), String(asked)).to.equal(1_800_000);
    }
  });
});
