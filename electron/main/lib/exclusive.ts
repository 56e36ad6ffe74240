import type { Kysely } from 'kysely';

/**
 * Runs `work` (synchronous better-sqlite3 calls on the app's connection) while holding Kysely's
 * connection lock, so it never lands inside a Kysely transaction that is awaiting between
 * statements on the same connection.
 */
export function exclusive<DB, T>(db: Kysely<DB>, work: () => T): Promise<T> {
  return db.connection().execute(async () => work());
}
