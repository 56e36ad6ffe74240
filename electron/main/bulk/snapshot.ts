/**
 * The Bulk PIN picture of the whole mirror (SPEC 3.5): who the campaign would email, who is left
 * out and why, and the data-quality worklist. One SQL pass over patients LEFT JOIN their Sort-1
 * link(s) and contact, read in rowid-range chunks with a yield to the event loop between chunks,
 * every patient judged by the pure rules of shared/domain (bulkVerdict, contactProblems). The
 * result is cached until the mirror changes (see the end of this file).
 *
 * Speed (200,000 patients: about 300 ms on 2 cores, stretches of about 8 ms between yields). What
 * costs is SQLite's two index lookups per patient and turning SQLite values into JavaScript
 * values, so the pass reads only what a verdict needs, each row as ONE short string (`pluck`):
 * rowids, link bits, a status code, an email class (none / has an "@" / other) and the date of
 * birth, last, so it needs no length or escaping. The verdict is bulkVerdict's two halves, each
 * worked out once per distinct input (a date of birth and status; link bits and email class), not
 * once per patient. It keeps integers (patient and contact rowids) and the few excluded rows;
 * names, chart numbers and contact details are read back by rowid for the rows someone looks at
 * (a page, the exclusions, the worklist, an export).
 *
 * Rows the short form does not settle (several Sort-1 links, an email without "@", an unknown
 * status) are read again column by column and judged the general way. The detail reads pack
 * several free-text columns into one string: those come with their SQLite lengths and must end
 * exactly on a separator (or the end of the row); a row that does not line up (a stray U+001F, a
 * character outside the BMP) is read again column by column.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { performance } from 'node:perf_hooks';
import type { EligibleChild, EligibleGuardian, ExclusionReason, ExclusionRow, WorklistRow } from '../../../shared/bulk/api';
import { groupWorklistByGuardian, WorklistGrouping, worklistChildCount, type WorklistEntry } from '../../../shared/domain/worklistGroups';
import { EXCLUSION_REASONS } from '../../../shared/bulk/api';
import { bulkPatientVerdict, bulkPrimaryOf, bulkPrimaryVerdict, bulkVerdict, type BulkVerdict } from '../../../shared/domain/bulkEligibility';
import { contactProblems, type ContactProblem } from '../../../shared/domain/contactQuality';
import type { ContactLink } from '../../../shared/domain/contacts';
import type { IsoDate } from '../../../shared/domain/dates';
import { fullName } from '../../../shared/domain/names';
import { PATIENT_STATUSES, type Authority, type PatientStatus, type ReminderMethod } from '../../../shared/domain/patient';
import type { AppContext } from '../context';
import { Pacer, sortByKey, yieldToEventLoop } from '../lib/pacing';

export interface BulkSnapshot {
  /** Eligible Primary Contacts: one campaign email each. */
  guardianCount: number;
  eligibleChildren: number;
  /**
   * Guardians in campaign order (last name, first name, contact id), children eldest first; the
   * slice asked for (all of them without bounds). Details are read on the first request.
   */
  guardians(offset?: number, limit?: number): Promise<EligibleGuardian[]>;
  /** Excluded patients by last name, first name, id. Details are read on the first request. */
  exclusions(): Promise<ExclusionRow[]>;
  exclusionCounts: Record<ExclusionReason, number>;
  /**
   * One row per Primary Contact with something to fix (their children listed), and one per
   * patient without a Primary Contact; ordered by each row's first child's last name, first name.
   * Empty when computed without the worklist.
   */
  worklist: WorklistRow[];
  /** The children on the worklist's rows. */
  worklistChildren: number;
  patients: number;
  today: IsoDate;
  minorAgeLimit: number;
  computedAt: string;
  elapsedMs: number;
}

export interface ScanOptions {
  /** Patients (rowids) per chunk to start with; adapts so one chunk takes about `targetChunkMs`. */
  chunkSize?: number;
  targetChunkMs?: number;
  /** false: eligibility only, no data-quality worklist (the bench times the two apart). */
  worklist?: boolean;
}

// ---- the pass's rows -----------------------------------------------------------------------

const SEP = '\u001f';
const SEP_CODE = 0x1f;

/** Authority, Resides with and the Portal column of a link, as bits (null: no Sort-1 link). */
const LINK_BITS = `CASE WHEN pc.patient_id IS NULL THEN NULL ELSE
  (CASE pc.authority WHEN 'Joint' THEN 1 WHEN 'Exclusive' THEN 2 WHEN 'None' THEN 3 ELSE 0 END) + pc.resides_with * 4 + pc.portal_flag * 8 END`;
const AUTHORITY_BY_CODE: readonly (Authority | null)[] = [null, 'Joint', 'Exclusive', 'None'];

/**
 * Only an Active patient's link can matter (any other status is its own exclusion reason, and the
 * worklist is about Active patients), so the others are not joined: their row has no link.
 */
const JOIN = `FROM patients p
  LEFT JOIN patient_contacts pc ON pc.patient_id = p.id AND pc.sort = 1 AND p.status = 'Active'
  LEFT JOIN contacts c ON c.id = pc.contact_id`;

/** PATIENT_STATUSES index (0: Active), 9 for anything else (read again column by column). */
const STATUS_CODE = `CASE p.status ${PATIENT_STATUSES.map((s, i) => `WHEN '${s}' THEN ${i}`).join(' ')} ELSE 9 END`;
/**
 * The email as the verdict sees it: 0 none (NULL), 1 an address with an "@" (present: not blank
 * once trimmed, whatever else it holds; bulkVerdict looks at the email only for presence),
 * 2 anything else (read again, the verdict judges the text itself).
 */
const EMAIL_CLASS = `CASE WHEN c.email IS NULL THEN 0 WHEN instr(c.email, '@') > 0 THEN 1 ELSE 2 END`;

