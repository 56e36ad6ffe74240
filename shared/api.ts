/**
 * The one contract between the renderer and the main process. Every call has a name, a zod
 * schema for its input (checked in main before any handler runs) and a result type. Main's
 * handler map is typed from this object, so a missing or mistyped handler does not compile.
 */
import { z } from 'zod';
import type { OutboxKind } from './outbox/kinds';
import type { ChildVerdict } from './domain/verdict';
import type { ChildEnrollment, GuardianEnrollment } from './domain/enrollment';
import type { JournalSetAside, UnsavedPins } from './domain/unsavedPins';
import type { Authority, PatientStatus, ReminderMethod } from './domain/patient';
import { ENTERED_SECRET_KEYS, settingsSchema, type EnteredSecretKey, type Settings } from './settings';
import { bulkCalls } from './bulk/api';
import { auditCalls, type AuditLogState } from './audit/api';
import { clerkCalls } from './clerks/api';
import { campaignCalls } from './campaign/api';
import { jobCalls } from './jobs/api';
import { fhirCalls } from './fhir/fhirCalls';
import type { JobView } from './jobs/jobs';
import { call, type Access } from './contractCall';
import { mailboxSchema } from './mailboxSchema';

export type { Access };

// ---- results --------------------------------------------------------------------------------

/** The longest search text the desk accepts; the search field stops there (a pasted page of text is cut, never refused). */
export const SEARCH_TEXT_MAX = 200;

export type ErrorCode =
  | 'invalid_input'
  | 'unknown_call'
  | 'not_found'
  | 'not_signed_in'
  | 'forbidden'
  /** The workstation is locked: the clerk signs in again (or another clerk signs in). */
  | 'locked'
  /** Too many failed sign-ins: the message says how long to wait. */
  | 'try_later'
  | 'conflict'
  /** The disk is full or the data folder cannot be written: nothing was saved. */
  | 'storage'
  | 'internal';

export interface ApiError {
  code: ErrorCode;
  /** For the clerk: what happened and what to do. Never holds a PIN. */
  message: string;
  details?: unknown;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError };

// ---- shared shapes --------------------------------------------------------------------------

export interface ClerkSummary {
  id: string;
  displayName: string;
  role: 'admin' | 'clerk';
}

export interface SessionInfo {
  clerk: ClerkSummary | null;
  workstation: string;
  practiceName: string;
  demo: boolean;
  today: string;
}

export interface CheckinChild {
  patientId: string;
  firstName: string;
  lastName: string;
  time: string;
  reason: string;
}

export interface CheckinFamily {
  familyId: string;
  familyName: string;
  firstTime: string;
  children: CheckinChild[];
  /**
   * How far the family's PINs are, from every desk: "PINs issued 10:42 (3 of 3)", "2 of 3 done";
   * null when no child of the family holds a PIN yet.
   */
  pinStatus: string | null;
}

export interface CheckinList {
  date: string;
  families: CheckinFamily[];
}

export interface SearchHit {
  patientId: string;
  familyId: string | null;
  familyName: string | null;
  firstName: string;
  lastName: string;
  dateOfBirth: string | null;
  chartNumber: string;
  status: PatientStatus;
  /** Guardians (Sort 1) shown beside the child so the clerk can tell two "Ana Lopez" apart. */
  guardian: string | null;
}

export interface SearchResults {
  query: string;
  hits: SearchHit[];
  /** True when more matched than were returned. */
  more: boolean;
}

export interface ContactLinkView {
  patientId: string;
  sort: number | null;
  relationship: string;
  authority: Authority | null;
  residesWith: boolean;
  portalFlag: boolean;
  /** Sort 1 and (Joint/Exclusive authority or resides with): may own this child's portal account. */
  eligiblePrimary: boolean;
}

export interface ContactView {
  contactId: string;
  firstName: string;
  lastName: string;
  /** Relationship on the contact's highest-ranked link (Sort 1 first). */
  relationship: string;
  email: string | null;
  mobilePhone: string | null;
  preferredReminder: ReminderMethod | null;
  hasPortalAccount: boolean;
  /** Their language on file ('en', 'es' ...). */
  language: string;
  links: ContactLinkView[];
  /** Their one Welcome email and their portal account, from every desk (shared/domain/enrollment.ts). */
  enrollment: GuardianEnrollment;
}

