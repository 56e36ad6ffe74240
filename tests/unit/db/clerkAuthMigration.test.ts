import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../../electron/main/db/open';
import { makeTempDir } from '../../support/tempDir';

let temp: ReturnType<typeof makeTempDir>;
let sqlite: BetterSqlite3.Database;

beforeEach(async () => {
  temp = makeTempDir();
  sqlite = new BetterSqlite3(temp.file('m.sqlite'));
  sqlite.pragma('foreign_keys = ON');
  await migrate(sqlite, '20261122_004_clerk_auth');
});
afterEach(() => {
  sqlite.close();
  temp.remove();
});

describe('20261122_004_clerk_auth', () => {
  it('creates sign_in_failures as a STRICT table keyed by subject', () => {
    const table = sqlite.prepare(`SELECT strict FROM pragma_table_list WHERE name = 'sign_in_failures'`).get() as { strict: number };
    expect(table.strict).toBe(1);
    const insert = sqlite.prepare('INSERT INTO sign_in_failures (subject, failures, last_failure_at, blocked_until) VALUES (?, ?, ?, ?)');
    insert.run('user:dana', 4, '2026-11-22T15:00:00.000Z', '2026-11-22T15:00:05.000Z');
    expect(() => insert.run('user:dana', 5, '2026-11-22T15:00:00.000Z', '2026-11-22T15:00:10.000Z')).toThrow(/UNIQUE/);
    expect(() => insert.run('station:desk-1', -1, '2026-11-22T15:00:00.000Z', '2026-11-22T15:00:00.000Z')).toThrow(/CHECK/);
    expect(() => insert.run('station:desk-1', 'four', '2026-11-22T15:00:00.000Z', '2026-11-22T15:00:00.000Z')).toThrow(/INTEGER/);
  });
});
