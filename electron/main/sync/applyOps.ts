import type BetterSqlite3 from 'better-sqlite3';
import type { ChangesPageEnvelope } from '../../../shared/sync/protocol';
import { advanceRunBy, cancelRequested } from '../db/jobRuns';
import { reindexPatients } from '../search/indexer';
import { applyChangesPage, type PageCounts } from './applyPage';

/**
 * What a pull asks of its worker thread (electron/main/jobWorker.ts, a 'sync.apply' session on its own
 * connection): apply one page with its cursor in one transaction, or rebuild one slice of search
 * terms. Synchronous better-sqlite3 on the worker's connection; main keeps the HTTP side.
 */
export interface ApplyPageArgs {
  page: ChangesPageEnvelope;
  deferIndex: boolean;
  /** ISO instant (a Date does not cross to the worker as one). */
  now: string;
  /** The pull's run record (job_runs, kind 'sync.pull'), advanced in the page's own transaction; none for a small pull. */
  runId?: string;
}

/** A page applied, or not applied because an administrator cancelled the pull (its run record says 'cancelling'). */
export type PageOutcome = PageCounts | { cancelled: true };

/**
 * One page, its cursor and the run record's progress, in one transaction: after a crash the
 * record and the mirror agree on where the pull stands. A run marked 'cancelling' gets no further
 * page: the pull stops between pages, never inside one.
 */
export function applyPageOfRun(sqlite: BetterSqlite3.Database, { page, deferIndex, now, runId }: ApplyPageArgs): PageOutcome {
  // immediate: it reads, then writes; the desk or another connection may commit in between.
  return sqlite
    .transaction((): PageOutcome => {
      if (runId && cancelRequested(sqlite, runId)) return { cancelled: true };
      const counts = applyChangesPage(sqlite, page, { deferIndex, now: new Date(now) });
      if (runId) advanceRunBy(sqlite, runId, counts.rows + counts.tombstones, page.hasMore ? page.remaining : 0, { cursor: page.cursor }, now);
      return counts;
    })
    .immediate();
}

export function syncApplyOps(sqlite: BetterSqlite3.Database) {
  return {
    applyPage: (args: ApplyPageArgs): PageOutcome => applyPageOfRun(sqlite, args),
    // Reads, then writes: immediate, so the desk's writes cannot make it fail half-way.
    reindex: (ids: string[]): null => {
      sqlite.transaction(() => reindexPatients(sqlite, ids)).immediate();
      return null;
    },
  };
}
