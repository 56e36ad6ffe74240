import type BetterSqlite3 from 'better-sqlite3';
import { deskWriteTurn, diskAsksOf, type WriteTurn } from './deskTurn';
import { WAL_SYNC_EVERY_MS, walSync } from './walCheckpoints';

/**
 * A session worker's write transactions (a pull's parts, a FHIR load's): announced to the desk
 * (deskWriteTurn), and committed without an fsync (synchronous NORMAL: the WAL stays consistent;
 * a power cut loses at most the writes of the last SYNC_EVERY_MS, which the job redoes) except
 * those asked durable (FULL). A desk commit (FULL, on the main thread) syncs the whole WAL file,
 * the job's unsynced frames with it: so the WAL is synced every SYNC_EVERY_MS between the job's
 * transactions, outside the write lock and after the desk's turn (db/walCheckpoints.ts walSync, as
 * the import's worker does). Before, one commit in every SYNC_EVERY_MS was FULL: a desk write
 * that arrived during it waited for the job's fsync as well (issue 14).
 */
export const SYNC_EVERY_MS = WAL_SYNC_EVERY_MS;

export interface JobWrites {
  turn: WriteTurn;
  /** The next writes are durable (FULL) until durable(false). */
  durable(full: boolean): void;
}

export function jobWrites(sqlite: BetterSqlite3.Database, deskTurn: SharedArrayBuffer | undefined, syncEveryMs = SYNC_EVERY_MS): JobWrites {
  let full = false;
  let current = '';
  // An in-memory database (tests) has no WAL file to sync.
  const wal = sqlite.memory ? null : walSync(sqlite.name, diskAsksOf(deskTurn), syncEveryMs);
  const turn: WriteTurn = (write) => {
    // The level cannot change inside a transaction (a write nested in the caller's): it is the caller's then.
    const outermost = !sqlite.inTransaction;
    const result = deskWriteTurn(deskTurn, () => {
      if (!outermost) return write();
      const wanted = full ? 'FULL' : 'NORMAL';
      if (wanted !== current) sqlite.pragma(`synchronous = ${wanted}`);
      current = wanted;
      return write();
    });
    // Committed, the lock released and the desk told (deskWriteTurn): the job's frames synced now and then.
    // The descriptor is closed again at once: a session has no end hook here, and a worker's descriptors outlive it.
    if (outermost && wal) {
      wal.maybe();
      wal.close();
    }
    return result;
  };
  return {
    turn,
    durable: (wanted) => {
      full = wanted;
    },
  };
}