export interface PinHistoryEntry {
  pinId: string;
  batchId: string;
  issuedAt: string;
  issuedBy: string;
  expiresAt: string;
  delivery: 'email' | 'print';
  recipientName: string | null;
  /** 'expired' is derived from expiresAt; the others are stored. */
  status: 'issued' | 'redeemed' | 'revoked' | 'expired';
  /** The plain PIN is still held (not yet delivered to the portal), so the packet can be printed again. */
  reprintable: boolean;
}

export interface ChildView {
  patientId: string;
  /** Optimistic-concurrency version for edits (name corrections). */
  version: number;
  chartNumber: string;
  firstName: string;
  lastName: string;
  dateOfBirth: string | null;
  status: PatientStatus;
  familyId: string | null;
  familyName: string | null;
  /** Set when the child belongs to another family and is here through a shared guardian. */
  linkedThrough: { contactId: string; name: string } | null;
  eligiblePrimaryContactId: string | null;
  checkingInToday: boolean;
  verdict: ChildVerdict;
  pins: PinHistoryEntry[];
  /**
   * Where the child stands with the portal, from this desk's and every other desk's PINs; the held
   * PIN in words ("12 minutes ago by Dana (printed)") for the review and the plan.
   */
  enrollment: ChildEnrollment & { heldPinText: string | null };
}

export interface FamilyView {
  familyId: string;
  familyName: string;
  children: ChildView[];
  contacts: ContactView[];
  /** The practice's time zone, for describing when PINs and emails went out. */
  timeZone: string;
  /**
   * A digest of everything the plan rests on (PINs of any desk, Welcome emails, accounts, contacts
   * and links, the family's children): 'pins.issue' refuses a plan made from an older review.
   */
  reviewToken: string;
}

export interface StatusInfo {
  online: boolean | null;
  outboxWaiting: number;
  outboxNeedsAttention: number;
  lastSyncAt: string | null;
  clerk: ClerkSummary | null;
  /** 'mail-drop' when no SMTP server is set: emails are written to a folder, not sent. */
  emailTransport: 'smtp' | 'mail-drop';
  syncConfigured: boolean;
  /** Set while a pull runs (initial sync of an empty mirror shows it as progress). */
  syncProgress: { rowsDone: number; remaining: number } | null;
  /** The audit log's hash chain: 'tampered' when the last check found a changed or removed row. */
  auditLog: AuditLogState;
  /** While the audit log's check runs: rows checked so far of the rows it covers. */
  auditCheck: { rowsChecked: number; rowsTotal: number } | null;
  /** Why the last pull stopped, when it stopped on something a person must act on (a repeating cursor, a redirect, a version mismatch). */
  syncProblem: string | null;
  /**
   * This computer's clock minus the practice system's (its HTTP Date header), in ms, from its last
   * answers (kept in sync_state); null before any. The status bar warns past CLOCK_SKEW_WARN_MS
   * (shared/domain/clockSkew.ts).
   */
  clockSkewMs: number | null;
  /**
   * How far this computer's clock is before work this desk already recorded (its audit log since
   * the practice system last agreed with the clock), in ms, when over 10 minutes; else null. The
   * clock went back: issuing is refused until it is set right (electron/main/sync/clockOffset.ts).
   */
  clockBehindRecordsMs: number | null;
  /**
   * PINs issued while a job wrote the mirror wait in the desk's journal until they are in the
   * mirror (electron/main/pins/issueJournal.ts). Set while the mirror refuses some of them (a full
   * disk, a damaged file): how many families, since when, and the database's error code. Null otherwise.
   */
  unsavedPins: UnsavedPins | null;
  /**
   * The desk's journal failed its check when the app started and was set aside for IT, with the
   * batches that could be read from it carried over (electron/main/db/deskJournal.ts). Null otherwise.
   */
  journalSetAside: JournalSetAside | null;
  /**
   * Heavy jobs (issue 14): the ones running, and those this session ran or resumed after a
   * restart, newest first (the status bar shows their progress and how they ended).
   */
  jobs: JobView[];
}

// The kinds are one vocabulary with the outbox table (shared/outbox/kinds.ts); the contract names them.
export type { OutboxKind } from './outbox/kinds';