/**
 * One string per (patient, Sort-1 link): `prow,bits,crow,SEN,dob` with S the status code, E the
 * email class, N 1 when the date of birth is NULL; the date of birth is last, so it is whatever
 * follows the fourth comma, exactly (commas or any other character in it included).
 */
const PASS_SQL = `SELECT
  p.rowid || ',' || coalesce(${LINK_BITS}, '') || ',' || coalesce(c.rowid, '') || ',' ||
  ${STATUS_CODE} || ${EMAIL_CLASS} || (p.date_of_birth IS NULL) || ',' || coalesce(p.date_of_birth, '')
  ${JOIN}
  WHERE p.rowid > ? AND p.rowid <= ?
  ORDER BY p.rowid`;

const DIGIT_0 = 0x30;
/** The patient rowid a pass row starts with. */
function prowOf(r: string): number {
  return intAt(r, 0, r.indexOf(','));
}
/** Digit value at `i`, or -1. */
function digitAt(r: string, i: number): number {
  const d = r.charCodeAt(i) - DIGIT_0;
  return d >= 0 && d <= 9 ? d : -1;
}
/**
 * A date of birth written exactly `dddd-dd-dd` (10 characters from `at` to the end of the row) as
 * the number ddddddddd: one number per such text and back, so it can key a memo. -1 otherwise.
 */
function dateKeyAt(r: string, at: number): number {
  if (r.length !== at + 10 || r.charCodeAt(at + 4) !== 0x2d || r.charCodeAt(at + 7) !== 0x2d) return -1;
  let key = 0;
  for (let i = at; i < at + 10; i++) {
    if (i === at + 4 || i === at + 7) continue;
    const d = digitAt(r, i);
    if (d < 0) return -1;
    key = key * 10 + d;
  }
  return key;
}

/** The same row column by column, for the rare rows the packed form does not settle. */
const REREAD_SQL = `SELECT ${LINK_BITS}, p.status, p.date_of_birth, c.email ${JOIN} WHERE p.rowid = ? AND c.rowid IS ?`;

interface Row {
  prow: number;
  /** Link bits; null when the patient has no Sort-1 link. */
  bits: number | null;
  crow: number | null;
  status: PatientStatus;
  dob: string | null;
  email: string | null;
}

function intAt(s: string, start: number, end: number): number {
  let n = 0;
  let i = start;
  const negative = s.charCodeAt(i) === 45; // '-'
  if (negative) i += 1;
  for (; i < end; i++) n = n * 10 + (s.charCodeAt(i) - 48);
  return negative ? -n : n;
}

/** A pass row column by column (several Sort-1 links, an email without "@", an unknown status). */
function rereadRow(prow: number, crow: number | null, reread: BetterSqlite3.Statement): Row {
  const v = reread.get(prow, crow) as [number | null, PatientStatus, string | null, string | null] | undefined;
  if (!v) throw new Error('bulk snapshot: a row vanished while it was being read');
  return { prow, bits: v[0], crow, status: v[1], dob: v[2], email: v[3] };
}

/** Links without identity (one Sort-1 link: no tie to break): shared, one per bit pattern. */
const LINK_BY_BITS: readonly ContactLink[] = Array.from({ length: 16 }, (_, bits) => ({
  contactId: '',
  sort: 1,
  relationship: '',
  authority: AUTHORITY_BY_CODE[bits & 3]!,
  residesWith: (bits & 4) !== 0,
  portalFlag: (bits & 8) !== 0,
}));

// ---- reading details back by rowid ---------------------------------------------------------

const compareKeys = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const nameKey = (last: string, first: string, id: string) => `${last.toLowerCase()}\u0000${first.toLowerCase()}\u0000${id}`;

/** Rowids per IN (...) list. */
const IN_BATCH = 500;

interface PatientDetails {
  id: string;
  chartNumber: string;
  firstName: string;
  lastName: string;
  dateOfBirth: string | null;
  familyId: string | null;
}
interface ContactDetails {
  id: string;
  firstName: string;
  lastName: string;
  email: string | null;
  mobilePhone: string | null;
  preferredReminder: ReminderMethod | null;
}

/**
 * Reads rows by rowid, `IN_BATCH` at a time, each row as one string: the rowid, the SQLite length
 * of every column (-1: NULL), then the columns. A row whose fields do not end where their lengths
 * say (a character outside the BMP counts one in SQLite, two in JavaScript) is read again column
 * by column, so the result is exact whatever the text holds.
 */
function byRowid<T>(sqlite: BetterSqlite3.Database, columns: readonly string[], from: string, shape: (v: readonly (string | null)[]) => T) {
  const packed = [
    'rowid',
    ...columns.map((c) => `coalesce(length(${c}), -1)`),
    ...columns.map((c) => `coalesce(${c}, '')`),
  ].join(' || char(31) || ');
  const statements = new Map<number, BetterSqlite3.Statement>();
  const statement = (n: number) => {
    let s = statements.get(n);
    if (!s) {
      s = sqlite.prepare(`SELECT ${packed} FROM ${from} WHERE rowid IN (${new Array(n).fill('?').join(',')})`).pluck(true);
      statements.set(n, s);
    }
    return s;
  };
  const single = sqlite.prepare(`SELECT ${columns.join(', ')} FROM ${from} WHERE rowid = ?`).raw(true);
  const n = columns.length;
  const lengths = new Array<number>(n);
  const values = new Array<string | null>(n);

  const parse = (r: string): [number, T | null] => {
    let p = r.indexOf(SEP);
    const rowid = intAt(r, 0, p);
    for (let k = 0; k < n; k++) {
      const q = r.indexOf(SEP, p + 1);
      lengths[k] = intAt(r, p + 1, q);
      p = q;
    }
    let pos = p + 1;
    for (let k = 0; k < n; k++) {
      const length = lengths[k]!;
      values[k] = length >= 0 ? r.substr(pos, length) : null;
      pos += Math.max(length, 0);
      if (k < n - 1) {
        if (r.charCodeAt(pos) !== SEP_CODE) return [rowid, null];
        pos += 1;
      } else if (pos !== r.length) {
        return [rowid, null];
      }
    }
    return [rowid, shape(values)];
  };

  /** `rowids` must be distinct. */
  return async (rowids: readonly number[], pacer: Pacer): Promise<Map<number, T>> => {
    const out = new Map<number, T>();
    for (let i = 0; i < rowids.length; i += IN_BATCH) {
      const part = rowids.slice(i, i + IN_BATCH);
      for (const r of statement(part.length).all(...part) as string[]) {
        const [rowid, value] = parse(r);
        if (value !== null) {
          out.set(rowid, value);
        } else {
          const v = single.get(rowid) as (string | null)[] | undefined;
          if (v) out.set(rowid, shape(v));
        }
      }
      await pacer.check();
    }
    return out;
  };
}

