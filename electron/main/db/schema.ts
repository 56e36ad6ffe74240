import type { ColumnType, Generated, Selectable } from 'kysely';
import type { AuditAction } from '../../../shared/audit/actions';
import type { Authority, PatientStatus, ReminderMethod } from '../../../shared/domain/patient';
import type { OutboxKind } from '../../../shared/outbox/kinds';
import type { PageRecordKind } from '../../../shared/sync/protocol';
import type { JobKind, JobState } from '../../../shared/jobs/jobs';

/** 0/1 integers stored for booleans (SQLite has no boolean type). */
export type Flag = 0 | 1;

export interface FamiliesTable {
  id: string;
  name: string;
  version: ColumnType<number, number | undefined, number>;
  updated_at: string;
}

export interface PatientsTable {
  id: string;
  chart_number: string;
  family_id: string | null;
  first_name: string;
  last_name: string;
  date_of_birth: string | null;
  sex: 'F' | 'M' | 'X' | null;
  status: PatientStatus;
  portal_linked: ColumnType<Flag, Flag | undefined, Flag>;
  version: ColumnType<number, number | undefined, number>;
  updated_at: string;
}

/** A column the table gives a default: optional when inserting. */
type Defaulted<T> = ColumnType<T, T | undefined, T>;

export interface ContactsTable {
  id: string;
  first_name: Defaulted<string>;
  last_name: Defaulted<string>;
  email: string | null;
  mobile_phone: string | null;
  home_phone: string | null;
  preferred_reminder: ReminderMethod | null;
  language: ColumnType<string, string | undefined, string>;
  has_portal_account: ColumnType<Flag, Flag | undefined, Flag>;
  version: ColumnType<number, number | undefined, number>;
  updated_at: string;
}

export interface PatientContactsTable {
  patient_id: string;
  contact_id: string;
  sort: number | null;
  relationship: Defaulted<string>;
  authority: Authority | null;
  resides_with: Defaulted<Flag>;
  portal_flag: Defaulted<Flag>;
}

export interface AppointmentsTable {
  id: string;
  patient_id: string;
  /** Local wall-clock time of the practice, 'YYYY-MM-DDTHH:MM'. */
  starts_at: string;
  provider: Defaulted<string>;
  reason: Defaulted<string>;
  updated_at: string;
}

export interface ClerksTable {
  id: string;
  username: string;
  display_name: string;
  role: 'admin' | 'clerk';
  password_hash: string | null;
  active: ColumnType<Flag, Flag | undefined, Flag>;
  created_at: string;
}

export interface PinsTable {
  id: string;
  patient_id: string;
  batch_id: string;
  pin_hash: string;
  /** Keyed HMAC of the PIN: finds a clash among unexpired PINs without storing the PIN. */
  pin_fingerprint: string;
  issued_at: string;
  expires_at: string;
  issued_by: string;
  workstation: string;
  delivery: 'email' | 'print';
  recipient_contact_id: string | null;
  status: ColumnType<'issued' | 'redeemed' | 'revoked', 'issued' | 'redeemed' | 'revoked' | undefined>;
  redeemed_at: string | null;
  /** "Replace this child's PIN": the PIN this one revokes once the portal has it (migration 006). */
  replaces_pin_id: ColumnType<string | null, string | null | undefined>;
  replace_reason: ColumnType<string | null, string | null | undefined>;
  /** The guardian already has an account (or a Welcome email on its way): an add-child slip (migration 007). */
  adds_to_account: ColumnType<Flag, Flag | undefined, Flag>;
  /** The packet's language for this PIN's guardian (migration 008); null: the guardian's on file. */
  packet_language: ColumnType<string | null, string | null | undefined>;
}

/** A PIN the practice system reports from any desk (sync v2 pull), this desk's included. */
export interface DeskPinsTable {
  pin_id: string;
  patient_id: string;
  issued_at: string;
  expires_at: string;
  workstation: string;
  /** The issuing clerk's display name. */
  issued_by: string;
  delivery: 'email' | 'print';
  status: 'issued' | 'redeemed' | 'revoked';
  redeemed_at: string | null;
}

/** Per guardian: their one Welcome email (granted by the practice system, any desk) and their portal account. */
export interface GuardianEnrollmentTable {
  contact_id: string;
  welcome_at: string | null;
  welcome_workstation: string | null;
  account_at: string | null;
}

/** A pulled record that failed validation, set aside while the rest of its page was applied. */
export interface SyncProblemsTable {
  id: Generated<number>;
  kind: PageRecordKind;
  record_id: string;
  problem: string;
  cursor: string;
  seen_at: string;
}

