import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import type { JobWorkerData, SessionCall, WorkerMessage } from './jobs/jobTypes';
import { registerAuditChain } from './db/auditChain';
import { deskAsksOf, diskAsksOf, waitForDesk, waitForDeskSync, writeTurnOf } from './db/deskTurn';
import { CHECKPOINT_EVERY_MS, walCheckpoints, walSync } from './db/walCheckpoints';
import { applyImport, previewInThread, resumeImport, type ApplyRequest, type PreviewRequest } from './importer/applyCore';
import { withTexts } from './importer/requestTexts';
import { receiveTexts } from './lib/textParts';
import { JOB_THREAD_NICE, lowerThisThreadPriority } from './lib/threadPriority';
import { startWorker } from './lib/workerEntry';
import { removeTermStage, serveTermStager, termStager, type TermStager } from './search/termStager';
import { fhirIngestOps } from './fhir/ingestOps';
import { stagePrepOps } from './fhir/stagePrep';
import { assembleReaderOps } from './fhir/assembleReader';

/** The longest a job's last checkpoint waits for the desk's journal sync under way (db/walCheckpoints.ts). */
const LAST_CHECKPOINT_WAIT_MS = 100;
import { serveBulkPicture } from './bulk/pictureWorker';

/**
 * Worker-thread entry of the job runner (jobs/jobRunner.ts), an app entry beside index.ts and web.ts
 * (it reaches into the areas whose jobs it runs, so it lives outside them): opens its own connection to the mirror
 * file (WAL lets the app's connection keep reading, and the desk's writes wait at most one of the
 * job's short transactions), runs one job and ends. Messages:
 *   worker → main  { type: 'started', jobId }        the job is staged in its run record
 *   worker → main  { type: 'progress', jobId, rowsDone, rowsTotal }   a transaction committed
 *   worker → main  { type: 'done', result }          or { type: 'failed', message, stack }
 *   main → worker  { type: 'stop' }                  the app is closing: stop after this transaction
 *                                                    (the job resumes at the next start)
 * A cancel is not a message: the desk marks the run record 'cancelling', and the job reads it
 * in every transaction.
 */

/** The WAL copied back every 2 s between the job's transactions and started over (db/walCheckpoints.ts), the last copy after the desk's journal sync. */
const jobCheckpoints = (sqlite: BetterSqlite3.Database, data: JobWorkerData) =>
  walCheckpoints(
    sqlite,
    diskAsksOf(data.deskTurn),
    CHECKPOINT_EVERY_MS,
    () => waitForDeskSync(data.deskTurn, LAST_CHECKPOINT_WAIT_MS),
    writeTurnOf(data.deskTurn),
  );

/** A session (a pull): answers calls one at a time, each after the desk's waiting calls, until 'stop'. */
function serve(port: NonNullable<typeof parentPort>, sqlite: BetterSqlite3.Database, data: JobWorkerData): Promise<void> {
  // A pull's page commits need no fsync: a power cut loses at most the last pages with their cursor and
  // run record (the WAL stays consistent), and the pull resumes there; the transaction that ends the
  // pull, on the app's connection (FULL), syncs every frame before it. A smaller cache than an
  // import's: the pull writes in key order, and this cache is the app process's memory (issue 14: RSS).
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('cache_size = -32768');
  // The pull's ops (applyPage, the deferred search terms) and the FHIR sync's (stage, nextPage …, which include the pull's).
  const ops = fhirIngestOps(sqlite, data.deskTurn);
  // The WAL copied back every 2 s between calls, not at every 1,000 pages (db/walCheckpoints.ts): the deferred
  // search terms rewrite the same index pages in transaction after transaction, copied once instead of each time
  // (at 200,000 patients about 15% of the terms' CPU). The app's connection holds its own checkpoints meanwhile.
  const checkpoints = jobCheckpoints(sqlite, data);
  return answerCalls(port, ops, {
    before: () => waitForDesk(data.deskTurn),
    after: () => checkpoints.maybe(),
    stop: () => checkpoints.now(),
  });
}

