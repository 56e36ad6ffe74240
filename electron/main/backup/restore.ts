import fs from 'node:fs';
import { newestUsableBackup } from './backupFiles';

export interface RestoreOutcome {
  /** The day of the backup that is now the database. */
  restoredFrom: string;
  /** Where the refused database was moved (kept for IT, never deleted). */
  movedAsideTo: string;
}

export class RestoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RestoreError';
  }
}

function fsyncFile(file: string): void {
  const fd = fs.openSync(file, 'r+');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Puts the newest automatic backup that passes quick_check in place of a refused database. The
 * refused file (and its -wal/-shm) is renamed aside with a timestamp, never deleted; the backup
 * is copied, not moved, so it stays available. Call only while the database is closed.
 */
export function restoreNewestBackup(databaseFile: string, options: { nativeBinding?: string; now?: Date } = {}): RestoreOutcome {
  const backup = newestUsableBackup(databaseFile, options.nativeBinding);
  if (!backup) {
    throw new RestoreError(
      `No automatic backup that passes the integrity check was found beside ${databaseFile}. Ask IT to restore the practice's data from its own backups.`,
    );
  }
  const stamp = (options.now ?? new Date()).toISOString().replace(/[:.]/g, '-');
  const movedAsideTo = `${databaseFile}.damaged-${stamp}`;
  if (fs.existsSync(databaseFile)) fs.renameSync(databaseFile, movedAsideTo);
  for (const suffix of ['-wal', '-shm', '-journal']) {
    if (fs.existsSync(databaseFile + suffix)) fs.renameSync(databaseFile + suffix, movedAsideTo + suffix);
  }
  const incoming = `${databaseFile}.restoring`;
  fs.copyFileSync(backup.file, incoming);
  fs.chmodSync(incoming, 0o600);
  fsyncFile(incoming);
  fs.renameSync(incoming, databaseFile);
  return { restoredFrom: backup.date, movedAsideTo };
}
