import fs from 'node:fs';
import type { Address } from '@medplum/fhirtypes';
import type BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type OpenedDatabase } from '../../electron/main/db/open';
import { seedDemoPractice } from '../../electron/main/demo/demoPractice';
import { DeskTurn } from '../../electron/main/db/deskTurn';
import BetterSqlite from 'better-sqlite3';
import { placeFamilies } from '../../electron/main/fhir/households';
import { stagingFileOf } from '../../electron/main/fhir/stagingFile';
import { fhirIngestOps, readFhirState } from '../../electron/main/fhir/ingestOps';
import { assemblePages, patientsWithInferredAuthority, stageResources } from '../../electron/main/fhir/ingest';
import { PartSizer } from '../../electron/main/sync/applyOps';
import { applyChangesPage } from '../../electron/main/sync/applyPage';
import { DEFAULT_FHIR_MAPPING_CONFIG, MR_TYPE } from '../../shared/fhir/mappingConfig';
import { V3_ROLE_CODE } from '../../shared/fhir/relationships';
import { kickOffExport, ndjsonBatches } from '../support/fhir/bulkReader';
import { loadOverFhir } from '../support/fhir/load';
import { changeRelatedPersonEmail, clockPast, markDeceased, mergePatients, renamePatient } from '../support/fhir/mutations';
import { ROSTER_GROUP_ID, seedFhirFromMirror } from '../support/fhir/seed';
import { startFhirServer, type FhirServer } from '../support/fhir/server';
import { makeTempDir } from '../support/tempDir';

/**
 * The FHIR source's ingest (electron/main/fhir/ingest.ts) against the FHIR test server: an
 * increment after a first load, a name correction waiting in the outbox, resources set aside,
 * households derived where the EHR has no household Groups, and inferred Authority listed.
 */

const NOW = new Date('2026-11-22T14:30:00.000Z');
const config = DEFAULT_FHIR_MAPPING_CONFIG;
let temp: ReturnType<typeof makeTempDir>;
let demo: OpenedDatabase;
const servers: FhirServer[] = [];
const opened: OpenedDatabase[] = [];

beforeAll(async () => {
  temp = makeTempDir('fpp-fhir-ingest-');
  demo = await openDatabase(':memory:');
  seedDemoPractice(demo.sqlite, { today: '2026-11-22', now: NOW, families: 48 });
}, 60_000);

afterAll(async () => {
  for (const server of servers) await server.close();
  for (const db of opened) await db.close();
  await demo?.close();
  temp?.remove();
});

async function emptyMirror(name: string): Promise<BetterSqlite3.Database> {
  const db = await openDatabase(temp.file(`${name}.sqlite`));
  opened.push(db);
  return db.sqlite;
}

/** A FHIR server of its own holding the demo practice (a test's changes stay in it). */
async function demoServer(): Promise<FhirServer> {
  const server = await startFhirServer({ retryAfterSeconds: 0 });
  servers.push(server);
  await seedFhirFromMirror(server.repo, demo.sqlite, config);
  return server;
}

const roster = (server: FhirServer, query = '') => `${server.baseUrl}/Group/${ROSTER_GROUP_ID}/$export${query}`;
const row = (sqlite: BetterSqlite3.Database, sql: string, ...params: unknown[]) => sqlite.prepare(sql).get(...params) as Record<string, unknown> | undefined;

