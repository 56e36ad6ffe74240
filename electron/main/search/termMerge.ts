import type BetterSqlite3 from 'better-sqlite3';
import { deskNeverAsks, unitsUntilDesk, type DeskAsks } from '../db/deskTurn';
import { termRowsSql, termsOfRows, type TermRow } from './indexer';
import { patientSearchTerms, type SearchableContact, type SearchablePatient } from './terms';

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
const TERMS_PER_CELL = 1_000;
/** About this many terms per patient (names, chart, dates, contacts' names, email, phones: ~15; pair terms: ~9). */
const TERMS_PER_PATIENT = 24;
const STAGE_PAGE = 1_000;
/** Terms per statement into a block's temporary table (two parameters each). */
const HOLD_ROWS = 256;
/** Statement sizes for the rest of a page's terms, largest first (1 last, so every term goes in). */
const HOLD_TAIL_ROWS = [64, 16, 4, 1] as const;
/**
 * `slicesPerBlock` (stageTerms): a block has that many times as many slices as there are blocks
 * (1: square). Every block adds terms all over the term index, so each page of it is rewritten
 * about once per block, and a block's part of the patient index about once per transaction:
 * longer transactions (a worker that hears the desk, importer/applyChunks.ts) want fewer, larger
 * blocks. At 200,000 patients, square cells made 67 blocks, and the term index was rewritten 67
 * times (about 10 GB of WAL); 16 makes 17 blocks of about 280,000 terms each.
 */
export const LONG_TRANSACTION_SLICES_PER_BLOCK = 16;

/** KiB of page cache for the connection's temporary tables (import_block, import_terms). */
const TEMP_CACHE_KIB = 2_048;
/**
 * KiB a block's sort holds in memory before it spills to temporary files. SQLite sizes its sorter by
 * the connection's page cache (cache_size), 32-256 MiB on a job's connection: a block of about
 * 280,000 terms (LONG_TRANSACTION_SLICES_PER_BLOCK) then sorted wholly in memory, and with the
 * temporary tables' cache the app's peak RSS during a 200,000-patient pull rose from about 370 to
 * about 450 MiB (issue 14: the goal is < 400). Sorting in a few runs of this size costs little.
 */
const SORT_KIB = 4_096;

/**
 * Runs `sort` with the connection's cache_size lowered to SORT_KIB (SQLite reads it when a sort
 * begins), then back. Lowering it also lets go of cached pages beyond it: the blocks are sorted while
 * staging, which reads the patients once, before the merge needs the search index's pages.
 */
function withSortMemory<T>(sqlite: BetterSqlite3.Database, sort: () => T): T {
  const cache = sqlite.pragma('cache_size', { simple: true }) as number;
  sqlite.pragma(`cache_size = -${SORT_KIB}`);
  try {
    return sort();
  } finally {
    sqlite.pragma(`cache_size = ${cache}`);
  }
}

export interface TermMerge {
  /** Stages the terms of the next page of patients (a short read); true once every patient is staged. */
  stageNext(): boolean;
  /** Cells (a run of patients within a range of terms) to add; known once staged. */
  readonly cells: number;
  /** Patients to stage, as counted when the merge began. */
  readonly patients: number;
  /**
   * Inside the caller's write transaction, once staged: adds the next `cells` cells, fewer when `asks`
   * says a desk write waits (looked at after each cell: db/deskTurn.ts); true once all are in.
   */
  step(cells: number, asks?: DeskAsks): boolean;
  /**
   * Unchecked merges only (`unchecked`), once every cell is in, outside any transaction: removes the
   * terms of staged patients removed since (at most a few; none almost always). Reads first (no lock),
   * then deletes in one short write transaction, which `write` runs. Returns the patients cleared.
   */
  removeOrphans(write: (remove: () => void) => void): number;
  /** Drops the staged terms. */
  close(): void;
}

