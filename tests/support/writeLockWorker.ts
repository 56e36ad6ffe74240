import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { deskAsksOf, deskWriteTurn } from '../../electron/main/db/deskTurn';

/**
 * A job's writer for the desk-wait tests: its own connection to the mirror file, holding the write
 * lock (a transaction begun and not committed) until the test says go. `announce`: it takes the
 * lock as the job worker does (deskWriteTurn on the app's DeskTurn buffer); otherwise it writes
 * as any other connection would, unannounced. It tells the test when it holds the lock and when
 * the desk's write is waiting for it (the desk's DESK_WRITE counter), then commits on `release`.
 */
interface Data {
  file: string;
  deskTurn: SharedArrayBuffer;
  announce: boolean;
  /** Slot 0 goes to 1 when the test releases the lock. */
  release: SharedArrayBuffer;
}
const { file, deskTurn, announce, release } = workerData as Data;
const port = parentPort!;
const sqlite = new BetterSqlite3(file, { fileMustExist: true });
sqlite.pragma('busy_timeout = 5000');
const gate = new Int32Array(release);
const deskAsks = deskAsksOf(deskTurn);

const hold = () => {
  sqlite.prepare('BEGIN IMMEDIATE').run();
  sqlite.prepare(`INSERT INTO sync_state (key, value) VALUES ('job_probe', 'written by the job') ON CONFLICT (key) DO UPDATE SET value = excluded.value`).run();
  port.postMessage({ type: 'holding' });
  // Looks for the desk's write every millisecond (it does not notify this slot), for at most 10 s.
  for (let i = 0; i < 10_000 && !deskAsks(); i++) Atomics.wait(gate, 0, 0, 1);
  port.postMessage({ type: 'desk-waiting', seen: deskAsks() });
  Atomics.wait(gate, 0, 0);
  sqlite.prepare('COMMIT').run();
};
if (announce) deskWriteTurn(deskTurn, hold);
else hold();
sqlite.close();
port.postMessage({ type: 'committed' });