function readers(sqlite: BetterSqlite3.Database) {
  return {
    patients: byRowid<PatientDetails>(sqlite, ['id', 'chart_number', 'first_name', 'last_name', 'date_of_birth', 'family_id'], 'patients', (v) => ({
      id: v[0]!,
      chartNumber: v[1]!,
      firstName: v[2]!,
      lastName: v[3]!,
      dateOfBirth: v[4] ?? null,
      familyId: v[5] ?? null,
    })),
    contacts: byRowid<ContactDetails>(sqlite, ['id', 'first_name', 'last_name', 'email', 'mobile_phone', 'preferred_reminder'], 'contacts', (v) => ({
      id: v[0]!,
      firstName: v[1]!,
      lastName: v[2]!,
      email: v[3] ?? null,
      mobilePhone: v[4] ?? null,
      preferredReminder: (v[5] ?? null) as ReminderMethod | null,
    })),
  };
}
type Readers = ReturnType<typeof readers>;

// ---- the pass ------------------------------------------------------------------------------

interface Excluded {
  row: Row;
  reason: ExclusionReason;
  detail: string;
}

const NEEDS_NAME = new Set<ExclusionReason>(['primary_without_authority', 'no_email']);
const NO_PRIMARY: ContactProblem = { code: 'no_primary_contact', message: 'No Family Contact with Sort 1: this child is left out of Bulk PIN.' };

function emptyCounts(): Record<ExclusionReason, number> {
  return Object.fromEntries(EXCLUSION_REASONS.map((r) => [r, 0])) as Record<ExclusionReason, number>;
}

/**
 * A set of rowids in first-added order, like Set<number> without hashing or rehashing 100,000
 * entries: a bitmap when the rowids are small enough (they are, for a mirror), else a Set.
 */
class RowidSet {
  private readonly seen: Uint8Array;
  /** Rowids beyond the bitmap (a mirror with huge rowids, or rows written during the pass). */
  private others: Set<number> | null = null;
  private readonly order: number[] = [];

  constructor(maxRowid: number) {
    this.seen = new Uint8Array(maxRowid >= 0 && maxRowid <= 16_000_000 ? maxRowid + 1 : 0);
  }

  add(rowid: number): void {
    if (rowid >= 0 && rowid < this.seen.length) {
      if (this.seen[rowid] !== 0) return;
      this.seen[rowid] = 1;
    } else {
      this.others ??= new Set<number>();
      if (this.others.has(rowid)) return;
      this.others.add(rowid);
    }
    this.order.push(rowid);
  }

  get size(): number {
    return this.order.length;
  }

  /** In first-added order. */
  values(): number[] {
    return this.order;
  }
}

/**
 * What the pass keeps of each judged patient: the eligible children with their guardian, the
 * exclusions and their counts, and the Active patients (the worklist's population).
 */
class PassTally {
  /** Eligible children: patient rowid and guardian (contact) rowid, side by side. */
  readonly eligiblePatients: number[] = [];
  readonly eligibleGuardians: number[] = [];
  readonly guardianSet: RowidSet;
  readonly excluded: Excluded[] = [];
  readonly counts = emptyCounts();
  /** Active patients: patient rowid, Primary Contact rowid (-1: none), link bits. */
  readonly activePatients: number[] = [];
  readonly activeContacts: number[] = [];
  readonly activeBits: number[] = [];
  readonly activeContactSet: RowidSet;
  patients = 0;

  constructor(
    maxContact: number,
    private readonly withWorklist: boolean,
  ) {
    this.guardianSet = new RowidSet(maxContact);
    this.activeContactSet = new RowidSet(maxContact);
  }

  /**
   * One patient's verdict. `primary`: the Primary Contact's rowid (null: none), `bits` its link
   * bits; `row` is what an exclusion keeps (null only when the patient is eligible).
   */
  record(verdict: BulkVerdict, prow: number, primary: number | null, bits: number, active: boolean, row: Row | null): void {
    this.patients += 1;
    if (verdict.eligible) {
      this.eligiblePatients.push(prow);
      this.eligibleGuardians.push(primary!);
      this.guardianSet.add(primary!);
    } else {
      this.counts[verdict.reason] += 1;
      if (row === null) throw new Error('An excluded patient needs its row.');
      this.excluded.push({ row, reason: verdict.reason, detail: verdict.detail });
    }
    if (this.withWorklist && active) {
      this.activePatients.push(prow);
      this.activeContacts.push(primary ?? -1);
      if (primary !== null) this.activeContactSet.add(primary);
      this.activeBits.push(bits);
    }
  }
}

/**
 * Reads the mirror and judges every patient. Never blocks the event loop for much longer than
 * `targetChunkMs` at a time.
 */
