/**
 * The sync protocol between a workstation and the practice system (version 1). The client
 * (electron/main/sync, electron/main/outbox) and the reference server (tests/support/portal)
 * both import these schemas, so neither can drift from this file.
 *
 * Transport: HTTPS (HTTP on loopback in tests), JSON bodies, `Authorization: Bearer <token>`
 * from the practice's settings. Every path is under /v1.
 *
 *   GET  /v1/health                       -> 200 { ok: true, version: 'v1' }
 *   GET  /v1/changes?cursor=C&limit=N      -> 200 ChangesPage   (cursor '' = from the beginning)
 *   POST /v1/enrollments                  -> 200 EnrollmentAccepted | 422 ProtocolError
 *   POST /v1/name-corrections             -> 200 NameCorrectionResult (applied or conflict) | 422
 *   POST /v1/contact-updates              -> 200 ContactUpdateApplied | 422 (contact data fixed at the
 *                                            desk; applied field by field, the practice system keeps
 *                                            its own history)
 *   POST /v1/setup-links                  -> 200 SetupLinkRegistered | 422 (a "Set Up My Account" link
 *                                            of the Bulk PIN campaign: the SHA-256 of its token, the
 *                                            guardian, the children, issue and expiry; the token itself
 *                                            travels only in the guardian's email; the portal serves
 *                                            GET /setup?token=... and refuses it once used or expired)
 *
 * Idempotency: every POST carries a client-generated `deliveryId` (the outbox row id), also sent
 * as the `Idempotency-Key` header. The server records each delivery id with the status and body it
 * answered and answers a repeat with exactly that, so a delivery retried after a lost response
 * is applied once.
 *
 * Status codes the client acts on: 2xx delivered; 409 on a name correction is a delivered
 * conflict (the body says both values); 400/401/403/404/422 permanent (parked for a person);
 * 408, 429 (honouring Retry-After), 5xx and network failures are retried with backoff.
 *
 * Pull: changes since a cursor, oldest first, in pages of at most `limit` rows in all. A page is
 * applied by the client in one transaction; tombstones say a record was removed or merged.
 * `remaining` estimates the rows after this page, for progress bars.
 */
import { z } from 'zod';
import { AUTHORITIES, PATIENT_STATUSES, REMINDER_METHODS } from '../domain/patient';

export const PROTOCOL_VERSION = 'v1';

export const SYNC_PATHS = {
  health: '/v1/health',
  changes: '/v1/changes',
  enrollments: '/v1/enrollments',
  nameCorrections: '/v1/name-corrections',
  contactUpdates: '/v1/contact-updates',
  setupLinks: '/v1/setup-links',
} as const;

export const MAX_PAGE_LIMIT = 5_000;

const id = z.string().min(1).max(64);
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const instant = z.string().min(10).max(40);
const text = (max: number) => z.string().max(max);

export const familyRecord = z.object({ id, name: text(120), version: z.number().int(), updatedAt: instant });
export const patientRecord = z.object({
  id,
  chartNumber: text(32).min(1),
  familyId: id.nullable(),
  firstName: text(80),
  lastName: text(80),
  dateOfBirth: isoDate.nullable(),
  sex: z.enum(['F', 'M', 'X']).nullable(),
  status: z.enum(PATIENT_STATUSES),
  portalLinked: z.boolean(),
  version: z.number().int(),
  updatedAt: instant,
});
export const contactRecord = z.object({
  id,
  firstName: text(80),
  lastName: text(80),
  email: text(254).nullable(),
  mobilePhone: text(40).nullable(),
  homePhone: text(40).nullable(),
  preferredReminder: z.enum(REMINDER_METHODS).nullable(),
  language: text(8),
  hasPortalAccount: z.boolean(),
  version: z.number().int(),
  updatedAt: instant,
});
export const patientContactRecord = z.object({
  patientId: id,
  contactId: id,
  sort: z.number().int().nullable(),
  relationship: text(40),
  authority: z.enum(AUTHORITIES).nullable(),
  residesWith: z.boolean(),
  portalFlag: z.boolean(),
});
export const appointmentRecord = z.object({
  id,
  patientId: id,
  startsAt: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/),
  provider: text(80),
  reason: text(120),
  updatedAt: instant,
});
/** A removed or merged record. For a patient-contact link the id is `${patientId}:${contactId}`. */
export const tombstone = z.object({
  kind: z.enum(['family', 'patient', 'contact', 'patientContact', 'appointment']),
  id: z.string().min(1).max(130),
  mergedInto: id.nullable().optional(),
});

