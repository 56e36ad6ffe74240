/**
 * Every kind of outbox row: what the row delivers, and to where (the practice system's sync
 * service, or a guardian's mailbox). Stored in outbox.kind. Per-kind payload types build on this.
 */
export const OUTBOX_KINDS = [
  'portal.enrollment',
  'email.welcome',
  /** A Welcome email turned into "add this child to your account": the practice system said the guardian was already welcomed or has an account. */
  'email.add_child',
  'patient.name_correction',
  'contact.update',
  'portal.setup_link',
  'email.setup_link',
] as const;
export type OutboxKind = (typeof OUTBOX_KINDS)[number];
