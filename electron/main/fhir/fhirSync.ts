import { randomUUID } from 'node:crypto';
import type { SyncSummary } from '../../../shared/api';
import { DEFAULT_FHIR_MAPPING_CONFIG, type FhirMappingConfig } from '../../../shared/fhir/mappingConfig';
import { practiceTimeZone } from '../../../shared/settings';
import type { AppContext } from '../context';
import type { JobSession } from '../jobs/jobRunner';
import { exclusive } from '../lib/exclusive';
import { yieldToEventLoop } from '../lib/pacing';
import { buildDeferredTerms } from '../search/deferredTerms';
import { SyncCancelled } from '../sync/http';
import type { PullProgress } from '../sync/pull';
import {
  awaitManifest,
  deleteExport,
  EXPORT_TYPES,
  ExportGone,
  kickOff,
  readExportFile,
  searchSince,
  STAGE_BATCH,
  type Manifest,
  type Wait,
} from './bulkClient';
import type { PrepBeginArgs, PreparedBatch } from './stagePrep';
import type { AssembleBeginArgs, AssembledPage } from './assembleReader';
import type { PageCounts } from '../sync/applyPage';
import { fhirBase, type FhirEndpoint } from './fhirHttp';
import { fhirIngestOps, readFhirState, type FhirSyncState, type FileProgress, type IngestOps, type StageArgs } from './ingestOps';

/**
 * A sync from the practice's EHR over FHIR (issue 15), the FHIR counterpart of sync/pull.ts:
 *
 * 1. an export: kicked off (with `_since` after the first load), followed until its manifest is
 *    ready, then each NDJSON file streamed as raw bytes (each network chunk transferred, not
 *    copied) to the worker, which splits the lines and stages them in batches of 500 resources;
 *    the status address, the manifest and the lines done of each file are kept in sync_state in
 *    the same transaction as each batch, so a cancelled or interrupted sync resumes where it
 *    stopped (the file it was in is asked again and its first lines skipped);
 *    a server that refuses `_since` is asked with `_lastUpdated` searches instead;
 * 2. the staged resources assembled into pages of the sync protocol's shape (mapping.ts through
 *    ingest.ts) and applied with applyChangesPage, a page per transaction: what a pull applies is
 *    applied the same way (a name correction waiting in the outbox is kept, SPEC 3.4; a record
 *    that cannot be read is set aside in Sync problems, issue 8);
 * 3. the export's transactionTime kept as the next increment's `_since`.
 *
 * Writes go to the job runner's worker session ('sync.apply', its own connection) when there is
 * one, else to the app's connection under its lock.
 */

export interface FhirSyncOptions {
  groupId: string;
  openSession: () => JobSession | null;
  /**
   * A second worker that prepares an export file's batches (stagePrep.ts: parse, check, keys) while the
   * first writes the ones before: the load on both cores. Without one (or when it cannot start), the
   * writing worker prepares them itself (fileBytes).
   */
  openPrepSession?: () => JobSession | null;
  report: (progress: PullProgress) => void;
  wait?: Wait;
  pageLimit?: number;
}

const DEFAULT_PAGE_LIMIT = 500;
/** Export file chunks handed to the worker and not yet staged, at most (each a network read, tens of KB). */
const CHUNKS_IN_FLIGHT = 4;
/** The same with a preparing worker: a batch (STAGE_BATCH lines) spans several chunks, prepared while the one before is written. */
const PREPARED_CHUNKS_IN_FLIGHT = 16;

/** Calls an ingest op in the worker, or on the app's connection under its lock. */
function ingestCaller(
  ctx: AppContext,
  openSession: () => JobSession | null,
): {
  /** `transfer`: buffers handed to the worker without a copy (then unusable here). */
  call: <K extends keyof IngestOps>(op: K, args: Parameters<IngestOps[K]>[0], transfer?: ArrayBuffer[]) => Promise<ReturnType<IngestOps[K]>>;
  /** Ends the session, once its worker has closed its connection (and with it the staging file). */
  close(): Promise<void>;
} {
  let session: JobSession | null | undefined;
  let local: IngestOps | undefined;
  return {
    call: async (op, args, transfer) => {
      session ??= openSession();
      if (session) return session.call(op, args, transfer);
      local ??= fhirIngestOps(ctx.sqlite);
      const fn = local[op] as (a: typeof args) => ReturnType<IngestOps[typeof op]>;
      return exclusive(ctx.db, () => fn(args));
    },
    close: async () => {
      if (!session) return;
      session.end();
      await session.gone.catch(() => undefined);
    },
  };
}

