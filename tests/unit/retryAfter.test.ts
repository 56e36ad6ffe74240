import { describe, expect, it } from 'vitest';
import { MAX_RETRY_AFTER_MS, retryDelay } from '../../electron/main/lib/backoff';
import { retryAfterMs } from '../../electron/main/sync/http';

const NOW = Date.parse('2026-11-22T15:00:00Z');

describe('retryAfterMs: what the practice system asks, within an hour', () => {
  it.each([
    [null, undefined],
    ['', undefined],
    ['7', 7_000],
    [' 120 ', 120_000],
    ['0', 0],
    ['3600', MAX_RETRY_AFTER_MS],
    // Ten years: bounded to an hour, not parked until 2036.
    ['315360000', MAX_RETRY_AFTER_MS],
    // Unreadable or absurd: the normal backoff applies.
    ['-5', undefined],
    ['1.5', undefined],
    ['1e400', undefined],
    ['99999999999999999999999', undefined],
    ['soon', undefined],
    ['1', 1_000],
    ['Sun, 22 Nov 2026 15:00:30 GMT', 30_000],
    ['Sun, 22 Nov 2026 14:00:00 GMT', 0],
    ['Fri, 01 Jan 2100 00:00:00 GMT', MAX_RETRY_AFTER_MS],
    ['Sun, 22 Nov 2026 25:61:00 GMT', undefined],
  ])('%j -> %j', (header, ms) => {
    expect(retryAfterMs(header, NOW)).toBe(ms);
  });
});

describe('retryDelay', () => {
  it.each([
    [undefined, 1, 1_500],
    [7_000, 1, 7_000],
    [Number.POSITIVE_INFINITY, 1, 1_500],
    [Number.NaN, 2, 3_000],
    [-1, 1, 1_500],
    [10 * 365 * 86_400_000, 1, MAX_RETRY_AFTER_MS],
  ])('hint %s, attempt %s -> %s ms', (hint, attempt, ms) => {
    expect(retryDelay(hint, attempt, { baseMs: 2_000, maxMs: 600_000 }, () => 0.5)).toBe(ms);
  });
});
