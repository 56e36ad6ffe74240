import { describe, expect, it } from 'vitest';
import { cappedBlockedUntil, describeWait, MAX_DELAY_SECONDS, secondsUntil, signInDelaySeconds } from '../../shared/clerks/signInDelay';

describe('the wait after failed sign-ins', () => {
  it.each([
    [0, 0],
    [1, 0],
    [2, 0],
    [3, 0],
    [4, 5],
    [5, 10],
    [6, 20],
    [7, 40],
    [8, 80],
    [9, 160],
    [10, 300],
    [11, 300],
    [1000, 300],
  ])('after %i failures is %i seconds', (failures, seconds) => {
    expect(signInDelaySeconds(failures)).toBe(seconds);
  });

  it('never shrinks as failures add up', () => {
    for (let n = 0; n < 50; n++) expect(signInDelaySeconds(n + 1)).toBeGreaterThanOrEqual(signInDelaySeconds(n));
  });

  it.each([
    [1, '1 second'],
    [40, '40 seconds'],
    [60, '1 minute'],
    [61, '2 minutes'],
    [300, '5 minutes'],
  ])('says %i seconds as "%s"', (seconds, text) => {
    expect(describeWait(seconds)).toBe(text);
  });

  const NOW = Date.parse('2026-11-22T15:00:00Z');
  const MINUTE = 60_000;
  const YEAR = 366 * 24 * 60 * MINUTE;
  it.each([
    ['already over', NOW - MINUTE, NOW - MINUTE, 0],
    ['ending now', NOW, NOW, 0],
    ['40 seconds away', NOW + 40_000, NOW + 40_000, 40],
    ['exactly the longest wait away', NOW + 5 * MINUTE, NOW + 5 * MINUTE, 300],
    ['a second past the longest wait', NOW + 5 * MINUTE + 1000, NOW + 5 * MINUTE, 300],
    ['set while the clock ran a year fast', NOW + YEAR + 5 * MINUTE, NOW + 5 * MINUTE, 300],
    ['unreadable', Number.NaN, NOW + 5 * MINUTE, 300],
  ])('a waiting period %s ends at the right time and never waits past the maximum', (_case, stored, until, seconds) => {
    expect(cappedBlockedUntil(stored, NOW)).toBe(until);
    expect(secondsUntil(cappedBlockedUntil(stored, NOW), NOW)).toBe(seconds);
    expect(seconds).toBeLessThanOrEqual(MAX_DELAY_SECONDS);
  });
});
