import type BetterSqlite3 from 'better-sqlite3';
import type { ReminderMethod } from '../../../shared/domain/patient';
import type { Pacer } from '../lib/pacing';
import { intAt, SEP, SEP_CODE } from './passRows';

// Patients' and contacts' details read back by rowid, for the rows someone looks at (snapshot.ts).

export const compareKeys = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
export const nameKey = (last: string, first: string, id: string) => `${last.toLowerCase()}\u0000${first.toLowerCase()}\u0000${id}`;

/** Rowids per IN (...) list. */
const IN_BATCH = 500;

export interface PatientDetails {
  id: string;
  chartNumber: string;
  firstName: string;
  lastName: string;
  dateOfBirth: string | null;
  familyId: string | null;
}
export interface ContactDetails {
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
  const packedOf = (t: string) =>
    [`${t}rowid`, ...columns.map((c) => `coalesce(length(${t}${c}), -1)`), ...columns.map((c) => `coalesce(${t}${c}, '')`)].join(' || char(31) || ');
  const packed = packedOf('');
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
  const byRowids = async (rowids: readonly number[], pacer: Pacer): Promise<Map<number, T>> => {
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
  /**
   * The rows whose rowids `driving` lists (SQL giving distinct rowids `r` with `? < r <= ?`, in
   * order), in rowid order, by rowid range: one ordered walk of the table that skips in SQL the
   * rows nobody needs, instead of a lookup per row (several times cheaper than byRowids for a good
   * part of a table). `visit` gets each, in stretches the pacer cuts.
   */
  const scan = async (driving: string, visit: (rowid: number, value: T) => void, pacer: Pacer): Promise<void> => {
    const read = sqlite.prepare(`SELECT ${packedOf('t.')} FROM (${driving}) CROSS JOIN ${from} t ON t.rowid = r`).pluck(true);
    const max = (sqlite.prepare(`SELECT max(rowid) FROM ${from}`).pluck().get() as number | null) ?? 0;
    for (let after = 0; after < max; after += SCAN_RANGE) {
      for (const r of read.all(after, Math.min(max, after + SCAN_RANGE)) as string[]) {
        const [rowid, value] = parse(r);
        if (value !== null) {
          visit(rowid, value);
        } else {
          const v = single.get(rowid) as (string | null)[] | undefined;
          if (v) visit(rowid, shape(v));
        }
      }
      await pacer.check();
    }
  };
  return Object.assign(byRowids, { scan });
}

/** Rowids per range of a scan (about 2 ms of reading on 2 cores). */
const SCAN_RANGE = 2_000;

/** `${patient rowid}:${contact rowid}` of a link, as inferredAuthorities keys it. */
export const linkKey = (prow: number, crow: number) => `${prow}:${crow}`;

/**
 * The links whose Authority the FHIR load inferred from the relationship (fhir_link_inferences,
 * not yet confirmed), keyed by linkKey, with the relationship: one query for the whole worklist.
 */
export function inferredAuthorities(sqlite: BetterSqlite3.Database): Map<string, string> {
  const out = new Map<string, string>();
  const rows = sqlite
    .prepare(
      `SELECT p.rowid, c.rowid, pc.relationship FROM fhir_link_inferences i
         JOIN patients p ON p.id = i.patient_id
         JOIN contacts c ON c.id = i.contact_id
         JOIN patient_contacts pc ON pc.patient_id = i.patient_id AND pc.contact_id = i.contact_id
        WHERE i.authority = 1`,
    )
    .raw(true);
  for (const [prow, crow, relationship] of rows.iterate() as Iterable<[number, number, string]>) out.set(linkKey(prow, crow), relationship);
  return out;
}

export function readers(sqlite: BetterSqlite3.Database) {
  return {
    inferredAuthorities: () => inferredAuthorities(sqlite),
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
export type Readers = ReturnType<typeof readers>;
