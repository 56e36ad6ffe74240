import fs from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { POOL_SYNCS_IN_FLIGHT, walCheckpoints, walSync, walSyncInPool } from '../../../electron/main/db/walCheckpoints';
import { makeTempDir } from '../../support/tempDir';

/**
 * Issue 14: a job's own WAL sync and checkpoint, between its transactions, wait while a desk
 * write asks for the lock. The desk's write syncs the WAL itself before the clerk is told
 * (db/deskDriver.ts); a job's sync or checkpoint running beside it only makes the disk, and so
 * the clerk, wait longer. They run at the job's next pause after the desk's write instead.
 */

let temp: ReturnType<typeof makeTempDir>;
let sqlite: BetterSqlite3.Database | undefined;

beforeAll(() => {
  temp = makeTempDir('fpp-wal-desk-first-');
});
afterEach(() => {
  sqlite?.close();
  sqlite = undefined;
  vi.restoreAllMocks();
});
afterAll(() => temp?.remove());

/** A WAL database with a committed write, as a job leaves it between two transactions. */
function jobFile(name: string): { file: string; db: BetterSqlite3.Database } {
  const file = temp.file(`${name}.sqlite`);
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE t (v TEXT)');
  db.prepare('INSERT INTO t (v) VALUES (?)').run('a job row');
  sqlite = db;
  return { file, db };
}

describe("a job's WAL sync between its transactions", () => {
  it('waits while the desk asks for the lock, and syncs at the next pause once the desk has written', () => {
    const { file } = jobFile('sync');
    const synced = vi.spyOn(fs, 'fdatasyncSync');
    let deskAsks = true;
    const wal = walSync(file, () => deskAsks, 0);
    wal.maybe();
    expect(synced).not.toHaveBeenCalled();
    deskAsks = false;
    wal.maybe();
    expect(synced).toHaveBeenCalledTimes(1);
    wal.close();
  });
});

describe("a session worker's WAL sync, in libuv's thread pool", () => {
  it('waits while the desk asks for the lock, then syncs off the job thread, never more than a few at once', async () => {
    const { file, db } = jobFile('pool');
    const original = fs.fdatasync;
    type Done = (error: NodeJS.ErrnoException | null) => void;
    // Each sync is held until the test lets it go (as a slow disk would), then really runs.
    const held: (() => Promise<void>)[] = [];
    const pooled = vi.spyOn(fs, 'fdatasync').mockImplementation(((fd: number, done: Done) => {
      held.push(
        () =>
          new Promise<void>((resolve) =>
            original(fd, (error) => {
              done(error);
              resolve();
            }),
          ),
      );
    }) as typeof fs.fdatasync);
    const onThread = vi.spyOn(fs, 'fdatasyncSync');
    let deskAsks = true;
    const wal = walSyncInPool(file, () => deskAsks, 0);
    wal.maybe();
    expect(pooled).not.toHaveBeenCalled();
    deskAsks = false;
    for (let i = 0; i < POOL_SYNCS_IN_FLIGHT + 2; i += 1) {
      db.prepare('INSERT INTO t (v) VALUES (?)').run(`row ${i}`);
      wal.maybe();
    }
    // The job's thread went on writing; the pool holds at most POOL_SYNCS_IN_FLIGHT of its syncs (the desk's own use it too).
    expect(pooled).toHaveBeenCalledTimes(POOL_SYNCS_IN_FLIGHT);
    expect(onThread).not.toHaveBeenCalled();
    await Promise.all(held.splice(0).map((run) => run()));
    // Once they have finished, the next pause syncs again.
    wal.maybe();
    expect(pooled).toHaveBeenCalledTimes(POOL_SYNCS_IN_FLIGHT + 1);
    await Promise.all(held.splice(0).map((run) => run()));
    wal.close();
  });
});

describe("a job's WAL checkpoint between its transactions", () => {
  it('waits while the desk asks for the lock, and copies the WAL back once the desk has written', () => {
    const { db } = jobFile('checkpoint');
    let deskAsks = true;
    const checkpoints = walCheckpoints(db, () => deskAsks, 0);
    const pragmas = vi.spyOn(db, 'pragma');
    const checkpointed = () => pragmas.mock.calls.filter(([text]) => String(text).startsWith('wal_checkpoint')).length;
    checkpoints.maybe();
    expect(checkpointed()).toBe(0);
    deskAsks = false;
    checkpoints.maybe();
    expect(checkpointed()).toBe(1);
    // Copied back: every frame of the WAL is in the database file.
    const [state] = db.pragma('wal_checkpoint(PASSIVE)') as { log: number; checkpointed: number }[];
    expect(state!.checkpointed).toBe(state!.log);
  });
});
