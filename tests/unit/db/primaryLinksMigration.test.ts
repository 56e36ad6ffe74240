import { beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../../electron/main/db/open';
import { migrationDatabasePerTest } from '../../support/migrationDatabase';

const db = migrationDatabasePerTest('20261203_015_search_pairs');

beforeEach(() => {
  const sqlite = db.sqlite;
  const patient = sqlite.prepare(
    `INSERT INTO patients (id, chart_number, first_name, last_name, status, updated_at) VALUES (?, ?, 'Ana', 'Lopez', 'Active', 'x')`,
  );
  const contact = sqlite.prepare(`INSERT INTO contacts (id, updated_at) VALUES (?, 'x')`);
  const link = sqlite.prepare(`INSERT INTO patient_contacts (patient_id, contact_id, sort, authority, resides_with, portal_flag) VALUES (?, ?, ?, ?, ?, ?)`);
  for (const id of ['p1', 'p2', 'p3']) patient.run(id, `C-${id}`);
  for (const id of ['c1', 'c2']) contact.run(id);
  link.run('p1', 'c1', 1, 'Joint', 1, 0);
  link.run('p1', 'c2', 2, 'Joint', 0, 0);
  link.run('p2', 'c2', 1, 'Exclusive', 0, 1);
  link.run('p3', 'c1', null, null, 0, 0);
});

const facts = () => db.sqlite.prepare('SELECT patient_rowid, contact_rowid, bits FROM primary_links ORDER BY 1, 2').raw(true).all();

describe('20261203_016_primary_links', () => {
  it("gives an existing mirror's Sort-1 links their facts, then keeps them as links change", async () => {
    await migrate(db.sqlite, '20261203_016_primary_links');
    // p1 -> c1: Joint (1) + resides with (4); p2 -> c2: Exclusive (2) + portal (8). Sort 2 and no sort: none.
    expect(facts()).toEqual([
      [1, 1, 5],
      [2, 2, 10],
    ]);
    db.sqlite.prepare(`UPDATE patient_contacts SET sort = 1 WHERE patient_id = 'p3'`).run();
    db.sqlite.prepare(`UPDATE patient_contacts SET sort = 2 WHERE patient_id = 'p1' AND contact_id = 'c1'`).run();
    db.sqlite.prepare(`DELETE FROM contacts WHERE id = 'c2'`).run();
    expect(facts()).toEqual([[3, 1, 0]]);
  });
});
