import { beforeEach, describe, expect, it } from 'vitest';
import { CONTACT_EMAIL_KEY } from '../../../electron/main/bulk/worklistRows';
import { migrationDatabasePerTest } from '../../support/migrationDatabase';

const db = migrationDatabasePerTest('20261203_009_contact_email_key');

beforeEach(() => {
  const insert = db.sqlite.prepare(`INSERT INTO contacts (id, first_name, last_name, email, updated_at) VALUES (?, 'Maria', 'Lopez', ?, 'x')`);
  insert.run('c1', 'maria@example.com');
  insert.run('c2', '  Maria@Example.COM\t');
  insert.run('c3', '\u00a0MARIA@EXAMPLE.COM\u2003\ufeff');
  insert.run('c4', 'mario@example.com');
  insert.run('c5', null);
});

describe('20261203_009_contact_email_key', () => {
  it('finds every contact whose address trims and lower-cases to the one asked for, as the worklist compares them', () => {
    const found = db.sqlite.prepare(`SELECT id FROM contacts WHERE ${CONTACT_EMAIL_KEY} = ? ORDER BY id`).pluck().all('maria@example.com');
    expect(found).toEqual(['c1', 'c2', 'c3']);
    // The same rule in JavaScript, as bulk/worklistRows.ts applies it to what the query returns.
    const all = db.sqlite.prepare('SELECT id, email FROM contacts WHERE email IS NOT NULL').all() as { id: string; email: string }[];
    expect(all.filter((c) => c.email.trim().toLowerCase() === 'maria@example.com').map((c) => c.id)).toEqual(found);
  });

  it("is the index the worklist's lookup uses (a lookup, not a scan of every contact)", () => {
    const plan = (
      db.sqlite.prepare(`EXPLAIN QUERY PLAN SELECT c.id FROM contacts c WHERE ${CONTACT_EMAIL_KEY.replace('email', 'c.email')} = ?`).all('x') as {
        detail: string;
      }[]
    )
      .map((r) => r.detail)
      .join('\n');
    expect(plan).toMatch(/SEARCH c USING INDEX contacts_email_key/);
  });
});
