import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { registerAuditChain } from '../../electron/main/db/auditChain';

/**
 * A second writer for the audit-chain tests: its own connection to the same file (as the import
 * worker has), appending rows one statement at a time while the test's main thread appends too.
 */
const { file, rows, workstation } = workerData as { file: string; rows: number; workstation: string };
const sqlite = new BetterSqlite3(file, { fileMustExist: true });
sqlite.pragma('busy_timeout = 10000');
registerAuditChain(sqlite);
const insert = sqlite.prepare(`INSERT INTO audit_log (at, clerk_id, workstation, action, details) VALUES (?, NULL, ?, 'sign_in', ?)`);
for (let i = 0; i < rows; i++) {
  insert.run(new Date().toISOString(), workstation, JSON.stringify({ n: i }));
  // The test's own appends start once this writer is under way.
  if (i === 10) parentPort!.postMessage({ type: 'started' });
}
sqlite.close();
parentPort!.postMessage({ type: 'done' });
