import { describe, expect, it } from 'vitest';
import { migrationDatabasePerTest } from '../../support/migrationDatabase';

const db = migrationDatabasePerTest('20261203_014_fhir_staging');

describe('20261203_014_fhir_staging', () => {
  const stage = (run: string, type: string, id: string, body = '{}') =>
    db.sqlite.prepare('INSERT INTO fhir_staging (run_id, resource_type, resource_id, body) VALUES (?, ?, ?, ?)').run(run, type, id, body);

  it('stages the four resource types the FHIR source reads, once per run and id', () => {
    for (const type of ['Patient', 'RelatedPerson', 'Appointment', 'Group']) stage('r1', type, 'x');
    stage('r2', 'Patient', 'x');
    expect(() => stage('r1', 'Patient', 'x')).toThrow(/UNIQUE/);
    expect(() => stage('r1', 'Observation', 'o')).toThrow(/CHECK/);
    expect(db.sqlite.prepare(`SELECT guardian, last_updated, patient_id FROM fhir_staging WHERE run_id = 'r2'`).get()).toEqual({
      guardian: 0,
      last_updated: '',
      patient_id: null,
    });
  });

  it('places a patient in one family per run, saying how', () => {
    const place = (patient: string, source: string) =>
      db.sqlite.prepare('INSERT INTO fhir_staging_family (run_id, patient_id, family_id, source) VALUES (?, ?, ?, ?)').run('r1', patient, 'f1', source);
    place('p1', 'household');
    place('p2', 'derived');
    place('p3', 'mirror');
    expect(() => place('p1', 'derived')).toThrow(/UNIQUE|PRIMARY/);
    expect(() => place('p4', 'guessed')).toThrow(/CHECK/);
  });

  it('keeps one inference record per link, with flags that are 0 or 1', () => {
    const infer = (authority: number) =>
      db.sqlite
        .prepare(`INSERT INTO fhir_link_inferences (patient_id, contact_id, authority, sort, resides_with, seen_at) VALUES ('p1', 'c1', ?, 0, 1, 'now')`)
        .run(authority);
    expect(() => infer(2)).toThrow(/CHECK/);
    infer(1);
    expect(() => infer(1)).toThrow(/UNIQUE|PRIMARY/);
  });
});
