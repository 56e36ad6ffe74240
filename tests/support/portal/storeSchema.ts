import type BetterSqlite3 from 'better-sqlite3';

/** The reference portal's own tables (beside the practice tables it shares with the app's schema), and their upgrade for an older portal file. */

const CHANGE_LOG_TABLE = `CREATE TABLE IF NOT EXISTS portal_change_log (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     kind TEXT NOT NULL CHECK (kind IN ('family', 'patient', 'contact', 'patientContact', 'appointment', 'pin', 'guardian')),
     record_id TEXT NOT NULL,
     deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
     merged_into TEXT
   )`;

export const PORTAL_TABLES = [
  CHANGE_LOG_TABLE,
  `CREATE TABLE IF NOT EXISTS portal_deliveries (
     delivery_id TEXT PRIMARY KEY,
     path TEXT NOT NULL,
     status INTEGER NOT NULL,
     body TEXT NOT NULL
   )`,
  `CREATE TABLE IF NOT EXISTS portal_enrollments (
     id TEXT PRIMARY KEY,
     delivery_id TEXT NOT NULL,
     pin_id TEXT NOT NULL UNIQUE,
     pin_hash TEXT NOT NULL,
     patient_id TEXT NOT NULL,
     date_of_birth TEXT NOT NULL,
     expires_at TEXT NOT NULL,
     account_owner_contact_id TEXT,
     redeemed_at TEXT,
     account_id TEXT
   )`,
  `CREATE INDEX IF NOT EXISTS portal_enrollments_dob ON portal_enrollments(date_of_birth)`,
  `CREATE TABLE IF NOT EXISTS portal_accounts (
     id TEXT PRIMARY KEY,
     email TEXT NOT NULL UNIQUE,
     password_hash TEXT NOT NULL,
     created_at TEXT NOT NULL
   )`,
  // v2: the one Welcome email per guardian the practice system granted (to whichever desk asked first).
  `CREATE TABLE IF NOT EXISTS portal_welcomes (
     contact_id TEXT PRIMARY KEY,
     granted_at TEXT NOT NULL,
     workstation TEXT NOT NULL,
     enrollment_id TEXT NOT NULL
   )`,
  // v2: PINs revoked by an accepted replacement, also before (or without) their own enrollment arriving.
  `CREATE TABLE IF NOT EXISTS portal_revocations (
     pin_id TEXT PRIMARY KEY,
     revoked_at TEXT NOT NULL,
     replaced_by_pin_id TEXT NOT NULL
   )`,
  `CREATE TABLE IF NOT EXISTS portal_account_children (
     account_id TEXT NOT NULL,
     patient_id TEXT NOT NULL,
     PRIMARY KEY (account_id, patient_id)
   )`,
  `CREATE TABLE IF NOT EXISTS portal_attempts (
     key TEXT NOT NULL,
     at TEXT NOT NULL
   )`,
  `CREATE INDEX IF NOT EXISTS portal_attempts_key ON portal_attempts(key, at)`,
  // "Set Up My Account" links of the Bulk PIN campaign: the SHA-256 of the token, never the token.
  `CREATE TABLE IF NOT EXISTS portal_setup_links (
     id TEXT PRIMARY KEY,
     token_hash TEXT NOT NULL UNIQUE,
     delivery_id TEXT NOT NULL,
     campaign_id TEXT NOT NULL,
     contact_id TEXT NOT NULL,
     patient_ids TEXT NOT NULL,
     issued_at TEXT NOT NULL,
     expires_at TEXT NOT NULL,
     used_at TEXT,
     account_id TEXT
   )`,
];

/** v2 columns, added to files made by an earlier reference portal. */
const ADDED_COLUMNS: [table: string, column: string, type: string][] = [
  ['portal_enrollments', 'issued_at', 'TEXT'],
  ['portal_enrollments', 'workstation', 'TEXT'],
  ['portal_enrollments', 'issued_by', 'TEXT'],
  ['portal_enrollments', 'delivery', 'TEXT'],
  ['portal_enrollments', 'welcome', 'TEXT'],
  ['portal_enrollments', 'replaces_pin_id', 'TEXT'],
  ['portal_enrollments', 'revoked_at', 'TEXT'],
  ['portal_accounts', 'owner_contact_id', 'TEXT'],
];

/** Brings a file made by the v1 reference portal up to v2 (the change log's kinds, the new columns). */
export function upgradePortalTables(sqlite: BetterSqlite3.Database): void {
  sqlite.transaction(() => {
    const logSql = sqlite.prepare(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'portal_change_log'`).pluck().get() as string;
    if (!logSql.includes("'guardian'")) {
      sqlite.exec(`ALTER TABLE portal_change_log RENAME TO portal_change_log_v1;
        ${CHANGE_LOG_TABLE};
        INSERT INTO portal_change_log (seq, kind, record_id, deleted, merged_into) SELECT seq, kind, record_id, deleted, merged_into FROM portal_change_log_v1;
        DROP TABLE portal_change_log_v1;`);
    }
    for (const [table, column, type] of ADDED_COLUMNS) {
      const has = (sqlite.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table) as string[]).includes(column);
      if (!has) sqlite.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
    }
    sqlite.exec(`CREATE INDEX IF NOT EXISTS portal_accounts_owner ON portal_accounts(owner_contact_id)`);
  })();
}