/** A FHIR load's second session: export batches prepared (fhir/stagePrep.ts), then pages assembled (fhir/assembleReader.ts), in order until 'stop'. */
function servePrep(port: NonNullable<typeof parentPort>, data: JobWorkerData): Promise<void> {
  // The staging is only read here (fhir/assembleReader.ts), on a connection opened when the pages begin.
  const open = () => new BetterSqlite3(data.databaseFile, { readonly: true, fileMustExist: true, nativeBinding: data.nativeBinding });
  const reader = assembleReaderOps(open);
  const ops = { ...stagePrepOps(), ...reader };
  return answerCalls(port, ops, { stop: () => reader.assembleClose() });
}

/**
 * A session's loop: each call answered in turn (its value, or its error's words) until 'stop'.
 * `before` runs ahead of each call, `after` once it is answered, `stop` when the session ends.
 */
function answerCalls(
  port: NonNullable<typeof parentPort>,
  ops: Record<string, (args: never) => unknown>,
  hooks: { before?: () => void; after?: () => void; stop: () => void },
): Promise<void> {
  return new Promise<void>((resolve) => {
    port.on('message', (message: SessionCall | { type: 'stop' }) => {
      if (message.type === 'stop') {
        hooks.stop();
        return resolve();
      }
      if (message.type !== 'call') return;
      const op = Object.hasOwn(ops, message.op) ? (ops[message.op] as (args: unknown) => unknown) : undefined;
      try {
        if (!op) throw new Error(`unknown call ${message.op}`);
        hooks.before?.();
        port.postMessage({ type: 'result', id: message.id, value: op(message.args) } satisfies WorkerMessage);
      } catch (error) {
        port.postMessage({ type: 'error', id: message.id, message: (error as Error).message } satisfies WorkerMessage);
      }
      hooks.after?.();
    });
  });
}

/** The import's second worker (search/termStager.ts), started as this one was; none when this one's start is not known. */
function importTermStager(data: JobWorkerData): TermStager | undefined {
  const { launch } = data;
  if (!launch) return undefined;
  const workerData: JobWorkerData = {
    fppJobWorker: true,
    databaseFile: data.databaseFile,
    nativeBinding: data.nativeBinding,
    job: { kind: 'import.terms', jobId: data.job.jobId },
  };
  return termStager(data.databaseFile, () => startWorker({ ...launch, script: new URL(launch.script) }, workerData, { nice: JOB_THREAD_NICE }));
}

/** The import's preview: the files (sent in slices) checked whole and reconciled on a read-only connection; nothing written. */
async function previewJob(
  port: NonNullable<typeof parentPort>,
  data: JobWorkerData,
  job: Extract<JobWorkerData['job'], { kind: 'import.preview' }>,
): Promise<void> {
  const texts = await receiveTexts(port, job.texts ?? []);
  const sqlite = new BetterSqlite3(data.databaseFile, { readonly: true, fileMustExist: true, nativeBinding: data.nativeBinding });
  try {
    const preview = await previewInThread(sqlite, withTexts(job.input as PreviewRequest, texts));
    port.postMessage({ type: 'done', result: preview } satisfies WorkerMessage);
  } finally {
    sqlite.close();
  }
}

const yieldToMessages = () => new Promise<void>((resolve) => setImmediate(resolve));

