/**
 * What kind of failure it was, for code that reacts to it (the message is for people):
 * `offline` = the other side could not be reached (network down, refused, timed out), so the
 * workstation works offline; `busy` = it answered "busy or failing, try later" (408, 429, 5xx):
 * retried, but parked once that has lasted BUSY_LIMIT_MS (lib/backoff.ts); `failed` = anything else.
 */
export type DeliveryFailureReason = 'offline' | 'busy' | 'failed';

/**
 * Why a delivery failed, as the outbox needs it: retry later or park for a person. The message is
 * for the clerk (what happened, what to do) and never holds a PIN.
 */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    /** From a Retry-After header or an SMTP greylisting hint, when the other side said when. */
    readonly retryAfterMs?: number,
    readonly reason: DeliveryFailureReason = 'failed',
    /** The other side's status code, when it answered (HTTP status or SMTP reply code). */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

/** The other side could not be reached: retried later, and the workstation counts as offline. */
export function unreachable(message: string): DeliveryError {
  return new DeliveryError(message, false, undefined, 'offline');
}
