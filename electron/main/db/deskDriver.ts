import type BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, SqliteDriver, type DatabaseConnection, type QueryResult } from 'kysely';
import type { DeskTurn } from './deskTurn';
import { AppError } from '../errors';
import { syncWal } from './walCheckpoints';

/**
 * The app connection's Kysely driver (issue 14): main never sleeps waiting for a worker's write lock.
 *
 * - A transaction takes the write lock when it begins (BEGIN IMMEDIATE): a deferred one that read
 *   first and then tried to write after a worker committed would fail at once with "database is
 *   locked" (SQLite cannot upgrade a stale read snapshot).
 * - Before it begins, the desk says it wants to write (DeskTurn.wantWrite: no worker begins another
 *   write) and, while a worker's transaction is still open, waits for it asynchronously, with the
 *   connection lent to the desk's other calls meanwhile (a search does not queue behind a write
 *   that waits). It then begins with SQLite's busy timeout at 0: better-sqlite3's busy handler
 *   sleeps the calling thread, here main's event loop, in steps of up to 100 ms. A write the
 *   workers did not announce (SQLITE_BUSY) is retried on a timer, for at most BUSY_TIMEOUT_MS as before.
 * - While a job writes in a worker (DeskTurn.jobsWriting), the desk's write is made durable off
 *   the main thread: it commits without SQLite's own sync (synchronous NORMAL for that write,
 *   FULL again right after), then the WAL file is synced in libuv's pool (walCheckpoints.ts
 *   syncWal) before the write is reported done. The job's transactions commit without a sync, so
 *   a FULL commit on main had to sync the job's unsynced frames as well: 60-150 ms of a stopped
 *   event loop in the bench. Before, a first sync of the job's frames in the pool and then the
 *   FULL commit made two syncs in a row for each desk write; now it is one, and never on main.
 *   Durability is the same as FULL: the caller (pins.issue, and so the clerk) hears nothing until
 *   the sync has returned, every frame of the write included. Meanwhile the connection is lent to
 *   the desk's other calls (a search does not wait for the disk), except reads of the outbox: they
 *   wait for the sync, so nothing leaves the app (an enrollment, a Welcome email with its PIN)
 *   before it is on disk. The desk write stays announced meanwhile (DESK_WRITE: no job adds frames
 *   to the sync).
 *   A failed sync fails the write's call (the rows are committed; a repeat of the same batch
 *   returns them).
 * - A write outside a transaction (an INSERT, UPDATE or DELETE in autocommit: an audit entry, a
 *   setting) waits the same way.
 *
 * Kysely's SqliteDriver keeps its one connection behind a private lock: this driver takes that
 * connection once and keeps its own lock (the same first-come order), which it can lend.
 */

/** As the connection's busy_timeout (openDatabase): the longest a desk write waits before "database is locked". */
export const BUSY_TIMEOUT_MS = 5_000;
/** Between tries when SQLite says busy and no worker announced its write. */
const RETRY_MS = 2;
const NOT_CONFIRMED =
  'The computer’s disk did not confirm the save, so it could be lost if the computer stops now. Do it again (issuing again from the same screen gives back the same PINs); if it keeps happening, ask IT to check the disk.';