export interface OutboxItemView {
  id: string;
  kind: OutboxKind;
  status: 'pending' | 'delivered' | 'needs_attention' | 'dismissed';
  /** For people: "Welcome email to maria@example.com with Ana's PIN". Never a PIN. */
  summary: string;
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  createdAt: string;
  /** Only a Welcome email's address can be edited before a retry. */
  editableEmail: string | null;
}

export interface MailDropItem {
  file: string;
  to: string;
  subject: string;
  createdAt: string;
}

export interface MailDropMessage extends MailDropItem {
  text: string;
  /** True when the PINs in the text were masked in main (everyone but administrators): the full PIN never reaches the screen. */
  pinsMasked: boolean;
}

export interface SyncSummary {
  pages: number;
  rows: number;
  tombstones: number;
  /** Upstream rows not applied because a local change to them is still waiting in the outbox. */
  keptLocal: number;
  /** Records this desk could not read, set aside for an administrator (sync.problems); the rest was applied. */
  setAside: number;
  /** Records ignored because they carried an older version than the one this desk holds. */
  olderIgnored: number;
  /** Control and bidi-override characters removed from names and contact fields. */
  charactersRemoved: number;
  lastSyncAt: string;
}

/** A pulled record set aside because it could not be applied (issue 11). */
export interface SyncProblemView {
  /** 'patient', 'contact', 'patientContact', 'appointment', 'family', 'tombstone', 'pin' or 'guardian'. */
  kind: string;
  recordId: string;
  /** Why, in the desk's words (which field, what is wrong with it). */
  problem: string;
  seenAt: string;
}

export interface SyncProblemList {
  problems: SyncProblemView[];
  /** All set-aside records (the list shows at most 200, newest first). */
  total: number;
}

export interface PacketChild {
  patientId: string;
  firstName: string;
  lastName: string;
  dateOfBirth: string;
  delivery: 'email' | 'print';
  /** Grouped for reading aloud; null for the child whose PIN travels in the Welcome email. */
  pin: string | null;
  /** Practice-local date after which the PIN no longer works. */
  expiresOn: string;
  /**
   * The portal does not have this PIN yet and the practice system is not known to be reachable (or
   * its delivery failed): the slip says it may take a while to work. False when online.
   */
  awaitingPortal: boolean;
}

export interface PacketGuardian {
  contactId: string;
  name: string;
  email: string | null;
  /** 'add-child': the guardian already has an account or a Welcome email on its way; every slip adds to it. */
  mode: 'email' | 'print-only' | 'add-child';
  /** The packet's language (a language file of the renderer; unknown codes print in English). */
  language: string;
  children: PacketChild[];
}

/** Everything the family packet prints, for a batch just issued or reprinted. */
export interface IssuedBatch {
  batchId: string;
  familyName: string;
  issuedAt: string;
  issuedBy: string;
  practiceName: string;
  portalUrl: string;
  /** The practice's phone number for questions; empty when not set. */
  practicePhone: string;
  /** Registrations not yet accepted by the portal: the slips say the PIN works once it reconnects. */
  awaitingPortal: boolean;
  /** One packet per account owner (issue 12): its own cover and slips, naming only that guardian. */
  guardians: PacketGuardian[];
}

// ---- the calls ------------------------------------------------------------------------------

const id = z.string().min(1).max(64);
const personName = z.string().trim().min(1).max(80);
export const planChoicesSchema = z.strictObject({
  printOnly: z.boolean(),
  firstChildByGuardian: z.record(id, id).refine((r) => Object.keys(r).length <= 50),
  recipientByGuardian: z.record(id, z.strictObject({ contactId: id, reason: z.string().max(300) })).refine((r) => Object.keys(r).length <= 50),
  recipientByChild: z
    .record(id, z.strictObject({ contactId: id, reason: z.string().max(300) }))
    .refine((r) => Object.keys(r).length <= 50)
    .default({}),
  include: z
    .record(id, z.boolean())
    .refine((r) => Object.keys(r).length <= 50)
    .default({}),
  replacePins: z
    .record(id, z.string().max(300))
    .refine((r) => Object.keys(r).length <= 50)
    .default({}),
  resendWelcome: z
    .record(id, z.string().max(300))
    .refine((r) => Object.keys(r).length <= 50)
    .default({}),
  languageByGuardian: z
    .record(id, z.string().regex(/^[a-z]{2}(-[A-Z]{2})?$/))
    .refine((r) => Object.keys(r).length <= 50)
    .default({}),
});
const empty = z.strictObject({});

