import { sql, type Kysely } from 'kysely';

/**
 * The "Set Up My Account" campaign (SPEC 3.5): one row per campaign with the pacer's state (so a
 * restart continues at the same pace), one row per guardian. The (campaign_id, contact_id)
 * primary key is what guarantees a guardian is emailed at most once by a campaign, whatever
 * restarts or double clicks happen. Link tokens are kept only as their SHA-256; the plain token
 * lives in the undelivered email's outbox payload.
 */
const statements = [
  `CREATE TABLE campaigns (
     id TEXT PRIMARY KEY,
     state TEXT NOT NULL CHECK (state IN ('running', 'paused', 'finished')),
     started_at TEXT NOT NULL,
     started_by TEXT NOT NULL,
     total INTEGER NOT NULL CHECK (total >= 0),
     link_valid_days INTEGER NOT NULL CHECK (link_valid_days > 0),
     next_release_at TEXT NOT NULL,
     paused_at TEXT,
     finished_at TEXT
   ) STRICT`,
  `CREATE TABLE campaign_recipients (
     campaign_id TEXT NOT NULL REFERENCES campaigns(id),
     contact_id TEXT NOT NULL,
     seq INTEGER NOT NULL,
     name TEXT NOT NULL,
     email TEXT NOT NULL,
     children TEXT NOT NULL,
     state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'released', 'sent', 'failed')),
     token_hash TEXT UNIQUE,
     released_at TEXT,
     expires_at TEXT,
     link_outbox_id TEXT REFERENCES outbox(id),
     email_outbox_id TEXT REFERENCES outbox(id),
     PRIMARY KEY (campaign_id, contact_id),
     UNIQUE (campaign_id, seq),
     CHECK ((state = 'queued') = (token_hash IS NULL))
   ) STRICT`,
  `CREATE INDEX campaign_recipients_state ON campaign_recipients(campaign_id, state, seq)`,
  `CREATE INDEX campaign_recipients_released ON campaign_recipients(campaign_id, released_at)`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}
