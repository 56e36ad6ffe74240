/**
 * The sync protocol between a workstation and the practice system (version 2). The client
 * (electron/main/sync, electron/main/outbox) and the reference server (tests/support/portal)
 * both import these schemas, so neither can drift from this file.
 *
 * Transport: HTTPS (HTTP on loopback in tests), JSON bodies, `Authorization: Bearer <token>`
 * from the practice's settings. Every path is under /v2.
 *
 *   GET  /v2/health                       -> 200 { ok: true, version: 'v2' }
 *   GET  /v2/changes?cursor=C&limit=N      -> 200 ChangesPage   (cursor '' = from the beginning)
 *   POST /v2/enrollments                  -> 200 EnrollmentAccepted | 422 ProtocolError
 *   POST /v2/name-corrections             -> 200 NameCorrectionResult (applied or conflict) | 422
 *   POST /v2/contact-updates              -> 200 ContactUpdateApplied | 422 (contact data fixed at the
 *                                            desk; applied field by field, the practice system keeps
 *                                            its own history)
 *   POST /v2/setup-links                  -> 200 SetupLinkRegistered | 422 (a "Set Up My Account" link
 *                                            of the Bulk PIN campaign: the SHA-256 of its token, the
 *                                            guardian, the children, issue and expiry; the token itself
 *                                            travels only in the guardian's email; the portal serves
 *                                            GET /setup?token=... and refuses it once used or expired)
 *
 * Versions. v2 adds the enrollment facts of every desk to the pull (PINs issued, Welcome emails
 * granted, redemptions, accounts) and makes the practice system the arbiter of "one Welcome email
 * ever per guardian" (see enrollmentAccepted). A v2 server answers any request under another
 * version's prefix with 410 and the error code `protocol_version`. A v2 client that gets a 404 on
 * a v2 path asks GET /v1/health: when that answers `{ version: 'v1' }` the practice system is
 * older than the desk, and the client says so instead of "not found".
 *
 * Idempotency: every POST carries a client-generated `deliveryId` (the outbox row id), also sent
 * as the `Idempotency-Key` header. The server records each delivery id with the status and body it
 * answered and answers a repeat with exactly that, so a delivery retried after a lost response
 * is applied once.
 *
 * Status codes the client acts on: 2xx delivered; 409 on a name correction is a delivered
 * conflict (the body says both values); 400/401/403/404/410/422 permanent (parked for a person);
 * 408, 429 (honouring Retry-After, at most an hour), 5xx and network failures are retried with
 * backoff. Redirects are never followed: any 3xx is a permanent "check the address" error, so
 * nothing (PINs, dates of birth) is ever re-sent to a host the practice did not configure.
 *
 * Pull: changes since a cursor, oldest first, in pages of at most `limit` rows in all (records,
 * tombstones, PINs and guardians together). A page is applied by the client in one transaction;
 * tombstones say a record was removed or merged. `remaining` estimates the rows after this page,
 * for progress bars. A record the client cannot read is set aside (listed for an administrator)
 * and the rest of its page is applied; a record whose `version` is lower than the one the client
 * holds is ignored.
 */
import { z } from 'zod';
import { AUTHORITIES, PATIENT_STATUSES, REMINDER_METHODS } from '../domain/patient';

export const PROTOCOL_VERSION = 'v2';
/** The version before this one: a practice system that still speaks it is told apart from a wrong address. */
export const PREVIOUS_PROTOCOL_VERSION = 'v1';

export const SYNC_PATHS = {
  health: '/v2/health',
  changes: '/v2/changes',
  enrollments: '/v2/enrollments',
  nameCorrections: '/v2/name-corrections',
  contactUpdates: '/v2/contact-updates',
  setupLinks: '/v2/setup-links',
} as const;

/** GET /<version>/health of any version: what a practice system speaking it answers. */
export const healthPath = (version: string): string => `/${version}/health`;
export const healthAnswer = z.object({ ok: z.literal(true), version: z.string().max(10) });

/** The error code of a request made under another protocol version's prefix (answered 410). */
export const PROTOCOL_VERSION_ERROR = 'protocol_version';

export const MAX_PAGE_LIMIT = 5_000;

const id = z.string().min(1).max(64);
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const instant = z.string().min(10).max(40);
/** An ISO 8601 date and time with its offset ('2026-11-22T15:00:00.000Z'): compared and sorted by the desk. */
const isoInstant = z
  .string()
  .max(40)
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/)
  .refine((value) => !Number.isNaN(Date.parse(value)), 'not a real date and time');
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