export const changesPage = z.object({
  cursor: z.string().max(200),
  hasMore: z.boolean(),
  remaining: z.number().int().min(0),
  families: z.array(familyRecord),
  patients: z.array(patientRecord),
  contacts: z.array(contactRecord),
  patientContacts: z.array(patientContactRecord),
  appointments: z.array(appointmentRecord),
  tombstones: z.array(tombstone),
});

export const enrollmentRequest = z.object({
  deliveryId: z.uuid(),
  pinId: id,
  /** The plain PIN: the portal stores its own hash. Scrubbed from the outbox once accepted. */
  pin: z.string().min(1).max(20),
  patientId: id,
  dateOfBirth: isoDate,
  expiresAt: instant,
  accountOwnerContactId: id.nullable(),
  batchId: id,
});
export const enrollmentAccepted = z.object({ status: z.literal('accepted'), enrollmentId: id });

export const nameCorrectionRequest = z.object({
  deliveryId: z.uuid(),
  patientId: id,
  firstName: text(80).min(1),
  lastName: text(80).min(1),
  baseVersion: z.number().int().min(1),
});
export const nameCorrectionResult = z.discriminatedUnion('status', [
  z.object({ status: z.literal('applied'), version: z.number().int() }),
  z.object({
    status: z.literal('conflict'),
    current: z.object({ firstName: z.string(), lastName: z.string(), version: z.number().int() }),
  }),
]);

export const contactUpdateRequest = z.object({
  deliveryId: z.uuid(),
  contactId: id,
  /** The child whose Family Contact link carries authority and residence. */
  patientId: id,
  changes: z.object({
    firstName: text(80).min(1).optional(),
    lastName: text(80).min(1).optional(),
    email: text(254).nullable().optional(),
    mobilePhone: text(40).nullable().optional(),
    preferredReminder: z.enum(REMINDER_METHODS).nullable().optional(),
    authority: z.enum(AUTHORITIES).nullable().optional(),
    residesWith: z.boolean().optional(),
  }),
  baseVersion: z.number().int().min(1),
});
export const contactUpdateApplied = z.object({ status: z.literal('applied'), version: z.number().int() });

export const protocolError = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

export type FamilyRecord = z.infer<typeof familyRecord>;
export type PatientRecord = z.infer<typeof patientRecord>;
export type ContactRecord = z.infer<typeof contactRecord>;
export type PatientContactRecord = z.infer<typeof patientContactRecord>;
export type AppointmentRecord = z.infer<typeof appointmentRecord>;
export type Tombstone = z.infer<typeof tombstone>;
export type ChangesPage = z.infer<typeof changesPage>;
export type EnrollmentRequest = z.infer<typeof enrollmentRequest>;
export type EnrollmentAccepted = z.infer<typeof enrollmentAccepted>;
export type NameCorrectionRequest = z.infer<typeof nameCorrectionRequest>;
export type NameCorrectionResult = z.infer<typeof nameCorrectionResult>;
export type ProtocolError = z.infer<typeof protocolError>;
export type ContactUpdateRequest = z.infer<typeof contactUpdateRequest>;

/** Registers a Set Up My Account link: never the token, only its SHA-256 (hex). At most 14 days. */
export const setupLinkRequest = z.object({
  deliveryId: z.uuid(),
  campaignId: id,
  tokenHash: z.string().regex(/^[0-9a-f]{64}$/),
  /** The guardian who owns the account the link creates. */
  contactId: id,
  /** Every eligible child of that guardian: all linked to the one account. */
  patientIds: z.array(id).min(1).max(50),
  issuedAt: instant,
  expiresAt: instant,
});
export const setupLinkRegistered = z.object({ status: z.literal('registered'), linkId: id });
export type SetupLinkRequest = z.infer<typeof setupLinkRequest>;
export type SetupLinkRegistered = z.infer<typeof setupLinkRegistered>;
