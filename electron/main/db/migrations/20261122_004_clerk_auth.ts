import { sql, type Kysely } from 'kysely';

/**
 * Failed sign-ins, per username and per workstation, so the slowdown after repeated failures
 * survives a restart. `subject` is 'user:<username in lower case>' or 'station:<workstation>'.
 */
const statements = [
  `CREATE TABLE sign_in_failures (
     subject TEXT PRIMARY KEY,
     failures INTEGER NOT NULL CHECK (failures >= 0),
     last_failure_at TEXT NOT NULL,
     blocked_until TEXT NOT NULL
   ) STRICT`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}