describe('an increment after the first load', () => {
  it('brings a rename, a new email, a death and a merge in one sync, and keeps a name correction waiting in the outbox', async () => {
    const server = await demoServer();
    const mirror = await emptyMirror('increment');
    const first = await loadOverFhir(mirror, roster(server), { runId: 'first', config, now: NOW });
    expect(first.appliedAside).toBe(0);
    const since = first.manifest.transactionTime;
    expect(row(mirror, `SELECT value FROM sync_state WHERE key = 'pull_cursor'`)).toEqual({ value: `fhir:${since}` });

    // The clerk corrected pat-000010's name at the desk; it still waits in the outbox.
    mirror
      .prepare(
        `INSERT INTO outbox (id, kind, ref, payload, status, next_attempt_at, created_at)
         VALUES ('o-1', 'patient.name_correction', 'pat-000010', '{}', 'pending', ?, ?)`,
      )
      .run(NOW.toISOString(), NOW.toISOString());
    mirror.prepare(`UPDATE patients SET first_name = 'Corrected' WHERE id = 'pat-000010'`).run();

    await clockPast(since);
    await renamePatient(server.repo, 'pat-000003', { given: 'Renata', family: 'Vargas' });
    await changeRelatedPersonEmail(server.repo, 'con-000001-pat-000001', 'rosa.new@example.org');
    await markDeceased(server.repo, 'pat-000005', '2026-11-20');
    await mergePatients(server.repo, 'pat-000007', 'pat-000008');
    await renamePatient(server.repo, 'pat-000010', { given: 'Upstream', family: 'Name' });

    const linksBefore = mirror.prepare('SELECT count(*) FROM patient_contacts').pluck().get();
    const next = await loadOverFhir(mirror, roster(server, `?_since=${encodeURIComponent(since)}`), { runId: 'next', config, now: NOW });
    expect(next.staged).toBe(6); // five patients changed (the merge touches both) and one RelatedPerson
    expect(next.keptLocal).toBe(1);
    expect(row(mirror, `SELECT first_name, last_name FROM patients WHERE id = 'pat-000003'`)).toEqual({ first_name: 'Renata', last_name: 'Vargas' });
    expect(row(mirror, `SELECT email FROM contacts WHERE id = 'con-000001'`)).toEqual({ email: 'rosa.new@example.org' });
    expect(row(mirror, `SELECT status FROM patients WHERE id = 'pat-000005'`)).toEqual({ status: 'Deceased' });
    expect(row(mirror, `SELECT count(*) AS n FROM patients WHERE id = 'pat-000007'`)).toEqual({ n: 0 }); // merged, no PINs: removed
    expect(row(mirror, `SELECT status FROM patients WHERE id = 'pat-000008'`)).toEqual({ status: 'Active' });
    expect(row(mirror, `SELECT first_name FROM patients WHERE id = 'pat-000010'`)).toEqual({ first_name: 'Corrected' });
    // The changed RelatedPerson's link and every family stay as they were.
    const mergedLinks = demo.sqlite.prepare(`SELECT count(*) FROM patient_contacts WHERE patient_id = 'pat-000007'`).pluck().get() as number;
    expect(mirror.prepare('SELECT count(*) FROM patient_contacts').pluck().get()).toBe((linksBefore as number) - mergedLinks);
    expect(mirror.prepare(`SELECT family_id FROM patients WHERE id IN ('pat-000003', 'pat-000005') ORDER BY id`).pluck().all()).toEqual(
      demo.sqlite.prepare(`SELECT family_id FROM patients WHERE id IN ('pat-000003', 'pat-000005') ORDER BY id`).pluck().all(),
    );
  });
});

