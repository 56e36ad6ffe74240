/**
 * The desk goes first (issue 14). SQLite lets one connection write at a time, and its busy
 * handler does not queue: a job's worker that starts its next short transaction right after
 * committing the last one would keep winning the write lock. Worse, a desk write that meets the
 * worker's lock would wait in SQLite's busy handler, which sleeps the thread that asked: on the
 * app's connection that is main, and the whole event loop stops for the wait (the 200,000-patient
 * bench saw 440 ms behind a FHIR page). So main and the workers share three counters:
 *
 * - DESK: calls that use the app's connection or wait for it (reads too). A worker looks before
 *   each of its transactions and, while it is above zero, waits (at most MAX_WAIT_MS: a busy desk
 *   slows a job but cannot stop it).
 * - DESK_WRITE: desk writes waiting for the write lock or holding it. A worker does not begin a
 *   write while it is above zero (at most MAX_WRITE_WAIT_MS, a safety net: a desk write is short).
 * - WORKER_WRITING: workers inside a write transaction (or about to begin one). The desk's write
 *   waits for it to fall to zero *asynchronously* (Atomics.waitAsync: main's event loop keeps
 *   running, and the app's connection serves reads meanwhile), then begins (db/deskDriver.ts).
 *
 * Raising one's own counter before looking at the other's (both sequentially consistent) means
 * the two sides never both go: either the worker sees the desk and steps back, or the desk sees
 * the worker and waits for its transaction, which workers keep short (about 25 ms, TARGET_MS in
 * the jobs; an import's worker 100 ms, HEARD_TARGET_MS, because it ends early when the desk asks,
 * below). A worker write that is not announced (one that does not use deskWriteTurn) is still
 * safe: the desk's begin then meets SQLITE_BUSY without sleeping and retries on a timer.
 */

// Every bound below is on performance.now(), a monotonic clock: a workstation clock set back or
// forward mid-wait neither stretches a wait to hours nor cuts it to nothing.
const MAX_WAIT_MS = 60;
const MAX_WRITE_WAIT_MS = 2_000;

/** Atomics.waitAsync (Node 16+, Electron's V8): not in TypeScript's ES2023 lib. A timer poll where it is missing. */
type WaitAsync = (
  slots: Int32Array,
  index: number,
  value: number,
  timeoutMs: number,
) => { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };
const waitAsync = (Atomics as unknown as { waitAsync?: WaitAsync }).waitAsync;

const DESK = 0;
const DESK_WRITE = 1;
const WORKER_WRITING = 2;
/** Jobs writing in worker threads (the job runner counts them): the desk syncs their WAL frames off main first. */
const JOBS_WRITING = 3;
/**
 * Issued batches the desk has journaled (pins/issueJournal.ts) and not yet moved into the mirror,
 * and the issues about to journal one. A worker does not begin a transaction that removes patients
 * or contacts while it is above zero (REMOVING).
 */
const ISSUES_PENDING = 4;
/** Workers inside (or about to begin) a transaction that may remove patients or contacts. */
const REMOVING = 5;
/**
 * The desk's journal being synced (pins/issueJournal.ts durable), the clerk waiting for it. A job
 * does not start its WAL sync or checkpoint meanwhile (diskAsksOf): their flush would share the disk.
 */
const DESK_SYNCING = 6;
const SLOTS = 7;

/** The most recent desk writes kept by DeskWriteTimes (a few hours of a busy desk). */
const TIMES_KEPT = 10_000;

/**
 * What the desk's writes waited for, by cause (issue 14: the bench's "desk under load" table says
 * whether a slow PIN issue waited for a job's transaction or for the disk). Main thread only.
 */
function keepRecent(list: number[], ms: number): void {
  list.push(ms);
  if (list.length > TIMES_KEPT) list.splice(0, TIMES_KEPT / 2);
}

export class DeskWriteTimes {
  /** ms each desk write waited for a worker's write lock before it began (0 when none held it). */
  private jobWaits: number[] = [];
  /** ms each desk write's WAL sync off main took (only while a job writes: db/deskDriver.ts). */
  private syncs: number[] = [];

  waitedForJob(ms: number): void {
    keepRecent(this.jobWaits, ms);
  }

  synced(ms: number): void {
    keepRecent(this.syncs, ms);
  }

  /** The times recorded since the last take(), and a fresh start. */
  take(): { jobWaits: number[]; syncs: number[] } {
    const taken = { jobWaits: this.jobWaits, syncs: this.syncs };
    this.jobWaits = [];
    this.syncs = [];
    return taken;
  }
}

export class DeskTurn {
  readonly buffer = new SharedArrayBuffer(SLOTS * 4);
  readonly times = new DeskWriteTimes();
  private readonly slots = new Int32Array(this.buffer);

