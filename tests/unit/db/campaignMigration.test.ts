import { beforeEach, describe, expect, it } from 'vitest';
import { migrationDatabasePerTest } from '../../support/migrationDatabase';

const NOW = '2026-11-22T15:00:00.000Z';

const db = migrationDatabasePerTest('20261122_003_campaign');

beforeEach(async () => {
  db.sqlite
    .prepare(`INSERT INTO campaigns (id, state, started_at, started_by, total, link_valid_days, next_release_at) VALUES ('cmp', 'running', ?, 'k1', 2, 14, ?)`)
    .run(NOW, NOW);
});

const addRecipient = (contactId: string, seq: number) =>
  db.sqlite
    .prepare(
      `INSERT INTO campaign_recipients (campaign_id, contact_id, seq, name, email, children) VALUES ('cmp', ?, ?, 'Maria Lopez', 'maria@example.com', '[]')`,
    )
    .run(contactId, seq);

describe('20261122_003_campaign', () => {
  it('creates both tables as STRICT', () => {
    const strict = db.sqlite.prepare(`SELECT name, strict FROM pragma_table_list WHERE name IN ('campaigns', 'campaign_recipients') ORDER BY name`).all();
    expect(strict).toEqual([
      { name: 'campaign_recipients', strict: 1 },
      { name: 'campaigns', strict: 1 },
    ]);
  });

  it('holds a guardian once per campaign, whatever inserts it again', () => {
    addRecipient('c-maria', 0);
    expect(() => addRecipient('c-maria', 1)).toThrow(/UNIQUE/);
    expect(db.sqlite.prepare('SELECT count(*) FROM campaign_recipients').pluck().get()).toBe(1);
  });

  it('starts each guardian queued, without a token hash, and refuses a state outside the list', () => {
    addRecipient('c-maria', 0);
    expect(db.sqlite.prepare('SELECT state, token_hash FROM campaign_recipients').get()).toEqual({ state: 'queued', token_hash: null });
    expect(() => db.sqlite.prepare(`UPDATE campaign_recipients SET state = 'lost'`).run()).toThrow(/CHECK/);
    // Released means a link exists: never one without the other.
    expect(() => db.sqlite.prepare(`UPDATE campaign_recipients SET state = 'released'`).run()).toThrow(/CHECK/);
  });

  it('refuses a second guardian with the same link hash and a recipient of a campaign that does not exist', () => {
    addRecipient('c-maria', 0);
    addRecipient('c-rosa', 1);
    const release = db.sqlite.prepare(`UPDATE campaign_recipients SET state = 'released', token_hash = 'h1' WHERE contact_id = ?`);
    release.run('c-maria');
    expect(() => release.run('c-rosa')).toThrow(/UNIQUE/);
    expect(() =>
      db.sqlite
        .prepare(`INSERT INTO campaign_recipients (campaign_id, contact_id, seq, name, email, children) VALUES ('nope', 'c-x', 0, 'X', 'x@example.com', '[]')`)
        .run(),
    ).toThrow(/FOREIGN KEY/);
  });
});
