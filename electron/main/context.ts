import type BetterSqlite3 from 'better-sqlite3';
import { localDateIn, type IsoDate } from '../../shared/domain/dates';
import { practiceTimeZone, type Settings } from '../../shared/settings';
import type { DataCipher } from './crypto/envelope';
import type { DeskTurn } from './db/deskTurn';
import type { Db } from './db/open';
import { IssueJournal } from './pins/issueJournal';

/** What every service needs: the mirror, the clock, the workstation and who is signed in. */
export interface AppContext {
  db: Db;
  sqlite: BetterSqlite3.Database;
  workstation: string;
  demo: boolean;
  /** Key for PIN fingerprints (see pins/pinSecrets.ts). */
  pinKey: Buffer;
  /** Seals the secret fields of outbox payloads (crypto/payloadSeal.ts) with the data key. */
  cipher: DataCipher;
  now(): Date;
  /**
   * Milliseconds on a clock that only moves forward with real time: measure elapsed time with it
   * (inactivity, pacing), never with now(), which jumps when the machine's clock is set.
   */
  monotonicMs(): number;
  session: { clerkId: string | null };
  /** The workstation's lock (clerks/station.ts): in memory, a restart signs everyone out anyway. */
  station: { locked: boolean /** monotonicMs() of the last clerk activity. */; lastActivityMs: number };
  /** Sign-ins, setups and sign-outs run one at a time (clerks/authService.ts): the tail of that queue. */
  authQueue: { tail: Promise<unknown> };
  settings(): Promise<Settings>;
  /** Call after writing settings: the next read goes to the database. */
  settingsChanged(): void;
  /** Call after committing outbox rows: the delivery worker looks at once (createApp passes the notice in). */
  outboxChanged(): void;
  /** The practice's local calendar date. */
  today(): Promise<IsoDate>;
  /** PINs issued while a job writes, on their way to the mirror (pins/issueJournal.ts). */
  issueJournal: IssueJournal;
}

/** What createApp passes in: the context's own fields, and how to read the settings. */
type ContextInit = Pick<AppContext, 'db' | 'sqlite' | 'workstation' | 'demo' | 'pinKey' | 'cipher' | 'now' | 'monotonicMs' | 'outboxChanged'> & {
  /** Reads the settings from the database (settings/settingsService.ts). */
  readSettings: (db: Db) => Promise<Settings>;
  /** The counters the app's connection shares with the job workers (db/deskTurn.ts). */
  deskTurn?: DeskTurn;
};

export function createContext(init: ContextInit): AppContext {
  let cached: Promise<Settings> | null = null;
  const { readSettings, deskTurn, ...fields } = init;
  const context: AppContext = {
    ...fields,
    issueJournal: new IssueJournal(init.db, init.sqlite, { turn: deskTurn, outboxChanged: init.outboxChanged }),
    session: { clerkId: null },
    station: { locked: false, lastActivityMs: init.monotonicMs() },
    authQueue: { tail: Promise.resolve() },
    // Settings change rarely and are read on every screen: read once, drop on change.
    settings: () => (cached ??= readSettings(init.db)),
    settingsChanged: () => {
      cached = null;
    },
    async today() {
      return localDateIn(init.now(), practiceTimeZone(await context.settings()));
    },
  };
  return context;
}
