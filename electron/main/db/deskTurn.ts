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
const SLOTS = 4;

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
  async workerDone(timeoutMs: number): Promise<void> {
    const until = performance.now() + timeoutMs;
    for (;;) {
      const seen = Atomics.load(this.slots, WORKER_WRITING);
      const left = until - performance.now();
      if (seen <= 0 || left <= 0) return;
      if (!waitAsync) {
        await new Promise((resolve) => setTimeout(resolve, 1));
        continue;
      }
      const waited = waitAsync(this.slots, WORKER_WRITING, seen, left);
      if (waited.async) await waited.value;
    }
  }
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

/**
 * In a worker: runs `write` (a write transaction) announced to the desk (WORKER_WRITING), after
 * any desk write that wants the lock. Without a buffer (the app's own connection) it just runs.
 */
export function deskWriteTurn<T>(buffer: SharedArrayBuffer | undefined, write: () => T): T {
  if (!buffer) return write();
  const slots = new Int32Array(buffer);
  const until = performance.now() + MAX_WRITE_WAIT_MS;
  for (;;) {
    Atomics.add(slots, WORKER_WRITING, 1);
    if (Atomics.load(slots, DESK_WRITE) <= 0 || performance.now() >= until) break;
    // The desk wants to write: step back until it has (its write waits for this counter).
    if (Atomics.sub(slots, WORKER_WRITING, 1) === 1) Atomics.notify(slots, WORKER_WRITING);
    waitWhile(slots, DESK_WRITE, until);
  }
  try {
    return write();
  } finally {
    if (Atomics.sub(slots, WORKER_WRITING, 1) === 1) Atomics.notify(slots, WORKER_WRITING);
  }
}

/** A worker's way to run its write transactions (deskWriteTurn bound to its buffer). */
export type WriteTurn = <T>(write: () => T) => T;

export const writeTurnOf =
  (buffer: SharedArrayBuffer | undefined): WriteTurn =>
  (write) =>
    deskWriteTurn(buffer, write);
