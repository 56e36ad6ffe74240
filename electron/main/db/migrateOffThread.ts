import type { Worker } from 'node:worker_threads';
import { findWorkerEntry, startWorker, type WorkerLaunch } from '../lib/workerEntry';

/**
 * An upgrade's migrations on their own connection in a worker thread (db/migrateWorker.ts), so the
 * main thread's event loop keeps turning while they run: on a 200,000-patient mirror migration
 * 015 alone took 49 s, and on main the Electron shell could show nothing (its window's messages
 * wait on the same thread) and web mode answered nothing. All pending migrations still commit
 * together or not at all: a worker that fails or is stopped leaves the file as it was.
 */

/** Which of the pending migrations runs now: `step` of `of`, from 1. */
export interface DatabaseUpdateProgress {
  step: number;
  of: number;
}

export interface MigrateWorkerData {
  fppMigrateWorker: true;
  databaseFile: string;
  nativeBinding?: string;
}

export type MigrateWorkerMessage = ({ type: 'step' } & DatabaseUpdateProgress) | { type: 'done' } | { type: 'failed'; message: string };

export function findMigrateWorker(given?: string | URL): WorkerLaunch | null {
  return findWorkerEntry(import.meta.url, './migrateWorker.ts', 'migrateWorker', given);
}

/**
 * Runs the pending migrations in a worker; resolves when they have committed. False: no worker
 * entry was found (the caller migrates on its own connection, as before). A migration's failure
 * rejects with the same words as on the main thread.
 */
export function migrateOffThread(
  databaseFile: string,
  options: { nativeBinding?: string; onUpdate?: (progress: DatabaseUpdateProgress) => void },
  launch: WorkerLaunch | null = findMigrateWorker(),
): Promise<boolean> {
  if (!launch) return Promise.resolve(false);
  const data: MigrateWorkerData = { fppMigrateWorker: true, databaseFile, nativeBinding: options.nativeBinding };
  const worker: Worker = startWorker(launch, data);
  return new Promise<boolean>((resolve, reject) => {
    let settled = false;
    worker.on('message', (message: MigrateWorkerMessage) => {
      if (message.type === 'step') options.onUpdate?.({ step: message.step, of: message.of });
      else if (message.type === 'done') {
        settled = true;
        resolve(true);
      } else {
        settled = true;
        reject(new Error(message.message));
      }
    });
    worker.on('error', (error) => {
      if (settled) return;
      settled = true;
      reject(error);
    });
    worker.on('exit', (code) => {
      if (settled) return;
      settled = true;
      reject(new Error(`The database update stopped before it finished (exit code ${code}). Nothing was changed; start the app again.`));
    });
  });
}
