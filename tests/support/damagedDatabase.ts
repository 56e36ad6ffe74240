import fs from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';

/** The family names in a database file, read with a connection of its own (backups, restores). */
export function familyNamesIn(file: string): string[] {
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    return db.prepare('SELECT name FROM families ORDER BY name').pluck().all() as string[];
  } finally {
    db.close();
  }
}

/** Overwrites everything after the first page with garbage, the way a failing disk might. */
export function damage(file: string): void {
  const size = fs.statSync(file).size;
  const fd = fs.openSync(file, 'r+');
  fs.writeSync(fd, Buffer.alloc(size - 4096, 0xab), 0, size - 4096, 4096);
  fs.closeSync(fd);
}
