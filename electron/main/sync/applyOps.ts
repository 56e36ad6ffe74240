import type BetterSqlite3 from 'better-sqlite3';
import type { ChangesPageEnvelope } from '../../../shared/sync/protocol';
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
}

export function syncApplyOps(sqlite: BetterSqlite3.Database) {
  return {
    applyPage: ({ page, deferIndex, now }: ApplyPageArgs): PageCounts => applyChangesPage(sqlite, page, { deferIndex, now: new Date(now) }),
    // Reads, then writes: immediate, so the desk's writes cannot make it fail half-way.
    reindex: (ids: string[]): null => {
      sqlite.transaction(() => reindexPatients(sqlite, ids)).immediate();
      return null;
    },
  };
}