export async function computeSnapshot(
  sqlite: BetterSqlite3.Database,
  params: { today: IsoDate; minorAgeLimit: number; now: Date },
  options: ScanOptions = {},
): Promise<BulkSnapshot> {
  const started = performance.now();
  const { today, minorAgeLimit } = params;
  const targetMs = options.targetChunkMs ?? 8;
  const withWorklist = options.worklist ?? true;
  // A first chunk small enough for a cold JIT; the next ones sized from how long it took.
  let chunk = options.chunkSize ?? 4_000;
  const minChunk = Math.min(1_000, chunk);
  const pass = sqlite.prepare(PASS_SQL).pluck(true);
  const reread = sqlite.prepare(REREAD_SQL).raw(true);
  const contactIdOf = sqlite.prepare('SELECT id FROM contacts WHERE rowid = ?').pluck(true);
  const maxRowid = (sqlite.prepare('SELECT max(rowid) FROM patients').pluck().get() as number | null) ?? 0;
  const read = readers(sqlite);

  const maxContact = (sqlite.prepare('SELECT max(rowid) FROM contacts').pluck().get() as number | null) ?? 0;
  const tally = new PassTally(maxContact, withWorklist);

  const judge = (rows: Row[]) => {
    const first = rows[0]!;
    let link: ContactLink | null = null;
    let row = first;
    if (first.crow !== null && first.bits !== null) {
      if (rows.length === 1) {
        link = LINK_BY_BITS[first.bits]!;
      } else {
        // Several Sort-1 contacts (a data error): the tie is broken by contact id, as in the wizard.
        const links = rows
          .filter((r) => r.crow !== null && r.bits !== null)
          .map((r) => ({ ...LINK_BY_BITS[r.bits!]!, contactId: String(contactIdOf.get(r.crow) ?? ''), row: r }));
        const chosen = bulkPrimaryOf(links);
        if (chosen) {
          link = chosen;
          row = chosen.row;
        }
      }
    }
    const verdict = bulkVerdict({ status: first.status, dateOfBirth: first.dob }, link ? { link, email: row.email } : null, minorAgeLimit, today);
    tally.record(verdict, first.prow, link ? row.crow : null, link ? row.bits! : 0, first.status === 'Active', row);
  };

  // The verdict of the one-link rows is bulkVerdict's two halves, each worked out once: the
  // patient's per (date of birth written dddd-dd-dd, status), the Primary Contact's per (link
  // bits, email class).
  const NO_LINK = 16;
  const patientVerdicts = new Map<number, (BulkVerdict | null | undefined)[]>();
  const patientVerdictOf = (dateKey: number, r: string, at: number, status: number): BulkVerdict | null => {
    let slots = patientVerdicts.get(dateKey);
    if (slots === undefined) {
      slots = new Array<BulkVerdict | null | undefined>(PATIENT_STATUSES.length);
      patientVerdicts.set(dateKey, slots);
    }
    let verdict = slots[status];
    if (verdict === undefined) {
      verdict = bulkPatientVerdict({ status: PATIENT_STATUSES[status]!, dateOfBirth: r.slice(at) }, minorAgeLimit, today);
      slots[status] = verdict;
    }
    return verdict;
  };
  const primaryVerdicts = new Array<BulkVerdict | undefined>((NO_LINK + 1) * 2);
  const primaryVerdictOf = (linkKey: number, emailClass: number): BulkVerdict => {
    const slot = linkKey * 2 + emailClass;
    let verdict = primaryVerdicts[slot];
    if (verdict === undefined) {
      verdict = bulkPrimaryVerdict(linkKey === NO_LINK ? null : { link: LINK_BY_BITS[linkKey]!, email: emailClass === 1 ? '@' : null });
      primaryVerdicts[slot] = verdict;
    }
    return verdict;
  };

  // Rowid ranges: the table is read in storage order, each chunk by one index range.
  let after = 0;
  let group: Row[] = [];
  while (after < maxRowid) {
    const chunkStarted = performance.now();
    const upTo = Math.min(maxRowid, after + chunk);
    const texts = pass.all(after, upTo) as string[];
    for (let i = 0; i < texts.length; i++) {
      const r = texts[i]!;
      const a = r.indexOf(',');
      const b = r.indexOf(',', a + 1);
      const c = r.indexOf(',', b + 1);
      const prow = intAt(r, 0, a);
      const crow = c === b + 1 ? null : intAt(r, b + 1, c);
      const status = digitAt(r, c + 1);
      const emailClass = digitAt(r, c + 2);
      const several = group.length > 0 || (i + 1 < texts.length && prowOf(texts[i + 1]!) === prow);
      if (several || status > 5 || emailClass > 1) {
        // The general way, from the row read again column by column; several Sort-1 links go together.
        group.push(rereadRow(prow, crow, reread));
        if (i + 1 >= texts.length || prowOf(texts[i + 1]!) !== prow) {
          judge(group);
          group = [];
        }
        continue;
      }
      const bits = b === a + 1 ? null : intAt(r, a + 1, b);
      const hasLink = crow !== null && bits !== null;
      const linkKey = hasLink ? bits : NO_LINK;
      const eClass = hasLink ? emailClass : 0;
      const dateKey = dateKeyAt(r, c + 5);
      let dob: string | null = null;
      let verdict: BulkVerdict;
      if (dateKey >= 0) {
        verdict = patientVerdictOf(dateKey, r, c + 5, status) ?? primaryVerdictOf(linkKey, eClass);
      } else {
        dob = r.charCodeAt(c + 3) === DIGIT_0 + 1 ? null : r.slice(c + 5);
        const primary = hasLink ? { link: LINK_BY_BITS[bits]!, email: emailClass === 1 ? '@' : null } : null;
        verdict = bulkVerdict({ status: PATIENT_STATUSES[status]!, dateOfBirth: dob }, primary, minorAgeLimit, today);
      }
      let excludedRow: Row | null = null;
      if (!verdict.eligible) {
        if (dateKey >= 0) dob = r.slice(c + 5);
        excludedRow = { prow, bits, crow, status: PATIENT_STATUSES[status]!, dob, email: emailClass === 0 ? null : '@' };
      }
      tally.record(verdict, prow, hasLink ? crow : null, hasLink ? bits : 0, status === 0, excludedRow);
    }
    after = upTo;
    const spent = performance.now() - chunkStarted;
    // Keep every stretch near the target whatever the machine: resize the next chunk (at most
    // doubling it, so one fast chunk cannot make the next one far too long).
    chunk = Math.max(minChunk, Math.min(chunk * 2, 30_000, Math.round((chunk * targetMs) / Math.max(spent, 0.5))));
    await yieldToEventLoop();
  }

  await yieldToEventLoop();
  const worklist = withWorklist ? await buildWorklist(read, tally.activePatients, tally.activeContacts, tally.activeBits, tally.activeContactSet.values()) : [];

  // The lazy parts are built by top-level functions: a closure made here would keep this whole
  // scope (the pass's working arrays) alive as long as the snapshot is cached.
  return {
    guardianCount: tally.guardianSet.size,
    eligibleChildren: tally.eligiblePatients.length,
    guardians: lazyGuardians(read, tally.eligiblePatients, tally.eligibleGuardians, tally.guardianSet.size),
    exclusions: lazyExclusions(read, tally.excluded, minorAgeLimit, today),
    exclusionCounts: tally.counts,
    worklist,
    worklistChildren: worklistChildCount(worklist),
    patients: tally.patients,
    today,
    minorAgeLimit,
    computedAt: params.now.toISOString(),
    elapsedMs: Math.round((performance.now() - started) * 10) / 10,
  };
}

