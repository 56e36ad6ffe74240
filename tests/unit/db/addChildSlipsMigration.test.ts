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
  await migrate(sqlite, '20261203_007_add_child_slips');
  sqlite.prepare(`INSERT INTO families (id, name, updated_at) VALUES ('f1', 'Lopez', 'x')`).run();
  sqlite.prepare(`INSERT INTO patients (id, chart_number, family_id, first_name, last_name, status, updated_at) VALUES ('p1', 'C1', 'f1', 'Ana', 'Lopez', 'Active', 'x')`).run();
  sqlite.prepare(`INSERT INTO clerks (id, username, display_name, role, created_at) VALUES ('k1', 'dana', 'Dana', 'clerk', 'x')`).run();
});
afterEach(() => {
  sqlite.close();
  temp.remove();
});

describe('20261203_007_add_child_slips', () => {
  it('marks a PIN as an add-child slip, 0 by default, and refuses anything but 0 or 1', () => {
    const insert = sqlite.prepare(
      `INSERT INTO pins (id, patient_id, batch_id, pin_hash, pin_fingerprint, issued_at, expires_at, issued_by, workstation, delivery)
       VALUES (?, 'p1', 'b', 'h', ?, 'x', 'y', 'k1', 'D', 'print')`,
    );
    insert.run('pin-1', 'f1');
    expect(sqlite.prepare(`SELECT adds_to_account FROM pins`).pluck().get()).toBe(0);
    expect(() => sqlite.prepare(`UPDATE pins SET adds_to_account = 2`).run()).toThrow(/CHECK/);
  });
});
