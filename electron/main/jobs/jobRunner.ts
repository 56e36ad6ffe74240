import type { Worker } from 'node:worker_threads';
import type { ImportPreview, ImportResult } from '../../../shared/bulk/api';
import type { JobKind, JobView, ReadJobKind } from '../../../shared/jobs/jobs';
import type { AppContext } from '../context';
import { jobsWriting } from '../db/deskTurn';
import { finishRun, interruptedRuns, markResumed, readRun, requestCancel, viewOf, type RunRow } from '../db/jobRuns';
import { AppError } from '../errors';
import { exclusive, exclusiveWrite } from '../lib/exclusive';
import { sendTexts } from '../lib/textParts';
import { JOB_THREAD_NICE } from '../lib/threadPriority';
import { findWorkerEntry, startWorker, type WorkerLaunch } from '../lib/workerEntry';
import type { JobEvents, JobWorkerData, SessionCall, WorkerJob, WorkerMessage } from './jobTypes';

/**
 * The job runner (issue 14), made and stopped by createApp: heavy jobs run in worker threads,
 * each with its own connection to the mirror file, writing in short transactions that also
 * advance the job's run record (migration 010). The runner
 *
 * - starts a job in a worker (or, with no worker script / an in-memory mirror, in this thread
 *   through the area's own in-process path);
 * - on start, resumes every job the last run of the app left 'running' or 'cancelling' (a crash,
 *   a close mid-job): the status bar says "resumed after a restart";
 * - cancels: marks the record 'cancelling'; the job reads it in every transaction and stops;
 * - on close, tells its workers to stop after their current transaction and waits for them: the
 *   jobs stay 'running' and resume at the next start.
 */

export interface JobRunnerOptions {
  /** The mirror file (each worker opens its own connection to it). ':memory:' runs jobs in this thread. */
  databaseFile: string;
  /** better-sqlite3 build for Electron's ABI, as given to openDatabase (the two-ABI rule: the worker loads the same). */
  nativeBinding?: string;
  /**
   * The built worker entry (electron-vite input `jobWorker` → out/main/jobWorker.js). By default
   * looked for beside the bundle; from sources (tests, tsx) the .ts entry runs through tsx.
   */
  workerScript?: string | URL;
  /** The app connection's DeskTurn buffer (db/deskTurn.ts), shared with every worker. */
  deskTurn?: SharedArrayBuffer;
}

/** Where the worker entry is: given, beside the bundle, or (running from sources) the .ts via tsx. */
function findWorker(options: JobRunnerOptions): WorkerLaunch | null {
  return findWorkerEntry(import.meta.url, '../jobWorker.ts', 'jobWorker', options.workerScript);
}

/** How an area resumes its kind of job in this thread, when there is no worker. */
export type ResumeHere = (jobId: string, stopping: () => boolean) => Promise<unknown>;

/** The worker job that resumes a run record of this kind. */
const RESUME_JOB: Record<JobKind, ((jobId: string) => WorkerJob) | null> = {
  'import.apply': (jobId) => ({ kind: 'import.resume', jobId }),
  // A pull resumes in this thread (its HTTP runs here): the delivery runtime's resume, see app.ts.
  'sync.pull': null,
};

/** A worker that answers calls until ended (a pull's page applies): see openSession. */
export interface JobSession {
  /** `transfer`: buffers handed to the worker without a copy (they are unusable here afterwards). */
  call<T>(op: string, args: unknown, transfer?: ArrayBuffer[]): Promise<T>;
  /** The worker closes its connection and ends (after the call in flight). */
  end(): void;
  /** Ends the worker now, mid-call (a job that writes nothing: a cancelled read). */
  kill(): void;
  /** Rejects when the worker fails or ends (after end() too). */
  readonly gone: Promise<never>;
  /** A message the worker's job reads itself (a read job's cancel). */
  tell(message: { type: string; jobId: string }): void;
}

/** A job that only reads (READ_JOB_KINDS), as its owner tells the runner about it: shown and cancelled, never recorded. */
export interface ReadJob {
  readonly id: string;
  progress(rowsDone: number, rowsTotal: number): void;
  finish(state: 'done' | 'cancelled' | 'failed'): void;
}

