import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { registerAuditChain } from '../db/auditChain';
import { applyImport, type ApplyRequest } from './applyCore';

/**
 * Worker-thread entry of import.apply: opens its own connection to the mirror file (WAL lets the
 * app's connection keep reading), checks the files, then asks the main thread for the go-ahead
 * before its one write transaction. Messages:
 *   worker → main  { type: 'ready' }                 clean files, about to write
 *   main → worker  { type: 'go' }                    the app's connection is idle (lock held)
 *   worker → main  { type: 'done', result }          or { type: 'failed', message, stack }
 */

export interface ApplyWorkerData {
  fppImportWorker: true;
  databaseFile: string;
  nativeBinding?: string;
  request: ApplyRequest;
}

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'done'; result: Awaited<ReturnType<typeof applyImport>> }
  | { type: 'failed'; message: string; stack?: string };

async function main(port: NonNullable<typeof parentPort>, data: ApplyWorkerData): Promise<void> {
  const sqlite = new BetterSqlite3(data.databaseFile, { fileMustExist: true, nativeBinding: data.nativeBinding });
  try {
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('synchronous = FULL');
    registerAuditChain(sqlite); // the import's audit row is chained by the database's trigger
    const go = new Promise<void>((resolve) => {
      port.on('message', (message: { type?: string }) => {
        if (message?.type === 'go') resolve();
      });
    });
    const result = await applyImport(sqlite, data.request, {
      beforeWrite: async () => {
        port.postMessage({ type: 'ready' } satisfies WorkerMessage);
        await go;
      },
    });
    port.postMessage({ type: 'done', result } satisfies WorkerMessage);
  } finally {
    sqlite.close();
  }
}

const data = workerData as ApplyWorkerData | undefined;
if (parentPort && data?.fppImportWorker) {
  const port = parentPort;
  main(port, data)
    .catch((error: unknown) => {
      const e = error instanceof Error ? error : new Error(String(error));
      port.postMessage({ type: 'failed', message: e.message, stack: e.stack } satisfies WorkerMessage);
    })
    .finally(() => port.close());
}
