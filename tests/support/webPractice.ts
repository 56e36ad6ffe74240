import BetterSqlite3 from 'better-sqlite3';
import { localDateIn } from '../../shared/domain/dates';
import { startPortal, type PortalServer } from './portal/server';
import { signInOnWeb } from './signIn';
import { makeTempDir } from './tempDir';
import { webApi } from './webApi';
import { startWebApp, type WebApp } from './webApp';

/** A patient of the desk's demo practice, as the specs look them up. */
export interface Kid {
  id: string;
  first_name: string;
  last_name: string;
  date_of_birth: string;
  chart_number: string;
}

/**
 * The set-up of the specs that need a practice system: the reference portal seeded with the same
 * demo practice as a web-mode desk (as after an initial sync), the desk's outbox looking every
 * 300 ms, and the desk's database open read-only for the spec's own checks.
 */
export interface WebPractice {
  portal: PortalServer;
  desk: WebApp;
  db: BetterSqlite3.Database;
  /** A family's patients, oldest first. */
  kids(familyId: string): Kid[];
  /** As the administrator does in Settings: the desk syncs with the practice system (and takes any other settings given). */
  connect(changes?: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

export async function startWebPractice(options: { families: number; tempPrefix: string; token: string }): Promise<WebPractice> {
  const temp = makeTempDir(options.tempPrefix);
  const today = localDateIn(new Date(), Intl.DateTimeFormat().resolvedOptions().timeZone);
  const portal = await startPortal({
    dbFile: temp.file('portal.sqlite'),
    token: options.token,
    seedDemo: { families: options.families, today, now: new Date() },
  });
  const desk = await startWebApp({ demoFamilies: options.families, env: { FPP_OUTBOX_POLL_MS: '300' } });
  const db = new BetterSqlite3(desk.databaseFile, { readonly: true });
  const kids = db.prepare('SELECT id, first_name, last_name, date_of_birth, chart_number FROM patients WHERE family_id = ? ORDER BY date_of_birth');
  return {
    portal,
    desk,
    db,
    kids: (familyId) => kids.all(familyId) as Kid[],
    async connect(changes = {}) {
      await signInOnWeb(desk.url, 'admin');
      const invoke = webApi(desk.url);
      await invoke('settings.update', { changes: { syncUrl: portal.url, ...changes } });
      await invoke('secrets.set', { key: 'syncToken', value: options.token });
    },
    async close() {
      db.close();
      await desk.stop();
      await portal.close();
      temp.remove();
    },
  };
}