function lazyExclusions(read: Readers, excluded: readonly Excluded[], minorAgeLimit: number, today: IsoDate): () => Promise<ExclusionRow[]> {
  let list: Promise<ExclusionRow[]> | null = null;
  return () => (list ??= buildExclusions(read, excluded, minorAgeLimit, today));
}

/** The exclusions with the patient's details, and the contact's name where the detail names them. */
async function buildExclusions(read: Readers, excluded: readonly Excluded[], minorAgeLimit: number, today: IsoDate): Promise<ExclusionRow[]> {
  const pacer = new Pacer();
  const patients = await read.patients(
    excluded.map((e) => e.row.prow),
    pacer,
  );
  const named = await read.contacts([...new Set(excluded.filter((e) => NEEDS_NAME.has(e.reason) && e.row.crow !== null).map((e) => e.row.crow!))], pacer);
  const rows: { key: string; out: ExclusionRow }[] = [];
  for (const e of excluded) {
    if (pacer.due()) await pacer.pause();
    const p = patients.get(e.row.prow);
    if (!p) continue; // removed since the pass
    let detail = e.detail;
    const contact = e.row.crow !== null ? named.get(e.row.crow) : undefined;
    if (contact && e.row.bits !== null) {
      const again = bulkVerdict(
        { status: e.row.status, dateOfBirth: e.row.dob },
        { link: LINK_BY_BITS[e.row.bits]!, email: e.row.email, firstName: contact.firstName, lastName: contact.lastName },
        minorAgeLimit,
        today,
      );
      if (!again.eligible && again.reason === e.reason) detail = again.detail;
    }
    rows.push({
      key: nameKey(p.lastName, p.firstName, p.id),
      out: { patientId: p.id, firstName: p.firstName, lastName: p.lastName, chartNumber: p.chartNumber, reason: e.reason, detail },
    });
  }
  return (await sortByKey(rows, (r) => r.key, pacer)).map((r) => r.out);
}

/**
 * The same email on Primary Contacts of unrelated families. `uses` are the Active patients whose
 * Primary Contact has `email` (contact rowid, family), in mirror order; a use is flagged when
 * another use has a different contact AND a different family. Linear in the uses (a placeholder
 * address typed for thousands of contacts stays cheap); the other person named is the first such
 * use, so the message does not depend on who asks.
 */
export function sharedEmailFlags<U extends { crow: number; family: string }>(email: string, uses: readonly U[], nameOf: (u: U) => string): Map<U, ContactProblem> {
  const flags = new Map<U, ContactProblem>();
  const contactsOfFamily = new Map<string, Set<number>>();
  for (const u of uses) {
    const set = contactsOfFamily.get(u.family);
    if (set) set.add(u.crow);
    else contactsOfFamily.set(u.family, new Set([u.crow]));
  }
  if (contactsOfFamily.size < 2) return flags;
  // families whose only Primary Contact (with this address) is the given contact
  const soleFamilies = new Map<number, number>();
  for (const set of contactsOfFamily.values()) if (set.size === 1) for (const crow of set) soleFamilies.set(crow, (soleFamilies.get(crow) ?? 0) + 1);
  for (const u of uses) {
    const ownSole = contactsOfFamily.get(u.family)!.size === 1 ? 1 : 0;
    const otherFamilies = contactsOfFamily.size - 1 - ((soleFamilies.get(u.crow) ?? 0) - ownSole);
    if (otherFamilies <= 0) continue;
    const other = uses.find((o) => o.crow !== u.crow && o.family !== u.family)!;
    flags.set(u, {
      code: 'shared_email',
      message:
        `Email ${email} is also the Primary Contact email of ${nameOf(other) || '(no name)'} in another family` +
        (otherFamilies > 1 ? ` (${otherFamilies} other families in all)` : '') +
        ': the Bulk PIN email could reach the wrong person.',
    });
  }
  return flags;
}