export const contract = {
  'session.current': call<SessionInfo>('open')(empty),
  'status.get': call<StatusInfo>('open')(empty),
  /**
   * An administrator says this computer's clock is right now, although work was recorded at later
   * times (a clock that ran ahead, set right with no practice system to confirm it): audited, and
   * issuing goes on (electron/main/sync/clockOffset.ts).
   */
  'clock.confirm': call<null>('admin')(empty),
  'checkin.today': call<CheckinList>()(empty),
  'search.patients': call<SearchResults>()(z.strictObject({ text: z.string().max(SEARCH_TEXT_MAX), limit: z.number().int().min(1).max(200).optional() })),
  'family.load': call<FamilyView>()(z.strictObject({ familyId: id })),
  'patients.correctName': call<FamilyView>()(
    z.strictObject({ familyId: id, patientId: id, firstName: personName, lastName: personName, expectedVersion: z.number().int().min(1) }),
  ),
  'pins.issue': call<IssuedBatch>()(
    z.strictObject({
      batchId: z.uuid(),
      familyId: id,
      choices: planChoicesSchema,
      /** The children the clerk saw in the plan: issuing refuses if the family changed since. */
      expectedPatientIds: z.array(id).min(1).max(50),
      /** FamilyView.reviewToken of the review the plan came from: issuing refuses if anything it rests on changed. */
      reviewToken: z.string().regex(/^[0-9a-f]{64}$/),
    }),
  ),
  /** While the clerk reads the plan: make and hash this many PINs for the batch, so issuing only writes. */
  'pins.prepare': call<null>()(z.strictObject({ batchId: z.uuid(), count: z.number().int().min(1).max(50) })),
  'pins.packet': call<IssuedBatch>()(z.strictObject({ batchId: z.uuid() })),
  'pins.recordPrinted': call<null>()(
    /** One account owner's packet (their contact id, or 'none'), or every printed PIN of the batch when left out. */
    z.strictObject({ batchId: z.uuid(), reprint: z.boolean(), recipientContactId: z.string().min(1).max(64).optional() }),
  ),
  'outbox.list': call<OutboxItemView[]>()(z.strictObject({ status: z.enum(['pending', 'needs_attention']) })),
  'outbox.retry': call<null>()(z.strictObject({ id: z.uuid() })),
  /** Every item that needs attention back in the queue, each audited as a retry. */
  'outbox.retryAll': call<{ retried: number }>()(empty),
  'outbox.editAndRetry': call<null>()(z.strictObject({ id: z.uuid(), email: mailboxSchema })),
  'outbox.dismiss': call<null>()(z.strictObject({ id: z.uuid(), reason: z.string().trim().min(3).max(300) })),
  'mail.dropList': call<MailDropItem[]>()(empty),
  'mail.dropRead': call<MailDropMessage>()(z.strictObject({ file: z.string().regex(/^[A-Za-z0-9._-]{1,120}\.eml$/) })),
  'sync.now': call<SyncSummary>()(empty),
  'sync.problems': call<SyncProblemList>('admin')(empty),
  'secrets.status': call<Record<EnteredSecretKey, boolean>>('admin')(empty),
  'secrets.set': call<null>('admin')(z.strictObject({ key: z.enum(ENTERED_SECRET_KEYS), value: z.string().min(1).max(500).nullable() })),
  'settings.get': call<Settings>()(empty),
  'settings.update': call<Settings>('admin')(z.strictObject({ changes: settingsSchema.partial().strict() })),
  ...bulkCalls,
  ...auditCalls,
  ...clerkCalls,
  ...campaignCalls,
  ...jobCalls,
  ...fhirCalls,
} as const;

export type Contract = typeof contract;
export type CallName = keyof Contract;
export type CallInput<K extends CallName> = z.input<Contract[K]['input']>;
export type ParsedInput<K extends CallName> = z.output<Contract[K]['input']>;
export type CallOutput<K extends CallName> = Contract[K]['output'];

/** Who may make the call (see shared/contractCall.ts). */
export function accessOf(name: CallName): Access {
  return contract[name].access;
}

export function isCallName(name: unknown): name is CallName {
  return typeof name === 'string' && Object.hasOwn(contract, name);
}
