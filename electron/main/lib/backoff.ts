/**
 * Exponential backoff with full jitter: attempt n waits a random time in [cap/2, cap] where
 * cap = min(max, base * 2^(n-1)). Half the window is kept so retries never bunch at zero.
 */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 2_000, maxMs: 10 * 60_000 };

export function backoffDelay(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const cap = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(cap / 2 + random() * (cap / 2));
}

/** The other side may ask for a pause (Retry-After, a greylisting hint): honoured up to an hour, never for years. */
export const MAX_RETRY_AFTER_MS = 60 * 60_000;

/** The wait before the next attempt: the other side's hint when it is a sane number of ms, else the backoff. */
export function retryDelay(hintMs: number | undefined, attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  if (hintMs !== undefined && Number.isFinite(hintMs) && hintMs >= 0) return Math.min(hintMs, MAX_RETRY_AFTER_MS);
  return backoffDelay(attempt, policy, random);
}

/**
 * How long the other side may keep answering "busy or failing" (408, 429, 5xx) to one item before
 * it is parked for a person: retries back off meanwhile (or wait as Retry-After says), so it is
 * never retried forever (SPEC 3.3). Unreachable (offline) is not counted: the outbox waits for
 * the network as long as it takes.
 */
export const BUSY_LIMIT_MS = 6 * 60 * 60_000;

/**
 * After a "busy" answer at `now`: since when the item has been answered so (`busySince`, ISO, null
 * when this is the first such answer), and whether that has lasted BUSY_LIMIT_MS (then it is parked).
 */
export function busyVerdict(busySince: string | null, now: Date, limitMs: number = BUSY_LIMIT_MS): { since: string; park: boolean } {
  const since = busySince !== null && !Number.isNaN(Date.parse(busySince)) ? busySince : now.toISOString();
  return { since, park: now.getTime() - Date.parse(since) >= limitMs };
}
