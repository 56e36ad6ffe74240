import type BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, SqliteDriver, type DatabaseConnection, type QueryResult } from 'kysely';
import type { DeskTurn } from './deskTurn';
import { syncWalOffThread } from './walCheckpoints';

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
 * - While a job writes in a worker (DeskTurn.jobsWriting), the WAL is synced off the main thread
 *   just before the desk's write begins (walCheckpoints.ts syncWalOffThread). The job commits
 *   without a sync; the desk's FULL commit syncs the whole WAL file on main, and would otherwise
 *   wait there for every job frame written since the job's last sync (60-150 ms of a stopped event
 *   loop in the bench). Durability is the same: the commit still syncs, only less is left to sync.
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

const WRITE_NODES = new Set(['InsertQueryNode', 'UpdateQueryNode', 'DeleteQueryNode', 'MergeQueryNode']);
const RAW_WRITE = /^\s*(insert|update|delete|replace)\b/i;

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
      executeQuery: <R>(query: CompiledQuery): Promise<QueryResult<R>> =>
        !this.sqlite.inTransaction && isWrite(query) ? this.autocommitWrite(() => inner.executeQuery<R>(query)) : inner.executeQuery<R>(query),
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
      await this.inner.executeQuery(CompiledQuery.raw('commit'));
    } finally {
      this.endWrite();
    }
  }

  override async rollbackTransaction(): Promise<void> {
    try {
      await this.inner.executeQuery(CompiledQuery.raw('rollback'));
    } finally {
      this.endWrite();
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
      return await this.whenWritable(write);
    } finally {
      this.turn.writeDone();
    }
  }

  /**
   * Runs `start` (a statement that takes the write lock) once no worker writes, without SQLite's
   * busy handler; waits asynchronously, with the connection lent, whenever the lock is taken.
   */
  private async whenWritable<T>(start: () => Promise<T>): Promise<T> {
    const deadline = performance.now() + BUSY_TIMEOUT_MS;
    for (;;) {
      if (this.turn.workerWriting()) await this.lend(this.turn.workerDone(Math.max(0, deadline - performance.now())));
      if (this.turn.jobsWriting() && !this.sqlite.memory) await this.lend(syncWalOffThread(this.sqlite.name));
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
        return await started;
      } catch (error) {
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