/**
 * Computes the current terms of `patientIds` into the connection's temporary table, a page of
 * patients per `stageNext()` (a short read each: the event loop and the checkpoint never wait
 * long), reading the patients in id order over the range the ids span, as the full reindex does
 * (or, for those the caller gives values of, `known`, a slice of the sorted ids without reading them).
 * A block's patients are neighbours in that order, so its terms are all read before the next
 * block's: they wait unsorted in a second temporary table, and SQLite appends them to the first in
 * (term, patient) order when the block ends (nothing of a block held in JS), each block one run of
 * row numbers. A cell is then a slice of its block's run, read back by row number: no
 * index of the temporary table to build (random inserts into one took as long as the merge).
 */
export interface StageOptions {
  /**
   * The cells are added while the connection's foreign keys are off (the caller's own connection,
   * a job worker's: applyChunks.ts), without looking up each term's patient: at 200,000 patients
   * about 5,000,000 look-ups, a third of the merge. A patient removed between the staging and its
   * cell (by a pull on another connection) then leaves terms without a patient, which
   * removeOrphans() takes out at the end; one removed after its cell takes its terms with it (the
   * other connection's foreign keys cascade).
   */
  unchecked?: boolean;
  /**
   * The values a staged patient's terms are made of, when the caller still holds them as written (an
   * import's new patients, from its plan: importer/applyChunks.ts), or undefined: that patient is read
   * from the mirror. Reading joined rows was about a quarter of the staging at 200,000 patients (issue 14).
   * A patient given here that already has terms when staging reaches it was indexed meanwhile by a write
   * on another connection (the desk, a pull: each rebuilds from the mirror the terms of the patients it
   * changes) and is left as it is: the mirror has moved past the values given.
   */
  known?: (patientId: string) => TermSource | undefined;
}

/** What a patient's search terms are made of (search/terms.ts patientSearchTerms). */
export interface TermSource {
  patient: SearchablePatient;
  contacts: SearchableContact[];
}

/** Staged ids looked up per read in removeOrphans(). */
const ORPHAN_PAGE = 10_000;

/**
 * `UNINDEXED` in place of a list of ids: every patient without a search term when staging reaches
 * it (a first load's: search/deferredTerms.ts). Nothing per patient is held in JS: at 200,000
 * patients the lists of ids, their Set and the id-to-block Map were about 50 MB of the job worker's
 * heap, and its peak made the app's RSS during a pull swing between 360 and 470 MiB (issue 14).
 */
export const UNINDEXED = Symbol('patients without search terms');

/** How `count` patients' terms are cut: blocks of neighbouring patients, each in `slices` ranges of terms. */
export interface CellShape {
  blocks: number;
  slices: number;
  /** Patients per block, in id order. */
  perBlock: number;
}

export function cellShape(count: number, slicesPerBlock: number): CellShape {
  const wanted = (count * TERMS_PER_PATIENT) / TERMS_PER_CELL;
  const blocks = Math.max(1, Math.round(Math.sqrt(wanted / slicesPerBlock)));
  const slices = Math.max(1, Math.round(wanted / blocks));
  return { blocks, slices, perBlock: Math.max(1, Math.ceil(count / blocks)) };
}

/** Each block's runs of row numbers in `import_terms`, [first, end): one, unless a block came back (below). */
export type BlockRuns = [number, number][][];

/**
 * The staged terms' tables in `schema` (the connection's `temp`, or a file of their own:
 * search/termStager.ts), written block after block: a block's terms wait unsorted in `import_block`
 * and SQLite appends them to `import_terms` in (term, patient) order when the block ends.
 */
interface TermBlocks {
  /** One term of the current block, held HOLD_ROWS at a time. */
  hold(term: string, patientId: string): void;
  /** The terms held so far written to the block's table (the end of a page). */
  holdPending(): void;
  /** The terms from here on are of block `b`: the block before, when it changes, is sorted in. */
  enter(b: number): void;
  /** The current block sorted in: the end of the staging. */
  flush(): void;
  readonly runs: BlockRuns;
}

