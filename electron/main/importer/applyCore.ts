import type BetterSqlite3 from 'better-sqlite3';
import type { AuditAction } from '../../../shared/audit/actions';
import type { ImportPreview, ImportResult } from '../../../shared/bulk/api';
import { buildPlan } from './plan';
import { MAX_LISTED_PROBLEMS, type ImportInput, type ImportPlan } from './planTypes';
import { reconcile, runToEnd, type Changes } from './reconcile';

/**
 * The apply itself, shared by the worker thread (its own connection) and the in-process path
 * (the app's connection): check everything again, and only when there is no problem at all
 * write every file in one transaction together with the audit entry.
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

export interface ApplyHooks {
  /** Lets the event loop run while reading (in-process path). */
  pause?: () => Promise<void>;
  /** Called once the files are known to be clean, just before the write transaction begins. */
  beforeWrite?: () => Promise<void>;
  /** Runs the synchronous write transaction (in-process path: inside Kysely's connection lock). */
  runWrite?: <T>(write: () => T) => Promise<T>;
  /** Runs a chunked read to its end (in-process path: a chunk per event-loop turn, under the lock). */
  drive?: <T>(steps: Generator<void, T>) => Promise<T>;
}

export const IMPORT_AUDIT_ACTION: AuditAction = 'import_applied';

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

export function previewOf(plan: ImportPlan, changes: Changes, extraProblems: ImportPreview['problems'] = []): ImportPreview {
  const all = [...plan.problems, ...extraProblems];
  const total = plan.problemCount + extraProblems.length;
  const problems = all.slice(0, MAX_LISTED_PROBLEMS);
  return { files: plan.files, problems, moreProblems: total - problems.length, counts: countsOf(plan), changes, hiddenCharacters: plan.hiddenCharacters };
}

class Rollback extends Error {
  constructor(readonly problems: ImportPreview['problems']) {
    super('import rolled back');
  }
}

/** Larger page cache for the bulk write (as the demo seed does); restored afterwards. */
function withBigCache<T>(sqlite: BetterSqlite3.Database, work: () => T): T {
  const previous = sqlite.pragma('cache_size', { simple: true }) as number;
  sqlite.pragma('cache_size = -262144');
  try {
    return work();
  } finally {
    sqlite.pragma(`cache_size = ${Number(previous)}`);
  }
}

export async function applyImport(sqlite: BetterSqlite3.Database, request: ApplyRequest, hooks: ApplyHooks = {}): Promise<ImportResult> {
  const drive = hooks.drive ?? (async <T>(steps: Generator<void, T>) => runToEnd(steps));
  const plan = await buildPlan(request.input, {
    today: request.today,
    mirrorCharts: () => drive(chartPages(sqlite, new Set())),
    pause: hooks.pause,
  });
  if (plan.problemCount > 0) {
    // Nothing is written; the changes say what the clean rows would do.
    const { changes, problems } = await drive(reconcile(sqlite, plan, { write: false, now: request.now }));
    return { ...previewOf(plan, changes, problems), applied: false };
  }

  await hooks.beforeWrite?.();
  const write = () =>
    withBigCache(sqlite, () =>
      sqlite
        .transaction(() => {
          const result = runToEnd(reconcile(sqlite, plan, { write: true, now: request.now }));
          if (result.problems.length > 0) throw new Rollback(result.problems);
          const details = {
            files: plan.files.map((f) => ({ name: f.name, kind: f.kind, rows: f.rows, encoding: f.encoding.encoding })),
            counts: countsOf(plan),
            hiddenCharacters: plan.hiddenCharacters,
            changes: result.changes,
            reindexed: result.reindexed,
          };
          // Synchronous better-sqlite3 inside the import's one transaction (worker thread, no Kysely); the trigger chains the row.
          sqlite
            .prepare('INSERT INTO audit_log (at, clerk_id, workstation, action, patient_id, details) VALUES (?, ?, ?, ?, NULL, ?)')
            .run(request.now, request.clerkId, request.workstation, IMPORT_AUDIT_ACTION, JSON.stringify(details));
          return result.changes;
        })
        .immediate(),
    );
  try {
    const changes = hooks.runWrite ? await hooks.runWrite(write) : write();
    return { ...previewOf(plan, changes), applied: true };
  } catch (error) {
    if (error instanceof Rollback) {
      const { changes } = await drive(reconcile(sqlite, plan, { write: false, now: request.now }));
      return { ...previewOf(plan, changes, error.problems), applied: false };
    }
    throw error;
  }
}
