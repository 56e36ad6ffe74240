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