function termBlocks(sqlite: BetterSqlite3.Database, schema: string, blocks: number): TermBlocks {
  // The tables are written once in order and read back in order: the file's own pages, not a
  // cache, hold them (issue 14: the app's RSS during a pull).
  sqlite.pragma(`${schema}.cache_size = -${TEMP_CACHE_KIB}`);
  // In schema `temp`, a plain CREATE TABLE makes a temporary table.
  sqlite.prepare(`CREATE TABLE IF NOT EXISTS ${schema}.import_terms (seq INTEGER PRIMARY KEY, term TEXT NOT NULL, patient_id TEXT NOT NULL)`).run();
  sqlite.prepare(`DELETE FROM ${schema}.import_terms`).run();
  // A block's terms wait in a second table, unsorted, and SQLite sorts them into the first
  // when the block ends: held in JS (an array of pairs per block, kept across pages), they were promoted
  // to the old generation and collected late, and the job worker's heap grew by 100 MB (issue 14: RSS).
  sqlite.prepare(`CREATE TABLE IF NOT EXISTS ${schema}.import_block (term TEXT NOT NULL, patient_id TEXT NOT NULL)`).run();
  sqlite.prepare(`DELETE FROM ${schema}.import_block`).run();
  // A page's terms go in HOLD_ROWS rows per statement: one statement per term was about 5,000,000 at
  // 200,000 patients, and a JSON list per block unpacked by SQLite (json_each) cost as much again
  // as the terms themselves (issue 14: 50,000 patients' terms held, 1.40 -> 0.82 s of CPU).
  const holdStatements = new Map<number, BetterSqlite3.Statement>();
  const holdRows = (rows: number): BetterSqlite3.Statement => {
    let statement = holdStatements.get(rows);
    if (!statement) {
      statement = sqlite.prepare(`INSERT INTO ${schema}.import_block (term, patient_id) VALUES ${Array.from({ length: rows }, () => '(?, ?)').join(', ')}`);
      holdStatements.set(rows, statement);
    }
    return statement;
  };
  /** Terms of the current block not yet held: term, patient id, term, patient id … (at most HOLD_ROWS pairs). */
  const pending: string[] = [];
  const holdPending = () => {
    // The last few in statements of 64, 16, 4 and 1 rows: a handful of statements, each prepared once.
    let from = 0;
    for (const rows of HOLD_TAIL_ROWS) {
      for (; pending.length - from >= 2 * rows; from += 2 * rows) holdRows(rows).run(pending.slice(from, from + 2 * rows));
    }
    pending.length = 0;
  };
  // Binary order, as SQLite compares the keys of search_terms. No DISTINCT: a patient's terms are a set
  // (patientSearchTerms) and each patient is staged once, and a pair staged twice would only be ignored by
  // the merge (INSERT OR IGNORE); DISTINCT sorted through a temporary B-tree instead of the sorter (issue
  // 14: 100,000 patients' staging, median of 3 interleaved, 5.22 -> 4.84 s).
  const sortBlock = sqlite.prepare(
    `INSERT INTO ${schema}.import_terms (term, patient_id) SELECT term, patient_id FROM ${schema}.import_block ORDER BY term, patient_id`,
  );
  const clearBlock = sqlite.prepare(`DELETE FROM ${schema}.import_block`);
  /**
   * Each block's runs of row numbers in the table, [first, end): one, unless SQLite's order
   * of the ids (bytes) and this one (UTF-16) disagree about an id past U+D7FF and a block comes back.
   */
  const runs: BlockRuns = Array.from({ length: blocks }, () => []);
  // The table was emptied above: its row numbers are appended from 1, one block's after the other.
  let seq = 1;
  let block = -1;
  const flush = () => {
    if (block < 0) return;
    const first = seq;
    seq += withSortMemory(sqlite, () => sortBlock.run().changes);
    clearBlock.run();
    runs[block]!.push([first, seq]);
  };
  return {
    hold(term, patientId) {
      pending.push(term, patientId);
      if (pending.length === 2 * HOLD_ROWS) {
        holdRows(HOLD_ROWS).run(pending);
        pending.length = 0;
      }
    },
    holdPending,
    enter(b) {
      if (b === block) return;
      holdPending();
      flush();
      block = b;
    },
    flush() {
      holdPending();
      flush();
      block = -1;
    },
    runs,
  };
}

