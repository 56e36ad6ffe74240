import { describe, expect, it } from 'vitest';
import { migrationDatabasePerTest } from '../../support/migrationDatabase';

const db = migrationDatabasePerTest('20261203_013_outbox_drain');

describe('20261203_013_outbox_drain', () => {
  it('adds busy_since to the outbox, empty for rows queued before and after it, and reads due rows in order from an index', () => {
    db.sqlite
      .prepare(`INSERT INTO outbox (id, kind, ref, payload, next_attempt_at, created_at) VALUES ('o1', 'portal.enrollment', 'pin-1', '{}', 'x', 'x')`)
      .run();
    expect(db.sqlite.prepare(`SELECT busy_since FROM outbox WHERE id = 'o1'`).pluck().get()).toBeNull();
    db.sqlite.prepare(`UPDATE outbox SET busy_since = '2026-11-22T15:00:00.000Z' WHERE id = 'o1'`).run();
    expect(db.sqlite.prepare(`SELECT busy_since FROM outbox WHERE id = 'o1'`).pluck().get()).toBe('2026-11-22T15:00:00.000Z');

    // The worker's due query: read in order from the index, no sort of every due row.
    const plan = db.sqlite
      .prepare(`EXPLAIN QUERY PLAN SELECT * FROM outbox WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, created_at LIMIT 8`)
      .all('2026-11-22T15:00:00.000Z') as { detail: string }[];
    expect(plan.map((r) => r.detail)).toEqual(['SEARCH outbox USING INDEX outbox_due_order (status=? AND next_attempt_at<?)']);
  });
});
