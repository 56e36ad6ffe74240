import { sql, type Kysely, type Transaction } from 'kysely';
import type { AuditAction } from '../../../shared/audit/actions';
import { AUDIT_HASH_FUNCTION, GENESIS_HASH } from '../db/auditChain';
import type { Database } from '../db/schema';

export interface AuditEntry {
  action: AuditAction;
  clerkId: string | null;
  workstation: string;
  patientId?: string | null;
  /** What changed. Never a PIN. */
  details?: Record<string, unknown>;
  at: Date;
}

/** One row into the chain in one statement: next id, previous hash and own hash read and written under SQLite's write lock. */
function appendRow(db: Kysely<Database> | Transaction<Database>, entry: AuditEntry) {
  const at = entry.at.toISOString();
  const patientId = entry.patientId ?? null;
  const details = JSON.stringify(entry.details ?? {});
  // Raw SQL: an INSERT … SELECT that reads sqlite_sequence and calls the chain's SQL function, which Kysely's insert builder cannot express.
  return sql`
    INSERT INTO audit_log (id, at, clerk_id, workstation, action, patient_id, details, prev_hash, hash)
    SELECT n.id, ${at}, ${entry.clerkId}, ${entry.workstation}, ${entry.action}, ${patientId}, ${details}, n.prev,
           ${sql.raw(AUDIT_HASH_FUNCTION)}(n.prev, n.id, ${at}, ${entry.clerkId}, ${entry.workstation}, ${entry.action}, ${patientId}, ${details})
    FROM (SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'), 0), coalesce((SELECT max(id) FROM audit_log), 0)) + 1 AS id,
                 coalesce((SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1), ${GENESIS_HASH}) AS prev) AS n`.execute(db);
}

/**
 * Appends rows to the append-only audit log, inside the caller's transaction when given, each
 * chained to the row before it within its INSERT statement (see db/auditChain.ts), so parallel callers and
 * other connections cannot fork the chain. One row brings its hashes (INSERT … SELECT, checked by
 * the database: one change in total_changes(), which the bulk snapshot cache counts on); several
 * rows go in one plain multi-row INSERT that the database's trigger chains row by row (one
 * statement to prepare instead of one per row).
 */
export async function appendAudit(db: Kysely<Database> | Transaction<Database>, entries: AuditEntry | AuditEntry[]): Promise<void> {
  const list = Array.isArray(entries) ? entries : [entries];
  if (list.length === 0) return;
  if (list.length === 1) {
    await appendRow(db, list[0]!);
    return;
  }
  await db
    .insertInto('audit_log')
    .values(
      list.map((entry) => ({
        at: entry.at.toISOString(),
        clerk_id: entry.clerkId,
        workstation: entry.workstation,
        action: entry.action,
        patient_id: entry.patientId ?? null,
        details: JSON.stringify(entry.details ?? {}),
      })),
    )
    .execute();
}
