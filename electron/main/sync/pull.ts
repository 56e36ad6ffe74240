import type BetterSqlite3 from 'better-sqlite3';
import type { SyncSummary } from '../../../shared/api';
import { MAX_PAGE_LIMIT, SYNC_PATHS } from '../../../shared/sync/protocol';
import type { AppContext } from '../context';
import { exclusive } from '../lib/exclusive';
import { yieldToEventLoop } from '../lib/pacing';
import { DeliveryError } from '../lib/deliveryError';
import { CertificateRefused } from '../lib/certificateProblem';
import { HereWriter, WorkerWriter, type PullWriter } from './pullWriter';
import { buildDeferredTerms } from '../search/deferredTerms';
import { INDEX_STALE_KEY, PULL_CURSOR_KEY } from './applyPage';
import {
  adoptOpenRun,
  APP_CLOSING,
  cancelledMessage,
  endRun,
  JOB_ABOVE_ROWS,
  rowsDoneOf,
  startRun,
  type PullJobHost,
  type PullRun,
  type RunEnd,
} from './pullJob';
import { linkedSignal, retryAfterMs, SyncCancelled, syncRequest, SyncUnreachable, syncUrl, type SyncEndpoint } from './http';

export { applyChangesPage, INDEX_STALE_KEY, PULL_CURSOR_KEY, type PageCounts } from './applyPage';

/**
 * Pull: the practice system's changes since our cursor, page by page. Each page is applied in one
 * transaction together with the cursor that follows it, so a crash or a failure between pages
 * resumes at the next page, and applying a page twice changes nothing (every write is an upsert
 * or a delete by id). Pulled data never overwrites a local change still waiting in the outbox.
 *
 * Against a practice system that misbehaves (issue 11) the pull stays bounded: a cursor seen
 * before in the same pull ends it, so does the page cap; a page larger than asked for, or a body
 * past its byte cap, is refused unread; redirects are refused; and the pull can be cancelled (the
 * app stops, the address changes) between and during requests.
 *
 * The HTTP side stays on the main thread. A large pull (over JOB_ABOVE_ROWS) is a job (issue 14,
 * pullJob.ts): a run record advanced by each page's transaction, shown in the status bar,
 * cancelled by an administrator between pages, resumed from its cursor at the next start after a
 * crash; its writes (each page with its cursor, then the search terms of an initial sync in slices
 * of 150 patients) go to a worker thread of the job runner with its own connection. The desk's
 * reads never wait for them, and its calls go before the worker's next transaction (db/deskTurn.ts).
 */

export interface SyncConnection extends SyncEndpoint {
  /** Rows per page (records and tombstones together); default DEFAULT_PAGE_LIMIT, at most MAX_PAGE_LIMIT. */
  pageLimit?: number;
  /** Ends the pull: the request in flight is aborted and no further page is applied. */
  signal?: AbortSignal;
}

export interface PullProgress {
  /** Records and tombstones applied so far in this pull. */
  rowsDone: number;
  /** The server's estimate of the rows after the last page applied. */
  remaining: number;
}

export const LAST_SYNC_KEY = 'last_sync_at';
export const ONLINE_KEY = 'online';
/**
 * Rows asked for per page. The practice system's time per page is mostly per request (at 20,000
 * patients a whole practice came in 41 pages of 2,000 rows in about 60% of the time of 162 pages of
 * 500, reference portal, loopback); the worker writes a page in parts of 500 rows (applyOps.ts), so
 * a transaction stays as short as a 500-row page's (~20-50 ms at 200,000 patients).
 */
export const DEFAULT_PAGE_LIMIT = 2_000;
/**
 * Pages one pull may apply. An initial sync of 200,000 patients is ~400 pages of 2,000 rows; a
 * practice system that never stops sending new cursors is cut off here, and the next pull
 * continues from the saved cursor.
 */
export const MAX_PAGES_PER_PULL = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;

/** Bytes a page may take: ~8 KB a row (long names, escaped Unicode) plus room for the envelope. */
export function pageByteCap(limit: number): number {
  return 256 * 1024 + limit * 8 * 1024;
}

interface RunningPull {
  key: string;
  controller: AbortController;
  promise: Promise<SyncSummary>;
  listeners: Set<(p: PullProgress) => void>;
}

const connectionKey = (conn: SyncConnection) => `${conn.baseUrl}\n${conn.token}`;

/**
 * The app's pulls (the delivery runtime owns one): at most one runs at a time on this mirror.
 * `observeServerDate` notes the practice system's clock from every answer, also when the caller
 * did not ask (sync/clockOffset.ts).
 */
export class Puller {
  private running: RunningPull | null = null;

