import type BetterSqlite3 from 'better-sqlite3';
import type { AuditVerification } from '../../../shared/audit/api';
import type { Db } from '../db/open';
import { yieldToEventLoop } from '../lib/pacing';
import { ChainVerifier, VERIFIED_HEAD_KEY, VerificationStopped, sliceReader, type VerifiedHead } from './chainVerifier';
import { findVerifyWorker, verifyInWorkers } from './verifyWorkers';

export { ChainVerifier, VERIFIED_HEAD_KEY, VerificationStopped, type VerifiedHead };

/**
 * Verification of the audit log's hash chain (see db/auditChain.ts). Rows are read in id order, a slice
 * at a time, and each row's hash is recomputed from its stored columns and the previous row's
 * hash, so memory stays constant whatever the size of the log. Between slices the event loop
 * gets control back (the check at start never holds up the app), and each slice is read while
 * holding Kysely's connection lock, so no half-finished transaction of the app is ever read.
 *
 * What it finds, at the first row where the chain breaks:
 *  - altered: a row's hash does not match its content (or it has no valid hash);
 *  - removed: a row's previous-hash link does not match the row before it (ids missing between
 *    them, or a row replaced);
 *  - truncated: rows at the end are gone: SQLite's AUTOINCREMENT counter, or the head recorded by
 *    the last successful check, is beyond the last row.
 */

export interface VerifyOptions {
  /** Rows per read between yields to the event loop. */
  sliceRows?: number;
  now?: () => Date;
  /** Called after each slice (the bench samples memory here). */
  onSlice?: (rowsChecked: number) => void;
  /** Rows checked so far of the rows the check covers (the audit screen and the status bar show it). */
  onProgress?: (progress: { rowsChecked: number; rowsTotal: number }) => void;
  /** Stops between slices (the app is closing): the promise rejects with VerificationStopped. */
  signal?: AbortSignal;
  /**
   * Check in worker threads, each over its own connection and its own range of rows (see
   * verifyWorkers.ts); the main thread then only joins the ranges. Without it (or when no worker
   * script is found) the check runs in slices on the app's connection.
   */
  workers?: VerifyWorkers;
}

export interface VerifyWorkers {
  /** The mirror file each worker opens read-only. */
  databaseFile: string;
  /** better-sqlite3 build for Electron's ABI, as given to openDatabase. */
  nativeBinding?: string;
  /** How many workers (default: one per core, at most 4). */
  count?: number;
  /** Rows per range handed to a worker (default: about 8 ranges per worker, at most 50,000 rows each). */
  chunkRows?: number;
  /** Below this many rows the check stays on the app's connection (a worker's start costs more). Default 50,000. */
  minRows?: number;
  /** The built worker entry; by default found beside the bundle, or the .ts through tsx from sources. */
  script?: string | URL;
}

function readHead(sqlite: BetterSqlite3.Database): VerifiedHead | null {
  // Synchronous better-sqlite3: read inside the locked start-up read below, where an async Kysely query would wait on the lock it is under.
  const raw = sqlite.prepare('SELECT value FROM sync_state WHERE key = ?').pluck().get(VERIFIED_HEAD_KEY) as string | undefined;
  if (!raw) return null;
  try {
    const head = JSON.parse(raw) as Partial<VerifiedHead>;
    return typeof head.id === 'number' && typeof head.hash === 'string' ? { id: head.id, hash: head.hash } : null;
  } catch {
    return null;
  }
}

/**
 * Recomputes the whole chain up to the last row present when the check starts. Reads only; the
 * caller records the result (see chainMonitor.ts).
 */
export async function verifyAuditChain(db: Db, sqlite: BetterSqlite3.Database, options: VerifyOptions = {}): Promise<AuditVerification> {
  const now = options.now ?? (() => new Date());
  const sliceRows = options.sliceRows ?? 2_000;
  const started = performance.now();
  const checkedAt = now().toISOString();
  /** Holds Kysely's connection lock (no open transaction of the app) while `read` runs. */
  const locked = <T>(read: () => T): Promise<T> => db.connection().execute(async () => read());

  // One statement, one snapshot: another connection (the import worker) may commit at any moment.
  // Under the lock no transaction of the app is open, so every row up to lastId is committed and
  // the workers' own connections see them.
  const start = await locked(() => {
    // Synchronous better-sqlite3 under the lock (see readHead); both ends in one statement, one snapshot.
    const ends = sqlite
      .prepare(`SELECT (SELECT max(id) FROM audit_log) AS lastId, (SELECT seq FROM sqlite_sequence WHERE name = 'audit_log') AS issued`)
      .get() as { lastId: number | null; issued: number | null };
    return { lastId: ends.lastId, issued: ends.issued ?? 0, head: readHead(sqlite) };
  });
  const end = start.lastId ?? 0;
  const verifier = new ChainVerifier(start.head);
  const progress = (rowsChecked: number) => options.onProgress?.({ rowsChecked, rowsTotal: end });
  const launch = options.workers && end >= (options.workers.minRows ?? 50_000) ? findVerifyWorker(options.workers.script) : null;
  if (launch && options.workers) {
    await verifyInWorkers(verifier, launch, {
      ...options.workers,
      end,
      head: start.head,
      sliceRows: options.sliceRows ?? 5_000,
      signal: options.signal,
      onProgress: progress,
    });
  } else {
    const reader = sliceReader(sqlite);
    for (let after = 0; after < end && !verifier.problem; after += sliceRows) {
      const upTo = Math.min(end, after + sliceRows);
      await locked(() => reader.check(verifier, after, upTo));
      options.onSlice?.(verifier.rows);
      progress(verifier.rows);
      await yieldToEventLoop();
      if (options.signal?.aborted) throw new VerificationStopped();
    }
  }
  // The counter read at the start: rows appended since are not this check's business.
  verifier.finish(Math.max(start.issued, end));
  return {
    ok: verifier.problem === null,
    rowsChecked: verifier.rows,
    lastId: verifier.lastRowId,
    checkedAt,
    ms: Math.round(performance.now() - started),
    problem: verifier.problem,
  };
}
