/**
 * The desk goes first (issue 14). SQLite lets one connection write at a time, and its busy
 * handler does not queue: a job's worker that starts its next short transaction right after
 * committing the last one would keep winning the write lock, and a desk write retrying in its
 * busy handler could wait for the whole job. So the app's connection counts, in memory shared
 * with the workers, the calls that use it or wait for it; a worker looks before each of its
 * transactions and, while the count is above zero, waits (for the count to fall, or at most
 * MAX_WAIT_MS, so a busy desk slows a job but cannot stop it). A desk write then waits at most for
 * the transaction the worker is writing and its busy handler's next retry (SQLite sleeps 25-50 ms
 * between retries at that point), which MAX_WAIT_MS covers.
 */

const MAX_WAIT_MS = 60;

export class DeskTurn {
  readonly buffer = new SharedArrayBuffer(4);
  private readonly count = new Int32Array(this.buffer);

  /** The app's connection is wanted (called before waiting for it). */
  enter(): void {
    Atomics.add(this.count, 0, 1);
  }

  /** ...and released. */
  leave(): void {
    if (Atomics.sub(this.count, 0, 1) === 1) Atomics.notify(this.count, 0);
  }
}

/**
 * In a worker, before each transaction: waits while the desk uses or wants the app's connection.
 * Says whether the desk was there (false: the desk was idle; a job may then write larger transactions).
 */
export function waitForDesk(buffer: SharedArrayBuffer | undefined, maxWaitMs = MAX_WAIT_MS): boolean {
  if (!buffer) return true;
  const count = new Int32Array(buffer);
  const until = Date.now() + maxWaitMs;
  let busy = false;
  for (;;) {
    const seen = Atomics.load(count, 0);
    const left = until - Date.now();
    if (seen <= 0 || left <= 0) return busy;
    busy = true;
    Atomics.wait(count, 0, seen, left);
  }
}
