import { performance } from 'node:perf_hooks';
import type BetterSqlite3 from 'better-sqlite3';
import type { ImportProblem } from '../../../shared/bulk/api';
import { advanceRun, cancelRequested, finishRun } from '../db/jobRuns';
import type { AppointmentRecord, ContactRecord, FamilyRecord, ImportPlan, LinkRecord, PatientRecord } from './planTypes';
import { newPatientId, reconcile, runToEnd, type Changes } from './reconcile';
import {
  LONG_TRANSACTION_SLICES_PER_BLOCK,
  mergeStaged,
  orphanTermPatients,
  removeTermsOf,
  stageTerms,
  type TermMerge,
  type TermSource,
} from '../search/termMerge';
import { TERMS_STAGE_SCHEMA, type TermStager } from '../search/termStager';
import type { SearchableContact } from '../search/terms';
import { deskNeverAsks, unitsUntilDesk, type DeskAsks } from '../db/deskTurn';

/**
 * The write half of an import, in short transactions (issue 14). The whole files were checked
 * before this runs (applyCore.ts); here the plan is cut into *units* that are each whole for the
 * clerk: a family with its patients, their links, appointments and (at the first unit that
 * links them) their contacts; a patient without a family is a unit of its own. Units are written
 * in file order, a run of them per transaction, sized to take about TARGET_MS, and each
 * transaction also rebuilds the search terms of the patients already in the mirror that it
 * changed, and advances the job's run record (rows done, the next unit, the changes so far).
 * The search terms of the patients it *inserts* come last, in the index step: staged in the
 * connection's temporary table and added in short transactions of neighbouring index pages
 * (search/termMerge.ts); written with their rows they landed one B-tree page per term all over
 * the index, and each commit rewrote those pages (at 200,000 patients, 12 GB of WAL). So:
 *
 * - the desk's own writes wait at most one transaction (the file's write lock), its reads never;
 * - the clerk sees families appear as they are applied, each one whole (never a family without
 *   its contacts): on the check-in list and by family, at once; by search, once the index step
 *   has added them, before the job ends (the status bar then says "Import 100% applied" until
 *   it ends); a patient already in the mirror stays findable throughout;
 * - a crash resumes at the first unit not committed (the record says which), and a job that had
 *   new patients' terms pending indexes every patient of its files again at the end;
 * - a cancel stops at the next transaction: what was applied stays, whole, is indexed for search,
 *   and is audited.
 */

/**
 * One transaction's target length, whatever the desk was doing at the last pause: a desk call can
 * arrive mid-transaction, and its write then waits for the rest of it (issue 14: at most 100 ms).
 */
export const TARGET_MS = 25;
/**
 * The same for a worker that hears the desk inside its transactions (`deskAsks`): a desk write
 * then waits for one unit and the commit, not for the rest of the transaction, so the transaction
 * may be longer. Fewer, longer transactions rewrite each index page fewer times: at 200,000
 * patients, 25 ms transactions wrote about 19 GB (WAL and checkpoints) for a 400 MB mirror.
 */
export const HEARD_TARGET_MS = 100;
const FIRST_CHUNK_UNITS = 32;
/** Units reconciled between two looks at the desk inside a transaction (a family each: a few ms for these). */
const STEP_UNITS = 8;
const MAX_CHUNK_UNITS = 20_000;

interface Unit {
  families: [string, FamilyRecord][];
  patients: PatientRecord[];
  contacts: [string, ContactRecord][];
  links: [string, LinkRecord][];
  appointments: [string, AppointmentRecord][];
}

const rowsOf = (u: Unit) => u.families.length + u.patients.length + u.contacts.length + u.links.length + u.appointments.length;

