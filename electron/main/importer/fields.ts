import type { ImportColumnMapping } from '../../../shared/bulk/api';
import { FIELD_LABELS, FIELDS_OF, importFieldNamed, KIND_LABELS, type ImportField, type ImportKind, type MissingField } from '../../../shared/import/fields';

/**
 * The column headers practice systems use for each field (the fields themselves are in
 * shared/import/fields.ts), and how a file's header row becomes a mapping. Headers are compared case-, space- and
 * punctuation-insensitively ("Chart #", "chart no.", "CHART_NUMBER" are one header).
 */

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
  'chart',
  'chartno',
  'chartnumber',
  'chartnum',
  'chartnbr',
  'chartid',
  'patientchart',
  'patientchartno',
  'patientchartnumber',
  'mrn',
  'medicalrecordno',
  'medicalrecordnumber',
  'patientid',
  'patientno',
  'patientnumber',
  'ptchartno',
  'ptid',
];

const SYNONYMS: { [K in ImportKind]: Partial<Record<ImportField, readonly string[]>> } = {
  patients: {
    chartNumber: CHART,
    familyId: [
      'familyno',
      'familyid',
      'familynumber',
      'familynum',
      'famid',
      'famno',
      'household',
      'householdid',
      'householdno',
      'householdnumber',
      'familyaccount',
      'familyaccountno',
    ],
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
      'preferredremindermethod',
      'preferredreminder',
      'remindermethod',
      'reminder',
      'reminderpreference',
      'reminderpref',
      'preferredcontactmethod',
      'contactmethod',
      'preferredmethod',
    ],
    language: ['language', 'preferredlanguage', 'lang'],
  },
  appointments: {
    chartNumber: CHART,
    startsAt: [
      'appointmentdatetime',
      'appointmentdateandtime',
      'apptdatetime',
      'apptdateandtime',
      'datetime',
      'dateandtime',
      'startsat',
      'start',
      'appointmentstart',
      'apptstart',
      'scheduled',
      'scheduledfor',
      'scheduledat',
    ],
    date: ['date', 'appointmentdate', 'apptdate', 'visitdate', 'servicedate'],
    time: ['time', 'appointmenttime', 'appttime', 'starttime', 'visittime'],
    provider: ['provider', 'providername', 'doctor', 'physician', 'renderingprovider', 'clinician', 'resource', 'seenby'],
    reason: ['reason', 'visitreason', 'reasonforvisit', 'appointmenttype', 'appttype', 'visittype', 'type', 'description', 'chiefcomplaint'],
  },
};

const LOOKUP: Record<ImportKind, Map<string, ImportField>> = {
  patients: new Map(),
  contacts: new Map(),
  appointments: new Map(),
};
for (const kind of Object.keys(SYNONYMS) as ImportKind[]) {
  for (const [field, names] of Object.entries(SYNONYMS[kind]) as [ImportField, readonly string[]][]) {
    for (const name of names) LOOKUP[kind].set(name, field);
  }
}

/** The field a header means in a file of this kind, or null. */
export function recognise(kind: ImportKind, header: string): ImportField | null {
  return LOOKUP[kind].get(normalizeHeader(header)) ?? null;
}

/** Fields every kind shares: they say nothing about which kind a file is. */
const SHARED: ReadonlySet<ImportField> = new Set<ImportField>(['chartNumber', 'firstName', 'lastName']);

/** Required fields not mapped, as listed in ImportFilePreview.missingFields. */
export function missingFields(kind: ImportKind, mapped: ReadonlySet<ImportField>): MissingField[] {
  const missing: MissingField[] = [];
  const need = (field: ImportField) => {
    if (!mapped.has(field)) missing.push(field);
  };
  switch (kind) {
    case 'patients':
      for (const f of ['chartNumber', 'firstName', 'lastName', 'dateOfBirth', 'status'] as const) need(f);
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
  index: Map<ImportField, number>;
  missingFields: MissingField[];
  /** Problems with the header row or the mapping asked for (reported on line 1). */
  problems: { column: string | null; message: string }[];
}

/** A column the mapping asked for: the field it named (aliases resolved), and that name as written. */
interface Override {
  field: ImportField | null;
  named: string | null;
}

function overrideFor(header: string, overrides: readonly { header: string; field: string | null }[]): Override | undefined {
  const key = normalizeHeader(header);
  const found = overrides.find((o) => o.header === header) ?? overrides.find((o) => normalizeHeader(o.header) === key);
  if (!found) return undefined;
  return { field: found.field === null ? null : importFieldNamed(found.field), named: found.field };
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
  const fieldFor = (kind: ImportKind, header: string): ImportField | null => {
    const o = overrideFor(header, overrides);
    if (o) return o.field !== null && FIELDS_OF[kind].includes(o.field) ? o.field : null;
    return recognise(kind, header);
  };

  let kind: ImportKind | null = givenKind ?? null;
  if (!kind) {
    const scores = (['patients', 'contacts', 'appointments'] as const).map((k) => {
      const fields = new Set(headers.map((h) => fieldFor(k, h)).filter((f): f is ImportField => f !== null && !SHARED.has(f)));
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
  const index = new Map<ImportField, number>();
  const fields: (ImportField | null)[] = headers.map(() => null);
  headers.forEach((header, i) => {
    const o = overrideFor(header, overrides);
    if (!o || o.named === null) return;
    if (o.field === null || !FIELDS_OF[kind].includes(o.field)) {
      problems.push({
        column: header,
        message: `Column '${header}' cannot be mapped to '${o.field ?? o.named}': a ${KIND_LABELS[kind].inSentence} file has ${FIELDS_OF[kind].join(', ')}.`,
      });
      return;
    }
    const taken = index.get(o.field);
    if (taken !== undefined) {
      problems.push({
        column: header,
        message: `Columns '${headers[taken]}' and '${header}' are both mapped to ${FIELD_LABELS[o.field]}; map one of them to nothing.`,
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
