import { describe, expect, it } from 'vitest';
import { migrationDatabasePerTest } from '../../support/migrationDatabase';

const db = migrationDatabasePerTest('20261122_004_clerk_auth');

describe('20261122_004_clerk_auth', () => {
  it('creates sign_in_failures as a STRICT table keyed by subject', () => {
    const table = db.sqlite.prepare(`SELECT strict FROM pragma_table_list WHERE name = 'sign_in_failures'`).get() as { strict: number };
    expect(table.strict).toBe(1);
    const insert = db.sqlite.prepare('INSERT INTO sign_in_failures (subject, failures, last_failure_at, blocked_until) VALUES (?, ?, ?, ?)');
    insert.run('user:dana', 4, '2026-11-22T15:00:00.000Z', '2026-11-22T15:00:05.000Z');
    expect(() => insert.run('user:dana', 5, '2026-11-22T15:00:00.000Z', '2026-11-22T15:00:10.000Z')).toThrow(/UNIQUE/);
    expect(() => insert.run('station:desk-1', -1, '2026-11-22T15:00:00.000Z', '2026-11-22T15:00:00.000Z')).toThrow(/CHECK/);
    expect(() => insert.run('station:desk-1', 'four', '2026-11-22T15:00:00.000Z', '2026-11-22T15:00:00.000Z')).toThrow(/INTEGER/);
  });
});
