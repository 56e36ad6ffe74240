import type BetterSqlite3 from 'better-sqlite3';
import type { ChangesPageEnvelope, PageRecordKind } from '../../../shared/sync/protocol';
import { advanceRunBy, cancelRequested } from '../db/jobRuns';
import { deskAsksOf, deskNeverAsks, unitsUntilDesk, waitForDesk, writeTurnOf, type DeskAsks, type WriteTurn } from '../db/deskTurn';
import { deferredTermOps } from '../search/deferredTerms';
import { applyChangesPage, type PageCounts } from './applyPage';
import { readPage, type PageHead } from './pageRead';

/**
 * What a pull asks of its worker thread (electron/main/jobWorker.ts, a 'sync.apply' session on its own
 * connection): read a page from the bytes main received (transferred, not copied: the JSON parse
 * and the envelope check happen here, off the main thread), apply the page read with its cursor in
 * one transaction, or build the search terms of an initial load a step at a time (search/deferredTerms.ts).
 * Synchronous better-sqlite3 on the worker's connection; main keeps the HTTP side.
 */
export interface ApplyPageArgs {
  page: ChangesPageEnvelope;
  deferIndex: boolean;
  /** ISO instant (a Date does not cross to the worker as one). */
  now: string;
  /** The pull's run record (job_runs, kind 'sync.pull'), advanced in the page's own transaction; none for a small pull. */
  runId?: string;
}

/** A page applied, or not applied because an administrator cancelled the pull (its run record says 'cancelling'). */
export type PageOutcome = PageCounts | { cancelled: true };

/** Records of a page's first part (a page of up to 2,000 rows, DEFAULT_PAGE_LIMIT); later parts are sized by PartSizer. */
export const APPLY_PART_ROWS = 500;

/** The order applyChangesPage writes a page in (parents before children, tombstones last): its parts keep it. */
const KIND_ORDER: Record<PageRecordKind, number> = {
  families: 0,
  contacts: 1,
  patients: 2,
  patientContacts: 3,
  appointments: 4,
  pins: 5,
  guardians: 6,
  tombstones: 7,
};
const KINDS = (Object.keys(KIND_ORDER) as PageRecordKind[]).sort((a, b) => KIND_ORDER[a] - KIND_ORDER[b]);

const NO_COUNTS: PageCounts = { rows: 0, tombstones: 0, keptLocal: 0, reindexed: 0, setAside: 0, olderIgnored: 0, charactersRemoved: 0 };

function addCounts(a: PageCounts, b: PageCounts): PageCounts {
  return {
    rows: a.rows + b.rows,
    tombstones: a.tombstones + b.tombstones,
    keptLocal: a.keptLocal + b.keptLocal,
    reindexed: a.reindexed + b.reindexed,
    setAside: a.setAside + b.setAside,
    olderIgnored: a.olderIgnored + b.olderIgnored,
    charactersRemoved: a.charactersRemoved + b.charactersRemoved,
  };
}

/**
 * How many records a part holds: APPLY_PART_ROWS first, then as many as `targetMs` (PART_MS, or
 * HEARD_PART_MS: partSizerFor) of writing took in the parts before (issue 14: a desk write waits for
 * the part being written, at most about PART_MS, whether or not the desk was there when the part
 * began; in a worker that hears it, for STEP_ROWS records). One per connection, across pages.
 */
export class PartSizer {
  constructor(
    private rows = APPLY_PART_ROWS,
    private readonly targetMs = PART_MS,
  ) {}
  next(): number {
    return this.rows;
  }
  took(rows: number, ms: number): void {
    const wanted = Math.round((rows * this.targetMs) / Math.max(1, ms));
    this.rows = Math.min(MAX_PART_ROWS, Math.max(MIN_PART_ROWS, Math.round((this.rows + wanted) / 2)));
  }
}

/** A part's length wanted, in ms, and the bounds of its size in records. */
const PART_MS = 25;
/**
 * The same in a worker that hears the desk inside its parts (`asks`, every STEP_ROWS records): a desk
 * write that waits ends the part there, so it waits for those records and the commit, not the rest
 * of the part (as the importer's HEARD_TARGET_MS). Longer parts rewrite each index page fewer times.
 */
const HEARD_PART_MS = 100;
const MIN_PART_ROWS = 50;
const MAX_PART_ROWS = 8_000;

/** The sizer of a connection's parts: longer ones where the desk is heard inside them (a worker given the desk's counters). */
export function partSizerFor(deskTurn: SharedArrayBuffer | undefined): PartSizer {
  return new PartSizer(APPLY_PART_ROWS, deskTurn ? HEARD_PART_MS : PART_MS);
}
/**
 * Records written between two looks at the desk inside a part (db/deskTurn.ts unitsUntilDesk): a
 * desk write waits for at most these (a few ms), then the part commits early and the desk goes.
 */
const STEP_ROWS = 25;

/** The records of `page` from `from` (a position in KINDS order), at most `rows` of them. */
function partOf(page: ChangesPageEnvelope, from: number, rows: number): { part: ChangesPageEnvelope; count: number } {
  const part = { ...page };
  let skip = from;
  let count = 0;
  for (const kind of KINDS) {
    const records = page[kind];
    const start = Math.min(records.length, skip);
    skip -= start;
    const taken = records.slice(start, start + (rows - count));
    part[kind] = taken as never;
    count += taken.length;
  }
  return { part, count };
}

