import type BetterSqlite3 from 'better-sqlite3';
import type { ChangesPageEnvelope } from '../../../shared/sync/protocol';
import { INDEX_STALE_KEY, PULL_CURSOR_KEY } from '../sync/applyPage';
import { syncApplyOps, type ApplyPageArgs } from '../sync/applyOps';
import type { Manifest } from './bulkClient';

/**
 * What a FHIR sync asks of its worker thread (a 'sync.apply' session of the job runner, beside
 * the pull's applyPage and reindex) or, without one, of the app's connection: synchronous
 * better-sqlite3, one short transaction per call. Staging a batch writes the export's position in
 * the same transaction, so a sync resumes exactly after the last batch staged.
 */

/** Where the FHIR sync stands (sync_state 'fhir_sync'). */
export interface FhirSyncState {
  /** The transactionTime of the last export applied whole: the next increment's _since. */
  since: string | null;
  /** The export being followed, if any. */
  export: {
    statusUrl: string;
    since: string | null;
    manifest: Manifest | null;
    /** The output file being read and its lines staged so far. */
    file: number;
    line: number;
    staged: number;
  } | null;
}

export const FHIR_STATE_KEY = 'fhir_sync';
export const LAST_SYNC_KEY = 'last_sync_at';
export const ONLINE_KEY = 'online';

export function readFhirState(sqlite: BetterSqlite3.Database): FhirSyncState {
  const text = sqlite.prepare('SELECT value FROM sync_state WHERE key = ?').pluck().get(FHIR_STATE_KEY) as string | undefined;
  if (!text) return { since: null, export: null };
  try {
    const state = JSON.parse(text) as FhirSyncState;
    return { since: state.since ?? null, export: state.export ?? null };
  } catch {
    return { since: null, export: null };
  }
}

function writeState(sqlite: BetterSqlite3.Database, key: string, value: string): void {
  sqlite.prepare('INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
}

export interface StageArgs {
  resources: unknown[];
  unreadable: { line: number; problem: string }[];
  /** Says where the lines came from, for the set-aside list ("Patient file 1"). */
  where: string;
  state: FhirSyncState;
  now: string;
}

export function fhirIngestOps(sqlite: BetterSqlite3.Database) {
  const sync = syncApplyOps(sqlite);
  const setAside = sqlite.prepare(
    `INSERT INTO sync_problems (kind, record_id, problem, cursor, seen_at) VALUES (?, ?, ?, '', ?)
     ON CONFLICT (kind, record_id) DO UPDATE SET problem = excluded.problem, seen_at = excluded.seen_at`,
  );
  return {
    saveState: (state: FhirSyncState): null => {
      writeState(sqlite, FHIR_STATE_KEY, JSON.stringify(state));
      return null;
    },
    stage: ({ resources, unreadable, where, state, now }: StageArgs): { staged: number; setAside: number } => {
      return sqlite
        .transaction(() => {
          const staged = stageBatch(sqlite, resources);
          for (const { line, problem } of unreadable) setAside.run('fhir', `${where}, line ${line}`, problem, now);
          writeState(sqlite, FHIR_STATE_KEY, JSON.stringify(state));
          return { staged: staged.staged, setAside: unreadable.length + staged.setAside };
        })
        .immediate();
    },
    /** Before the pages: whether the mirror is empty (search terms then built once at the end) and the rows staged. */
    prepare: (_args: null): { deferIndex: boolean; total: number } => {
      const empty = sqlite.prepare('SELECT count(*) FROM patients').pluck().get() === 0;
      const deferIndex = empty || sqlite.prepare('SELECT value FROM sync_state WHERE key = ?').pluck().get(INDEX_STALE_KEY) === 'true';
      return { deferIndex, total: stagedCount(sqlite) };
    },
    nextPage: ({ after, limit }: { after: string | null; limit: number }): { page: ChangesPageEnvelope; after: string | null } | null => {
      const next = assemblePage(sqlite, after, limit);
      if (!next) return null;
      // The FHIR pages leave the sync protocol's cursor where it was (a switch back resumes there).
      next.page.cursor = (sqlite.prepare('SELECT value FROM sync_state WHERE key = ?').pluck().get(PULL_CURSOR_KEY) as string | undefined) ?? '';
      return next;
    },
    applyPage: (args: ApplyPageArgs) => sync.applyPage(args),
    reindex: (ids: string[]) => sync.reindex(ids),
    patientIds: (_args: null): string[] => sqlite.prepare('SELECT id FROM patients ORDER BY id').pluck().all() as string[],
    /** The sync is whole: the next increment starts at `since`; staging emptied; the search terms are current. */
    complete: ({ since, lastSyncAt }: { since: string | null; lastSyncAt: string }): null => {
      sqlite
        .transaction(() => {
          clearStaging(sqlite);
          writeState(sqlite, FHIR_STATE_KEY, JSON.stringify({ since, export: null } satisfies FhirSyncState));
          writeState(sqlite, INDEX_STALE_KEY, 'false');
          writeState(sqlite, LAST_SYNC_KEY, lastSyncAt);
          writeState(sqlite, ONLINE_KEY, 'true');
        })
        .immediate();
      return null;
    },
  };
}

export type IngestOps = ReturnType<typeof fhirIngestOps>;

// --- The staging table and the mapping are ingest.ts's (helper fhirserver); these adapt to it.

function stageBatch(_sqlite: BetterSqlite3.Database, _resources: unknown[]): { staged: number; setAside: number } {
  throw new Error('ingest.ts not merged yet');
}

function stagedCount(_sqlite: BetterSqlite3.Database): number {
  return 0;
}

function assemblePage(_sqlite: BetterSqlite3.Database, _after: string | null, _limit: number): { page: ChangesPageEnvelope; after: string | null } | null {
  return null;
}

function clearStaging(_sqlite: BetterSqlite3.Database): void {}
