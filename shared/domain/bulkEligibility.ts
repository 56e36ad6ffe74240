/**
 * Who the Bulk PIN campaign emails (SPEC 3.5, seed "How does it work?"): an Active patient under
 * the Minor Age Limit whose Primary Contact (Sort 1) has Joint or Exclusive authority or resides
 * with them, and has a usable email address. The Primary Contact rule is the one the PIN wizard
 * uses (contacts.ts) and the email rule is the one the plan and the mailer use (email.ts
 * checkMailbox), so the wizard and the campaign never disagree about a child or an address. Pure.
 */
import { STATUS_EXCLUSIONS, type ExclusionReason } from './exclusions';
import { hasAccessRight, primaryContactLink, type ContactLink } from './contacts';
import { shownEmail } from './contactQuality';
import { checkMailbox, emailProblemWords } from './email';
import { formatUsDate, type IsoDate } from './dates';
import { patientEligibility, type PatientEligibility } from './eligibility';
import { fullName } from './names';
import type { PatientStatus } from './patient';

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

/** The first reason in SPEC order; the detail is for the administrator reading the exclusions. */
const excluded = (reason: ExclusionReason, detail: string): BulkVerdict => ({ eligible: false, reason, detail });

function contactName(primary: BulkPrimary): string {
  const name = fullName({ firstName: primary.firstName ?? '', lastName: primary.lastName ?? '' });
  return name === '' ? '(no name)' : name;
}

/**
 * The campaign verdict for one patient. Reasons in order: status (each non-Active status its own
 * reason) → no usable date of birth → at or over the Minor Age Limit → no Sort-1 contact →
 * Sort 1 without Joint/Exclusive authority and not residing (the Portal column never counts; a
 * Sort-2 contact with authority does not stand in) → no usable email. `primary` is the patient's Sort-1
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
  // 200,000 children share a few thousand (status, date of birth) pairs: each is judged once.
  const key = `${patient.status}|${patient.dateOfBirth ?? ''}`;
  if (memo.today !== today || memo.minorAgeLimit !== minorAgeLimit || memo.byKey.size > 50_000) {
    Object.assign(memo, { today, minorAgeLimit });
    memo.byKey.clear();
  }
  let verdict = memo.byKey.get(key);
  if (verdict === undefined) {
    verdict = patientVerdictOf(patientEligibility(patient, minorAgeLimit, today));
    memo.byKey.set(key, verdict);
  }
  return verdict;
}

const memo = { today: '', minorAgeLimit: 0, byKey: new Map<string, BulkVerdict | null>() };

/** The campaign's words for the first reason of the shared rule (eligibility.ts). */
function patientVerdictOf({ exclusions }: PatientEligibility): BulkVerdict | null {
  const first = exclusions[0];
  if (first === undefined) return null;
  switch (first.code) {
    case 'status':
      return excluded(STATUS_EXCLUSIONS[first.status as Exclude<PatientStatus, 'Active'>] ?? 'status_inactive', first.status);
    case 'no_date_of_birth':
      return excluded('no_date_of_birth', 'No date of birth on file');
    case 'invalid_date_of_birth':
      return excluded('no_date_of_birth', `Date of birth on file ("${first.dateOfBirth}") is not a real date`);
    case 'future_date_of_birth':
      return excluded('no_date_of_birth', `Date of birth ${formatUsDate(first.dateOfBirth)} is in the future`);
    case 'over_minor_age':
      return excluded('over_minor_age', `${first.age} (limit ${first.minorAgeLimit})`);
  }
}

/**
 * The second half of {@link bulkVerdict}, for a patient who passed {@link bulkPatientVerdict}:
 * the reasons that rest on the Primary Contact alone. The email must be exactly one mailbox
 * (checkMailbox, THE email rule): "mom@" or "mom@x.com; dad@y.com" cannot be emailed, so that
 * guardian is left out of the campaign as having no usable email (SPEC 3.2: the desk prints
 * instead), and the worklist asks for the address to be fixed. Any usable address gives the
 * same verdict, so a pass over many patients may work it out once per (link, usable or not).
 */
export function bulkPrimaryVerdict(primary: BulkPrimary | null): BulkVerdict {
  if (primary === null || primary.link.sort !== 1) return excluded('no_primary_contact', 'No Family Contact with Sort 1');
  // The eligiblePrimaryContact rule (contacts.ts) for the one Sort-1 link given.
  if (!hasAccessRight(primary.link)) {
    const portal = primary.link.portalFlag ? ' (the Portal column does not count)' : '';
    return excluded('primary_without_authority', `Sort 1 ${contactName(primary)} has no authority and does not reside${portal}`);
  }
  const mailbox = checkMailbox(primary.email);
  if (!mailbox.ok) {
    if (mailbox.problem === 'missing') return excluded('no_email', `Sort 1 ${contactName(primary)} has no email address`);
    return excluded(
      'no_email',
      `Sort 1 ${contactName(primary)} has no usable email address ("${shownEmail(primary.email ?? '')}": ${emailProblemWords(mailbox.problem)})`,
    );
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