const recordsIn = (page: ChangesPageEnvelope) => KINDS.reduce((sum, kind) => sum + page[kind].length, 0);

/**
 * Whether a page may remove patients or contacts (a tombstone of either kind, read or not): its
 * transactions wait for the desk's journaled PINs to reach the mirror first (db/deskTurn.ts
 * deskWriteTurn), so the pull sees the PINs that keep such a record.
 */
export function removesRecords(page: ChangesPageEnvelope): boolean {
  return page.tombstones.some((t) => {
    const kind = (t as { kind?: unknown } | null)?.kind;
    return kind === 'patient' || kind === 'contact';
  });
}

export interface PartOptions {
  /** Wraps each part's transaction (a worker announces its write to the desk: db/deskTurn.ts deskWriteTurn). */
  turn?: WriteTurn;
  sizer?: PartSizer;
  /** Looked at every STEP_ROWS records: a desk write that waits ends the part there (db/deskTurn.ts). */
  asks?: DeskAsks;
}

/**
 * One page in parts (PartSizer: about PART_MS of writing each, APPLY_PART_ROWS records first), a
 * transaction each, yielding between them (the caller lets the desk go first there). The cursor and the
 * run record's progress move with the last part, so after a crash the record and the mirror agree
 * on where the pull stands: a page cut off between its parts is asked for and written again
 * (every write is an upsert or a delete by id, so its first parts change nothing the second time).
 * A part ends early, after any STEP_ROWS records, when a desk write asks for the lock: it is then
 * one more cut of the page like the others (its cursor and record move only with the last record).
 * A run marked 'cancelling' gets no further page: the pull stops between pages, never inside one.
 */
export function* applyPageSteps(
  sqlite: BetterSqlite3.Database,
  { page, deferIndex, now, runId }: ApplyPageArgs,
  { turn = (write) => write(), sizer = new PartSizer(), asks = deskNeverAsks }: PartOptions = {},
): Generator<void, PageOutcome> {
  const size = recordsIn(page);
  const removes = removesRecords(page);
  let total = NO_COUNTS;
  let from = 0;
  for (let i = 0; ; i++) {
    if (i > 0) yield;
    const wanted = sizer.next();
    const started = performance.now();
    let taken = 0;
    // immediate: it reads, then writes; the desk or another connection may commit in between.
    const outcome = turn(
      () =>
        sqlite
          .transaction((): PageOutcome => {
            if (i === 0 && runId && cancelRequested(sqlite, runId)) return { cancelled: true };
            let counts = total;
            taken = 0;
            unitsUntilDesk(asks, () => {
              const { part, count } = partOf(page, from + taken, Math.min(STEP_ROWS, wanted - taken));
              taken += count;
              const last = from + taken >= size;
              counts = addCounts(counts, applyChangesPage(sqlite, part, { deferIndex, now: new Date(now), saveCursor: last }));
              if (last && runId) advanceRunBy(sqlite, runId, counts.rows + counts.tombstones, page.hasMore ? page.remaining : 0, { cursor: page.cursor }, now);
              return !last && taken < wanted;
            });
            return counts;
          })
          .immediate(),
      removes,
    );
    if ('cancelled' in outcome) return outcome;
    from += taken;
    sizer.took(taken, performance.now() - started);
    total = outcome;
    if (from >= size) return total;
  }
}

/** applyPageSteps run to the end at once, letting the desk go first between parts (in a worker). */
export function applyPageOfRun(
  sqlite: BetterSqlite3.Database,
  args: ApplyPageArgs,
  between: () => void = () => undefined,
  options: PartOptions = {},
): PageOutcome {
  const steps = applyPageSteps(sqlite, args, options);
  for (let step = steps.next(); ; step = steps.next()) {
    if (step.done) return step.value;
    between();
  }
}

/** A page read by the worker: its head for the pull loop, or why it cannot be read. */
export type WorkerPageRead = { head: PageHead } | { problem: string };

/** The session's operations; `deskTurn` lets the desk go before each transaction after the first of a call. */
export function syncApplyOps(sqlite: BetterSqlite3.Database, deskTurn?: SharedArrayBuffer, turn: WriteTurn = writeTurnOf(deskTurn)) {
  // The page read last, waiting for applyHeld (main asks for them in turn, one page at a time).
  let held: ChangesPageEnvelope | null = null;
  const deskFirst = () => {
    waitForDesk(deskTurn);
  };
  const parts: PartOptions = { turn, sizer: partSizerFor(deskTurn), asks: deskAsksOf(deskTurn) };
  return {
    // The terms of an initial load, built once after its rows (search/deferredTerms.ts).
    ...deferredTermOps(sqlite, deskTurn, turn),
    readPage: ({ bytes, limit }: { bytes: Uint8Array; limit: number }): WorkerPageRead => {
      const read = readPage(bytes, limit);
      held = 'page' in read ? read.page : null;
      return 'page' in read ? { head: read.head } : read;
    },
    applyHeld: (args: Omit<ApplyPageArgs, 'page'>): PageOutcome => {
      if (!held) throw new Error('no page was read before applyHeld');
      const page = held;
      held = null;
      return applyPageOfRun(sqlite, { ...args, page }, deskFirst, parts);
    },
    /** A page main read itself (the first page of a pull, read before the pull knew it was large). */
    applyPage: (args: ApplyPageArgs): PageOutcome => applyPageOfRun(sqlite, args, deskFirst, parts),
  };
}
