import type BetterSqlite3 from 'better-sqlite3';
import { reindexAllPatients } from '../../electron/main/search/indexer';

/** Every (term, patient) pair of the mirror's search index, in order. */
export const indexedTerms = (sqlite: BetterSqlite3.Database): [string, string][] =>
  sqlite.prepare('SELECT term, patient_id FROM search_terms ORDER BY term, patient_id').raw().all() as [string, string][];

/** The index as it is, and as a full reindex of the mirror builds it (the full reindex stays in place). */
export function termsBesideFullReindex(sqlite: BetterSqlite3.Database): { actual: [string, string][]; expected: [string, string][] } {
  const actual = indexedTerms(sqlite);
  sqlite.transaction(() => reindexAllPatients(sqlite))();
  return { actual, expected: indexedTerms(sqlite) };
}
