import type { ImportResult } from '../../../shared/bulk/api';

/** What the job runner (main thread) and its worker threads (jobWorker.ts) tell each other. */

/** A job for a worker: start one (with its input), or resume one from its run record. */
export type WorkerJob = { kind: 'import.apply'; jobId: string; input: unknown } | { kind: 'import.resume'; jobId: string };

export interface JobWorkerData {
  fppJobWorker: true;
  databaseFile: string;
  /** better-sqlite3 built for Electron's ABI: the worker loads the same build as the main connection. */
  nativeBinding?: string;
  job: WorkerJob;
}

export type WorkerMessage =
  | { type: 'started'; jobId: string }
  | { type: 'done'; result: ImportResult | null }
  | { type: 'failed'; message: string; stack?: string };
