import { createHash } from 'node:crypto';
import type { ImportFileEncoding, ImportFilePreview, ImportProblem } from '../../../shared/bulk/api';
import { FIELD_LABELS, missingFieldLabel, type ImportField, type ImportKind } from '../../../shared/import/fields';
import type { Authority, PatientStatus, ReminderMethod } from '../../../shared/domain/patient';
import { cleanText } from '../../../shared/domain/textHygiene';
import { CsvReader, PENDING, type CsvRecord } from './csv';
import { decodeImportBytes, type DecodedFile } from './decode';
import { mapHeaders, type FileMapping } from './fields';
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
  tidySpaces,
  type Read,
} from './values';

/**
 * Stage 1 of an import: read every file, map its columns, check every cell and the rows against
 * each other (duplicate chart numbers, contacts of unknown patients...), and build the records to
 * upsert. Nothing here writes; the mirror is only asked which chart numbers it already holds.
 *
 * A record field left `undefined` means the file has no column for it: an existing row keeps its
 * stored value, a new row gets the default. A blank cell in a column that exists means "empty".
 */

export interface ImportFileInput {
  name: string;
  /** The text, already decoded (scripts and tests); or */
  content?: string;
  /** the bytes as read from disk, base64 (the import screen): see decode.ts. */
  bytes?: string;
  /** The administrator confirmed reading a file that is not UTF-8 as Windows-1252. */
  encoding?: 'windows-1252';
  kind?: ImportKind;
  mapping?: { header: string; field: string | null }[];
}
export interface ImportInput {
  files: ImportFileInput[];
}

export const MAX_LISTED_PROBLEMS = 1_000;
const MAX_CHART = 40;
const MAX_ID = 64;
const MAX_NAME = 80;
const MAX_TEXT = 200;

interface Source {
  file: string;
  line: number;
}
export interface PatientRecord extends Source {
  chart: string;
  /** null: no family; undefined: no Family column (an existing patient keeps theirs). */
  familyId: string | null | undefined;
  firstName: string;
  lastName: string;
  dateOfBirth: string | null;
  sex: 'F' | 'M' | 'X' | null | undefined;
  status: PatientStatus;
}
export interface FamilyRecord extends Source {
  id: string;
  /** From a Family name column; undefined: keep the stored name, or the first patient's last name. */
  name: string | undefined;
  derivedName: string;
}
export interface ContactRecord extends Source {
  id: string;
  firstName: string | undefined;
  lastName: string | undefined;
  email: string | null | undefined;
  mobilePhone: string | null | undefined;
  homePhone: string | null | undefined;
  preferredReminder: ReminderMethod | null | undefined;
  language: string | undefined;
}
export interface LinkRecord extends Source {
  chart: string;
  contactId: string;
  sort: number | null;
  relationship: string | undefined;
  authority: Authority | null | undefined;
  residesWith: boolean | undefined;
  portalFlag: boolean | undefined;
}
export interface AppointmentRecord extends Source {
  id: string;
  chart: string;
  startsAt: string;
  provider: string;
  reason: string | undefined;
}

export interface ImportPlan {
  files: ImportFilePreview[];
  /** The first problems of each file in line order (at most MAX_LISTED_PROBLEMS per file). */
  problems: ImportProblem[];
  problemCount: number;
  patients: PatientRecord[];
  families: Map<string, FamilyRecord>;
  contacts: Map<string, ContactRecord>;
  links: Map<string, LinkRecord>;
  appointments: Map<string, AppointmentRecord>;
  /** Every chart number the patients files list, rows with problems included. */
  chartsInFiles: Set<string>;
  /** Control and bidi-override characters removed from names and contact fields, and from how many cells. */
  hiddenCharacters: { removed: number; fields: number };
}

