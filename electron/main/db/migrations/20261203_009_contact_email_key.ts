import { sql, type Kysely } from 'kysely';

/**
 * A contact's email as the Bulk PIN worklist compares addresses (JavaScript's trim() and
 * toLowerCase(): every Unicode space trimmed, ASCII letters folded; SQLite's lower() folds ASCII
 * only), indexed, so refreshing one guardian's worklist row after an inline fix finds the other
 * contacts with the same address by a lookup instead of a LIKE scan of every contact (issue 14).
 * bulk/worklistRows.ts writes the same expression in its query (SQLite uses an expression index only
 * for the expression as written; a migration imports no live code, so it is written twice):
 * tests/unit/db/contactEmailKeyMigration.test.ts checks that the snapshot's query uses this index.
 */
const WHITESPACE =
  'char(9, 10, 11, 12, 13, 32, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288, 65279)';

const statements = [`CREATE INDEX contacts_email_key ON contacts (lower(trim(email, ${WHITESPACE})))`];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}
