import { randomUUID } from 'node:crypto';
import type BetterSqlite3 from 'better-sqlite3';
import type { AuditAction } from '../../../shared/audit/actions';
import type { ImportPreview, ImportResult } from '../../../shared/bulk/api';
import { createRun, finishRun, readPayload, readRun, viewOf } from '../db/jobRuns';
import { applyInChunks, START, type ChunkOutcome, type ImportResumePoint } from './applyChunks';
import { buildPlan } from './plan';
import { MAX_LISTED_PROBLEMS, type ImportInput, type ImportPlan } from './planTypes';
import { reconcile, runToEnd, type Changes } from './reconcile';
import type { TermStager } from '../search/termStager';

/**
 * The apply itself, shared by the worker thread (its own connection) and the in-process path
 * (the app's connection): check the whole files again and, only when there is no problem at all,
 * stage them in a run record and write them in short transactions (applyChunks.ts), the audit
 * entry with the last one.
 */

export interface ApplyRequest {
  input: ImportInput;
  /** Practice-local date (dates of birth after it are refused). */
  today: string;
  /** ISO instant: updated_at and the audit entry. */
  now: string;
  clerkId: string;
  workstation: string;
}

/** What the preview needs of a request: the files, the practice's date and the instant. */
export type PreviewRequest = Pick<ApplyRequest, 'input' | 'today' | 'now'>;

export interface ApplyHooks {
  /** Lets the event loop run while reading, and between write transactions. */
  pause?: () => Promise<void>;
  /** Runs one short write transaction (in-process path: inside Kysely's connection lock). */
  runWrite?: <T>(write: () => T) => Promise<T>;
  /** Runs a chunked read to its end (in-process path: a chunk per event-loop turn, under the lock). */
  drive?: <T>(steps: Generator<void, T>) => Promise<T>;
  /** The app is closing: stop after the current transaction; the job resumes at the next start. */
  stopping?: () => boolean;
  /** Before each write transaction: must it be on disk at commit (applyChunks.ts ChunkHooks.durability). */
  durability?: (full: boolean) => void;
  /** The clock of the run record's updated_at. */
  clock?: () => string;
  /** After each committed transaction (rows applied so far): the job's events. */
  progress?: (rowsDone: number, rowsTotal: number) => void;
  /** Inside a write transaction: a desk write waits for the lock (a worker's: applyChunks.ts ChunkHooks.deskAsks). */
  deskAsks?: () => boolean;
  /** The connection is the job's alone (a worker's): applyChunks.ts ChunkHooks.ownConnection. */
  ownConnection?: boolean;
  /** A second worker for the new patients' search terms: applyChunks.ts ChunkHooks.termStager. */
  termStager?: TermStager;
}

export const IMPORT_AUDIT_ACTION: AuditAction = 'import_applied';
/** An import cancelled, or stopped by a problem, part-way: what was applied stays and is audited. */
export const IMPORT_STOPPED_AUDIT_ACTION: AuditAction = 'import_stopped';

/** Chart numbers in the mirror, read in pages (each page is a short read). */
export function* chartPages(sqlite: BetterSqlite3.Database, into: Set<string>, pageSize = 20_000): Generator<void, Set<string>> {
  // Synchronous better-sqlite3: a generator read a chunk per event-loop turn, and in the worker thread, where there is no Kysely.
  const page = sqlite.prepare(`SELECT chart_number FROM patients WHERE chart_number > ? ORDER BY chart_number LIMIT ${pageSize}`).pluck();
  let after = '';
  for (;;) {
    const rows = page.all(after) as string[];
    for (const chart of rows) into.add(chart);
    if (rows.length < pageSize) return into;
    after = rows.at(-1)!;
    yield;
  }
}

export function countsOf(plan: ImportPlan): ImportPreview['counts'] {
  return {
    families: plan.families.size,
    patients: plan.patients.length,
    contacts: plan.contacts.size,
    links: plan.links.size,
    appointments: plan.appointments.size,
  };
}

/**
 * The preview worked out on one connection in one go (issue 14: the import preview as a job, in
 * the job worker on a read-only connection to the mirror): the files checked whole, then
 * reconciled with the mirror without writing. The same plan and words as main's chunked preview.
 */
export async function previewInThread(sqlite: BetterSqlite3.Database, request: PreviewRequest): Promise<ImportPreview> {
  const plan = await buildPlan(request.input, {
    today: request.today,
    mirrorCharts: async () => runToEnd(chartPages(sqlite, new Set())),
    pause: async () => undefined,
  });
  const { changes, problems } = runToEnd(reconcile(sqlite, plan, { write: false, now: request.now }));
  return previewOf(plan, changes, problems);
}

export function previewOf(plan: ImportPlan, changes: Changes, extraProblems: ImportPreview['problems'] = []): ImportPreview {
  const all = [...plan.problems, ...extraProblems];
  const total = plan.problemCount + extraProblems.length;
  const problems = all.slice(0, MAX_LISTED_PROBLEMS);
  return { files: plan.files, problems, moreProblems: total - problems.length, counts: countsOf(plan), changes, hiddenCharacters: plan.hiddenCharacters };
}

const resolved = (hooks: ApplyHooks) => ({
  drive: hooks.drive ?? (async <T>(steps: Generator<void, T>) => runToEnd(steps)),
  runWrite: hooks.runWrite ?? (async <T>(write: () => T) => write()),
  pause: hooks.pause ?? (async () => undefined),
  clock: hooks.clock ?? (() => new Date().toISOString()),
});

