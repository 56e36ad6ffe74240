/**
 * The import vocabulary, used by the import check (main) and the import screen (renderer): the
 * kinds of file, the fields each kind can carry, and how both are named to the administrator.
 */

export const IMPORT_KINDS = ['patients', 'contacts', 'appointments'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

const PATIENT_FIELDS = ['chartNumber', 'familyId', 'firstName', 'lastName', 'dateOfBirth', 'sex', 'status', 'familyName'] as const;
const CONTACT_FIELDS = [
  'chartNumber',
  'contactId',
  'firstName',
  'lastName',
  'relationship',
  'sort',
  'authority',
  'residesWith',
  'portal',
  'email',
  'mobilePhone',
  'homePhone',
  'preferredReminder',
  'language',
] as const;
const APPOINTMENT_FIELDS = ['chartNumber', 'startsAt', 'date', 'time', 'provider', 'reason'] as const;

type PatientField = (typeof PATIENT_FIELDS)[number];
type ContactField = (typeof CONTACT_FIELDS)[number];
type AppointmentField = (typeof APPOINTMENT_FIELDS)[number];
export type ImportField = PatientField | ContactField | AppointmentField;

/** What a column of each kind of file can be mapped to, in the order the mapping screen offers them. */
export const FIELDS_OF: Record<ImportKind, readonly ImportField[]> = {
  patients: PATIENT_FIELDS,
  contacts: CONTACT_FIELDS,
  appointments: APPOINTMENT_FIELDS,
};

/** Every field of any kind, once. */
export const IMPORT_FIELDS: readonly ImportField[] = [...new Set<ImportField>([...PATIENT_FIELDS, ...CONTACT_FIELDS, ...APPOINTMENT_FIELDS])];

/** Other names a mapping may use for a field: the sync protocol says portalFlag. */
export const IMPORT_FIELD_ALIASES = { portalFlag: 'portal' } as const satisfies Record<string, ImportField>;
type ImportFieldAlias = keyof typeof IMPORT_FIELD_ALIASES;

/** Every name a mapping may give a field. */
export type ImportFieldName = ImportField | ImportFieldAlias;
export const IMPORT_FIELD_NAMES = [...IMPORT_FIELDS, ...(Object.keys(IMPORT_FIELD_ALIASES) as ImportFieldAlias[])] as [ImportFieldName, ...ImportFieldName[]];

export function isImportField(name: string): name is ImportField {
  return (IMPORT_FIELDS as readonly string[]).includes(name);
}

/** The field a name given in a mapping means ("portalFlag" → "portal"), or null if it names none. */
export function importFieldNamed(name: string): ImportField | null {
  if (isImportField(name)) return name;
  return Object.hasOwn(IMPORT_FIELD_ALIASES, name) ? IMPORT_FIELD_ALIASES[name as ImportFieldAlias] : null;
}

/** How a field is named in messages and on the mapping screen. */
export const FIELD_LABELS: Record<ImportField, string> = {
  chartNumber: 'Chart number',
  familyId: 'Family ID',
  firstName: 'First name',
  lastName: 'Last name',
  dateOfBirth: 'Date of birth',
  sex: 'Sex',
  status: 'Status',
  familyName: 'Family name',
  contactId: 'Contact ID',
  relationship: 'Relationship',
  sort: 'Sort',
  authority: 'Authority',
  residesWith: 'Resides with',
  portal: 'Portal',
  email: 'Email',
  mobilePhone: 'Mobile phone',
  homePhone: 'Home phone',
  preferredReminder: 'Preferred reminder method',
  language: 'Language',
  startsAt: 'Appointment date/time',
  date: 'Appointment date',
  time: 'Appointment time',
  provider: 'Provider',
  reason: 'Reason',
};

/** What the mapping screen adds to a field's label, where the label alone could mislead. */
export const FIELD_CHOICE_HINTS: Partial<Record<ImportField, string>> = {
  sort: '1 = Primary Contact',
  portal: 'does not give portal access',
};

/** The kinds of file as a heading or choice ("Family Contacts") and inside a sentence ("a family contacts file"). */
export const KIND_LABELS: Record<ImportKind, { title: string; inSentence: string }> = {
  patients: { title: 'Patients', inSentence: 'patients' },
  contacts: { title: 'Family Contacts', inSentence: 'family contacts' },
  appointments: { title: 'Appointments', inSentence: 'appointments' },
};

/**
 * A required field as ImportFilePreview.missingFields names it: one field, or fields of which
 * any one will do ("firstName|lastName").
 */
export type MissingField = ImportField | `${ImportField}|${ImportField}`;

/** "Date of birth"; "First name or Last name" for a need either field meets ("firstName|lastName"). */
export function missingFieldLabel(missing: MissingField): string {
  return missing
    .split('|')
    .map((f) => FIELD_LABELS[f as ImportField])
    .join(' or ');
}