export interface PlanEnvironment {
  /** The practice's date: a date of birth after it is refused. */
  today: string;
  /** Chart numbers already in the mirror (asked once, only when a file refers to patients). */
  mirrorCharts(): Promise<ReadonlySet<string>> | ReadonlySet<string>;
  /** Called every few thousand rows: the caller lets the event loop run. */
  pause?: () => Promise<void>;
}

const ROWS_PER_PAUSE = 2_000;
/** Cells read between pauses: a very wide file (500,000 columns) is read in parts too. */
export const CELLS_PER_PAUSE = 20_000;
/** A practice export has dozens of columns, a few hundred at most; more means another kind of file. */
export const MAX_COLUMNS = 1_000;
/** Rows shown for the administrator to check a file read as Windows-1252. */
const ENCODING_SAMPLES = 5;
const KIND_ORDER: Record<ImportKind, number> = { patients: 0, contacts: 1, appointments: 2 };

export function stableId(prefix: string, ...parts: string[]): string {
  return prefix + createHash('sha256').update(parts.join('\u001f')).digest('hex').slice(0, 20);
}

export const linkKey = (chart: string, contactId: string) => `${chart}\u0000${contactId}`;

class ProblemList {
  readonly byFile = new Map<number, ImportProblem[]>();
  count = 0;
  add(fileIndex: number, problem: ImportProblem): void {
    this.count += 1;
    let list = this.byFile.get(fileIndex);
    if (!list) this.byFile.set(fileIndex, (list = []));
    if (list.length < MAX_LISTED_PROBLEMS) list.push(problem);
  }
  /** File order, then line order; stable, so a line's problems stay in column order. */
  ordered(): ImportProblem[] {
    const files = [...this.byFile.keys()].sort((a, b) => a - b);
    return files.flatMap((f) => [...this.byFile.get(f)!].sort((a, b) => a.line - b.line));
  }
}

/**
 * Fields kept exactly as the practice system wrote them: identifiers (its keys, matched again on
 * the next import and by sync) and the email, which the worklist shows as it is so it can say
 * what is wrong with it ("line break in the address"); checkMailbox decides whether it is usable.
 */
const KEPT_AS_WRITTEN: ReadonlySet<ImportField> = new Set<ImportField>(['chartNumber', 'familyId', 'contactId', 'email']);

/** Counts what text hygiene removed across an import. */
class HiddenCharacters {
  removed = 0;
  fields = 0;
  clean(value: string): string {
    const result = cleanText(value);
    if (result.removed > 0) {
      this.removed += result.removed;
      this.fields += 1;
    }
    return result.text;
  }
}

/** One data row being read: cells by field, problems attributed to this row's line and column. */
class Row {
  problems = 0;
  constructor(
    private readonly fields: string[],
    private readonly mapping: FileMapping,
    private readonly headers: readonly string[],
    readonly line: number,
    private readonly report: (line: number, column: string | null, message: string) => void,
    private readonly hidden: HiddenCharacters,
  ) {}

  has(field: ImportField): boolean {
    return this.mapping.index.has(field);
  }
  header(field: ImportField): string | null {
    const i = this.mapping.index.get(field);
    return i === undefined ? null : (this.headers[i] ?? null);
  }
  /** The trimmed cell, '' when blank, undefined when the file has no such column. */
  raw(field: ImportField): string | undefined {
    const i = this.mapping.index.get(field);
    if (i === undefined) return undefined;
    return (this.fields[i] ?? '').trim();
  }
  problem(field: ImportField | null, message: string): void {
    this.problems += 1;
    this.report(this.line, field === null ? null : this.header(field), message);
  }
  /**
   * Text with spaces tidied and control and bidi-override characters removed (counted); null
   * when blank. Identifiers and the email are kept as written (see KEPT_AS_WRITTEN).
   */
  text(field: ImportField, max = MAX_TEXT): string | null | undefined {
    const raw = this.raw(field);
    if (raw === undefined) return undefined;
    if (raw === '') return null;
    const value = KEPT_AS_WRITTEN.has(field) ? (field === 'email' ? raw : tidySpaces(raw)) : this.hidden.clean(tidySpaces(raw)).trim();
    if (value === '') return null;
    if (value.length > max) {
      this.problem(field, `${FIELD_LABELS[field]} is longer than ${max} characters`);
      return null;
    }
    return value;
  }
  required(field: ImportField, max = MAX_TEXT): string | null {
    const before = this.problems;
    const value = this.text(field, max);
    // Blank, or nothing left once hidden characters are removed.
    if (value === null && this.problems === before) this.problem(field, `${FIELD_LABELS[field]} is blank`);
    return value ?? null;
  }
  read<T>(field: ImportField, reader: (label: string, raw: string) => Read<T>): T | null | undefined {
    const raw = this.raw(field);
    if (raw === undefined) return undefined;
    if (raw === '') return null;
    const result = reader(FIELD_LABELS[field], raw);
    if (!result.ok) {
      this.problem(field, result.message);
      return null;
    }
    return result.value;
  }
}

