import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listBackups } from '../../electron/main/backup/backupFiles';
import { DatabaseOpenError } from '../../electron/main/db/open';
import { InstanceLockedError } from '../../electron/main/instance/instanceLock';
import { DATABASE_FILE_NAME, startApp, type StartupOptions } from '../../electron/main/startup';
import { insertFamilies } from '../support/fixtures';
import { makeTempDir } from '../support/tempDir';
import { damage, familyNamesIn } from '../support/damagedDatabase';

/** The start-up both shells run (electron/main/startup.ts): the Electron shell only adds its dialogs. */
const repoRoot = path.resolve(import.meta.dirname, '../..');
let temp: ReturnType<typeof makeTempDir>;
let dataDir: string;
const clock = new Date('2026-11-22T15:00:00Z');

const options = (restoreBackup: StartupOptions['restoreBackup'] = () => false): StartupOptions => ({
  dataDir,
  mode: 'web',
  app: { now: () => clock, workstation: 'desk-1', backups: { checkEveryMs: 60 * 60_000 } },
  restoreBackup,
});

/** A practice with one family, backed up, then closed with its database damaged. */
async function damagedWithBackup(): Promise<void> {
  const started = await startApp(options());
  if (!started.ok) throw new Error(started.message);
  insertFamilies(started.app.context.sqlite, [
    { id: 'f1', name: 'Lopez', children: [{ id: 'p1', firstName: 'Ana', dateOfBirth: '2015-03-14' }], contacts: [] },
  ]);
  await started.app.backups!.runNow();
  await started.app.close();
  started.instanceLock.release();
  damage(path.join(dataDir, DATABASE_FILE_NAME));
}

beforeEach(() => {
  temp = makeTempDir();
  dataDir = path.join(temp.dir, 'data');
});

afterEach(() => temp.remove());

describe('start-up', () => {
  it('offers the newest good backup for a damaged database and, when declined, changes nothing and leaves the folder unlocked', async () => {
    await damagedWithBackup();
    const databaseFile = path.join(dataDir, DATABASE_FILE_NAME);
    const before = fs.readFileSync(databaseFile);
    const offers: string[] = [];
    const declined = await startApp(
      options(({ backupDate }) => {
        offers.push(backupDate);
        return false;
      }),
    );
    expect(offers).toEqual([listBackups(databaseFile)[0]!.date]);
    expect(declined).toMatchObject({ ok: false, declinedBackup: offers[0] });
    expect(!declined.ok && declined.error instanceof DatabaseOpenError).toBe(true);
    expect(fs.readFileSync(databaseFile).equals(before)).toBe(true);

    // Taken: the backup is put in place (the damaged file kept for IT) and the app opens on it.
    const restored = await startApp(options(() => true));
    if (!restored.ok) throw new Error(restored.message);
    try {
      expect(restored.restored?.restoredFrom).toBe(offers[0]);
      expect(restored.app.context.sqlite.prepare('SELECT name FROM families').pluck().all()).toEqual(['Lopez']);
      expect(fs.readdirSync(dataDir).some((name) => name.startsWith(`${DATABASE_FILE_NAME}.damaged-`))).toBe(true);
    } finally {
      await restored.app.close();
      restored.instanceLock.release();
    }
    expect(familyNamesIn(databaseFile)).toEqual(['Lopez']);
  });

  it('refuses a second start on a folder already open, naming who has it, and the first keeps working', async () => {
    const first = await startApp(options());
    if (!first.ok) throw new Error(first.message);
    try {
      const second = await startApp(options());
      expect(second.ok).toBe(false);
      expect(!second.ok && second.error instanceof InstanceLockedError).toBe(true);
      expect(!second.ok && second.message).toBe(!second.ok && (second.error as Error).message);
      expect((await first.app.invoke('auth.state', {})).ok).toBe(true);
    } finally {
      await first.app.close();
      first.instanceLock.release();
    }
  });

  it('starts again on a demo folder whose mirror is still empty (a demo of no families, its EHR load not come yet)', async () => {
    const demoOptions = (): StartupOptions => ({ ...options(), app: { ...options().app, demo: { families: 0 } } });
    for (const visit of [1, 2]) {
      const started = await startApp(demoOptions());
      if (!started.ok) throw new Error(`start ${visit}: ${started.message}`);
      try {
        expect((await started.app.invoke('auth.state', {})).ok).toBe(true);
        const seeded = started.app.context.sqlite.prepare("SELECT count(*) FROM audit_log WHERE action = 'demo_seeded'").pluck().get();
        expect([visit, seeded]).toEqual([visit, 1]);
      } finally {
        await started.app.close();
        started.instanceLock.release();
      }
    }
  });

  it('close() stops everything start-up started: the process then ends by itself', async () => {
    // Deliveries, the campaign pacer, backups and the audit monitor all running, as in web mode and Electron.
    const script = temp.file('startAndClose.mts');
    fs.writeFileSync(
      script,
      `import { startApp } from ${JSON.stringify(path.join(repoRoot, 'electron/main/startup.ts'))};
const started = await startApp({
  dataDir: ${JSON.stringify(dataDir)},
  mode: 'web',
  app: { demo: { families: 3 }, startDeliveries: true, backups: true },
  restoreBackup: () => false,
});
if (!started.ok) {
  console.error(started.message);
  process.exitCode = 2;
} else {
  await started.app.close();
  started.instanceLock.release();
  console.log('closed');
}
`,
    );
    const child = spawn(process.execPath, [path.join(repoRoot, 'node_modules/tsx/dist/cli.mjs'), script], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    // No process.exit in the script: it ends only if no timer, worker, socket or database is left open.
    const ended = once(child, 'exit');
    const timeout = new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 30_000).unref());
    const outcome = await Promise.race([ended, timeout]);
    if (outcome === 'still running') child.kill('SIGKILL');
    expect(outcome, output).toEqual([0, null]);
    expect(output.trim().split('\n').at(-1)).toBe('closed');
  });
});