  /** The app's connection is wanted (called before waiting for it). */
  enter(): void {
    Atomics.add(this.slots, DESK, 1);
  }

  /** ...and released. */
  leave(): void {
    if (Atomics.sub(this.slots, DESK, 1) === 1) Atomics.notify(this.slots, DESK);
  }

  /** A desk write wants the write lock: no worker begins another write until writeDone(). */
  wantWrite(): void {
    Atomics.add(this.slots, DESK_WRITE, 1);
  }

  /** The desk write committed or rolled back (or gave up). */
  writeDone(): void {
    if (Atomics.sub(this.slots, DESK_WRITE, 1) === 1) Atomics.notify(this.slots, DESK_WRITE);
  }

  /**
   * An issue is about to be journaled (+1), or its batch is in the mirror now, or it was not
   * journaled after all (-1). See ISSUES_PENDING.
   */
  issuesPending(change: 1 | -1): void {
    if (Atomics.add(this.slots, ISSUES_PENDING, change) === 1 && change === -1) Atomics.notify(this.slots, ISSUES_PENDING);
  }

  /** The desk's journal sync starts (+1) or ends (-1): see DESK_SYNCING. */
  deskSyncing(change: 1 | -1): void {
    if (Atomics.add(this.slots, DESK_SYNCING, change) === 1 && change === -1) Atomics.notify(this.slots, DESK_SYNCING);
  }

  /** True while a worker's transaction may remove patients or contacts (REMOVING). */
  workerRemoving(): boolean {
    return Atomics.load(this.slots, REMOVING) > 0;
  }

  /** Resolves once no worker's transaction removes records (or after `timeoutMs`); never blocks the thread. */
  removalsDone(timeoutMs: number): Promise<void> {
    return this.waitForZero(REMOVING, timeoutMs);
  }

  /** True while a job writes in a worker thread (jobsWriting), between its transactions too. */
  jobsWriting(): boolean {
    return Atomics.load(this.slots, JOBS_WRITING) > 0;
  }

  /** True while a worker holds (or is about to take) the write lock. */
  workerWriting(): boolean {
    return Atomics.load(this.slots, WORKER_WRITING) > 0;
  }

  /**
   * Resolves once no worker writes, or after `timeoutMs`; never blocks the thread (main's event
   * loop runs while a worker's transaction finishes). Call after wantWrite().
   */
  workerDone(timeoutMs: number): Promise<void> {
    return this.waitForZero(WORKER_WRITING, timeoutMs);
  }

  private async waitForZero(slot: number, timeoutMs: number): Promise<void> {
    const until = performance.now() + timeoutMs;
    for (;;) {
      const seen = Atomics.load(this.slots, slot);
      const left = until - performance.now();
      if (seen <= 0 || left <= 0) return;
      if (!waitAsync) {
        await new Promise((resolve) => setTimeout(resolve, 1));
        continue;
      }
      const waited = waitAsync(this.slots, slot, seen, left);
      if (waited.async) await waited.value;
    }
  }
}

/** Issues journaled and not yet in the mirror, or about to be journaled (ISSUES_PENDING), as any thread sees them. */
export function issuesPendingIn(buffer: SharedArrayBuffer): number {
  return Atomics.load(new Int32Array(buffer), ISSUES_PENDING);
}

/** The job runner: a job starts (+1) or stops (-1) writing in a worker thread. */
export function jobsWriting(buffer: SharedArrayBuffer, change: 1 | -1): void {
  Atomics.add(new Int32Array(buffer), JOBS_WRITING, change);
}

/**
 * A write loop's question between its small units of work (issue 14): does a desk write wait for
 * the lock? One Atomics.load. A worker's transaction that hears yes ends early, at the next point
 * where it is whole (what it wrote, its cursor and its run record agree), commits, and lets the
 * desk write go (its next transaction waits for DESK_WRITE: deskWriteTurn, waitForDesk). So the
 * desk waits for a unit of work (a few ms) instead of the rest of a transaction sized to 25-100 ms,
 * which two busy cores stretch further. Never asks on the app's own connection (no buffer).
 */
export type DeskAsks = () => boolean;

export const deskNeverAsks: DeskAsks = () => false;

export function deskAsksOf(buffer: SharedArrayBuffer | undefined): DeskAsks {
  if (!buffer) return deskNeverAsks;
  const slots = new Int32Array(buffer);
  return () => Atomics.load(slots, DESK_WRITE) > 0;
}

/**
 * A job's question before it syncs its WAL or checkpoints (db/walCheckpoints.ts): does the desk
 * want the lock, or wait for its journal's sync (DESK_SYNCING)? Either way the desk waits for the
 * disk, and a job's flush started now would be in the disk's queue before the desk's.
 */
