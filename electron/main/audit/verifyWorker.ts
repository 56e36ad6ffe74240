import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { ChainVerifier, checkFastSlice, fastSliceStatements, type RawRow, type VerifiedHead } from './chainVerifier';
import type { AuditProblem } from '../../../shared/audit/api';

/**
 * Worker-thread entry of the audit-chain verification (verifyWorkers.ts starts it): checks the rows
 * in (after, end] over its own read-only connection, every row's hash and every link inside the
 * range; the link of the range's first row to the row before it is the lead thread's to check,
 * so the first row is sent back whole. Messages, worker → lead:
 *   { type: 'progress', rows }    rows checked so far (about every 100 ms)
 *   { type: 'done', ... }         VerifySliceResult
 *   { type: 'failed', message, stack }
 */

export interface VerifyWorkerData {
  fppAuditVerifyWorker: true;
  databaseFile: string;
  nativeBinding?: string;
  after: number;
  end: number;
  head: VerifiedHead | null;
  sliceRows: number;
}

export interface VerifySliceResult {
  /** Rows that passed, the first row included. */
  rows: number;
  first: RawRow | null;
  lastId: number | null;
  lastHash: string | null;
  /** The first problem inside the range (after its first row's link). */
  problem: AuditProblem | null;
}

export type VerifyWorkerMessage =
  | { type: 'progress'; rows: number }
  | ({ type: 'done' } & VerifySliceResult)
  | { type: 'failed'; message: string; stack?: string };

function verifyRange(port: NonNullable<typeof parentPort>, data: VerifyWorkerData): VerifySliceResult {
  const sqlite = new BetterSqlite3(data.databaseFile, { readonly: true, fileMustExist: true, nativeBinding: data.nativeBinding });
  try {
    const { slice, full } = fastSliceStatements(sqlite);
    const verifier = new ChainVerifier(data.head, { afterId: data.after, prevHash: null });
    let first: RawRow | null = null;
    let after = data.after;
    let reported = performance.now();
    while (after < data.end && !verifier.problem) {
      const rows = slice(after, data.end, data.sliceRows);
      // The lead checks the first row's link: it is sent whole.
      if (first === null && rows[0]) first = full(rows[0][0]);
      const last = checkFastSlice(verifier, rows, full);
      if (last === null) break;
      after = last;
      if (performance.now() - reported >= 100) {
        reported = performance.now();
        port.postMessage({ type: 'progress', rows: verifier.rows } satisfies VerifyWorkerMessage);
      }
    }
    return { rows: verifier.rows, first, lastId: verifier.lastRowId, lastHash: verifier.lastHash, problem: verifier.problem };
  } finally {
    sqlite.close();
  }
}

/**
 * On Linux a thread's niceness is its own: this worker yields the CPU to the main thread (the
 * desk's calls) and to other work. Elsewhere setPriority would lower the whole process, so it is
 * left alone there.
 */
function yieldToTheDesk(): void {
  if (process.platform !== 'linux') return;
  try {
    os.setPriority(5);
  } catch {
    // Not allowed here: the check runs at normal priority.
  }
}

const data = workerData as VerifyWorkerData | undefined;
if (parentPort && data?.fppAuditVerifyWorker) {
  const port = parentPort;
  yieldToTheDesk();
  try {
    port.postMessage({ type: 'done', ...verifyRange(port, data) } satisfies VerifyWorkerMessage);
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    port.postMessage({ type: 'failed', message: e.message, stack: e.stack } satisfies VerifyWorkerMessage);
  } finally {
    port.close();
  }
}
