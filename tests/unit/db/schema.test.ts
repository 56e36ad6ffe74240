import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { CHAINED_COLUMNS } from '../../../electron/main/db/auditChain';
import { migrate } from '../../../electron/main/db/open';
import type { Database } from '../../../electron/main/db/schema';
import { SEARCH_TERMS_PATIENT_INDEX } from '../../../electron/main/search/indexer';
import { makeTempDir } from '../../support/tempDir';

/**
 * Every table and column of the Database interface, checked both ways by the compiler: a table
 * or column missing here, or here but not in the interface, does not compile. The test then
 * checks the same list against a freshly migrated database, so a migration that adds a table or
 * column without adding it to db/schema.ts fails.
 */
const COLUMNS: { [T in keyof Database]: Record<keyof Database[T], true> } = {
  families: { id: true, name: true, version: true, updated_at: true },
  patients: {
    id: true,
    chart_number: true,
    family_id: true,
    first_name: true,
    last_name: true,
    date_of_birth: true,
    sex: true,
    status: true,
    portal_linked: true,
    version: true,
    updated_at: true,
  },
  contacts: {
    id: true,
    first_name: true,
    last_name: true,
    email: true,
    mobile_phone: true,
    home_phone: true,
    preferred_reminder: true,
    language: true,
    has_portal_account: true,
    version: true,
    updated_at: true,
  },
  patient_contacts: { patient_id: true, contact_id: true, sort: true, relationship: true, authority: true, resides_with: true, portal_flag: true },
  appointments: { id: true, patient_id: true, starts_at: true, provider: true, reason: true, updated_at: true },
  clerks: { id: true, username: true, display_name: true, role: true, password_hash: true, active: true, created_at: true },
  pins: {
    id: true,
    patient_id: true,
    batch_id: true,
    pin_hash: true,
    pin_fingerprint: true,
    issued_at: true,
    expires_at: true,
    issued_by: true,
    workstation: true,
    delivery: true,
    recipient_contact_id: true,
    status: true,
    redeemed_at: true,
    replaces_pin_id: true,
    replace_reason: true,
    adds_to_account: true,
    packet_language: true,
  },
  outbox: {
    id: true,
    kind: true,
    ref: true,
    payload: true,
    depends_on: true,
    status: true,
    attempts: true,
    next_attempt_at: true,
    last_error: true,
    created_at: true,
    delivered_at: true,
    busy_since: true,
  },
  sync_state: { key: true, value: true },
  settings: { key: true, value: true },
  audit_log: { id: true, at: true, clerk_id: true, workstation: true, action: true, patient_id: true, details: true, prev_hash: true, hash: true },
  search_terms: { term: true, patient_id: true },
  primary_links: { patient_rowid: true, contact_rowid: true, bits: true },
  job_runs: {
    id: true,
    kind: true,
    state: true,
    rows_done: true,
    rows_total: true,
    resume_point: true,
    started_at: true,
    updated_at: true,
    message: true,
    resumed: true,
  },
  job_payloads: { job_id: true, payload: true },
  fhir_link_inferences: { patient_id: true, contact_id: true, authority: true, sort: true, resides_with: true, seen_at: true },
  campaigns: {
    id: true,
    state: true,
    started_at: true,
    started_by: true,
    total: true,
    link_valid_days: true,
    next_release_at: true,
    paused_at: true,
    finished_at: true,
  },
  campaign_recipients: {
    campaign_id: true,
    contact_id: true,
    seq: true,
    name: true,
    email: true,
    children: true,
    state: true,
    token_hash: true,
    released_at: true,
    expires_at: true,
    link_outbox_id: true,
    email_outbox_id: true,
  },
  sign_in_failures: { subject: true, failures: true, last_failure_at: true, blocked_until: true },
  desk_pins: {
    pin_id: true,
    patient_id: true,
    issued_at: true,
    expires_at: true,
    workstation: true,
    issued_by: true,
    delivery: true,
    status: true,
    redeemed_at: true,
  },
  guardian_enrollment: { contact_id: true, welcome_at: true, welcome_workstation: true, account_at: true },
  sync_problems: { id: true, kind: true, record_id: true, problem: true, cursor: true, seen_at: true },
};

let temp: ReturnType<typeof makeTempDir>;
let sqlite: BetterSqlite3.Database;

beforeEach(() => {
  temp = makeTempDir();
  sqlite = new BetterSqlite3(temp.file('m.sqlite'));
});
afterEach(() => {
  sqlite.close();
  temp.remove();
});

// What live code knows of the tables, checked against a freshly migrated database.

it('the Database interface names every table and column the migrations create, and no other', async () => {
  await migrate(sqlite);
  const tables = sqlite
    .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'kysely_%' ORDER BY name`)
    .pluck()
    .all() as string[];
  expect(tables).toEqual(Object.keys(COLUMNS).sort());
  for (const table of tables) {
    const columns = (sqlite.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name).sort();
    expect({ table, columns }).toEqual({ table, columns: Object.keys(COLUMNS[table as keyof Database]).sort() });
  }
});

// A column added to audit_log that the chain does not cover could be edited without breaking
// the chain: adding one means deciding, and bumping the chain's encoding version with a migration.
it('the audit chain covers every column of audit_log but its two hashes', async () => {
  await migrate(sqlite);
  const columns = (sqlite.prepare('PRAGMA table_info(audit_log)').all() as { name: string }[]).map((c) => c.name);
  expect(columns.filter((c) => c !== 'prev_hash' && c !== 'hash').sort()).toEqual([...CHAINED_COLUMNS].sort());
});

// The bulk reindex rebuilds this index with its own statement: it must build what the migrations built.
it('the search reindex rebuilds the patient index exactly as the migrations left it', async () => {
  await migrate(sqlite);
  const stored = sqlite.prepare(`SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'search_terms_patient'`).get() as { sql: string } | undefined;
  expect(stored?.sql).toBe(SEARCH_TERMS_PATIENT_INDEX);
});
