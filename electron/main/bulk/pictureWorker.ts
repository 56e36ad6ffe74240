import type { MessagePort } from 'node:worker_threads';
import type BetterSqlite3 from 'better-sqlite3';
import type { PictureParams } from '../../../shared/bulk/picture';
import type { SessionCall, WorkerMessage } from '../jobs/jobTypes';
import { type BulkPicture, localPicture, PICTURE_OPS, type PictureOp, warmPicture } from './bulkPicture';
import { computeSnapshot } from './snapshot';

/**
 * The Bulk PIN job in its worker (jobWorker.ts): reads the whole mirror in one read transaction
 * (one consistent state, whatever the desk or a pull commits meanwhile), telling main its progress
 * after every chunk, works out the worklist and the lists a cold screen asks for first, then tells
 * main it is ready and answers page calls (and export files) until main says stop. It writes
 * nothing to the mirror: a crash or a cancel (main ends the thread) leaves nothing behind.
 */
export async function serveBulkPicture(port: MessagePort, sqlite: BetterSqlite3.Database, jobId: string, params: PictureParams, stopping: () => boolean) {
  let picture: BulkPicture;
  const cancelled = new Set<string>();
  sqlite.prepare('BEGIN').run();
  try {
    const snapshot = await computeSnapshot(
      sqlite,
      { today: params.today, minorAgeLimit: params.minorAgeLimit, now: new Date(params.now) },
      {
        // A worker's event loop answers only main: longer chunks, fewer pauses.
        targetChunkMs: 50,
        progress: (rowsDone, rowsTotal) => port.postMessage({ type: 'progress', jobId, rowsDone, rowsTotal } satisfies WorkerMessage),
        stopping,
      },
    );
    // An export reports its records written under its own job id, and stops when main cancels it.
    picture = localPicture(snapshot, (exportId) => ({
      progress: (rowsDone, rowsTotal) => port.postMessage({ type: 'progress', jobId: exportId, rowsDone, rowsTotal } satisfies WorkerMessage),
      stopping: () => cancelled.has(exportId) || stopping(),
    }));
    await warmPicture(picture);
  } finally {
    // The read transaction ends here: page calls read details by rowid afterwards, as main did.
    sqlite.prepare('COMMIT').run();
  }
  port.postMessage({ type: 'ready', jobId, summary: picture.summary } satisfies WorkerMessage);
  await new Promise<void>((resolve) => {
    port.on('message', (message: SessionCall | { type: 'stop' } | { type: 'cancel'; jobId: string }) => {
      if (message.type === 'stop') return resolve();
      if (message.type === 'cancel') return void cancelled.add(message.jobId);
      if (message.type !== 'call') return;
      const op = message.op as PictureOp;
      const run = PICTURE_OPS.includes(op)
        ? (picture[op] as (...args: unknown[]) => Promise<unknown>)(...(message.args as unknown[]))
        : Promise.reject(new Error(`unknown call ${message.op}`));
      run.then(
        (value) => port.postMessage({ type: 'result', id: message.id, value } satisfies WorkerMessage),
        (error: unknown) => port.postMessage({ type: 'error', id: message.id, message: (error as Error).message } satisfies WorkerMessage),
      );
    });
  });
}
