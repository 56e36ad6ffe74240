import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { CHAINED_COLUMNS } from '../../../electron/main/audit/chain';
import { migrate } from '../../../electron/main/db/open';
import { makeTempDir } from '../../support/tempDir';

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

// A column added to audit_log that the chain does not cover could be edited without breaking
// the chain: adding one means deciding, and bumping the chain's encoding version with a migration.
it('the audit chain covers every column of audit_log but its two hashes', async () => {
  await migrate(sqlite);
  const columns = (sqlite.prepare('PRAGMA table_info(audit_log)').all() as { name: string }[]).map((c) => c.name);
  expect(columns.filter((c) => c !== 'prev_hash' && c !== 'hash').sort()).toEqual([...CHAINED_COLUMNS].sort());
});
