import type BetterSqlite3 from 'better-sqlite3';
import type { ChangesPageEnvelope } from '../../../shared/sync/protocol';
import { advanceRunBy, cancelRequested } from '../db/jobRuns';
import { waitForDesk } from '../db/deskTurn';
import { reindexPatients } from '../search/indexer';
import { applyChangesPage, type PageCounts } from './applyPage';
import { readPage, type PageHead } from './pageRead';

/**
 * What a pull asks of its worker thread (electron/main/jobWorker.ts, a 'sync.apply' session on its own
 * connection): read a page from the bytes main received (transferred, not copied: the JSON parse
 * and the envelope check happen here, off the main thread), apply the page read with its cursor in
 * one transaction, or rebuild the search terms of a batch of patients, a slice per transaction.
 * Synchronous better-sqlite3 on the worker's connection; main keeps the HTTP side.
 */
/** ~0.2 ms a patient on this 2-core machine: 150 keeps a transaction near 30 ms. */
export const INDEX_SLICE = 150;

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

/** Search terms of `ids`, a slice of INDEX_SLICE patients per transaction (immediate: it reads, then writes). */
export function reindexInSlices(sqlite: BetterSqlite3.Database, ids: readonly string[], beforeEach: () => void = () => undefined): void {
  for (let i = 0; i < ids.length; i += INDEX_SLICE) {
    beforeEach();
    sqlite.transaction(() => reindexPatients(sqlite, ids.slice(i, i + INDEX_SLICE))).immediate();
  }
}

/** A page read by the worker: its head for the pull loop, or why it cannot be read. */
export type WorkerPageRead = { head: PageHead } | { problem: string };

/** The session's operations; `deskTurn` lets the desk go before each transaction after the first of a call. */
export function syncApplyOps(sqlite: BetterSqlite3.Database, deskTurn?: SharedArrayBuffer) {
  // The page read last, waiting for applyHeld (main asks for them in turn, one page at a time).
  let held: ChangesPageEnvelope | null = null;
  return {
    readPage: ({ bytes, limit }: { bytes: Uint8Array; limit: number }): WorkerPageRead => {
      const read = readPage(bytes, limit);
      held = 'page' in read ? read.page : null;
      return 'page' in read ? { head: read.head } : read;
    },
    applyHeld: (args: Omit<ApplyPageArgs, 'page'>): PageOutcome => {
      if (!held) throw new Error('no page was read before applyHeld');
      const page = held;
      held = null;
      return applyPageOfRun(sqlite, { ...args, page });
    },
    /** A page main read itself (the first page of a pull, read before the pull knew it was large). */
    applyPage: (args: ApplyPageArgs): PageOutcome => applyPageOfRun(sqlite, args),
    reindex: (ids: string[]): null => {
      let first = true;
      reindexInSlices(sqlite, ids, () => {
        if (!first) waitForDesk(deskTurn);
        first = false;
      });
      return null;
    },
  };
}
