import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { migrate } from '../../../electron/main/db/open';
import { SEARCH_TERMS_PATIENT_INDEX } from '../../../electron/main/search/indexer';
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

// The bulk reindex rebuilds this index with its own statement: it must build what the migrations built.
it("the search reindex rebuilds the patient index exactly as the migrations left it", async () => {
  await migrate(sqlite);
  const stored = sqlite.prepare(`SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'search_terms_patient'`).get() as { sql: string } | undefined;
  expect(stored?.sql).toBe(SEARCH_TERMS_PATIENT_INDEX);
});