  constructor(
    private readonly ctx: AppContext,
    private readonly observeServerDate: (serverDate: Date) => void,
    /** The job runner (issue 14): a large pull is a job, its pages and search terms written off the main thread. */
    private readonly jobs: PullJobHost | null = null,
  ) {}

  /**
   * Pulls every page the practice system has after the saved cursor. A second call for the same
   * address and token while a pull is running joins it (same result, same progress) instead of
   * applying the same pages twice; a call for another address or token cancels the running pull
   * first, so a pull stuck on an old address is never joined.
   * Throws DeliveryError: retryable when the system is unreachable, busy or timed out (pages already
   * applied stay applied), permanent when the token is refused or a page cannot be read;
   * SyncCancelled when cancelled.
   */
  async pull(conn: SyncConnection, onProgress?: (p: PullProgress) => void): Promise<SyncSummary> {
    const key = connectionKey(conn);
    for (let running = this.running; running; running = this.running) {
      if (running.key === key && !running.controller.signal.aborted) {
        if (onProgress) running.listeners.add(onProgress);
        return running.promise;
      }
      running.controller.abort();
      await running.promise.catch(() => undefined);
    }
    const controller = new AbortController();
    const linked = linkedSignal([conn.signal, controller.signal]);
    const listeners = new Set<(p: PullProgress) => void>();
    if (onProgress) listeners.add(onProgress);
    const entry: RunningPull = { key, controller, listeners, promise: Promise.resolve(null as never) };
    const observeServerDate = conn.observeServerDate ?? this.observeServerDate;
    entry.promise = runPull(this.ctx, { ...conn, observeServerDate, signal: linked.signal }, this.jobs, (p) => {
      for (const listener of listeners) {
        try {
          listener(p);
        } catch {
          // A progress bar that went away must not stop the sync.
        }
      }
    }).finally(() => {
      linked.dispose();
      if (this.running === entry) this.running = null;
    });
    this.running = entry;
    return entry.promise;
  }

  /** Cancels the pull running, if any, and waits until it has stopped. */
  async cancel(): Promise<void> {
    const running = this.running;
    if (!running) return;
    running.controller.abort();
    await running.promise.catch(() => undefined);
  }
}

/**
 * Builds every patient's search terms after an initial load (search/deferredTerms.ts), a step per
 * transaction, yielding between steps. Stops when cancelled (the flag stays set: the next pull builds them).
 */
async function buildDeferredSearchIndex(ctx: AppContext, writer: PullWriter, signal?: AbortSignal): Promise<void> {
  if (!(await buildDeferredTerms(writer.terms, signal))) return;
  await exclusive(ctx.db, () => writeState(ctx.sqlite, INDEX_STALE_KEY, 'false'));
}

async function runPull(ctx: AppContext, conn: SyncConnection, jobs: PullJobHost | null, report: (p: PullProgress) => void): Promise<SyncSummary> {
  // An administrator's cancel (jobs.cancel) aborts the request in flight too; the run record stops the next page.
  const cancel = new AbortController();
  const linked = linkedSignal([conn.signal, cancel.signal]);
  const job: PullJob = { run: null, unhook: () => undefined, cancel, jobs, writer: new HereWriter(ctx) };
  try {
    return await pullWith(ctx, { ...conn, signal: linked.signal }, conn.signal, job, report);
  } finally {
    job.unhook();
    job.writer.end();
    linked.dispose();
  }
}

interface PullJob {
  run: PullRun | null;
  unhook: () => void;
  cancel: AbortController;
  jobs: PullJobHost | null;
  /** On the app's connection until the pull has a run record, then in its worker session (when there is one). */
  writer: PullWriter;
}

/** Takes up the run record (adopted or new), listens for its cancel, and moves the writing to a worker. */
function attach(job: PullJob, run: PullRun): void {
  job.run = run;
  if (!job.jobs) return;
  job.jobs.noteJob(run.id);
  job.unhook = job.jobs.onCancel(run.id, () => job.cancel.abort());
  const session = job.jobs.openSession(run.id);
  if (session && job.writer instanceof HereWriter) job.writer = new WorkerWriter(session, job.writer.take());
}

/** The pull stopped before its last page: what its run record says about it. */
function endOfStoppedRun(ctx: AppContext, job: PullJob, outer: AbortSignal | undefined, error: unknown): RunEnd | null {
  if (job.cancel.signal.aborted || error instanceof PullCancelledByAdmin) {
    return { state: 'cancelled', message: cancelledMessage(rowsDoneOf(ctx.sqlite, job.run!.id)) };
  }
  // The app is closing: the record stays 'running' and the next start resumes the pull.
  if (outer?.aborted && outer.reason === APP_CLOSING) return null;
  if (error instanceof SyncCancelled || outer?.aborted) {
    return { state: 'cancelled', message: 'Sync stopped because the practice system address or token changed; the next sync continues where it stopped.' };
  }
  return { state: 'failed', message: error instanceof Error ? error.message : String(error) };
}