interface ParsedFile {
  index: number;
  input: ImportFileInput;
  reader: CsvReader;
  headers: string[];
  mapping: FileMapping;
  preview: ImportFilePreview;
}

const where = (src: Source, file: string) => (src.file === file ? `line ${src.line}` : `${src.file} line ${src.line}`);

/** base64 to bytes, a few megabytes per event-loop turn. */
async function bytesOf(base64: string, pause?: () => Promise<void>): Promise<Uint8Array> {
  const step = 4 << 20; // a multiple of 4: every slice decodes on its own
  if (base64.length <= step) return Buffer.from(base64, 'base64');
  const parts: Buffer[] = [];
  for (let at = 0; at < base64.length; at += step) {
    parts.push(Buffer.from(base64.slice(at, at + step), 'base64'));
    if (pause) await pause();
  }
  return Buffer.concat(parts);
}

/** The file's text: as given, or decoded from its bytes (decode.ts). */
async function textOf(file: ImportFileInput, pause?: () => Promise<void>): Promise<DecodedFile> {
  if (file.content !== undefined) {
    return { ok: true, text: file.content, encoding: 'utf-8', bom: file.content.charCodeAt(0) === 0xfeff, notUtf8Line: null };
  }
  return decodeImportBytes(file.name, await bytesOf(file.bytes ?? '', pause), pause);
}

/** The next whole record, reading a very wide one in parts with a pause between them. */
async function nextRecord(reader: CsvReader, pause?: () => Promise<void>): Promise<CsvRecord | null> {
  for (;;) {
    const record = reader.next(CELLS_PER_PAUSE);
    if (record !== PENDING) return record;
    if (pause) await pause();
  }
}

const NON_ASCII = /[^\u0000-\u007f]/;

/** A row of a file read as Windows-1252, as the administrator checks it: the name, or the cells with accented letters. */
function encodingSample(fields: readonly string[], mapping: FileMapping): string {
  const cell = (field: ImportField) => {
    const i = mapping.index.get(field);
    return i === undefined ? '' : (fields[i] ?? '').trim();
  };
  const name = [cell('firstName'), cell('lastName')].filter(Boolean).join(' ');
  const text = NON_ASCII.test(name)
    ? name
    : fields
        .filter((v) => NON_ASCII.test(v))
        .slice(0, 3)
        .map((v) => v.trim())
        .join(' · ');
  const shown = cleanText(text).text;
  return shown.length > 120 ? `${shown.slice(0, 119)}…` : shown;
}

