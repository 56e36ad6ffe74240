import BetterSqlite3 from 'better-sqlite3';
import { findWorkerEntry, startWorker } from '../../electron/main/lib/workerEntry';
import { messageOf } from './workerMessages';

/** Opens a gate a test worker waits on (slot 0 of `gate` set to 1, and the waiter woken). */
export function gateOpener(gate: SharedArrayBuffer): () => void {
  return () => {
    const slots = new Int32Array(gate);
    Atomics.store(slots, 0, 1);
    Atomics.notify(slots, 0);
  };
}

type Message = { type: 'holding' } | { type: 'desk-waiting'; seen: boolean } | { type: 'committed' };

/**
 * tests/support/writeLockWorker.ts in a worker thread: a job's connection holding the write lock
 * until released. `announce`: it takes the lock as the job worker does (deskWriteTurn).
 */
export function startJobWriter(file: string, deskTurn: SharedArrayBuffer, announce: boolean) {
  const launch = findWorkerEntry(import.meta.url, './writeLockWorker.ts', 'writeLockWorker');
  if (!launch) throw new Error('tsx is needed to run the test worker');
  const release = new SharedArrayBuffer(4);
  const worker = startWorker(launch, { file, deskTurn, announce, release });
  const next = (type: Message['type']) => messageOf<Message>(worker, type);
  return { holding: next('holding'), deskWaiting: next('desk-waiting'), committed: next('committed'), release: gateOpener(release) };
}

/** Batches the desk's journal holds under `batchId`, as a second connection to its file sees them (what is committed). */
export function journaled(file: string, batchId: string): number {
  const reader = new BetterSqlite3(`${file}-desk-journal`, { readonly: true, fileMustExist: true });
  try {
    return reader.prepare('SELECT count(*) FROM issues WHERE batch_id = ?').pluck().get(batchId) as number;
  } finally {
    reader.close();
  }
}
