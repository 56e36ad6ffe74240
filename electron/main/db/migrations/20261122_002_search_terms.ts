import { sql, type Kysely } from 'kysely';

/**
 * Search index: one row per (term, patient). Terms are normalised names, chart numbers, date-of-
 * birth digits, guardian names, emails and phone digits (whole number and its last 7 and 4
 * digits), so every query is a prefix range scan on the primary key instead of a table scan.
 */
// Frozen as written: the bulk reindex (search/indexer.ts) drops and rebuilds this index with its
// own copy of the statement, so this migration never depends on live code.
const PATIENT_INDEX = 'CREATE INDEX search_terms_patient ON search_terms(patient_id, term)';

const statements = [
  `CREATE TABLE search_terms (
     term TEXT NOT NULL,
     patient_id TEXT NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
     PRIMARY KEY (term, patient_id)
   ) STRICT, WITHOUT ROWID`,
  PATIENT_INDEX,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}