export function stageTerms(
  sqlite: BetterSqlite3.Database,
  patientIds: Iterable<string> | typeof UNINDEXED,
  slicesPerBlock = 1,
  options: StageOptions = {},
): TermMerge {
  const unindexed = patientIds === UNINDEXED;
  const unchecked = options.unchecked === true;
  if (unindexed && unchecked) throw new Error('stageTerms: an unchecked merge needs the list of its patients');
  if (unindexed && options.known) throw new Error('stageTerms: known values need the list of their patients');
  /** Let go once every patient is staged (the caller's lists and maps behind it). */
  let known = options.known;
  let ids = unindexed ? [] : [...new Set(patientIds)].sort();
  const staged = unchecked ? ids : [];
  const count = unindexed
    ? (sqlite.prepare('SELECT count(*) FROM patients p WHERE NOT EXISTS (SELECT 1 FROM search_terms WHERE patient_id = p.id)').pluck().get() as number)
    : ids.length;
  const shape = cellShape(count, slicesPerBlock);
  const { blocks, perBlock } = shape;
  const blockOf = new Map<string, number>();
  // With known values the pages are slices of the sorted list, and a page's block is its place in it.
  if (!known) for (const [i, id] of ids.entries()) blockOf.set(id, Math.floor(i / perBlock));
  /** UNINDEXED: patients staged so far, in the order read (SQLite's), which makes the blocks. */
  let seen = 0;
  const blockOfRow = unindexed ? () => Math.min(blocks - 1, Math.floor(seen++ / perBlock)) : (id: string) => blockOf.get(id)!;

  const store = termBlocks(sqlite, 'temp', blocks);
  const pageIds = unindexed
    ? `SELECT id FROM patients p WHERE id > ? AND NOT EXISTS (SELECT 1 FROM search_terms WHERE patient_id = p.id) ORDER BY id LIMIT ${STAGE_PAGE}`
    : `SELECT id FROM patients WHERE id >= ? AND id > ? AND id <= ? ORDER BY id LIMIT ${STAGE_PAGE}`;
  const page = sqlite.prepare(termRowsSql(pageIds));
  let after = '';
  let stagingDone = count === 0;
  /** The patient of the last term staged. */
  let patient = '';

  /** A page read from the mirror (joined rows, in SQLite's order of the ids); false once there is none. */
  const stageRead = (): boolean => {
    const rows = (unindexed ? page.all(after) : page.all(ids[0], after, ids.at(-1))) as TermRow[];
    sqlite.transaction(() => {
      if (rows.length === 0) return store.flush();
      after = rows.at(-1)!.id;
      termsOfRows(unindexed ? rows : rows.filter((row) => blockOf.has(row.id)), (term, patientId) => {
        if (patientId !== patient) {
          patient = patientId;
          store.enter(blockOfRow(patientId));
        }
        store.hold(term, patientId);
      });
      store.holdPending();
    })();
    return rows.length > 0;
  };
  /** Known values: the next slice of the sorted ids, within one block; those without values read by id. */
  let cursor = 0;
  const indexedOf = sqlite.prepare('SELECT value FROM json_each(?) WHERE EXISTS (SELECT 1 FROM search_terms WHERE patient_id = value)').pluck();
  const readIds = sqlite.prepare(termRowsSql('SELECT value AS id FROM json_each(?)'));
  const stageKnown = (valuesOf: (patientId: string) => TermSource | undefined): boolean => {
    if (cursor >= ids.length) {
      sqlite.transaction(store.flush)();
      return false;
    }
    const b = Math.floor(cursor / perBlock);
    const slice = ids.slice(cursor, Math.min(ids.length, cursor + STAGE_PAGE, (b + 1) * perBlock));
    cursor += slice.length;
    const indexed = new Set(indexedOf.all(JSON.stringify(slice)) as string[]);
    const unknown: string[] = [];
    sqlite.transaction(() => {
      store.enter(b);
      for (const id of slice) {
        const values = valuesOf(id);
        if (values === undefined) unknown.push(id);
        else if (!indexed.has(id)) for (const term of patientSearchTerms(values.patient, values.contacts)) store.hold(term, id);
      }
      if (unknown.length > 0) termsOfRows(readIds.all(JSON.stringify(unknown)) as TermRow[], store.hold);
      store.holdPending();
    })();
    return true;
  };

  const stageNext = (): boolean => {
    if (stagingDone) return true;
    if (known ? stageKnown(known) : stageRead()) return false;
    stagingDone = true;
    ids = [];
    blockOf.clear();
    known = undefined;
    sqlite.prepare('DROP TABLE IF EXISTS temp.import_block').run();
    return true;
  };
  const merge = mergeStaged(sqlite, { schema: 'temp', shape, runs: store.runs, unchecked, staged });
  return {
    stageNext,
    cells: merge.cells,
    patients: count,
    step(cells, asks) {
      if (!stagingDone) throw new Error('stageTerms: step() before every patient was staged');
      return merge.step(cells, asks);
    },
    removeOrphans: merge.removeOrphans,
    close: merge.close,
  };
}