function planFor(sqlite: BetterSqlite3.Database, request: ApplyRequest, hooks: ApplyHooks): Promise<ImportPlan> {
  const { drive } = resolved(hooks);
  return buildPlan(request.input, { today: request.today, mirrorCharts: () => drive(chartPages(sqlite, new Set())), pause: hooks.pause });
}

/** Writes the staged plan in short transactions from `from` on, and says how it ended. */
async function writeInChunks(
  sqlite: BetterSqlite3.Database,
  jobId: string,
  plan: ImportPlan,
  request: ApplyRequest,
  hooks: ApplyHooks,
  from?: ImportResumePoint,
): Promise<ChunkOutcome> {
  const r = resolved(hooks);
  const audit = sqlite.prepare('INSERT INTO audit_log (at, clerk_id, workstation, action, patient_id, details) VALUES (?, ?, ?, ?, NULL, ?)');
  return applyInChunks(
    sqlite,
    jobId,
    plan,
    request.now,
    {
      runWrite: r.runWrite,
      pause: r.pause,
      stopping: hooks.stopping,
      progress: hooks.progress,
      durability: hooks.durability,
      deskAsks: hooks.deskAsks,
      ownConnection: hooks.ownConnection,
      termStager: hooks.termStager,
      now: r.clock,
    },
    {
      audit(state, point, rowsDone, rowsTotal) {
        const details = {
          files: plan.files.map((f) => ({ name: f.name, kind: f.kind, rows: f.rows, encoding: f.encoding.encoding })),
          counts: countsOf(plan),
          hiddenCharacters: plan.hiddenCharacters,
          changes: point.changes,
          reindexed: point.reindexed,
          job: { id: jobId, state, rowsDone, rowsTotal },
        };
        // Synchronous better-sqlite3 inside the job's transaction (worker thread, no Kysely); the trigger chains the row.
        const action = state === 'done' ? IMPORT_AUDIT_ACTION : IMPORT_STOPPED_AUDIT_ACTION;
        audit.run(request.now, request.clerkId, request.workstation, action, JSON.stringify(details));
      },
    },
    from,
  );
}

async function resultOf(
  sqlite: BetterSqlite3.Database,
  jobId: string,
  plan: ImportPlan,
  request: ApplyRequest,
  outcome: ChunkOutcome,
  hooks: ApplyHooks,
): Promise<ImportResult> {
  const row = readRun(sqlite, jobId);
  const job = row ? viewOf(row) : null;
  if (outcome.state === 'rolled_back') {
    // Nothing was written: the changes say what the clean rows would do, as a preview would.
    const { changes } = await resolved(hooks).drive(reconcile(sqlite, plan, { write: false, now: request.now }));
    return { ...previewOf(plan, changes, outcome.problems), applied: false, job };
  }
  const problems = outcome.state === 'failed' ? outcome.problems : [];
  return { ...previewOf(plan, outcome.point.changes, problems), applied: outcome.state !== 'stopped' || outcome.rowsDone > 0, job };
}

/**
 * import.apply: the whole files are checked first; nothing is written unless every row is
 * clean. Then the files are staged in a new run record (`jobId`) and applied in short
 * transactions. `started` is told the job's id once it is staged (the screens follow it).
 */
export async function applyImport(
  sqlite: BetterSqlite3.Database,
  request: ApplyRequest,
  hooks: ApplyHooks = {},
  job: { id?: string; started?: (jobId: string) => void } = {},
): Promise<ImportResult> {
  const r = resolved(hooks);
  const plan = await planFor(sqlite, request, hooks);
  if (plan.problemCount > 0) {
    // Nothing is written; the changes say what the clean rows would do.
    const { changes, problems } = await r.drive(reconcile(sqlite, plan, { write: false, now: request.now }));
    return { ...previewOf(plan, changes, problems), applied: false, job: null };
  }
  const jobId = job.id ?? randomUUID();
  const rowsTotal = plan.families.size + plan.patients.length + plan.contacts.size + plan.links.size + plan.appointments.size;
  // The staged work: the checked files themselves, durable before the first row is written.
  await r.runWrite(() => createRun(sqlite, { id: jobId, kind: 'import.apply', rowsTotal, payload: JSON.stringify(request), now: r.clock() }));
  job.started?.(jobId);
  const outcome = await writeInChunks(sqlite, jobId, plan, request, hooks);
  return resultOf(sqlite, jobId, plan, request, outcome, hooks);
}

/**
 * An import the app stopped in the middle of (a crash, a close): the staged files are checked
 * again (the same plan, cut the same way) and applied from the record's resume point. A
 * cancel asked before the stop is finished instead.
 */
export async function resumeImport(sqlite: BetterSqlite3.Database, jobId: string, hooks: ApplyHooks = {}): Promise<ImportResult | null> {
  const r = resolved(hooks);
  const row = readRun(sqlite, jobId);
  const payload = readPayload(sqlite, jobId);
  if (!row || payload === undefined) return null;
  const request = JSON.parse(payload) as ApplyRequest;
  const plan = await planFor(sqlite, request, hooks);
  if (plan.problemCount > 0) {
    await r.runWrite(() =>
      finishRun(
        sqlite,
        jobId,
        'failed',
        `The import could not continue after the restart: its files no longer pass the checks. ${row.rows_done} of ${row.rows_total} rows had been applied.`,
        r.clock(),
      ),
    );
    return { ...previewOf(plan, { inserted: 0, updated: 0, unchanged: 0 }), applied: row.rows_done > 0, job: viewOf(readRun(sqlite, jobId)!) };
  }
  const from = row.resume_point ? (JSON.parse(row.resume_point) as ImportResumePoint) : START;
  const outcome = await writeInChunks(sqlite, jobId, plan, request, hooks, from);
  return resultOf(sqlite, jobId, plan, request, outcome, hooks);
}
