import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { deskWriteTurn } from '../../electron/main/db/deskTurn';
import { applyChangesPage } from '../../electron/main/sync/applyPage';
import type { ChangesPageEnvelope } from '../../shared/sync/protocol';

/**
 * A pull's worker removing records, for the desk journal's tests: its own connection to the mirror
 * file applies `page` (tombstones) in one transaction taken as the job worker takes a removing one
 * (deskWriteTurn with `removes`), tells the test when it holds the lock, and commits when the test
 * says go (slot 0 of `release` set to 1; at once when `hold` is false). Then it says what it did.
 */
interface Data {
  file: string;
  deskTurn: SharedArrayBuffer;
  page: ChangesPageEnvelope;
  release: SharedArrayBuffer;
  hold: boolean;
}
const { file, deskTurn, page, release, hold } = workerData as Data;
const port = parentPort!;
const sqlite = new BetterSqlite3(file, { fileMustExist: true });
sqlite.pragma('foreign_keys = ON');
sqlite.pragma('busy_timeout = 5000');
const gate = new Int32Array(release);
port.postMessage({ type: 'asking' });
const counts = deskWriteTurn(
  deskTurn,
  () => {
    sqlite.prepare('BEGIN IMMEDIATE').run();
    const applied = applyChangesPage(sqlite, page);
    port.postMessage({ type: 'holding' });
    if (hold) Atomics.wait(gate, 0, 0);
    sqlite.prepare('COMMIT').run();
    return applied;
  },
  true,
);
sqlite.close();
port.postMessage({ type: 'committed', counts });
