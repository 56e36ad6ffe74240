/**
 * The status bar's clock warning (issue 11): PIN expiry, sign-in waits and the audit log all read
 * this computer's clock, so a clock far from the practice system's is worth a word. Pure.
 */

/** Past this difference the status bar warns. */
export const CLOCK_SKEW_WARN_MS = 5 * 60_000;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "7 minutes", "2 h", "3 days": rounded, as a person says it. */
export function describeDuration(ms: number): string {
  if (ms < 2 * HOUR) {
    const minutes = Math.round(ms / MINUTE);
    return `${minutes} ${minutes === 1 ? 'minute' : 'minutes'}`;
  }
  if (ms < 2 * DAY) return `${Math.round(ms / HOUR)} h`;
  const days = Math.round(ms / DAY);
  return `${days.toLocaleString('en-US')} days`;
}

/** An instant as the clock messages show it, to the minute: "2025-10-31 03:48 UTC". */
export function utcMinute(at: number | string): string {
  return `${new Date(at).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** The status bar's words for a clock that went back (StatusInfo.clockBehindRecordsMs), or null. */
export function clockBehindRecordsWarning(behindMs: number | null): string | null {
  if (behindMs === null || !Number.isFinite(behindMs) || behindMs <= 0) return null;
  return `This computer's clock is ${describeDuration(behindMs)} behind work this desk already recorded: fix the clock (PIN expiry dates depend on it).`;
}

/**
 * `skewMs` = this computer's clock minus the practice system's. Null when there is nothing to say
 * (unknown, or within CLOCK_SKEW_WARN_MS).
 */
export function clockSkewWarning(skewMs: number | null): string | null {
  if (skewMs === null || !Number.isFinite(skewMs) || Math.abs(skewMs) <= CLOCK_SKEW_WARN_MS) return null;
  const way = skewMs > 0 ? 'ahead of' : 'behind';
  return `This computer's clock is ${describeDuration(Math.abs(skewMs))} ${way} the practice system: fix the clock (PIN expiry dates depend on it).`;
}
