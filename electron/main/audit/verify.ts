import type BetterSqlite3 from 'better-sqlite3';
import type { AuditProblem, AuditVerification } from '../../../shared/audit/api';
import { auditActionLabel } from '../../../shared/audit/words';
import type { Db } from '../db/open';
import { yieldToEventLoop } from '../lib/pacing';
import { GENESIS_HASH, auditRowHash, type ChainedColumns } from '../db/auditChain';

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

export interface StoredRow extends ChainedColumns {
  prev_hash: string | null;
  hash: string | null;
}

type RawRow = [number, string, string | null, string, string, string | null, string, string | null, string | null];

/** The newest row a successful check vouched for, kept in sync_state. */
export interface VerifiedHead {
  id: number;
  hash: string;
}

export const VERIFIED_HEAD_KEY = 'audit_verified_head';

const HEX_64 = /^[0-9a-f]{64}$/;

/** "2026-11-22T15:04:05.123Z" → "2026-11-22 15:04:05 UTC" (the stored text as is when it is not an instant). */
function utc(at: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.\d+)?Z$/.exec(at);
  return match ? `${match[1]} ${match[2]} UTC` : at;
}

function describe(row: Pick<StoredRow, 'id' | 'at' | 'action'>): string {
  return `row ${row.id} (${auditActionLabel(row.action)}, ${utc(row.at)})`;
}

const WHAT_TO_DO = 'Keep this computer as it is, export the audit log, and tell your practice’s compliance officer or IT.';

/**
 * The chain rule, one row at a time, independent of where rows come from. `check` returns false
 * once a problem is found; `problem` then says which row and what.
 */
export class ChainVerifier {
  private expectedPrev = GENESIS_HASH;
  private lastId = 0;
  rows = 0;
  problem: AuditProblem | null = null;

  constructor(private readonly head: VerifiedHead | null = null) {}

  get lastRowId(): number | null {
    return this.lastId === 0 ? null : this.lastId;
  }

  private fail(kind: AuditProblem['kind'], row: Pick<StoredRow, 'id' | 'at' | 'action'> | null, rowId: number, message: string): false {
    this.problem = {
      kind,
      rowId,
      at: row?.at ?? null,
      action: row?.action ?? null,
      actionLabel: row ? auditActionLabel(row.action) : null,
      message: `${message} ${WHAT_TO_DO}`,
    };
    return false;
  }

  check(row: StoredRow): boolean {
    if (this.problem) return false;
    // Ids are contiguous (AUTOINCREMENT, rows never deleted, a rolled-back insert takes its id back):
    // a gap is a removal even where the link looks right (rows appended after a removed tail).
    const gap = row.id !== this.lastId + 1;
    if (gap || row.prev_hash !== this.expectedPrev) {
      const missing = gap
        ? row.id - this.lastId === 2
          ? `row ${this.lastId + 1} is missing`
          : `rows ${this.lastId + 1} to ${row.id - 1} are missing`
        : `the row before it was replaced`;
      const before = this.lastId === 0 ? 'at the start of the log' : `after row ${this.lastId}`;
      return this.fail('removed', gap ? null : row, gap ? this.lastId + 1 : row.id, `The audit log was changed: ${missing} ${before} (the chain breaks at ${describe(row)}).`);
    }
    if (row.hash === null || !HEX_64.test(row.hash) || auditRowHash(row.prev_hash, row) !== row.hash) {
      return this.fail('altered', row, row.id, `The audit log was changed: ${describe(row)} no longer matches what was written.`);
    }
    if (this.head && row.id === this.head.id && row.hash !== this.head.hash) {
      return this.fail('altered', row, row.id, `The audit log was rewritten: ${describe(row)} differs from the one the last check found.`);
    }
    this.expectedPrev = row.hash;
    this.lastId = row.id;
    this.rows += 1;
    return true;
  }

  /** After the last row: rows that once existed beyond it were removed. `highestIssuedId` is SQLite's AUTOINCREMENT counter. */
  finish(highestIssuedId: number): boolean {
    if (this.problem) return false;
    const expectedEnd = Math.max(highestIssuedId, this.head?.id ?? 0);
    if (expectedEnd > this.lastId) {
      const count = expectedEnd - this.lastId;
      return this.fail(
        'truncated',
        null,
        this.lastId + 1,
        `The audit log was changed: the last ${count === 1 ? 'row' : `${count.toLocaleString('en-US')} rows`} (from row ${this.lastId + 1}) ${count === 1 ? 'was' : 'were'} removed.`,
      );
    }
    return true;
  }
}

export interface VerifyOptions {
  /** Rows per read between yields to the event loop. */
  sliceRows?: number;
  now?: () => Date;
  /** Called after each slice (the bench samples memory here). */
  onSlice?: (rowsChecked: number) => void;
  /** Stops between slices (the app is closing): the promise rejects with VerificationStopped. */
  signal?: AbortSignal;
}

export class VerificationStopped extends Error {
  constructor() {
    super('Audit log verification stopped');
    this.name = 'VerificationStopped';
  }
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
  const start = await locked(() => {
    // Synchronous better-sqlite3 under the lock (see readHead); both ends in one statement, one snapshot.
    const ends = sqlite
      .prepare(`SELECT (SELECT max(id) FROM audit_log) AS lastId, (SELECT seq FROM sqlite_sequence WHERE name = 'audit_log') AS issued`)
      .get() as { lastId: number | null; issued: number | null };
    return { lastId: ends.lastId, issued: ends.issued ?? 0, head: readHead(sqlite) };
  });
  const verifier = new ChainVerifier(start.head);
  // Synchronous better-sqlite3 with .raw() rows: millions of rows checked in slices, without Kysely's per-row objects.
  const slice = sqlite.prepare(
    'SELECT id, at, clerk_id, workstation, action, patient_id, details, prev_hash, hash FROM audit_log WHERE id > ? AND id <= ? ORDER BY id LIMIT ?',
  ).raw(); // arrays: fewer allocations per row than row objects
  let after = 0;
  const end = start.lastId ?? 0;
  while (after < end && !verifier.problem) {
    const read = await locked(() => {
      // One slice in memory at a time (all() costs far less per row than iterate()).
      const rows = slice.all(after, end, sliceRows) as RawRow[];
      for (const [id, at, clerk_id, workstation, action, patient_id, details, prev_hash, hash] of rows) {
        after = id;
        if (!verifier.check({ id, at, clerk_id, workstation, action, patient_id, details, prev_hash, hash })) break;
      }
      return rows.length;
    });
    if (read === 0) break;
    options.onSlice?.(verifier.rows);
    await yieldToEventLoop();
    if (options.signal?.aborted) throw new VerificationStopped();
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
