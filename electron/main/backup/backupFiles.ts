import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';

/**
 * Automatic backups live in `<data>/backups/<name>-YYYY-MM-DD.sqlite`, one per day, each a
 * complete, self-contained SQLite file readable only by this user.
 */
export interface BackupFile {
  date: string;
  file: string;
}

export function backupDir(databaseFile: string): string {
  return path.join(path.dirname(databaseFile), 'backups');
}

function baseName(databaseFile: string): string {
  return path.basename(databaseFile).replace(/\.sqlite$/, '');
}

export function backupFileFor(databaseFile: string, date: string): string {
  return path.join(backupDir(databaseFile), `${baseName(databaseFile)}-${date}.sqlite`);
}

/** Every backup of this database, newest first. */
export function listBackups(databaseFile: string): BackupFile[] {
  const dir = backupDir(databaseFile);
  const pattern = new RegExp(`^${baseName(databaseFile).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-(\\d{4}-\\d{2}-\\d{2})\\.sqlite$`);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .flatMap((name) => {
      const match = pattern.exec(name);
      return match ? [{ date: match[1]!, file: path.join(dir, name) }] : [];
    })
    .sort((a, b) => b.date.localeCompare(a.date));
}

/** True when the file opens as SQLite and passes quick_check. */
export function passesQuickCheck(file: string, nativeBinding?: string): boolean {
  let probe: BetterSqlite3.Database | null = null;
  try {
    probe = new BetterSqlite3(file, { readonly: true, fileMustExist: true, nativeBinding });
    return String(probe.pragma('quick_check', { simple: true })) === 'ok';
  } catch {
    return false;
  } finally {
    probe?.close();
  }
}

/** The newest backup that passes quick_check, or null. */
export function newestUsableBackup(databaseFile: string, nativeBinding?: string): BackupFile | null {
  return listBackups(databaseFile).find((backup) => passesQuickCheck(backup.file, nativeBinding)) ?? null;
}

/** Removes backups older than `keepDays` days before `today` (today's counts as one of them). */
export function pruneBackups(databaseFile: string, today: string, keepDays: number): string[] {
  const oldestKept = new Date(Date.parse(`${today}T00:00:00Z`) - (keepDays - 1) * 86_400_000).toISOString().slice(0, 10);
  const removed: string[] = [];
  for (const backup of listBackups(databaseFile)) {
    if (backup.date < oldestKept) {
      fs.rmSync(backup.file, { force: true });
      removed.push(backup.file);
    }
  }
  return removed;
}
