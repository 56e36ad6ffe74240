import { sql, type Kysely } from 'kysely';

/**
 * Enrollment state across desks (SPEC 3.4, issue 10) and records set aside by the pull (issue 11).
 *
 * - `desk_pins`: PINs the practice system reports from every desk (sync v2), this desk's included.
 *   The plan treats them like local `pins` rows: a child holding an unredeemed, unexpired PIN from
 *   any desk is not given another by default. No foreign key to `patients`: a fact may arrive
 *   before (or after the removal of) the patient it names.
 * - `guardian_enrollment`: per guardian, when the practice system granted them their one Welcome
 *   email (from any desk) and when their portal account was created.
 * - `pins.replaces_pin_id`: "Replace this child's PIN" (SPEC 3.6): the replacement revokes the PIN
 *   it replaces once the portal has it, never before, so nothing printed dies behind the clerk.
 * - `sync_problems`: a pulled record that failed validation, kept aside (id, kind, why) for an
 *   administrator while the rest of its page is applied.
 */
const statements = [
  `CREATE TABLE desk_pins (
     pin_id TEXT PRIMARY KEY,
     patient_id TEXT NOT NULL,
     issued_at TEXT NOT NULL,
     expires_at TEXT NOT NULL,
     workstation TEXT NOT NULL,
     issued_by TEXT NOT NULL,
     delivery TEXT NOT NULL CHECK (delivery IN ('email', 'print')),
     status TEXT NOT NULL CHECK (status IN ('issued', 'redeemed', 'revoked')),
     redeemed_at TEXT
   ) STRICT`,
  `CREATE INDEX desk_pins_patient ON desk_pins(patient_id)`,
  `CREATE TABLE guardian_enrollment (
     contact_id TEXT PRIMARY KEY,
     welcome_at TEXT,
     welcome_workstation TEXT,
     account_at TEXT
   ) STRICT`,
  `ALTER TABLE pins ADD COLUMN replaces_pin_id TEXT REFERENCES pins(id)`,
  `ALTER TABLE pins ADD COLUMN replace_reason TEXT`,
  `CREATE INDEX pins_recipient ON pins(recipient_contact_id)`,
  `CREATE TABLE sync_problems (
     id INTEGER PRIMARY KEY,
     kind TEXT NOT NULL,
     record_id TEXT NOT NULL,
     problem TEXT NOT NULL,
     cursor TEXT NOT NULL,
     seen_at TEXT NOT NULL,
     UNIQUE (kind, record_id)
   ) STRICT`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}
