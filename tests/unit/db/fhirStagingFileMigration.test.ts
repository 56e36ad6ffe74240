import { describe, expect, it } from 'vitest';
import { migrate } from '../../../electron/main/db/open';
import { readFhirState } from '../../../electron/main/fhir/ingestOps';
import { migrationDatabasePerTest } from '../../support/migrationDatabase';

const db = migrationDatabasePerTest('20261203_016_primary_links');

describe('20261205_017_fhir_staging_file', () => {
  it("takes the staging tables out of the mirror, keeps its inferred links, and a run that was staging starts its export's lines again", async () => {
    const sqlite = db.sqlite;
    sqlite.prepare("INSERT INTO fhir_staging (run_id, resource_type, resource_id, body) VALUES ('r1', 'Patient', 'p1', '{}')").run();
    sqlite.prepare("INSERT INTO fhir_staging_family (run_id, patient_id, family_id, source) VALUES ('r1', 'p1', 'f1', 'derived')").run();
    sqlite.prepare("INSERT INTO fhir_link_inferences (patient_id, contact_id, authority, sort, resides_with, seen_at) VALUES ('p1', 'c1', 1, 0, 0, 'x')").run();
    const export_ = { runId: 'r1', statusUrl: 'https://ehr/status/1', since: null, manifest: null, file: 1, line: 500, staged: 900 };
    sqlite.prepare("INSERT INTO sync_state (key, value) VALUES ('fhir_sync', ?)").run(JSON.stringify({ source: 's', since: null, export: export_ }));

    await migrate(sqlite, '20261205_017_fhir_staging_file');

    const names = sqlite.prepare("SELECT name FROM sqlite_schema WHERE name LIKE 'fhir_%' ORDER BY name").pluck().all();
    expect(names).toEqual(['fhir_link_inferences']);
    expect(sqlite.prepare('SELECT patient_id, contact_id FROM fhir_link_inferences').raw().all()).toEqual([['p1', 'c1']]);
    // The run is still open (same export); its position is the staging file's, which has nothing of it (fhirSync.ts: from line 0).
    expect(readFhirState(sqlite).export?.runId).toBe('r1');
    expect(sqlite.pragma('quick_check', { simple: true })).toBe('ok');
  });
});
