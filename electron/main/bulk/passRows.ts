import type BetterSqlite3 from 'better-sqlite3';
import type { ContactLink } from '../../../shared/domain/contacts';
import { PATIENT_STATUSES, type Authority, type PatientStatus } from '../../../shared/domain/patient';
import { yieldToEventLoop } from '../lib/pacing';

// The bulk snapshot's pass rows (see snapshot.ts): the SQL that packs a patient and their Sort-1
// link into one short string, and what reads it back.

export const SEP = '\u001f';
export const SEP_CODE = 0x1f;

/** Authority, Resides with and the Portal column of a link, as bits (null: no Sort-1 link). */
export const LINK_BITS = `CASE WHEN pc.patient_id IS NULL THEN NULL ELSE
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
 * One string per patient, `prow,SN,dob`: S the status code, N 1 when the date of birth is NULL; the
 * date of birth is last, so it is whatever follows the second comma, exactly (commas or any other
 * character in it included). An ordered read of the table by rowid range, no index lookup.
 */
export const PATIENTS_SQL = `SELECT p.rowid || ',' || ${STATUS_CODE} || (p.date_of_birth IS NULL) || ',' || coalesce(p.date_of_birth, '')
  FROM patients p WHERE p.rowid > ? AND p.rowid <= ? ORDER BY p.rowid`;

/** Rowids below this pack into one link number (LINKS_SQL); a bigger one sends its patient the general way. */
export const ROWID_PACK = 16_777_216;

/**
 * Every Sort-1 link as ONE integer, (patient rowid * ROWID_PACK + contact rowid) * 16 + link bits,
 * or minus the patient rowid when a rowid is too big for that. One ordered read of the links'
 * table (by patient id) with the two rowids from the id indexes, which stay in step with it: about
 * half the work of looking each patient's link up. Read in pages after (patient id, contact id).
 */
export const LINKS_SQL = `SELECT CASE WHEN p.rowid < ${ROWID_PACK} AND c.rowid < ${ROWID_PACK}
    THEN (p.rowid * ${ROWID_PACK} + c.rowid) * 16 + ${LINK_BITS.replace('pc.patient_id IS NULL', '0')} ELSE -p.rowid END
  FROM patient_contacts pc JOIN patients p ON p.id = pc.patient_id JOIN contacts c ON c.id = pc.contact_id
  WHERE pc.sort = 1 AND (pc.patient_id, pc.contact_id) > (?, ?)
  ORDER BY pc.patient_id, pc.contact_id LIMIT ?`;
const FIRST_LINKS_SQL = LINKS_SQL.replace('AND (pc.patient_id, pc.contact_id) > (?, ?)', '');
/** Where the next page of LINKS_SQL starts: the ids of the last link read. */
const LINK_IDS_SQL = `SELECT (SELECT id FROM patients WHERE rowid = ?), coalesce((SELECT id FROM contacts WHERE rowid = ?), '')`;

/** `Links.crow` of a patient with no Sort-1 link, and of one read the general way (several links, a contact newer than the pass). */
export const LINK_NONE = -1;
export const LINK_GENERAL = -2;

/** Each patient's Sort-1 link by patient rowid (below ROWID_PACK): contact rowid (or LINK_NONE, LINK_GENERAL) and link bits. */
export interface Links {
  crow: Int32Array;
  bits: Uint8Array;
}

/** Links per page of LINKS_SQL (a yield between pages). */
export const LINK_PAGE = 16_000;

/** Every Sort-1 link of the patients up to `maxRowid` (any status: the pass looks at Active patients' only). */
export async function readLinks(sqlite: BetterSqlite3.Database, maxRowid: number, maxContact: number, pageSize = LINK_PAGE): Promise<Links> {
  const size = Math.min(maxRowid, ROWID_PACK - 1) + 1;
  const crow = new Int32Array(size).fill(LINK_NONE);
  const bits = new Uint8Array(size);
  const first = sqlite.prepare(FIRST_LINKS_SQL).pluck(true);
  const next = sqlite.prepare(LINKS_SQL).pluck(true);
  const idsOf = sqlite.prepare(LINK_IDS_SQL).raw(true);
  let after: [string, string] | null = null;
  for (;;) {
    const values = (after === null ? first.all(pageSize) : next.all(after[0], after[1], pageSize)) as number[];
    let prow = 0;
    let c = 0;
    for (const v of values) {
      if (v < 0) {
        prow = -v;
        c = 0; // the next page starts after (patient id, ''): this patient's links again, harmless
        if (prow < size) crow[prow] = LINK_GENERAL;
        continue;
      }
      const b = v % 16;
      const pair = (v - b) / 16;
      c = pair % ROWID_PACK;
      prow = (pair - c) / ROWID_PACK;
      if (prow >= size) continue; // a patient newer than the pass
      crow[prow] = crow[prow] === LINK_NONE && c <= maxContact ? c : LINK_GENERAL;
      bits[prow] = b;
    }
    if (values.length < pageSize) break;
    after = idsOf.get(prow, c) as [string | null, string] as [string, string];
    if (after[0] === null) throw new Error('bulk snapshot: a row vanished while it was being read');
    await yieldToEventLoop();
  }
  return { crow, bits };
}

/** A patient and their Sort-1 link(s) column by column, for the rows the packed forms do not settle. */
export const GENERAL_SQL = `SELECT ${LINK_BITS}, c.rowid, p.status, p.date_of_birth, c.email ${JOIN} WHERE p.rowid = ?`;

export const DIGIT_0 = 0x30;
/** Digit value at `i`, or -1. */
export function digitAt(r: string, i: number): number {
  const d = r.charCodeAt(i) - DIGIT_0;
  return d >= 0 && d <= 9 ? d : -1;
}
/**
 * A date of birth written exactly `dddd-dd-dd` (10 characters from `at` to the end of the row) as
 * the number ddddddddd: one number per such text and back, so it can key a memo. -1 otherwise.
 */
export function dateKeyAt(r: string, at: number): number {
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

export interface Row {
  prow: number;
  /** Link bits; null when the patient has no Sort-1 link. */
  bits: number | null;
  crow: number | null;
  status: PatientStatus;
  dob: string | null;
  email: string | null;
}

export function intAt(s: string, start: number, end: number): number {
  let n = 0;
  let i = start;
  const negative = s.charCodeAt(i) === 45; // '-'
  if (negative) i += 1;
  for (; i < end; i++) n = n * 10 + (s.charCodeAt(i) - 48);
  return negative ? -n : n;
}

/** A patient read the general way: one Row per Sort-1 link (several: a data error), or one without a link. */
export function generalRows(prow: number, general: BetterSqlite3.Statement): Row[] {
  const lines = general.all(prow) as [number | null, number | null, PatientStatus, string | null, string | null][];
  return lines.map(([bits, crow, status, dob, email]) => ({ prow, bits, crow, status, dob, email }));
}

/** Links without identity (one Sort-1 link: no tie to break): shared, one per bit pattern. */
export const LINK_BY_BITS: readonly ContactLink[] = Array.from({ length: 16 }, (_, bits) => ({
  contactId: '',
  sort: 1,
  relationship: '',
  authority: AUTHORITY_BY_CODE[bits & 3]!,
  residesWith: (bits & 4) !== 0,
  portalFlag: (bits & 8) !== 0,
}));
