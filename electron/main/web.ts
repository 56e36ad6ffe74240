/**
 * Web mode entry (`npm run start:web`, end-to-end tests): the same createApp as Electron, served
 * to a browser on 127.0.0.1. Prints the address to open once, in a line scripts can read too
 * (web/launchLine.ts).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createApp, type App } from './app';
import { newestUsableBackup } from './backup/backupFiles';
import { RestoreError, restoreNewestBackup } from './backup/restore';
import { DatabaseOpenError } from './db/open';
import { AppError, startupStorageFailure } from './errors';
import { prepareDataFolder } from './secrets/dataFolder';
import { acquireInstanceLock, InstanceLockedError, type InstanceLock } from './instance/instanceLock';
import { launchLine } from './web/launchLine';
import { startWebServer } from './web/server';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'data-dir': { type: 'string', default: '.data' },
    'demo-families': { type: 'string', default: '300' },
    'no-demo': { type: 'boolean', default: false },
    'renderer-dir': { type: 'string' },
    /** Put the newest automatic backup in place of a database refused as damaged, then start. */
    'restore-backup': { type: 'boolean', default: false },
  },
});

const dataDir = path.resolve(values['data-dir']);
const databaseFile = path.join(dataDir, 'practice.sqlite');

function openApp(instanceLock: InstanceLock): Promise<App> {
  return createApp({
    databaseFile,
    instanceLock,
    demo: values['no-demo'] ? false : { families: Number(values['demo-families']) },
    startDeliveries: true,
    backups: true,
    deliveries: { pullEveryMs: Number(process.env.FPP_PULL_EVERY_MS ?? 5 * 60_000), worker: { pollMs: Number(process.env.FPP_OUTBOX_POLL_MS ?? 15_000) } },
  });
}

/** Opens the app; with --restore-backup, a database refused as damaged is replaced by the newest good backup first. */
async function openAppRestoringIfAsked(instanceLock: InstanceLock): Promise<App> {
  try {
    const app = await openApp(instanceLock);
    if (values['restore-backup']) console.log('The database passed its check, so no backup was restored.');
    return app;
  } catch (error) {
    if (!(values['restore-backup'] && error instanceof DatabaseOpenError && error.code === 'database_corrupt')) throw error;
    const { restoredFrom, movedAsideTo } = restoreNewestBackup(databaseFile);
    console.log(
      `Restored the automatic backup from ${restoredFrom}. Work recorded after that backup is not in it. ` +
        `The damaged file was kept as ${movedAsideTo} for IT.`,
    );
    return openApp(instanceLock);
  }
}

async function main(): Promise<void> {
  const here = path.dirname(fileURLToPath(import.meta.url));
  // Held from before the database is looked at (a backup restore included) until the process ends.
  prepareDataFolder(dataDir);
  const instanceLock = acquireInstanceLock(dataDir, { mode: 'web' });
  const app = await openAppRestoringIfAsked(instanceLock);
  const server = await startWebServer({
    app,
    rendererDir: values['renderer-dir'] ?? path.resolve(here, '../renderer'),
    port: Number(values.port),
  });
  instanceLock.announce(server.url);
  console.log(launchLine(server.openUrl));
  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    await server.close();
    await app.close();
    instanceLock.release();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

/** What to print when the app cannot start: a refused database names the backup it can restore. */
function explainStartFailure(error: unknown): string {
  if (error instanceof DatabaseOpenError) {
    if (error.code !== 'database_corrupt') return error.message;
    const backup = newestUsableBackup(databaseFile);
    if (!backup) return `${error.message}\nNo automatic backup that passes the check was found in ${path.join(dataDir, 'backups')}.`;
    return (
      `${error.message}\nThe newest good automatic backup is from ${backup.date}. To restore it (the damaged file is kept, renamed), run:\n` +
      `  npm run start:web -- --data-dir ${JSON.stringify(dataDir)} --restore-backup`
    );
  }
  if (error instanceof AppError || error instanceof RestoreError || error instanceof InstanceLockedError) return error.message;
  const storage = startupStorageFailure(error, dataDir);
  if (storage) return storage.message;
  return `Family Portal PINs could not start: ${error instanceof Error ? error.message : String(error)}`;
}

main().catch((error: unknown) => {
  console.error(explainStartFailure(error));
  process.exit(1);
});
