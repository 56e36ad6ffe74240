import { sql, type Kysely } from 'kysely';

/**
 * A printed PIN whose guardian already has a portal account, or a Welcome email on its way from
 * any desk (issue 10): its slip says "add this child to your account", never "create an account".
 * Kept on the row because a reprint rebuilds the packet from storage.
 */
const statements = [`ALTER TABLE pins ADD COLUMN adds_to_account INTEGER NOT NULL DEFAULT 0 CHECK (adds_to_account IN (0, 1))`];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}