export async function runFhirSync(ctx: AppContext, endpoint: FhirEndpoint, options: FhirSyncOptions): Promise<SyncSummary> {
  const ingest = ingestCaller(ctx, options.openSession);
  const prep = prepCaller(options.openPrepSession);
  let whole = false;
  try {
    const summary = await syncWith(ctx, endpoint, options, ingest.call, prep);
    whole = true;
    return summary;
  } finally {
    // A run that stopped early ends only once both workers are gone: the next run (another FHIR source, after a
    // cancel) may delete the staging file at once, and SQLite must never see a file deleted under a connection
    // still writing it (a call in flight when the run stopped goes on writing it, and its journal by name). A
    // whole run deleted the file itself and has nothing in flight: its workers end on their own (the writer's
    // last WAL checkpoint is not the clerk's wait).
    const closed = Promise.all([prep.close(), ingest.close()]);
    if (!whole) await closed;
  }
}

/**
 * The preparing session (opened at the first export file), or null: the writing worker then prepares.
 * `close`: ended for good, once its worker has closed its connection (the staging file it read can go).
 */
function prepCaller(open: (() => JobSession | null) | undefined): { session(): JobSession | null; close(): Promise<void> } {
  let session: JobSession | null | undefined;
  let closing: Promise<void> | null = null;
  return {
    session: () => {
      if (closing !== null) return null;
      session ??= open?.() ?? null;
      return session;
    },
    close: () => {
      closing ??= (async () => {
        if (!session) return;
        session.end();
        await session.gone.catch(() => undefined);
      })();
      return closing;
    },
  };
}

type Call = ReturnType<typeof ingestCaller>['call'];
/** What one staging call carries: parsed resources (a search page) or an export file's lines. */
type StagedBatch = Pick<StageArgs, 'resources' | 'unreadable'>;

