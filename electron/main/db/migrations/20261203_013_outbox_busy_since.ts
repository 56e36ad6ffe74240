import { sql, type Kysely } from 'kysely';

/**
 * When the practice system began answering an outbox row "busy or failing" (408, 429, 5xx) without
 * an answer of another kind since: such a row is retried with backoff, and parked for a person
 * once this has lasted BUSY_LIMIT_MS (lib/backoff.ts), so it is never retried forever (SPEC 3.3).
 * NULL while the row has had no such answer, and again after any other outcome.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE outbox ADD COLUMN busy_since TEXT`.execute(db);
}
