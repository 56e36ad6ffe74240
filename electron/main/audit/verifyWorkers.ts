import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { findWorkerEntry, startWorker, type WorkerLaunch } from '../lib/workerEntry';
import { VerificationStopped, type ChainVerifier, type VerifiedHead } from './chainVerifier';
import type { VerifySliceResult, VerifyWorkerData, VerifyWorkerMessage } from './verifyWorker';

/**
 * The audit-chain verification in parallel (issue 14): the rows (0, end] are cut into one id range
 * per worker; each worker checks its range over its own read-only connection (WAL: the app keeps
 * reading and writing meanwhile) and sends back its first row, its last row's id and hash, and
 * any problem. The lead thread then joins the ranges in id order with the one ChainVerifier: the
 * first row of each range is checked against the last row of the range before (the link, a gap of
 * ids, its hash), a range's own problem counts only when everything before it held, and rows
 * removed at a range's edge show up as a gap at the next range's first row or at finish().
 * The event loop only receives messages meanwhile.
 */

export function findVerifyWorker(given?: string | URL): WorkerLaunch | null {
  return findWorkerEntry(import.meta.url, './verifyWorker.ts', 'auditVerifyWorker', given);
}

export interface WorkerRun {
  databaseFile: string;
  nativeBinding?: string;
  count?: number;
  end: number;
  head: VerifiedHead | null;
  sliceRows: number;
  signal?: AbortSignal;
  onProgress?: (rowsChecked: number) => void;
}

/**
 * One worker per core (at most 4). The workers lower their own priority where the system allows a
 * thread's alone (Linux, see verifyWorker.ts), so the desk's calls on the main thread still come
 * first; on 2 cores, 2 workers then check about twice as fast as the 1 of before (issue 14 note).
 */
export function defaultWorkerCount(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

function runRange(launch: WorkerLaunch, data: VerifyWorkerData, onProgress: (rows: number) => void, workers: Set<Worker>): Promise<VerifySliceResult> {
  const worker = startWorker(launch, data);
  workers.add(worker);
  return new Promise<VerifySliceResult>((resolve, reject) => {
    worker.on('message', (message: VerifyWorkerMessage) => {
      if (message.type === 'progress') onProgress(message.rows);
      else if (message.type === 'done') {
        const { type: _type, ...result } = message;
        onProgress(result.rows);
        resolve(result);
      } else reject(Object.assign(new Error(message.message), { stack: message.stack }));
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      workers.delete(worker);
      reject(new Error(`audit verification worker stopped (exit code ${code}) before it finished`));
    });
  });
}

/** Checks (0, end] in worker threads and leaves the outcome in `verifier` (its rows, last row and problem). */
export async function verifyInWorkers(verifier: ChainVerifier, launch: WorkerLaunch, run: WorkerRun): Promise<void> {
  const count = Math.max(1, Math.min(run.count ?? defaultWorkerCount(), run.end));
  const done = new Array<number>(count).fill(0);
  const workers = new Set<Worker>();
  const ranges = Array.from({ length: count }, (_, i) => {
    const after = Math.floor((run.end * i) / count);
    const end = Math.floor((run.end * (i + 1)) / count);
    const data: VerifyWorkerData = {
      fppAuditVerifyWorker: true,
      databaseFile: run.databaseFile,
      nativeBinding: run.nativeBinding,
      after,
      end,
      head: run.head,
      sliceRows: run.sliceRows,
    };
    return runRange(
      launch,
      data,
      (rows) => {
        done[i] = rows;
        run.onProgress?.(done.reduce((a, b) => a + b, 0));
      },
      workers,
    );
  });
  const stopped = new Promise<never>((_, reject) => {
    if (run.signal?.aborted) reject(new VerificationStopped());
    run.signal?.addEventListener('abort', () => reject(new VerificationStopped()), { once: true });
  });
  let results: VerifySliceResult[];
  try {
    results = await Promise.race([Promise.all(ranges), stopped]);
  } finally {
    for (const worker of workers) void worker.terminate();
    stopped.catch(() => undefined);
    for (const range of ranges) range.catch(() => undefined);
  }
  for (const result of results) {
    if (result.first === null) continue; // an empty range: the next range's first row (or finish) finds the gap
    if (!verifier.checkRaw(result.first)) return;
    if (result.problem) return verifier.adopt(result.problem, result.rows - 1);
    verifier.resume(result.lastId!, result.lastHash!, result.rows - 1);
  }
}
