import { randomUUID } from 'node:crypto';
import type BetterSqlite3 from 'better-sqlite3';
import type { AppContext } from '../context';
import { AppError } from '../errors';
import type { JobRunner, ReadJob } from '../jobs/jobRunner';
import { ExportStopped } from './exportRecords';
import { type BulkPicture, localPicture, type PictureSummary, warmPicture } from './bulkPicture';
import type { PictureParams } from '../../../shared/bulk/picture';
import { BulkPassStopped, type BulkSnapshot, computeSnapshot, keepSnapshotAfterOwnWrite, mirrorStamp } from './snapshot';

/**
 * The Bulk PIN picture for the screen's calls, worked out as a job (issue 14) and kept while the
 * mirror is unchanged: keyed by the mirror's stamp (snapshot.ts mirrorStamp: another connection's
 * commit or a write of this one moves it), today's date and the Minor Age Limit. With a job
 * runner that has a worker, the job runs in a worker thread (pictureWorker.ts) that then holds
 * the picture and answers page calls; main keeps only the counts. Without one (an in-memory
 * mirror, tests of the rules), the same picture is worked out in this thread.
 *
 * A stamp that moves while the job runs does not stop it: the caller that started it gets the
 * picture it asked for (as of the job's read transaction), and the next call starts another.
 */
interface Entry {
  key: string;
  picture: Promise<BulkPicture>;
  /** Ends the worker holding the picture (or stops the job), when the entry is dropped. */
  release: () => void;
}

const cache = new WeakMap<BetterSqlite3.Database, Entry>();

function drop(sqlite: BetterSqlite3.Database, entry: Entry | undefined): void {
  if (!entry) return;
  if (cache.get(sqlite) === entry) cache.delete(sqlite);
  entry.release();
}

/** The picture, from the cache while the mirror is unchanged, else from a new job. */
export async function bulkPicture(ctx: AppContext, jobs?: JobRunner): Promise<BulkPicture> {
  const settings = await ctx.settings();
  const today = await ctx.today();
  const key = `${mirrorStamp(ctx.sqlite)}|${today}|${settings.minorAgeLimit}`;
  const cached = cache.get(ctx.sqlite);
  if (cached && cached.key === key) return cached.picture;
  drop(ctx.sqlite, cached);
  const params: PictureParams = { today, minorAgeLimit: settings.minorAgeLimit, now: ctx.now().toISOString() };
  const entry = (jobs?.hasWorker ? inWorker(jobs, params) : inThisThread(ctx, params, jobs)) as Entry;
  entry.key = key;
  cache.set(ctx.sqlite, entry);
  entry.picture.catch(() => {
    if (cache.get(ctx.sqlite) === entry) cache.delete(ctx.sqlite);
  });
  return entry.picture;
}

const cancelled = () =>
  new AppError('conflict', 'Working out Bulk PIN readiness was cancelled; nothing was kept. Open the Bulk PIN screen again to start it over.');

function inWorker(jobs: JobRunner, params: PictureParams): Omit<Entry, 'key'> {
  const jobId = randomUUID();
  let onReady: (summary: PictureSummary) => void = () => {};
  const ready = new Promise<PictureSummary>((resolve) => {
    onReady = resolve;
  });
  let stopped = false;
  const exports = new Map<string, ReadJob>();
  const session = jobs.openSession({ kind: 'bulk.picture', jobId, params }, (message) => {
    if (message.type === 'progress') (message.jobId === jobId ? job : exports.get(message.jobId))?.progress(message.rowsDone, message.rowsTotal);
    else if (message.type === 'ready') onReady(message.summary);
  });
  if (!session) throw new AppError('conflict', 'The app is closing. Open the Bulk PIN screen again once it is open.');
  const job = jobs.startReadJob(jobId, 'bulk.readiness', () => {
    stopped = true;
    session.kill();
  });
  const picture = Promise.race([ready, session.gone]).then(
    (summary): BulkPicture => {
      job.finish('done');
      return {
        summary,
        guardians: (offset, limit) => session.call('guardians', [offset, limit]),
        exclusions: (reason, offset, limit) => session.call('exclusions', [reason, offset, limit]),
        worklist: (problem, offset, limit) => session.call('worklist', [problem, offset, limit]),
        writeExport: async (kind, dir, name, exportId) => {
          const exporting = jobs.startReadJob(exportId, 'bulk.export', () => session.tell({ type: 'cancel', jobId: exportId }));
          exports.set(exportId, exporting);
          try {
            const written = await session.call<{ file: string; rows: number }>('writeExport', [kind, dir, name, exportId]);
            exporting.finish('done');
            return written;
          } catch (error) {
            const wasCancelled = (error as Error).message === new ExportStopped().message;
            exporting.finish(wasCancelled ? 'cancelled' : 'failed');
            throw wasCancelled ? new AppError('conflict', 'The export was cancelled; no file was saved.') : error;
          } finally {
            exports.delete(exportId);
          }
        },
      };
    },
    (error: unknown) => {
      job.finish(stopped ? 'cancelled' : 'failed');
      session.kill();
      throw stopped ? cancelled() : error;
    },
  );
  // Dropped while it still counts (the mirror moved again): it finishes for whoever awaits it, then ends.
  return {
    picture,
    release: () =>
      void picture.then(
        () => session.end(),
        () => {},
      ),
  };
}

