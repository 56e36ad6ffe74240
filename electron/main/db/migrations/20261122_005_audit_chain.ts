import { hash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';

/**
 * The audit log's hash chain (see db/auditChain.ts for what it is today): `prev_hash` and `hash`
 * on every row, existing rows hashed in id order, and triggers so that no row is ever stored
 * outside the chain:
 *  - a row that comes with its hashes (appendAudit computes them in its INSERT … SELECT) is
 *    refused unless `prev_hash` is the last row's hash and `hash` is right for its content;
 *  - a row that comes without (a plain INSERT, as the import writes) is chained by the database
 *    in the same statement (AFTER INSERT), from whichever connection;
 *  - rows go after the last row only;
 *  - the only UPDATE allowed is that trigger filling the two hash columns of a row that has none
 *    (which exists only inside its own INSERT statement); everything else is still refused.
 */

// A migration keeps doing what it did when it was written, whatever the live code becomes: this
// one has its own frozen copy of version 1 of the chain's encoding instead of importing the live
// chain (db/auditChain.ts, which was audit/chain.ts when this was written). The triggers below call
// the SQL function by this name, so the live code must keep registering it (AUDIT_HASH_FUNCTION);
// a test checks that both hash a row alike (tests/unit/db/auditChain.migration.test.ts).
const AUDIT_HASH_FUNCTION = 'fpp_audit_hash';
const GENESIS_HASH = '0'.repeat(64);

interface Row {
  id: number;
  at: string;
  clerk_id: string | null;
  workstation: string;
  action: string;
  patient_id: string | null;
  details: string;
}

/** Version 1 of the chain's row hash, as the live chain had it when this migration was written. */
function rowHashV1(prevHash: string, row: Row): string {
  const canonical = JSON.stringify(['fpp-audit-chain-v1', prevHash, row.id, row.at, row.clerk_id, row.workstation, row.action, row.patient_id, row.details]);
  return hash('sha256', canonical, 'hex');
}

const HEX_64 = (column: string) => `${column} IS NULL OR (length(${column}) = 64 AND ${column} NOT GLOB '*[^0-9a-f]*')`;

const addColumns = [
  `ALTER TABLE audit_log ADD COLUMN prev_hash TEXT CHECK (${HEX_64('prev_hash')})`,
  `ALTER TABLE audit_log ADD COLUMN hash TEXT CHECK (${HEX_64('hash')})`,
  // The audit screen filters by date and action, newest first.
  `CREATE INDEX audit_log_at ON audit_log(at)`,
  `CREATE INDEX audit_log_action ON audit_log(action)`,
];

const unchanged = ['id', 'at', 'clerk_id', 'workstation', 'action', 'patient_id', 'details'].map((c) => `NEW.${c} IS OLD.${c}`).join(' AND ');

const triggers = [
  `CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
     WHEN NOT (OLD.hash IS NULL AND OLD.prev_hash IS NULL AND NEW.hash IS NOT NULL AND NEW.prev_hash IS NOT NULL AND ${unchanged})
     BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`,
  `CREATE TRIGGER audit_log_hash_checked BEFORE INSERT ON audit_log
     WHEN NEW.hash IS NOT NULL OR NEW.prev_hash IS NOT NULL
     BEGIN
       SELECT RAISE(ABORT, 'audit_log row does not follow the last row')
         WHERE NEW.prev_hash IS NOT coalesce((SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1), '${GENESIS_HASH}');
       SELECT RAISE(ABORT, 'audit_log row hash does not match its content')
         WHERE NEW.hash IS NOT ${AUDIT_HASH_FUNCTION}(NEW.prev_hash, NEW.id, NEW.at, NEW.clerk_id, NEW.workstation, NEW.action, NEW.patient_id, NEW.details);
     END`,
  `CREATE TRIGGER audit_log_append_at_end AFTER INSERT ON audit_log
     BEGIN
       SELECT RAISE(ABORT, 'audit_log rows are appended after the last row') WHERE EXISTS (SELECT 1 FROM audit_log WHERE id > NEW.id);
     END`,
  `CREATE TRIGGER audit_log_chain AFTER INSERT ON audit_log WHEN NEW.hash IS NULL
     BEGIN
       UPDATE audit_log SET (prev_hash, hash) = (
         SELECT p, ${AUDIT_HASH_FUNCTION}(p, NEW.id, NEW.at, NEW.clerk_id, NEW.workstation, NEW.action, NEW.patient_id, NEW.details)
         FROM (SELECT coalesce((SELECT hash FROM audit_log WHERE id < NEW.id ORDER BY id DESC LIMIT 1), '${GENESIS_HASH}') AS p)
       ) WHERE id = NEW.id;
       SELECT RAISE(ABORT, 'audit_log row was not chained') WHERE (SELECT hash FROM audit_log WHERE id = NEW.id) IS NULL;
     END`,
];

/** Rows hashed per read while backfilling (an old log is never all in memory). */
const BACKFILL_SLICE = 5_000;

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of addColumns) await sql.raw(statement).execute(db);
  // The backfill is the one UPDATE of history this app ever makes; the trigger comes back below.
  await sql.raw('DROP TRIGGER audit_log_no_update').execute(db);
  let prev = GENESIS_HASH;
  let after = 0;
  for (;;) {
    const { rows } = await sql<Row>`
      SELECT id, at, clerk_id, workstation, action, patient_id, details FROM audit_log
      WHERE id > ${after} ORDER BY id LIMIT ${BACKFILL_SLICE}`.execute(db);
    if (rows.length === 0) break;
    for (const row of rows) {
      const rowHash = rowHashV1(prev, row);
      await sql`UPDATE audit_log SET prev_hash = ${prev}, hash = ${rowHash} WHERE id = ${row.id}`.execute(db);
      prev = rowHash;
      after = row.id;
    }
  }
  for (const statement of triggers) await sql.raw(statement).execute(db);
}
