/**
 * Web mode entry (`npm run start:web`, end-to-end tests): the same createApp as Electron, served
 * to a browser on 127.0.0.1. Prints the address to open once, in a line scripts can read too
 * (web/launchLine.ts).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DatabaseOpenError } from './db/open';
import { databaseUpdateMessage, startApp, startFailureMessage, type Startup } from './startup';
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

/** What to print when the app cannot start: a database refused as damaged names the backup it can restore. */
function explainStartFailure(failure: Extract<Startup, { ok: false }>): string {
  const { error } = failure;
  if (!(error instanceof DatabaseOpenError && error.code === 'database_corrupt')) return failure.message;
  if (failure.declinedBackup === null) return `${failure.message}\nNo automatic backup that passes the check was found in ${path.join(dataDir, 'backups')}.`;
  return (
    `${failure.message}\nThe newest good automatic backup is from ${failure.declinedBackup}. To restore it (the damaged file is kept, renamed), run:\n` +
    `  npm run start:web -- --data-dir ${JSON.stringify(dataDir)} --restore-backup`
  );
}

async function main(): Promise<void> {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const started = await startApp({
    dataDir,
    mode: 'web',
    app: {
      demo: values['no-demo'] ? false : { families: Number(values['demo-families']) },
      startDeliveries: true,
      backups: true,
      onDatabaseUpdate: (progress) => console.log(databaseUpdateMessage(progress)),
      deliveries: { pullEveryMs: Number(process.env.FPP_PULL_EVERY_MS ?? 5 * 60_000), worker: { pollMs: Number(process.env.FPP_OUTBOX_POLL_MS ?? 15_000) } },
    },
    // Only when asked on the command line; otherwise the failure names the command.
    restoreBackup: () => values['restore-backup'],
  });
  if (!started.ok) {
    console.error(explainStartFailure(started));
    process.exit(1);
  }
  const { app, instanceLock, restored } = started;
  if (restored) {
    console.log(
      `Restored the automatic backup from ${restored.restoredFrom}. Work recorded after that backup is not in it. ` +
        `The damaged file was kept as ${restored.movedAsideTo} for IT.`,
    );
  } else if (values['restore-backup']) {
    console.log('The database passed its check, so no backup was restored.');
  }
  const server = await startWebServer({
    app,
    rendererDir: values['renderer-dir'] ?? path.resolve(here, '../renderer'),
    port: Number(values.port),
  });
  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    await server.close();
    await app.close();
    instanceLock.release();
    process.exit(0);
  };
  // Before the address is given out: whoever reads it may stop the app at once (a script, a test), and a
  // stop that came before these were set ended the process without closing it (its WAL files and
  // instance.json left behind).
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  instanceLock.announce(server.url);
  console.log(launchLine(server.openUrl));
}

main().catch((error: unknown) => {
  console.error(startFailureMessage(error, dataDir));
  process.exit(1);
});
