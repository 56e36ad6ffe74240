import { describe, expect, it } from 'vitest';
import { describeWait, signInDelaySeconds } from '../../shared/clerks/signInDelay';

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
});
