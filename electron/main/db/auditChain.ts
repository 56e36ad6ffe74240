import { hash } from 'node:crypto';
import type BetterSqlite3 from 'better-sqlite3';
import type { Selectable } from 'kysely';
import type { AuditLogTable } from './schema';

/**
 * The audit log's hash chain. Each row carries `prev_hash` (the hash of the row before it, or
 * GENESIS_HASH for the first row) and `hash`, a SHA-256 over a canonical encoding of that
 * previous hash and the row's own columns. Removing, reordering or editing a row breaks the
 * chain from that row on, which verify.ts detects.
 *
 * Chaining happens inside the INSERT statement, under SQLite's write lock, so reading the previous
 * hash and writing the new row cannot interleave with another writer: appendAudit computes both
 * hashes in an INSERT … SELECT (the triggers of migration 005 check them), and a plain INSERT
 * without hashes (the import's) is chained by an AFTER INSERT trigger. Both call
 * AUDIT_HASH_FUNCTION, so a connection that appends audit rows must register it
 * (`registerAuditChain`); without it SQLite refuses the insert.
 */

/** The SQL function the chain triggers call: stored by name in migration 005's triggers, so never renamed. */
export const AUDIT_HASH_FUNCTION = 'fpp_audit_hash';

/** `prev_hash` of the first row. */
export const GENESIS_HASH = '0'.repeat(64);

/** Bumped only together with a migration that rehashes the chain. */
const ENCODING_VERSION = 'fpp-audit-chain-v1';

/** The columns of audit_log a row's hash covers (all but the two hashes), in the order the encoding takes them. */
export const CHAINED_COLUMNS = ['id', 'at', 'clerk_id', 'workstation', 'action', 'patient_id', 'details'] as const satisfies readonly Exclude<
  keyof AuditLogTable,
  'prev_hash' | 'hash'
>[];

/** Those columns of a row, exactly as SQLite holds them. */
export type ChainedColumns = Pick<Selectable<AuditLogTable>, (typeof CHAINED_COLUMNS)[number]>;

/**
 * SHA-256 (hex) over a JSON array of the version, the previous hash and the columns: JSON's string
 * escaping makes the encoding unambiguous (no separator a value could contain), and null stays
 * distinct from "null".
 */
export function auditRowHash(prevHash: string, row: ChainedColumns): string {
  return auditHashOf(prevHash, row.id, row.at, row.clerk_id, row.workstation, row.action, row.patient_id, row.details);
}

/**
 * The same hash from the columns as separate values, in CHAINED_COLUMNS order: the verification's
 * per-row path (no row object, no mapped array). auditRowHash is this; the encoding exists once.
 */
export function auditHashOf(
  prevHash: string,
  id: number,
  at: string,
  clerkId: string | null,
  workstation: string,
  action: string,
  patientId: string | null,
  details: string,
): string {
  const canonical = JSON.stringify([ENCODING_VERSION, prevHash, id, at, clerkId, workstation, action, patientId, details]);
  // One-shot hash(): several times faster than createHash() for inputs this small.
  return hash('sha256', canonical, 'hex');
}

/**
 * The same canonical encoding built by SQLite (json_array over the stored columns), for the
 * verification's fast path: SQLite's JSON text equals JSON.stringify's for every string it can
 * store (checked character by character in tests/unit/auditCanonicalSql.test.ts), so a row
 * read this way hashes to its stored hash. Where it would not (text that is not valid UTF-8),
 * the verifier checks that row again with auditHashOf, which stays the rule.
 * `alias`: the table's alias in the query, if any.
 */
export function auditCanonicalSql(alias = ''): string {
  const column = (name: string) => (alias ? `${alias}.${name}` : name);
  return `json_array('${ENCODING_VERSION}', ${column('prev_hash')}, ${CHAINED_COLUMNS.map(column).join(', ')})`;
}

/**
 * How every canonical encoding begins, up to the previous hash's first digit: a previous hash of
 * 64 hex digits sits right after it, followed by `"`. The verification's packed reads check a
 * row's link there, without reading prev_hash on its own.
 */
export const AUDIT_CANONICAL_HEAD = `[${JSON.stringify(ENCODING_VERSION)},"`;

/** SHA-256 (hex) of a canonical encoding built by auditCanonicalSql. */
export function auditHashOfCanonical(canonical: string): string {
  return hash('sha256', canonical, 'hex');
}

function textOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

/** Makes AUDIT_HASH_FUNCTION available on a connection (idempotent). */
export function registerAuditChain(sqlite: BetterSqlite3.Database): void {
  sqlite.function(AUDIT_HASH_FUNCTION, { deterministic: true, varargs: false }, (prev, id, at, clerkId, workstation, action, patientId, details) =>
    auditRowHash(String(prev), {
      id: Number(id),
      at: String(at),
      clerk_id: textOrNull(clerkId),
      workstation: String(workstation),
      action: String(action),
      patient_id: textOrNull(patientId),
      details: String(details),
    }),
  );
}