async function syncWith(
  ctx: AppContext,
  endpoint: FhirEndpoint,
  options: FhirSyncOptions,
  call: Call,
  prep: ReturnType<typeof prepCaller>,
): Promise<SyncSummary> {
  const { signal } = endpoint;
  let state: FhirSyncState = await exclusive(ctx.db, () => readFhirState(ctx.sqlite));
  // Another FHIR server or group: what was followed or staged is about the old one, and the first sync is a full load.
  const source = `${fhirBase(endpoint).href}#${options.groupId}`;
  if (state.source !== source) {
    if (state.export) await call('discard', { runId: state.export.runId });
    state = { source, since: null, export: null };
  }
  if (state.export) {
    // A run that stopped: it goes on after the last batch really staged, as the staging file says (its
    // position is committed with its rows); with nothing staged of this export there, from its first line.
    const { runId, statusUrl } = state.export;
    const progress = await call('stagedProgress', { runId, statusUrl });
    state = { ...state, export: { ...state.export, file: progress?.file ?? 0, line: progress?.line ?? 0, staged: progress?.staged ?? 0 } };
  }
  const totals = { pages: 0, rows: 0, tombstones: 0, keptLocal: 0, setAside: 0, olderIgnored: 0, charactersRemoved: 0 };
  let staged = state.export?.staged ?? 0;
  let expected = 0;
  const report = (rowsDone: number, remaining: number) => options.report({ rowsDone, remaining: Math.max(0, remaining) });

  const config = await mappingConfig(ctx);
  const stage = async (batch: StagedBatch, next: FhirSyncState, where: string) => {
    if (signal?.aborted) throw new SyncCancelled();
    const runId = next.export!.runId;
    const counts = await call('stage', { runId, ...batch, where, state: next, config, now: ctx.now().toISOString() });
    state = next;
    staged += batch.resources.length;
    totals.setAside += counts.setAside;
    report(staged, expected - staged);
    await yieldToEventLoop();
  };

  let nextSince: string | null;
  if (!state.export?.manifest) {
    let statusUrl = state.export?.statusUrl ?? null;
    if (!statusUrl) {
      const kicked = await kickOff(endpoint, options.groupId, state.since);
      if (kicked === 'since-refused') {
        // A search run stopped before may have staged some already: the same run goes on over it.
        state = {
          ...state,
          export: { runId: state.export?.runId ?? randomUUID(), statusUrl: null, since: state.since, manifest: null, file: 0, line: 0, staged: 0 },
        };
        await call('saveState', state);
        nextSince = await searchChanges(endpoint, state, stage);
        return await finish(ctx, call, prep, options, config, state, totals, nextSince, signal);
      }
      statusUrl = kicked.statusUrl;
      state = { ...state, export: { runId: state.export?.runId ?? randomUUID(), statusUrl, since: state.since, manifest: null, file: 0, line: 0, staged: 0 } };
      await call('saveState', state);
    }
    let manifest: Manifest;
    try {
      manifest = await awaitManifest(endpoint, statusUrl, { wait: options.wait });
    } catch (error) {
      // What was staged stays under the same run: the new export restages over it.
      if (error instanceof ExportGone) await call('saveState', { ...state, export: { ...state.export!, statusUrl: null, manifest: null, file: 0, line: 0 } });
      throw error;
    }
    state = { ...state, export: { ...state.export!, manifest } };
    await call('saveState', state);
  }

  const job = state.export!;
  const manifest = job.manifest!;
  expected = manifest.output.reduce((sum, output) => sum + (output.count ?? 0), 0);
  try {
    for (let file = job.file; file < manifest.output.length; file += 1) {
      const output = manifest.output[file]!;
      if (!(EXPORT_TYPES as readonly string[]).includes(output.type)) continue;
      const at: FhirSyncState = { ...state, export: { ...job, file, line: file === job.file ? job.line : 0, staged } };
      const where = `${output.type} file ${file + 1}`;
      const prepSession = prep.session();
      if (prepSession) {
        state = at;
        // Prepared in the second worker, written in the first, a batch each, in file order.
        await prepSession.call('prepBegin', { skip: at.export!.line, size: STAGE_BATCH, config } satisfies PrepBeginArgs);
        let sent = staged;
        const write = async (batches: PreparedBatch[]) => {
          for (const batch of batches) {
            if (signal?.aborted) throw new SyncCancelled();
            sent += batch.lines;
            const next: FhirSyncState = { ...state, export: { ...job, file, line: batch.linesDone, staged: sent } };
            const counts = await call('stagePrepared', { runId: job.runId, batch, where, state: next, now: ctx.now().toISOString() });
            state = next;
            staged = sent;
            totals.setAside += counts.setAside;
            report(staged, expected - staged);
          }
        };
        const inFlight: Promise<void>[] = [];
        let written: Promise<void> = Promise.resolve();
        try {
          await readExportFile(endpoint, output.url, async (bytes) => {
            if (signal?.aborted) throw new SyncCancelled();
            const prepared = prepSession.call<PreparedBatch[]>('prepBytes', { bytes }, [bytes]);
            prepared.catch(() => undefined); // awaited below, in order
            const before = written;
            written = before.then(async () => write(await prepared));
            written.catch(() => undefined); // awaited below, in order
            inFlight.push(written);
            if (inFlight.length >= PREPARED_CHUNKS_IN_FLIGHT) await inFlight.shift();
          });
          const end = prepSession.call<{ batches: PreparedBatch[] }>('prepEnd', null);
          end.catch(() => undefined);
          await written;
          await write((await end).batches);
        } catch (error) {
          // The batches already prepared are written (or fail) before anything else is said of the run (ExportGone's saveState below).
          await written.catch(() => undefined);
          throw error;
        }
        state = { ...state, export: { ...job, file: file + 1, line: 0, staged } };
        await call('saveState', state);
        continue;
      }
      await call('fileBegin', { state: at, where, config, now: ctx.now().toISOString() });
      state = at;
      const moved = (progress: FileProgress) => {
        totals.setAside += progress.setAside;
        if (progress.staged === staged && progress.linesDone === state.export?.line) return; // no batch committed since
        state = { ...state, export: { ...job, file, line: progress.linesDone, staged: progress.staged } };
        staged = progress.staged;
        report(staged, expected - staged);
      };
      // Up to CHUNKS_IN_FLIGHT chunks wait at the worker while the next arrive: the download goes on while it stages.
      const inFlight: Promise<void>[] = [];
      await readExportFile(endpoint, output.url, async (bytes) => {
        if (signal?.aborted) throw new SyncCancelled();
        const sent = call('fileBytes', { bytes }, [bytes]).then(moved);
        sent.catch(() => undefined); // awaited below, in order
        inFlight.push(sent);
        if (inFlight.length >= CHUNKS_IN_FLIGHT) await inFlight.shift();
      });
      while (inFlight.length > 0) await inFlight.shift();
      moved(await call('fileEnd', null));
      state = { ...state, export: { ...job, file: file + 1, line: 0, staged } };
      await call('saveState', state);
    }
  } catch (error) {
    // The export expired before every file was read: what is staged stays; the next sync asks for a new export from the same _since.
    if (error instanceof ExportGone) await call('saveState', { ...state, export: { ...state.export!, statusUrl: null, manifest: null, file: 0, line: 0 } });
    throw error;
  }
  nextSince = manifest.transactionTime;
  const summary = await finish(ctx, call, prep, options, config, state, totals, nextSince, signal);
  if (job.statusUrl) await deleteExport(endpoint, job.statusUrl);
  return summary;
}

