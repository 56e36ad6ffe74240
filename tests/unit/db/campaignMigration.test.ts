import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../../electron/main/db/open';
import { makeTempDir } from '../../support/tempDir';

const NOW = '2026-11-22T15:00:00.000Z';

let temp: ReturnType<typeof makeTempDir>;
let sqlite: BetterSqlite3.Database;

beforeEach(async () => {
  temp = makeTempDir();
  sqlite = new BetterSqlite3(temp.file('m.sqlite'));
  sqlite.pragma('foreign_keys = ON');
  await migrate(sqlite, '20261122_003_campaign');
  sqlite.prepare(`INSERT INTO campaigns (id, state, started_at, started_by, total, link_valid_days, next_release_at) VALUES ('cmp', 'running', ?, 'k1', 2, 14, ?)`).run(NOW, NOW);
});
afterEach(() => {
  sqlite.close();
  temp.remove();
});

const addRecipient = (contactId: string, seq: number) =>
  sqlite
    .prepare(`INSERT INTO campaign_recipients (campaign_id, contact_id, seq, name, email, children) VALUES ('cmp', ?, ?, 'Maria Lopez', 'maria@example.com', '[]')`)
    .run(contactId, seq);

describe('20261122_003_campaign', () => {
  it('creates both tables as STRICT', () => {
    const strict = sqlite.prepare(`SELECT name, strict FROM pragma_table_list WHERE name IN ('campaigns', 'campaign_recipients') ORDER BY name`).all();
    expect(strict).toEqual([
      { name: 'campaign_recipients', strict: 1 },
      { name: 'campaigns', strict: 1 },
    ]);
  });

  it('holds a guardian once per campaign, whatever inserts it again', () => {
    addRecipient('c-maria', 0);
    expect(() => addRecipient('c-maria', 1)).toThrow(/UNIQUE/);
    expect(sqlite.prepare('SELECT count(*) FROM campaign_recipients').pluck().get()).toBe(1);
  });

  it('starts each guardian queued, without a token hash, and refuses a state outside the list', () => {
    addRecipient('c-maria', 0);
    expect(sqlite.prepare('SELECT state, token_hash FROM campaign_recipients').get()).toEqual({ state: 'queued', token_hash: null });
    expect(() => sqlite.prepare(`UPDATE campaign_recipients SET state = 'lost'`).run()).toThrow(/CHECK/);
    // Released means a link exists: never one without the other.
    expect(() => sqlite.prepare(`UPDATE campaign_recipients SET state = 'released'`).run()).toThrow(/CHECK/);
  });

  it('refuses a second guardian with the same link hash and a recipient of a campaign that does not exist', () => {
    addRecipient('c-maria', 0);
    addRecipient('c-rosa', 1);
    const release = sqlite.prepare(`UPDATE campaign_recipients SET state = 'released', token_hash = 'h1' WHERE contact_id = ?`);
    release.run('c-maria');
    expect(() => release.run('c-rosa')).toThrow(/UNIQUE/);
    expect(() =>
      sqlite.prepare(`INSERT INTO campaign_recipients (campaign_id, contact_id, seq, name, email, children) VALUES ('nope', 'c-x', 0, 'X', 'x@example.com', '[]')`).run(),
    ).toThrow(/FOREIGN KEY/);
  });
});
