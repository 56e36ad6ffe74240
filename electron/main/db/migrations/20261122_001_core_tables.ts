import { sql, type Kysely } from 'kysely';

/**
 * The mirror's core tables. STRICT everywhere; dates are ISO strings ('YYYY-MM-DD' for calendar
 * dates, full ISO-8601 UTC for instants); booleans are 0/1 integers with a CHECK.
 */
const statements = [
  `CREATE TABLE families (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     version INTEGER NOT NULL DEFAULT 1,
     updated_at TEXT NOT NULL
   ) STRICT`,

  `CREATE TABLE patients (
     id TEXT PRIMARY KEY,
     chart_number TEXT NOT NULL UNIQUE,
     family_id TEXT REFERENCES families(id),
     first_name TEXT NOT NULL,
     last_name TEXT NOT NULL,
     date_of_birth TEXT,
     sex TEXT CHECK (sex IN ('F', 'M', 'X')),
     status TEXT NOT NULL CHECK (status IN ('Active', 'Inactive', 'Transferred', 'Deceased', 'Merged', 'In Collections')),
     portal_linked INTEGER NOT NULL DEFAULT 0 CHECK (portal_linked IN (0, 1)),
     version INTEGER NOT NULL DEFAULT 1,
     updated_at TEXT NOT NULL
   ) STRICT`,
  `CREATE INDEX patients_family ON patients(family_id)`,

  `CREATE TABLE contacts (
     id TEXT PRIMARY KEY,
     first_name TEXT NOT NULL DEFAULT '',
     last_name TEXT NOT NULL DEFAULT '',
     email TEXT,
     mobile_phone TEXT,
     home_phone TEXT,
     preferred_reminder TEXT CHECK (preferred_reminder IN ('Email', 'Text', 'Phone', 'None')),
     language TEXT NOT NULL DEFAULT 'en',
     has_portal_account INTEGER NOT NULL DEFAULT 0 CHECK (has_portal_account IN (0, 1)),
     version INTEGER NOT NULL DEFAULT 1,
     updated_at TEXT NOT NULL
   ) STRICT`,

  `CREATE TABLE patient_contacts (
     patient_id TEXT NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
     contact_id TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
     sort INTEGER,
     relationship TEXT NOT NULL DEFAULT '',
     authority TEXT CHECK (authority IN ('Joint', 'Exclusive', 'None')),
     resides_with INTEGER NOT NULL DEFAULT 0 CHECK (resides_with IN (0, 1)),
     portal_flag INTEGER NOT NULL DEFAULT 0 CHECK (portal_flag IN (0, 1)),
     PRIMARY KEY (patient_id, contact_id)
   ) STRICT, WITHOUT ROWID`,
  `CREATE INDEX patient_contacts_contact ON patient_contacts(contact_id)`,

  `CREATE TABLE appointments (
     id TEXT PRIMARY KEY,
     patient_id TEXT NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
     starts_at TEXT NOT NULL,
     provider TEXT NOT NULL DEFAULT '',
     reason TEXT NOT NULL DEFAULT '',
     updated_at TEXT NOT NULL
   ) STRICT`,
  `CREATE INDEX appointments_start ON appointments(starts_at)`,
  `CREATE INDEX appointments_patient ON appointments(patient_id)`,

  `CREATE TABLE clerks (
     id TEXT PRIMARY KEY,
     username TEXT NOT NULL UNIQUE,
     display_name TEXT NOT NULL,
     role TEXT NOT NULL CHECK (role IN ('admin', 'clerk')),
     password_hash TEXT,
     active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
     created_at TEXT NOT NULL
   ) STRICT`,

  `CREATE TABLE pins (
     id TEXT PRIMARY KEY,
     patient_id TEXT NOT NULL REFERENCES patients(id),
     batch_id TEXT NOT NULL,
     pin_hash TEXT NOT NULL,
     pin_fingerprint TEXT NOT NULL,
     issued_at TEXT NOT NULL,
     expires_at TEXT NOT NULL,
     issued_by TEXT NOT NULL REFERENCES clerks(id),
     workstation TEXT NOT NULL,
     delivery TEXT NOT NULL CHECK (delivery IN ('email', 'print')),
     recipient_contact_id TEXT REFERENCES contacts(id),
     status TEXT NOT NULL DEFAULT 'issued' CHECK (status IN ('issued', 'redeemed', 'revoked')),
     redeemed_at TEXT
   ) STRICT`,
  `CREATE INDEX pins_patient ON pins(patient_id, issued_at)`,
  `CREATE INDEX pins_batch ON pins(batch_id)`,
  `CREATE INDEX pins_fingerprint ON pins(pin_fingerprint)`,

  `CREATE TABLE outbox (
     id TEXT PRIMARY KEY,
     kind TEXT NOT NULL,
     ref TEXT,
     payload TEXT NOT NULL,
     depends_on TEXT REFERENCES outbox(id),
     status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'needs_attention', 'dismissed')),
     attempts INTEGER NOT NULL DEFAULT 0,
     next_attempt_at TEXT NOT NULL,
     last_error TEXT,
     created_at TEXT NOT NULL,
     delivered_at TEXT
   ) STRICT`,
  `CREATE INDEX outbox_due ON outbox(status, next_attempt_at)`,
  `CREATE INDEX outbox_ref ON outbox(ref)`,

  `CREATE TABLE sync_state (
     key TEXT PRIMARY KEY,
     value TEXT NOT NULL
   ) STRICT`,

  `CREATE TABLE settings (
     key TEXT PRIMARY KEY,
     value TEXT NOT NULL
   ) STRICT`,

  `CREATE TABLE audit_log (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     at TEXT NOT NULL,
     clerk_id TEXT,
     workstation TEXT NOT NULL,
     action TEXT NOT NULL,
     patient_id TEXT,
     details TEXT NOT NULL DEFAULT '{}'
   ) STRICT`,
  `CREATE INDEX audit_log_patient ON audit_log(patient_id)`,
  `CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
     BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`,
  `CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
     BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}
