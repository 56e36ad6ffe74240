import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { ChainVerifier, checkSlice, sliceStatement, type RawRow, type VerifiedHead } from './chainVerifier';
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
    const slice = sliceStatement(sqlite);
    const verifier = new ChainVerifier(data.head, { afterId: data.after, prevHash: null });
    let first: RawRow | null = null;
    let after = data.after;
    let reported = performance.now();
    while (after < data.end && !verifier.problem) {
      const rows = slice(after, data.end, data.sliceRows);
      first ??= rows[0] ?? null;
      const last = checkSlice(verifier, rows);
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

const data = workerData as VerifyWorkerData | undefined;
if (parentPort && data?.fppAuditVerifyWorker) {
  const port = parentPort;
  try {
    port.postMessage({ type: 'done', ...verifyRange(port, data) } satisfies VerifyWorkerMessage);
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    port.postMessage({ type: 'failed', message: e.message, stack: e.stack } satisfies VerifyWorkerMessage);
  } finally {
    port.close();
  }
}
