/**
 * One payload type per outbox kind, and the only way rows are written and read back. Payloads are
 * JSON in a column (their routing fields stay queryable) with the secret fields sealed
 * (crypto/payloadSeal.ts); they are checked against their kind's schema when read, so a damaged or
 * foreign row becomes a clear problem for that one item instead of a crash.
 */
import type { Insertable } from 'kysely';
import { z } from 'zod';
import { OUTBOX_KINDS, type OutboxKind } from '../../../shared/outbox/kinds';
import { contactUpdateRequest, nameCorrectionRequest, setupLinkRequest } from '../../../shared/sync/protocol';
import { openPayload, sealPayload, type Sealing } from '../crypto/payloadSeal';
import type { OutboxTable } from '../db/schema';
import { DeliveryError } from '../lib/deliveryError';

/**
 * A PIN's registration with the practice system. Deliberately loose: rows queued by a v1 desk lack
 * the v2 facts, which the deliverer reads from the PIN instead (enrollmentDelivery.ts), and the
 * request it builds is checked against the protocol there.
 */
const enrollmentPayload = z.looseObject({
  pinId: z.string().optional(),
  /** The plain PIN (sealed at rest): removed once delivered. */
  pin: z.string().optional(),
  patientId: z.string().optional(),
  dateOfBirth: z.string().optional(),
  expiresAt: z.string().optional(),
  accountOwnerContactId: z.string().nullable().optional(),
  batchId: z.string().optional(),
  issuedAt: z.string().optional(),
  workstation: z.string().optional(),
  issuedBy: z.string().optional(),
  delivery: z.string().optional(),
  welcomeForContactId: z.string().nullable().optional(),
  resendWelcome: z.boolean().optional(),
  replacesPinId: z.string().nullable().optional(),
});

/** A Welcome email, and the add-child email one may become (enrollmentDelivery.ts). */
const pinEmailPayload = z.object({
  pinId: z.string(),
  /** The plain PIN (sealed at rest): removed once delivered. */
  pin: z.string().optional(),
  to: z.string().nullable(),
  recipientContactId: z.string(),
  recipientName: z.string(),
  childFirstName: z.string(),
  printedSiblings: z.array(z.string()),
  expiresAt: z.string(),
  /** The language chosen in the plan for this family (absent on rows from before): the guardian's otherwise. */
  language: z.string().optional(),
  batchId: z.string().optional(),
  /** Set on an add-child email: what the practice system answered instead of granting the Welcome. */
  welcomeAnswer: z.enum(['already_welcomed', 'has_account']).optional(),
});

/** A campaign's "Set Up My Account" email; its link was registered first (portal.setup_link). */
const setupEmailPayload = z.object({
  campaignId: z.string(),
  /** The plain link token (sealed at rest): removed once the email is delivered or dismissed. */
  token: z.string().optional(),
  to: z.string(),
  recipientContactId: z.string(),
  recipientName: z.string(),
  childFirstNames: z.array(z.string()),
  expiresAt: z.string(),
});

export const OUTBOX_PAYLOADS = {
  'portal.enrollment': enrollmentPayload,
  'email.welcome': pinEmailPayload,
  'email.add_child': pinEmailPayload,
  'patient.name_correction': nameCorrectionRequest.omit({ deliveryId: true }),
  'contact.update': contactUpdateRequest.omit({ deliveryId: true }),
  'portal.setup_link': setupLinkRequest.omit({ deliveryId: true }),
  'email.setup_link': setupEmailPayload,
} satisfies { [K in OutboxKind]: z.ZodType };

export type OutboxPayload<K extends OutboxKind> = z.infer<(typeof OUTBOX_PAYLOADS)[K]>;
export type EnrollmentPayload = OutboxPayload<'portal.enrollment'>;
export type PinEmailPayload = OutboxPayload<'email.welcome'>;
export type SetupLinkPayload = OutboxPayload<'portal.setup_link'>;
export type SetupEmailPayload = OutboxPayload<'email.setup_link'>;

const KIND_SET: ReadonlySet<string> = new Set(OUTBOX_KINDS);

export function isOutboxKind(kind: string): kind is OutboxKind {
  return KIND_SET.has(kind);
}

/**
 * A new outbox row, due now: the one place rows are built. The payload's secret fields are sealed.
 * `ref` names what the row is about (a PIN, a patient, a contact) for look-ups without parsing.
 */
export function newOutboxRow<K extends OutboxKind>(
  ctx: Sealing,
  kind: K,
  payload: OutboxPayload<K>,
  row: { id: string; ref: string | null; dependsOn?: string | null; at: string },
): Insertable<OutboxTable> {
  return {
    id: row.id,
    kind,
    ref: row.ref,
    payload: sealPayload(ctx, payload),
    depends_on: row.dependsOn ?? null,
    next_attempt_at: row.at,
    last_error: null,
    created_at: row.at,
    delivered_at: null,
  };
}

/** Field names only, never a value (a PIN may be one of them). */
function fieldsOf(error: z.ZodError): string {
  return [...new Set(error.issues.map((issue) => issue.path.join('.') || 'payload'))].slice(0, 4).join(', ');
}

/**
 * The payload of a row about to be delivered, its secret fields opened. A row this version cannot
 * read is a permanent DeliveryError: that item is parked for a person, the others go on.
 */
export function readOutboxPayload<K extends OutboxKind>(ctx: Sealing, kind: K, text: string): OutboxPayload<K> {
  if (!storedPayload(text)) {
    throw new DeliveryError(
      'The stored details of this item are damaged and cannot be read, so it cannot be sent. Dismiss it (for an email with a PIN, issue the PIN again).',
      true,
    );
  }
  const data = openPayload(ctx, text);
  const parsed = OUTBOX_PAYLOADS[kind].safeParse(data);
  if (!parsed.success) {
    throw new DeliveryError(
      `The stored details of this item cannot be read by this version (${fieldsOf(parsed.error)}), so it cannot be sent. Dismiss it (for an email with a PIN, issue the PIN again).`,
      true,
    );
  }
  return parsed.data as OutboxPayload<K>;
}

/** The stored JSON as an object, for showing and editing (secret fields stay sealed); null when damaged. */
export function storedPayload(text: string): Record<string, unknown> | null {
  try {
    const data: unknown = JSON.parse(text);
    return data !== null && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
