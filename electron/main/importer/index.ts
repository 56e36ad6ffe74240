import fs from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ImportPreview, ImportResult } from '../../../shared/bulk/api';
import { requireClerk } from '../clerks/sessionService';
import type { AppContext } from '../context';
import type { Handlers } from '../dispatch';
import { AppError } from '../errors';
import { exclusive } from '../lib/exclusive';
import { yieldToEventLoop } from '../lib/pacing';
import { applyImport, chartPages, previewOf, type ApplyRequest } from './applyCore';
import type { ApplyWorkerData, WorkerMessage } from './applyWorker';
import { buildPlan } from './plan';
import type { ImportInput } from './planTypes';
import { reconcile } from './reconcile';

/**
 * import.preview and import.apply (SPEC 3.1, 3.5, 4): a practice's CSV export (patients, family
 * contacts, appointments) checked line by line, then applied all at once or not at all.
 *
 * Preview runs in the main process two thousand rows (or 20,000 cells) at a time, letting the
 * event loop run in between; the file's bytes are decoded first, in slices (decode.ts). Apply of a large import runs in a worker thread with its own connection to the mirror
 * file: a 200,000-patient import spends 25-35 s inside its one transaction (bench/importBench.ts,
 * most of it the search-term rebuild), which on the app's connection would freeze the window that
 * long. While the worker writes, the main thread holds Kysely's connection lock, so the app's own
 * queries wait for the commit (never refused, never busy-waiting on the file lock); while it reads
 * and checks the files, they run as usual.
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
  /**
   * The built worker entry (electron-vite input `importWorker` → out/main/importWorker.js). By
   * default looked for beside the bundle; from sources (tests, tsx) the .ts entry runs through tsx.
   */
  workerScript?: string | URL;
}

/** About 5,000 CSV rows: below it the one transaction on the app's connection is a fraction of a second. */
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

type WorkerLaunch = { script: URL; bootstrap: string | null } | null;

/** Where the worker entry is: given, beside the bundle, or (running from sources) the .ts via tsx. */
function findWorker(options: ImportOptions): WorkerLaunch {
  if (options.workerScript) {
    const url = options.workerScript instanceof URL ? options.workerScript : pathToFileURL(options.workerScript);
    return { script: url, bootstrap: null };
  }
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    const script = new URL('./applyWorker.ts', here);
    try {
      // tsx (a dev dependency) compiles the worker's TypeScript, as it does for tests and scripts.
      const tsxPackage = createRequire(here).resolve('tsx/package.json');
      const exported = (JSON.parse(fs.readFileSync(tsxPackage, 'utf8')) as { exports: Record<string, { import: { default: string } }> }).exports['./esm/api'];
      const tsx = new URL(exported!.import.default, pathToFileURL(tsxPackage)).href;
      const bootstrap = `import(${JSON.stringify(tsx)}).then((m) => { (m.register ?? m.default.register)(); return import(${JSON.stringify(script.href)}); })`;
      return { script, bootstrap };
    } catch {
      return null;
    }
  }
  for (const candidate of ['./importWorker.js', '../importWorker.js']) {
    const url = new URL(candidate, here);
    if (fs.existsSync(fileURLToPath(url))) return { script: url, bootstrap: null };
  }
  return null;
}

