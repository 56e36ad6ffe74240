import { beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../../electron/main/db/open';
import { migrations } from '../../../electron/main/db/migrations';
import { migrationDatabasePerTest } from '../../support/migrationDatabase';

const NOW = '2026-11-22T15:00:00.000Z';

const db = migrationDatabasePerTest();

function tables(): Map<string, { strict: number; wr: number }> {
  const rows = db.sqlite.prepare(`SELECT name, strict, wr FROM pragma_table_list WHERE schema = 'main'`).all() as {
    name: string;
    strict: number;
    wr: number;
  }[];
  return new Map(rows.map((r) => [r.name, r]));
}

describe('migration names', () => {
  it('are date-prefixed and listed in order', () => {
    const names = Object.keys(migrations);
    expect(names.every((n) => /^\d{8}_\d{3}_[a-z_]+$/.test(n))).toBe(true);
    expect([...names].sort()).toEqual(names);
  });
});

describe('20261122_001_core_tables', () => {
  beforeEach(async () => {
    await migrate(db.sqlite, '20261122_001_core_tables');
  });

  it('creates every core table as STRICT', () => {
    const t = tables();
    for (const name of [
      'families',
      'patients',
      'contacts',
      'patient_contacts',
      'appointments',
      'pins',
      'outbox',
      'sync_state',
      'settings',
      'clerks',
      'audit_log',
    ]) {
      expect(t.get(name)?.strict, name).toBe(1);
    }
    expect(t.has('search_terms')).toBe(false);
  });

  it('keeps the audit log append-only', () => {
    db.sqlite.prepare(`INSERT INTO audit_log (at, workstation, action) VALUES (?, 'desk-1', 'sign_in')`).run(NOW);
    expect(() => db.sqlite.prepare(`UPDATE audit_log SET action = 'x'`).run()).toThrow(/append-only/);
    expect(() => db.sqlite.prepare(`DELETE FROM audit_log`).run()).toThrow(/append-only/);
    expect(db.sqlite.prepare('SELECT action FROM audit_log').pluck().all()).toEqual(['sign_in']);
  });

  it('rejects a status outside the list and a link to a missing patient', () => {
    db.sqlite.prepare(`INSERT INTO families (id, name, updated_at) VALUES ('f1', 'Lopez', ?)`).run(NOW);
    expect(() =>
      db.sqlite
        .prepare(
          `INSERT INTO patients (id, chart_number, family_id, first_name, last_name, status, updated_at) VALUES ('p1', 'C1', 'f1', 'Ana', 'Lopez', 'Gone', ?)`,
        )
        .run(NOW),
    ).toThrow(/CHECK/);
    db.sqlite.prepare(`INSERT INTO contacts (id, first_name, last_name, updated_at) VALUES ('c1', 'Maria', 'Lopez', ?)`).run(NOW);
    expect(() => db.sqlite.prepare(`INSERT INTO patient_contacts (patient_id, contact_id, sort) VALUES ('nobody', 'c1', 1)`).run()).toThrow(/FOREIGN KEY/);
  });

  it('refuses a second patient with the same chart number', () => {
    const insert = db.sqlite.prepare(
      `INSERT INTO patients (id, chart_number, first_name, last_name, status, updated_at) VALUES (?, 'C1', 'Ana', 'Lopez', 'Active', ?)`,
    );
    insert.run('p1', NOW);
    expect(() => insert.run('p2', NOW)).toThrow(/UNIQUE/);
  });
});

describe('20261122_002_search_terms', () => {
  beforeEach(async () => {
    await migrate(db.sqlite);
  });

  it('adds a WITHOUT ROWID term index that follows patient deletion', () => {
    expect(tables().get('search_terms')).toMatchObject({ strict: 1, wr: 1 });
    db.sqlite
      .prepare(`INSERT INTO patients (id, chart_number, first_name, last_name, status, updated_at) VALUES ('p1', 'C1', 'Ana', 'Lopez', 'Active', ?)`)
      .run(NOW);
    db.sqlite.prepare(`INSERT INTO search_terms (term, patient_id) VALUES ('ana', 'p1'), ('lopez', 'p1')`).run();
    db.sqlite.prepare(`DELETE FROM patients WHERE id = 'p1'`).run();
    expect(db.sqlite.prepare('SELECT count(*) FROM search_terms').pluck().get()).toBe(0);
  });

  it('records both migrations, so a second run changes nothing', async () => {
    await migrate(db.sqlite);
    expect(db.sqlite.prepare('SELECT name FROM kysely_migration ORDER BY name').pluck().all()).toEqual(Object.keys(migrations));
  });
});
