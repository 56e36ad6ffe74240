import { randomUUID } from 'node:crypto';
import type BetterSqlite3 from 'better-sqlite3';
import { createRun, finishRun, markResumed, openRunOf, readRun } from '../db/jobRuns';
import type { JobSession } from '../jobs/jobRunner';

/**
 * A large pull as a job (issue 14): a run record in job_runs (kind 'sync.pull', migration 010)
 * that each page's transaction advances with its rows and cursor (applyOps.ts), so the status bar
 * shows "Sync 40% applied (8,000 of 20,000 rows)", an administrator can cancel it (jobs.cancel),
 * and a crash or a close mid-pull leaves the record 'running': the next start resumes it from the
 * saved cursor (the job runner calls the pull again; the pull adopts the record).
 *
 * A pull of a few pages (the five-minute pulls of a day's changes) gets no record: it ends in
 * about a second and would only fill the table.
 */

/** What the pull needs of the job runner: its worker sessions, the status bar's list, the cancel button. */
export interface PullJobHost {
  /** A worker thread writing this run's pages (null: write on the app's connection). */
  openSession(jobId: string): JobSession | null;
  /** The status bar shows the run, also after it ended. */
  noteJob(jobId: string): void;
  /** Called when an administrator cancels the run; returns the unhook. */
  onCancel(jobId: string, hook: () => void): () => void;
}

/** A pull of more rows than this (the first page's rows and the server's estimate of the rest) is a job, written in a worker thread. */
export const JOB_ABOVE_ROWS = 2_000;

/**
 * The reason given when the app stops (DeliveryRuntime.stop): the pull's record stays 'running' and
 * the next start resumes it. Any other stop that no administrator asked for (the address or token
 * changed) ends the record as cancelled.
 */
export const APP_CLOSING = new Error('The app is closing.');

export interface PullRun {
  id: string;
  /** Set when this run picks up one an earlier run of the app left open. */
  adopted: boolean;
}

const n = (x: number) => x.toLocaleString('en-US');

/**
 * At the start of a pull: the record an earlier run of the app left open is this pull's (its
 * pages continue from the saved cursor); one left 'cancelling' ends as cancelled (the
 * administrator's cancel stands) and this pull continues without it.
 */
export function adoptOpenRun(sqlite: BetterSqlite3.Database, now: string): PullRun | null {
  const open = openRunOf(sqlite, 'sync.pull');
  if (!open) return null;
  if (open.state === 'cancelling') {
    finishRun(sqlite, open.id, 'cancelled', cancelledMessage(open.rows_done), now);
    return null;
  }
  if (open.resumed === 0) markResumed(sqlite, open.id, now);
  return { id: open.id, adopted: true };
}

/** The pull cannot resume (no address or token any more): its open record ends as failed, saying why. */
export function abandonOpenRun(sqlite: BetterSqlite3.Database, message: string, now: string): void {
  const open = openRunOf(sqlite, 'sync.pull');
  if (open) finishRun(sqlite, open.id, open.state === 'cancelling' ? 'cancelled' : 'failed', message, now);
}

/** A new record, once the first page shows the pull is large. */
export function startRun(sqlite: BetterSqlite3.Database, rowsTotal: number, now: string): PullRun {
  const id = randomUUID();
  createRun(sqlite, { id, kind: 'sync.pull', rowsTotal, payload: null, now });
  return { id, adopted: false };
}

export function cancelledMessage(rowsDone: number): string {
  return `Sync cancelled by an administrator after ${n(rowsDone)} rows, each page applied whole; the next sync continues where it stopped.`;
}

/** How the pull ended, written to its record. */
export type RunEnd = { state: 'done' } | { state: 'cancelled'; message: string } | { state: 'failed'; message: string };

export function endRun(sqlite: BetterSqlite3.Database, id: string, end: RunEnd, now: string): void {
  const row = readRun(sqlite, id);
  if (!row || (row.state !== 'running' && row.state !== 'cancelling')) return;
  if (end.state === 'done') finishRun(sqlite, id, 'done', null, now);
  else finishRun(sqlite, id, end.state, end.message, now);
}

/** Rows the run has applied (for the cancel message). */
export function rowsDoneOf(sqlite: BetterSqlite3.Database, id: string): number {
  return readRun(sqlite, id)?.rows_done ?? 0;
}
