import type BetterSqlite3 from 'better-sqlite3';
import type { ContactLink } from '../../../shared/domain/contacts';
import { checkMailbox } from '../../../shared/domain/email';
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
 * One string per patient: `N,dob` with N = rowid * 100 + status code * 10 + (1 when the date of
 * birth is NULL, else 0), one number so SQLite builds the string with two concatenations instead
 * of seven; the date of birth is whatever follows the first comma, exactly (commas or any other
 * character in it included). The pass reads patients from rowid 1 up, so N decodes by division.
 * Sort-1 links come apart (PASS_LINKS_SQL): a join looked primary_links up once per patient,
 * which cost more than walking it in order beside the patients.
 */
export const PASS_PATIENTS_SQL = `SELECT
  (p.rowid * 100 + ${STATUS_CODE} * 10 + (p.date_of_birth IS NULL)) || ',' || coalesce(p.date_of_birth, '')
  FROM patients p
  WHERE p.rowid > ? AND p.rowid <= ?
  ORDER BY p.rowid`;

/**
 * The Sort-1 links of a rowid range of patients (primary_links, migration 016: by patient and
 * contact rowid with their bits, kept by triggers) as ONE string, `prow,code,prow,code,...` with
 * code = contact rowid * 16 + bits (bits are below 16); NULL when the range has none. The pass
 * keeps only an Active patient's links (any other status is its own exclusion reason, and the
 * worklist is about Active patients). No ORDER BY inside group_concat: it made SQLite sort every
 * chunk in a temporary B-tree (twice the cost of the read), and the primary key's walk gives
 * (patient, contact) order anyway; readPassLinks checks it and sorts if ever it does not.
 */
export const PASS_LINKS_SQL = `SELECT group_concat(patient_rowid || ',' || (contact_rowid * 16 + bits), ',')
  FROM primary_links
  WHERE patient_rowid > ? AND patient_rowid <= ?`;

/**
 * Reads PASS_LINKS_SQL's string into `patients` and `codes` (reused from chunk to chunk), in
 * (patient, contact) order, the order the per-patient join gave; gives how many links it holds.
 */
export function readPassLinks(text: string | null, patients: number[], codes: number[]): number {
  if (text === null) return 0;
  let n = 0;
  let at = 0;
  let ordered = true;
  while (at < text.length) {
    const a = text.indexOf(',', at);
    let b = text.indexOf(',', a + 1);
    if (b < 0) b = text.length;
    const prow = intAt(text, at, a);
    const code = intAt(text, a + 1, b);
    if (n > 0 && (prow < patients[n - 1]! || (prow === patients[n - 1] && code < codes[n - 1]!))) ordered = false;
    patients[n] = prow;
    codes[n] = code;
    n += 1;
    at = b + 1;
  }
  if (!ordered) {
    const order = Array.from({ length: n }, (_, k) => k).sort((x, y) => patients[x]! - patients[y]! || codes[x]! - codes[y]!);
    const [p, c] = [order.map((k) => patients[k]!), order.map((k) => codes[k]!)];
    for (let k = 0; k < n; k++) {
      patients[k] = p[k]!;
      codes[k] = c[k]!;
    }
  }
  return n;
}

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

/** The same row column by column, for the rare rows the packed form does not settle. */
export const REREAD_SQL = `SELECT ${LINK_BITS}, p.status, p.date_of_birth, c.email ${JOIN} WHERE p.rowid = ? AND c.rowid IS ?`;

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

/** A pass row column by column (several Sort-1 links, an unknown status). */
export function rereadRow(prow: number, crow: number | null, reread: BetterSqlite3.Statement): Row {
  const v = reread.get(prow, crow) as [number | null, PatientStatus, string | null, string | null] | undefined;
  if (!v) throw new Error('bulk snapshot: a row vanished while it was being read');
  return { prow, bits: v[0], crow, status: v[1], dob: v[2], email: v[3] };
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

/** What a contact's email field is to the campaign: none, one usable mailbox, or text that is not one. */
export const MAILBOX_NONE = 0;
export const MAILBOX_USABLE = 1;
export const MAILBOX_UNUSABLE = 2;
/** Not read before the pass (primaryContacts.ts): the pass judges such a row from its columns. */
export const MAILBOX_NOT_READ = 3;

/** Contact rowids per range read by mailboxClasses (about 10 ms each on 2 cores). */
const CONTACT_CHUNK = 15_000;

export interface MailboxClasses {
  /** By contact rowid: MAILBOX_NONE (also for a rowid not seen), MAILBOX_USABLE or MAILBOX_UNUSABLE. */
  classOf(crow: number): number;
  /** The field as it stands, for a contact whose email is unusable (the exclusion quotes it). */
  unusableText(crow: number): string | null;
}

/**
 * Every contact's email judged once by THE email rule (checkMailbox via usableEmail), as one byte per
 * contact rowid: the pass then needs no email text, only the rowid it already reads. The text is
 * kept only for the few unusable fields.
 */
export async function mailboxClasses(sqlite: BetterSqlite3.Database, maxContact: number, chunk = CONTACT_CHUNK): Promise<MailboxClasses> {
  const bytes = new Uint8Array(maxContact + 1);
  const unusable = new Map<number, string>();
  // One string per contact, "rowid,email" (the rowid has no comma: the first one ends it), which
  // better-sqlite3 hands over several times faster than a row of two values. Read and judged by
  // rowid range, with a yield between ranges: all 150,000 at once held the event loop ~100 ms.
  const read = sqlite.prepare(`SELECT rowid || ',' || email FROM contacts WHERE email IS NOT NULL AND rowid > ? AND rowid <= ?`).pluck(true);
  for (let after = 0; after < maxContact; after += chunk) {
    for (const row of read.all(after, Math.min(maxContact, after + chunk)) as string[]) {
      const comma = row.indexOf(',');
      const crow = intAt(row, 0, comma);
      const email = row.slice(comma + 1);
      const check = checkMailbox(email);
      if (check.ok) bytes[crow] = MAILBOX_USABLE;
      else if (check.problem !== 'missing') {
        bytes[crow] = MAILBOX_UNUSABLE;
        unusable.set(crow, email);
      }
    }
    await yieldToEventLoop();
  }
  return {
    classOf: (crow) => (crow >= 0 && crow < bytes.length ? bytes[crow]! : MAILBOX_NONE),
    unusableText: (crow) => unusable.get(crow) ?? null,
  };
}