/** The plan cut into units, in file order; deterministic, so a resumed job cuts it the same way. */
export function unitsOf(plan: ImportPlan): Unit[] {
  const units: Unit[] = [];
  const add = (): number => units.push({ families: [], patients: [], contacts: [], links: [], appointments: [] }) - 1;
  // Unit numbers by family id and by chart (a patient without a family), each in its own map: no key strings to build.
  const unitOfFamily = new Map<string, number>();
  const unitOfLoneChart = new Map<string, number>();
  const numbered = (numbers: Map<string, number>, key: string): number => {
    const known = numbers.get(key);
    if (known !== undefined) return known;
    const i = add();
    numbers.set(key, i);
    return i;
  };
  const familyUnit = (id: string) => numbered(unitOfFamily, id);
  const chartUnit = (chart: string) => numbered(unitOfLoneChart, chart);
  for (const [id, f] of plan.families) units[familyUnit(id)]!.families.push([id, f]);
  const unitOfChart = new Map<string, number>();
  for (const p of plan.patients) {
    const i = p.familyId ? familyUnit(p.familyId) : chartUnit(p.chart);
    unitOfChart.set(p.chart, i);
    units[i]!.patients.push(p);
  }
  const unitOf = (chart: string) => unitOfChart.get(chart) ?? chartUnit(chart);
  // A contact goes with the earliest unit that links to it, so it is written before (or with) every link to it.
  const firstUnitOfContact = new Map<string, number>();
  for (const [key, l] of plan.links) {
    const i = unitOf(l.chart);
    units[i]!.links.push([key, l]);
    const seen = firstUnitOfContact.get(l.contactId);
    if (seen === undefined || i < seen) firstUnitOfContact.set(l.contactId, i);
  }
  for (const [key, a] of plan.appointments) units[unitOf(a.chart)]!.appointments.push([key, a]);
  for (const [id, c] of plan.contacts) units[firstUnitOfContact.get(id) ?? add()]!.contacts.push([id, c]);
  return units;
}

function planOf(plan: ImportPlan, units: Unit[], from: number, to: number): ImportPlan {
  const part: ImportPlan = { ...plan, families: new Map(), patients: [], contacts: new Map(), links: new Map(), appointments: new Map() };
  for (let i = from; i < to; i++) {
    const u = units[i]!;
    for (const [k, v] of u.families) part.families.set(k, v);
    part.patients.push(...u.patients);
    for (const [k, v] of u.contacts) part.contacts.set(k, v);
    for (const [k, v] of u.links) part.links.set(k, v);
    for (const [k, v] of u.appointments) part.appointments.set(k, v);
  }
  return part;
}

/** The run record's resume point of an import. */
export interface ImportResumePoint {
  /** Units committed. */
  units: number;
  changes: Changes;
  reindexed: number;
  /**
   * Some applied patients' search terms are not in the index yet (they are added at the end, in
   * index order: search/termMerge.ts). Their ids are not kept: a job resumed with this set indexes
   * every patient of its files again (adding a term twice is a no-op), then sweeps the whole term index
   * for terms whose patient was removed while the job was down (search/termMerge.ts orphanTermPatients).
   */
  termsPending?: boolean;
}
export const START: ImportResumePoint = { units: 0, changes: { inserted: 0, updated: 0, unchanged: 0 }, reindexed: 0 };

export interface ChunkHooks {
  /** Runs one transaction's work (in-process: under Kysely's connection lock). */
  runWrite<T>(write: () => T): Promise<T>;
  /** Between transactions: lets the event loop (and the desk) run. */
  pause(): Promise<void>;
  /**
   * Before each transaction: `true` when it ends the job (done, cancelled, failed) and must be on
   * disk when it commits; `false` for an intermediate one (worker: synchronous NORMAL, see jobWorker.ts).
   */
  durability?(full: boolean): void;
  /** The app is closing: stop after this transaction and leave the job to resume at the next start. */
  stopping?(): boolean;
  /** After each committed transaction that did not end the job. */
  progress?(rowsDone: number, rowsTotal: number): void;
  /**
   * Looked at between every STEP_UNITS units and every cell of terms inside a transaction (a worker's:
   * db/deskTurn.ts): a desk write that waits ends the transaction there, whole (the run record says
   * which unit is next), and goes before the next one (pause).
   */
  deskAsks?: DeskAsks;
  /**
   * The connection is the job's alone (a worker's): nothing else writes through it between the job's
   * transactions, so the new terms may be added with its foreign keys off (search/termMerge.ts).
   */
  ownConnection?: boolean;
  /**
   * A second worker that stages the new patients' terms while this one writes their rows
   * (search/termStager.ts): a fresh run on its own connection uses it; a resumed one stages them itself.
   */
  termStager?: TermStager;
  now(): string;
}

export type ChunkOutcome =
  | { state: 'done' | 'cancelled' | 'stopped'; point: ImportResumePoint; rowsDone: number; rowsTotal: number }
  | { state: 'failed' | 'rolled_back'; point: ImportResumePoint; rowsDone: number; rowsTotal: number; problems: ImportProblem[] };

