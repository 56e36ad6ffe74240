import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach } from 'vitest';
import { migrate } from '../../electron/main/db/open';
import { makeTempDir } from './tempDir';

/**
 * For migration tests: a new SQLite file for each test (foreign keys on), migrated up to `upTo`
 * when given, closed and removed after it. `db.sqlite` is the current test's connection. Call it at
 * the top of the file: its set-up runs before the file's own beforeEach.
 */
export function migrationDatabasePerTest(upTo?: string): { readonly sqlite: BetterSqlite3.Database } {
  let temp: ReturnType<typeof makeTempDir> | null = null;
  let sqlite: BetterSqlite3.Database | null = null;
  beforeEach(async () => {
    temp = makeTempDir();
    sqlite = new BetterSqlite3(temp.file('m.sqlite'));
    sqlite.pragma('foreign_keys = ON');
    if (upTo) await migrate(sqlite, upTo);
  });
  afterEach(() => {
    sqlite?.close();
    temp?.remove();
    sqlite = null;
    temp = null;
  });
  return {
    get sqlite() {
      if (!sqlite) throw new Error('The migration database exists only while a test runs.');
      return sqlite;
    },
  };
}