/** Reads and checks every file of the input; see the module comment. */
export async function buildPlan(input: ImportInput, env: PlanEnvironment): Promise<ImportPlan> {
  const problems = new ProblemList();
  const hidden = new HiddenCharacters();
  const plan: ImportPlan = {
    files: [],
    problems: [],
    problemCount: 0,
    patients: [],
    families: new Map(),
    contacts: new Map(),
    links: new Map(),
    appointments: new Map(),
    chartsInFiles: new Set(),
    hiddenCharacters: hidden,
  };

  // ---- bytes, headers and mappings ------------------------------------------------------------
  const parsed: ParsedFile[] = [];
  for (const [index, file] of input.files.entries()) {
    const decoded = await textOf(file, env.pause);
    const encoding: ImportFileEncoding = decoded.ok
      ? { encoding: decoded.encoding, bom: decoded.bom, notUtf8Line: decoded.notUtf8Line, confirmed: false, samples: [] }
      : { encoding: null, bom: false, notUtf8Line: null, confirmed: false, samples: [] };
    const preview: ImportFilePreview = { name: file.name, kind: null, rows: 0, columns: [], missingFields: [], encoding };
    plan.files.push(preview);
    if (!decoded.ok) {
      problems.add(index, { file: file.name, line: decoded.line, column: null, message: decoded.message });
      continue;
    }
    if (decoded.encoding === 'windows-1252') {
      encoding.confirmed = file.encoding === 'windows-1252';
      if (!encoding.confirmed) {
        problems.add(index, {
          file: file.name,
          line: decoded.notUtf8Line ?? 1,
          column: null,
          message:
            `${file.name} is not saved as UTF-8 (line ${decoded.notUtf8Line ?? 1} is the first line that is not). Read as Windows-1252, ` +
            'its names look like the examples shown: confirm that they read right, or save the file as CSV UTF-8 and choose it again.',
        });
      }
    }

    const reader = new CsvReader(decoded.text);
    const header = await nextRecord(reader, env.pause);
    const tooWide = header !== null && header.fields.length > MAX_COLUMNS;
    const headers = header && !tooWide ? header.fields.map((h) => h.trim()) : [];
    let mapping: FileMapping;
    if (!header) {
      mapping = { kind: null, columns: [], index: new Map(), missingFields: [], problems: [{ column: null, message: `${file.name} is empty: it has no header row.` }] };
    } else if (tooWide) {
      const message =
        `${file.name} has ${header.fields.length.toLocaleString('en-US')} columns; a practice export has a few dozen (this import reads up to ${MAX_COLUMNS.toLocaleString('en-US')}). ` +
        'Check that this is the export of patients, family contacts or appointments.';
      mapping = { kind: null, columns: [], index: new Map(), missingFields: [], problems: [{ column: null, message }] };
    } else {
      mapping = mapHeaders(file.name, headers, file.kind, file.mapping ?? []);
    }
    for (const p of mapping.problems) problems.add(index, { file: file.name, line: 1, column: p.column, message: p.message });
    if (mapping.missingFields.length > 0) {
      const names = mapping.missingFields.map(missingFieldLabel);
      problems.add(index, {
        file: file.name,
        line: 1,
        column: null,
        message: `${file.name} has no column for ${names.join(', ')} (required). Add the column to the export, or map one of its columns to ${names.length > 1 ? 'them' : 'it'}.`,
      });
    }
    preview.kind = mapping.kind;
    preview.columns = mapping.columns;
    preview.missingFields = mapping.missingFields;
    parsed.push({ index, input: file, reader, headers, mapping, preview });
  }
  const names = new Set<string>();
  for (const [index, file] of input.files.entries()) {
    if (names.has(file.name)) {
      problems.add(index, { file: file.name, line: 1, column: null, message: `Two files are named ${file.name}; rename one so problems can be told apart.` });
    }
    names.add(file.name);
  }

  // ---- rows, patients first so contacts and appointments can refer to them ------------------
  const chartsInFiles = new Map<string, Source>();
  let mirror: ReadonlySet<string> | null = null;
  const knownChart = async (chart: string) => {
    if (chartsInFiles.has(chart)) return true;
    mirror ??= await env.mirrorCharts();
    return mirror.has(chart);
  };

  const ordered = parsed.filter((f) => f.mapping.kind !== null).sort((a, b) => KIND_ORDER[a.mapping.kind!] - KIND_ORDER[b.mapping.kind!]);
  for (const f of ordered) {
    const kind = f.mapping.kind!;
    const complete = f.mapping.missingFields.length === 0;
    const report = (line: number, column: string | null, message: string) =>
      problems.add(f.index, { file: f.input.name, line, column, message });
    const samples = f.preview.encoding.encoding === 'windows-1252' ? f.preview.encoding.samples : null;
    let sinceRows = 0;
    let sinceCells = 0;
    for (let record = await nextRecord(f.reader, env.pause); record; record = await nextRecord(f.reader, env.pause)) {
      sinceRows += 1;
      sinceCells += record.fields.length;
      if (env.pause && (sinceRows >= ROWS_PER_PAUSE || sinceCells >= CELLS_PER_PAUSE)) {
        sinceRows = 0;
        sinceCells = 0;
        await env.pause();
      }
      if (record.fields.every((v) => v.trim() === '')) continue;
      f.preview.rows += 1;
      if (record.unclosed) continue; // reported by the reader; its cells are not this row's
      if (samples && samples.length < ENCODING_SAMPLES && record.fields.some((v) => NON_ASCII.test(v))) {
        samples.push({ line: record.line, text: encodingSample(record.fields, f.mapping) });
      }
      const row = new Row(record.fields, f.mapping, f.headers, record.line, report, hidden);
      if (record.fields.length > f.headers.length && record.fields.slice(f.headers.length).some((v) => v.trim() !== '')) {
        row.problem(null, `This line has ${record.fields.length} values but the header has ${f.headers.length} columns (a value with a delimiter in it needs quotes)`);
      }
      if (kind === 'patients') readPatient(row, f.input.name, complete, env.today, plan, chartsInFiles);
      else if (kind === 'contacts') await readContact(row, f.input.name, complete, plan, knownChart);
      else await readAppointment(row, f.input.name, complete, plan, knownChart);
    }
    for (const p of f.reader.problems) report(p.line, null, p.message);
  }

  plan.chartsInFiles = new Set(chartsInFiles.keys());
  plan.problems = problems.ordered();
  plan.problemCount = problems.count;
  plan.hiddenCharacters = { removed: hidden.removed, fields: hidden.fields };
  return plan;
}

