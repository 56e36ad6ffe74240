import { createHash } from 'node:crypto';
import { FIELD_LABELS, type ImportField } from '../../../shared/import/fields';
import type { AppointmentRecord, ImportPlan, LinkRecord, PatientRecord, Source } from './planTypes';
import type { Row } from './planRow';
import {
  normalizePhone,
  readAuthority,
  readDate,
  readDateOfBirth,
  readDateTime,
  readFlag,
  readLanguage,
  readReminder,
  readSex,
  readSort,
  readStatus,
  readTime,
} from './values';

// One row of each kind of file made into records of the plan, checked against the rows before it.

const MAX_CHART = 40;
const MAX_ID = 64;
const MAX_NAME = 80;

export function stableId(prefix: string, ...parts: string[]): string {
  return prefix + createHash('sha256').update(parts.join('\u001f')).digest('hex').slice(0, 20);
}

export const linkKey = (chart: string, contactId: string) => `${chart}\u0000${contactId}`;

const where = (src: Source, file: string) => (src.file === file ? `line ${src.line}` : `${src.file} line ${src.line}`);

export function readPatient(row: Row, file: string, complete: boolean, today: string, plan: ImportPlan, chartsInFiles: Map<string, Source>): void {
  const chart = row.required('chartNumber', MAX_CHART);
  if (chart !== null) {
    const first = chartsInFiles.get(chart);
    if (first) row.problem('chartNumber', `Chart number '${chart}' appears twice (first on ${where(first, file)}); each patient must be listed once`);
    else chartsInFiles.set(chart, { file, line: row.line });
  }
  const firstName = row.required('firstName', MAX_NAME);
  const lastName = row.required('lastName', MAX_NAME);
  const dateOfBirth = row.read('dateOfBirth', (label, raw) => readDateOfBirth(label, raw, today));
  const status = row.read('status', readStatus);
  if (status === null && row.raw('status') === '') {
    row.problem('status', `Status is blank (expected one of Active, Inactive, Transferred, Deceased, Merged, In Collections)`);
  }
  const sex = row.read('sex', readSex);
  const familyId = row.text('familyId', MAX_ID);
  const familyName = row.text('familyName', MAX_NAME);
  if (row.problems > 0 || !complete || chart === null || firstName === null || lastName === null || !status) return;

  const record: PatientRecord = {
    file,
    line: row.line,
    chart,
    familyId,
    firstName,
    lastName,
    dateOfBirth: dateOfBirth ?? null,
    sex,
    status,
  };
  plan.patients.push(record);
  if (familyId) {
    const family = plan.families.get(familyId);
    if (!family) plan.families.set(familyId, { file, line: row.line, id: familyId, name: familyName ?? undefined, derivedName: lastName });
    else if (family.name === undefined && familyName) family.name = familyName;
  }
}

/** Merges a value given again for the same record; a different non-blank value is a problem. */
function merge<T>(
  row: Row,
  field: ImportField,
  current: T | null | undefined,
  next: T | null | undefined,
  first: Source,
  file: string,
  who: string,
): T | null | undefined {
  if (next === undefined || next === null) return current;
  if (current === undefined || current === null) return next;
  if (current !== next) {
    row.problem(
      field,
      `${FIELD_LABELS[field]} '${String(next)}' differs from '${String(current)}' given for ${who} on ${where(first, file)}; a person's details must be the same on every row`,
    );
  }
  return current;
}

/** Reads one row of a file whose rows name a patient by chart number (contacts, appointments) into the plan. */
type ChartRowReader = (row: Row, file: string, complete: boolean, plan: ImportPlan, knownChart: (chart: string) => Promise<boolean>) => Promise<void>;

/** The row's chart number, which must be a patient of the patients file or of this workstation's data already. */
async function patientChart(row: Row, knownChart: (chart: string) => Promise<boolean>): Promise<string | null> {
  const chart = row.required('chartNumber', MAX_CHART);
  if (chart !== null && !(await knownChart(chart))) {
    row.problem('chartNumber', `Chart number '${chart}' is neither in the patients file nor already in this workstation's data`);
  }
  return chart;
}