async function main(port: NonNullable<typeof parentPort>, data: JobWorkerData): Promise<void> {
  if (data.job.kind === 'fhir.prep') return await servePrep(port, data);
  if (data.job.kind === 'import.terms') return await serveTermStager(port, data.databaseFile, data.nativeBinding);
  if (data.job.kind === 'import.preview') return await previewJob(port, data, data.job);
  const sqlite = new BetterSqlite3(data.databaseFile, { fileMustExist: true, nativeBinding: data.nativeBinding });
  let stopping = false;
  port.on('message', (message: { type?: string }) => {
    if (message?.type === 'stop') stopping = true;
  });
  // An import's files, sent after the job in slices (lib/textParts.ts): listened for from the start.
  const texts = data.job.kind === 'import.apply' ? receiveTexts(port, data.job.texts ?? []) : null;
  try {
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('synchronous = FULL');
    // Matches the app's connection: zeroed free space (openDatabase), and a larger cache for the bulk write.
    sqlite.pragma('secure_delete = FAST');
    sqlite.pragma('cache_size = -262144');
    registerAuditChain(sqlite); // the job's audit row is chained by the database's trigger
    const { job } = data;
    if (job.kind === 'sync.apply') return await serve(port, sqlite, data);
    if (job.kind === 'bulk.picture') return await serveBulkPicture(port, sqlite, job.jobId, job.params, () => stopping);
    // A fresh import's new patients' terms staged by a second worker beside its rows; a resumed one stages them itself,
    // and a scratch file a crash left behind goes.
    const stager = job.kind === 'import.apply' ? importTermStager(data) : undefined;
    if (job.kind === 'import.resume') removeTermStage(data.databaseFile);
    let synchronous = 'FULL';
    const checkpoints = jobCheckpoints(sqlite, data);
    const wal = walSync(data.databaseFile, diskAsksOf(data.deskTurn));
    const hooks = {
      // Between transactions: the WAL copied back now and then (walCheckpoints) and synced (walSync), messages (a stop),
      // then the desk's calls first.
      pause: async () => {
        checkpoints.maybe();
        wal.maybe();
        await yieldToMessages();
        waitForDesk(data.deskTurn);
      },
      // Intermediate transactions commit without an fsync (WAL stays consistent: a power cut loses at most the
      // last of them, and with them the run record's resume point, so the job resumes there); the transaction
      // that ends the job (its audit entry, done / cancelled / failed) is FULL, which also syncs every frame before it.
      durability: (full: boolean) => {
        const wanted = full ? 'FULL' : 'NORMAL';
        if (wanted === synchronous) return;
        sqlite.pragma(`synchronous = ${wanted}`);
        synchronous = wanted;
      },
      stopping: () => stopping,
      // Inside a transaction: a desk write that waits ends it early, whole (importer/applyChunks.ts), and pause lets it go.
      // Only a worker that shares the desk's counters hears it (and may then write longer transactions).
      deskAsks: data.deskTurn ? deskAsksOf(data.deskTurn) : undefined,
      // This connection is the job's alone: the import's new terms go in with its foreign keys off (search/termMerge.ts).
      ownConnection: true,
      termStager: stager,
      progress: (rowsDone: number, rowsTotal: number) => port.postMessage({ type: 'progress', jobId: job.jobId, rowsDone, rowsTotal } satisfies WorkerMessage),
    };
    let result: Awaited<ReturnType<typeof applyImport>> | null;
    try {
      result =
        job.kind === 'import.apply'
          ? await applyImport(sqlite, withTexts(job.input as ApplyRequest, (await texts) ?? new Map()), hooks, {
              id: job.jobId,
              started: (jobId) => port.postMessage({ type: 'started', jobId } satisfies WorkerMessage),
            })
          : await resumeImport(sqlite, job.jobId, hooks);
    } finally {
      wal.close();
      await stager?.close();
    }
    // The job's last frames go back into the file here, not in the desk's next commit on the main thread.
    checkpoints.now();
    port.postMessage({ type: 'done', result } satisfies WorkerMessage);
  } finally {
    sqlite.close();
  }
}

const data = workerData as JobWorkerData | undefined;
if (parentPort && data?.fppJobWorker) {
  const port = parentPort;
  lowerThisThreadPriority(); // the clerk's main thread first when both want a core
  main(port, data)
    .catch((error: unknown) => {
      const e = error instanceof Error ? error : new Error(String(error));
      port.postMessage({ type: 'failed', message: e.message, stack: e.stack } satisfies WorkerMessage);
    })
    .finally(() => port.close());
}
