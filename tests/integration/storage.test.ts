import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FamilyView, IssuedBatch } from '../../shared/api';
import { NO_CHOICES } from '../../shared/domain/plan';
import type { App } from '../../electron/main/app';
import type { FamilyFixture } from '../support/fixtures';
import { makeTempDir } from '../support/tempDir';
import { DANA, NEW_YORK_TIME, openTestDesk } from '../support/testDesk';

/**
 * Full disk and read-only storage, simulated in ways that also bite as root (CI runs as root,
 * where chmod does not stop writes): a page limit on the database (`PRAGMA max_page_count`),
 * a connection switched to `PRAGMA query_only`, and, for the start-up check, the web-mode
 * process run as an unprivileged user on a folder it cannot write.
 */
const NOW = new Date('2026-11-22T15:00:00Z');
const repoRoot = path.resolve(import.meta.dirname, '../..');
let temp: ReturnType<typeof makeTempDir>;
let app: App;

const family = (id: string, name: string, kids: number): FamilyFixture => ({
  id,
  name,
  children: Array.from({ length: kids }, (_, i) => ({ id: `${id}-${i}`, firstName: `Kid${'abcdefgh'[i]}`, dateOfBirth: `201${i}-03-14` })),
  contacts: [
    {
      id: `${id}-parent`,
      firstName: 'Maria',
      lastName: name,
      email: `${id}@example.com`,
      links: Array.from({ length: kids }, (_, i) => ({
        patientId: `${id}-${i}`,
        sort: 1,
        authority: 'Joint' as const,
        residesWith: true,
        relationship: 'Mother',
      })),
    },
  ],
});

async function issue(familyId: string) {
  const loaded = await app.invoke('family.load', { familyId });
  if (!loaded.ok) throw new Error(loaded.error.message);
  const view = loaded.value as FamilyView;
  const expectedPatientIds = view.children.filter((c) => c.verdict.kind === 'eligible').map((c) => c.patientId);
  return app.invoke('pins.issue', { batchId: randomUUID(), familyId, choices: NO_CHOICES, expectedPatientIds, reviewToken: view.reviewToken });
}

const count = (table: string) => app.context.sqlite.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;

beforeEach(async () => {
  temp = makeTempDir();
  app = await openTestDesk(temp.file('practice.sqlite'), {
    now: () => NOW,
    workstation: 'desk-1',
    settings: NEW_YORK_TIME,
    clerks: [DANA],
    families: [family('f-lopez', 'Lopez', 3), family('f-nguyen', 'Nguyen', 8)],
  });
});
afterEach(async () => {
  await app.close();
  temp.remove();
});

describe('a full disk', () => {
  it('refuses the change with a clear message, keeps confirmed work, and works again once space is freed', async () => {
    const confirmed = await issue('f-lopez');
    expect(confirmed.ok).toBe(true);
    const batchId = (confirmed as { value: IssuedBatch }).value.batchId;
    const before = { pins: count('pins'), outbox: count('outbox') };

    // The database may not grow by a single page: the disk is "full". Its free pages first go (a new mirror keeps
    // those of the tables migration 017 dropped, which SQLite would reuse as a full disk allows).
    app.context.sqlite.exec('VACUUM');
    const pages = app.context.sqlite.pragma('page_count', { simple: true }) as number;
    app.context.sqlite.pragma(`max_page_count = ${pages}`);
    const refused = await issue('f-nguyen');
    expect(refused).toEqual({
      ok: false,
      error: {
        code: 'storage',
        message: 'The disk is full: nothing was saved. Free some space on this computer (or ask IT to), then try again.',
        details: { problem: 'full' },
      },
    });
    expect({ pins: count('pins'), outbox: count('outbox') }).toEqual(before);
    const reprint = await app.invoke('pins.packet', { batchId });
    expect(reprint.ok).toBe(true);

    app.context.sqlite.pragma('max_page_count = 1073741823');
    const retried = await issue('f-nguyen');
    expect(retried.ok).toBe(true);
    expect(count('pins')).toBe(before.pins + 8);
  });
});

describe('a read-only data folder', () => {
  it('refuses changes with a clear message while the database cannot be written, and works again after', async () => {
    app.context.sqlite.pragma('query_only = ON');
    const refused = await issue('f-lopez');
    expect(refused).toMatchObject({
      ok: false,
      error: { code: 'storage', message: expect.stringMatching(/^The data folder cannot be written \(it is read-only\): nothing was saved\. Ask IT/) },
    });
    expect(count('pins')).toBe(0);
    // Reading still works: the desk can look families up.
    expect((await app.invoke('family.load', { familyId: 'f-lopez' })).ok).toBe(true);

    app.context.sqlite.pragma('query_only = OFF');
    expect((await issue('f-lopez')).ok).toBe(true);
  });

  /** True when an unprivileged user can reach the built app (a clone under /root cannot be). */
  function readableByOthers(file: string): boolean {
    for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
      if ((fs.statSync(dir).mode & 0o001) === 0) return false;
      if (dir === path.dirname(dir)) break;
    }
    return (fs.statSync(file).mode & 0o004) !== 0;
  }
  const isRoot = process.getuid?.() === 0;
  const webEntry = path.join(repoRoot, 'out/main/web.js');

  it.skipIf(isRoot && !readableByOthers(webEntry))('says at start which folder cannot be written, instead of failing later', async () => {
    const dataDir = path.join(temp.dir, 'locked');
    fs.mkdirSync(dataDir, { mode: 0o555 });
    fs.chmodSync(dataDir, 0o555);
    fs.chmodSync(temp.dir, 0o755);
    // As root, chmod does not stop writes: run the app as "nobody", for whom the folder is read-only.
    const child = spawn(process.execPath, [webEntry, '--data-dir', dataDir, '--demo-families', '5'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(isRoot ? { uid: 65534, gid: 65534 } : {}),
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(output.trim()).toBe(
      `Family Portal PINs cannot write to its data folder ${dataDir} (it is read-only for this user). Ask IT to make it writable, then start the app again.`,
    );
    expect(fs.readdirSync(dataDir)).toEqual([]);
  });
});