/** No `_since` on this server: every type changed since the last sync, by _lastUpdated searches. */
async function searchChanges(
  endpoint: FhirEndpoint,
  state: FhirSyncState,
  stage: (batch: StagedBatch, next: FhirSyncState, where: string) => Promise<void>,
): Promise<string | null> {
  let first: string | null = null;
  for (const type of EXPORT_TYPES) {
    const serverTime = await searchSince(endpoint, type, state.since!, (resources) => stage({ resources, unreadable: [] }, state, `${type} search`));
    first ??= serverTime;
  }
  return first ?? new Date().toISOString();
}

/** The practice's mapping settings: the defaults, in the practice's time zone. */
async function mappingConfig(ctx: AppContext): Promise<FhirMappingConfig> {
  return { ...DEFAULT_FHIR_MAPPING_CONFIG, timeZone: practiceTimeZone(await ctx.settings()) };
}

/** Staged resources → pages → the mirror (a page per call); then the next increment's since, and the staging emptied. */
async function finish(
  ctx: AppContext,
  call: Call,
  prep: ReturnType<typeof prepCaller>,
  options: FhirSyncOptions,
  config: FhirMappingConfig,
  state: FhirSyncState,
  totals: Omit<SyncSummary, 'lastSyncAt'>,
  nextSince: string | null,
  signal?: AbortSignal,
): Promise<SyncSummary> {
  const pageRows = options.pageLimit ?? DEFAULT_PAGE_LIMIT;
  const runId = state.export!.runId;
  const { deferIndex, total } = await call('prepare', { runId });
  if (signal?.aborted) throw new SyncCancelled();
  await call('placeFamilies', { runId, config, now: ctx.now().toISOString() });
  let done = 0;
  const applied = (counts: PageCounts) => {
    totals.pages += 1;
    totals.rows += counts.rows;
    totals.tombstones += counts.tombstones;
    totals.keptLocal += counts.keptLocal;
    totals.setAside += counts.setAside;
    totals.olderIgnored += counts.olderIgnored;
    totals.charactersRemoved += counts.charactersRemoved;
    done += counts.rows + counts.tombstones;
    options.report({ rowsDone: done, remaining: Math.max(0, total - done) });
  };
  // The families and patients assembled in the second worker, page k+1 while this one applies page k; the rest here after them.
  const reader = prep.session();
  if (reader) {
    const seenAt = ctx.now().toISOString();
    await reader.call('assembleBegin', { runId, config, now: seenAt, pageRows } satisfies AssembleBeginArgs);
    let next = reader.call<AssembledPage | null>('assembleNext', null);
    for (;;) {
      next.catch(() => undefined); // awaited below
      if (signal?.aborted) throw new SyncCancelled();
      const got = await next;
      if (!got) break;
      next = got.last ? Promise.resolve(null) : reader.call<AssembledPage | null>('assembleNext', null);
      applied(await call('applyAssembled', { runId, page: got.page, sides: got.sides, deferIndex, now: ctx.now().toISOString(), seenAt }));
      await yieldToEventLoop();
    }
  }
  // Its connection to the staging file closed before the run's end deletes the file.
  await prep.close();
  for (;;) {
    if (signal?.aborted) throw new SyncCancelled();
    const counts = await call('applyNext', { runId, config, deferIndex, pageRows, now: ctx.now().toISOString(), phases: reader ? 'orphans' : undefined });
    if (!counts) break;
    applied(counts);
    await yieldToEventLoop();
    if (!counts.hasMore) break;
  }
  // The terms of a first load, built once after its rows; the index stays marked stale until complete.
  if (deferIndex && !(await buildDeferredTerms((op) => call(op, null), signal))) throw new SyncCancelled();
  if (signal?.aborted) throw new SyncCancelled();
  const lastSyncAt = ctx.now().toISOString();
  await call('complete', { runId, source: state.source, since: nextSince, lastSyncAt });
  return { ...totals, lastSyncAt };
}
