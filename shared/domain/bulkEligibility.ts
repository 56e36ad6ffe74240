/**
 * Who the Bulk PIN campaign emails (SPEC 3.5, seed "How does it work?"): an Active patient under
 * the Minor Age Limit whose Primary Contact (Sort 1) has Joint or Exclusive authority or resides
 * with them, and has an email address. The Primary Contact rule is the one the PIN wizard uses
 * (contacts.ts), so the wizard and the campaign never disagree about a child. Pure.
 */
import type { ExclusionReason } from '../bulk/api';
import { hasAccessRight, primaryContactLink, type ContactLink } from './contacts';
import { ageOn, formatUsDate, isValidIsoDate, type IsoDate } from './dates';
import { fullName } from './names';
import { isStatusEligible, type PatientStatus } from './patient';

export interface BulkPatient {
  status: PatientStatus;
  dateOfBirth: IsoDate | null;
}

/** The patient's Sort-1 contact as linked to them, with what the campaign needs of the person. */
export interface BulkPrimary {
  link: ContactLink;
  email: string | null;
  /** For the exclusion detail ("Sort 1 Rosa Perez has no authority..."). */
  firstName?: string;
  lastName?: string;
}

export type BulkVerdict = { eligible: true } | { eligible: false; reason: ExclusionReason; detail: string };

const STATUS_REASONS: Record<Exclude<PatientStatus, 'Active'>, ExclusionReason> = {
  Inactive: 'status_inactive',
  Transferred: 'status_transferred',
  Deceased: 'status_deceased',
  Merged: 'status_merged',
  'In Collections': 'status_in_collections',
};

/** The first reason in SPEC order; the detail is for the administrator reading the exclusions. */
const excluded = (reason: ExclusionReason, detail: string): BulkVerdict => ({ eligible: false, reason, detail });

function contactName(primary: BulkPrimary): string {
  const name = fullName({ firstName: primary.firstName ?? '', lastName: primary.lastName ?? '' });
  return name === '' ? '(no name)' : name;
}

/**
 * ageOn for many patients against one `today`: the campaign judges 200,000 children whose dates
 * of birth repeat (a few thousand distinct days), so each distinct date is parsed once. null:
 * not a real date.
 */
const ages = { today: '', byDate: new Map<string, number | null>() };
function ageMemo(dob: IsoDate, today: IsoDate): number | null {
  if (ages.today !== today || ages.byDate.size > 50_000) {
    ages.today = today;
    ages.byDate.clear();
  }
  let age = ages.byDate.get(dob);
  if (age === undefined) {
    age = isValidIsoDate(dob) ? ageOn(dob, today) : null;
    ages.byDate.set(dob, age);
  }
  return age;
}

/**
 * The campaign verdict for one patient. Reasons in order: status (each non-Active status its own
 * reason) → no usable date of birth → at or over the Minor Age Limit → no Sort-1 contact →
 * Sort 1 without Joint/Exclusive authority and not residing (the Portal column never counts; a
 * Sort-2 contact with authority does not stand in) → no email. `primary` is the patient's Sort-1
 * link (see {@link bulkPrimaryOf}); a link of another sort counts as no Primary Contact.
 */
export function bulkVerdict(patient: BulkPatient, primary: BulkPrimary | null, minorAgeLimit: number, today: IsoDate): BulkVerdict {
  return bulkPatientVerdict(patient, minorAgeLimit, today) ?? bulkPrimaryVerdict(primary);
}

/**
 * The first half of {@link bulkVerdict}: the reasons that rest on the patient alone (status, date
 * of birth, age), or null when the patient passes them. Depends on nothing else, so a pass over
 * many patients may work it out once per (status, date of birth).
 */
export function bulkPatientVerdict(patient: BulkPatient, minorAgeLimit: number, today: IsoDate): BulkVerdict | null {
  if (!isStatusEligible(patient.status)) {
    return excluded(STATUS_REASONS[patient.status as Exclude<PatientStatus, 'Active'>] ?? 'status_inactive', patient.status);
  }
  const dob = patient.dateOfBirth?.trim() ?? '';
  if (dob === '') return excluded('no_date_of_birth', 'No date of birth on file');
  const age = ageMemo(dob, today);
  if (age === null) return excluded('no_date_of_birth', `Date of birth on file ("${dob}") is not a real date`);
  if (age < 0) return excluded('no_date_of_birth', `Date of birth ${formatUsDate(dob)} is in the future`);
  if (age >= minorAgeLimit) return excluded('over_minor_age', `${age} (limit ${minorAgeLimit})`);
  return null;
}

/**
 * The second half of {@link bulkVerdict}, for a patient who passed {@link bulkPatientVerdict}:
 * the reasons that rest on the Primary Contact alone. The email counts only by being present
 * (not null, not blank once trimmed): the Bulk PIN snapshot relies on this, judging every address
 * that contains an "@" as present without reading it into JavaScript.
 */
export function bulkPrimaryVerdict(primary: BulkPrimary | null): BulkVerdict {
  if (primary === null || primary.link.sort !== 1) return excluded('no_primary_contact', 'No Family Contact with Sort 1');
  // The eligiblePrimaryContact rule (contacts.ts) for the one Sort-1 link given.
  if (!hasAccessRight(primary.link)) {
    const portal = primary.link.portalFlag ? ' (the Portal column does not count)' : '';
    return excluded('primary_without_authority', `Sort 1 ${contactName(primary)} has no authority and does not reside${portal}`);
  }
  if (primary.email === null || primary.email.trim() === '') {
    return excluded('no_email', `Sort 1 ${contactName(primary)} has no email address`);
  }
  return { eligible: true };
}

/**
 * The link the campaign looks at among all of a patient's links: the eligible Sort-1 contact
 * when there is one, else the first Sort-1 contact (by contact id), else null.
 */
export function bulkPrimaryOf<T extends ContactLink>(links: readonly T[]): T | null {
  return primaryContactLink(links);
}