export class JobRunner {
  private readonly launch: WorkerLaunch | null;
  private readonly workers = new Set<Worker>();
  private readonly running = new Set<Promise<unknown>>();
  private readonly resumeHere = new Map<JobKind, ResumeHere>();
  /** Jobs driven from this thread (a pull) hear their cancel at once, not only at their next transaction. */
  private readonly cancelHooks = new Map<string, () => void>();
  /** Jobs run or resumed since the app started, newest last: the status bar shows how they ended. */
  private readonly seen: string[] = [];
  private closing = false;
  private resuming: Promise<void> | null = null;
  /** Jobs running in workers, and the app connection's own checkpoint interval while none does (see holdCheckpoints). */
  private jobsInWorkers = 0;
  private autocheckpoint = 1000;
  /** ...and its memory map's size (see holdCheckpoints). */
  private mmapSize = 0;
  /** Read jobs of this session (newest last), with how to stop a running one. */
  private readonly readJobs = new Map<string, { view: JobView; cancel: () => void }>();

  constructor(
    private readonly ctx: AppContext,
    private readonly options: JobRunnerOptions,
  ) {
    this.launch = options.databaseFile === ':memory:' ? null : findWorker(options);
  }

  /** The app connection's DeskTurn buffer the workers share (a test's own writer announces itself on it). */
  get deskTurn(): SharedArrayBuffer | undefined {
    return this.options.deskTurn;
  }

  /** True when jobs run in worker threads (a worker script was found and the mirror is a file). */
  get hasWorker(): boolean {
    return this.launch !== null;
  }

  /** The app is closing: in-process jobs stop after their current transaction too. */
  readonly stopping = (): boolean => this.closing;

  /** An area's in-process resume of its kind (used when there is no worker). */
  onResume(kind: JobKind, resume: ResumeHere): void {
    this.resumeHere.set(kind, resume);
  }

  /** Remembers a job run in this thread, so the status bar shows it. */
  noteJob(jobId: string): void {
    if (!this.seen.includes(jobId)) this.seen.push(jobId);
  }

  /** `hook` runs when an administrator cancels this job (after its record says 'cancelling'); returns the unhook. */
  onCancel(jobId: string, hook: () => void): () => void {
    this.cancelHooks.set(jobId, hook);
    return () => {
      if (this.cancelHooks.get(jobId) === hook) this.cancelHooks.delete(jobId);
    };
  }

  /** Runs a job in this thread, so close() waits for it. */
  track<T>(work: Promise<T>): Promise<T> {
    this.running.add(work);
    const forget = () => this.running.delete(work);
    work.then(forget, forget);
    return work;
  }