/** Terms staged block by block (stageTerms, or search/termStager.ts in a file of their own), and how to add them. */
export interface StagedTerms {
  /** Where `import_terms` is: `temp`, or the attached file's name. */
  schema: string;
  shape: CellShape;
  runs: BlockRuns;
  /** The cells are added with the connection's foreign keys off (StageOptions.unchecked). */
  unchecked: boolean;
  /** Unchecked: the patients staged, for removeOrphans(). */
  staged: readonly string[];
}

/** Adds staged terms cell by cell (TermMerge's step, removeOrphans and close). */
export function mergeStaged(sqlite: BetterSqlite3.Database, terms: StagedTerms): Pick<TermMerge, 'cells' | 'step' | 'removeOrphans' | 'close'> {
  const { schema, runs, unchecked, staged } = terms;
  const { blocks, slices } = terms.shape;
  const select = `SELECT term, patient_id FROM ${schema}.import_terms s WHERE seq >= ? AND seq < ?`;
  // A patient removed since the staging (a pull, the desk) would fail the foreign key: the cell is
  // then added again, keeping only the terms of patients that still exist.
  const add = sqlite.prepare(`INSERT OR IGNORE INTO search_terms (term, patient_id) ${select} ORDER BY seq`);
  const addExisting = sqlite.prepare(
    `INSERT OR IGNORE INTO search_terms (term, patient_id) ${select} AND EXISTS (SELECT 1 FROM patients WHERE id = s.patient_id) ORDER BY seq`,
  );
  const foreignKeys = sqlite.pragma('foreign_keys', { simple: true }) === 1;
  if (unchecked && foreignKeys) throw new Error('stageTerms: an unchecked merge needs the foreign keys off');
  const addCell = (from: number, to: number) => {
    if (unchecked) return add.run(from, to);
    if (!foreignKeys) return addExisting.run(from, to);
    try {
      add.run(from, to);
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_CONSTRAINT_FOREIGNKEY') throw error;
      addExisting.run(from, to); // the failed statement was undone, the transaction goes on
    }
  };
  const cells = blocks * slices;
  let next = 0;
  return {
    cells,
    step(count: number, asks: DeskAsks = deskNeverAsks): boolean {
      const end = Math.min(cells, next + Math.max(1, count));
      unitsUntilDesk(asks, () => {
        if (next >= end) return false;
        // Patient run by patient run; within one, slice after slice of its terms in order.
        const slice = next % slices;
        for (const [first, stop] of runs[Math.floor(next / slices)]!) {
          const size = stop - first;
          addCell(first + Math.floor((slice * size) / slices), first + Math.floor(((slice + 1) * size) / slices));
        }
        next += 1;
        return next < end;
      });
      return next >= cells;
    },
    removeOrphans(write) {
      if (!unchecked) throw new Error('stageTerms: removeOrphans() is for an unchecked merge');
      const missing = sqlite.prepare('SELECT value FROM json_each(?) WHERE NOT EXISTS (SELECT 1 FROM patients WHERE id = value)').pluck();
      const gone: string[] = [];
      for (let i = 0; i < staged.length; i += ORPHAN_PAGE) gone.push(...(missing.all(JSON.stringify(staged.slice(i, i + ORPHAN_PAGE))) as string[]));
      removeTermsOf(sqlite, gone, write);
      return gone.length;
    },
    close() {
      sqlite.prepare(`DROP TABLE IF EXISTS ${schema}.import_block`).run();
      sqlite.prepare(`DROP TABLE IF EXISTS ${schema}.import_terms`).run();
    },
  };
}

