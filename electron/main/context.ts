import type BetterSqlite3 from 'better-sqlite3';
import { localDateIn, type IsoDate } from '../../shared/domain/dates';
import type { Settings } from '../../shared/settings';
import type { Db } from './db/open';
import { readSettings } from './settings/settingsService';

/** What every service needs: the mirror, the clock, the workstation and who is signed in. */
export interface AppContext {
  db: Db;
  sqlite: BetterSqlite3.Database;
  workstation: string;
  demo: boolean;
  now(): Date;
  session: { clerkId: string | null };
  settings(): Promise<Settings>;
  /** The practice's local calendar date. */
  today(): Promise<IsoDate>;
}

export function createContext(init: {
  db: Db;
  sqlite: BetterSqlite3.Database;
  workstation: string;
  demo: boolean;
  now: () => Date;
}): AppContext {
  const context: AppContext = {
    ...init,
    session: { clerkId: null },
    settings: () => readSettings(init.db),
    async today() {
      const { timeZone } = await context.settings();
      return localDateIn(init.now(), timeZone || Intl.DateTimeFormat().resolvedOptions().timeZone);
    },
  };
  return context;
}
