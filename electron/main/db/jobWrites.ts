import { performance } from 'node:perf_hooks';
import type BetterSqlite3 from 'better-sqlite3';
import { deskWriteTurn, type WriteTurn } from './deskTurn';

/**
 * A session worker's write transactions (a pull's parts, a FHIR load's): announced to the desk
 * (deskWriteTurn), and committed without an fsync (synchronous NORMAL: the WAL stays consistent;
 * a power cut loses at most the last of them, which the job redoes) except one every SYNC_EVERY_MS
 * and those asked durable. A desk commit (FULL, on the main thread) syncs the whole WAL file, the
 * job's unsynced frames with it: without the periodic one, main's event loop would wait for
 * seconds' worth of the job's writes to reach the disk (the import's worker does the same).
 */
export const SYNC_EVERY_MS = 250;

export interface JobWrites {
  turn: WriteTurn;
  /** The next writes are durable (FULL) until durable(false). */
  durable(full: boolean): void;
}

export function jobWrites(sqlite: BetterSqlite3.Database, deskTurn: SharedArrayBuffer | undefined, syncEveryMs = SYNC_EVERY_MS): JobWrites {
  let full = false;
  let current = '';
  let lastSync = performance.now();
  const turn: WriteTurn = (write) =>
    deskWriteTurn(deskTurn, () => {
      // The level cannot change inside a transaction (a write nested in the caller's): it is the caller's then.
      if (sqlite.inTransaction) return write();
      const wanted = full || performance.now() - lastSync >= syncEveryMs ? 'FULL' : 'NORMAL';
      if (wanted !== current) sqlite.pragma(`synchronous = ${wanted}`);
      current = wanted;
      const result = write();
      if (wanted === 'FULL') lastSync = performance.now();
      return result;
    });
  return {
    turn,
    durable: (wanted) => {
      full = wanted;
    },
  };
}
