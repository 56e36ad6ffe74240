import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FamilyView, StatusInfo } from '../../shared/api';
import { localDateIn } from '../../shared/domain/dates';
import { NO_CHOICES, planFamilyPins } from '../../shared/domain/plan';
import { planInputsFromFamily } from '../../shared/planInputs';
import { SYNC_PATHS } from '../../shared/sync/protocol';
import { createApp, type App } from '../../electron/main/app';
import { demoScenarioFamilies } from '../../electron/main/demo/demoPractice';
import { HOLDER_FILE, InstanceLockedError, readHolder } from '../../electron/main/instance/instanceLock';
import { startPortal, type PortalServer } from '../support/portal/server';
import { signInOnWeb } from '../support/signIn';
import { startTestSmtpServer, type TestSmtpServer } from '../support/smtpServer';
import { makeTempDir } from '../support/tempDir';
import { webApi } from '../support/webApi';
import { attemptWebApp, startWebApp } from '../support/webApp';
import { waitFor } from '../support/waitFor';

/**
 * One process per data folder (issue 10): a second start on the same folder, in web mode or in
 * the same process, is refused with a message naming the running instance, while the first keeps
 * working and delivers every outbox row once; after a kill -9 a restart succeeds at once (the
 * operating system dropped the lock with the process). Needs the built web mode (`npm run build`).
 */
const FAMILIES = 60;
const ALREADY_RUNNING =
  /^Family Portal PINs is already running on this data folder \(web mode, process (\d+), since \d\d:\d\d, (http:\/\/127\.0\.0\.1:\d+\/)\)\. Use that window, or stop it first\.$/m;

let temp: ReturnType<typeof makeTempDir>;
let portal: PortalServer;
let smtp: TestSmtpServer;
const opened: App[] = [];

beforeAll(async () => {
  temp = makeTempDir('fpp-instance-');
  const today = localDateIn(new Date(), Intl.DateTimeFormat().resolvedOptions().timeZone);
  // The portal holds the same demo practice as the desk (same seed, same day), as after a first sync.
  portal = await startPortal({
    dbFile: temp.file('portal.sqlite'),
    token: 'lock-token',
    seedDemo: { families: FAMILIES, today, now: new Date() },
    slowMs: 1000,
  });
  smtp = await startTestSmtpServer();
}, 120_000);
afterEach(async () => {
  for (const app of opened.splice(0)) await app.close();
});
afterAll(async () => {
  await portal?.close();
  await smtp?.close();
  temp?.remove();
});

