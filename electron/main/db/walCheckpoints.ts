import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import type BetterSqlite3 from 'better-sqlite3';
import { deskNeverAsks, type DeskAsks, type WriteTurn } from './deskTurn';

/**
 * A job's WAL checkpoints (issue 14), run by the job's own connection between its transactions.
 * SQLite's automatic checkpoint (every 1,000 pages, at commit) copied the WAL back into the file
 * after nearly every short transaction of an import: each one rewrote, and synced, the pages of
 * the search index its rows landed on, about as long again as the transaction itself. Instead
 * the job's connection turns that off and copies the WAL back once every EVERY_MS, and once
 * more when the job ends; pages written by several transactions in between are copied once.
 * Not while a desk write asks for the lock, or the desk's journal is being synced (`deskAsks`, as
 * db/deskTurn.ts diskAsksOf): the checkpoint's writes and sync would share the disk with the desk's
 * own sync, which the clerk waits for; it runs at the next pause. The last one waits for such a
 * sync (at most 100 ms: `beforeLast`): in the bench, a journal sync that met an import's last
 * checkpoint took 103.6 ms against 2-5 ms.
 *
 * PASSIVE: it never waits for, nor blocks, the desk's readers or writers (it copies what no
 * reader still needs; the rest goes at the next one). The app's own connection does not
 * checkpoint while a job runs (jobs/jobRunner.ts), or a desk commit on the main thread would copy
 * the job's WAL there.
 */
export const CHECKPOINT_EVERY_MS = 2_000;
/**
 * How long the WAL's restart (below) waits for a reader still using the copied frames, SQLite's
 * busy handler on the job's thread, while the desk's writes wait for the job's turn. A reader
 * still there after it: the WAL goes on growing until the next checkpoint's try.
 */
export const RESTART_WAIT_MS = 10;

export interface WalCheckpoints {
  /** Between two transactions: copies the WAL back if EVERY_MS passed since the last copy. */
  maybe(): void;
  /** The job ended: copies back what is left. */
  now(): void;
}

/**
 * `restartTurn`: the job's way to take the write lock announced to the desk (db/deskTurn.ts
 * deskWriteTurn). With it, a checkpoint that copied every frame also has the WAL start over from
 * its first byte (`restart` below).
 */
export function walCheckpoints(
  sqlite: BetterSqlite3.Database,
  deskAsks: DeskAsks = deskNeverAsks,
  everyMs = CHECKPOINT_EVERY_MS,
  /** Before the last checkpoint, which cannot wait for the next pause: lets a desk sync under way finish first. */
  beforeLast: () => void = () => undefined,
  restartTurn?: WriteTurn,
): WalCheckpoints {
  sqlite.pragma('wal_autocheckpoint = 0');
  let last = performance.now();
  /** Another connection's commits since this one last looked (SQLite's data_version moves on each). */
  const version = () => sqlite.pragma('data_version', { simple: true });
  const copyBack = () => {
    const [state] = sqlite.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
    return state !== undefined && state.busy === 0 && state.log > 0 && state.checkpointed === state.log;
  };
  /**
   * A PASSIVE checkpoint copies the frames back but leaves the WAL where it ended: SQLite starts it
   * over only when a writer begins with every frame copied and no reader on any of them. At
   * 200,000 patients an import's WAL grew to 1.5 GB (386,575 frames): it started over after its
   * first five checkpoints, then after none of the next five: a desk write that began during the
   * copy committed after it, and the job appended behind it. Each transaction then appended to new
   * blocks of a growing file, and the file stayed that size on the clerk's disk until the app
   * closed. So once every frame is copied, the job takes the write lock in its turn and, if no other connection has committed since before the copy (`data_version`), asks SQLite
   * for a RESTART: with nothing left to copy it does no I/O, and waits (RESTART_WAIT_MS at most) for
   * readers to leave the WAL, so that the next writer starts it over. A desk write in between:
   * its frames are copied outside the turn and it tries again (twice more), so the desk never waits
   * for a copy or its sync. The job's last checkpoint does the same; the file then keeps its size
   * for the next job (SQLite deletes it when the app closes). Measured (import at 200,000
   * patients, bench/importBench.ts, one run each, 2026-12-05): the WAL file 1.5 GB at the end
   * (one probed run) against 475 MB, and the import 1.39-1.42x the raw insert + reindex against
   * 1.03x (1.01x and 1.08x in the full bench's two runs after).
   */
  const restart = (): true => {
    const timeout = sqlite.pragma('busy_timeout', { simple: true }) as number;
    sqlite.pragma(`busy_timeout = ${RESTART_WAIT_MS}`);
    try {
      sqlite.pragma('wal_checkpoint(RESTART)');
    } finally {
      sqlite.pragma(`busy_timeout = ${timeout}`);
    }
    return true;
  };
  const checkpoint = () => {
    let before = version();
    let copied = copyBack();
    // In the job's turn: no desk write begins meanwhile.
    for (let tries = 0; restartTurn && copied && tries < 3; tries++) {
      const seen = before;
      if (restartTurn(() => version() === seen && restart())) break;
      // The desk waits for the lock or its journal's sync: no copy beside it; the next checkpoint tries again.
      if (deskAsks()) break;
      before = version();
      copied = copyBack();
    }
    last = performance.now();
  };
  return {
    maybe: () => {
      if (performance.now() - last >= everyMs && !deskAsks()) checkpoint();
    },
    now: () => {
      beforeLast();
      checkpoint();
    },
  };
}