export interface Finish {
  /** Written in the last transaction (done), or the one that saw the cancel: the audit entry. */
  audit(state: 'done' | 'cancelled' | 'failed', point: ImportResumePoint, rowsDone: number, rowsTotal: number): void;
}

class ChunkProblems extends Error {
  constructor(readonly problems: ImportProblem[]) {
    super('chunk rolled back');
  }
}

/** Ids of the plan's patients now in the mirror (a resumed job's superset of the patients whose terms were pending). */
function patientIdsOf(sqlite: BetterSqlite3.Database, plan: ImportPlan): string[] {
  const byChart = sqlite.prepare('SELECT id FROM patients WHERE chart_number = ?').pluck();
  const ids: string[] = [];
  for (const p of plan.patients) {
    const id = byChart.get(p.chart) as string | undefined;
    if (id !== undefined) ids.push(id);
  }
  return ids;
}

/** Links of one unit above which its patients' terms are read from the mirror (knownTerms looks through a unit's lists). */
const KNOWN_UNIT_LINKS = 1_000;

/**
 * The values the terms of this run's new patients are made of, as their transactions wrote them
 * (search/termMerge.ts StageOptions.known): the patient's own, and its unit's contacts, written in
 * the same transaction as its links; a desk or pull change to any of them since then rebuilt the
 * patient's terms from the mirror, which the staging sees. A patient linked to a contact of another
 * unit (written in an earlier transaction: a change made in between would not have rebuilt this
 * patient's terms) or to a value the files left out (the mirror's was kept) is read from the mirror.
 */
function knownTerms(units: readonly Unit[], ids: readonly string[], charts: readonly string[]): (patientId: string) => TermSource | undefined {
  const chartOf = new Map<string, string>();
  for (const [i, id] of ids.entries()) chartOf.set(id, charts[i]!);
  const unitOfChart = new Map<string, Unit>();
  for (const u of units) for (const p of u.patients) unitOfChart.set(p.chart, u);
  /** A contact record with every value the terms read (the files carried them all), as it was written. */
  const complete = (c: ContactRecord | undefined): c is ContactRecord & SearchableContact =>
    c !== undefined &&
    c.firstName !== undefined &&
    c.lastName !== undefined &&
    c.email !== undefined &&
    c.mobilePhone !== undefined &&
    c.homePhone !== undefined;
  return (patientId) => {
    const chart = chartOf.get(patientId);
    if (chart === undefined) return undefined;
    const unit = unitOfChart.get(chart);
    if (unit === undefined || unit.links.length > KNOWN_UNIT_LINKS) return undefined;
    const patient = unit.patients.findLast((p) => p.chart === chart);
    if (patient === undefined) return undefined;
    const contacts: SearchableContact[] = [];
    for (const [, link] of unit.links) {
      if (link.chart !== chart) continue;
      const contact = unit.contacts.findLast(([id]) => id === link.contactId)?.[1];
      if (!complete(contact)) return undefined;
      contacts.push(contact);
    }
    return { patient: { firstName: patient.firstName, lastName: patient.lastName, chartNumber: chart, dateOfBirth: patient.dateOfBirth }, contacts };
  };
}

/** Patients sent to the stager per message. */
const STAGER_MESSAGE = 2_000;
/** Values looked up per statement (json_each). */
const LOOKUPS = 10_000;

/**
 * The patients this run will insert (as reconcile will name them, the mirror as it is now) whose
 * values it writes (knownTerms), sent to `stager` in id order; their ids, sorted. A patient the run
 * does not insert after all (the mirror changed meanwhile) has its staged terms dropped at the end
 * (indexPending); one it inserts that is not here is staged the usual way.
 */
