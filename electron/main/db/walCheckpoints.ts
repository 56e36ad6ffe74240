import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import type BetterSqlite3 from 'better-sqlite3';

/**
 * A job's WAL checkpoints (issue 14), run by the job's own connection between its transactions.
 * SQLite's automatic checkpoint (every 1,000 pages, at commit) copied the WAL back into the file
 * after nearly every short transaction of an import: each one rewrote, and synced, the pages of
 * the search index its rows landed on, about as long again as the transaction itself. Instead
 * the job's connection turns that off and copies the WAL back once every EVERY_MS, and once
 * more when the job ends; pages written by several transactions in between are copied once.
 *
 * PASSIVE: it never waits for, nor blocks, the desk's readers or writers (it copies what no
 * reader still needs; the rest goes at the next one). The app's own connection does not
 * checkpoint while a job runs (jobs/jobRunner.ts), or a desk commit on the main thread would copy
 * the job's WAL there.
 */
export const CHECKPOINT_EVERY_MS = 2_000;

export interface WalCheckpoints {
  /** Between two transactions: copies the WAL back if EVERY_MS passed since the last copy. */
  maybe(): void;
  /** The job ended: copies back what is left. */
  now(): void;
}

export function walCheckpoints(sqlite: BetterSqlite3.Database, everyMs = CHECKPOINT_EVERY_MS): WalCheckpoints {
  sqlite.pragma('wal_autocheckpoint = 0');
  let last = performance.now();
  const now = () => {
    sqlite.pragma('wal_checkpoint(PASSIVE)');
    last = performance.now();
  };
  return {
    maybe: () => {
      if (performance.now() - last >= everyMs) now();
    },
    now,
  };
}

/**
 * How often a job syncs the WAL between its transactions. Its transactions commit without a sync
 * (synchronous NORMAL); a desk commit (FULL, on the main thread) syncs the whole WAL file, so it
 * would also wait for every job frame written since the last sync. Synced here, outside any
 * transaction, the job never holds the write lock during a sync (a FULL commit did).
 */
export const WAL_SYNC_EVERY_MS = 250;

export interface WalSync {
  /** Between two transactions: syncs the WAL file if EVERY_MS passed since the last sync. */
  maybe(): void;
  close(): void;
}

/**
 * Syncs `databaseFile`'s WAL through a descriptor of its own (fdatasync flushes the file, whoever
 * wrote it). SQLite keeps no lock on the WAL file itself (its locks are on the -shm file), so
 * opening and closing this descriptor releases none of them.
 */
export function walSync(databaseFile: string, everyMs = WAL_SYNC_EVERY_MS): WalSync {
  let fd: number | null = null;
  let last = performance.now();
  let failed = false;
  return {
    maybe() {
      if (failed || performance.now() - last < everyMs) return;
      last = performance.now();
      try {
        if (fd === null) {
          if (!fs.existsSync(`${databaseFile}-wal`)) return; // not in WAL mode: every commit syncs its own journal
          fd = fs.openSync(`${databaseFile}-wal`, 'r+'); // writable: Windows flushes only a handle opened for writing
        }
        fs.fdatasyncSync(fd);
      } catch (error) {
        // Only the desk's commit gets slower (it syncs the job's frames itself); the job goes on.
        failed = true;
        console.warn(`job: the WAL could not be synced between transactions (${(error as Error).message}); the desk's commits will sync it.`);
      }
    },
    close() {
      if (fd !== null) fs.closeSync(fd);
      fd = null;
    },
  };
}

/**
 * Syncs `databaseFile`'s WAL off the main thread (libuv's pool), for the desk (db/deskDriver.ts):
 * before a desk write begins while a job writes in a worker, the job's frames not yet synced go to
 * the disk here, so the desk's own FULL commit, which syncs the whole WAL file on the main thread,
 * has only its own frames left to sync (issue 14: that commit held main's event loop 60-150 ms
 * behind a job's writes). A failure is not the desk's: its commit syncs everything anyway.
 */
export async function syncWalOffThread(databaseFile: string): Promise<void> {
  let handle: fs.promises.FileHandle | undefined;
  try {
    handle = await fs.promises.open(`${databaseFile}-wal`, 'r+'); // writable: Windows flushes only a handle opened for writing
    await handle.datasync();
  } catch {
    // No WAL file (not in WAL mode) or it cannot be opened: the commit syncs what it must.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
