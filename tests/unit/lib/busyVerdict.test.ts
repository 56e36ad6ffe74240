import { describe, expect, it } from 'vitest';
import { BUSY_LIMIT_MS, busyVerdict } from '../../../electron/main/lib/backoff';

const at = (iso: string) => new Date(iso);

describe('busyVerdict: "busy or failing" answers are retried for BUSY_LIMIT_MS, then parked', () => {
  it.each([
    // busy since, answered at, since kept, parked
    [null, '2026-11-22T15:00:00.000Z', '2026-11-22T15:00:00.000Z', false],
    ['2026-11-22T15:00:00.000Z', '2026-11-22T20:59:59.999Z', '2026-11-22T15:00:00.000Z', false],
    ['2026-11-22T15:00:00.000Z', '2026-11-22T21:00:00.000Z', '2026-11-22T15:00:00.000Z', true],
    ['2026-11-22T15:00:00.000Z', '2026-11-25T09:00:00.000Z', '2026-11-22T15:00:00.000Z', true],
    // A damaged stored value starts the count again rather than parking at once or never.
    ['not a time', '2026-11-22T15:00:00.000Z', '2026-11-22T15:00:00.000Z', false],
  ])('busy since %s, answered busy at %s: since %s, parked %s', (since, now, expectedSince, park) => {
    expect(busyVerdict(since, at(now))).toEqual({ since: expectedSince, park });
  });

  it('is six hours by default', () => {
    expect(BUSY_LIMIT_MS).toBe(6 * 3600_000);
  });
});
