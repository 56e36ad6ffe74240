import { randomUUID } from 'node:crypto';
import type { ImportPreview, ImportResult } from '../../../shared/bulk/api';
import { requireClerk } from '../clerks/sessionService';
import type { AppContext } from '../context';
import type { Handlers } from '../dispatch';
import { AppError } from '../errors';
import { JobRunner } from '../jobs/jobRunner';
import type { JobEvents } from '../jobs/jobTypes';
import { exclusive } from '../lib/exclusive';
import { yieldToEventLoop } from '../lib/pacing';
import { applyImport, chartPages, previewOf, resumeImport, type ApplyRequest, type PreviewRequest } from './applyCore';
import { buildPlan } from './plan';
import type { ImportInput } from './planTypes';
import { reconcile } from './reconcile';
import { withoutTexts } from './requestTexts';

/**
 * import.preview and import.apply (SPEC 3.1, 3.5, 4): a practice's CSV export (patients, family
 * contacts, appointments) checked line by line, whole, and applied only when every row is clean.
 *
 * Preview of a large file (above the worker threshold) runs in the job worker on a read-only
 * connection (Importer.preview); a small one, or where no worker can start, in the main process two
 * thousand rows (or 20,000 cells) at a time, letting the event loop run in between; the file's
 * bytes are decoded first, in slices (decode.ts). Apply
 * is a job (issue 14): a large import runs in the job runner's worker thread with its own
 * connection to the mirror file, a small one on the app's connection; either way the checked
 * files are staged in a run record and written in short transactions, a few whole families each
 * (applyChunks.ts: about 25 ms on the app's connection; about 100 ms in a worker, which ends one
 * early, whole, when a desk write waits), so the desk's reads never wait and its writes wait at most
 * one transaction (in a worker: a few families and the commit). Meanwhile families appear as they are applied, each whole (new patients are found
 * by search once the job's last step has indexed them, before it ends); the status bar and the
 * import screen show "Import 40% applied". A crash resumes at the next start; Cancel stops after
 * the current transaction and keeps what was applied (audited as an import stopped part-way).
 */

export interface ImportOptions {
  /** The mirror file (the worker opens its own connection to it). ':memory:' applies in-process. */
  databaseFile: string;
  /** better-sqlite3 build for Electron's ABI, as given to openDatabase. */
  nativeBinding?: string;
  /**
   * 'auto' (default): a worker for large imports (over `workerAboveChars` of CSV) when a worker
   * script is found, else in-process; 'always' / 'never' force one path.
   */
  worker?: 'auto' | 'always' | 'never';
  workerAboveChars?: number;
  /** The job runner's worker entry (see JobRunnerOptions.workerScript). */
  workerScript?: string | URL;
}

/** About 5,000 CSV rows: below it the whole apply on the app's connection takes a fraction of a second. */
const DEFAULT_WORKER_ABOVE_CHARS = 500_000;

/** Runs a chunked read on the app's connection: one chunk per event-loop turn, each under the lock. */
async function drive<T>(ctx: AppContext, steps: Generator<void, T>): Promise<T> {
  for (;;) {
    const step = await exclusive(ctx.db, () => steps.next());
    if (step.done) return step.value;
    await yieldToEventLoop();
  }
}

export async function previewImport(ctx: AppContext, input: ImportInput): Promise<ImportPreview> {
  const plan = await buildPlan(input, {
    today: await ctx.today(),
    mirrorCharts: () => drive(ctx, chartPages(ctx.sqlite, new Set())),
    pause: yieldToEventLoop,
  });
  const { changes, problems } = await drive(ctx, reconcile(ctx.sqlite, plan, { write: false, now: ctx.now().toISOString() }));
  return previewOf(plan, changes, problems);
}

async function applyHere(ctx: AppContext, runner: JobRunner, request: ApplyRequest, events: JobEvents): Promise<ImportResult> {
  const jobId = randomUUID();
  const hooks = { ...inProcessHooks(ctx, runner), progress: (rowsDone: number, rowsTotal: number) => events.progress?.(jobId, rowsDone, rowsTotal) };
  return applyImport(ctx.sqlite, request, hooks, {
    id: jobId,
    started: () => {
      runner.noteJob(jobId);
      events.started?.(jobId);
    },
  });
}

/** The in-process path: each short transaction on the app's connection, under Kysely's lock. */
function inProcessHooks(ctx: AppContext, runner: JobRunner) {
  return {
    pause: yieldToEventLoop,
    drive: <T>(steps: Generator<void, T>) => drive(ctx, steps),
    runWrite: <T>(write: () => T) => exclusive(ctx.db, write),
    stopping: runner.stopping,
    clock: () => ctx.now().toISOString(),
  };
}

