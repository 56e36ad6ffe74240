import type BetterSqlite3 from 'better-sqlite3';
import { deskAsksOf, unitsUntilDesk, waitForDesk, writeTurnOf, type WriteTurn } from '../db/deskTurn';
import { yieldToEventLoop } from '../lib/pacing';
import { reindexPatients } from './indexer';
import { LONG_TRANSACTION_SLICES_PER_BLOCK, stageTerms, type TermMerge, UNINDEXED } from './termMerge';

/**
 * The search terms of an initial load (a first pull, a FHIR first load), built once after its
 * rows (issue 14). Patients without any term yet (all of them, in a load into an empty mirror)
 * get theirs through search/termMerge.ts: computed into a temporary table of the job's own
 * connection without the write lock, then added in blocks of neighbouring index pages, so each
 * short transaction rewrites a few hundred pages instead of one page per term. Patients that
 * already have terms (the mirror held them before the load, the desk changed them meanwhile, or a
 * build stopped by a crash added some) are rebuilt whole from their rows as before (delete, then
 * insert), so a term that went stale during the load does not stay.
 *
 * One step per call, a transaction at most, after the desk's turn (db/deskTurn.ts): the caller
 * checks for a cancel between steps. The caller leaves the index marked stale (INDEX_STALE_KEY)
 * until the last step, so after a crash the next load builds the terms again; the staged table
 * belongs to the connection and goes with it.
 */

/**
 * A transaction's length, in ms. The desk's write waits for the one being written, on main's event
 * loop (better-sqlite3's busy handler is synchronous): kept short whether or not the desk was
 * seen just before (with 40/80 ms, as the importer's, the bench saw 77 ms write waits during a pull).
 */
const TARGET_MS = 25;
/**
 * The same for a worker that hears the desk inside its transactions (a job worker's session: `deskTurn`):
 * a desk write that waits ends the transaction after the cell being added (termMerge step's `asks`), so it
 * waits for one cell and the commit, not for the rest (as the importer's HEARD_TARGET_MS). Fewer, longer
 * transactions, and fewer blocks (LONG_TRANSACTION_SLICES_PER_BLOCK), rewrite each page of the term index
 * fewer times: at 200,000 patients the FHIR load's terms took 64 s of 25 ms transactions on a loaded machine.
 */
const HEARD_TARGET_MS = 100;
/** Staging reads (no write lock) per step, in ms. */
const STAGE_MS = 40;
/** Cells (termMerge) of the first transaction; the sizing finds the right count in a few. */
const FIRST_CELLS = 2;
/** Patients with terms already, rebuilt per transaction (~0.2 ms each)... */
const REBUILD_SLICE = 150;
/** ...this many between two looks at the desk (a desk write that waits ends the transaction there: db/deskTurn.ts). */
const REBUILD_STEP = 20;

export interface DeferredTermsStart {
  /** Patients whose terms are computed and merged. */
  merged: number;
  /** Patients that already had terms, rebuilt whole. */
  rebuilt: number;
}

/** The steps, on the job's connection (a worker's, or the app's under its lock). */
/** `turn` wraps each write transaction (a worker announces it to the desk: db/deskTurn.ts). */
export function deferredTermOps(sqlite: BetterSqlite3.Database, deskTurn?: SharedArrayBuffer, turn: WriteTurn = writeTurnOf(deskTurn)) {
  let merge: TermMerge | null = null;
  let rebuild: string[] = [];
  let cells = FIRST_CELLS;
  const deskAsks = deskAsksOf(deskTurn);
  /** A worker's session hears the desk inside its transactions: longer ones, in fewer blocks. */
  const heard = deskTurn !== undefined;
  const target = heard ? HEARD_TARGET_MS : TARGET_MS;
  /** The desk asked for the lock during the last transaction (which then ended early: not a measure of its size). */
  let asked = false;
  const asks = () => {
    asked = deskAsks();
    return asked;
  };
  const end = () => {
    merge?.close();
    merge = null;
    rebuild = [];
  };
  return {
    termsBegin: (_args: null): DeferredTermsStart => {
      end();
      // Those with terms are listed (few, but for a load over a mirror that had them); the others are
      // staged as SQLite finds them (UNINDEXED: no list of 200,000 ids in the worker's heap).
      rebuild = sqlite
        .prepare('SELECT id FROM patients p WHERE EXISTS (SELECT 1 FROM search_terms WHERE patient_id = p.id) ORDER BY id')
        .pluck()
        .all() as string[];
      merge = stageTerms(sqlite, UNINDEXED, heard ? LONG_TRANSACTION_SLICES_PER_BLOCK : 1);
      cells = FIRST_CELLS;
      return { merged: merge.patients, rebuilt: rebuild.length };
    },
    /** One step: a slice rebuilt, some staging, or a transaction of cells merged. True once every term is in. */
    termsStep: (_args: null): boolean => {
      if (!merge) throw new Error('termsStep before termsBegin');
      if (rebuild.length > 0) {
        waitForDesk(deskTurn);
        const slice = rebuild.slice(0, REBUILD_SLICE);
        let done = 0;
        turn(() =>
          sqlite
            .transaction(() => {
              done = 0;
              unitsUntilDesk(deskAsks, () => {
                reindexPatients(sqlite, slice.slice(done, done + REBUILD_STEP));
                done = Math.min(slice.length, done + REBUILD_STEP);
                return done < slice.length;
              });
            })
            .immediate(),
        );
        rebuild.splice(0, done);
        return false;
      }
      const staging = performance.now();
      for (;;) {
        if (merge.stageNext()) break;
        if (performance.now() - staging > STAGE_MS) return false;
      }
      waitForDesk(deskTurn);
      const started = performance.now();
      const m = merge;
      asked = false;
      const done = turn(() => sqlite.transaction(() => m.step(cells, asks)).immediate());
      if (asked) return done;
      const wanted = Math.round((cells * target) / Math.max(1, performance.now() - started));
      cells = Math.min(merge.cells, Math.max(1, Math.round((cells + wanted) / 2)));
      return done;
    },
    termsEnd: (_args: null): null => {
      end();
      return null;
    },
  };
}

export type DeferredTermOps = ReturnType<typeof deferredTermOps>;

/** Runs an op of deferredTermOps where the job runs (a worker session, or the app's connection under its lock). */
export type TermOpCall = <K extends keyof DeferredTermOps>(op: K) => Promise<ReturnType<DeferredTermOps[K]>>;

/**
 * Builds the deferred terms step by step, yielding to the event loop between steps. False when
 * `signal` stopped it first (the index stays marked stale; the next load builds it again).
 */
export async function buildDeferredTerms(call: TermOpCall, signal?: AbortSignal): Promise<boolean> {
  await call('termsBegin');
  try {
    for (;;) {
      if (signal?.aborted) return false;
      if (await call('termsStep')) return true;
      await yieldToEventLoop();
    }
  } finally {
    // The staged table goes with the connection anyway: a worker that died must not hide why.
    await call('termsEnd').catch(() => null);
  }
}
