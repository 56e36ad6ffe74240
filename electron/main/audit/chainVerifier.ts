import type BetterSqlite3 from 'better-sqlite3';
import type { AuditProblem } from '../../../shared/audit/api';
import { auditActionLabel } from '../../../shared/audit/words';
import { AUDIT_CANONICAL_HEAD, GENESIS_HASH, auditCanonicalSql, auditHashOf, auditHashOfCanonical, type ChainedColumns } from '../db/auditChain';

/**
 * The chain rule of the audit log's verification (see verify.ts), one row at a time, and the
 * slice reads both the app's connection and the verification workers use.
 */

export interface StoredRow extends ChainedColumns {
  prev_hash: string | null;
  hash: string | null;
}

/** A row as `.raw()` reads it, in SLICE_COLUMNS order. */
export type RawRow = [number, string, string | null, string, string, string | null, string, string | null, string | null];

/** A row as the fast path reads it: id, prev_hash, hash and the canonical encoding SQLite built (auditCanonicalSql). */
export type FastRow = [number, string | null, string | null, string];

/**
 * A row as the packed read gives it (PACKED_SQL): its stored hash (exactly 64 characters) and
 * right after it the canonical encoding SQLite built, in one string; null when the stored hash is
 * missing or not 64 characters long.
 */
export type PackedRow = string | null;

const HASH_LENGTH = 64;
/** Where a packed row's link (the canonical encoding's previous hash) starts. */
const PREV_AT = HASH_LENGTH + AUDIT_CANONICAL_HEAD.length;
const QUOTE = 0x22;

/** The columns a check reads, in RawRow order. */
export const SLICE_COLUMNS = 'id, at, clerk_id, workstation, action, patient_id, details, prev_hash, hash';

/** The newest row a successful check vouched for, kept in sync_state. */
export interface VerifiedHead {
  id: number;
  hash: string;
}