function stageBeside(sqlite: BetterSqlite3.Database, plan: ImportPlan, units: readonly Unit[], stager: TermStager, slicesPerBlock: number): string[] {
  // Looked up LOOKUPS at a time (one statement each: 200,000 single look-ups took about a second of the job's thread).
  const present = (sql: string, values: readonly string[]): Set<string> => {
    const statement = sqlite.prepare(`SELECT value FROM json_each(?) WHERE EXISTS (SELECT 1 FROM patients WHERE ${sql} = value)`).pluck();
    const found = new Set<string>();
    for (let i = 0; i < values.length; i += LOOKUPS)
      for (const value of statement.all(JSON.stringify(values.slice(i, i + LOOKUPS))) as string[]) found.add(value);
    return found;
  };
  const charts = [...new Set(plan.patients.map((p) => p.chart))];
  const inMirror = present('chart_number', charts);
  const newCharts = charts.filter((chart) => !inMirror.has(chart));
  /** Each chart's own id, as reconcile tries it first. */
  const firsts = newCharts.map((chart) => newPatientId(chart, () => false));
  const taken = present('id', firsts);
  const idTaken = sqlite.prepare('SELECT 1 FROM patients WHERE id = ?').pluck();
  const named = new Set<string>();
  const ids = newCharts.map((chart, i) => {
    const first = firsts[i]!;
    // As reconcile names it: the chart's own id, unless the mirror or this run has it already.
    const id = taken.has(first) || named.has(first) ? newPatientId(chart, (candidate) => named.has(candidate) || idTaken.get(candidate) !== undefined) : first;
    named.add(id);
    return id;
  });
  const valuesOf = knownTerms(units, ids, newCharts);
  const sources = new Map<string, TermSource>();
  for (const id of ids) {
    const source = valuesOf(id);
    if (source) sources.set(id, source);
  }
  if (sources.size === 0) return [];
  const sorted = [...sources.keys()].sort();
  stager.begin(sorted.length, slicesPerBlock);
  for (let i = 0; i < sorted.length; i += STAGER_MESSAGE) stager.add(sorted.slice(i, i + STAGER_MESSAGE).map((id) => ({ id, source: sources.get(id)! })));
  return sorted;
}

/** Sizes the next transaction so it takes about `target` ms on this machine, today: grows by halves, shrinks at once. */
function nextSize(size: number, took: number, target: number, max: number): number {
  const wanted = Math.round((size * target) / Math.max(1, took));
  return Math.min(max, Math.max(1, wanted < size ? wanted : Math.round((size + wanted) / 2)));
}

/** Cells of terms (search/termMerge.ts) added by the first transaction; the sizing finds the right count in a few. */
const FIRST_CELLS = 2;