export type OutboxStatus = 'pending' | 'delivered' | 'needs_attention' | 'dismissed';

export interface OutboxTable {
  id: string;
  kind: OutboxKind;
  /** What the row is about (a PIN id, a patient id), for look-ups without parsing payloads. */
  ref: string | null;
  payload: string;
  depends_on: string | null;
  status: ColumnType<OutboxStatus, OutboxStatus | undefined>;
  attempts: ColumnType<number, number | undefined>;
  next_attempt_at: string;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
  /** Since when the practice system has answered this row "busy or failing" (migration 013); null otherwise. */
  busy_since: ColumnType<string | null, string | null | undefined>;
}

export interface KeyValueTable {
  key: string;
  value: string;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: string;
  clerk_id: string | null;
  workstation: string;
  /** Read as text: a row written by a newer version may hold an action this one does not know. Never updated (append-only). */
  action: ColumnType<string, AuditAction, never>;
  patient_id: string | null;
  details: Defaulted<string>;
  /** Hash chain (migration 005): set by the database's trigger, never by the app. */
  prev_hash: Generated<string>;
  hash: Generated<string>;
}

export interface CampaignsTable {
  id: string;
  state: 'running' | 'paused' | 'finished';
  started_at: string;
  started_by: string;
  total: number;
  link_valid_days: number;
  /** The pacer's next slot: survives restarts so the pace does too. */
  next_release_at: string;
  paused_at: string | null;
  finished_at: string | null;
}

export type CampaignRecipientState = 'queued' | 'released' | 'sent' | 'failed';

export interface CampaignRecipientsTable {
  campaign_id: string;
  contact_id: string;
  /** Campaign order (the eligibility snapshot's guardian order). */
  seq: number;
  name: string;
  email: string;
  /** JSON: [{ patientId, firstName, lastName }], the guardian's eligible children when it started. */
  children: string;
  state: ColumnType<CampaignRecipientState, CampaignRecipientState | undefined>;
  /** SHA-256 (hex) of the link token, set when released. Never the token. */
  token_hash: string | null;
  released_at: string | null;
  expires_at: string | null;
  link_outbox_id: string | null;
  email_outbox_id: string | null;
}

/** Failed sign-ins per subject (a username or a workstation), for the sign-in delay (migration 004). */
export interface SignInFailuresTable {
  subject: string;
  failures: number;
  last_failure_at: string;
  blocked_until: string;
}

export interface SearchTermsTable {
  term: string;
  patient_id: string;
}

/** One Sort-1 link by rowids (migration 016), kept by triggers: the Bulk PIN pass's join. */
export interface PrimaryLinksTable {
  patient_rowid: number;
  contact_rowid: number;
  bits: number;
}

/** A heavy job's run record (migration 010): advanced in the same transaction as the rows it wrote. */
export interface JobRunsTable {
  id: string;
  kind: JobKind;
  state: JobState;
  rows_done: Defaulted<number>;
  rows_total: Defaulted<number>;
  /** Where the next transaction starts (JSON, the job's own). */
  resume_point: string | null;
  started_at: string;
  updated_at: string;
  message: string | null;
  /** How many times the job was picked up again after the app stopped in the middle of it. */
  resumed: Defaulted<number>;
}

/** A job's staged work (JSON), kept until the job ends (migration 010). */
export interface JobPayloadsTable {
  job_id: string;
  payload: string;
}

/** A Family Contact link whose Authority, Sort or Resides-with the FHIR mapping inferred (migration 014). */
export interface FhirLinkInferencesTable {
  patient_id: string;
  contact_id: string;
  authority: Flag;
  sort: Flag;
  resides_with: Flag;
  seen_at: string;
}

export interface Database {
  families: FamiliesTable;
  patients: PatientsTable;
  contacts: ContactsTable;
  patient_contacts: PatientContactsTable;
  appointments: AppointmentsTable;
  clerks: ClerksTable;
  pins: PinsTable;
  outbox: OutboxTable;
  sync_state: KeyValueTable;
  settings: KeyValueTable;
  audit_log: AuditLogTable;
  search_terms: SearchTermsTable;
  primary_links: PrimaryLinksTable;
  job_runs: JobRunsTable;
  job_payloads: JobPayloadsTable;
  desk_pins: DeskPinsTable;
  guardian_enrollment: GuardianEnrollmentTable;
  sync_problems: SyncProblemsTable;
  campaigns: CampaignsTable;
  campaign_recipients: CampaignRecipientsTable;
  sign_in_failures: SignInFailuresTable;
  fhir_link_inferences: FhirLinkInferencesTable;
}

export type Patient = Selectable<PatientsTable>;
export type PatientContact = Selectable<PatientContactsTable>;
