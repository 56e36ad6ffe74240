import type BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeSnapshot } from '../../electron/main/bulk/snapshot';
import { openDatabase, type OpenedDatabase } from '../../electron/main/db/open';
import { seedDemoPractice } from '../../electron/main/demo/demoPractice';
import { assemblePages, stageResources } from '../../electron/main/fhir/ingest';
import { dropStaging } from '../../electron/main/fhir/stagingFile';
import { applyChangesPage } from '../../electron/main/sync/applyPage';
import { bulkPrimaryOf, bulkVerdict } from '../../shared/domain/bulkEligibility';
import type { ContactLink } from '../../shared/domain/contacts';
import type { PatientStatus } from '../../shared/domain/patient';
import { DEFAULT_FHIR_MAPPING_CONFIG } from '../../shared/fhir/mappingConfig';
import { kickOffExport, ndjsonBatches } from '../support/fhir/bulkReader';
import { ROSTER_GROUP_ID, seedFhirFromMirror } from '../support/fhir/seed';
import { startFhirServer, type FhirServer } from '../support/fhir/server';
import { makeTempDir } from '../support/tempDir';

/**
 * Issue 15's round trip: the demo practice → reverse mapping → the FHIR server → Group $export
 * NDJSON read over HTTP → staged → assembled → applied into an EMPTY mirror. Every patient must
 * get the same Bulk PIN verdict, and the campaign the same counts, as in the demo mirror.
 */

const TODAY = '2026-11-22';
const NOW = new Date('2026-11-22T14:30:00.000Z');
const LIMIT = 18;
const config = { ...DEFAULT_FHIR_MAPPING_CONFIG, timeZone: 'America/Chicago' };

let temp: ReturnType<typeof makeTempDir>;
let demo: OpenedDatabase;
let loaded: OpenedDatabase;
let server: FhirServer;
const staged = { staged: 0, skipped: 0, setAside: 0 };
const applied = { pages: 0, rows: 0, setAside: 0 };

beforeAll(async () => {
  temp = makeTempDir('fpp-fhir-roundtrip-');
  demo = await openDatabase(temp.file('demo.sqlite'));
  seedDemoPractice(demo.sqlite, { today: TODAY, now: NOW, families: 160 });
  server = await startFhirServer({ retryAfterSeconds: 0, resourcesPerFile: 150 });
  await seedFhirFromMirror(server.repo, demo.sqlite, config);

  loaded = await openDatabase(temp.file('loaded.sqlite'));
  const manifest = await kickOffExport(`${server.baseUrl}/Group/${ROSTER_GROUP_ID}/$export`);
  for (const file of manifest.output) {
    for await (const batch of ndjsonBatches(file.url, {}, 100)) {
      const r = stageResources(loaded.sqlite, 'first-load', batch, config, NOW);
      staged.staged += r.staged;
      staged.skipped += r.skipped;
      staged.setAside += r.setAside;
    }
  }
  for (const page of assemblePages(loaded.sqlite, 'first-load', {
    config,
    now: NOW,
    pageRows: 50,
    cursorBefore: '',
    cursorAfter: `fhir:${manifest.transactionTime}`,
  })) {
    const counts = applyChangesPage(loaded.sqlite, page, { now: NOW });
    applied.pages += 1;
    applied.rows += counts.rows;
    applied.setAside += counts.setAside;
  }
  dropStaging(loaded.sqlite);
}, 120_000);

afterAll(async () => {
  await server?.close();
  await demo?.close();
  await loaded?.close();
  temp?.remove();
});

