import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { lowerThisThreadPriority } from '../lib/threadPriority';
import { ChainVerifier, sliceReader, type RawRow, type VerifiedHead } from './chainVerifier';
import type { AuditProblem } from '../../../shared/audit/api';

/**
 * Worker-thread entry of the audit-chain verification (verifyWorkers.ts starts it): opens its own
 * read-only connection once, then checks the id ranges the lead hands it one at a time, every
 * row's hash and every link inside the range; the link of a range's first row to the row before
 * it is the lead thread's to check, so that row is sent back whole. Messages:
 *   lead → worker: { type: 'range', index, after, end }   check (after, end]
 *                  { type: 'close' }                      no more ranges: close and end
 *   worker → lead: { type: 'done', index, ... }            VerifySliceResult of that range
 *                  { type: 'failed', message, stack }
 */

export interface VerifyWorkerData {
  fppAuditVerifyWorker: true;
  databaseFile: string;
  nativeBinding?: string;
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

export type VerifyLeadMessage = { type: 'range'; index: number; after: number; end: number } | { type: 'close' };

export type VerifyWorkerMessage = ({ type: 'done'; index: number } & VerifySliceResult) | { type: 'failed'; message: string; stack?: string };

function rangeChecker(data: VerifyWorkerData) {
  const sqlite = new BetterSqlite3(data.databaseFile, { readonly: true, fileMustExist: true, nativeBinding: data.nativeBinding });
  const reader = sliceReader(sqlite);
  const firstRow = sqlite.prepare('SELECT min(id) FROM audit_log WHERE id > ? AND id <= ?').pluck();
  return {
    check(after: number, end: number): VerifySliceResult {
      const verifier = new ChainVerifier(data.head, { afterId: after, prevHash: null });
      // The lead checks the first row's link: it is sent whole.
      const firstId = firstRow.get(after, end) as number | null;
      const first = firstId === null ? null : reader.full(firstId);
      for (let from = after; from < end && !verifier.problem; from += data.sliceRows) reader.check(verifier, from, Math.min(end, from + data.sliceRows));
      return { rows: verifier.rows, first, lastId: verifier.lastRowId, lastHash: verifier.lastHash, problem: verifier.problem };
    },
    close: () => sqlite.close(),
  };
}

/** The desk's main thread first when both want a core (a milder lowering than a job's: the check is short). */
const VERIFY_THREAD_NICE = 5;

const data = workerData as VerifyWorkerData | undefined;
if (parentPort && data?.fppAuditVerifyWorker) {
  const port = parentPort;
  lowerThisThreadPriority(VERIFY_THREAD_NICE);
  let checker: ReturnType<typeof rangeChecker> | null = null;
  const end = () => {
    checker?.close();
    port.close();
  };
  port.on('message', (message: VerifyLeadMessage) => {
    if (message.type === 'close') return end();
    try {
      checker ??= rangeChecker(data);
      port.postMessage({ type: 'done', index: message.index, ...checker.check(message.after, message.end) } satisfies VerifyWorkerMessage);
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      port.postMessage({ type: 'failed', message: e.message, stack: e.stack } satisfies VerifyWorkerMessage);
      end();
    }
  });
}
