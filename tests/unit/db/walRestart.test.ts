import fs from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { walCheckpoints } from '../../../electron/main/db/walCheckpoints';
import type { WriteTurn } from '../../../electron/main/db/deskTurn';
import { makeTempDir } from '../../support/tempDir';

/**
 * Issue 14: a job's checkpoints have its WAL start over from the first byte, so the file stays
 * the size of one checkpoint's worth of frames instead of growing for the whole job (an import
 * at 200,000 patients left a 1.4 GB WAL on the clerk's disk). The desk's connection is a second
 * connection to the same file here; the job's turn (deskWriteTurn in the app) is a function the
 * test hands in, so it can say what the desk did while the job waited for it.
 */

let temp: ReturnType<typeof makeTempDir>;
const open: BetterSqlite3.Database[] = [];

beforeAll(() => {
  temp = makeTempDir('fpp-wal-restart-');
});
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});
afterAll(() => temp?.remove());

function connect(file: string): BetterSqlite3.Database {
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  open.push(db);
  return db;
}

/** The job's connection and the desk's, on one file with a table of 4 KB rows (about a page each). */
function practiceFile(name: string) {
  const file = temp.file(`${name}.sqlite`);
  const job = connect(file);
  job.exec('CREATE TABLE rows (id INTEGER PRIMARY KEY, body BLOB NOT NULL)');
  const desk = connect(file);
  const insert = job.prepare('INSERT INTO rows (body) VALUES (?)');
  const jobWrites = (count: number) =>
    job.transaction(() => {
      for (let i = 0; i < count; i++) insert.run(Buffer.alloc(4000, i % 251));
    })();
  const framesInWal = () => (job.pragma('wal_checkpoint(PASSIVE)') as { log: number }[])[0]!.log;
  const walBytes = () => fs.statSync(`${file}-wal`).size;
  return { job, desk, jobWrites, framesInWal, walBytes };
}

describe("a job's WAL checkpoint", () => {
  it('starts the WAL over, a desk write that committed during the copy included, so the file does not grow', () => {
    const { job, desk, jobWrites, framesInWal, walBytes } = practiceFile('restart');
    // The desk's write began before the job's copy and commits while the job waits for its turn.
    let deskWriting = false;
    const turn: WriteTurn = (write) => {
      if (deskWriting) {
        desk.prepare('INSERT INTO rows (body) VALUES (?)').run(Buffer.from('a PIN batch moved from the journal'));
        desk.exec('COMMIT');
        deskWriting = false;
      }
      return write();
    };
    const checkpoints = walCheckpoints(job, undefined, 0, undefined, turn);
    const sizes: number[] = [];
    for (let round = 0; round < 4; round++) {
      jobWrites(300);
      desk.exec('BEGIN IMMEDIATE');
      deskWriting = true;
      // (The desk holds the write lock: the job copies back and waits for its turn.)
      checkpoints.maybe();
      sizes.push(walBytes());
    }
    // Each round's 300 rows went over the same bytes of the file (a page or two more as the table's tree grows),
    // where four rounds appended would need four times the first round's bytes.
    expect(Math.max(...sizes)).toBeLessThan(sizes[0]! * 1.1);
    jobWrites(5);
    expect(framesInWal()).toBeLessThan(20);
    // Nothing was lost: every row of both connections is there.
    expect(desk.prepare('SELECT count(*) FROM rows').pluck().get()).toBe(4 * 301 + 5);
  });

  it('without the turn (no job worker: the app connection) leaves the WAL growing after such a desk write, as before', () => {
    const { desk, jobWrites, framesInWal, job } = practiceFile('no-turn');
    const checkpoints = walCheckpoints(job, undefined, 0);
    jobWrites(300);
    desk.exec('BEGIN IMMEDIATE');
    checkpoints.maybe();
    desk.prepare('INSERT INTO rows (body) VALUES (?)').run(Buffer.from('a desk write'));
    desk.exec('COMMIT');
    jobWrites(5);
    // The desk's commit came after the copy: the WAL grew on from where it was.
    expect(framesInWal()).toBeGreaterThan(300);
  });

  it('does not wait long for a desk reader still on the WAL, and leaves its snapshot whole', () => {
    const { job, desk, jobWrites } = practiceFile('reader');
    jobWrites(50);
    desk.exec('BEGIN');
    const seen = desk.prepare('SELECT count(*) FROM rows').pluck().get();
    const checkpoints = walCheckpoints(job, undefined, 0, undefined, (write) => write());
    checkpoints.maybe();
    // The job's own busy timeout is back for its transactions.
    expect(job.pragma('busy_timeout', { simple: true })).toBe(5000);
    jobWrites(10);
    // The desk's read still sees what it saw: its frames were not written over.
    expect(desk.prepare('SELECT count(*) FROM rows').pluck().get()).toBe(seen);
    expect(desk.prepare('SELECT sum(length(body)) FROM rows').pluck().get()).toBe(50 * 4000);
    desk.exec('COMMIT');
    expect(desk.prepare('SELECT count(*) FROM rows').pluck().get()).toBe(60);
  });
});
