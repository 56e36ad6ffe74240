import type BetterSqlite3 from 'better-sqlite3';
import type { JobKind, JobState, JobView } from '../../../shared/jobs/jobs';

/**
 * The run record of a heavy job (migration 010), read and written with synchronous
 * better-sqlite3 calls: the worker thread has no Kysely, and each update belongs to the same
 * short transaction as the rows it counts.
 */

export interface RunRow {
  id: string;
  kind: JobKind;
  state: JobState;
  rows_done: number;
  rows_total: number;
  resume_point: string | null;
  started_at: string;
  updated_at: string;
  message: string | null;
  resumed: number;
}

export const ACTIVE_STATES: readonly JobState[] = ['running', 'cancelling'];

/** A new record, with its staged work (kept in job_payloads until the job ends). */
export function createRun(sqlite: BetterSqlite3.Database, run: { id: string; kind: JobKind; rowsTotal: number; payload: string | null; now: string }): void {
  sqlite.transaction(() => {
    sqlite
      .prepare(`INSERT INTO job_runs (id, kind, state, rows_done, rows_total, started_at, updated_at) VALUES (?, ?, 'running', 0, ?, ?, ?)`)
      .run(run.id, run.kind, run.rowsTotal, run.now, run.now);
    if (run.payload !== null) sqlite.prepare('INSERT INTO job_payloads (job_id, payload) VALUES (?, ?)').run(run.id, run.payload);
  })();
}

export function readPayload(sqlite: BetterSqlite3.Database, id: string): string | undefined {
  return sqlite.prepare('SELECT payload FROM job_payloads WHERE job_id = ?').pluck().get(id) as string | undefined;
}

export function readRun(sqlite: BetterSqlite3.Database, id: string): RunRow | undefined {
  return sqlite.prepare('SELECT * FROM job_runs WHERE id = ?').get(id) as RunRow | undefined;
}

/** Inside the chunk's transaction: what was applied so far and where the next chunk starts. */
export function advanceRun(sqlite: BetterSqlite3.Database, id: string, rowsDone: number, resumePoint: unknown, now: string): void {
  sqlite.prepare('UPDATE job_runs SET rows_done = ?, resume_point = ?, updated_at = ? WHERE id = ?').run(rowsDone, JSON.stringify(resumePoint), now, id);
}

/**
 * Inside a pull page's transaction: `rows` more applied, `remaining` still to come (the practice
 * system's estimate after this page), and the cursor the next page starts from.
 */
export function advanceRunBy(sqlite: BetterSqlite3.Database, id: string, rows: number, remaining: number, resumePoint: unknown, now: string): void {
  // In an UPDATE every right-hand side reads the row as it was: rows_total = the new rows_done + remaining.
  sqlite
    .prepare('UPDATE job_runs SET rows_done = rows_done + ?, rows_total = rows_done + ? + ?, resume_point = ?, updated_at = ? WHERE id = ?')
    .run(rows, rows, remaining, JSON.stringify(resumePoint), now, id);
}

/** The run of this kind still open ('running' or 'cancelling'), if any: left by an earlier run of the app. */
export function openRunOf(sqlite: BetterSqlite3.Database, kind: JobKind): RunRow | undefined {
  return sqlite.prepare(`SELECT * FROM job_runs WHERE kind = ? AND state IN ('running', 'cancelling') ORDER BY started_at DESC LIMIT 1`).get(kind) as
    | RunRow
    | undefined;
}

/** The job ended: its staged payload is dropped with it. */
export function finishRun(
  sqlite: BetterSqlite3.Database,
  id: string,
  state: Exclude<JobState, 'running' | 'cancelling'>,
  message: string | null,
  now: string,
): void {
  sqlite.prepare('UPDATE job_runs SET state = ?, message = ?, updated_at = ? WHERE id = ?').run(state, message, now, id);
  sqlite.prepare('DELETE FROM job_payloads WHERE job_id = ?').run(id);
}

/** Asked from the desk: the worker stops after the chunk it is writing (it reads the state in every chunk). */
export function requestCancel(sqlite: BetterSqlite3.Database, id: string, now: string): boolean {
  return sqlite.prepare(`UPDATE job_runs SET state = 'cancelling', updated_at = ? WHERE id = ? AND state = 'running'`).run(now, id).changes === 1;
}

export function cancelRequested(sqlite: BetterSqlite3.Database, id: string): boolean {
  return sqlite.prepare('SELECT state FROM job_runs WHERE id = ?').pluck().get(id) === 'cancelling';
}

export function markResumed(sqlite: BetterSqlite3.Database, id: string, now: string): void {
  sqlite.prepare('UPDATE job_runs SET resumed = resumed + 1, updated_at = ? WHERE id = ?').run(now, id);
}

export function interruptedRuns(sqlite: BetterSqlite3.Database): RunRow[] {
  return sqlite.prepare(`SELECT * FROM job_runs WHERE state IN ('running', 'cancelling') ORDER BY started_at`).all() as RunRow[];
}

export function viewOf(row: RunRow): JobView {
  return {
    id: row.id,
    kind: row.kind,
    state: row.state,
    rowsDone: row.rows_done,
    rowsTotal: row.rows_total,
    resumed: row.resumed > 0,
    startedAt: row.started_at,
    updatedAt: row.updated_at,
    message: row.message,
  };
}
