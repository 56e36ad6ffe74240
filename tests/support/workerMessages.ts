import type { Worker } from 'node:worker_threads';

/** The worker's first message of `type` (rejects if the worker fails first). */
export function messageOf<M extends { type?: unknown }>(worker: Worker, type: string): Promise<M> {
  return new Promise<M>((resolve, reject) => {
    const onMessage = (m: M) => {
      if (m.type !== type) return;
      worker.off('message', onMessage);
      resolve(m);
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
  });
}