/**
 * How often a job syncs the WAL between its transactions. Its transactions commit without a sync
 * (synchronous NORMAL); a desk write syncs the whole WAL file before the clerk is told
 * (db/deskDriver.ts), so it would also wait for every job frame written since the last sync.
 * Synced here, outside any transaction, the job never holds the write lock during a sync (a FULL
 * commit did). Not while a desk write asks for the lock: that write syncs the same frames itself,
 * and two syncs side by side only make the disk slower for it. Every 50 ms rather than 250: a desk
 * write's own sync then finds less of the job's writes to flush (at 200,000 patients, during a pull,
 * the desk's plan + issue p99 fell from about 97 to 75 ms, same pull rate; issue 14).
 */
export const WAL_SYNC_EVERY_MS = 50;

export interface WalSync {
  /** Between two transactions: syncs the WAL file if EVERY_MS passed since the last sync. */
  maybe(): void;
  close(): void;
}

/**
 * Syncs `databaseFile`'s WAL through a descriptor of its own (fdatasync flushes the file, whoever
 * wrote it). SQLite keeps no lock on the WAL file itself (its locks are on the -shm file), so
 * opening and closing this descriptor releases none of them.
 */
export function walSync(databaseFile: string, deskAsks: DeskAsks = deskNeverAsks, everyMs = WAL_SYNC_EVERY_MS): WalSync {
  let fd: number | null = null;
  let last = performance.now();
  let failed = false;
  return {
    maybe() {
      if (failed || performance.now() - last < everyMs || deskAsks()) return;
      last = performance.now();
      try {
        if (fd === null) {
          if (!fs.existsSync(`${databaseFile}-wal`)) return; // not in WAL mode: every commit syncs its own journal
          fd = fs.openSync(`${databaseFile}-wal`, 'r+'); // writable: Windows flushes only a handle opened for writing
        }
        fs.fdatasyncSync(fd);
      } catch (error) {
        // Only the desk's commit gets slower (it syncs the job's frames itself); the job goes on.
        failed = true;
        console.warn(`job: the WAL could not be synced between transactions (${(error as Error).message}); the desk's commits will sync it.`);
      }
    },
    close() {
      if (fd !== null) fs.closeSync(fd);
      fd = null;
    },
  };
}

/**
 * Syncs `databaseFile`'s WAL in libuv's thread pool, for the desk (db/deskDriver.ts): while a job
 * writes in a worker, a desk write commits without SQLite's own sync and is made durable here,
 * off the main thread, before it is reported (issue 14: a FULL commit on main also synced every
 * job frame not yet synced, and held the event loop 60-150 ms). Throws when the file cannot be
 * synced: the write's caller must not be told it is safe.
 */
export async function syncWal(databaseFile: string): Promise<void> {
  const handle = await fs.promises.open(`${databaseFile}-wal`, 'r+'); // writable: Windows flushes only a handle opened for writing
  try {
    await handle.datasync();
  } finally {
    await handle.close();
  }
}
