import { sql, type Kysely } from 'kysely';

/**
 * The run record of a heavy job (issue 14): an import apply or a pull run in a worker thread, in
 * short transactions. Each transaction advances `rows_done` and `resume_point` together with the
 * rows it wrote, so after a crash the job resumes where its last commit left it. job_payloads holds
 * the staged work itself (an import's checked files) until the job ends: a table of its own, so
 * advancing the record does not rewrite megabytes of staged files with every transaction.
 *
 * state: running → done | failed | cancelled | rolled_back, or running → cancelling → cancelled.
 */
const statements = [
  `CREATE TABLE job_runs (
     id TEXT PRIMARY KEY,
     kind TEXT NOT NULL CHECK (kind IN ('import.apply', 'sync.pull')),
     state TEXT NOT NULL CHECK (state IN ('running', 'cancelling', 'cancelled', 'done', 'failed', 'rolled_back')),
     rows_done INTEGER NOT NULL DEFAULT 0 CHECK (rows_done >= 0),
     rows_total INTEGER NOT NULL DEFAULT 0 CHECK (rows_total >= 0),
     resume_point TEXT,
     started_at TEXT NOT NULL,
     updated_at TEXT NOT NULL,
     message TEXT,
     resumed INTEGER NOT NULL DEFAULT 0 CHECK (resumed >= 0)
   )`,
  `CREATE INDEX job_runs_state ON job_runs (state, started_at)`,
  `CREATE TABLE job_payloads (
     job_id TEXT PRIMARY KEY REFERENCES job_runs (id) ON DELETE CASCADE,
     payload TEXT NOT NULL
   )`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}
