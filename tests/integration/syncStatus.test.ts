import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FamilyView, StatusInfo } from '../../shared/api';
import { connectionLabel } from '../../shared/domain/connection';
import { NO_CHOICES } from '../../shared/domain/plan';
import { createApp, type App } from '../../electron/main/app';
import { startPortal, type PortalServer } from '../support/portal/server';
import { insertFamilies, LOPEZ_CHILDREN, lopezFamily } from '../support/fixtures';
import { asAdministrator, signInTestClerk } from '../support/signIn';
import { makeTempDir } from '../support/tempDir';

/**
 * Issue 12 item 7: the status a clerk reads never contradicts itself. "Sync now" works as soon as
 * the address and token are saved (a refusal from before setup is not kept), and the status bar
 * does not say "Online" next to "Last sync: never", nor about an address that was replaced.
 */

let temp: ReturnType<typeof makeTempDir>;
let portal: PortalServer;
let app: App;

async function call<T>(name: string, input: unknown = {}): Promise<{ ok: true; value: T } | { ok: false; message: string }> {
  const result = await app.invoke(name, input);
  return result.ok ? { ok: true, value: result.value as T } : { ok: false, message: result.error.message };
}
async function ok<T>(name: string, input: unknown = {}): Promise<T> {
  const result = await call<T>(name, input);
  if (!result.ok) throw new Error(`${name}: ${result.message}`);
  return result.value;
}
/** The status bar's first words, as the renderer words them from status.get. */
async function statusBar(): Promise<{ connection: string; lastSync: string }> {
  const status = await ok<StatusInfo>('status.get');
  return { connection: connectionLabel(status).text, lastSync: status.lastSyncAt ? 'set' : 'never' };
}
const setUpSync = (url: string, token: string) =>
  asAdministrator(app, async () => {
    await ok('settings.update', { changes: { syncUrl: url } });
    await ok('secrets.set', { key: 'syncToken', value: token });
  });

beforeEach(async () => {
  temp = makeTempDir();
  portal = await startPortal({ dbFile: temp.file('portal.sqlite'), token: 'sync-secret' });
});
afterEach(async () => {
  await app?.close();
  await portal.close();
  temp.remove();
});

async function openDesk() {
  app = await createApp({
    databaseFile: temp.file('desk/practice.sqlite'),
    workstation: 'desk-1',
    deliveries: { pullEveryMs: 3_600_000, worker: { random: () => 0.5 } },
  });
  await signInTestClerk(app);
}

describe('Sync now and the status bar after setup', () => {
  it('Sync now refused before setup works once the address and token are saved, without a restart', async () => {
    await openDesk();
    for (let i = 0; i < 2; i++) {
      const refused = await call('sync.now');
      expect(refused).toEqual({ ok: false, message: 'The practice system is not set up: enter its address and token in Settings.' });
    }
    expect(await statusBar()).toEqual({ connection: 'Practice system: not set up', lastSync: 'never' });

    await setUpSync(portal.url, 'sync-secret');
    const synced = await call<{ lastSyncAt: string }>('sync.now');
    expect(synced.ok).toBe(true);
    expect(await statusBar()).toEqual({ connection: 'Online', lastSync: 'set' });
  });

  it('never says "Online" beside "Last sync: never", nor about an address that was replaced', async () => {
    await openDesk();
    insertFamilies(app.context.sqlite, [lopezFamily('maria@example.com', LOPEZ_CHILDREN.slice(0, 1))]);
    portal.addPatients(['p-ana']);
    await setUpSync(portal.url, 'sync-secret');
    expect(await statusBar()).toEqual({ connection: 'Practice system: not connected yet', lastSync: 'never' });

    // A registration reaches the portal before any sync: it answered, but nothing was synced yet.
    const family = await ok<FamilyView>('family.load', { familyId: 'f-lopez' });
    await ok('pins.issue', { batchId: randomUUID(), familyId: 'f-lopez', choices: NO_CHOICES, expectedPatientIds: ['p-ana'], reviewToken: family.reviewToken });
    await app.deliveries.worker.drain();
    expect(portal.enrollments()).toHaveLength(1);
    expect(await statusBar()).toEqual({ connection: 'Connected: not synced yet', lastSync: 'never' });

    await ok('sync.now');
    expect(await statusBar()).toEqual({ connection: 'Online', lastSync: 'set' });

    // Another address: what was known about the old one no longer counts.
    await setUpSync('http://127.0.0.1:9', 'sync-secret');
    expect((await statusBar()).connection).toBe('Practice system: not connected yet');
    expect(await call('sync.now')).toMatchObject({ ok: false, message: expect.stringMatching(/could not be reached/) });
    expect((await statusBar()).connection).toBe('Offline: PINs still work, deliveries wait');

    // The address removed: not set up, whatever the last answer was.
    await asAdministrator(app, () => ok('settings.update', { changes: { syncUrl: '' } }));
    expect((await statusBar()).connection).toBe('Practice system: not set up');
  });
});
