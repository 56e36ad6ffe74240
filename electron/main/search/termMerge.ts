import type BetterSqlite3 from 'better-sqlite3';
import { termsOfRows, type TermRow } from './indexer';

/**
 * The search terms of many new patients, added after their rows (issue 14: an import of 200,000
 * patients). Written with each short transaction of rows, a patient's terms land all over the
 * term index (one B-tree page each, more or less), and every commit rewrites all those pages:
 * at 200,000 patients the WAL took over 12 GB for a 250 MB file. Here the terms are first
 * computed into a temporary table of the job's own connection (no write lock, nothing to sync),
 * then added in blocks: a block is the terms of one run of patient ids (neighbours in the
 * (patient_id, term) index) within one range of terms (neighbours in the primary key), so each
 * short transaction rewrites a few hundred pages of each index instead of one page per term.
 *
 * A term is added only while its patient still exists, and at most once (INSERT OR IGNORE), so
 * staging the same patients again (a resumed job) is harmless.
 */

/** Terms per cell (a run of patients within a range of terms): a small part of one short transaction. */
const TERMS_PER_CELL = 2_500;
/** About this many terms per patient (names, chart, dates, contacts' names, email, phones: ~15; pair terms: ~9). */
const TERMS_PER_PATIENT = 24;
const STAGE_PAGE = 1_000;
const SAMPLE_EVERY = 16;

export interface TermMerge {
  /** Stages the terms of the next page of patients (a short read); true once every patient is staged. */
  stageNext(): boolean;
  /** Cells (a run of patients within a range of terms) to add; known once staged. */
  readonly cells: number;
  /** Inside the caller's write transaction, once staged: adds the next `cells` cells; true once all are in. */
  step(cells: number): boolean;
  /** Drops the staged terms. */
  close(): void;
}

/**
 * Computes the current terms of `patientIds` into the connection's temporary table, a page of
 * patients per `stageNext()` (a short read each: the event loop and the checkpoint never wait
 * long), reading the patients in id order over the range the ids span, as the full reindex does.
 */
export function stageTerms(sqlite: BetterSqlite3.Database, patientIds: Iterable<string>): TermMerge {
  const ids = [...new Set(patientIds)].sort();
  const sides = Math.max(1, Math.round(Math.sqrt((ids.length * TERMS_PER_PATIENT) / TERMS_PER_CELL)));
  const perBlock = Math.max(1, Math.ceil(ids.length / sides));
  const blockOf = new Map<string, number>();
  for (const [i, id] of ids.entries()) blockOf.set(id, Math.floor(i / perBlock));

  sqlite
    .prepare(
      `CREATE TEMP TABLE IF NOT EXISTS import_terms (
         block INTEGER NOT NULL, term TEXT NOT NULL, patient_id TEXT NOT NULL, PRIMARY KEY (block, term, patient_id)
       ) WITHOUT ROWID`,
    )
    .run();
  sqlite.prepare('DELETE FROM temp.import_terms').run();
  const stage = sqlite.prepare('INSERT OR IGNORE INTO temp.import_terms (block, term, patient_id) VALUES (?, ?, ?)');
  const page = sqlite.prepare(
    `WITH page AS (SELECT id FROM patients WHERE id >= ? AND id > ? AND id <= ? ORDER BY id LIMIT ${STAGE_PAGE})
     SELECT p.id, p.first_name, p.last_name, p.chart_number, p.date_of_birth,
            c.first_name AS c_first, c.last_name AS c_last, c.email, c.mobile_phone, c.home_phone
       FROM page JOIN patients p ON p.id = page.id
       LEFT JOIN patient_contacts pc ON pc.patient_id = p.id
       LEFT JOIN contacts c ON c.id = pc.contact_id
      ORDER BY p.id`,
  );
  const sample: string[] = [];
  let staged = 0;
  const emit = (term: string, patientId: string) => {
    if (staged++ % SAMPLE_EVERY === 0) sample.push(term);
    stage.run(blockOf.get(patientId)!, term, patientId);
  };
  let after = '';
  let stagingDone = ids.length === 0;
  let bounds: string[] = [];

  const stageNext = (): boolean => {
    if (stagingDone) return true;
    const rows = page.all(ids[0], after, ids.at(-1)) as TermRow[];
    if (rows.length > 0) {
      after = rows.at(-1)!.id;
      sqlite.transaction(() =>
        termsOfRows(
          rows.filter((row) => blockOf.has(row.id)),
          emit,
        ),
      )();
      return false;
    }
    stagingDone = true;
    // Term ranges of about equal size, from a sample of the staged terms.
    sample.sort();
    bounds = Array.from({ length: sides - 1 }, (_, k) => sample[Math.floor(((k + 1) * sample.length) / sides)] ?? '');
    return true;
  };
  const exists = 'EXISTS (SELECT 1 FROM patients WHERE id = s.patient_id)';
  const inRange = sqlite.prepare(
    `INSERT OR IGNORE INTO search_terms (term, patient_id)
     SELECT term, patient_id FROM temp.import_terms s WHERE block = ? AND term >= ? AND term < ? AND ${exists} ORDER BY term, patient_id`,
  );
  const toEnd = sqlite.prepare(
    `INSERT OR IGNORE INTO search_terms (term, patient_id)
     SELECT term, patient_id FROM temp.import_terms s WHERE block = ? AND term >= ? AND ${exists} ORDER BY term, patient_id`,
  );
  const cells = sides * sides;
  let next = 0;
  return {
    stageNext,
    cells,
    step(count: number): boolean {
      if (!stagingDone) throw new Error('stageTerms: step() before every patient was staged');
      for (const end = Math.min(cells, next + Math.max(1, count)); next < end; next++) {
        // Patient run by patient run; within one, range after range of terms.
        const block = Math.floor(next / sides);
        const range = next % sides;
        const from = range === 0 ? '' : bounds[range - 1]!;
        if (range === sides - 1) toEnd.run(block, from);
        else inRange.run(block, from, bounds[range]);
      }
      return next >= cells;
    },
    close() {
      sqlite.prepare('DROP TABLE IF EXISTS temp.import_terms').run();
    },
  };
}
