import { beforeEach, describe, expect, it } from 'vitest';
import { migrationDatabasePerTest } from '../../support/migrationDatabase';

const db = migrationDatabasePerTest('20261203_007_add_child_slips');

beforeEach(async () => {
  db.sqlite.prepare(`INSERT INTO families (id, name, updated_at) VALUES ('f1', 'Lopez', 'x')`).run();
  db.sqlite
    .prepare(
      `INSERT INTO patients (id, chart_number, family_id, first_name, last_name, status, updated_at) VALUES ('p1', 'C1', 'f1', 'Ana', 'Lopez', 'Active', 'x')`,
    )
    .run();
  db.sqlite.prepare(`INSERT INTO clerks (id, username, display_name, role, created_at) VALUES ('k1', 'dana', 'Dana', 'clerk', 'x')`).run();
});

describe('20261203_007_add_child_slips', () => {
  it('marks a PIN as an add-child slip, 0 by default, and refuses anything but 0 or 1', () => {
    const insert = db.sqlite.prepare(
      `INSERT INTO pins (id, patient_id, batch_id, pin_hash, pin_fingerprint, issued_at, expires_at, issued_by, workstation, delivery)
       VALUES (?, 'p1', 'b', 'h', ?, 'x', 'y', 'k1', 'D', 'print')`,
    );
    insert.run('pin-1', 'f1');
    expect(db.sqlite.prepare(`SELECT adds_to_account FROM pins`).pluck().get()).toBe(0);
    expect(() => db.sqlite.prepare(`UPDATE pins SET adds_to_account = 2`).run()).toThrow(/CHECK/);
  });
});