/** Every patient's Bulk PIN verdict, by the domain rule, from one mirror. */
function verdicts(sqlite: BetterSqlite3.Database): Map<string, string> {
  const links = new Map<string, (ContactLink & { email: string | null })[]>();
  for (const l of sqlite
    .prepare(
      `SELECT l.patient_id, l.contact_id, l.sort, l.relationship, l.authority, l.resides_with, l.portal_flag, c.email
         FROM patient_contacts l JOIN contacts c ON c.id = l.contact_id`,
    )
    .all() as Record<string, unknown>[]) {
    const list = links.get(String(l.patient_id)) ?? [];
    list.push({
      contactId: String(l.contact_id),
      sort: l.sort as number | null,
      relationship: String(l.relationship),
      authority: l.authority as ContactLink['authority'],
      residesWith: l.resides_with === 1,
      portalFlag: l.portal_flag === 1,
      email: l.email as string | null,
    });
    links.set(String(l.patient_id), list);
  }
  const out = new Map<string, string>();
  for (const p of sqlite.prepare('SELECT id, status, date_of_birth FROM patients').all() as {
    id: string;
    status: PatientStatus;
    date_of_birth: string | null;
  }[]) {
    const primary = bulkPrimaryOf(links.get(p.id) ?? []);
    const v = bulkVerdict({ status: p.status, dateOfBirth: p.date_of_birth }, primary ? { link: primary, email: primary.email } : null, LIMIT, TODAY);
    out.set(p.id, v.eligible ? 'eligible' : `${v.reason}: ${v.detail}`);
  }
  return out;
}

describe('the demo practice loaded over FHIR into an empty mirror', () => {
  it('arrives whole: every resource staged, nothing set aside', () => {
    const count = (table: string) => demo.sqlite.prepare(`SELECT count(*) FROM ${table}`).pluck().get();
    expect(staged.setAside).toBe(0);
    expect(applied.setAside).toBe(0);
    for (const table of ['families', 'patients', 'contacts', 'patient_contacts', 'appointments']) {
      expect(loaded.sqlite.prepare(`SELECT count(*) FROM ${table}`).pluck().get(), table).toBe(count(table));
    }
  });

  it('gives every patient the same Bulk PIN verdict as the demo mirror (differences listed by patient)', () => {
    const before = verdicts(demo.sqlite);
    const after = verdicts(loaded.sqlite);
    const differences: string[] = [];
    for (const [id, verdict] of before) if (after.get(id) !== verdict) differences.push(`${id}: demo "${verdict}", over FHIR "${after.get(id) ?? 'missing'}"`);
    expect(differences).toEqual([]);
    expect(new Set(before.values()).size).toBeGreaterThan(4); // the demo's scenarios: several kinds of exclusion
  });

  it('gives the Bulk PIN campaign the same counts: guardians, children, exclusions by reason', async () => {
    const params = { today: TODAY, minorAgeLimit: LIMIT, now: NOW };
    const a = await computeSnapshot(demo.sqlite, params);
    const b = await computeSnapshot(loaded.sqlite, params);
    expect({ guardians: b.guardianCount, children: b.eligibleChildren, exclusions: b.exclusionCounts }).toEqual({
      guardians: a.guardianCount,
      children: a.eligibleChildren,
      exclusions: a.exclusionCounts,
    });
    expect(a.guardianCount).toBeGreaterThan(50);
  });
});

describe('the rows the desk reads, field by field', () => {
  const same = (sql: string) => expect(loaded.sqlite.prepare(sql).raw().all()).toEqual(demo.sqlite.prepare(sql).raw().all());

  it('keeps families, patients, contacts, links and appointments as the demo has them', () => {
    same('SELECT id, name FROM families ORDER BY id');
    same('SELECT id, chart_number, family_id, first_name, last_name, date_of_birth, sex, status, portal_linked FROM patients ORDER BY id');
    same('SELECT id, first_name, last_name, email, mobile_phone, home_phone, preferred_reminder, language, has_portal_account FROM contacts ORDER BY id');
    same('SELECT patient_id, contact_id, sort, relationship, authority, resides_with, portal_flag FROM patient_contacts ORDER BY patient_id, contact_id');
    same('SELECT id, patient_id, starts_at, provider, reason FROM appointments ORDER BY id');
  });

  it('says the families came from the EHR household groups, and inferred no Authority', () => {
    const source = JSON.parse(loaded.sqlite.prepare(`SELECT value FROM sync_state WHERE key = 'fhir_family_source'`).pluck().get() as string);
    expect(source).toMatchObject({ source: 'household_groups', derived: 0 });
    expect(loaded.sqlite.prepare('SELECT count(*) FROM fhir_link_inferences').pluck().get()).toBe(0);
  });
});