/**
 * Every Primary Contact of an Active patient with a problem, every Active patient without one,
 * and Primary Contacts sharing an email with another family's. Contact problems are worked out
 * once per contact and link pattern (siblings share them).
 */
async function buildWorklist(read: Readers, patients: number[], contacts: number[], bits: number[], distinctContacts: number[]): Promise<WorklistRow[]> {
  const pacer = new Pacer();
  const entries = await worklistEntries(read, patients, contacts, bits, distinctContacts, pacer);
  // By guardian: one row each, fixed once for all their children (issue 12), in the order of each
  // row's first child (patients are sorted by last name, first name: a family's rows stay together).
  const grouping = new WorklistGrouping();
  for (const entry of entries) {
    grouping.add(entry);
    if (pacer.due()) await pacer.pause();
  }
  const rows: WorklistRow[] = [];
  for (const row of grouping.rows()) {
    rows.push(row);
    if (pacer.due()) await pacer.pause();
  }
  return rows;
}

async function worklistEntries(read: Readers, patients: number[], contacts: number[], bits: number[], distinctContacts: number[], pacer: Pacer): Promise<WorklistEntry[]> {
  const details = await read.contacts(distinctContacts, pacer);
  const listed = new Map<number, { crow: number; bits: number; problems: ContactProblem[] }>();
  const memo = new Map<number, ContactProblem[]>();
  for (let i = 0; i < patients.length; i++) {
    const crow = contacts[i]!;
    if (crow < 0) {
      listed.set(patients[i]!, { crow, bits: 0, problems: [NO_PRIMARY] });
      continue;
    }
    const c = details.get(crow);
    if (!c) continue; // removed since the pass
    const key = crow * 16 + bits[i]!;
    let problems = memo.get(key);
    if (!problems) {
      problems = contactProblems(c, LINK_BY_BITS[bits[i]!]!);
      memo.set(key, problems);
    }
    if (problems.length > 0) listed.set(patients[i]!, { crow, bits: bits[i]!, problems: [...problems] });
    if (pacer.due()) await pacer.pause();
  }

  // The same email on Primary Contacts of unrelated families: a patient's row is flagged when
  // another Active patient's Primary Contact has the address with a different contact AND a
  // different family. Linear per address: a placeholder typed for thousands stays cheap.
  const contactsByEmail = new Map<string, number[]>();
  for (const [crow, c] of details) {
    if (pacer.due()) await pacer.pause();
    const email = c.email?.trim().toLowerCase();
    if (!email) continue;
    const list = contactsByEmail.get(email);
    if (list) list.push(crow);
    else contactsByEmail.set(email, [crow]);
  }
  const candidates = new Map<number, string>();
  for (const [email, crows] of contactsByEmail) if (crows.length > 1) for (const crow of crows) candidates.set(crow, email);
  if (candidates.size > 0) {
    const uses = new Map<string, { prow: number; crow: number; bits: number; family: string }[]>();
    const involved: number[] = [];
    for (let i = 0; i < patients.length; i++) {
      if (candidates.has(contacts[i]!)) involved.push(i);
      if (pacer.due()) await pacer.pause();
    }
    const families = await read.patients(
      involved.map((i) => patients[i]!),
      pacer,
    );
    for (const i of involved) {
      const prow = patients[i]!;
      const crow = contacts[i]!;
      const p = families.get(prow);
      if (!p) continue;
      const email = candidates.get(crow)!;
      const use = { prow, crow, bits: bits[i]!, family: p.familyId ?? `patient:${p.id}` };
      const list = uses.get(email);
      if (list) list.push(use);
      else uses.set(email, [use]);
    }
    for (const [email, list] of uses) {
      for (const [u, problem] of sharedEmailFlags(email, list, (o) => fullName(details.get(o.crow) ?? { firstName: '', lastName: '' }))) {
        const entry = listed.get(u.prow);
        if (entry) entry.problems.push(problem);
        else listed.set(u.prow, { crow: u.crow, bits: u.bits, problems: [problem] });
      }
      if (pacer.due()) await pacer.pause();
    }
  }

  const people = await read.patients([...listed.keys()], pacer);
  const entries: { key: string; out: WorklistEntry }[] = [];
  for (const [prow, entry] of listed) {
    if (pacer.due()) await pacer.pause();
    const p = people.get(prow);
    if (!p) continue;
    const out = toWorklistEntry(p, entry.crow >= 0 ? details.get(entry.crow) : undefined, entry.bits, entry.problems);
    entries.push({ key: nameKey(p.lastName, p.firstName, `${out.patientId}:${out.contactId ?? ''}`), out });
  }
  return (await sortByKey(entries, (r) => r.key, pacer)).map((r) => r.out);
}

function toWorklistEntry(p: PatientDetails, c: ContactDetails | undefined, bits: number, problems: ContactProblem[]): WorklistEntry {
  const base = { patientId: p.id, patientName: fullName(p), chartNumber: p.chartNumber };
  if (!c) return { ...base, contactId: null, contact: null, authority: null, residesWith: false, problems };
  const link = LINK_BY_BITS[bits]!;
  return {
    ...base,
    contactId: c.id,
    contact: { firstName: c.firstName, lastName: c.lastName, email: c.email, mobilePhone: c.mobilePhone, preferredReminder: c.preferredReminder },
    authority: link.authority,
    residesWith: link.residesWith,
    problems,
  };
}

/** An Active patient whose Primary Contact has a given email (for the shared-email check). */
type EmailUse = { prow: number; crow: number; family: string; name: string };

