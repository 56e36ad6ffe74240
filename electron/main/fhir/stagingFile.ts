import fs from 'node:fs';
import type BetterSqlite3 from 'better-sqlite3';

/**
 * A FHIR load's staging lives in a file of its own beside the mirror (`<mirror>-fhir-staging`),
 * ATTACHed as `fhir_stage` to the connections that stage, place and assemble (issue 14), not in
 * the mirror (migration 017 dropped the tables there):
 *
 * - staging writes take only this file's lock, so a desk write never waits for them, and they
 *   add nothing to the mirror's WAL: in the mirror, a 200,000-patient load wrote its 650,000
 *   resources through the WAL and its checkpoints, and left about 0.9 GB of free pages in the
 *   mirror file for good (SQLite does not shrink it);
 * - the run ends by deleting the file (clearing it row by row took 4.5 s of the load);
 * - what is staged is a copy of what the EHR sent, never the clerk's work: the file syncs nothing
 *   (synchronous OFF) and keeps a rollback journal, so a crash of the app mid-batch rolls the batch
 *   back at the next attach; a file lost or unreadable only makes the next sync stage again.
 *
 * The position of the export (file, line) is kept here with the rows it covers (`stage_progress`),
 * in the same transaction, so a resumed sync goes on exactly after the last batch that is really
 * staged. The secondary indexes are made once staging ends (`indexStaging`): while it runs, each
 * batch then only appends rows and keeps the one index its upsert needs.
 *
 * Unqualified names (`fhir_staging`) find these tables once attached: the mirror has none of them.
 */

export const STAGING_SCHEMA = 'fhir_stage';
/** Bumped when the tables below change: a file of another version is staging nobody can read, and is started afresh. */
const STAGING_VERSION = 1;

const TABLES = [
  `CREATE TABLE IF NOT EXISTS fhir_stage.fhir_staging (
     run_id TEXT NOT NULL,
     resource_type TEXT NOT NULL CHECK (resource_type IN ('Patient', 'RelatedPerson', 'Appointment', 'Group')),
     resource_id TEXT NOT NULL,
     patient_id TEXT,
     contact_id TEXT,
     guardian INTEGER NOT NULL DEFAULT 0 CHECK (guardian IN (0, 1)),
     address_key TEXT,
     last_updated TEXT NOT NULL DEFAULT '',
     body TEXT NOT NULL,
     UNIQUE (run_id, resource_type, resource_id)
   ) STRICT`,
  `CREATE TABLE IF NOT EXISTS fhir_stage.fhir_staging_family (
     run_id TEXT NOT NULL,
     patient_id TEXT NOT NULL,
     family_id TEXT NOT NULL,
     source TEXT NOT NULL CHECK (source IN ('household', 'mirror', 'derived')),
     family_name TEXT NOT NULL DEFAULT '',
     PRIMARY KEY (run_id, patient_id)
   ) STRICT, WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS fhir_stage.stage_progress (
     run_id TEXT PRIMARY KEY,
     status_url TEXT,
     file INTEGER NOT NULL,
     line INTEGER NOT NULL,
     staged INTEGER NOT NULL
   ) STRICT`,
];

/** What placement and assembly read by (households.ts, ingest.ts statements). */
const INDEXES = [
  // Read back a type at a time in rowid order, a chunk at a time (rowid > ? ORDER BY rowid LIMIT n):
  // this index keeps each chunk a range read (the unique one would sort the whole type per chunk).
  'CREATE INDEX IF NOT EXISTS fhir_stage.fhir_staging_type ON fhir_staging (run_id, resource_type)',
  'CREATE INDEX IF NOT EXISTS fhir_stage.fhir_staging_patient ON fhir_staging (run_id, patient_id, resource_type)',
  'CREATE INDEX IF NOT EXISTS fhir_stage.fhir_staging_contact ON fhir_staging (run_id, contact_id, last_updated)',
];

/** The staging file of the mirror at `databaseFile`; an in-memory mirror stages in memory (per connection). */
export function stagingFileOf(databaseFile: string): string {
  return databaseFile === '' || databaseFile === ':memory:' ? ':memory:' : `${databaseFile}-fhir-staging`;
}

/** The files SQLite keeps for the staging database (it, its rollback journal). */
export function stagingFiles(databaseFile: string): string[] {
  const file = stagingFileOf(databaseFile);
  return file === ':memory:' ? [] : [file, `${file}-journal`];
}

