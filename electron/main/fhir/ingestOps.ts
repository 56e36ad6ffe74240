import type BetterSqlite3 from 'better-sqlite3';
import type { FhirMappingConfig } from '../../../shared/fhir/mappingConfig';
import type { ChangesPage } from '../../../shared/sync/protocol';
import { INDEX_STALE_KEY, type PageCounts } from '../sync/applyPage';
import { applyPageOfRun, partSizerFor, type PartSizer, syncApplyOps } from '../sync/applyOps';
import { deskAsksOf, waitForDesk } from '../db/deskTurn';
import { jobWrites } from '../db/jobWrites';
import { STAGE_BATCH, type Manifest } from './bulkClient';
import { LineBatches } from './ndjsonLines';
import { placedLoadPages, writeAssemblySides, writeStaged, type AssemblySides } from './ingest';
import { prepareBatch, prepareResources, type PreparedBatch, type PreparedResources } from './stagePrep';
import { placeFamilies } from './households';
import { attachStaging, dropStaging, indexStaging, readStagedProgress, STAGING_SCHEMA, writeStagedProgress, type StagedProgress } from './stagingFile';

/**
 * What a FHIR sync asks of its worker thread (a 'sync.apply' session of the job runner, beside
 * the pull's applyPage and reindex) or, without one, of the app's connection: synchronous
 * better-sqlite3, short transactions. Staging a batch (ingest.ts) writes the export's
 * position in the same transaction, in the staging file (stagingFile.ts), so a sync resumes exactly
 * after the last batch staged; a batch takes only that file's lock, not the mirror's. Pages
 * are assembled (ingest.ts assemblePages) and applied here, a page per call, so a page never
 * crosses between threads: assembled outside any write transaction (it reads the staging table),
 * then applied in parts like a pull's page (sync/applyOps.ts applyPageOfRun: about 25 ms of writing
 * each, the desk's turn between them; issue 14). Every transaction a worker writes is announced
 * to the desk (db/deskTurn.ts deskWriteTurn), whose write then waits for it without blocking main.
 */

/** Where the FHIR sync stands (sync_state 'fhir_sync'). */
export interface FhirSyncState {
  /** The FHIR base and group the rest is about: another one starts afresh (a first load). */
  source: string;
  /** The transactionTime of the last export applied whole (or the server time of the last searches): the next increment's _since. */
  since: string | null;
  /** The run being staged, if any. */
  export: {
    /** The staging rows of this run (fhir_staging.run_id). */
    runId: string;
    /** The export status address; null for a run of _lastUpdated searches. */
    statusUrl: string | null;
    since: string | null;
    manifest: Manifest | null;
    /** The output file being read and its lines staged so far. */
    file: number;
    line: number;
    staged: number;
  } | null;
}

export const FHIR_STATE_KEY = 'fhir_sync';
const LAST_SYNC_KEY = 'last_sync_at';
const ONLINE_KEY = 'online';

export function readFhirState(sqlite: BetterSqlite3.Database): FhirSyncState {
  const text = sqlite.prepare('SELECT value FROM sync_state WHERE key = ?').pluck().get(FHIR_STATE_KEY) as string | undefined;
  if (!text) return { source: '', since: null, export: null };
  try {
    const state = JSON.parse(text) as FhirSyncState;
    return { source: state.source ?? '', since: state.since ?? null, export: state.export ?? null };
  } catch {
    return { source: '', since: null, export: null };
  }
}

function readState(sqlite: BetterSqlite3.Database, key: string): string | undefined {
  return sqlite.prepare('SELECT value FROM sync_state WHERE key = ?').pluck().get(key) as string | undefined;
}