function primaryContactUses(sqlite: BetterSqlite3.Database, email: string): EmailUse[] {
  // One scan of contacts (CROSS JOIN keeps the planner from walking every link instead), narrowed
  // by LIKE (ASCII case-insensitive); the exact comparison is the snapshot's, in JavaScript.
  const pattern = `%${email.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
  const candidates = sqlite
    .prepare(
      `SELECT p.rowid, coalesce(p.family_id, 'patient:' || p.id), c.rowid, c.email, c.first_name, c.last_name,
              (SELECT count(*) FROM patient_contacts x WHERE x.patient_id = p.id AND x.sort = 1)
         FROM contacts c
        CROSS JOIN patient_contacts pc ON pc.contact_id = c.id AND pc.sort = 1
         JOIN patients p ON p.id = pc.patient_id AND p.status = 'Active'
        WHERE c.email LIKE ? ESCAPE '\\'
        ORDER BY p.rowid`,
    )
    .raw(true)
    .all(pattern) as [number, string, number, string, string, string, number][];
  const primaryOf = sqlite.prepare(
    `SELECT ${LINK_BITS}, c.id FROM patient_contacts pc JOIN contacts c ON c.id = pc.contact_id WHERE pc.patient_id = (SELECT id FROM patients WHERE rowid = ?) AND pc.sort = 1`,
  ).raw(true);
  const uses: EmailUse[] = [];
  const idOf = sqlite.prepare('SELECT id FROM contacts WHERE rowid = ?').pluck(true);
  for (const [prow, family, crow, raw, first, last, sortOnes] of candidates) {
    if (raw.trim().toLowerCase() !== email) continue;
    if (sortOnes > 1) {
      const links = (primaryOf.all(prow) as [number, string][]).map(([b, id]) => ({ ...LINK_BY_BITS[b]!, contactId: id }));
      if (bulkPrimaryOf(links)?.contactId !== idOf.get(crow)) continue;
    }
    uses.push({ prow, crow, family, name: fullName({ firstName: first, lastName: last }) });
  }
  return uses;
}

/**
 * The worklist row of one patient and contact, worked out directly (an inline fix shows its
 * result at once instead of waiting for the whole mirror): the same rules as the snapshot, null
 * when the patient is not Active, the contact is not their Primary Contact, or nothing is wrong.
 */
export function worklistEntryFor(
  sqlite: BetterSqlite3.Database,
  patientId: string,
  contactId: string,
  sharedEmailMemo?: Map<string, EmailUse[]>,
): WorklistEntry | null {
  type LinkLine = [number, PatientStatus, string, string, string, string, string | null, string | null, number, number, string, string, string, string | null, string | null, ReminderMethod | null];
  const lines = sqlite
    .prepare(
      `SELECT p.rowid, p.status, p.id, p.chart_number, p.first_name, p.last_name, p.date_of_birth, p.family_id, ${LINK_BITS},
              c.rowid, c.id, c.first_name, c.last_name, c.email, c.mobile_phone, c.preferred_reminder
         FROM patients p JOIN patient_contacts pc ON pc.patient_id = p.id AND pc.sort = 1 JOIN contacts c ON c.id = pc.contact_id
        WHERE p.id = ?`,
    )
    .raw(true)
    .all(patientId) as LinkLine[];
  if (lines.length === 0 || lines[0]![1] !== 'Active') return null;
  const chosen = bulkPrimaryOf(lines.map((l) => ({ ...LINK_BY_BITS[l[8]]!, contactId: l[10], line: l })));
  if (!chosen || chosen.contactId !== contactId) return null;
  const l = chosen.line;
  const patient: PatientDetails = { id: l[2], chartNumber: l[3], firstName: l[4], lastName: l[5], dateOfBirth: l[6], familyId: l[7] };
  const contact: ContactDetails = { id: l[10], firstName: l[11], lastName: l[12], email: l[13], mobilePhone: l[14], preferredReminder: l[15] };
  const problems = contactProblems(contact, chosen);

  const email = contact.email?.trim().toLowerCase();
  if (email) {
    // The address's uses are the same for every child of a guardian: read once per fix.
    let uses = sharedEmailMemo?.get(email);
    if (!uses) {
      uses = primaryContactUses(sqlite, email);
      sharedEmailMemo?.set(email, uses);
    }
    const self = uses.find((u) => u.prow === l[0] && u.crow === l[9]);
    const flag = self ? sharedEmailFlags(email, uses, (u) => u.name).get(self) : undefined;
    if (flag) problems.push(flag);
  }
  return problems.length === 0 ? null : toWorklistEntry(patient, contact, l[8], problems);
}

/**
 * A guardian's worklist row, worked out directly after an inline fix (the same rules as the
 * snapshot, for this contact's Active children only): null when nothing is left to fix for them.
 */
export function worklistRowForGuardian(sqlite: BetterSqlite3.Database, contactId: string): WorklistRow | null {
  const children = sqlite
    .prepare(
      `SELECT p.id, p.last_name, p.first_name FROM patient_contacts pc JOIN patients p ON p.id = pc.patient_id
        WHERE pc.contact_id = ? AND pc.sort = 1 AND p.status = 'Active'`,
    )
    .raw(true)
    .all(contactId) as [string, string, string][];
  // The snapshot's order of children (its key, its comparison).
  const keyed = children.map(([id, last, first]) => ({ id, key: nameKey(last, first, `${id}:${contactId}`) }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const memo = new Map<string, EmailUse[]>();
  const entries = keyed.flatMap(({ id }) => worklistEntryFor(sqlite, id, contactId, memo) ?? []);
  return groupWorklistByGuardian(entries)[0] ?? null;
}

// ---- guardians, read back on demand ----------------------------------------------------------

/**
 * Guardians in campaign order. On the first request the guardians' names are read and sorted;
 * what stays is compact (the order as contact rowids, each guardian's children as a range of one
 * array of patient rowids); the details of a page are read when the page is asked for.
 */
function lazyGuardians(
  read: Readers,
  patients: readonly number[],
  contacts: readonly number[],
  count: number,
): (offset?: number, limit?: number) => Promise<EligibleGuardian[]> {
  interface Order {
    guardians: Int32Array; // contact rowids, campaign order
    start: Int32Array; // children of guardians[i]: kids[start[i] .. start[i + 1])
    kids: Int32Array;
  }
  let order: Promise<Order> | null = null;

  const build = async (): Promise<Order> => {
    const pacer = new Pacer();
    // children per guardian, grouped by contact rowid
    const perGuardian = new Map<number, number[]>();
    for (let i = 0; i < patients.length; i++) {
      const list = perGuardian.get(contacts[i]!);
      if (list) list.push(patients[i]!);
      else perGuardian.set(contacts[i]!, [patients[i]!]);
      if (pacer.due()) await pacer.pause();
    }
    const details = await read.contacts([...perGuardian.keys()], pacer);
    const keyed: { crow: number; key: string }[] = [];
    for (const [crow, c] of details) {
      keyed.push({ crow, key: nameKey(c.lastName, c.firstName, c.id) });
      if (pacer.due()) await pacer.pause();
    }
    const sorted = await sortByKey(keyed, (k) => k.key, pacer);
    const guardians = new Int32Array(sorted.length);
    const start = new Int32Array(sorted.length + 1);
    const kids = new Int32Array(patients.length);
    let n = 0;
    for (let i = 0; i < sorted.length; i++) {
      guardians[i] = sorted[i]!.crow;
      start[i] = n;
      for (const prow of perGuardian.get(sorted[i]!.crow)!) kids[n++] = prow;
      if (pacer.due()) await pacer.pause();
    }
    start[sorted.length] = n;
    return { guardians, start, kids };
  };

  return async (offset = 0, limit = count) => {
    order ??= build();
    const { guardians, start, kids } = await order;
    const from = Math.min(offset, guardians.length);
    const to = Math.min(guardians.length, offset + limit);
    const pacer = new Pacer();
    const page = Array.from(guardians.subarray(from, to));
    const contactDetails = await read.contacts(page, pacer);
    const children = await read.patients(Array.from(kids.subarray(start[from]!, start[to]!)), pacer);
    const result: EligibleGuardian[] = [];
    for (let i = from; i < to; i++) {
      const c = contactDetails.get(guardians[i]!);
      if (!c) continue; // removed since the pass
      const list: EligibleChild[] = [];
      for (let k = start[i]!; k < start[i + 1]!; k++) {
        const p = children.get(kids[k]!);
        if (p) list.push({ patientId: p.id, firstName: p.firstName, lastName: p.lastName, dateOfBirth: (p.dateOfBirth ?? '').trim(), chartNumber: p.chartNumber });
      }
      list.sort((a, b) => compareKeys(a.dateOfBirth, b.dateOfBirth) || compareKeys(a.patientId, b.patientId));
      result.push({
        contactId: c.id,
        firstName: c.firstName,
        lastName: c.lastName,
        email: (c.email ?? '').trim(),
        mobilePhone: c.mobilePhone,
        preferredReminder: c.preferredReminder,
        children: list,
      });
      if (pacer.due()) await pacer.pause();
    }
    return result;
  };
}

// ---- cache ---------------------------------------------------------------------------------

interface CacheEntry {
  key: string;
  snapshot: Promise<BulkSnapshot>;
}
const cache = new WeakMap<BetterSqlite3.Database, CacheEntry>();

/**
 * What the mirror looks like, cheaply: `data_version` moves when another connection commits,
 * `total_changes()` when this one writes anything. Over-eager (an audit row also moves it), never
 * stale.
 */
export function mirrorStamp(sqlite: BetterSqlite3.Database): string {
  const version = sqlite.pragma('data_version', { simple: true }) as number;
  const changes = (sqlite.prepare('SELECT total_changes()').pluck().get() as number) ?? 0;
  return `${version}:${changes}`;
}

/** The snapshot for today's date and Minor Age Limit, from the cache while the mirror is unchanged. */
export async function bulkSnapshot(ctx: AppContext, options: Omit<ScanOptions, 'worklist'> = {}): Promise<BulkSnapshot> {
  const settings = await ctx.settings();
  const today = await ctx.today();
  const key = `${mirrorStamp(ctx.sqlite)}|${today}|${settings.minorAgeLimit}`;
  const cached = cache.get(ctx.sqlite);
  if (cached && cached.key === key) return cached.snapshot;
  const snapshot = computeSnapshot(ctx.sqlite, { today, minorAgeLimit: settings.minorAgeLimit, now: ctx.now() }, options);
  const entry = { key, snapshot };
  cache.set(ctx.sqlite, entry);
  snapshot.catch(() => {
    if (cache.get(ctx.sqlite) === entry) cache.delete(ctx.sqlite);
  });
  return snapshot;
}

/** Drops the cached snapshot (after an import, or anything else the stamp might not see). */
export function invalidateBulkSnapshot(sqlite: BetterSqlite3.Database): void {
  cache.delete(sqlite);
}

/**
 * For writes that cannot change the picture (a checklist answer, an export's audit row): when
 * exactly `changes` rows were written since `before`, the cached snapshot stays valid under the
 * new stamp. Any other write in between (a sync, a fix) still invalidates it.
 */
export function keepSnapshotAfterOwnWrite(sqlite: BetterSqlite3.Database, before: string, changes: number): void {
  const cached = cache.get(sqlite);
  if (!cached || !cached.key.startsWith(`${before}|`)) return;
  const [version, total] = before.split(':').map(Number);
  const now = mirrorStamp(sqlite);
  if (now !== `${version}:${total! + changes}`) return;
  cache.set(sqlite, { key: now + cached.key.slice(before.length), snapshot: cached.snapshot });
}
