import { describe, expect, it } from 'vitest';
import { migrationDatabasePerTest } from '../../support/migrationDatabase';

const db = migrationDatabasePerTest('20261203_006_enrollment_facts');

const deskPin = (pinId: string, status: string) =>
  db.sqlite
    .prepare(
      `INSERT INTO desk_pins (pin_id, patient_id, issued_at, expires_at, workstation, issued_by, delivery, status)
       VALUES (?, 'p1', '2026-12-01T10:00:00Z', '2026-12-31T10:00:00Z', 'DESK-2', 'Dana', 'print', ?)`,
    )
    .run(pinId, status);

describe('20261203_006_enrollment_facts', () => {
  it('creates the new tables as STRICT', () => {
    const strict = db.sqlite
      .prepare(`SELECT name, strict FROM pragma_table_list WHERE name IN ('desk_pins', 'guardian_enrollment', 'sync_problems') ORDER BY name`)
      .all();
    expect(strict).toEqual([
      { name: 'desk_pins', strict: 1 },
      { name: 'guardian_enrollment', strict: 1 },
      { name: 'sync_problems', strict: 1 },
    ]);
  });

  it('keeps one fact per PIN from another desk and refuses a status outside the list', () => {
    deskPin('pin-a', 'issued');
    expect(() => deskPin('pin-a', 'issued')).toThrow(/UNIQUE/);
    expect(() => deskPin('pin-b', 'lost')).toThrow(/CHECK/);
  });

  it('lets a PIN name the PIN it replaces, which must exist', () => {
    const columns = db.sqlite.prepare(`SELECT name FROM pragma_table_info('pins')`).pluck().all();
    expect(columns).toEqual(expect.arrayContaining(['replaces_pin_id', 'replace_reason']));
    db.sqlite.prepare(`INSERT INTO families (id, name, updated_at) VALUES ('f1', 'Lopez', 'x')`).run();
    db.sqlite
      .prepare(
        `INSERT INTO patients (id, chart_number, family_id, first_name, last_name, status, updated_at) VALUES ('p1', 'C1', 'f1', 'Ana', 'Lopez', 'Active', 'x')`,
      )
      .run();
    db.sqlite.prepare(`INSERT INTO clerks (id, username, display_name, role, created_at) VALUES ('k1', 'dana', 'Dana', 'clerk', 'x')`).run();
    const insert = db.sqlite.prepare(
      `INSERT INTO pins (id, patient_id, batch_id, pin_hash, pin_fingerprint, issued_at, expires_at, issued_by, workstation, delivery, replaces_pin_id)
       VALUES (?, 'p1', 'b', 'h', ?, 'x', 'y', 'k1', 'D', 'print', ?)`,
    );
    insert.run('pin-1', 'f1', null);
    insert.run('pin-2', 'f2', 'pin-1');
    expect(() => insert.run('pin-3', 'f3', 'pin-missing')).toThrow(/FOREIGN KEY/);
  });

  it('sets a bad record aside once per kind and id', () => {
    const add = db.sqlite.prepare(`INSERT INTO sync_problems (kind, record_id, problem, cursor, seen_at) VALUES ('patient', 'p9', 'name too long', 'c1', 'x')`);
    add.run();
    expect(() => add.run()).toThrow(/UNIQUE/);
  });
});
