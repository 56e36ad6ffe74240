import type { ImportColumnMapping, ImportKind } from '../../../shared/bulk/api';

/**
 * The fields each kind of export file can carry, the column headers practice systems use for
 * them, and how a file's header row becomes a mapping. Headers are compared case-, space- and
 * punctuation-insensitively ("Chart #", "chart no.", "CHART_NUMBER" are one header).
 */

export const PATIENT_FIELDS = ['chartNumber', 'familyId', 'firstName', 'lastName', 'dateOfBirth', 'sex', 'status', 'familyName'] as const;
export const CONTACT_FIELDS = [
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
export const APPOINTMENT_FIELDS = ['chartNumber', 'startsAt', 'date', 'time', 'provider', 'reason'] as const;

export type PatientField = (typeof PATIENT_FIELDS)[number];
export type ContactField = (typeof CONTACT_FIELDS)[number];
export type AppointmentField = (typeof APPOINTMENT_FIELDS)[number];
export type ImportField = PatientField | ContactField | AppointmentField;

export const FIELDS_OF: Record<ImportKind, readonly string[]> = {
  patients: PATIENT_FIELDS,
  contacts: CONTACT_FIELDS,
  appointments: APPOINTMENT_FIELDS,
};

/** How a field is named in messages. */
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

export const KIND_LABELS: Record<ImportKind, string> = {
  patients: 'patients',
  contacts: 'family contacts',
  appointments: 'appointments',
};

/** "Chart #" → "chartno", "Res?" → "res", "E-mail Address" → "emailaddress". */
export function normalizeHeader(header: string): string {
  return header
    .replace(/^\uFEFF/, '')
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/#/g, 'no')
    .replace(/[^a-z0-9]/g, '');
}

const CHART = [
  'chart', 'chartno', 'chartnumber', 'chartnum', 'chartnbr', 'chartid', 'patientchart', 'patientchartno', 'patientchartnumber',
  'mrn', 'medicalrecordno', 'medicalrecordnumber', 'patientid', 'patientno', 'patientnumber', 'ptchartno', 'ptid',
];

const SYNONYMS: Record<ImportKind, Record<string, readonly string[]>> = {
  patients: {
    chartNumber: CHART,
    familyId: ['familyno', 'familyid', 'familynumber', 'familynum', 'famid', 'famno', 'household', 'householdid', 'householdno', 'householdnumber', 'familyaccount', 'familyaccountno'],
    firstName: ['firstname', 'first', 'fname', 'patientfirst', 'patientfirstname', 'patientfname', 'ptfirstname', 'givenname', 'childfirstname'],
    lastName: ['lastname', 'last', 'lname', 'patientlast', 'patientlastname', 'patientlname', 'ptlastname', 'surname', 'childlastname'],
    dateOfBirth: ['dob', 'birthdate', 'dateofbirth', 'birthday', 'patientdob', 'ptdob', 'dobmmddyyyy', 'birthdt', 'patientbirthdate'],
    sex: ['sex', 'gender', 'patientsex', 'patientgender'],
    status: ['status', 'patientstatus', 'chartstatus', 'ptstatus'],
    familyName: ['familyname', 'householdname', 'familylastname'],
  },
  contacts: {
    chartNumber: CHART,
    contactId: ['contactid', 'contactno', 'contactnumber', 'contactkey', 'guardianid', 'personid'],
    firstName: ['firstname', 'first', 'fname', 'contactfirst', 'contactfirstname', 'contactfname', 'guardianfirstname', 'parentfirstname', 'givenname'],
    lastName: ['lastname', 'last', 'lname', 'contactlast', 'contactlastname', 'contactlname', 'guardianlastname', 'parentlastname', 'surname'],
    relationship: ['relationship', 'relation', 'relationshiptopatient', 'relationtopatient', 'rel', 'contactrelationship'],
    sort: ['sort', 'sortorder', 'sortno', 'contactsort', 'order', 'sequence', 'seq', 'priority'],
    authority: ['authority', 'legalauthority', 'auth', 'contactauthority'],
    residesWith: ['res', 'resides', 'resideswith', 'residewith', 'resideswithpatient', 'liveswith', 'liveswithpatient'],
    portal: ['portal', 'portalaccess', 'portalflag', 'portalcontact'],
    email: ['email', 'emailaddress', 'email1', 'contactemail', 'guardianemail'],
    mobilePhone: ['cell', 'cellphone', 'cellno', 'cellnumber', 'cellular', 'mobile', 'mobileno', 'mobilephone', 'mobilenumber', 'textnumber'],
    homePhone: ['homephone', 'home', 'homeno', 'homenumber', 'phone', 'phonehome', 'telephone'],
    preferredReminder: [
      'preferredremindermethod', 'preferredreminder', 'remindermethod', 'reminder', 'reminderpreference', 'reminderpref',
      'preferredcontactmethod', 'contactmethod', 'preferredmethod',
    ],
    language: ['language', 'preferredlanguage', 'lang'],
  },
  appointments: {
    chartNumber: CHART,
    startsAt: [
      'appointmentdatetime', 'appointmentdateandtime', 'apptdatetime', 'apptdateandtime', 'datetime', 'dateandtime', 'startsat',
      'start', 'appointmentstart', 'apptstart', 'scheduled', 'scheduledfor', 'scheduledat',
    ],
    date: ['date', 'appointmentdate', 'apptdate', 'visitdate', 'servicedate'],
    time: ['time', 'appointmenttime', 'appttime', 'starttime', 'visittime'],
    provider: ['provider', 'providername', 'doctor', 'physician', 'renderingprovider', 'clinician', 'resource', 'seenby'],
    reason: ['reason', 'visitreason', 'reasonforvisit', 'appointmenttype', 'appttype', 'visittype', 'type', 'description', 'chiefcomplaint'],
  },
};

const LOOKUP: Record<ImportKind, Map<string, string>> = {
  patients: new Map(),
  contacts: new Map(),
  appointments: new Map(),
};
for (const kind of Object.keys(SYNONYMS) as ImportKind[]) {
  for (const [field, names] of Object.entries(SYNONYMS[kind])) for (const name of names) LOOKUP[kind].set(name, field);
}

/** The field a header means in a file of this kind, or null. */
export function recognise(kind: ImportKind, header: string): string | null {
  return LOOKUP[kind].get(normalizeHeader(header)) ?? null;
}

/** Fields every kind shares: they say nothing about which kind a file is. */
const SHARED = new Set(['chartNumber', 'firstName', 'lastName']);

/** Required fields not mapped, as listed in ImportFilePreview.missingFields. */
export function missingFields(kind: ImportKind, mapped: ReadonlySet<string>): string[] {
  const missing: string[] = [];
  const need = (field: string) => {
    if (!mapped.has(field)) missing.push(field);
  };
  switch (kind) {
    case 'patients':
      for (const f of ['chartNumber', 'firstName', 'lastName', 'dateOfBirth', 'status']) need(f);
      break;
    case 'contacts':
      need('chartNumber');
      if (!mapped.has('firstName') && !mapped.has('lastName')) missing.push('firstName|lastName');
      need('sort');
      break;
    case 'appointments':
      need('chartNumber');
      if (!mapped.has('startsAt')) {
        if (!mapped.has('date')) missing.push('startsAt');
        else if (!mapped.has('time')) missing.push('time');
      }
      break;
  }
  return missing;
}

export interface FileMapping {
  kind: ImportKind | null;
  columns: ImportColumnMapping[];
  /** Column index of each mapped field (the first column mapped to it). */
  index: Map<string, number>;
  missingFields: string[];
  /** Problems with the header row or the mapping asked for (reported on line 1). */
  problems: { column: string | null; message: string }[];
}

/** Other names a mapping may use for a field (the sync protocol says portalFlag). */
const FIELD_ALIASES: Record<string, string> = { portalFlag: 'portal' };

function overrideFor(header: string, overrides: readonly { header: string; field: string | null }[]): { field: string | null } | undefined {
  const key = normalizeHeader(header);
  const found = overrides.find((o) => o.header === header) ?? overrides.find((o) => normalizeHeader(o.header) === key);
  return found && found.field !== null && FIELD_ALIASES[found.field] ? { field: FIELD_ALIASES[found.field]! } : found;
}

/**
 * Maps a header row: the kind given, or the one whose own fields the headers name most (a
 * contacts file has Sort, Authority, Res?; a patients file DOB, Status; an appointments file a
 * date and a provider); then each header to a field (first column wins), with `overrides`
 * replacing the recognised field of the headers they name.
 */
export function mapHeaders(
  fileName: string,
  headers: readonly string[],
  givenKind: ImportKind | undefined,
  overrides: readonly { header: string; field: string | null }[] = [],
): FileMapping {
  const problems: FileMapping['problems'] = [];
  const fieldFor = (kind: ImportKind, header: string): string | null => {
    const o = overrideFor(header, overrides);
    if (o) return o.field !== null && FIELDS_OF[kind].includes(o.field) ? o.field : null;
    return recognise(kind, header);
  };

  let kind: ImportKind | null = givenKind ?? null;
  if (!kind) {
    const scores = (['patients', 'contacts', 'appointments'] as const).map((k) => {
      const fields = new Set(headers.map((h) => fieldFor(k, h)).filter((f): f is string => f !== null && !SHARED.has(f)));
      return { kind: k, score: fields.size };
    });
    scores.sort((a, b) => b.score - a.score);
    if (scores[0]!.score > 0 && scores[0]!.score > scores[1]!.score) kind = scores[0]!.kind;
  }

  for (const o of overrides) {
    if (!headers.some((h) => h === o.header || normalizeHeader(h) === normalizeHeader(o.header))) {
      problems.push({ column: o.header, message: `The mapping names a column '${o.header}' that ${fileName} does not have.` });
    }
  }

  if (!kind) {
    problems.push({
      column: null,
      message: `Could not tell from its columns whether ${fileName} holds patients, family contacts or appointments. Choose the kind of file, or check that its first line is the header row.`,
    });
    return { kind: null, columns: headers.map((header) => ({ header, field: null })), index: new Map(), missingFields: [], problems };
  }

  // Columns the mapping names first (they take their field even from a recognised column), then
  // the recognised ones; when two columns mean the same field the first one keeps it.
  const index = new Map<string, number>();
  const fields: (string | null)[] = headers.map(() => null);
  headers.forEach((header, i) => {
    const o = overrideFor(header, overrides);
    if (!o || o.field === null) return;
    if (!FIELDS_OF[kind].includes(o.field)) {
      problems.push({
        column: header,
        message: `Column '${header}' cannot be mapped to '${o.field}': a ${KIND_LABELS[kind]} file has ${FIELDS_OF[kind].join(', ')}.`,
      });
      return;
    }
    const taken = index.get(o.field);
    if (taken !== undefined) {
      problems.push({
        column: header,
        message: `Columns '${headers[taken]}' and '${header}' are both mapped to ${FIELD_LABELS[o.field as ImportField]}; map one of them to nothing.`,
      });
      return;
    }
    index.set(o.field, i);
    fields[i] = o.field;
  });
  headers.forEach((header, i) => {
    if (overrideFor(header, overrides)) return;
    const field = recognise(kind, header);
    if (field === null || index.has(field)) return;
    index.set(field, i);
    fields[i] = field;
  });
  const columns: ImportColumnMapping[] = headers.map((header, i) => ({ header, field: fields[i] ?? null }));
  return { kind, columns, index, missingFields: missingFields(kind, new Set(index.keys())), problems };
}
