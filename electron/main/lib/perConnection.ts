import type BetterSqlite3 from 'better-sqlite3';

/**
 * What is prepared once per SQLite connection (statements, mostly): `build` runs on a connection's
 * first use and its result is kept as long as the connection lives.
 */
export function perConnection<T>(build: (sqlite: BetterSqlite3.Database) => T): (sqlite: BetterSqlite3.Database) => T {
  const built = new WeakMap<BetterSqlite3.Database, T>();
  return (sqlite) => {
    let value = built.get(sqlite);
    if (value === undefined) {
      value = build(sqlite);
      built.set(sqlite, value);
    }
    return value;
  };
}

/** A list of ids passed as one JSON array parameter, for `IN (…)`: `WHERE id IN (${JSON_IDS})`. */
export const JSON_IDS = 'SELECT value FROM json_each(?)';
