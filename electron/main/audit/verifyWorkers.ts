import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { findWorkerEntry, startWorker, type WorkerLaunch } from '../lib/workerEntry';
import { VerificationStopped, type ChainVerifier, type VerifiedHead } from './chainVerifier';
import type { VerifyLeadMessage, VerifySliceResult, VerifyWorkerData, VerifyWorkerMessage } from './verifyWorker';

/**
 * The audit-chain verification in parallel (issue 14): the rows (0, end] are cut into id ranges
 * of `chunkRows`, handed out in id order to whichever worker is free (a worker that starts late
 * or gets less of the CPU takes fewer ranges, so the workers end together); each worker checks its
 * ranges over its own read-only connection (WAL: the app keeps reading and writing meanwhile) and
 * sends back, per range, its first row, its last row's id and hash, and any problem. The lead
 * thread joins the ranges in id order as they come in, with the one ChainVerifier: the first row
 * of each range is checked against the last row of the range before (the link, a gap of ids, its
 * hash), a range's own problem counts only when everything before it held, and rows removed at a
 * range's edge show up as a gap at the next range's first row or at finish(). No range after the
 * first problem is handed out. The event loop only receives messages meanwhile.
 */

export function findVerifyWorker(given?: string | URL): WorkerLaunch | null {
  // Its modules are plain (no import.meta, no top-level await): from sources, tsx's lighter CommonJS hooks start it.
  return findWorkerEntry(import.meta.url, './verifyWorker.ts', 'auditVerifyWorker', given, 'cjs');
}

export interface WorkerRun {
  databaseFile: string;
  nativeBinding?: string;
  count?: number;
  /** Rows per range handed to a worker (default: about 8 ranges per worker, at most 50,000 rows each). */
  chunkRows?: number;
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

/** Small enough that the workers end close together, large enough that a range's message and first-row read do not count. */
function defaultChunkRows(end: number, workers: number, sliceRows: number): number {
  return Math.max(sliceRows, Math.min(50_000, Math.ceil(end / (workers * 8))));
}

/** Checks (0, end] in worker threads and leaves the outcome in `verifier` (its rows, last row and problem). */
export function verifyInWorkers(verifier: ChainVerifier, launch: WorkerLaunch, run: WorkerRun): Promise<void> {
  const chunk = Math.max(1, run.chunkRows ?? defaultChunkRows(run.end, run.count ?? defaultWorkerCount(), run.sliceRows));
  const ranges = Array.from({ length: Math.ceil(run.end / chunk) }, (_, i) => ({ after: i * chunk, end: Math.min(run.end, (i + 1) * chunk) }));
  const count = Math.max(1, Math.min(run.count ?? defaultWorkerCount(), ranges.length));
  const data: VerifyWorkerData = {
    fppAuditVerifyWorker: true,
    databaseFile: run.databaseFile,
    nativeBinding: run.nativeBinding,
    head: run.head,
    sliceRows: run.sliceRows,
  };
  const results: (VerifySliceResult | undefined)[] = [];
  /** The next range to hand out; the ranges joined so far; ranges from `needed` on are not (a problem came before them). */
  let next = 0;
  let joined = 0;
  let needed = ranges.length;
  let rowsDone = 0;
  const workers = new Set<Worker>();
  const closing = new Set<Worker>();

  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const settle = (error?: Error) => {
      if (settled) return;
      settled = true;
      run.signal?.removeEventListener('abort', stop);
      for (const worker of workers) {
        // Idle workers close their connection and end; on a stop or a failure they are ended at once.
        if (error) void worker.terminate();
        else tell(worker, { type: 'close' });
      }
      if (error) reject(error);
      else resolve();
    };
    const stop = () => settle(new VerificationStopped());
    const tell = (worker: Worker, message: VerifyLeadMessage) => {
      if (message.type === 'close') closing.add(worker);
      worker.postMessage(message);
    };
    const handOut = (worker: Worker) => {
      if (next < needed) {
        const index = next++;
        tell(worker, { type: 'range', index, ...ranges[index]! });
      } else tell(worker, { type: 'close' });
    };
    /** Joins the ranges that are in, in id order, up to the first one still out. */
    const join = () => {
      while (joined < needed && results[joined]) {
        const result = results[joined]!;
        joined += 1;
        if (result.first === null) continue; // an empty range: the next range's first row (or finish) finds the gap
        if (!verifier.checkRaw(result.first)) needed = joined;
        else if (result.problem) {
          verifier.adopt(result.problem, result.rows - 1);
          needed = joined;
        } else verifier.resume(result.lastId!, result.lastHash!, result.rows - 1);
      }
      if (joined >= needed) settle();
    };

    if (run.signal?.aborted) return stop();
    run.signal?.addEventListener('abort', stop, { once: true });
    for (let i = 0; i < count; i++) {
      const worker = startWorker(launch, data);
      workers.add(worker);
      worker.on('message', (message: VerifyWorkerMessage) => {
        if (settled) return;
        if (message.type === 'failed') return settle(Object.assign(new Error(message.message), { stack: message.stack }));
        const { type: _type, index, ...result } = message;
        results[index] = result;
        rowsDone += result.rows;
        run.onProgress?.(rowsDone);
        // Nothing after a range's own problem is needed.
        if (result.problem) needed = Math.min(needed, index + 1);
        join();
        if (!settled) handOut(worker);
      });
      worker.on('error', (error) => settle(error));
      worker.on('exit', (code) => {
        workers.delete(worker);
        if (!closing.has(worker)) settle(new Error(`audit verification worker stopped (exit code ${code}) before it finished`));
      });
      handOut(worker);
    }
  });
}