/** A page the worker did not apply: the run record was marked 'cancelling'. */
class PullCancelledByAdmin extends DeliveryError {
  constructor(message: string) {
    super(message, false);
    this.name = 'PullCancelledByAdmin';
  }
}

async function pullWith(
  ctx: AppContext,
  conn: SyncConnection,
  outer: AbortSignal | undefined,
  job: PullJob,
  report: (p: PullProgress) => void,
): Promise<SyncSummary> {
  const { signal } = conn;
  const limit = Math.min(MAX_PAGE_LIMIT, Math.max(1, Math.floor(conn.pageLimit ?? DEFAULT_PAGE_LIMIT)));
  const totals = { pages: 0, rows: 0, tombstones: 0, keptLocal: 0, setAside: 0, olderIgnored: 0, charactersRemoved: 0 };

  const startState = await exclusive(ctx.db, () => ({
    cursor: readState(ctx.sqlite, PULL_CURSOR_KEY) ?? '',
    // Filling an empty mirror: build the search terms once at the end (search/deferredTerms.ts), instead of per
    // page (a page then applies in a few ms; per-page indexing held the event loop 60-150 ms).
    deferIndex: readState(ctx.sqlite, INDEX_STALE_KEY) === 'true' || ctx.sqlite.prepare('SELECT count(*) FROM patients').pluck().get() === 0,
    // A pull an earlier run of the app left open (a crash, a close) continues in its record.
    adopted: job.jobs ? adoptOpenRun(ctx.sqlite, ctx.now().toISOString()) : null,
  }));
  let { cursor } = startState;
  const { deferIndex } = startState;
  if (startState.adopted) attach(job, startState.adopted);
  // Every cursor this pull was given: one coming back means the feed runs in a circle.
  const seen = new Set<string>([cursor]);
  // The request for the next page, sent while the page before it is written (issue 14): the
  // worker writes one page while the practice system answers for the next.
  let next: NextPage | null = null;
  try {
    for (;;) {
      if (signal?.aborted) throw new SyncCancelled();
      if (totals.pages >= MAX_PAGES_PER_PULL) {
        throw new DeliveryError(
          `This sync stopped after ${MAX_PAGES_PER_PULL.toLocaleString('en-US')} pages; the next sync continues where it stopped. Nothing was lost.`,
          false,
        );
      }
      next ??= requestPage(ctx, conn, cursor, limit);
      let bytes: Uint8Array;
      try {
        bytes = await next.bytes;
      } catch (error) {
        // A certificate this computer refused (its clock, the server's renewal) is not a network that is down.
        if (error instanceof DeliveryError && !error.permanent && !(error instanceof SyncCancelled) && !(error instanceof CertificateRefused)) {
          await exclusive(ctx.db, () => writeState(ctx.sqlite, ONLINE_KEY, 'false'));
        }
        throw error;
      }
      next = null;
      const page = await job.writer.read(bytes, limit);
      if (page.hasMore && seen.has(page.cursor)) {
        // Asking again with a cursor already seen would go round the same pages forever.
        throw new DeliveryError('The practice system sent a repeating cursor: contact its vendor. What arrived before it is kept.', true);
      }
      seen.add(page.cursor);
      if (!job.run && job.jobs && page.rows + (page.hasMore ? page.remaining : 0) > JOB_ABOVE_ROWS) {
        const run = await exclusive(ctx.db, () => startRun(ctx.sqlite, page.rows + page.remaining, ctx.now().toISOString()));
        attach(job, run);
      }
      const applying = job.writer.apply({ deferIndex, now: ctx.now().toISOString(), runId: job.run?.id });
      // Asked with this page's cursor: if the page is not applied after all, the answer is dropped unread.
      if (page.hasMore && totals.pages + 1 < MAX_PAGES_PER_PULL) next = requestPage(ctx, conn, page.cursor, limit);
      const outcome = await applying;
      if ('cancelled' in outcome) throw new PullCancelledByAdmin(cancelledMessage(await exclusive(ctx.db, () => rowsDoneOf(ctx.sqlite, job.run!.id))));
      const counts = outcome;
      cursor = page.cursor;
      totals.pages += 1;
      totals.rows += counts.rows;
      totals.tombstones += counts.tombstones;
      totals.keptLocal += counts.keptLocal;
      totals.setAside += counts.setAside;
      totals.olderIgnored += counts.olderIgnored;
      totals.charactersRemoved += counts.charactersRemoved;
      report({ rowsDone: totals.rows + totals.tombstones, remaining: page.hasMore ? page.remaining : 0 });
      if (!page.hasMore) break;
      // Let IPC, timers and the UI's requests run between pages.
      await yieldToEventLoop();
    }
  } catch (error) {
    next?.drop();
    // What did arrive must be searchable while the desk works offline, also after a cancel (unless the app is stopping).
    if (deferIndex && totals.pages > 0) await buildDeferredSearchIndex(ctx, job.writer, outer);
    const run = job.run;
    const end = run ? endOfStoppedRun(ctx, job, outer, error) : null;
    if (run && end) await exclusive(ctx.db, () => endRun(ctx.sqlite, run.id, end, ctx.now().toISOString()));
    if (end?.state === 'cancelled' && job.cancel.signal.aborted) throw new PullCancelledByAdmin(end.message);
    throw error;
  }

  if (deferIndex) await buildDeferredSearchIndex(ctx, job.writer, outer);
  if (outer?.aborted) throw new SyncCancelled();
  const lastSyncAt = ctx.now().toISOString();
  const run = job.run;
  await exclusive(ctx.db, () =>
    ctx.sqlite.transaction(() => {
      writeState(ctx.sqlite, LAST_SYNC_KEY, lastSyncAt);
      writeState(ctx.sqlite, ONLINE_KEY, 'true');
      if (run) endRun(ctx.sqlite, run.id, { state: 'done' }, lastSyncAt);
    })(),
  );
  return { ...totals, lastSyncAt };
}

