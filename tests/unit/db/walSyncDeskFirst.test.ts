import fs from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DeskTurn, diskAsksOf, waitForDeskSync } from '../../../electron/main/db/deskTurn';
import { walCheckpoints, walSync } from '../../../electron/main/db/walCheckpoints';
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

describe("the desk's journal sync (pins/issueJournal.ts durable), as a job's worker sees it", () => {
  it('holds the WAL sync and checkpoint while it runs, as a desk write does; the last checkpoint waits for it, at most its bound', () => {
    const turn = new DeskTurn();
    const asks = diskAsksOf(turn.buffer);
    expect(asks()).toBe(false);
    turn.deskSyncing(1);
    expect(asks()).toBe(true);
    const { db } = jobFile('journal-sync');
    const checkpoints = walCheckpoints(db, asks, 0, () => waitForDeskSync(turn.buffer, 20));
    const pragmas = vi.spyOn(db, 'pragma');
    const checkpointed = () => pragmas.mock.calls.filter(([text]) => String(text).startsWith('wal_checkpoint')).length;
    checkpoints.maybe();
    expect(checkpointed()).toBe(0);
    // The last one cannot be put off for ever: it waits out its bound (the desk's sync here never ends), then copies.
    const before = performance.now();
    checkpoints.now();
    expect(performance.now() - before).toBeGreaterThanOrEqual(19);
    expect(checkpointed()).toBe(1);
    turn.deskSyncing(-1);
    expect(asks()).toBe(false);
    // With no sync under way it does not wait.
    const after = performance.now();
    waitForDeskSync(turn.buffer, 1_000);
    expect(performance.now() - after).toBeLessThan(500);
  });
});
