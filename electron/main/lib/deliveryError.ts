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
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}