// ---------------------------------------------------------------------------------------------
// Transport

/** A page asked for ahead of time; `drop()` aborts the request and ignores its outcome. */
interface NextPage {
  bytes: Promise<Uint8Array>;
  drop(): void;
}

function requestPage(ctx: AppContext, conn: SyncConnection, cursor: string, limit: number): NextPage {
  const controller = new AbortController();
  const linked = linkedSignal([conn.signal, controller.signal]);
  const bytes = fetchPage(ctx, { ...conn, signal: linked.signal }, cursor, limit).finally(() => linked.dispose());
  // Awaited by the loop, or dropped with the pull: a dropped request's failure is nobody's.
  bytes.catch(() => undefined);
  return { bytes, drop: () => controller.abort() };
}

/** One page's body as received (read by the writer: pageRead.ts), or the DeliveryError its status calls for. */
async function fetchPage(ctx: AppContext, conn: SyncConnection, cursor: string, limit: number): Promise<Uint8Array> {
  let answer: Awaited<ReturnType<typeof syncRequest>>;
  try {
    answer = await syncRequest(conn, {
      method: 'GET',
      path: SYNC_PATHS.changes,
      query: { cursor, limit: String(limit) },
      signal: conn.signal,
      timeoutMs: REQUEST_TIMEOUT_MS,
      maxBytes: pageByteCap(limit),
    });
  } catch (error) {
    if (error instanceof SyncUnreachable) {
      // Refused, reset, DNS, TLS or the 30-second timeout (while connecting or reading the body).
      throw error.toDeliveryError(`The practice system at ${error.host} could not be reached; working offline. Nothing was lost.`, 'Nothing was lost.');
    }
    throw error;
  }
  const { status } = answer;
  if (status === 401 || status === 403) {
    throw new DeliveryError('The practice system refused the sync token: check it in Settings.', true);
  }
  if (status === 408 || status === 429 || status >= 500) {
    const { host } = syncUrl(conn.baseUrl, SYNC_PATHS.changes);
    throw new DeliveryError(
      `The practice system at ${host} is busy or having trouble (HTTP ${status}); sync will try again. Nothing was lost.`,
      false,
      retryAfterMs(answer.headers.get('retry-after'), ctx.now().getTime()),
    );
  }
  if (status === 404) {
    throw new DeliveryError('The practice system address answered "not found" (HTTP 404): check the practice system address in Settings.', true);
  }
  if (status !== 200) {
    throw new DeliveryError(`The practice system turned down the sync request (HTTP ${status}).`, true);
  }

  return answer.bytes;
}

// ---------------------------------------------------------------------------------------------
// Mirror

// Synchronous better-sqlite3: these run inside exclusive(), where an async Kysely query would wait on the lock it is under.
function readState(sqlite: BetterSqlite3.Database, key: string): string | undefined {
  const row = sqlite.prepare('SELECT value FROM sync_state WHERE key = ?').get(key) as { value: string } | undefined;
  return row?.value;
}

function writeState(sqlite: BetterSqlite3.Database, key: string, value: string): void {
  sqlite.prepare('INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
}