/**
 * The app's importer (createApp makes one, with the app's job runner): one import applied at a
 * time on this workstation. Made without a runner (tests), it makes and stops its own.
 */
export class Importer {
  private running: Promise<unknown> | null = null;
  private warnedNoWorker = false;
  private readonly runner: JobRunner;
  private readonly ownRunner: boolean;

  constructor(
    private readonly ctx: AppContext,
    private readonly options: ImportOptions,
    runner?: JobRunner,
  ) {
    this.ownRunner = !runner;
    this.runner = runner ?? new JobRunner(ctx, options);
    this.runner.onResume('import.apply', (jobId) => resumeImport(ctx.sqlite, jobId, inProcessHooks(ctx, this.runner)));
  }

  /**
   * Files above the worker threshold are checked in the job worker, on a read-only connection
   * (issue 14: on main, in chunks, a 200,000-patient preview held the event loop up to 92 ms at a
   * time); smaller ones, or where no worker can start, here in chunks as before.
   */
  async preview(input: ImportInput): Promise<ImportPreview> {
    if (!this.wantWorker(input)) return previewImport(this.ctx, input);
    const request: PreviewRequest = { input, today: await this.ctx.today(), now: this.ctx.now().toISOString() };
    const { shell, texts } = withoutTexts(request);
    const job = { kind: 'import.preview' as const, jobId: randomUUID(), input: shell, texts: [...texts.keys()] };
    const result = await this.runner.runInWorker(job, {}, texts);
    if (!result) throw new Error('The import worker ended without a preview.');
    return result as ImportPreview;
  }

  /** A large import's work goes to the job worker when one can run here (options.worker, the threshold). */
  private wantWorker(input: ImportInput): boolean {
    // Characters of text, or of base64 (four for three bytes): about the size of the CSV either way.
    const size = input.files.reduce((n, f) => n + (f.content?.length ?? Math.floor(((f.bytes?.length ?? 0) * 3) / 4)), 0);
    const mode = this.options.worker ?? 'auto';
    const wanted =
      this.options.databaseFile !== ':memory:' &&
      (mode === 'always' || (mode === 'auto' && size > (this.options.workerAboveChars ?? DEFAULT_WORKER_ABOVE_CHARS)));
    if (wanted && !this.runner.hasWorker) {
      if (mode === 'always') throw new Error('The job worker script was not found.');
      if (!this.warnedNoWorker) {
        this.warnedNoWorker = true;
        console.warn('import: no worker script (jobWorker.js beside the bundle); checking and applying on the main connection, in short steps.');
      }
      return false;
    }
    return wanted;
  }

  /** `events` hear when the checked files are staged and each transaction commits (tests and the bench follow the job by them). */
  async apply(input: ImportInput, events: JobEvents = {}): Promise<ImportResult> {
    // Administrators only: the dispatcher enforces the contract's 'admin' access before this runs.
    const clerk = await requireClerk(this.ctx);
    const busy = await this.ctx.db
      .selectFrom('job_runs')
      .select('id')
      .where('kind', '=', 'import.apply')
      .where('state', 'in', ['running', 'cancelling'])
      .executeTakeFirst();
    if (this.running || busy) {
      throw new AppError(
        'conflict',
        'An import is already being applied on this workstation. Wait for it to finish (the status bar shows it), then check the files again.',
      );
    }
    const request: ApplyRequest = {
      input,
      today: await this.ctx.today(),
      now: this.ctx.now().toISOString(),
      clerkId: clerk.id,
      workstation: this.ctx.workstation,
    };
    const done = this.runner.track(this.applyRequest(request, events));
    this.running = done;
    try {
      return await done;
    } finally {
      this.running = null;
    }
  }

  private applyRequest(request: ApplyRequest, events: JobEvents): Promise<ImportResult> {
    if (this.wantWorker(request.input)) {
      // The files follow the job in slices (requestTexts.ts): main copies about a megabyte per turn.
      const { shell, texts } = withoutTexts(request);
      const job = { kind: 'import.apply' as const, jobId: randomUUID(), input: shell, texts: [...texts.keys()] };
      return this.runner.runInWorker(job, events, texts).then((result) => {
        if (!result) throw new Error('The import worker ended without a result.');
        return result as ImportResult;
      });
    }
    return applyHere(this.ctx, this.runner, request, events);
  }

  /** close(): the import in flight stops after its current transaction and resumes at the next start. */
  async stop(): Promise<void> {
    if (this.ownRunner) await this.runner.stop();
    await this.running?.catch(() => undefined);
  }
}

export function importHandlers(importer: Importer): Pick<Handlers, 'import.preview' | 'import.apply'> {
  return {
    'import.preview': (input) => importer.preview(input),
    'import.apply': (input) => importer.apply(input),
  };
}
