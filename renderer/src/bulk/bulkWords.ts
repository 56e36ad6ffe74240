import type { ChecklistItem, QualityProblem } from '../../../shared/bulk/api';

/** Whole numbers the way the practice reads them: 1,234. */
export const count = (n: number) => n.toLocaleString('en-US');

/** "1 row" / "1,234 rows". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${count(n)} ${n === 1 ? one : many}`;
}

/** "Jan 5, 2025, 3:04 PM", or the text as given when it is not a date. */
export function formatWhen(iso: string): string {
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return iso;
  return when.toLocaleString('en-US', { dateStyle: 'medium', timeStyle: 'short' });
}

/** The Bulk PIN eligibility checklist, in the words of the vendor's Bulk PIN page (seeds/bulk-pin.txt). */
export const CHECKLIST_WORDS: Record<ChecklistItem, { title: string; explanation: string }> = {
  single_npi_and_practice: {
    title: 'One Practice NPI and one Practice',
    explanation:
      'The practice works under a single Practice NPI and is a single Practice (several locations are fine). Enterprises with more than one Practice NPI, or made up of more than one Practice, are not eligible for Bulk PIN.',
  },
  current_version: {
    title: 'Current version of the practice software',
    explanation: 'The practice system runs its most current version. The current version is listed under Current Release on the Help Center homepage.',
  },
  portal_fully_live: {
    title: 'Portal fully live',
    explanation: 'The patient portal is fully live for the practice, not running in Preview Mode.',
  },
  register_records_archived: {
    title: 'Register records archived',
    explanation: 'The DB Archive tool has been run for Register records (step 1 of the practice-system data clean-up).',
  },
};

/** What the data-quality worklist flags, in words (the filter's choices). */
export const PROBLEM_WORDS: Record<QualityProblem, string> = {
  no_primary_contact: 'No Primary Contact',
  missing_first_name: 'First name missing',
  missing_last_name: 'Last name missing',
  missing_email: 'Email missing',
  malformed_email: 'Email cannot be used (not exactly one address)',
  email_domain_typo: 'Email domain looks mistyped (such as gmial.com)',
  missing_mobile: 'Mobile number missing',
  invalid_mobile: 'Mobile number is not valid',
  no_authority_or_residence: 'No Joint or Exclusive authority and not living with the child',
  authority_inferred: 'Authority inferred from the relationship when loaded from the EHR: confirm',
  missing_reminder_method: 'Preferred reminder method missing',
  shared_email: 'Email shared with another guardian',
};
