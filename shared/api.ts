/**
 * The one contract between the renderer and the main process. Every call has a name, a zod
 * schema for its input (checked in main before any handler runs) and a result type. Main's
 * handler map is typed from this object, so a missing or mistyped handler does not compile.
 */
import { z } from 'zod';
import type { ChildVerdict } from './domain/verdict';
import type { Authority, PatientStatus, ReminderMethod } from './domain/patient';

// ---- results --------------------------------------------------------------------------------

export type ErrorCode =
  | 'invalid_input'
  | 'unknown_call'
  | 'not_found'
  | 'not_signed_in'
  | 'forbidden'
  | 'conflict'
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
  email: string | null;
  mobilePhone: string | null;
  preferredReminder: ReminderMethod | null;
  hasPortalAccount: boolean;
  links: ContactLinkView[];
}

export interface ChildView {
  patientId: string;
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
  verdict: ChildVerdict;
}

export interface FamilyView {
  familyId: string;
  familyName: string;
  children: ChildView[];
  contacts: ContactView[];
}

export interface StatusInfo {
  online: boolean | null;
  outboxWaiting: number;
  outboxNeedsAttention: number;
  lastSyncAt: string | null;
  clerk: ClerkSummary | null;
}

// ---- the calls ------------------------------------------------------------------------------

const id = z.string().min(1).max(64);
const empty = z.strictObject({});

/** Declares a call's result type (curried so the input schema's type is inferred). */
function call<O>() {
  return <I extends z.ZodType>(input: I) => ({ input, output: undefined as unknown as O });
}

export const contract = {
  'session.current': call<SessionInfo>()(empty),
  'status.get': call<StatusInfo>()(empty),
  'checkin.today': call<CheckinList>()(empty),
  'search.patients': call<SearchResults>()(
    z.strictObject({ text: z.string().max(200), limit: z.number().int().min(1).max(200).optional() }),
  ),
  'family.load': call<FamilyView>()(z.strictObject({ familyId: id })),
} as const;

export type Contract = typeof contract;
export type CallName = keyof Contract;
export type CallInput<K extends CallName> = z.input<Contract[K]['input']>;
export type ParsedInput<K extends CallName> = z.output<Contract[K]['input']>;
export type CallOutput<K extends CallName> = Contract[K]['output'];

export function isCallName(name: unknown): name is CallName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(contract, name);
}
