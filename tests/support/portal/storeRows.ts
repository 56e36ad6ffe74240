import type { Tombstone, WelcomeAnswer } from '../../../shared/sync/protocol';

/** The reference portal's stored rows, as its store reads and writes them. */

/** A practice record the change log can name (and tombstone). */
export type ChangeKind = Tombstone['kind'];
/** What the change log names: practice records, and (v2) the enrollment facts of every desk. */
export type LogKind = ChangeKind | 'pin' | 'guardian';

export interface StoredDelivery {
  path: string;
  status: number;
  body: unknown;
}

export interface EnrollmentRow {
  id: string;
  delivery_id: string;
  pin_id: string;
  pin_hash: string;
  patient_id: string;
  date_of_birth: string;
  expires_at: string;
  account_owner_contact_id: string | null;
  redeemed_at: string | null;
  account_id: string | null;
  /** v2 (null on enrollments kept from a v1 file). */
  issued_at: string | null;
  workstation: string | null;
  issued_by: string | null;
  delivery: 'email' | 'print' | null;
  welcome: WelcomeAnswer | null;
  replaces_pin_id: string | null;
  revoked_at: string | null;
}

export type NewEnrollment = Pick<
  EnrollmentRow,
  | 'delivery_id'
  | 'pin_id'
  | 'pin_hash'
  | 'patient_id'
  | 'date_of_birth'
  | 'expires_at'
  | 'account_owner_contact_id'
  | 'issued_at'
  | 'workstation'
  | 'issued_by'
  | 'delivery'
  | 'welcome'
  | 'replaces_pin_id'
>;

export interface WelcomeRow {
  contact_id: string;
  granted_at: string;
  workstation: string;
  enrollment_id: string;
}

export interface SetupLinkRow {
  id: string;
  token_hash: string;
  delivery_id: string;
  campaign_id: string;
  contact_id: string;
  /** JSON array of patient ids. */
  patient_ids: string;
  issued_at: string;
  expires_at: string;
  used_at: string | null;
  account_id: string | null;
}

export interface AccountRow {
  id: string;
  email: string;
  password_hash: string;
  created_at: string;
  /** The Family Contact who owns the account (the enrollment's accountOwnerContactId, or the campaign link's guardian). */
  owner_contact_id: string | null;
}

export interface PatientName {
  id: string;
  firstName: string;
  lastName: string;
  dateOfBirth: string | null;
  version: number;
}

export interface LogRow {
  seq: number;
  kind: LogKind;
  record_id: string;
  deleted: 0 | 1;
  merged_into: string | null;
}