function writeState(sqlite: BetterSqlite3.Database, key: string, value: string): void {
  sqlite.prepare('INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
}

export interface StageArgs {
  runId: string;
  /** Parsed resources (a search page). */
  resources: unknown[];
  unreadable: { line: number; problem: string }[];
  /** Where the lines came from, for the set-aside list ("Patient file 1"). */
  where: string;
  state: FhirSyncState;
  config: FhirMappingConfig;
  now: string;
}

export interface StagePreparedArgs {
  runId: string;
  batch: PreparedBatch;
  /** Where the lines came from, for the set-aside list ("Patient file 1"). */
  where: string;
  /** The sync's state with the export after this batch (its line and staged count moved on). */
  state: FhirSyncState;
  now: string;
}

export interface FileBeginArgs {
  /** The sync's state with the export at this file: its `line` (lines staged before) and `staged` so far. */
  state: FhirSyncState;
  /** Where the lines come from, for the set-aside list ("Patient file 1"). */
  where: string;
  config: FhirMappingConfig;
  now: string;
}

/** Where an export file stands: lines of it staged (the resume point), resources staged in the run, lines set aside since the last call. */
export interface FileProgress {
  linesDone: number;
  staged: number;
  setAside: number;
}

export interface ApplyNextArgs {
  runId: string;
  config: FhirMappingConfig;
  deferIndex: boolean;
  pageRows: number;
  now: string;
  /** 'orphans': the families and patients were assembled in the second worker and applied (applyAssembled); only the rest here. */
  phases?: 'orphans';
}

export interface ApplyAssembledArgs {
  runId: string;
  /** The page as JSON (fhir/assembleReader.ts). */
  page: string;
  sides: AssemblySides;
  deferIndex: boolean;
  now: string;
  /** When the pages began to be assembled: the time of the set-aside records and inferred links. */
  seenAt: string;
}

/** `sizer`: how many records each part of a page holds (sync/applyOps.ts; one per connection). */
export function fhirIngestOps(sqlite: BetterSqlite3.Database, deskTurn?: SharedArrayBuffer, sizer: PartSizer = partSizerFor(deskTurn)) {
  /** Between the short transactions of one call: the desk's waiting calls go first. */
  const deskFirst = () => {
    waitForDesk(deskTurn);
  };
  /**
   * Staging and the pages commit without an fsync but for one every 250 ms (db/jobWrites.ts: WAL stays
   * consistent, a power cut loses at most the last of them and the position that goes with them, so the
   * run redoes them); the transaction that completes the run is FULL, which also syncs every frame before it.
   */
  const { turn, durable } = jobWrites(sqlite, deskTurn);
  const sync = syncApplyOps(sqlite, deskTurn, turn);
  const parts = { turn, sizer, asks: deskAsksOf(deskTurn) };
  const setAside = sqlite.prepare(
    `INSERT INTO sync_problems (kind, record_id, problem, cursor, seen_at) VALUES ('fhir', ?, ?, ?, ?)
     ON CONFLICT (kind, record_id) DO UPDATE SET problem = excluded.problem, seen_at = excluded.seen_at`,
  );
  /** The run's pages being assembled (a generator over the staging table, read in chunks). */
  const assembling = new Map<string, Generator<ChangesPage>>();
  /**
   * A prepared batch (stagePrep.ts) written with the file's position and its unreadable lines, in one
   * transaction. Only the staging file is written, and the transaction begins deferred, so the mirror's
   * write lock is not taken and the desk never waits for it; a batch with records to set aside (Sync
   * problems, in the mirror) also writes the mirror, announced as every job write. A crash between
   * the two files' commits leaves problems noted for a batch staged again at the next sync (the same
   * rows, upserted).
   */
  const writeBatch = (
    { runId, where, state, now }: Pick<StageArgs, 'runId' | 'where' | 'state' | 'now'>,
    prepared: PreparedResources,
    unreadable: { line: number; problem: string }[],
  ): { staged: number; setAside: number } => {
    attachStaging(sqlite);
    const write = sqlite.transaction(() => {
      const result = writeStaged(sqlite, runId, prepared, new Date(now));
      for (const { line, problem } of unreadable) setAside.run(`${where}, line ${line}`, problem, `fhir:${runId}`, now);
      writeStagedProgress(sqlite, runId, progressOf(state));
      return { staged: result.staged, setAside: result.setAside + unreadable.length };
    });
    if (prepared.setAside.length === 0 && unreadable.length === 0) return write.deferred();
    return turn(() => write.immediate());
  };
  /** Resources (a search page), prepared and written with the sync's position. */
  const stageBatch = (args: StageArgs): { staged: number; setAside: number } =>
    writeBatch(args, prepareResources(args.resources, args.config), args.unreadable);
  /** The export file being staged from its bytes (fileBegin … fileEnd). */
  let file: { batches: LineBatches; staged: { done: number; position: number; setAside: number } } | null = null;
  /** What the file's batches committed so far; setAside counted since the last call. */
  const fileProgressOf = (f: NonNullable<typeof file>): FileProgress => {
    const setAside = f.staged.setAside;
    f.staged.setAside = 0;
    return { linesDone: f.staged.position, staged: f.staged.done, setAside };
  };
  return {
    ...sync,
    /** The sync's state, and the export's position beside its staged rows (the position a resumed sync trusts: stagedProgress). */
    saveState: (state: FhirSyncState): null => {
      if (state.export) attachStaging(sqlite);
      turn(() =>
        sqlite
          .transaction(() => {
            writeState(sqlite, FHIR_STATE_KEY, JSON.stringify(state));
            if (state.export) writeStagedProgress(sqlite, state.export.runId, progressOf(state));
          })
          .immediate(),
      );
      return null;
    },
    /**
     * Where the staged rows of the export `statusUrl` reach, or null when the staging has nothing of it
     * (the file was lost or deleted, or the export was asked again since): the sync then stages it from
     * its first line (an upsert: what is there already is not doubled).
     */
    stagedProgress: ({ runId, statusUrl }: { runId: string; statusUrl: string | null }): StagedProgress | null => {
      let progress: StagedProgress | null;
      try {
        // The staging file syncs nothing: after a power cut it may be torn. Checked before a run goes on over it
        // (rare: a sync that stopped), and then started afresh, as a lost file would be, instead of failing every sync.
        attachStaging(sqlite);
        if (sqlite.pragma(`${STAGING_SCHEMA}.quick_check`, { simple: true }) !== 'ok') throw new Error('staging file damaged');
        progress = readStagedProgress(sqlite, runId);
      } catch {
        dropStaging(sqlite);
        return null;
      }
      return progress && progress.statusUrl === statusUrl ? progress : null;
    },
    stage: (args: StageArgs): { staged: number; setAside: number } => {
      durable(false);
      return stageBatch(args);
    },
    /**
     * A batch of an export file prepared in the read session (stagePrep.ts, on the other core), written
     * with the file's position after it (`state`), as fileBytes writes the batches it prepares itself.
     */
    stagePrepared: ({ batch, ...args }: StagePreparedArgs): { staged: number; setAside: number } => {
      durable(false);
      return writeBatch(args, batch, batch.unreadable);
    },
    /**
     * An export file's bytes, as they arrive (fhirSync.ts hands on each network chunk, transferred): split into
     * lines here (ndjsonLines.ts), staged STAGE_BATCH lines a transaction, each with the file's position
     * (`fileBegin`'s state, its line and staged count moved on), so a sync resumes after the last batch.
     */
    fileBegin: (args: FileBeginArgs): null => {
      const job = args.state.export!;
      const staged = { done: job.staged, position: job.line, setAside: 0 };
      const batches = new LineBatches(job.line, STAGE_BATCH, (batch) => {
        durable(false);
        const prepared = prepareBatch(batch, args.config);
        const counts = writeBatch(
          {
            runId: job.runId,
            where: args.where,
            state: { ...args.state, export: { ...job, line: batch.linesDone, staged: staged.done + batch.lines.length } },
            now: args.now,
          },
          prepared,
          prepared.unreadable,
        );
        staged.done += batch.lines.length;
        staged.position = batch.linesDone;
        staged.setAside += counts.setAside;
      });
      file = { batches, staged };
      return null;
    },
    fileBytes: ({ bytes }: { bytes: ArrayBuffer }): FileProgress => {
      if (!file) throw new Error('export bytes without fileBegin');
      file.batches.push(new Uint8Array(bytes));
      return fileProgressOf(file);
    },
    /** The file ended: its last batch staged. */
    fileEnd: (_args: null): FileProgress & { lines: number } => {
      if (!file) throw new Error('fileEnd without fileBegin');
      const lines = file.batches.end();
      const progress = fileProgressOf(file);
      file = null;
      return { ...progress, lines };
    },
    /** Before the pages: whether the mirror is empty (search terms then built once at the end) and the resources staged. */
    prepare: ({ runId }: { runId: string }): { deferIndex: boolean; total: number } => {
      const empty = sqlite.prepare('SELECT count(*) FROM patients').pluck().get() === 0;
      const deferIndex = empty || readState(sqlite, INDEX_STALE_KEY) === 'true';
      // Staging is over: what placement and assembly read by is indexed now, once (the staging file only).
      indexStaging(sqlite);
      const total = sqlite.prepare('SELECT count(*) FROM fhir_staging WHERE run_id = ?').pluck().get(runId) as number;
      assembling.delete(runId);
      return { deferIndex, total };
    },
    /**
     * Assembles the run's next page (reads, and the inferred links in a short transaction of their
     * own) and applies it in parts; null when there is none left. A crash between parts leaves a
     * page half applied under a run that is not complete (sync_state keeps the export): the next
     * sync assembles every page again and applies it whole (upserts by id: nothing twice; an older
     * version never overwrites a newer one; a name correction waiting in the outbox is kept).
     */
    /**
     * A page of rows assembled in the second worker (fhir/assembleReader.ts): the writes made assembling it
     * (records set aside, inferred links) first, in a short transaction, then the page in parts, as applyNext.
     */
    applyAssembled: ({ runId, page, sides, deferIndex, now, seenAt }: ApplyAssembledArgs): PageCounts & { hasMore: boolean } => {
      durable(false);
      if (sides.setAside.length + sides.flagged.length + sides.cleared.length > 0) {
        turn(() => sqlite.transaction(() => writeAssemblySides(sqlite, runId, seenAt, sides)).immediate());
      }
      const parsed = JSON.parse(page) as ChangesPage;
      const counts = applyPageOfRun(sqlite, { page: parsed, deferIndex, now }, deskFirst, parts);
      if ('cancelled' in counts) throw new Error('a FHIR page has no run record to cancel');
      return { ...counts, hasMore: parsed.hasMore };
    },
    applyNext: ({ runId, config, deferIndex, pageRows, now, phases }: ApplyNextArgs): (PageCounts & { hasMore: boolean }) | null => {
      durable(false);
      let pages = assembling.get(runId);
      if (!pages) {
        pages = placedLoadPages(sqlite, runId, { config, now, pageRows, turn, phases });
        assembling.set(runId, pages);
      }
      try {
        const next = pages.next();
        if (next.done) {
          assembling.delete(runId);
          return null;
        }
        const page = next.value;
        if (!page.hasMore) assembling.delete(runId);
        const counts = applyPageOfRun(sqlite, { page, deferIndex, now }, deskFirst, parts);
        if ('cancelled' in counts) throw new Error('a FHIR page has no run record to cancel');
        return { ...counts, hasMore: page.hasMore };
      } catch (error) {
        // A generator that threw is spent, and a page cut off is not asked again: the next sync assembles again from the start.
        assembling.delete(runId);
        throw error;
      }
    },
    /**
     * Before the first page: every staged patient placed in a family, 2,000 a transaction with the
     * desk's turn between (at 200,000 patients one transaction held the file for seconds, and a desk
     * write waited out its busy timeout: issue 14's 100 ms promise).
     */
    placeFamilies: ({ runId, config, now }: { runId: string; config: FhirMappingConfig; now: string }): null => {
      durable(false);
      assembling.delete(runId);
      placeFamilies(sqlite, runId, { config, now: new Date(now).toISOString() }, deskFirst, undefined, turn);
      return null;
    },
    /** The FHIR base or group changed: the old run's staging file goes. */
    discard: (_args: { runId: string }): null => {
      dropStaging(sqlite);
      return null;
    },
    /** The run is whole: the next increment starts at `since`; the search terms are current; then its staging file goes. */
    complete: ({ source, since, lastSyncAt }: { runId: string; source: string; since: string | null; lastSyncAt: string }): null => {
      durable(true);
      turn(() =>
        sqlite
          .transaction(() => {
            writeState(sqlite, FHIR_STATE_KEY, JSON.stringify({ source, since, export: null } satisfies FhirSyncState));
            writeState(sqlite, INDEX_STALE_KEY, 'false');
            writeState(sqlite, LAST_SYNC_KEY, lastSyncAt);
            writeState(sqlite, ONLINE_KEY, 'true');
          })
          .immediate(),
      );
      // Then the staging file goes (the second worker closed its connection to it before): a crash
      // between leaves a file of a finished run, which the next run's end deletes.
      dropStaging(sqlite);
      return null;
    },
  };
}

/** The position that goes with a batch: the export's file and line, and the resources staged, under its status address. */
function progressOf(state: FhirSyncState): StagedProgress {
  const job = state.export;
  return { statusUrl: job?.statusUrl ?? null, file: job?.file ?? 0, line: job?.line ?? 0, staged: job?.staged ?? 0 };
}

export type IngestOps = ReturnType<typeof fhirIngestOps>;