function readPatient(
  row: Row,
  file: string,
  complete: boolean,
  today: string,
  plan: ImportPlan,
  chartsInFiles: Map<string, Source>,
): void {
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

async function readContact(
  row: Row,
  file: string,
  complete: boolean,
  plan: ImportPlan,
  knownChart: (chart: string) => Promise<boolean>,
): Promise<void> {
  const chart = row.required('chartNumber', MAX_CHART);
  if (chart !== null && !(await knownChart(chart))) {
    row.problem('chartNumber', `Chart number '${chart}' is neither in the patients file nor already in this workstation's data`);
  }
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
    row.problem('chartNumber', `${who[0]!.toUpperCase()}${who.slice(1)} is listed again for chart number '${chart}' with different Sort, Relationship, Authority, Resides with or Portal (first on ${where(twin, file)})`);
  }
}

async function readAppointment(
  row: Row,
  file: string,
  complete: boolean,
  plan: ImportPlan,
  knownChart: (chart: string) => Promise<boolean>,
): Promise<void> {
  const chart = row.required('chartNumber', MAX_CHART);
  if (chart !== null && !(await knownChart(chart))) {
    row.problem('chartNumber', `Chart number '${chart}' is neither in the patients file nor already in this workstation's data`);
  }
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
    row.problem(row.has('reason') ? 'reason' : null, `The appointment of chart number '${chart}' at ${startsAt.replace('T', ' ')} with '${provider}' is listed again with a different reason (first on ${where(twin, file)})`);
  }
}