describe('one web-mode process per data folder', () => {
  it('refuses a second start naming the first, which keeps delivering every row exactly once; a restart after kill -9 succeeds at once', async () => {
    const dataDir = temp.file('desk');
    const env = { FPP_OUTBOX_POLL_MS: '100', FPP_PULL_EVERY_MS: '3600000' };
    let desk = await startWebApp({ dataDir, demoFamilies: FAMILIES, env });
    let invoke = webApi(desk.url);
    await signInOnWeb(desk.url, 'admin');
    await invoke('settings.update', { changes: { syncUrl: portal.url, smtpHost: '127.0.0.1', smtpPort: smtp.port, smtpSecurity: 'none' } });
    await invoke('secrets.set', { key: 'syncToken', value: 'lock-token' });
    await signInOnWeb(desk.url, 'demo');
    // A review loaded while the first pull rewrites the family could be refused as stale: pull first.
    await invoke('sync.now', {});

    // Issue PINs for a dozen families: Welcome emails and enrollments wait in the outbox, and the
    // portal answers each enrollment after a second, so the first desk is mid-drain throughout.
    portal.setFault('slow');
    const db = new BetterSqlite3(desk.databaseFile, { readonly: true });
    const scenarios = demoScenarioFamilies(db);
    db.close();
    const families = [...scenarios['siblings-3'], ...scenarios['siblings-2']].slice(0, 12);
    expect(families.length).toBeGreaterThanOrEqual(6);
    let pins = 0;
    let emails = 0;
    for (const familyId of families) {
      const family = await invoke<FamilyView>('family.load', { familyId });
      const { children, contacts } = planInputsFromFamily(family);
      const plan = planFamilyPins(children, contacts, NO_CHOICES);
      const expectedPatientIds = plan.guardians.flatMap((g) => g.children.map((c) => c.patientId));
      await invoke('pins.issue', { batchId: randomUUID(), familyId, choices: NO_CHOICES, expectedPatientIds, reviewToken: family.reviewToken });
      pins += plan.pinCount;
      emails += plan.emailCount;
    }
    expect((await invoke<StatusInfo>('status.get', {})).outboxWaiting).toBeGreaterThan(0);

    // A second start while the first drains its outbox: refused, naming the first.
    const second = await attemptWebApp({ dataDir, demoFamilies: FAMILIES });
    expect(second.exitCode).not.toBe(0);
    const refusal = ALREADY_RUNNING.exec(second.stderr);
    expect(refusal, second.stderr).not.toBeNull();
    expect([Number(refusal![1]), refusal![2]]).toEqual([desk.pid, `${new URL(desk.url).origin}/`]);
    expect(second.stdout).toBe('');
    expect(second.stderr).not.toMatch(/\n\s+at /); // a message, not a stack
    expect((await invoke<StatusInfo>('status.get', {})).outboxWaiting, 'the refusal came while the first was still delivering').toBeGreaterThan(0);
    portal.setFault('none');

    // The first keeps answering and drains everything, each row once.
    await waitFor(async () => (await invoke<StatusInfo>('status.get', {})).outboxWaiting === 0, { what: 'the outbox to drain' });
    expect((await invoke<StatusInfo>('status.get', {})).outboxNeedsAttention).toBe(0);
    expect(smtp.messages).toHaveLength(emails);
    expect(new Set(smtp.messages.map((m) => /^Message-ID:\s*(\S+)/im.exec(m.toString('utf8'))?.[1])).size).toBe(emails);
    expect(portal.requestCounts()[SYNC_PATHS.enrollments]).toBe(pins);
    expect(portal.enrollments()).toHaveLength(pins);

    // kill -9: the holder file stays behind, the lock does not. The restart needs no clean-up and no wait.
    const killedPid = desk.pid;
    await desk.kill();
    expect(readHolder(dataDir)).toMatchObject({ pid: killedPid, mode: 'web' });
    desk = await startWebApp({ dataDir, demoFamilies: FAMILIES, env });
    invoke = webApi(desk.url);
    expect(readHolder(dataDir)).toMatchObject({ pid: desk.pid, mode: 'web', address: `${new URL(desk.url).origin}/` });
    expect((await invoke<StatusInfo>('status.get', {})).outboxWaiting).toBe(0);
    await desk.stop();
    // A clean stop removes the holder file.
    expect(fs.existsSync(path.join(dataDir, HOLDER_FILE))).toBe(false);
    expect(smtp.messages).toHaveLength(emails);
    expect(portal.requestCounts()[SYNC_PATHS.enrollments]).toBe(pins);
  }, 180_000);
});

describe('one app per data folder inside one process', () => {
  it('refuses a second createApp on the same folder, even for another database file in it, while the first keeps working', async () => {
    const folder = makeTempDir('fpp-instance-inproc-');
    try {
      const first = await createApp({ databaseFile: folder.file('practice.sqlite'), workstation: 'desk-1' });
      opened.push(first);
      for (const file of ['practice.sqlite', 'other.sqlite']) {
        const refused = await createApp({ databaseFile: folder.file(file), workstation: 'desk-1' }).catch((error: unknown) => error);
        expect(refused).toBeInstanceOf(InstanceLockedError);
        expect((refused as Error).message).toMatch(
          new RegExp(
            `^Family Portal PINs is already running on this data folder \\(started by a script, process ${process.pid}, since \\d\\d:\\d\\d\\)\\. Use that window, or stop it first\\.$`,
          ),
        );
      }
      expect(await first.invoke('auth.state', {})).toMatchObject({ ok: true });
      expect(fs.existsSync(folder.file('other.sqlite'))).toBe(false); // refused before anything was opened

      // Closed, the folder is free again at once.
      await opened.pop()!.close();
      const next = await createApp({ databaseFile: folder.file('practice.sqlite'), workstation: 'desk-1' });
      opened.push(next);
      expect(await next.invoke('auth.state', {})).toMatchObject({ ok: true });
    } finally {
      for (const app of opened.splice(0)) await app.close();
      folder.remove();
    }
  });

  it('takes no lock for an in-memory database', async () => {
    opened.push(await createApp({ databaseFile: ':memory:' }), await createApp({ databaseFile: ':memory:' }));
    for (const app of opened) expect(await app.invoke('auth.state', {})).toMatchObject({ ok: true });
  });
});
