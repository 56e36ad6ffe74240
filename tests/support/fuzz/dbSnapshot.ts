import { createHash } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';

/** Row count and a content hash (order-independent) of one table. */
export interface TableSnapshot {
  rows: number;
  hash: string;
}

export interface DatabaseSnapshot {
  /** Hash of sqlite_master: tables, indexes and triggers (a dropped trigger shows here). */
  schema: string;
  tables: Record<string, TableSnapshot>;
}

function cell(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return { blob: value.toString('hex') };
  if (typeof value === 'bigint') return { int: value.toString() };
  return value;
}

/**
 * Every table of a SQLite file, read through its own read-only connection (the app keeps its
 * connection open; WAL lets this reader see everything committed). Rows are hashed as JSON lines,
 * sorted, so tables without rowid compare the same.
 */
export function snapshotDatabase(file: string): DatabaseSnapshot {
  const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  try {
    const master = db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name').raw().all();
    const schema = createHash('sha256').update(JSON.stringify(master)).digest('hex');
    const names = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).pluck().all() as string[];
    const tables: Record<string, TableSnapshot> = {};
    for (const name of names) {
      const lines = (
        db
          .prepare(`SELECT * FROM "${name.replaceAll('"', '""')}"`)
          .raw()
          .all() as unknown[][]
      ).map((row) => JSON.stringify(row.map(cell)));
      lines.sort();
      const hash = createHash('sha256');
      for (const line of lines) hash.update(line).update('\n');
      tables[name] = { rows: lines.length, hash: hash.digest('hex') };
    }
    return { schema, tables };
  } finally {
    db.close();
  }
}