  /**
   * Runs a job in a worker thread, telling `events` as it goes. `texts`: long texts the job names by
   * key (its `texts`), sent after the job in slices, a turn each, instead of copied with it in one go.
   */
  runInWorker(job: WorkerJob, events: JobEvents = {}, texts?: ReadonlyMap<string, string>): Promise<ImportResult | ImportPreview | null> {
    if (!this.launch) return Promise.reject(new Error('The job worker script was not found.'));
    if (this.closing) return Promise.reject(new AppError('conflict', 'The app is closing. Start the job again once it is open.'));
    const worker = this.spawn(job);
    // A worker that has ended drops what is posted to it; its end is reported below.
    if (texts) void sendTexts((part) => worker.postMessage(part), texts).catch(() => undefined);
    // A preview only reads: the desk's connection keeps its checkpoints and its writes their usual path.
    const release = job.kind === 'import.preview' ? () => undefined : this.holdCheckpoints();
    const done = new Promise<ImportResult | ImportPreview | null>((resolve, reject) => {
      let settled = false;
      const finish = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        this.workers.delete(worker);
        release();
        outcome();
      };
      worker.on('message', (message: WorkerMessage) => {
        if (message.type === 'started') {
          this.seen.push(message.jobId);
          events.started?.(message.jobId);
        } else if (message.type === 'progress') {
          events.progress?.(message.jobId, message.rowsDone, message.rowsTotal);
        } else if (message.type === 'done') finish(() => resolve(message.result));
        else if (message.type === 'failed') {
          const error = new Error(`The job worker failed: ${message.message}`);
          if (message.stack) error.stack = `${error.message}\n[worker] ${message.stack}`;
          finish(() => reject(error));
        }
      });
      worker.on('error', (error) => finish(() => reject(error)));
      worker.on('exit', (code) => finish(() => reject(new Error(`The job worker stopped (exit code ${code}) before finishing.`))));
    });
    return this.track(done);
  }

  /**
   * A worker thread with its own connection that answers `call`s one at a time until `end()`:
   * null when jobs cannot run in workers here (no worker script, an in-memory mirror) or the app
   * is closing; the caller then does the work in this thread.
   */
  openSession(job: WorkerJob, onMessage?: (message: WorkerMessage) => void): JobSession | null {
    if (!this.launch || this.closing) return null;
    const worker = this.spawn(job);
    // A pull's or FHIR load's writes: the session's worker checkpoints between its calls (jobWorker.ts), not the desk's commits.
    const release = job.kind === 'sync.apply' ? this.holdCheckpoints() : () => undefined;
    const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
    let next = 0;
    let gone: Error | null = null;
    let tellGone: (error: Error) => void = () => {};
    const goneSignal = new Promise<never>((_, reject) => {
      tellGone = reject;
    });
    goneSignal.catch(() => {});
    const failAll = (error: Error) => {
      gone ??= error;
      tellGone(gone);
      for (const p of pending.values()) p.reject(error);
      pending.clear();
    };
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'result' || message.type === 'error') {
        const p = pending.get(message.id);
        pending.delete(message.id);
        if (message.type === 'result') p?.resolve(message.value);
        else p?.reject(new Error(message.message));
      } else if (message.type === 'failed') failAll(new Error(`The job worker failed: ${message.message}`));
      else onMessage?.(message);
    });
    worker.on('error', (error) => failAll(error));
    const exited = new Promise<void>((resolve) =>
      worker.once('exit', () => {
        this.workers.delete(worker);
        release();
        failAll(new Error('The job worker ended.'));
        resolve();
      }),
    );
    void this.track(exited);
    return {
      call: <T>(op: string, args: unknown, transfer: ArrayBuffer[] = []) =>
        new Promise<T>((resolve, reject) => {
          if (gone) return reject(gone);
          const id = ++next;
          pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
          worker.postMessage({ type: 'call', id, op, args } satisfies SessionCall, transfer);
        }),
      end: () => worker.postMessage({ type: 'stop' }),
      kill: () => void worker.terminate(),
      gone: goneSignal,
      tell: (message) => worker.postMessage(message),
    };
  }

  /**
   * A job that only reads, run by its area (a Bulk PIN picture): the status bar shows its
   * progress, and Cancel calls `cancel`. Nothing is recorded in job_runs: there is nothing to
   * resume or roll back after a crash.
   */
  startReadJob(id: string, kind: ReadJobKind, cancel: () => void): ReadJob {
    const at = () => this.ctx.now().toISOString();
    const view: JobView = { id, kind, state: 'running', rowsDone: 0, rowsTotal: 0, resumed: false, startedAt: at(), updatedAt: at(), message: null };
    this.readJobs.set(id, { view, cancel });
    // Keep the last few that ended, as visibleJobs keeps the recorded ones of this session.
    const ended = [...this.readJobs.values()].filter((j) => j.view.state !== 'running' && j.view.state !== 'cancelling');
    for (const old of ended.slice(0, Math.max(0, ended.length - 5))) this.readJobs.delete(old.view.id);
    return {
      id,
      progress: (rowsDone, rowsTotal) => Object.assign(view, { rowsDone, rowsTotal, updatedAt: at() }),
      finish: (state) => {
        if (view.state === 'running' || view.state === 'cancelling') Object.assign(view, { state, updatedAt: at() });
      },
    };
  }

  /**
   * While a job writes in a worker, the app's connection does not checkpoint: the job's worker
   * does, between its transactions (db/walCheckpoints.ts). Otherwise the desk's next commit would
   * copy the job's WAL back into the file on the main thread, and the event loop would wait for it.
   * The shared DeskTurn counts the job too: the desk's writes sync its frames off main first (db/deskDriver.ts).
   *
   * The app's connection also reads without its memory map meanwhile (db/open.ts DESK_MMAP_BYTES): the
   * job grows the file at every checkpoint, and a mapped connection maps it again at its next read
   * after each growth. In a probe of the 200,000-patient pull alone, two pulls with the map kept took
   * 83 and 95 s against 67 and 64 s without a map, and peaked at 386 and 514 MiB against 363 and 380
   * (loaded machine); with the map set aside during the job, 99 s against 111 s and 348 against 351 MiB.
   */
  private holdCheckpoints(): () => void {
    const sqlite = this.ctx.sqlite;
    const turn = this.options.deskTurn;
    if (turn) jobsWriting(turn, 1);
    if (this.jobsInWorkers++ === 0) {
      this.autocheckpoint = Number(sqlite.pragma('wal_autocheckpoint', { simple: true }));
      sqlite.pragma('wal_autocheckpoint = 0');
      this.mmapSize = Number(sqlite.pragma('mmap_size', { simple: true }));
      sqlite.pragma('mmap_size = 0');
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (turn) jobsWriting(turn, -1);
      if (--this.jobsInWorkers === 0 && sqlite.open) {
        sqlite.pragma(`wal_autocheckpoint = ${this.autocheckpoint}`);
        sqlite.pragma(`mmap_size = ${this.mmapSize}`);
      }
    };
  }

  private spawn(job: WorkerJob): Worker {
    const launch = this.launch!;
    const workerData: JobWorkerData = {
      fppJobWorker: true,
      databaseFile: this.options.databaseFile,
      nativeBinding: this.options.nativeBinding,
      job,
      deskTurn: this.options.deskTurn,
      launch: { script: launch.script.href, bootstrap: launch.bootstrap, ownFlags: launch.ownFlags },
    };
    const worker = startWorker(launch, workerData, { nice: JOB_THREAD_NICE });
    this.workers.add(worker);
    return worker;
  }

  /** Resumes every job the last run of the app left unfinished; once, at start. */
  start(): void {
    this.resuming ??= this.track(this.resumeInterrupted()).catch((error: unknown) => {
      console.error('jobs: resuming an interrupted job failed:', error);
    });
  }

  private async resumeInterrupted(): Promise<void> {
    const runs = await exclusive(this.ctx.db, () => interruptedRuns(this.ctx.sqlite));
    for (const run of runs) {
      if (this.closing) return;
      await this.resume(run);
    }
  }

  private async resume(run: RunRow): Promise<void> {
    const now = this.ctx.now().toISOString();
    const workerJob = RESUME_JOB[run.kind]?.(run.id) ?? null;
    const here = this.resumeHere.get(run.kind);
    // A worker resumes its kind when it can; a kind driven from this thread (a pull's HTTP) resumes here.
    const inWorker = workerJob !== null && this.launch !== null;
    if (!inWorker && !here) {
      await exclusive(this.ctx.db, () =>
        finishRun(
          this.ctx.sqlite,
          run.id,
          'failed',
          `Stopped when the app closed, after ${run.rows_done} of ${run.rows_total} rows; it could not be resumed here.`,
          now,
        ),
      );
      this.seen.push(run.id);
      return;
    }
    await exclusive(this.ctx.db, () => markResumed(this.ctx.sqlite, run.id, now));
    this.seen.push(run.id);
    if (inWorker) await this.runInWorker(workerJob).catch((error: unknown) => console.error(`jobs: resuming ${run.id} failed:`, error));
    else await here!(run.id, this.stopping);
  }

  /** Stops a running job after its current transaction (the record is the signal). */
  async cancel(jobId: string): Promise<JobView> {
    const read = this.readJobs.get(jobId);
    if (read) {
      if (read.view.state !== 'running')
        throw new AppError('conflict', 'That job has already ended; there is nothing to cancel. The status bar says how it ended.');
      read.cancel();
      Object.assign(read.view, { state: 'cancelled', updatedAt: this.ctx.now().toISOString() });
      return { ...read.view };
    }
    const now = this.ctx.now().toISOString();
    const { asked, row } = await exclusiveWrite(this.ctx.db, () => ({
      asked: requestCancel(this.ctx.sqlite, jobId, now),
      row: readRun(this.ctx.sqlite, jobId),
    }));
    if (!row) throw new AppError('not_found', 'That job is not known on this workstation.');
    if (!asked && row.state !== 'cancelling')
      throw new AppError('conflict', 'That job has already ended; there is nothing to cancel. The status bar says how it ended.');
    this.cancelHooks.get(jobId)?.();
    return viewOf(row);
  }

  /** For the status bar and the jobs' screens: running jobs, and those of this session, newest first. */
  async visibleJobs(): Promise<JobView[]> {
    const rows = await this.ctx.db
      .selectFrom('job_runs')
      .select(['id', 'kind', 'state', 'rows_done', 'rows_total', 'resume_point', 'started_at', 'updated_at', 'message', 'resumed'])
      .where((eb) => eb.or([eb('state', 'in', ['running', 'cancelling']), ...(this.seen.length > 0 ? [eb('id', 'in', this.seen.slice(-5))] : [])]))
      .orderBy('started_at', 'desc')
      .limit(5)
      .execute();
    const reads = [...this.readJobs.values()].map((j) => ({ ...j.view }));
    // Running jobs first (an ended read job never hides a running import), then newest first.
    const live = (j: JobView) => (j.state === 'running' || j.state === 'cancelling' ? 1 : 0);
    return [...rows.map(viewOf), ...reads]
      .sort((a, b) => live(b) - live(a) || (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0))
      .slice(0, 5);
  }

  /** Resolves once no job runs (the resumes at start included). */
  async whenIdle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /** close(): workers stop after their current transaction (their jobs resume at the next start). */
  async stop(): Promise<void> {
    this.closing = true;
    for (const worker of this.workers) worker.postMessage({ type: 'stop' });
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }
}
