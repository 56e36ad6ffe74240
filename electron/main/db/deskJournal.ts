import fs from 'node:fs';
import type BetterSqlite3 from 'better-sqlite3';

/**
 * The desk's journal (issue 14): a small SQLite file beside the mirror, `<mirror>-desk-journal`,
 * attached to the app's connection as `desk_journal`, with its own WAL, its own write lock and
 * its own sync (of its WAL, off the main thread, before the clerk is told).
 *
 * While a job writes the mirror in a worker thread, a desk write that commits to the mirror waits
 * for the job's transaction (24-64 ms at p99 in the bench) and then syncs the job's unsynced WAL
 * frames with its own. PINs issued then are committed here instead, in one transaction that waits
 * for nobody, and the clerk is answered; they move into the mirror a moment later, after the job's
 * transaction (pins/issueJournal.ts). A crash in between loses nothing: the app moves what is left
 * here before it serves its first call.
 *
 * The file holds what the mirror would: PIN hashes and fingerprints, and the enrollment payloads
 * with the PIN sealed (crypto/payloadSeal.ts). Owner-only (0600) like the mirror. No worker opens it.
 */

export const DESK_JOURNAL = 'desk_journal';

export function deskJournalFile(databaseFile: string): string {
  return `${databaseFile}-desk-journal`;
}

/** Attaches the journal to the app's connection (created owner-only when new), with its table. */
export function attachDeskJournal(sqlite: BetterSqlite3.Database, databaseFile: string): void {
  const file = databaseFile === ':memory:' ? ':memory:' : deskJournalFile(databaseFile);
  if (file !== ':memory:' && !fs.existsSync(file)) {
    const fd = fs.openSync(file, 'a', 0o600);
    fs.fchmodSync(fd, 0o600);
    fs.closeSync(fd);
  }
  sqlite.prepare(`ATTACH DATABASE ? AS ${DESK_JOURNAL}`).run(file);
  sqlite.pragma(`${DESK_JOURNAL}.journal_mode = WAL`);
  // NORMAL: a commit here does not sync on the main thread. The clerk is told the PINs are issued
  // only after the journal's WAL has been synced in libuv's pool (pins/issueJournal.ts durable):
  // the same durability as FULL, without an fsync on main. A sync that waits for the disk (a job's
  // writes in the device's queue: 98 ms once in the bench's import) no longer stops the event loop.
  sqlite.pragma(`${DESK_JOURNAL}.synchronous = NORMAL`);
  sqlite.exec(
    `CREATE TABLE IF NOT EXISTS ${DESK_JOURNAL}.issues (
       batch_id TEXT PRIMARY KEY,
       family_id TEXT NOT NULL,
       refs TEXT NOT NULL,
       body TEXT NOT NULL,
       journaled_at TEXT NOT NULL
     ) STRICT`,
  );
}