export const VERIFIED_HEAD_KEY = 'audit_verified_head';

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
  /** null: the first row's link is taken as it is (a slice in a worker; the lead checks the join). */
  private expectedPrev: string | null;
  private lastId: number;
  rows = 0;
  problem: AuditProblem | null = null;

  /** `start`: check from after row `afterId` (default: the beginning of the log). */
  constructor(
    private readonly head: VerifiedHead | null = null,
    start: { afterId: number; prevHash: string | null } = { afterId: 0, prevHash: GENESIS_HASH },
  ) {
    this.lastId = start.afterId;
    this.expectedPrev = start.prevHash;
  }

  get lastRowId(): number | null {
    return this.lastId === 0 ? null : this.lastId;
  }

  /** The hash of the last row checked (the next row's expected link). */
  get lastHash(): string | null {
    return this.expectedPrev;
  }

  /** Takes over from a slice checked elsewhere: `rows` more rows, ending at row `lastId` with `lastHash`. */
  resume(lastId: number, lastHash: string, rows: number): void {
    this.lastId = lastId;
    this.expectedPrev = lastHash;
    this.rows += rows;
  }

  /** A problem found in a slice checked elsewhere, after `rows` more good rows. */
  adopt(problem: AuditProblem, rows: number): void {
    this.rows += rows;
    this.problem ??= problem;
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
    return this.checkRaw([row.id, row.at, row.clerk_id, row.workstation, row.action, row.patient_id, row.details, row.prev_hash, row.hash]);
  }

  /** check() on a row as `.raw()` reads it: no row object per row on the hot path. */
  checkRaw(raw: RawRow): boolean {
    if (this.problem) return false;
    const [id, at, clerkId, workstation, action, patientId, details, prevHash, hash] = raw;
    // Ids are contiguous (AUTOINCREMENT, rows never deleted, a rolled-back insert takes its id back):
    // a gap is a removal even where the link looks right (rows appended after a removed tail).
    const gap = this.expectedPrev !== null && id !== this.lastId + 1;
    if (gap || (this.expectedPrev !== null && prevHash !== this.expectedPrev)) {
      const row = { id, at, action };
      const missing = gap
        ? id - this.lastId === 2
          ? `row ${this.lastId + 1} is missing`
          : `rows ${this.lastId + 1} to ${id - 1} are missing`
        : `the row before it was replaced`;
      const before = this.lastId === 0 ? 'at the start of the log' : `after row ${this.lastId}`;
      return this.fail(
        'removed',
        gap ? null : row,
        gap ? this.lastId + 1 : id,
        `The audit log was changed: ${missing} ${before} (the chain breaks at ${describe(row)}).`,
      );
    }
    // The recomputed hash is always 64 hex digits: equal to it is also the stored hash's format check.
    if (hash === null || prevHash === null || auditHashOf(prevHash, id, at, clerkId, workstation, action, patientId, details) !== hash) {
      return this.fail('altered', { id, at, action }, id, `The audit log was changed: ${describe({ id, at, action })} no longer matches what was written.`);
    }
    if (this.head && id === this.head.id && hash !== this.head.hash) {
      return this.fail(
        'altered',
        { id, at, action },
        id,
        `The audit log was rewritten: ${describe({ id, at, action })} differs from the one the last check found.`,
      );
    }
    this.expectedPrev = hash;
    this.lastId = id;
    this.rows += 1;
    return true;
  }

  /**
   * check() on a row as the fast path reads it. A row that passes every test here passed them all;
   * any other (a broken link, a hash that differs, the recorded head) is read whole with `full`
   * and judged by checkRaw, the rule, which also words the problem.
   */
  checkFast(row: FastRow, full: (id: number) => RawRow): boolean {
    if (this.problem) return false;
    const [id, prevHash, hash, canonical] = row;
    const linked = this.expectedPrev === null || (id === this.lastId + 1 && prevHash === this.expectedPrev);
    const head = !this.head || id !== this.head.id;
    if (linked && head && hash !== null && prevHash !== null && auditHashOfCanonical(canonical) === hash) {
      this.expectedPrev = hash;
      this.lastId = id;
      this.rows += 1;
      return true;
    }
    return this.checkRaw(full(id));
  }

  /**
   * A whole slice, rows (after, upTo], as the packed read gives them (PackedRow): true when every
   * row passes (the state moves on to upTo); false, with nothing changed, when any row might not
   * (fewer rows than ids, a broken link, a hash that differs, the recorded head in the slice), and
   * the slice is then checked row by row by the rule (checkFastSlice), which words the problem.
   * Checks the same facts as checkRaw: ids after+1..upTo all there (as many rows as ids), each
   * link equal to the hash before it, each stored hash equal to its recomputed one.
   */
  checkPacked(rows: readonly PackedRow[], after: number, upTo: number): boolean {
    if (this.problem || after !== this.lastId || rows.length !== upTo - after) return false;
    if (this.head && this.head.id > after && this.head.id <= upTo) return false;
    let expected = this.expectedPrev;
    for (const row of rows) {
      // A null row: no hash, or one that is not 64 characters long (see PACKED_SQL). Otherwise the
      // encoding starts right after the hash, with AUDIT_CANONICAL_HEAD: the link, a JSON string, is
      // the expected hash exactly when those 64 characters follow the head and a quote closes them.
      if (row === null) return false;
      // slice + === rather than startsWith(…, position): a third of the JS time per row.
      if (expected !== null && !(row.slice(PREV_AT, PREV_AT + HASH_LENGTH) === expected && row.charCodeAt(PREV_AT + HASH_LENGTH) === QUOTE)) return false;
      const recomputed = auditHashOfCanonical(row.slice(HASH_LENGTH));
      if (row.slice(0, HASH_LENGTH) !== recomputed) return false;
      expected = recomputed;
    }
    if (rows.length > 0) {
      this.expectedPrev = expected;
      this.lastId = upTo;
      this.rows += rows.length;
    }
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

export class VerificationStopped extends Error {
  constructor() {
    super('Audit log verification stopped');
    this.name = 'VerificationStopped';
  }
}

/**
 * The fast path's reads: rows in (after, end] with SQLite building each row's canonical encoding,
 * `sliceRows` at a time, and one row read whole (for a row the fast check cannot pass).
 */
function fastSliceStatements(sqlite: BetterSqlite3.Database) {
  const slice = sqlite.prepare(`SELECT id, prev_hash, hash, ${auditCanonicalSql()} FROM audit_log WHERE id > ? AND id <= ? ORDER BY id LIMIT ?`).raw();
  const one = sqlite.prepare(`SELECT ${SLICE_COLUMNS} FROM audit_log WHERE id = ?`).raw();
  return {
    slice: (after: number, end: number, sliceRows: number) => slice.all(after, end, sliceRows) as FastRow[],
    full: (id: number) => one.get(id) as RawRow,
  };
}

/**
 * The packed read (one string per row: half the values SQLite hands to JS of the fast path's four,
 * the cost that dominated after the hash): rows in (after, upTo], whole id ranges, so that the
 * number of rows tells whether an id is missing.
 */
const PACKED_SQL = `SELECT iif(length(hash) = ${HASH_LENGTH}, hash || ${auditCanonicalSql()}, NULL) FROM audit_log WHERE id > ? AND id <= ? ORDER BY id`;

/**
 * The reads of a check, on one connection: `check` takes the rows (after, upTo], a slice of ids,
 * packed first (ChainVerifier.checkPacked) and row by row by the rule when that does not pass them;
 * `full` reads one row whole.
 */
export function sliceReader(sqlite: BetterSqlite3.Database) {
  const packed = sqlite.prepare(PACKED_SQL).pluck();
  const { slice, full } = fastSliceStatements(sqlite);
  return {
    full,
    check(verifier: ChainVerifier, after: number, upTo: number): void {
      if (!verifier.checkPacked(packed.all(after, upTo) as PackedRow[], after, upTo)) checkFastSlice(verifier, slice(after, upTo, upTo - after), full);
    },
  };
}

/** Checks one slice on the fast path; the id of its last row read, or null when there was none. */
function checkFastSlice(verifier: ChainVerifier, rows: FastRow[], full: (id: number) => RawRow): number | null {
  let last: number | null = null;
  for (const row of rows) {
    last = row[0];
    if (!verifier.checkFast(row, full)) break;
  }
  return last;
}