export async function applyInChunks(
  sqlite: BetterSqlite3.Database,
  jobId: string,
  plan: ImportPlan,
  now: string,
  hooks: ChunkHooks,
  finish: Finish,
  from: ImportResumePoint = START,
): Promise<ChunkOutcome> {
  const units = unitsOf(plan);
  const before = [0];
  for (const u of units) before.push(before.at(-1)! + rowsOf(u));
  const rowsTotal = before.at(-1)!;
  let point = from;
  let size = FIRST_CHUNK_UNITS;
  const at = () => before[point.units]!;
  const deskAsks = hooks.deskAsks ?? deskNeverAsks;
  const target = hooks.deskAsks ? HEARD_TARGET_MS : TARGET_MS;
  /** The desk asked during the last transaction, which then ended early (not a measure of its size). */
  let asked = false;
  const asks = () => {
    asked = deskAsks();
    return asked;
  };
  /** Patients inserted by this run of the job whose terms wait for the index step, and their chart numbers. */
  const deferred: string[] = [];
  const deferredCharts: string[] = [];
  const pending = () => deferred.length > 0 || point.termsPending === true;
  const slicesPerBlock = hooks.deskAsks ? LONG_TRANSACTION_SLICES_PER_BLOCK : 1;
  /** The new patients whose terms the second worker stages meanwhile (sorted), when there is one: a fresh run on its own connection. */
  const beside = from === START && hooks.ownConnection === true && hooks.termStager ? stageBeside(sqlite, plan, units, hooks.termStager, slicesPerBlock) : [];

  /**
   * The pending terms in, in short transactions; false when the app is closing (the job resumes).
   * `staged`: every row is in (not a cancel part-way), so what the second worker staged is used.
   */
  const indexPending = async (staged = false): Promise<boolean> => {
    // Under runWrite: in-process, the app's connection is Kysely's, and its lock keeps other calls out meanwhile.
    let ids = from.termsPending ? [...patientIdsOf(sqlite, plan), ...deferred] : deferred;
    // The job's own connection adds the terms with its foreign keys off (search/termMerge.ts, unchecked), and takes
    // out the terms of any patient removed meanwhile at the end. Never the app's: the desk writes through it in between.
    const unchecked = hooks.ownConnection === true;
    if (unchecked) sqlite.pragma('foreign_keys = OFF');
    try {
      if (staged && beside.length > 0 && hooks.termStager) {
        const covered = await addBeside(hooks.termStager);
        if (covered === false) return false;
        if (covered) ids = ids.filter((id) => !covered.has(id));
        if (ids.length === 0) return true;
      }
      // The new patients' terms from the values this run wrote (knownTerms); dropped by the merge once staged.
      const merge = await hooks.runWrite(() => stageTerms(sqlite, ids, slicesPerBlock, { unchecked, known: knownTerms(units, deferred, deferredCharts) }));
      try {
        return await addStaged(merge, unchecked);
      } finally {
        await hooks.runWrite(() => merge.close());
      }
    } finally {
      if (unchecked) sqlite.pragma('foreign_keys = ON');
    }
  };
  /**
   * The second worker's terms added (foreign keys off): the patients it covered, false when the app is
   * closing, or null when it failed (the caller then stages them all itself).
   */
  const addBeside = async (stager: TermStager): Promise<Set<string> | false | null> => {
    const inserted = new Set(deferred);
    // Staged but not inserted by this run (the mirror changed after the prediction), or indexed since by the desk or a
    // pull (whose terms are newer than the values staged): their staged terms go.
    const drop = beside.filter((id) => !inserted.has(id));
    const indexedOf = sqlite.prepare('SELECT value FROM json_each(?) WHERE EXISTS (SELECT 1 FROM search_terms WHERE patient_id = value)').pluck();
    for (let i = 0; i < beside.length; i += LOOKUPS) drop.push(...(indexedOf.all(JSON.stringify(beside.slice(i, i + LOOKUPS))) as string[]));
    let blocks: Awaited<ReturnType<TermStager['staged']>>;
    try {
      blocks = await stager.staged(drop);
    } catch (error) {
      console.warn(`import: ${(error as Error).message}; the terms are staged by the job itself.`);
      return null;
    }
    const dropped = new Set(drop);
    sqlite.prepare(`ATTACH DATABASE ? AS ${TERMS_STAGE_SCHEMA}`).run(stager.file);
    try {
      const merge = mergeStaged(sqlite, {
        schema: TERMS_STAGE_SCHEMA,
        shape: blocks.shape,
        runs: blocks.runs,
        unchecked: true,
        staged: beside.filter((id) => !dropped.has(id)),
      });
      if (!(await addStaged({ ...merge, stageNext: () => true }, true))) return false;
    } finally {
      sqlite.exec(`DETACH DATABASE ${TERMS_STAGE_SCHEMA}`);
    }
    return new Set(beside);
  };
  const addStaged = async (merge: Pick<TermMerge, 'stageNext' | 'cells' | 'step' | 'removeOrphans'>, unchecked: boolean): Promise<boolean> => {
    while (!(await hooks.runWrite(() => merge.stageNext()))) {
      if (hooks.stopping?.()) return false;
      await hooks.pause();
    }
    let cells = FIRST_CELLS;
    for (let finished = false; !finished; ) {
      if (hooks.stopping?.()) return false;
      hooks.durability?.(false);
      const started = performance.now();
      asked = false;
      finished = await hooks.runWrite(() => sqlite.transaction(() => merge.step(cells, asks)).immediate());
      if (finished) break;
      hooks.progress?.(at(), rowsTotal);
      if (!asked) cells = nextSize(cells, performance.now() - started, target, merge.cells);
      await hooks.pause();
    }
    if (unchecked) {
      const write = (remove: () => void) => sqlite.transaction(remove).immediate();
      await hooks.runWrite(() => merge.removeOrphans(write));
      // Resumed after a crash in this phase: a patient removed before it could be cleared is not among the staged.
      if (from.termsPending) {
        const orphans = orphanTermPatients(sqlite); // reads only: on the job's own connection, no lock
        await hooks.runWrite(() => removeTermsOf(sqlite, orphans, write));
      }
    }
    return true;
  };

  /** The job's last transaction when terms were pending: the audit entry and the run record's end. */
  const end = async (state: 'done' | 'cancelled' | 'failed', message: string | null): Promise<void> => {
    hooks.durability?.(true);
    await hooks.runWrite(() =>
      sqlite
        .transaction(() => {
          finish.audit(state, point, at(), rowsTotal);
          finishRun(sqlite, jobId, state, message, hooks.now());
        })
        .immediate(),
    );
  };
  const cancelledMessage = () => `Cancelled: ${at()} of ${rowsTotal} rows were applied, each family whole; the rest was not.`;

  for (;;) {
    if (hooks.stopping?.()) return { state: 'stopped', point, rowsDone: at(), rowsTotal };
    const upTo = Math.min(units.length, point.units + size);
    // The transaction ends the job when it is the last one and no terms wait, or when it sees a cancel with none waiting.
    hooks.durability?.(!pending() && (upTo === units.length || cancelRequested(sqlite, jobId)));
    const started = performance.now();
    asked = false;
    let outcome: 'cancelled' | 'cancel' | 'done' | 'index' | 'next';
    try {
      outcome = await hooks.runWrite(() =>
        sqlite
          .transaction((): typeof outcome => {
            if (cancelRequested(sqlite, jobId)) {
              // Applied rows are whole families; their terms go in before the job ends cancelled.
              if (pending()) return 'cancel';
              finish.audit('cancelled', point, at(), rowsTotal);
              finishRun(sqlite, jobId, 'cancelled', cancelledMessage(), hooks.now());
              return 'cancelled';
            }
            const waiting = deferred.length;
            const changes = { ...point.changes };
            let reindexed = point.reindexed;
            // A few units at a time, up to upTo or until a desk write asks: the transaction ends after a whole unit.
            let to = point.units;
            unitsUntilDesk(asks, () => {
              const stop = Math.min(upTo, to + STEP_UNITS);
              const result = runToEnd(
                reconcile(sqlite, planOf(plan, units, to, stop), {
                  write: true,
                  now,
                  fullReindexAbove: Infinity,
                  deferNewTerms: (id, chart) => {
                    deferred.push(id);
                    deferredCharts.push(chart);
                  },
                }),
              );
              if (result.problems.length > 0) {
                deferred.length = waiting; // rolled back with the transaction
                deferredCharts.length = waiting;
                throw new ChunkProblems(result.problems);
              }
              changes.inserted += result.changes.inserted;
              changes.updated += result.changes.updated;
              changes.unchanged += result.changes.unchanged;
              reindexed += result.reindexed;
              to = stop;
              return to < upTo;
            });
            const next: ImportResumePoint = { units: to, changes, reindexed, ...(pending() ? { termsPending: true } : {}) };
            advanceRun(sqlite, jobId, before[to]!, next, hooks.now());
            point = next;
            if (to < units.length) return 'next';
            if (pending()) return 'index';
            finish.audit('done', point, rowsTotal, rowsTotal);
            finishRun(sqlite, jobId, 'done', null, hooks.now());
            return 'done';
          })
          .immediate(),
      );
    } catch (error) {
      if (!(error instanceof ChunkProblems)) throw error;
      // The mirror changed under the files (a chart removed since they were checked): this transaction is undone.
      const first = error.problems[0]!.message;
      const nothing = point.units === 0;
      if (pending() && !(await indexPending())) return { state: 'stopped', point, rowsDone: at(), rowsTotal };
      hooks.durability?.(true);
      await hooks.runWrite(() =>
        sqlite
          .transaction(() => {
            if (!nothing) finish.audit('failed', point, at(), rowsTotal);
            finishRun(
              sqlite,
              jobId,
              nothing ? 'rolled_back' : 'failed',
              nothing ? `Nothing was imported: ${first}` : `Stopped after ${at()} of ${rowsTotal} rows (each family whole): ${first}`,
              hooks.now(),
            );
          })
          .immediate(),
      );
      return { state: nothing ? 'rolled_back' : 'failed', point, rowsDone: at(), rowsTotal, problems: error.problems };
    }
    if (outcome === 'done' || outcome === 'cancelled') return { state: outcome, point, rowsDone: at(), rowsTotal };
    if (outcome === 'index' || outcome === 'cancel') {
      hooks.progress?.(at(), rowsTotal);
      if (!(await indexPending(outcome === 'index'))) return { state: 'stopped', point, rowsDone: at(), rowsTotal };
      // Every row applied: done, even when a cancel came while the terms went in.
      const state = outcome === 'index' ? 'done' : 'cancelled';
      await end(state, state === 'done' ? null : cancelledMessage());
      return { state, point, rowsDone: at(), rowsTotal };
    }
    hooks.progress?.(at(), rowsTotal);
    if (!asked) size = nextSize(size, performance.now() - started, target, MAX_CHUNK_UNITS);
    await hooks.pause();
  }
}
