import { describe, expect, it } from 'vitest';
import { migrationDatabasePerTest } from '../../support/migrationDatabase';

const db = migrationDatabasePerTest('20261203_013_outbox_busy_since');

describe('20261203_013_outbox_busy_since', () => {
  it('adds busy_since to the outbox, empty for rows queued before and after it', () => {
    db.sqlite
      .prepare(`INSERT INTO outbox (id, kind, ref, payload, next_attempt_at, created_at) VALUES ('o1', 'portal.enrollment', 'pin-1', '{}', 'x', 'x')`)
      .run();
    expect(db.sqlite.prepare(`SELECT busy_since FROM outbox WHERE id = 'o1'`).pluck().get()).toBeNull();
    db.sqlite.prepare(`UPDATE outbox SET busy_since = '2026-11-22T15:00:00.000Z' WHERE id = 'o1'`).run();
    expect(db.sqlite.prepare(`SELECT busy_since FROM outbox WHERE id = 'o1'`).pluck().get()).toBe('2026-11-22T15:00:00.000Z');
  });
});
