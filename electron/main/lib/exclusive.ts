import type { Kysely } from 'kysely';

/**
 * Runs `work` (synchronous better-sqlite3 calls on the app's connection) while holding Kysely's
 * connection lock, so it never lands inside a Kysely transaction that is awaiting between
 * statements on the same connection.
 */
export function exclusive<DB, T>(db: Kysely<DB>, work: () => T): Promise<T> {
  return db.connection().execute(async () => work());
}

/**
 * Like exclusive(), for `work` that writes: run inside a transaction of the app's connection, which
 * waits for a job's write lock without blocking the event loop (db/deskDriver.ts); better-sqlite3
 * turns the work's own transaction, if any, into a savepoint of it.
 */
export function exclusiveWrite<DB, T>(db: Kysely<DB>, work: () => T): Promise<T> {
  return db.transaction().execute(async () => work());
}