/** Terms of patients given with their values, in id order, into `schema`'s tables (search/termStager.ts). */
export function knownTermBlocks(sqlite: BetterSqlite3.Database, schema: string, count: number, slicesPerBlock: number) {
  const shape = cellShape(count, slicesPerBlock);
  const store = termBlocks(sqlite, schema, shape.blocks);
  let index = 0;
  return {
    shape,
    /** The next patients, in id order, each with its values: one transaction. */
    add(patients: readonly { id: string; source: TermSource }[]): void {
      sqlite.transaction(() => {
        for (const { id, source } of patients) {
          store.enter(Math.min(shape.blocks - 1, Math.floor(index++ / shape.perBlock)));
          for (const term of patientSearchTerms(source.patient, source.contacts)) store.hold(term, id);
        }
        store.holdPending();
      })();
    },
    /** The last block sorted in; the runs of every block. */
    end(): BlockRuns {
      sqlite.transaction(store.flush)();
      sqlite.prepare(`DROP TABLE IF EXISTS ${schema}.import_block`).run();
      return store.runs;
    },
  };
}

/**
 * Every patient of the term index that no longer exists (issue 14: an unchecked merge stopped by a
 * crash before its removeOrphans(); the patients staged then are not known after a restart, and one
 * removed meanwhile is no longer found by the import's charts). Walks the distinct patient ids of
 * search_terms_patient (one seek each: at 200,000 patients about 0.3 s), reading only.
 */
export function orphanTermPatients(sqlite: BetterSqlite3.Database): string[] {
  const first = sqlite.prepare('SELECT min(patient_id) FROM search_terms').pluck();
  const next = sqlite.prepare('SELECT patient_id FROM search_terms WHERE patient_id > ? ORDER BY patient_id LIMIT 1').pluck();
  const exists = sqlite.prepare('SELECT 1 FROM patients WHERE id = ?').pluck();
  const orphans: string[] = [];
  for (let id = first.get() as string | null | undefined; id !== null && id !== undefined; id = next.get(id) as string | undefined) {
    if (exists.get(id) === undefined) orphans.push(id);
  }
  return orphans;
}

/** Deletes the terms of `patientIds` (orphanTermPatients), in one transaction that `write` runs. */
export function removeTermsOf(sqlite: BetterSqlite3.Database, patientIds: readonly string[], write: (remove: () => void) => void): void {
  if (patientIds.length === 0) return;
  const clear = sqlite.prepare('DELETE FROM search_terms WHERE patient_id = ?');
  write(() => {
    for (const id of patientIds) clear.run(id);
  });
}