export function diskAsksOf(buffer: SharedArrayBuffer | undefined): DeskAsks {
  if (!buffer) return deskNeverAsks;
  const slots = new Int32Array(buffer);
  return () => Atomics.load(slots, DESK_WRITE) > 0 || Atomics.load(slots, DESK_SYNCING) > 0;
}

/** In a worker, before a flush that cannot be put off (a job's last checkpoint): waits out the desk's journal sync, at most `maxMs`. */
export function waitForDeskSync(buffer: SharedArrayBuffer | undefined, maxMs: number): void {
  if (!buffer) return;
  waitWhile(new Int32Array(buffer), DESK_SYNCING, performance.now() + maxMs);
}

/**
 * Inside a write transaction: runs `unit` (a small piece of work that leaves the transaction
 * whole; false when the transaction has no more to do: the work or its budget is done) once, then
 * again while it asks for more and the desk does not ask for the lock. True when the desk asked
 * (the caller commits what was done and goes on after the desk's write).
 */
export function unitsUntilDesk(asks: DeskAsks, unit: () => boolean): boolean {
  while (unit()) if (asks()) return true;
  return false;
}

/** Blocks this (worker) thread while `slot` is above zero, at most until `until`; says whether it was. */
function waitWhile(slots: Int32Array, slot: number, until: number): boolean {
  let busy = false;
  for (;;) {
    const seen = Atomics.load(slots, slot);
    const left = until - performance.now();
    if (seen <= 0 || left <= 0) return busy;
    busy = true;
    Atomics.wait(slots, slot, seen, left);
  }
}

/**
 * In a worker, before each transaction: waits while the desk uses or wants the app's connection.
 * Says whether the desk was there (false: the desk was idle; a job may then write larger transactions).
 */
export function waitForDesk(buffer: SharedArrayBuffer | undefined, maxWaitMs = MAX_WAIT_MS): boolean {
  if (!buffer) return true;
  const slots = new Int32Array(buffer);
  const writing = waitWhile(slots, DESK_WRITE, performance.now() + MAX_WRITE_WAIT_MS);
  return waitWhile(slots, DESK, performance.now() + maxWaitMs) || writing;
}

/** The longest a removing transaction waits for the desk's journaled issues to reach the mirror. */
const MAX_REMOVAL_WAIT_MS = 30_000;

/**
 * In a worker: runs `write` (a write transaction) announced to the desk (WORKER_WRITING), after
 * any desk write that wants the lock. Without a buffer (the app's own connection) it just runs.
 *
 * `removes`: the transaction may remove patients or contacts (a pull's tombstones). A PIN issued
 * while a job writes is journaled first and reaches the mirror a moment later (pins/issueJournal.ts);
 * a removal in between would take away the child or the guardian its rows point at. So such a
 * transaction also raises REMOVING and does not begin while ISSUES_PENDING is above zero; the desk
 * raises ISSUES_PENDING before it reads the family for its journal, then waits for REMOVING to fall
 * (pins/issueJournal.ts). Either the worker sees the issue and waits for its rows to be in the
 * mirror (the pull then keeps the records PINs point at, as always), or the desk sees the removal
 * and reads the family after it.
 */
export function deskWriteTurn<T>(buffer: SharedArrayBuffer | undefined, write: () => T, removes = false): T {
  if (!buffer) return write();
  const slots = new Int32Array(buffer);
  const until = performance.now() + MAX_WRITE_WAIT_MS;
  const removalUntil = performance.now() + MAX_REMOVAL_WAIT_MS;
  const stepBack = (slot: number) => {
    if (Atomics.sub(slots, slot, 1) === 1) Atomics.notify(slots, slot);
  };
  for (;;) {
    Atomics.add(slots, WORKER_WRITING, 1);
    if (removes) Atomics.add(slots, REMOVING, 1);
    const deskWrites = Atomics.load(slots, DESK_WRITE) > 0 && performance.now() < until;
    const issuesPending = removes && Atomics.load(slots, ISSUES_PENDING) > 0 && performance.now() < removalUntil;
    if (!deskWrites && !issuesPending) break;
    // The desk wants to write, or has issues on their way to the mirror: step back until it is done.
    if (removes) stepBack(REMOVING);
    stepBack(WORKER_WRITING);
    if (deskWrites) waitWhile(slots, DESK_WRITE, until);
    else waitWhile(slots, ISSUES_PENDING, removalUntil);
  }
  try {
    return write();
  } finally {
    if (removes) stepBack(REMOVING);
    stepBack(WORKER_WRITING);
  }
}

/** A worker's way to run its write transactions (deskWriteTurn bound to its buffer); `removes` as there. */
export type WriteTurn = <T>(write: () => T, removes?: boolean) => T;

export const writeTurnOf =
  (buffer: SharedArrayBuffer | undefined): WriteTurn =>
  (write, removes) =>
    deskWriteTurn(buffer, write, removes);