const WRITE_NODES = new Set(['InsertQueryNode', 'UpdateQueryNode', 'DeleteQueryNode', 'MergeQueryNode']);
const RAW_WRITE = /^\s*(insert|update|delete|replace)\b/i;
/** A statement that reads or writes the outbox (what leaves the app: enrollments, emails). */
const OUTBOX = /["`\s]outbox["`\s]/i;

function isWrite(query: CompiledQuery): boolean {
  const kind = query.query.kind;
  return WRITE_NODES.has(kind) || (kind === 'RawNode' && RAW_WRITE.test(query.sql));
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** First come, first served; `lend` hands it to the next waiter and queues again. */
class Lock {
  private held = false;
  private readonly waiting: (() => void)[] = [];

  async lock(): Promise<void> {
    if (!this.held) {
      this.held = true;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  unlock(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.held = false;
  }
}

export class DeskSqliteDriver extends SqliteDriver {
  private readonly lock = new Lock();
  private inner!: DatabaseConnection;
  private connection!: DatabaseConnection;
  /** A transaction of this connection holds a desk write (DeskTurn.wantWrite) until it ends. */
  private writing = false;
  /** The write in progress began at synchronous NORMAL: the WAL is synced off main once it commits (syncWal). */
  private syncAfter = false;
  /** Committed desk writes' syncs (syncWal) still running: outbox reads wait for them. */
  private readonly syncing = new Set<Promise<void>>();

  constructor(
    config: ConstructorParameters<typeof SqliteDriver>[0],
    private readonly sqlite: BetterSqlite3.Database,
    private readonly turn: DeskTurn,
  ) {
    super(config);
  }

  override async init(): Promise<void> {
    await super.init();
    // Kysely's own lock is taken once, for good: this driver's lock stands in for it.
    this.inner = await super.acquireConnection();
    const inner = this.inner;
    this.connection = {
      executeQuery: async <R>(query: CompiledQuery): Promise<QueryResult<R>> => {
        // Waits with the connection lent: the desk's other calls go on meanwhile.
        // Until none is left: a desk write lent the connection meanwhile may have started another sync.
        if (OUTBOX.test(query.sql)) while (this.syncing.size > 0) await this.lend(Promise.allSettled([...this.syncing]).then(() => undefined));
        return !this.sqlite.inTransaction && isWrite(query) ? this.autocommitWrite(() => inner.executeQuery<R>(query)) : inner.executeQuery<R>(query);
      },
      streamQuery: <R>(query: CompiledQuery, chunkSize?: number) => inner.streamQuery<R>(query, chunkSize),
    };
  }

  /** Counted while waited for and held: a job's worker lets the desk go first (deskTurn.ts). */
  override async acquireConnection(): Promise<DatabaseConnection> {
    this.turn.enter();
    await this.lock.lock();
    return this.connection;
  }

  override async releaseConnection(): Promise<void> {
    this.lock.unlock();
    this.turn.leave();
  }

  override async beginTransaction(): Promise<void> {
    this.turn.wantWrite();
    try {
      await this.whenWritable(() => this.inner.executeQuery(CompiledQuery.raw('begin immediate')));
    } catch (error) {
      this.turn.writeDone();
      throw error;
    }
    this.writing = true;
  }

  override async commitTransaction(): Promise<void> {
    try {
      await this.inner.executeQuery(CompiledQuery.raw('commit')).catch((error: unknown) => {
        this.fullAgain();
        throw error;
      });
      await this.durable();
    } finally {
      this.endWrite();
    }
  }

  override async rollbackTransaction(): Promise<void> {
    try {
      // Kysely rolls back whatever the commit threw: a commit whose sync failed has nothing left to roll back.
      if (this.sqlite.inTransaction) await this.inner.executeQuery(CompiledQuery.raw('rollback'));
    } finally {
      this.fullAgain();
      this.endWrite();
    }
  }

  /**
   * A write begins without SQLite's sync, and is synced off main after its commit, whenever a job
   * writes: whatever the connection's setting when it begins. A desk write can be lent the
   * connection while the outbox's replayable batch (synchronous NORMAL, set before its BEGIN) waits
   * for a job that started after the outbox looked (outbox/worker.ts commitBatch); it must not
   * inherit that NORMAL unsynced. The outbox's batch itself is then synced too: more than it needs.
   */
  private syncOffMain(): boolean {
    return (this.turn.jobsWriting() || this.turn.workerWriting()) && !this.sqlite.memory;
  }

  /** The connection back at FULL; says whether the write that ended still has its sync to do. */
  private fullAgain(): boolean {
    if (!this.syncAfter) return false;
    this.syncAfter = false;
    this.sqlite.pragma('synchronous = FULL');
    return true;
  }

  /** After a commit: the sync SQLite did not do, off the main thread, before the write is reported. */
  private async durable(): Promise<void> {
    if (!this.fullAgain()) return;
    const began = performance.now();
    const syncing = syncWal(this.sqlite.name).then(() => this.turn.times.synced(performance.now() - began));
    this.syncing.add(syncing);
    try {
      await this.lend(syncing);
    } catch {
      throw new AppError('storage', NOT_CONFIRMED);
    } finally {
      this.syncing.delete(syncing);
    }
  }

  private endWrite(): void {
    if (!this.writing) return;
    this.writing = false;
    this.turn.writeDone();
  }

  private async autocommitWrite<T>(write: () => Promise<T>): Promise<T> {
    this.turn.wantWrite();
    try {
      const value = await this.whenWritable(write);
      await this.durable();
      return value;
    } finally {
      this.turn.writeDone();
    }
  }

  /**
   * Runs `start` (a statement that takes the write lock) once no worker writes, without SQLite's
   * busy handler; waits asynchronously, with the connection lent, whenever the lock is taken.
   */
  private async whenWritable<T>(start: () => Promise<T>): Promise<T> {
    const entered = performance.now();
    const deadline = entered + BUSY_TIMEOUT_MS;
    for (;;) {
      if (this.turn.workerWriting()) await this.lend(this.turn.workerDone(Math.max(0, deadline - performance.now())));
      const attempt = performance.now();
      // Set before the write begins: SQLite refuses to change it inside a transaction.
      this.syncAfter = this.syncOffMain();
      if (this.syncAfter) this.sqlite.pragma('synchronous = NORMAL');
      this.sqlite.pragma('busy_timeout = 0');
      let started: Promise<T>;
      try {
        // better-sqlite3 runs the statement before executeQuery returns: the timeout goes back at once.
        started = start();
      } catch (error) {
        started = Promise.reject(error);
      } finally {
        this.sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      }
      try {
        const value = await started;
        this.turn.times.waitedForJob(attempt - entered);
        return value;
      } catch (error) {
        this.fullAgain();
        if (!isBusy(error) || performance.now() >= deadline) throw error;
      }
      await this.lend(sleep(RETRY_MS));
    }
  }

  /** The connection goes to the desk's other calls while `wait` lasts, then comes back (in turn). */
  private async lend(wait: Promise<void>): Promise<void> {
    this.lock.unlock();
    try {
      await wait;
    } finally {
      await this.lock.lock();
    }
  }
}
