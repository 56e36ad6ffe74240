import fs from 'node:fs';
import type { AppContext } from '../context';
import { backupDir, backupFileFor, pruneBackups } from './backupFiles';

export interface BackupOutcome {
  /** The backup for today (already there, or just written); null when it could not be written. */
  file: string | null;
  created: boolean;
  removed: string[];
}

export interface BackupScheduleOptions {
  databaseFile: string;
  /** How often to look whether today's backup exists (default hourly, so a new day gets one soon). */
  checkEveryMs?: number;
}

/**
 * Copies the live database into today's backup with SQLite's online backup API (the desk keeps
 * working while pages are copied), once at start when today's is missing and then once a day
 * while the app runs, and removes backups older than the backupKeepDays setting.
 */
export async function backUpToday(ctx: AppContext, databaseFile: string): Promise<BackupOutcome> {
  const [today, settings] = await Promise.all([ctx.today(), ctx.settings()]);
  const target = backupFileFor(databaseFile, today);
  let created = false;
  if (!fs.existsSync(target)) {
    fs.mkdirSync(backupDir(databaseFile), { recursive: true, mode: 0o700 });
    const partial = `${target}.partial`;
    fs.rmSync(partial, { force: true });
    await ctx.sqlite.backup(partial);
    fs.chmodSync(partial, 0o600);
    fs.renameSync(partial, target);
    created = true;
  }
  const removed = pruneBackups(databaseFile, today, settings.backupKeepDays);
  return { file: target, created, removed };
}

export class BackupSchedule {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<BackupOutcome> | null = null;
  private stopped = false;

  constructor(
    private readonly ctx: AppContext,
    private readonly options: BackupScheduleOptions,
  ) {}

  /** Takes today's backup if it is missing, then checks again every hour; the timer never keeps the process alive. */
  start(): void {
    void this.runNow();
    this.timer = setInterval(() => void this.runNow(), this.options.checkEveryMs ?? 60 * 60_000);
    this.timer.unref();
  }

  /** One pass (concurrent callers share it). A failure is logged and tried again on the next pass. */
  runNow(): Promise<BackupOutcome> {
    if (this.stopped) return Promise.resolve({ file: null, created: false, removed: [] });
    this.running ??= backUpToday(this.ctx, this.options.databaseFile)
      .catch((error: unknown) => {
        // The code only: driver messages may quote data.
        console.error('Automatic backup failed:', (error as { code?: string }).code ?? (error as Error).name);
        return { file: null, created: false, removed: [] };
      })
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  /** Stops the timer and waits for a backup in progress, so the database can close. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
