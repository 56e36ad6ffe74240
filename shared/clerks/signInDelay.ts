/**
 * How long a username or a workstation must wait after `failures` consecutive failed sign-ins:
 * nothing for the first 3 (typos happen), then 5 seconds doubling with each failure, up to 5 minutes.
 */
export const FREE_FAILURES = 3;
export const FIRST_DELAY_SECONDS = 5;
export const MAX_DELAY_SECONDS = 300;

export function signInDelaySeconds(failures: number): number {
  if (failures <= FREE_FAILURES) return 0;
  const doublings = Math.min(failures - FREE_FAILURES - 1, 16);
  return Math.min(MAX_DELAY_SECONDS, FIRST_DELAY_SECONDS * 2 ** doublings);
}

/**
 * When a waiting period really ends: never later than the longest wait from now. A period set
 * while the machine's clock ran fast (a year ahead, then corrected) would otherwise lock every
 * clerk out for that year; an unreadable end counts as the longest wait. Pure: pass the times in.
 */
export function cappedBlockedUntil(blockedUntilMs: number, nowMs: number): number {
  const latest = nowMs + MAX_DELAY_SECONDS * 1000;
  return Number.isFinite(blockedUntilMs) ? Math.min(blockedUntilMs, latest) : latest;
}

/** Whole seconds from now until `untilMs` (0 once it has passed). */
export function secondsUntil(untilMs: number, nowMs: number): number {
  return Math.max(0, Math.ceil((untilMs - nowMs) / 1000));
}

/** "Wait 40 seconds" / "Wait 5 minutes", rounded up, for the clerk. */
export function describeWait(seconds: number): string {
  if (seconds < 60) return `${seconds} ${seconds === 1 ? 'second' : 'seconds'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} ${minutes === 1 ? 'minute' : 'minutes'}`;
}