function inThisThread(ctx: AppContext, params: PictureParams, jobs: JobRunner | undefined): Omit<Entry, 'key'> {
  let stopped = false;
  const job = jobs?.startReadJob(randomUUID(), 'bulk.readiness', () => {
    stopped = true;
  });
  const picture = computeSnapshot(
    ctx.sqlite,
    { today: params.today, minorAgeLimit: params.minorAgeLimit, now: new Date(params.now) },
    { progress: (done, total) => job?.progress(done, total), stopping: () => stopped },
  ).then(
    async (snapshot) => {
      const local = inThreadPicture(snapshot, jobs);
      await warmPicture(local);
      job?.finish('done');
      return local;
    },
    (error: unknown) => {
      job?.finish(error instanceof BulkPassStopped ? 'cancelled' : 'failed');
      throw error instanceof BulkPassStopped ? cancelled() : error;
    },
  );
  return { picture, release: () => {} };
}

/** The picture in this thread: an export is a read job too when there is a runner to show it. */
function inThreadPicture(snapshot: BulkSnapshot, jobs: JobRunner | undefined): BulkPicture {
  const watches = new Map<string, { job: ReadJob; stopped: boolean }>();
  const local = localPicture(snapshot, (exportId) => {
    const watch = watches.get(exportId);
    return watch && { progress: (done, total) => watch.job.progress(done, total), stopping: () => watch.stopped };
  });
  return {
    ...local,
    writeExport: async (kind, dir, name, exportId) => {
      if (!jobs) return local.writeExport(kind, dir, name, exportId);
      const watch = { job: jobs.startReadJob(exportId, 'bulk.export', () => (watch.stopped = true)), stopped: false };
      watches.set(exportId, watch);
      try {
        const written = await local.writeExport(kind, dir, name, exportId);
        watch.job.finish('done');
        return written;
      } catch (error) {
        watch.job.finish(error instanceof ExportStopped ? 'cancelled' : 'failed');
        throw error instanceof ExportStopped ? new AppError('conflict', error.message) : error;
      } finally {
        watches.delete(exportId);
      }
    },
  };
}

/** Drops the cached picture (and ends the worker holding it). */
export function invalidateBulkPicture(sqlite: BetterSqlite3.Database): void {
  drop(sqlite, cache.get(sqlite));
}

/**
 * For writes that cannot change the picture (a checklist answer, an export's audit row): when
 * exactly `changes` rows were written since `before`, the cached picture (and snapshot) stay valid.
 */
export function keepBulkAfterOwnWrite(sqlite: BetterSqlite3.Database, before: string, changes: number): void {
  keepSnapshotAfterOwnWrite(sqlite, before, changes);
  const cached = cache.get(sqlite);
  if (!cached?.key.startsWith(`${before}|`)) return;
  const [version, total] = before.split(':').map(Number);
  const now = mirrorStamp(sqlite);
  if (now !== `${version}:${total! + changes}`) return;
  cached.key = now + cached.key.slice(before.length);
}
