import type BetterSqlite3 from 'better-sqlite3';
import { patientSearchTerms, type SearchableContact } from './terms';

/**
 * The index from a patient to their terms, as the migrations left it (002): the bulk reindex drops
 * it and builds it again after a full reload. A test checks it against the migrated database.
 */
export const SEARCH_TERMS_PATIENT_INDEX = 'CREATE INDEX search_terms_patient ON search_terms(patient_id, term)';

function prepareReindex(sqlite: BetterSqlite3.Database) {
  return {
    getPatient: sqlite.prepare('SELECT first_name, last_name, chart_number, date_of_birth FROM patients WHERE id = ?'),
    getContacts: sqlite.prepare(
      `SELECT c.first_name, c.last_name, c.email, c.mobile_phone, c.home_phone
         FROM patient_contacts pc JOIN contacts c ON c.id = pc.contact_id
        WHERE pc.patient_id = ?`,
    ),
    clear: sqlite.prepare('DELETE FROM search_terms WHERE patient_id = ?'),
    insert: sqlite.prepare('INSERT OR IGNORE INTO search_terms (term, patient_id) VALUES (?, ?)'),
  };
}

/** Per connection, prepared once: a job's transaction rebuilds its patients a few at a time (issue 14: between looks at the desk). */
const reindexStatements = new WeakMap<BetterSqlite3.Database, ReturnType<typeof prepareReindex>>();

/**
 * Rebuilds the search terms of the given patients from the mirror. Called inside the same
 * transaction as the change that made them stale, so search never disagrees with the chart.
 * Synchronous (better-sqlite3) because it runs inside bulk loads of 200,000 patients.
 */
export function reindexPatients(sqlite: BetterSqlite3.Database, patientIds: Iterable<string>): void {
  const { getPatient, getContacts, clear, insert } = reindexStatements.get(sqlite) ?? reindexStatements.set(sqlite, prepareReindex(sqlite)).get(sqlite)!;
  for (const id of patientIds) {
    clear.run(id);
    const p = getPatient.get(id) as { first_name: string; last_name: string; chart_number: string; date_of_birth: string | null } | undefined;
    if (!p) continue;
    const contacts = (
      getContacts.all(id) as {
        first_name: string;
        last_name: string;
        email: string | null;
        mobile_phone: string | null;
        home_phone: string | null;
      }[]
    ).map((c) => ({
      firstName: c.first_name,
      lastName: c.last_name,
      email: c.email,
      mobilePhone: c.mobile_phone,
      homePhone: c.home_phone,
    }));
    const terms = patientSearchTerms({ firstName: p.first_name, lastName: p.last_name, chartNumber: p.chart_number, dateOfBirth: p.date_of_birth }, contacts);
    for (const term of terms) insert.run(term, id);
  }
}

const REINDEX_PAGE = 5_000;

export type TermRow = {
  id: string;
  first_name: string;
  last_name: string;
  chart_number: string;
  date_of_birth: string | null;
  c_first: string | null;
  c_last: string | null;
  email: string | null;
  mobile_phone: string | null;
  home_phone: string | null;
};

/**
 * The joined rows (a patient with each of its contacts) that termsOfRows reads, for the patients of
 * `pageSql`: a query whose rows have an `id` column, the page of patients to read.
 */
export function termRowsSql(pageSql: string): string {
  return `WITH page AS (${pageSql})
     SELECT p.id, p.first_name, p.last_name, p.chart_number, p.date_of_birth,
            c.first_name AS c_first, c.last_name AS c_last, c.email, c.mobile_phone, c.home_phone
       FROM page JOIN patients p ON p.id = page.id
       LEFT JOIN patient_contacts pc ON pc.patient_id = p.id
       LEFT JOIN contacts c ON c.id = pc.contact_id
      ORDER BY p.id`;
}

/**
 * Every patient's terms, rebuilt after a bulk load (demo, import, initial sync): one joined pass
 * over the mirror, terms staged in a plain table, then copied into the index in key order so the
 * B-tree is filled by appends instead of random inserts.
 */
export function reindexAllPatients(sqlite: BetterSqlite3.Database): void {
  // Dropping the per-patient index first makes both the delete and the reload several times faster.
  sqlite.prepare('DROP INDEX IF EXISTS search_terms_patient').run();
  sqlite.prepare('DELETE FROM search_terms').run();
  sqlite.prepare('CREATE TEMP TABLE IF NOT EXISTS staged_terms (term TEXT NOT NULL, patient_id TEXT NOT NULL)').run();
  sqlite.prepare('DELETE FROM temp.staged_terms').run();
  const stage = sqlite.prepare('INSERT INTO temp.staged_terms (term, patient_id) VALUES (?, ?)');
  // Pages of patients: better-sqlite3 cannot write while a statement is still iterating.
  const page = sqlite.prepare(termRowsSql(`SELECT id FROM patients WHERE id > ? ORDER BY id LIMIT ${REINDEX_PAGE}`));
  let after = '';
  for (;;) {
    const rows = page.all(after) as TermRow[];
    if (rows.length === 0) break;
    termsOfRows(rows, (term, patientId) => stage.run(term, patientId));
    after = rows.at(-1)!.id;
  }
  sqlite.prepare('INSERT OR IGNORE INTO search_terms (term, patient_id) SELECT term, patient_id FROM temp.staged_terms ORDER BY term, patient_id').run();
  sqlite.prepare(SEARCH_TERMS_PATIENT_INDEX).run();
  sqlite.prepare('DELETE FROM temp.staged_terms').run();
}

/** The terms of patients read joined with their contacts, rows of one patient together. */
export function termsOfRows(rows: readonly TermRow[], emit: (term: string, patientId: string) => void): void {
  let current: TermRow | null = null;
  let contacts: SearchableContact[] = [];
  const flush = () => {
    if (!current) return;
    const terms = patientSearchTerms(
      { firstName: current.first_name, lastName: current.last_name, chartNumber: current.chart_number, dateOfBirth: current.date_of_birth },
      contacts,
    );
    for (const term of terms) emit(term, current.id);
  };
  for (const row of rows) {
    if (current?.id !== row.id) {
      flush();
      current = row;
      contacts = [];
    }
    if (row.c_first !== null) {
      contacts.push({ firstName: row.c_first, lastName: row.c_last ?? '', email: row.email, mobilePhone: row.mobile_phone, homePhone: row.home_phone });
    }
  }
  flush();
}