function isAttached(sqlite: BetterSqlite3.Database): boolean {
  const list = sqlite.prepare('PRAGMA database_list').all() as { name: string }[];
  return list.some((d) => d.name === STAGING_SCHEMA);
}

/**
 * Attaches the staging file to `sqlite` (created 0600 when missing; its tables made), unless it is
 * attached already. `readonly`: a reading connection (the second worker's) only attaches a file
 * the writing one made.
 */
export function attachStaging(sqlite: BetterSqlite3.Database, options: { readonly?: boolean } = {}): void {
  if (isAttached(sqlite)) return;
  const file = stagingFileOf(sqlite.name);
  if (file !== ':memory:' && !options.readonly) {
    // Created before SQLite opens it, owner-only like the mirror (it holds the same patients' data).
    fs.closeSync(fs.openSync(file, 'a', 0o600));
    fs.chmodSync(file, 0o600);
  }
  sqlite.prepare(`ATTACH DATABASE ? AS ${STAGING_SCHEMA}`).run(file);
  if (options.readonly) return;
  sqlite.pragma(`${STAGING_SCHEMA}.journal_mode = TRUNCATE`);
  sqlite.pragma(`${STAGING_SCHEMA}.synchronous = OFF`);
  const version = sqlite.pragma(`${STAGING_SCHEMA}.user_version`, { simple: true }) as number;
  if (version !== STAGING_VERSION) {
    sqlite.transaction(() => {
      for (const table of ['fhir_staging', 'fhir_staging_family', 'stage_progress']) sqlite.exec(`DROP TABLE IF EXISTS ${STAGING_SCHEMA}.${table}`);
      for (const statement of TABLES) sqlite.exec(statement);
      sqlite.pragma(`${STAGING_SCHEMA}.user_version = ${STAGING_VERSION}`);
    })();
  }
}

/**
 * The indexes placement and assembly read by, made once the staging is written (one sort each,
 * in this file only: the mirror's lock is not taken). A batch staged after them (a resumed or
 * repeated export) keeps them up to date as any index.
 */
export function indexStaging(sqlite: BetterSqlite3.Database): void {
  attachStaging(sqlite);
  for (const statement of INDEXES) sqlite.exec(statement);
}

/** Where the staged rows of `runId` reach: the export (by its status address) and its file, line and resources staged. */
export interface StagedProgress {
  statusUrl: string | null;
  file: number;
  line: number;
  staged: number;
}

/** Inside the caller's transaction (the batch's own): the position that goes with the rows just staged. */
export function writeStagedProgress(sqlite: BetterSqlite3.Database, runId: string, progress: StagedProgress): void {
  sqlite
    .prepare(
      `INSERT INTO fhir_stage.stage_progress (run_id, status_url, file, line, staged) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (run_id) DO UPDATE SET status_url = excluded.status_url, file = excluded.file, line = excluded.line, staged = excluded.staged`,
    )
    .run(runId, progress.statusUrl, progress.file, progress.line, progress.staged);
}

export function readStagedProgress(sqlite: BetterSqlite3.Database, runId: string): StagedProgress | null {
  attachStaging(sqlite);
  const row = sqlite.prepare('SELECT status_url, file, line, staged FROM fhir_stage.stage_progress WHERE run_id = ?').get(runId) as
    | { status_url: string | null; file: number; line: number; staged: number }
    | undefined;
  return row ? { statusUrl: row.status_url, file: row.file, line: row.line, staged: row.staged } : null;
}

/**
 * The run is over (applied whole, or its source changed): the staging file detached from this
 * connection and deleted. Every other connection to it must be closed first (the second worker's
 * ends before: fhirSync.ts). A file that cannot be deleted now (something else holds it open, on
 * Windows) stays until the next run's end deletes it: its rows belong to a finished run, and no
 * query of a later run reads them (every one names its run).
 */
export function dropStaging(sqlite: BetterSqlite3.Database): void {
  if (isAttached(sqlite)) sqlite.exec(`DETACH DATABASE ${STAGING_SCHEMA}`);
  for (const file of stagingFiles(sqlite.name)) {
    try {
      fs.rmSync(file, { force: true });
    } catch {
      // Left for the next run's end (above).
    }
  }
}
