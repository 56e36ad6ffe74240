import fs from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { createOwnerOnlyFile } from './ownerOnlyFile';

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

/** A journal found damaged at start, moved aside, and what could be read of it carried into a fresh one. */
export interface DamagedJournal {
  /** Where the damaged file now is (its -wal and -shm beside it, renamed the same way): kept for IT, never deleted. */
  movedAsideTo: string;
  /** Batches read from it and carried into the fresh journal (they reach the mirror as any pending batch). */
  recovered: number;
}

const SUFFIXES = ['', '-wal', '-shm'] as const;

/** A journal row that can still be read: its body and the keys it is filed under. */
interface ReadableBatch {
  batchId: string;
  familyId: string;
  refs: string[];
  body: string;
}

/** A row body that has the shape of a journaled batch (pins/issueJournal.ts StoredIssue); anything else is not carried over. */
function readBatch(body: string): ReadableBatch | null {
  try {
    const stored = JSON.parse(body) as Record<string, unknown>;
    const lists = ['refs', 'pins', 'enrollments', 'welcomeEmails', 'audit'].every((key) => Array.isArray(stored[key]));
    if (typeof stored.batchId !== 'string' || typeof stored.familyId !== 'string' || !lists) return null;
    if (!(stored.refs as unknown[]).every((ref) => typeof ref === 'string')) return null;
    return { batchId: stored.batchId, familyId: stored.familyId, refs: stored.refs as string[], body };
  } catch {
    return null;
  }
}

/**
 * Opens the journal on a connection of its own and checks it: null when it is sound (or new), else
 * the bodies of the batches that could still be read, row by row (a damaged index or page loses
 * only what it held).
 */
function inspectJournal(file: string, nativeBinding?: string): { readable: ReadableBatch[] } | null {
  if (!fs.existsSync(file) || (fs.statSync(file).size === 0 && !fs.existsSync(`${file}-wal`))) return null;
  let probe: BetterSqlite3.Database | null = null;
  try {
    probe = new BetterSqlite3(file, { fileMustExist: true, nativeBinding });
    const sound = String(probe.pragma('quick_check', { simple: true })) === 'ok';
    const hasTable = probe.prepare(`SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'issues'`).get() !== undefined;
    if (sound && (!hasTable || probe.prepare('SELECT count(*) FROM issues').pluck().get() !== undefined)) return null;
  } catch {
    // Damaged: read below what can be read.
  }
  const readable: ReadableBatch[] = [];
  try {
    probe ??= new BetterSqlite3(file, { fileMustExist: true, nativeBinding });
    const rowids = probe.prepare('SELECT rowid FROM issues ORDER BY rowid').pluck().all() as number[];
    const read = probe.prepare('SELECT body FROM issues WHERE rowid = ?').pluck();
    for (const rowid of rowids) {
      try {
        const body = read.get(rowid);
        const batch = typeof body === 'string' ? readBatch(body) : null;
        if (batch) readable.push(batch);
      } catch {
        // That row's page is damaged: it stays in the file kept for IT.
      }
    }
  } catch {
    // Nothing could be listed: nothing is carried over.
  } finally {
    try {
      probe?.close();
    } catch {
      // A connection to a damaged file may fail to close cleanly; the file is moved aside next.
    }
  }
  return { readable };
}

/**
 * Attaches the journal to the app's connection (created owner-only when new), with its table.
 *
 * A journal that fails its check at start (a disk error, a file changed by something else) would
 * otherwise stop the app, and the front desk with it. It is moved aside instead, with its -wal and
 * -shm, as `<journal>.damaged-<time>` (kept for IT, as a refused mirror is), and a fresh one is made;
 * every batch that can still be read from it is carried into the fresh one, so it reaches the
 * mirror at replay as any batch a crash left. Returns what was done, or null when it was sound.
 */
export function attachDeskJournal(
  sqlite: BetterSqlite3.Database,
  databaseFile: string,
  options: { nativeBinding?: string; now?: Date } = {},
): DamagedJournal | null {
  const file = databaseFile === ':memory:' ? ':memory:' : deskJournalFile(databaseFile);
  const damaged = file === ':memory:' ? null : inspectJournal(file, options.nativeBinding);
  const at = (options.now ?? new Date()).toISOString();
  const movedAsideTo = `${file}.damaged-${at.replace(/[:.]/g, '-')}`;
  if (damaged) for (const suffix of SUFFIXES) if (fs.existsSync(file + suffix)) fs.renameSync(file + suffix, movedAsideTo + suffix);
  if (file !== ':memory:') createOwnerOnlyFile(file);
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
  if (!damaged) return null;
  const carry = sqlite.prepare(`INSERT OR IGNORE INTO ${DESK_JOURNAL}.issues (batch_id, family_id, refs, body, journaled_at) VALUES (?, ?, ?, ?, ?)`);
  let recovered = 0;
  for (const batch of damaged.readable) recovered += carry.run(batch.batchId, batch.familyId, JSON.stringify(batch.refs), batch.body, at).changes;
  return { movedAsideTo, recovered };
}