export const readContact: ChartRowReader = async (row, file, complete, plan, knownChart) => {
  const chart = await patientChart(row, knownChart);
  const firstName = row.text('firstName', MAX_NAME);
  const lastName = row.text('lastName', MAX_NAME);
  if (!firstName && !lastName && (row.has('firstName') || row.has('lastName'))) {
    row.problem(row.has('firstName') ? 'firstName' : 'lastName', 'The contact has neither a first nor a last name');
  }
  const sort = row.read('sort', readSort);
  const relationship = row.text('relationship');
  const authority = row.read('authority', readAuthority);
  const residesWith = row.read('residesWith', readFlag);
  const portal = row.read('portal', readFlag);
  const email = row.text('email', 254);
  const mobile = row.text('mobilePhone', 40);
  const home = row.text('homePhone', 40);
  const preferredReminder = row.read('preferredReminder', readReminder);
  const language = row.read('language', readLanguage);
  const mobilePhone = mobile ? normalizePhone(mobile) : mobile;
  const homePhone = home ? normalizePhone(home) : home;
  let contactId = row.text('contactId', MAX_ID);
  if (!contactId) {
    // No Contact ID: the same person (name, email, phones) gets the same id on every row and import.
    const key = (v: string | null | undefined) => (v ?? '').toLowerCase().replace(/[^\p{L}\p{N}@.]/gu, '');
    contactId = stableId('imp-c-', key(firstName), key(lastName), key(email), (mobilePhone ?? '').replace(/\D/g, ''), (homePhone ?? '').replace(/\D/g, ''));
  }
  if (row.problems > 0 || !complete || chart === null) return;

  const who = `contact ${[firstName, lastName].filter(Boolean).join(' ') || contactId}`;
  const existing = plan.contacts.get(contactId);
  if (!existing) {
    plan.contacts.set(contactId, {
      file,
      line: row.line,
      id: contactId,
      firstName: firstName ?? (row.has('firstName') ? '' : undefined),
      lastName: lastName ?? (row.has('lastName') ? '' : undefined),
      email,
      mobilePhone,
      homePhone,
      preferredReminder,
      language: language ?? undefined,
    });
  } else {
    const c = existing;
    c.firstName = merge(row, 'firstName', c.firstName || null, firstName, c, file, who) ?? c.firstName;
    c.lastName = merge(row, 'lastName', c.lastName || null, lastName, c, file, who) ?? c.lastName;
    c.email = merge(row, 'email', c.email, email, c, file, who);
    c.mobilePhone = merge(row, 'mobilePhone', c.mobilePhone, mobilePhone, c, file, who);
    c.homePhone = merge(row, 'homePhone', c.homePhone, homePhone, c, file, who);
    c.preferredReminder = merge(row, 'preferredReminder', c.preferredReminder, preferredReminder, c, file, who);
    c.language = merge(row, 'language', c.language, language, c, file, who) ?? undefined;
    if (row.problems > 0) return;
  }

  const link: LinkRecord = {
    file,
    line: row.line,
    chart,
    contactId,
    sort: sort ?? null,
    relationship: relationship === undefined ? undefined : (relationship ?? ''),
    authority,
    residesWith: residesWith === undefined ? undefined : residesWith === true,
    portalFlag: portal === undefined ? undefined : portal === true,
  };
  const key = linkKey(chart, contactId);
  const twin = plan.links.get(key);
  if (!twin) {
    plan.links.set(key, link);
  } else if (
    twin.sort !== link.sort ||
    twin.relationship !== link.relationship ||
    twin.authority !== link.authority ||
    twin.residesWith !== link.residesWith ||
    twin.portalFlag !== link.portalFlag
  ) {
    row.problem(
      'chartNumber',
      `${who[0]!.toUpperCase()}${who.slice(1)} is listed again for chart number '${chart}' with different Sort, Relationship, Authority, Resides with or Portal (first on ${where(twin, file)})`,
    );
  }
};

export const readAppointment: ChartRowReader = async (row, file, complete, plan, knownChart) => {
  const chart = await patientChart(row, knownChart);
  let startsAt: string | null = null;
  if (row.has('startsAt')) {
    startsAt = row.read('startsAt', readDateTime) ?? null;
    if (startsAt === null && row.raw('startsAt') === '') row.problem('startsAt', `${FIELD_LABELS.startsAt} is blank`);
  } else if (row.has('date')) {
    const date = row.read('date', readDate);
    if (date === null && row.raw('date') === '') row.problem('date', `${FIELD_LABELS.date} is blank`);
    const time = row.read('time', readTime);
    if (time === null && row.raw('time') === '') row.problem('time', `${FIELD_LABELS.time} is blank`);
    if (date && time) startsAt = `${date}T${time}`;
  }
  const provider = row.text('provider') ?? '';
  const reason = row.text('reason');
  if (row.problems > 0 || !complete || chart === null || startsAt === null) return;

  const id = stableId('imp-a-', chart, startsAt, provider);
  const record: AppointmentRecord = { file, line: row.line, id, chart, startsAt, provider, reason: reason === undefined ? undefined : (reason ?? '') };
  const twin = plan.appointments.get(id);
  if (!twin) plan.appointments.set(id, record);
  else if (twin.reason !== record.reason) {
    row.problem(
      row.has('reason') ? 'reason' : null,
      `The appointment of chart number '${chart}' at ${startsAt.replace('T', ' ')} with '${provider}' is listed again with a different reason (first on ${where(twin, file)})`,
    );
  }
};