export const PIN_DELIVERIES = ['email', 'print'] as const;
export const PIN_STATUSES = ['issued', 'redeemed', 'revoked'] as const;

/**
 * A PIN as the practice system knows it, from whichever desk issued it (v2). Status moves only
 * forward: issued, then redeemed (a parent used it) or revoked (a replacement was accepted).
 */
export const deskPinRecord = z.object({
  pinId: id,
  patientId: id,
  issuedAt: isoInstant,
  expiresAt: isoInstant,
  /** The desk that issued it. */
  workstation: text(200).min(1),
  /** The issuing clerk's display name. */
  issuedBy: text(120),
  delivery: z.enum(PIN_DELIVERIES),
  status: z.enum(PIN_STATUSES),
  redeemedAt: isoInstant.nullable(),
});

/** Per guardian (a Family Contact): their one Welcome email, granted to some desk, and their portal account (v2). */
export const guardianRecord = z.object({
  contactId: id,
  welcomeAt: isoInstant.nullable(),
  welcomeWorkstation: text(200).nullable(),
  accountAt: isoInstant.nullable(),
});

/** The record arrays of a page, each with the schema of one record. */
export const PAGE_RECORDS = {
  families: familyRecord,
  contacts: contactRecord,
  patients: patientRecord,
  patientContacts: patientContactRecord,
  appointments: appointmentRecord,
  tombstones: tombstone,
  pins: deskPinRecord,
  guardians: guardianRecord,
} as const;
export type PageRecordKind = keyof typeof PAGE_RECORDS;

const pageHead = {
  cursor: z.string().max(200),
  hasMore: z.boolean(),
  remaining: z.number().int().min(0),
};

export const changesPage = z.object({
  ...pageHead,
  families: z.array(familyRecord),
  patients: z.array(patientRecord),
  contacts: z.array(contactRecord),
  patientContacts: z.array(patientContactRecord),
  appointments: z.array(appointmentRecord),
  tombstones: z.array(tombstone),
  pins: z.array(deskPinRecord),
  guardians: z.array(guardianRecord),
});

/**
 * What the client checks of a page as a whole: its cursor and arrays. Each record is then checked
 * on its own (PAGE_RECORDS), so one record it cannot read is set aside instead of blocking the
 * page, and every later pull, for good.
 */
export const changesPageEnvelope = z.object({
  ...pageHead,
  ...(Object.fromEntries(Object.keys(PAGE_RECORDS).map((kind) => [kind, z.array(z.unknown())])) as Record<PageRecordKind, z.ZodArray<z.ZodUnknown>>),
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
  /** v2: the facts every desk learns from the pull. */
  issuedAt: isoInstant,
  workstation: text(200).min(1),
  /** The issuing clerk's display name. */
  issuedBy: text(120).min(1),
  delivery: z.enum(PIN_DELIVERIES),
  /** This PIN travels in a Welcome email to that guardian; null when it is printed or emailed otherwise. */
  welcomeForContactId: id.nullable(),
  /** An explicit, audited re-send the clerk chose with a reason: granted even after an earlier Welcome. */
  resendWelcome: z.boolean(),
  /** "Replace this child's PIN": the PIN this one revokes once accepted (if not redeemed by then). */
  replacesPinId: id.nullable(),
});

/**
 * The practice system decides "one Welcome email ever per guardian" (SPEC 3.4): `granted` (send
 * it), `already_welcomed` (some desk's Welcome was granted before: send an "add this child" email
 * instead), `has_account` (the guardian already has a portal account: the same), `not_requested`
 * (welcomeForContactId was null).
 */
export const WELCOME_ANSWERS = ['granted', 'already_welcomed', 'has_account', 'not_requested'] as const;
export type WelcomeAnswer = (typeof WELCOME_ANSWERS)[number];
export const enrollmentAccepted = z.object({ status: z.literal('accepted'), enrollmentId: id, welcome: z.enum(WELCOME_ANSWERS) });

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
export type ChangesPageEnvelope = z.infer<typeof changesPageEnvelope>;
export type DeskPinRecord = z.infer<typeof deskPinRecord>;
export type GuardianRecord = z.infer<typeof guardianRecord>;
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
