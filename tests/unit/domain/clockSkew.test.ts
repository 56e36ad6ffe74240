import { describe, expect, it } from 'vitest';
import { CLOCK_SKEW_WARN_MS, clockSkewWarning, describeDuration } from '../../../shared/domain/clockSkew';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

describe('clockSkewWarning', () => {
  it.each([
    [null, null],
    [0, null],
    [CLOCK_SKEW_WARN_MS, null],
    [-CLOCK_SKEW_WARN_MS, null],
    [Number.NaN, null],
    [CLOCK_SKEW_WARN_MS + 1_000, "This computer's clock is 5 minutes ahead of the practice system: fix the clock (PIN expiry dates depend on it)."],
    [-7 * MIN, "This computer's clock is 7 minutes behind the practice system: fix the clock (PIN expiry dates depend on it)."],
    [2 * HOUR + 5 * MIN, "This computer's clock is 2 h ahead of the practice system: fix the clock (PIN expiry dates depend on it)."],
    [-365 * DAY, "This computer's clock is 365 days behind the practice system: fix the clock (PIN expiry dates depend on it)."],
  ])('%s ms -> %s', (skew, words) => {
    expect(clockSkewWarning(skew)).toBe(words);
  });
});

describe('describeDuration', () => {
  it.each([
    [MIN, '1 minute'],
    [90 * MIN, '90 minutes'],
    [119 * MIN, '119 minutes'],
    [2 * HOUR, '2 h'],
    [47 * HOUR, '47 h'],
    [2 * DAY, '2 days'],
    [1000 * DAY, '1,000 days'],
  ])('%s ms -> %s', (ms, words) => {
    expect(describeDuration(ms)).toBe(words);
  });
});
