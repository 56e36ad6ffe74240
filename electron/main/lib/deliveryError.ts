/**
 * What kind of failure it was, for code that reacts to it (the message is for people):
 * `offline` = the other side could not be reached (network down, refused, timed out), so the
 * workstation works offline; `failed` = anything else.
 */
export type DeliveryFailureReason = 'offline' | 'failed';

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
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

/** The other side could not be reached: retried later, and the workstation counts as offline. */
export function unreachable(message: string): DeliveryError {
  return new DeliveryError(message, false, undefined, 'offline');
}
