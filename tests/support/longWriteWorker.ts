import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { deskAsksOf, waitForDesk, writeTurnOf } from '../../electron/main/db/deskTurn';
import { type ApplyPageArgs, applyPageOfRun, PartSizer } from '../../electron/main/sync/applyOps';

/**
 * A pull's worker with one long write transaction, for the desk-wait tests: its own connection to
 * the mirror file applies `args` (a large page, with its run record) as the job worker's session
 * does (db/deskTurn.ts: each transaction announced, the desk's turn between them, the desk's
 * write looked for inside them), except that its first part is the whole page: without looking
 * for the desk inside the transaction, a desk write would wait for all of it. It says when it
 * begins writing, then how the page ended and how many transactions it took.
 */
interface Data {
  file: string;
  deskTurn: SharedArrayBuffer;
  args: ApplyPageArgs;
}
const { file, deskTurn, args } = workerData as Data;
const port = parentPort!;
const sqlite = new BetterSqlite3(file, { fileMustExist: true });
sqlite.pragma('foreign_keys = ON');
sqlite.pragma('busy_timeout = 5000');
const announced = writeTurnOf(deskTurn);
let transactions = 0;
const outcome = applyPageOfRun(
  sqlite,
  args,
  () => {
    waitForDesk(deskTurn);
  },
  {
    turn: (write) =>
      announced(() => {
        if (transactions++ === 0) port.postMessage({ type: 'writing' });
        return write();
      }),
    sizer: new PartSizer(Number.MAX_SAFE_INTEGER),
    asks: deskAsksOf(deskTurn),
  },
);
sqlite.close();
port.postMessage({ type: 'done', outcome, transactions });