describe('resources the desk cannot use', () => {
  it('sets aside a malformed resource and a patient without a chart number, and applies the rest', async () => {
    const mirror = await emptyMirror('aside');
    const good = {
      resourceType: 'Patient',
      id: 'ok-1',
      text: { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml">${'narrative '.repeat(500)}</div>` },
      extension: [
        { url: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-race', extension: [{ url: 'text', valueString: 'x' }] },
        { url: config.extensions.portalLinked, valueBoolean: true },
      ],
      identifier: [{ type: { coding: [MR_TYPE] }, value: 'C-1' }],
      name: [{ family: 'Good', given: ['Ann'] }],
    };
    const result = stageResources(
      mirror,
      'r',
      [
        good,
        { resourceType: 'Patient', id: 'bad-1', birthDate: 20190504 },
        { resourceType: 'Patient', id: 'no-mr', name: [{ family: 'NoChart' }] },
        { resourceType: 'Observation', id: 'o1' },
        { resourceType: 'RelatedPerson', id: 'rp-x' },
      ],
      config,
      NOW,
    );
    expect(result).toEqual({ staged: 2, skipped: 1, setAside: 2 });
    // Only what the mapping reads is kept: no narrative, no extension the practice did not configure.
    expect(JSON.parse(row(mirror, `SELECT body FROM fhir_staging WHERE resource_id = 'ok-1'`)!.body as string)).toEqual({
      resourceType: 'Patient',
      id: 'ok-1',
      extension: [{ url: config.extensions.portalLinked, valueBoolean: true }],
      identifier: [{ type: { coding: [MR_TYPE] }, value: 'C-1' }],
      name: [{ family: 'Good', given: ['Ann'] }],
    });
    for (const page of assemblePages(mirror, 'r', { config, now: NOW, cursorBefore: '', cursorAfter: 'fhir:x' })) applyChangesPage(mirror, page, { now: NOW });
    expect(mirror.prepare('SELECT id, portal_linked FROM patients').raw().all()).toEqual([['ok-1', 1]]);
    const problems = mirror.prepare('SELECT kind, record_id, problem FROM sync_problems ORDER BY record_id').all() as {
      kind: string;
      record_id: string;
      problem: string;
    }[];
    expect(problems.map((p) => [p.kind, p.record_id])).toEqual([
      ['patient', 'bad-1'],
      ['patient', 'no-mr'],
      ['contact', 'rp-x'],
    ]);
    expect(problems[0]!.problem).toMatch(/birthDate/);
    expect(problems[1]!.problem).toMatch(/chartNumber: empty/);
    expect(problems[2]!.problem).toMatch(/patient/);
  });
});

describe('families where the EHR has no household Groups', () => {
  it('groups children who share a guardian and a home address, as the practice has them, and says so', async () => {
    const server = await demoServer();
    const mirror = await emptyMirror('derived');
    await loadOverFhir(mirror, roster(server, '?_type=Patient,RelatedPerson,Appointment'), { runId: 'derived', config, now: NOW });
    const partition = (sqlite: BetterSqlite3.Database) =>
      (
        sqlite.prepare(`SELECT group_concat(id, ' ') FROM (SELECT id, family_id FROM patients ORDER BY id) GROUP BY family_id`).pluck().all() as string[]
      ).sort();
    expect(partition(mirror)).toEqual(partition(demo.sqlite));
    const source = JSON.parse(row(mirror, `SELECT value FROM sync_state WHERE key = 'fhir_family_source'`)!.value as string);
    expect(source).toMatchObject({ source: 'guardians_and_address', households: 0 });
    expect(source.derived).toBe(mirror.prepare('SELECT count(*) FROM patients').pluck().get());

    // A newborn arrives alone in an increment: it joins its mother's family.
    const since = (row(mirror, `SELECT value FROM sync_state WHERE key = 'pull_cursor'`)!.value as string).replace(/^fhir:/, '');
    await clockPast(since);
    const mother = row(
      mirror,
      `SELECT l.contact_id, p.family_id, c.first_name, c.last_name FROM patient_contacts l JOIN patients p ON p.id = l.patient_id
         JOIN contacts c ON c.id = l.contact_id WHERE l.relationship = 'Mother' ORDER BY p.id LIMIT 1`,
    )!;
    await server.repo.createResource({
      resourceType: 'Patient',
      id: 'newborn',
      identifier: [{ type: { coding: [MR_TYPE] }, value: 'NB-1' }],
      birthDate: '2026-11-20',
    });
    await server.repo.createResource({
      resourceType: 'RelatedPerson',
      id: 'newborn-mother',
      identifier: [{ system: config.contactIdentifierSystem, value: mother.contact_id as string }],
      patient: { reference: 'Patient/newborn' },
      relationship: [{ coding: [{ system: V3_ROLE_CODE, code: 'MTH' }] }],
      name: [{ family: mother.last_name as string, given: [mother.first_name as string] }],
    });
    const increment = `${server.baseUrl}/Patient/$export?_type=Patient,RelatedPerson,Appointment&_since=${encodeURIComponent(since)}`;
    expect((await loadOverFhir(mirror, increment, { runId: 'baby', config, now: NOW })).staged).toBe(2);
    expect(row(mirror, `SELECT family_id FROM patients WHERE id = 'newborn'`)).toEqual({ family_id: mother.family_id });
  });
});

describe('a person with a RelatedPerson per child', () => {
  it('is one contact with the fields of the most recently updated of them, on every page, whichever child comes first', async () => {
    const mirror = await emptyMirror('one-person');
    const child = (id: string, chart: string) => ({
      resourceType: 'Patient',
      id,
      identifier: [{ type: { coding: [MR_TYPE] }, value: chart }],
      name: [{ family: 'Okafor', given: [id] }],
    });
    const mother = (id: string, kid: string, updated: string, email: string) => ({
      resourceType: 'RelatedPerson',
      id,
      meta: { lastUpdated: updated },
      identifier: [{ system: config.contactIdentifierSystem, value: 'person-7' }],
      patient: { reference: `Patient/${kid}` },
      relationship: [{ coding: [{ system: V3_ROLE_CODE, code: 'MTH' }] }],
      name: [{ family: 'Okafor', given: ['Ngozi'] }],
      telecom: [{ system: 'email', value: email }],
    });
    stageResources(
      mirror,
      'p',
      [
        child('kid-a', 'A-1'),
        child('kid-b', 'B-1'),
        child('kid-c', 'C-1'),
        // The first child's is the oldest; the newest is the second child's; the third child's is in between.
        mother('rp-a', 'kid-a', '2026-01-01T00:00:00.000Z', 'old@example.org'),
        mother('rp-b', 'kid-b', '2026-06-01T00:00:00.000Z', 'new@example.org'),
        mother('rp-c', 'kid-c', '2026-03-01T00:00:00.000Z', 'middle@example.org'),
      ],
      config,
      NOW,
    );
    // A page per patient: each page asks for the person again.
    const pages = [...assemblePages(mirror, 'p', { config, now: NOW, pageRows: 1, cursorBefore: '', cursorAfter: 'end' })];
    const emails = pages.flatMap((page) => page.contacts.map((c) => [c.id, c.email]));
    expect(emails).toEqual([
      ['person-7', 'new@example.org'],
      ['person-7', 'new@example.org'],
      ['person-7', 'new@example.org'],
    ]);
    for (const page of pages) applyChangesPage(mirror, page, { now: NOW });
    expect(mirror.prepare('SELECT id, email FROM contacts').raw().all()).toEqual([['person-7', 'new@example.org']]);
    expect(mirror.prepare('SELECT patient_id FROM patient_contacts WHERE contact_id = ? ORDER BY patient_id').pluck().all('person-7')).toEqual([
      'kid-a',
      'kid-b',
      'kid-c',
    ]);
  });
});

describe('an EHR without the practice’s extensions', () => {
  it('infers Authority, Sort and Resides-with, and lists the patient for the administrator to confirm', async () => {
    const ehr = await startFhirServer({ retryAfterSeconds: 0 });
    try {
      const home: Address[] = [{ use: 'home', line: ['12 Elm St.'], postalCode: '62704-1234' }];
      await ehr.repo.createResource({
        resourceType: 'Patient',
        id: 'kid',
        identifier: [{ type: { coding: [MR_TYPE] }, value: 'K-1' }],
        birthDate: '2019-01-02',
        address: home,
      });
      const parent = (id: string, code: string, address?: Address[]) => ({
        resourceType: 'RelatedPerson' as const,
        id,
        patient: { reference: 'Patient/kid' },
        relationship: [{ coding: [{ system: V3_ROLE_CODE, code }] }],
        name: [{ family: 'Ito', given: [id] }],
        telecom: [{ system: 'email' as const, value: `${id}@example.org` }],
        ...(address ? { address } : {}),
      });
      await ehr.repo.createResource(parent('gran', 'GRMTH', [{ line: ['12 ELM ST'], postalCode: '62704' }]));
      await ehr.repo.createResource(parent('mom', 'MTH'));
      const mirror = await emptyMirror('inferred');
      await loadOverFhir(mirror, `${ehr.baseUrl}/Patient/$export`, { runId: 'i', config, now: NOW });
      expect(mirror.prepare('SELECT contact_id, sort, authority, resides_with FROM patient_contacts ORDER BY sort').all()).toEqual([
        { contact_id: 'mom', sort: 1, authority: 'Joint', resides_with: 0 },
        { contact_id: 'gran', sort: 2, authority: null, resides_with: 1 },
      ]);
      expect(patientsWithInferredAuthority(mirror)).toEqual(['kid']);
      expect(row(mirror, 'SELECT name FROM families f JOIN patients p ON p.family_id = f.id')).toEqual({ name: '' });
    } finally {
      await ehr.close();
    }
  });
});

describe('a large first load and the desk', () => {
  it('places the families in short transactions, the desk first between them, with the same families as a single pass', async () => {
    const server = await demoServer();
    const stagedMirror = async (name: string, runId: string) => {
      const sqlite = await emptyMirror(name);
      const manifest = await kickOffExport(roster(server));
      for (const file of manifest.output) for await (const batch of ndjsonBatches(file.url)) stageResources(sqlite, runId, batch, config, NOW);
      return sqlite;
    };
    const chunked = await stagedMirror('placed-in-chunks', 'run-chunks');
    const whole = await stagedMirror('placed-whole', 'run-whole');
    const patients = chunked.prepare("SELECT count(*) FROM fhir_staging WHERE resource_type = 'Patient'").pluck().get() as number;
    expect(patients).toBeGreaterThan(100);

    // A clerk's write between every 25 placements: it must find the file free, not wait for the whole placement.
    let deskWrites = 0;
    const desk = () => {
      chunked
        .prepare("INSERT INTO sync_state (key, value) VALUES ('desk_probe', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
        .run(String(++deskWrites));
    };
    placeFamilies(chunked, 'run-chunks', { config, now: NOW.toISOString() }, desk, 25);
    expect(deskWrites).toBeGreaterThanOrEqual(Math.floor(patients / 25));
    for (const page of assemblePages(chunked, 'run-chunks', { config, now: NOW, cursorBefore: '', cursorAfter: 'end', familiesPlaced: true })) {
      applyChangesPage(chunked, page, { now: NOW });
    }
    for (const page of assemblePages(whole, 'run-whole', { config, now: NOW, cursorBefore: '', cursorAfter: 'end' }))
      applyChangesPage(whole, page, { now: NOW });

    const families = (sqlite: BetterSqlite3.Database) => sqlite.prepare('SELECT id, family_id FROM patients ORDER BY id').raw().all();
    expect(families(chunked)).toEqual(families(whole));
    expect(families(chunked)).toEqual(families(demo.sqlite));
    // A placement cut off and redone starts from nothing: the same families again, no row twice.
    placeFamilies(chunked, 'run-chunks', { config, now: NOW.toISOString() }, () => undefined, 25);
    expect(chunked.prepare("SELECT count(*) FROM fhir_staging_family WHERE run_id = 'run-chunks'").pluck().get()).toBe(patients);
  });
});

describe('the staging file', () => {
  it('stages while the desk holds the mirror, keeps the position beside the rows, and is gone when the run ends', async () => {
    const mirror = await emptyMirror('staging-file');
    // The desk's own connection holds the mirror's write lock the whole time; the job's gives up at once if it needs it.
    const desk = new BetterSqlite(mirror.name);
    desk.exec(`BEGIN IMMEDIATE; INSERT INTO sync_state (key, value) VALUES ('desk', 'issuing a family')`);
    mirror.pragma('busy_timeout = 0');
    const ops = fhirIngestOps(mirror, new DeskTurn().buffer);
    const runId = 'run-1';
    const statusUrl = 'https://ehr.example.org/fhir/$export-status/1';
    const job = { runId, statusUrl, since: null, manifest: null, file: 0, line: 0, staged: 0 };
    const state = { source: 'https://ehr.example.org/fhir#roster', since: null, export: job };
    const line = (i: number) =>
      JSON.stringify({ resourceType: 'Patient', id: `p-${i}`, name: [{ family: 'Okafor', given: [`Kid${i}`] }], birthDate: '2019-04-02' });
    const lines = Array.from({ length: 1_234 }, (_, i) => line(i)).join('\n');
    ops.fileBegin({ state, where: 'Patient file 1', config, now: NOW.toISOString() });
    const bytes = new TextEncoder().encode(`${lines}\n`);
    const progress = ops.fileBytes({ bytes: bytes.buffer.slice(0) as ArrayBuffer });
    // Two whole batches of 500 written while the desk held the mirror; the rest waits for the file's end.
    expect(progress).toMatchObject({ linesDone: 1_000, staged: 1_000 });
    desk.exec('COMMIT');
    desk.close();

    // The sync stops here (the app closed). The next one goes on from the last batch really staged, as the staging file says.
    const again = fhirIngestOps(mirror, new DeskTurn().buffer);
    expect(again.stagedProgress({ runId, statusUrl })).toEqual({ statusUrl, file: 0, line: 1_000, staged: 1_000 });
    // Another export of the run (the old one expired) starts from its first line.
    expect(again.stagedProgress({ runId, statusUrl: 'https://ehr.example.org/fhir/$export-status/2' })).toBeNull();
    expect(mirror.prepare("SELECT count(*) FROM fhir_staging WHERE run_id = 'run-1'").pluck().get()).toBe(1_000);
    // The mirror file holds no staging: it stays the size of the practice.
    const own = (sqlite: BetterSqlite3.Database) => sqlite.prepare("SELECT count(*) FROM main.sqlite_schema WHERE name LIKE 'fhir_staging%'").pluck().get();
    expect(own(mirror)).toBe(0);
    expect(fs.statSync(stagingFileOf(mirror.name)).mode & 0o777).toBe(0o600);

    // A staging file torn by a power cut (it syncs nothing) is started afresh, not read, when a stopped run goes on.
    const file = stagingFileOf(mirror.name);
    mirror.exec('DETACH DATABASE fhir_stage');
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.alloc(8_192, 0x5a), 0, 8_192, 4_096);
    fs.closeSync(fd);
    const afterCut = fhirIngestOps(mirror, new DeskTurn().buffer);
    expect(afterCut.stagedProgress({ runId, statusUrl })).toBeNull();
    expect(fs.existsSync(file)).toBe(false);

    again.complete({ runId, source: state.source, since: null, lastSyncAt: NOW.toISOString() });
    expect(fs.existsSync(stagingFileOf(mirror.name))).toBe(false);
    expect(readFhirState(mirror).export).toBeNull();
    expect(mirror.pragma('quick_check', { simple: true })).toBe('ok');
  });
});

describe('a FHIR page applied in parts', () => {
  /** Parts of 40 records, whatever they took: a page of this small practice is cut in many. */
  class FortyAtATime extends PartSizer {
    override next(): number {
      return 40;
    }
    override took(): void {}
  }

  it('gives the mirror a page in one transaction gives; a failure between parts leaves the run open, and the next sync completes it', async () => {
    const server = await demoServer();
    const staged = async (name: string, runId: string) => {
      const sqlite = await emptyMirror(name);
      const manifest = await kickOffExport(roster(server));
      for (const file of manifest.output) for await (const batch of ndjsonBatches(file.url)) stageResources(sqlite, runId, batch, config, NOW);
      return sqlite;
    };
    const whole = await staged('pages-whole', 'run-whole');
    for (const page of assemblePages(whole, 'run-whole', { config, now: NOW, cursorBefore: '', cursorAfter: '' }))
      whole.transaction(() => applyChangesPage(whole, page, { now: NOW })).immediate();

    const inParts = await staged('pages-in-parts', 'run-parts');
    const runId = 'run-parts';
    const source = 'https://ehr.example.org/fhir#roster';
    const open = { source, since: null, export: { runId, statusUrl: null, since: null, manifest: null, file: 0, line: 0, staged: 0 } };
    const apply = fhirIngestOps(inParts, new DeskTurn().buffer, new FortyAtATime());
    apply.saveState(open);
    const args = { runId, config, deferIndex: false, pageRows: 500, now: NOW.toISOString() };
    apply.prepare({ runId });
    apply.placeFamilies({ runId, config, now: NOW.toISOString() });
    // The disk fails when the patients page reaches its appointments: its families, contacts, patients and links are written, in parts.
    inParts.exec(`CREATE TEMP TRIGGER disk_full BEFORE INSERT ON appointments BEGIN SELECT RAISE(ABORT, 'the disk is full'); END`);
    expect(() => {
      while (apply.applyNext(args)?.hasMore);
    }).toThrow('the disk is full');
    const count = (sqlite: BetterSqlite3.Database, table: string) => sqlite.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
    expect(count(inParts, 'patients')).toBe(count(whole, 'patients'));
    expect(count(inParts, 'appointments')).toBe(0);
    expect(count(whole, 'appointments')).toBeGreaterThan(0);
    // Not a silent half: the run is still open (the next sync assembles and applies every page again), and no sync is recorded as done.
    expect(readFhirState(inParts).export?.runId).toBe(runId);
    expect(row(inParts, `SELECT value FROM sync_state WHERE key = 'last_sync_at'`)).toBeUndefined();

    // The next sync (a new worker: its own ops) completes the run.
    inParts.exec('DROP TRIGGER disk_full');
    const again = fhirIngestOps(inParts, new DeskTurn().buffer, new FortyAtATime());
    again.prepare({ runId });
    again.placeFamilies({ runId, config, now: NOW.toISOString() });
    while (again.applyNext(args)?.hasMore);
    again.complete({ runId, source, since: '2026-11-22T14:00:00.000Z', lastSyncAt: NOW.toISOString() });

    for (const [table, key] of [
      ['families', 'id'],
      ['patients', 'id'],
      ['contacts', 'id'],
      ['patient_contacts', 'patient_id, contact_id'],
      ['appointments', 'id'],
    ] as const) {
      const rows = (sqlite: BetterSqlite3.Database) => sqlite.prepare(`SELECT * FROM ${table} ORDER BY ${key}`).all();
      expect(rows(inParts), table).toEqual(rows(whole));
    }
    expect(readFhirState(inParts).export).toBeNull();
    expect(inParts.pragma('quick_check', { simple: true })).toBe('ok');
  });
});
