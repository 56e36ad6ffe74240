import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, auditRowHash } from '../../../electron/main/db/auditChain';
import { migrations } from '../../../electron/main/db/migrations';
import { migrate } from '../../../electron/main/db/open';
import { migrationDatabasePerTest } from '../../support/migrationDatabase';

const MIGRATION = '20261122_005_audit_chain';
const NOW = '2026-11-22T15:00:00.000Z';

const db = migrationDatabasePerTest();

type Row = {
  id: number;
  at: string;
  clerk_id: string | null;
  workstation: string;
  action: string;
  patient_id: string | null;
  details: string;
  prev_hash: string;
  hash: string;
};

describe(MIGRATION, () => {
  it('hashes the rows written before it, in id order, and keeps them append-only', async () => {
    const names = Object.keys(migrations);
    await migrate(db.sqlite, names[names.indexOf(MIGRATION) - 1]);
    const legacy = db.sqlite.prepare(`INSERT INTO audit_log (at, clerk_id, workstation, action, details) VALUES (?, ?, 'desk-1', ?, ?)`);
    legacy.run(NOW, 'clerk-1', 'sign_in', '{}');
    legacy.run(NOW, 'clerk-1', 'setting_changed', '{"setting":"practiceName","from":"A","to":"B"}');
    legacy.run(NOW, null, 'demo_seeded', '{"families":3}');

    await migrate(db.sqlite, MIGRATION);
    const rows = db.sqlite.prepare('SELECT * FROM audit_log ORDER BY id').all() as Row[];
    expect(rows.map((r) => r.action)).toEqual(['sign_in', 'setting_changed', 'demo_seeded']);
    let prev = GENESIS_HASH;
    for (const row of rows) {
      expect(row.prev_hash).toBe(prev);
      expect(row.hash).toBe(auditRowHash(prev, row));
      prev = row.hash;
    }
    expect(() => db.sqlite.prepare(`UPDATE audit_log SET details = '{}' WHERE id = 2`).run()).toThrow(/append-only/);
    expect(() => db.sqlite.prepare('DELETE FROM audit_log WHERE id = 3').run()).toThrow(/append-only/);
  });

  it('chains a new row in the INSERT itself, checks hashes a row brings, and refuses rows out of order', async () => {
    await migrate(db.sqlite, MIGRATION);
    db.sqlite.prepare(`INSERT INTO audit_log (at, workstation, action) VALUES (?, 'desk-1', 'sign_in'), (?, 'desk-1', 'lock')`).run(NOW, NOW);
    const [first, second] = db.sqlite.prepare('SELECT * FROM audit_log ORDER BY id').all() as Row[];
    expect(first!.prev_hash).toBe(GENESIS_HASH);
    expect(second!.prev_hash).toBe(first!.hash);
    expect(second!.hash).toBe(auditRowHash(first!.hash, second!));

    // A row may bring its hashes (appendAudit does), but only the right ones.
    const given = db.sqlite.prepare(`INSERT INTO audit_log (id, at, workstation, action, prev_hash, hash) VALUES (3, ?, 'd', 'x', ?, ?)`);
    const right = auditRowHash(second!.hash, { id: 3, at: NOW, clerk_id: null, workstation: 'd', action: 'x', patient_id: null, details: '{}' });
    expect(() => given.run(NOW, GENESIS_HASH, right)).toThrow(/does not follow the last row/);
    expect(() => given.run(NOW, second!.hash, GENESIS_HASH)).toThrow(/does not match its content/);
    given.run(NOW, second!.hash, right);
    db.sqlite.prepare(`INSERT INTO audit_log (id, at, workstation, action) VALUES (10, ?, 'd', 'x')`).run(NOW);
    expect(db.sqlite.prepare('SELECT prev_hash FROM audit_log WHERE id = 10').pluck().get()).toBe(right);
    expect(() => db.sqlite.prepare(`INSERT INTO audit_log (id, at, workstation, action) VALUES (5, ?, 'd', 'x')`).run(NOW)).toThrow(
      /appended after the last row/,
    );
    expect(db.sqlite.prepare('SELECT id FROM audit_log ORDER BY id').pluck().all()).toEqual([1, 2, 3, 10]);
  });

  it('adds the indexes the audit screen filters on', async () => {
    await migrate(db.sqlite, MIGRATION);
    const indexes = db.sqlite.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'audit_log'`).pluck().all();
    expect(indexes).toEqual(expect.arrayContaining(['audit_log_at', 'audit_log_action']));
  });
});
