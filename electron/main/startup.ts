/**
 * Start-up, the same for the Electron shell and web mode: take the data folder's lock, open the
 * app, and when the database is refused as damaged offer the newest good automatic backup (the
 * Electron shell asks in a dialog, web mode answers with its --restore-backup flag). The shells
 * only say the outcome in their own way.
 */
import path from 'node:path';
import { createApp, type App, type AppConfig } from './app';
import { newestUsableBackup } from './backup/backupFiles';
import { RestoreError, restoreNewestBackup, type RestoreOutcome } from './backup/restore';
import { DatabaseOpenError, type DatabaseUpdateProgress } from './db/open';
import { AppError, startupStorageFailure } from './errors';
import { acquireInstanceLock, InstanceLockedError, type InstanceLock, type InstanceMode } from './instance/instanceLock';
import { prepareDataFolder } from './secrets/dataFolder';

export const DATABASE_FILE_NAME = 'practice.sqlite';

export interface StartupOptions {
  dataDir: string;
  mode: InstanceMode;
  /** What createApp needs besides the database file and the lock (taken here). */
  app: Omit<AppConfig, 'databaseFile' | 'instanceLock'>;
  /**
   * The database was refused as damaged and a backup passes its check: restore it, then start?
   * Nothing is restored without this answer.
   */
  restoreBackup(offer: { error: DatabaseOpenError; backupDate: string }): boolean | Promise<boolean>;
}

export type Startup =
  | { ok: true; app: App; instanceLock: InstanceLock; databaseFile: string; restored: RestoreOutcome | null }
  /** Nothing is left open or locked. `declinedBackup`: the date of the good backup offered and not taken. */
  | { ok: false; error: unknown; message: string; declinedBackup: string | null; databaseFile: string };

export async function startApp(options: StartupOptions): Promise<Startup> {
  const databaseFile = path.join(options.dataDir, DATABASE_FILE_NAME);
  const failed = (error: unknown, declinedBackup: string | null = null): Startup => ({
    ok: false,
    error,
    message: startFailureMessage(error, options.dataDir),
    declinedBackup,
    databaseFile,
  });
  let instanceLock: InstanceLock;
  try {
    // Held from before the database is looked at (a backup restore included) until the app closes.
    prepareDataFolder(options.dataDir);
    instanceLock = acquireInstanceLock(options.dataDir, { mode: options.mode, nativeBinding: options.app.nativeBinding });
  } catch (error) {
    return failed(error);
  }
  const config: AppConfig = { ...options.app, databaseFile, instanceLock };
  try {
    return { ok: true, app: await createApp(config), instanceLock, databaseFile, restored: null };
  } catch (error) {
    if (!(error instanceof DatabaseOpenError && error.code === 'database_corrupt')) {
      instanceLock.release();
      return failed(error);
    }
    const backup = newestUsableBackup(databaseFile, options.app.nativeBinding);
    if (!backup) {
      instanceLock.release();
      return failed(error);
    }
    let restored: RestoreOutcome;
    try {
      if (!(await options.restoreBackup({ error, backupDate: backup.date }))) {
        instanceLock.release();
        return failed(error, backup.date);
      }
      restored = restoreNewestBackup(databaseFile, { nativeBinding: options.app.nativeBinding });
      return { ok: true, app: await createApp(config), instanceLock, databaseFile, restored };
    } catch (again) {
      instanceLock.release();
      return failed(again);
    }
  }
}

/**
 * What the person starting the app reads while an upgrade updates the database (db/open.ts runs it
 * off the main thread): a large practice's update takes minutes, and an app that shows nothing for
 * that long gets closed and started again, which only starts the update over.
 */
export function databaseUpdateMessage({ step, of }: DatabaseUpdateProgress): string {
  return (
    `Updating the practice database for this version of Family Portal PINs (step ${step} of ${of}). ` +
    'On a large practice this can take a few minutes. Keep the app open: it starts by itself when the update is done.'
  );
}

/** The Electron shell's update window: the message as a static page (no script; its own CSP). */
export function databaseUpdatePage(progress: DatabaseUpdateProgress): string {
  const text = databaseUpdateMessage(progress).replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">` +
    `<title>Family Portal PINs</title><style>body{font:15px/1.45 system-ui,sans-serif;margin:24px;color:#1a1a1a}` +
    `progress{width:100%;margin-top:12px}</style></head><body><p role="status">${text}</p>` +
    // Indeterminate: one step can be a second or minutes.
    '<progress aria-label="Updating"></progress></body></html>'
  );
}

/** What to tell the person starting the app when it cannot start, in words (never a stack). */
export function startFailureMessage(error: unknown, dataDir: string): string {
  if (error instanceof DatabaseOpenError || error instanceof AppError || error instanceof RestoreError || error instanceof InstanceLockedError) {
    return error.message;
  }
  return startupStorageFailure(error, dataDir)?.message ?? `Family Portal PINs could not start: ${error instanceof Error ? error.message : String(error)}`;
}
