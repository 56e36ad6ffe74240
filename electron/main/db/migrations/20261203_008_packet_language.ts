import { sql, type Kysely } from 'kysely';

/**
 * The language a guardian's packet was printed in (issue 12): the guardian's own, or the one the
 * clerk chose for this family. Kept on the PIN row so a reprint comes out in the same language.
 * NULL (rows from before): the guardian's language on file.
 */
const statements = [`ALTER TABLE pins ADD COLUMN packet_language TEXT CHECK (packet_language IS NULL OR length(packet_language) BETWEEN 2 AND 5)`];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}
