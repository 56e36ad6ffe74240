/**
 * Worker-thread entry: an upgrade's pending migrations on this thread's own connection
 * (db/migrateOffThread.ts starts it). Reports each step; closes the connection when done.
 */
import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import type { MigrateWorkerData, MigrateWorkerMessage } from './migrateOffThread';
import { configureConnection, migrate } from './open';

async function main(port: NonNullable<typeof parentPort>, data: MigrateWorkerData): Promise<void> {
  const tell = (message: MigrateWorkerMessage) => port.postMessage(message);
  let sqlite: BetterSqlite3.Database | null = null;
  try {
    sqlite = new BetterSqlite3(data.databaseFile, { fileMustExist: true, nativeBinding: data.nativeBinding });
    configureConnection(sqlite);
    await migrate(sqlite, undefined, (progress) => tell({ type: 'step', ...progress }));
    sqlite.close();
    sqlite = null;
    tell({ type: 'done' });
  } catch (error) {
    sqlite?.close();
    tell({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
  }
}

const data = workerData as MigrateWorkerData | undefined;
if (parentPort && data?.fppMigrateWorker) void main(parentPort, data);