function runInWorker(ctx: AppContext, launch: NonNullable<WorkerLaunch>, options: ImportOptions, request: ApplyRequest): Promise<ImportResult> {
  const workerData: ApplyWorkerData = {
    fppImportWorker: true,
    databaseFile: options.databaseFile,
    nativeBinding: options.nativeBinding,
    request,
  };
  const worker = launch.bootstrap
    ? new Worker(launch.bootstrap, { eval: true, workerData })
    : new Worker(launch.script, { workerData });
  return new Promise<ImportResult>((resolve, reject) => {
    let settled = false;
    let release: (() => void) | null = null;
    const finish = (outcome: () => void) => {
      release?.();
      release = null;
      if (!settled) {
        settled = true;
        outcome();
      }
    };
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'ready') {
        // Wait for the app's connection to be idle, keep it so until the worker has committed.
        void ctx.db
          .connection()
          .execute(
            () =>
              new Promise<void>((unlock) => {
                if (settled) return unlock();
                release = unlock;
                worker.postMessage({ type: 'go' });
              }),
          )
          .catch((error: unknown) => finish(() => reject(error)));
      } else if (message.type === 'done') {
        finish(() => resolve(message.result));
      } else if (message.type === 'failed') {
        const error = new Error(`The import worker failed: ${message.message}`);
        if (message.stack) error.stack = `${error.message}\n[worker] ${message.stack}`;
        finish(() => reject(error));
      }
    });
    worker.on('error', (error) => finish(() => reject(error)));
    worker.on('exit', (code) => finish(() => reject(new Error(`The import worker stopped (exit code ${code}) before finishing.`))));
  });
}

async function applyExclusively(ctx: AppContext, input: ImportInput, options: ImportOptions, clerkId: string, warnNoWorker: () => void): Promise<ImportResult> {
  const request: ApplyRequest = {
    input,
    today: await ctx.today(),
    now: ctx.now().toISOString(),
    clerkId,
    workstation: ctx.workstation,
  };
  // Characters of text, or of base64 (four for three bytes): about the size of the CSV either way.
  const size = input.files.reduce((n, f) => n + (f.content?.length ?? Math.floor(((f.bytes?.length ?? 0) * 3) / 4)), 0);
  const mode = options.worker ?? 'auto';
  const wantWorker =
    options.databaseFile !== ':memory:' &&
    (mode === 'always' || (mode === 'auto' && size > (options.workerAboveChars ?? DEFAULT_WORKER_ABOVE_CHARS)));
  const launch = wantWorker ? findWorker(options) : null;
  if (wantWorker && !launch) {
    if (mode === 'always') throw new Error('The import worker script was not found.');
    warnNoWorker();
  }

  if (launch) return runInWorker(ctx, launch, options, request);
  return applyImport(ctx.sqlite, request, {
    pause: yieldToEventLoop,
    drive: (steps) => drive(ctx, steps),
    // The one transaction runs on the app's connection, holding Kysely's lock.
    runWrite: (write) => exclusive(ctx.db, write),
  });
}

/**
 * The app's importer (createApp makes one): one import applied at a time on this workstation, and
 * stop() waits for the one in flight, so the database is never closed under it.
 */
export class Importer {
  private running: Promise<unknown> | null = null;
  private warnedNoWorker = false;

  constructor(
    private readonly ctx: AppContext,
    private readonly options: ImportOptions,
  ) {}

  preview(input: ImportInput): Promise<ImportPreview> {
    return previewImport(this.ctx, input);
  }

  async apply(input: ImportInput): Promise<ImportResult> {
    // Administrators only: the dispatcher enforces the contract's 'admin' access before this runs.
    const clerk = await requireClerk(this.ctx);
    if (this.running) {
      throw new AppError('conflict', 'An import is already being applied on this workstation. Wait for it to finish, then check the files again.');
    }
    const done = applyExclusively(this.ctx, input, this.options, clerk.id, () => {
      if (this.warnedNoWorker) return;
      this.warnedNoWorker = true;
      console.warn('import: no worker script (importWorker.js beside the bundle); applying on the main connection, which blocks while it writes.');
    });
    this.running = done;
    try {
      return await done;
    } finally {
      this.running = null;
    }
  }

  /** Waits for the import in flight, if any (its outcome is the caller's). */
  async stop(): Promise<void> {
    await this.running?.catch(() => undefined);
  }
}

export function importHandlers(importer: Importer): Pick<Handlers, 'import.preview' | 'import.apply'> {
  return {
    'import.preview': (input) => importer.preview(input),
    'import.apply': (input) => importer.apply(input),
  };
}
