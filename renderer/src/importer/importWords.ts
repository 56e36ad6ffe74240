import type { ImportKind } from '../../../shared/bulk/api';

/** What a column of each kind of file can be mapped to (import.preview's `mapping`). */
export const IMPORT_FIELDS: Record<ImportKind, readonly string[]> = {
  patients: ['chartNumber', 'familyId', 'firstName', 'lastName', 'dateOfBirth', 'sex', 'status', 'familyName'],
  contacts: [
    'chartNumber',
    'contactId',
    'firstName',
    'lastName',
    'relationship',
    'sort',
    'authority',
    'residesWith',
    'portalFlag',
    'email',
    'mobilePhone',
    'homePhone',
    'preferredReminder',
    'language',
  ],
  appointments: ['chartNumber', 'startsAt', 'date', 'time', 'provider', 'reason'],
};

export const KIND_WORDS: Record<ImportKind, string> = {
  patients: 'Patients',
  contacts: 'Family Contacts',
  appointments: 'Appointments',
};

/** Field names in the practice's words, for the mapping selects. */
export const FIELD_WORDS: Record<string, string> = {
  chartNumber: 'Chart number',
  familyId: 'Family ID',
  firstName: 'First name',
  lastName: 'Last name',
  dateOfBirth: 'Date of birth',
  sex: 'Sex',
  status: 'Patient status',
  familyName: 'Family name',
  contactId: 'Contact ID',
  relationship: 'Relationship',
  sort: 'Sort (1 = Primary Contact)',
  authority: 'Authority',
  residesWith: 'Resides with',
  portalFlag: 'Portal column',
  portal: 'Portal column',
  email: 'Email',
  mobilePhone: 'Mobile number',
  homePhone: 'Home phone',
  preferredReminder: 'Preferred reminder method',
  language: 'Language',
  startsAt: 'Starts at (date and time)',
  date: 'Date',
  time: 'Time',
  provider: 'Provider',
  reason: 'Reason for visit',
};

/** "Date of birth"; "First name or Last name" for a need either field meets ("firstName|lastName"). */
export const fieldWords = (field: string): string =>
  field
    .split('|')
    .map((f) => FIELD_WORDS[f] ?? f)
    .join(' or ');

/**
 * The choices for a column of a file of this kind: the fields above, and any field name the import
 * check itself used for this kind (it is the authority on names). A field it names differently but
 * that means the same (same words) replaces ours, so no choice shows twice.
 */
export function fieldChoices(kind: ImportKind, seen: Iterable<string>): string[] {
  const choices = [...IMPORT_FIELDS[kind]];
  for (const field of seen) {
    if (choices.includes(field)) continue;
    const twin = choices.findIndex((f) => fieldWords(f) === fieldWords(field));
    if (twin >= 0) choices[twin] = field;
    else choices.push(field);
  }
  return choices;
}
