import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createApp, type App } from '../../electron/main/app';
import { backupFileFor, listBackups } from '../../electron/main/backup/backupFiles';
import { restoreNewestBackup } from '../../electron/main/backup/restore';
import { DatabaseOpenError } from '../../electron/main/db/open';
import { insertFamilies, type FamilyFixture } from '../support/fixtures';
import { makeTempDir } from '../support/tempDir';
import { ADA_ADMIN, NEW_YORK_TIME, openTestDesk } from '../support/testDesk';
import { startWebApp } from '../support/webApp';
import { damage, familyNamesIn } from '../support/damagedDatabase';

const repoRoot = path.resolve(import.meta.dirname, '../..');
let temp: ReturnType<typeof makeTempDir>;
let app: App | null = null;
let databaseFile: string;
let clock: Date;

const family = (id: string, name: string): FamilyFixture => ({
  id,
  name,
  children: [{ id: `${id}-kid`, firstName: 'Ana', dateOfBirth: '2015-03-14' }],
  contacts: [],
});

async function open(checkEveryMs = 60 * 60_000): Promise<App> {
  app = await openTestDesk(databaseFile, { now: () => clock, workstation: 'desk-1', backups: { checkEveryMs }, settings: NEW_YORK_TIME, clerks: [ADA_ADMIN] });
  return app;
}

async function close(): Promise<void> {
  await app?.close();
  app = null;
}

beforeEach(() => {
  temp = makeTempDir();
  databaseFile = path.join(temp.dir, 'desk', 'practice.sqlite');
  clock = new Date('2026-11-22T15:00:00Z');
});
afterEach(async () => {
  await close();
  temp.remove();
});

describe('automatic backups', () => {
  it('backs up at start with the online backup API, owner-only, and not twice the same day', async () => {
    await open();
    insertFamilies(app!.context.sqlite, [family('f-1', 'Lopez')]);
    const first = await app!.backups!.runNow();
    // The start-up pass may already have written today's file (before the Lopez family existed).
    expect(first.file).toBe(backupFileFor(databaseFile, '2026-11-22'));
    expect(fs.statSync(first.file!).mode & 0o777).toBe(0o600);
    expect(listBackups(databaseFile).map((b) => b.date)).toEqual(['2026-11-22']);
    const again = await app!.backups!.runNow();
    expect(again.created).toBe(false);
  });

  it('takes a new backup when the day changes while the app runs, and keeps backupKeepDays days', async () => {
    await open(20);
    await app!.backups!.runNow();
    const backups = path.dirname(backupFileFor(databaseFile, '2026-11-22'));
    for (const day of ['2026-11-01', '2026-11-09', '2026-11-10']) fs.copyFileSync(backupFileFor(databaseFile, '2026-11-22'), backupFileFor(databaseFile, day));
    const update = await app!.invoke('settings.update', { changes: { backupKeepDays: 14 } });
    expect(update.ok).toBe(true);

    clock = new Date('2026-11-23T15:00:00Z');
    await vi.waitFor(() => expect(fs.existsSync(backupFileFor(databaseFile, '2026-11-23'))).toBe(true), { timeout: 10_000 });
    await vi.waitFor(() => expect(listBackups(databaseFile).map((b) => b.date)).toEqual(['2026-11-23', '2026-11-22', '2026-11-10']), { timeout: 10_000 });
    expect(fs.readdirSync(backups).filter((n) => n.endsWith('.partial'))).toEqual([]);
  });

  it('refuses a damaged database, then restores the newest backup that passes its check and keeps the damaged file', async () => {
    await open();
    insertFamilies(app!.context.sqlite, [family('f-1', 'Lopez')]);
    await app!.backups!.runNow();
    // Yesterday's backup is good, today's is damaged too: the good one wins.
    fs.renameSync(backupFileFor(databaseFile, '2026-11-22'), backupFileFor(databaseFile, '2026-11-21'));
    await app!.backups!.runNow();
    insertFamilies(app!.context.sqlite, [family('f-2', 'Nguyen')]);
    await close();
    damage(backupFileFor(databaseFile, '2026-11-22'));
    damage(databaseFile);
    const damagedBytes = fs.readFileSync(databaseFile);

    const refused = await createApp({ databaseFile, now: () => clock }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DatabaseOpenError);
    expect((refused as DatabaseOpenError).code).toBe('database_corrupt');

    const outcome = restoreNewestBackup(databaseFile, { now: clock });
    expect(outcome.restoredFrom).toBe('2026-11-21');
    expect(fs.readFileSync(outcome.movedAsideTo).equals(damagedBytes)).toBe(true);
    expect(fs.statSync(databaseFile).mode & 0o777).toBe(0o600);

    await open();
    expect(app!.context.sqlite.prepare('SELECT name FROM families').pluck().all()).toEqual(['Lopez']);
    expect(fs.existsSync(backupFileFor(databaseFile, '2026-11-21'))).toBe(true);
  });

  it('says so when no backup passes its check, and changes nothing', async () => {
    await open();
    await app!.backups!.runNow();
    await close();
    damage(databaseFile);
    damage(backupFileFor(databaseFile, '2026-11-22'));
    const before = fs.readFileSync(databaseFile);
    expect(() => restoreNewestBackup(databaseFile)).toThrow(/No automatic backup that passes the integrity check/);
    expect(fs.readFileSync(databaseFile).equals(before)).toBe(true);
  });
});

describe('web mode with a damaged database', () => {
  it('prints the exact command to restore the newest backup, and that command restores it', async () => {
    const dataDir = path.join(temp.dir, 'web');
    const web = await startWebApp({ dataDir, demoFamilies: 5 });
    await vi.waitFor(() => expect(listBackups(path.join(dataDir, 'practice.sqlite'))).toHaveLength(1), { timeout: 20_000 });
    const families = familyNamesIn(listBackups(path.join(dataDir, 'practice.sqlite'))[0]!.file);
    await web.stop();
    damage(path.join(dataDir, 'practice.sqlite'));

    const child = spawn(process.execPath, ['out/main/web.js', '--data-dir', dataDir, '--demo-families', '5'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(output).toContain('is damaged');
    expect(output).toContain(`npm run start:web -- --data-dir ${JSON.stringify(dataDir)} --restore-backup`);

    const restored = await startWebApp({ dataDir, demoFamilies: 5, args: ['--restore-backup'] });
    try {
      expect((await fetch(new URL('/', restored.url))).status).toBe(200);
    } finally {
      await restored.stop();
    }
    expect(familyNamesIn(path.join(dataDir, 'practice.sqlite'))).toEqual(families);
    expect(fs.readdirSync(dataDir).some((n) => n.startsWith('practice.sqlite.damaged-'))).toBe(true);
  });
});
