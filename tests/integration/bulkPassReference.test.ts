import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorklistRow } from '../../shared/bulk/api';
import { bulkPrimaryOf, bulkVerdict, type BulkVerdict } from '../../shared/domain/bulkEligibility';
import type { IsoDate } from '../../shared/domain/dates';
import type { Authority, PatientStatus } from '../../shared/domain/patient';
import { groupWorklistByGuardian, type WorklistEntry } from '../../shared/domain/worklistGroups';
import { createApp, type App } from '../../electron/main/app';
import { computeSnapshot, worklistEntryFor, type BulkSnapshot } from '../../electron/main/bulk/snapshot';
import { makeTempDir } from '../support/tempDir';
import type BetterSqlite3 from 'better-sqlite3';
import { signInAs } from '../../electron/main/clerks/sessionService';
import { Importer, importHandlers } from '../../electron/main/importer';
import { applyChangesPage } from '../../electron/main/sync/applyPage';
import type { ChangesPage } from '../../shared/sync/protocol';
import { CLEAN, cleanFiles } from '../support/csvFixtures';
import { contactRecord, linkRecord, patientRecord } from '../support/syncRecords';
import { invokeOk, MORGAN_ADMIN, openTestDesk } from '../support/testDesk';

// The Bulk PIN pass (snapshot.ts: packed rows, typed arrays, verdicts worked out once per distinct
// input) against the rules applied the straightforward way, patient by patient, over the demo
// practice with every odd case the pass treats apart added in: every patient's verdict, every
// guardian's children and every worklist row must be the same.

const NOW = new Date('2026-11-22T15:00:00Z');
const TODAY = '2026-11-22' as IsoDate;
const AGE_LIMIT = 18;

let temp: ReturnType<typeof makeTempDir>;
let app: App;

beforeAll(async () => {
  temp = makeTempDir();
  app = await createApp({ databaseFile: temp.file('demo.sqlite'), demo: { families: 600 }, now: () => NOW, workstation: 'desk-2' });
  const sqlite = app.context.sqlite;
  const contactIds = sqlite.prepare('SELECT id FROM contacts ORDER BY id').pluck().all() as string[];
  const patientIds = sqlite.prepare(`SELECT id FROM patients WHERE status = 'Active' ORDER BY id`).pluck().all() as string[];
  const setEmail = sqlite.prepare('UPDATE contacts SET email = ? WHERE id = ?');
  const oddEmails = [
    'mom@',
    'ana@example.com, luis@example.com',
    'Maria Lopez <maria@example.com>',
    'two@@example.com',
    'line\nbreak@example.com',
    '  spaced@example.com  ',
    'UPPER@EXAMPLE.COM',
    'emoji\u{1F600}@example.com',
    'sep\u001fchar@example.com',
    'typo@gmial.com',
    '',
    '   ',
    'shared@example.com',
    ' Shared@Example.com',
    'shared@example.com',
  ];
  for (const [i, email] of oddEmails.entries()) setEmail.run(email, contactIds[i * 7]!);
  sqlite.prepare(`UPDATE contacts SET first_name = '', mobile_phone = '555-555-5555', preferred_reminder = NULL WHERE id = ?`).run(contactIds[3]!);
  const setDob = sqlite.prepare('UPDATE patients SET date_of_birth = ? WHERE id = ?');
  const oddDates = [null, '2015-1-1', ' 2015-01-01', '2015-02-30', '2008-11-22', '2008-11-23', 'unknown', '2015\u001f01-01', '2030-01-01'];
  for (const [i, dob] of oddDates.entries()) setDob.run(dob, patientIds[i * 11]!);
  // Several Sort-1 contacts (a data error), a Sort-1 link without authority, a link of another sort only.
  const link = sqlite.prepare(
    `INSERT OR REPLACE INTO patient_contacts (patient_id, contact_id, sort, relationship, authority, resides_with, portal_flag) VALUES (?, ?, ?, 'Aunt', ?, ?, ?)`,
  );
  for (let i = 0; i < 6; i++) link.run(patientIds[200 + i]!, contactIds[300 + i]!, 1, i % 2 ? 'Joint' : null, 0, i % 3 === 0 ? 1 : 0);
  sqlite.prepare(`UPDATE patient_contacts SET authority = NULL, resides_with = 0, portal_flag = 1 WHERE patient_id = ? AND sort = 1`).run(patientIds[250]!);
  sqlite.prepare(`DELETE FROM patient_contacts WHERE patient_id = ? AND sort = 1`).run(patientIds[260]!);
  sqlite.prepare(`UPDATE patient_contacts SET sort = 2 WHERE patient_id = ? AND sort = 1`).run(patientIds[270]!);
  sqlite.prepare(`UPDATE patients SET status = 'Deceased' WHERE id = ?`).run(patientIds[280]!);
});

afterAll(async () => {
  await app.close();
  temp.remove();
});

interface Link {
  contactId: string;
  authority: Authority | null;
  residesWith: boolean;
  portalFlag: boolean;
  email: string | null;
  firstName: string;
  lastName: string;
}

/** Every patient and their Sort-1 links, read plainly. */
function practice(sqlite = app.context.sqlite) {
  const patients = sqlite.prepare('SELECT id, status, date_of_birth FROM patients ORDER BY id').all() as {
    id: string;
    status: PatientStatus;
    date_of_birth: string | null;
  }[];
  const links = new Map<string, Link[]>();
  const linkRows = sqlite
    .prepare(
      `SELECT pc.patient_id, c.id, pc.authority, pc.resides_with, pc.portal_flag, c.email, c.first_name, c.last_name
         FROM patient_contacts pc JOIN contacts c ON c.id = pc.contact_id WHERE pc.sort = 1`,
    )
    .raw(true)
    .all() as [string, string, Authority | null, number, number, string | null, string, string][];
  for (const [patientId, contactId, authority, residesWith, portalFlag, email, firstName, lastName] of linkRows) {
    const list = links.get(patientId) ?? [];
    list.push({ contactId, authority, residesWith: residesWith === 1, portalFlag: portalFlag === 1, email, firstName, lastName });
    links.set(patientId, list);
  }
  return { patients, links };
}

/** The verdict of one patient by the rules, as the PIN wizard would reach it. */
function referenceVerdict(p: { status: PatientStatus; date_of_birth: string | null }, links: Link[]): { verdict: BulkVerdict; primary: Link | null } {
  const chosen = bulkPrimaryOf(links.map((l) => ({ ...l, sort: 1, relationship: '' })));
  const primary = chosen ? links.find((l) => l.contactId === chosen.contactId)! : null;
  const verdict = bulkVerdict(
    { status: p.status, dateOfBirth: p.date_of_birth as IsoDate | null },
    primary ? { link: { ...chosen! }, email: primary.email, firstName: primary.firstName, lastName: primary.lastName } : null,
    AGE_LIMIT,
    TODAY,
  );
  return { verdict, primary };
}

async function snapshotWith(chunkSize?: number, sqlite = app.context.sqlite): Promise<BulkSnapshot> {
  return computeSnapshot(sqlite, { today: TODAY, minorAgeLimit: AGE_LIMIT, now: NOW }, { chunkSize, targetChunkMs: chunkSize ? 0.001 : undefined });
}

describe('the Bulk PIN pass agrees with the rules applied patient by patient', () => {
  it('every patient: eligible under the same guardian, or excluded for the same reason and detail', async () => {
    const { patients, links } = practice();
    const wantEligible = new Map<string, string>();
    const wantExcluded = new Map<string, { reason: string; detail: string }>();
    for (const p of patients) {
      const { verdict, primary } = referenceVerdict(p, links.get(p.id) ?? []);
      if (verdict.eligible) wantEligible.set(p.id, primary!.contactId);
      else wantExcluded.set(p.id, { reason: verdict.reason, detail: verdict.detail });
    }
    // the practice is varied: every kind of verdict is there
    expect(new Set([...wantExcluded.values()].map((e) => e.reason)).size).toBeGreaterThanOrEqual(9);
    expect(wantEligible.size).toBeGreaterThan(500);

    for (const chunkSize of [undefined, 7]) {
      const snapshot = await snapshotWith(chunkSize);
      expect(snapshot.patients).toBe(patients.length);
      const gotEligible = new Map<string, string>();
      for (const g of await snapshot.guardians()) for (const c of g.children) gotEligible.set(c.patientId, g.contactId);
      expect(gotEligible).toEqual(wantEligible);
      expect(snapshot.guardianCount).toBe(new Set(wantEligible.values()).size);
      const gotExcluded = new Map((await snapshot.exclusions()).map((e) => [e.patientId, { reason: e.reason as string, detail: e.detail }]));
      expect(gotExcluded).toEqual(wantExcluded);
    }
  });

  it('every worklist row: the same guardians, children and problems, in the same order', async () => {
    const sqlite = app.context.sqlite;
    const { patients, links } = practice();
    const names = new Map(
      (sqlite.prepare('SELECT id, first_name, last_name FROM patients').raw(true).all() as [string, string, string][]).map(([id, first, last]) => [
        id,
        { first, last },
      ]),
    );
    const entries: { key: string; entry: WorklistEntry }[] = [];
    const withoutPrimary: string[] = [];
    for (const p of patients) {
      if (p.status !== 'Active') continue;
      const { primary } = referenceVerdict(p, links.get(p.id) ?? []);
      if (!primary) {
        withoutPrimary.push(p.id);
        continue;
      }
      const entry = worklistEntryFor(sqlite, p.id, primary.contactId);
      const n = names.get(p.id)!;
      if (entry) entries.push({ key: `${n.last.toLowerCase()}\u0000${n.first.toLowerCase()}\u0000${p.id}:${primary.contactId}`, entry });
    }
    entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const want = groupWorklistByGuardian(entries.map((e) => e.entry));
    expect(want.some((r) => r.problems.some((p) => p.code === 'shared_email'))).toBe(true);
    expect(new Set(want.flatMap((r) => r.problems.map((p) => p.code))).size).toBeGreaterThanOrEqual(7);
    expect(withoutPrimary.length).toBeGreaterThan(0);

    for (const chunkSize of [undefined, 7]) {
      const snapshot = await snapshotWith(chunkSize);
      const got = snapshot.worklist.filter((r: WorklistRow) => r.contactId !== null);
      expect(got).toEqual(want);
      const noPrimary = snapshot.worklist.filter((r) => r.contactId === null);
      expect(noPrimary.flatMap((r) => r.children.map((c) => c.patientId)).sort()).toEqual(withoutPrimary.sort());
      expect(noPrimary.every((r) => r.problems.map((p) => p.code).join() === 'no_primary_contact')).toBe(true);
    }
  });
});

// With the worklist, the pass reads the Primary Contacts (email class and own problems) once, before
// judging patients (primaryContacts.ts). Outside a read transaction a contact can become someone's
// Primary Contact after that read: it must then be judged from its row, in the pass and the worklist.
describe('a contact made a Primary Contact while the pass runs', () => {
  it('is judged from its row: the verdicts and the worklist are those of a pass after the change', async () => {
    const sqlite = app.context.sqlite;
    const [patientId, oldPrimary] = sqlite
      .prepare(
        `SELECT p.id, pc.contact_id FROM patients p JOIN patient_contacts pc ON pc.patient_id = p.id AND pc.sort = 1
          WHERE p.status = 'Active' AND p.date_of_birth > '2012-01-01' AND (SELECT count(*) FROM patient_contacts x WHERE x.patient_id = p.id AND x.sort = 1) = 1
          ORDER BY p.rowid DESC LIMIT 1`,
      )
      .raw(true)
      .get() as [string, string];
    // Nobody's Primary Contact when the pass starts.
    const newcomer = sqlite
      .prepare(`SELECT id FROM contacts c WHERE NOT EXISTS (SELECT 1 FROM patient_contacts x WHERE x.contact_id = c.id AND x.sort = 1) ORDER BY rowid LIMIT 1`)
      .pluck()
      .get() as string;
    sqlite.prepare(`UPDATE contacts SET email = 'Rosa Diaz <rosa.diaz@example.com>', mobile_phone = NULL WHERE id = ?`).run(newcomer);
    let writes = 0;
    const during = await computeSnapshot(
      sqlite,
      { today: TODAY, minorAgeLimit: AGE_LIMIT, now: NOW },
      {
        chunkSize: 50,
        targetChunkMs: 0.001,
        // Asked first right after the contacts are read, before any patient is judged.
        stopping: () => {
          if (writes++ === 0) {
            sqlite.prepare(`UPDATE patient_contacts SET sort = 2 WHERE patient_id = ? AND contact_id = ?`).run(patientId, oldPrimary);
            sqlite
              .prepare(
                `INSERT INTO patient_contacts (patient_id, contact_id, sort, relationship, authority, resides_with, portal_flag) VALUES (?, ?, 1, 'Aunt', 'Joint', 1, 0)`,
              )
              .run(patientId, newcomer);
          }
          return false;
        },
      },
    );
    expect(writes).toBeGreaterThan(1);
    const after = await snapshotWith();
    const { patients, links } = practice();
    const { verdict } = referenceVerdict(patients.find((p) => p.id === patientId)!, links.get(patientId) ?? []);
    expect(verdict).toMatchObject({ eligible: false, reason: 'no_email' });
    const excluded = (await during.exclusions()).find((e) => e.patientId === patientId);
    expect(excluded).toMatchObject({ reason: 'no_email', detail: (verdict as { detail: string }).detail });
    expect(await during.exclusions()).toEqual(await after.exclusions());
    expect(await during.guardians()).toEqual(await after.guardians());
    // The newcomer's worklist row: a name beside the address, no mobile number.
    const row = during.worklist.find((r) => r.contactId === newcomer);
    expect(row?.children.map((c) => c.patientId)).toEqual([patientId]);
    expect(row?.problems.map((p) => p.code)).toEqual(expect.arrayContaining(['malformed_email', 'missing_mobile']));
    expect(during.worklist).toEqual(after.worklist);
  });
});

// The pass finds each patient's Sort-1 link in primary_links (migration 016), a stored fact kept by
// triggers. Every writer of links, patients and contacts must leave it exactly what the links say,
// and the pass's verdicts must then still be the rules' patient by patient.
describe('the link facts the pass reads follow every writer', () => {
  let deskTemp: ReturnType<typeof makeTempDir>;
  let desk: App;

  beforeAll(async () => {
    deskTemp = makeTempDir();
    desk = await openTestDesk(deskTemp.file('practice.sqlite'), { now: () => NOW, workstation: 'desk-1', clerks: [MORGAN_ADMIN] });
    await signInAs(desk.context, MORGAN_ADMIN.id);
  });
  afterAll(async () => {
    await desk.close();
    deskTemp.remove();
  });

  const LINK_BITS_OF = `(CASE pc.authority WHEN 'Joint' THEN 1 WHEN 'Exclusive' THEN 2 WHEN 'None' THEN 3 ELSE 0 END) + pc.resides_with * 4 + pc.portal_flag * 8`;
  /** The stored facts against the links as they stand, and the pass against the rules. */
  async function expectPassFollowsLinks(sqlite: BetterSqlite3.Database): Promise<void> {
    const stored = sqlite.prepare('SELECT patient_rowid, contact_rowid, bits FROM primary_links ORDER BY 1, 2').raw(true).all();
    const derived = sqlite
      .prepare(
        `SELECT p.rowid, c.rowid, ${LINK_BITS_OF} FROM patient_contacts pc JOIN patients p ON p.id = pc.patient_id JOIN contacts c ON c.id = pc.contact_id
          WHERE pc.sort = 1 ORDER BY 1, 2`,
      )
      .raw(true)
      .all();
    expect(stored).toEqual(derived);
    const { patients, links } = practice(sqlite);
    const want = new Map<string, string>();
    for (const p of patients) {
      const { verdict, primary } = referenceVerdict(p, links.get(p.id) ?? []);
      want.set(p.id, verdict.eligible ? `eligible:${primary!.contactId}` : `${verdict.reason}:${verdict.detail}`);
    }
    const snapshot = await snapshotWith(undefined, sqlite);
    const got = new Map<string, string>();
    for (const g of await snapshot.guardians()) for (const c of g.children) got.set(c.patientId, `eligible:${g.contactId}`);
    for (const e of await snapshot.exclusions()) got.set(e.patientId, `${e.reason}:${e.detail}`);
    expect(got).toEqual(want);
  }
  const idOfChart = (chart: string) => desk.context.sqlite.prepare('SELECT id FROM patients WHERE chart_number = ?').pluck().get(chart) as string;
  const sortOneOf = (patientId: string) =>
    desk.context.sqlite.prepare('SELECT contact_id FROM patient_contacts WHERE patient_id = ? AND sort = 1 ORDER BY contact_id').pluck().all(patientId);

  it('the import, a re-import that moves Sort 1, a pull page, an inline fix, and plain SQL', async () => {
    const sqlite = desk.context.sqlite;
    const importer = () => importHandlers(new Importer(desk.context, { databaseFile: deskTemp.file('practice.sqlite'), worker: 'never' }));
    // The import writes the practice: links, patients and contacts.
    await importer()['import.apply']({ files: cleanFiles() });
    expect(sqlite.prepare('SELECT count(*) FROM primary_links').pluck().get()).toBe(5);
    await expectPassFollowsLinks(sqlite);
    const luis = idOfChart('C1002');
    const [maria] = sortOneOf(luis) as string[];

    // A re-import: Carlos becomes Luis's Sort 1 (with Exclusive authority), Maria his Sort 2.
    const contacts = CLEAN.contacts
      .replace('C1002,K1,Maria,Lopez,Mother,1,Joint', 'C1002,K1,Maria,Lopez,Mother,2,Joint')
      .replace(/\r\n$/, '\r\nC1002,K2,Carlos,Lopez,Father,1,Exclusive,N,N,carlos@example.com,(617) 555-0143,,SMS,es\r\n');
    await importer()['import.apply']({
      files: [
        { name: 'patients.csv', content: CLEAN.patients },
        { name: 'contacts.csv', content: contacts },
        { name: 'appointments.csv', content: CLEAN.appointments },
      ],
    });
    expect(sortOneOf(luis)).not.toContain(maria);
    expect(sortOneOf(luis)).toHaveLength(1);
    await expectPassFollowsLinks(sqlite);

    // A pull page: a new patient and contact with their link, a link made Sort 2, a link and a contact removed.
    const ana = idOfChart('C1001');
    const baby = idOfChart('C2001');
    const [hoa] = sortOneOf(baby) as string[];
    const page: ChangesPage = {
      cursor: 'c-1',
      hasMore: false,
      remaining: 0,
      families: [],
      patients: [patientRecord('p-new', { chartNumber: 'C9001' })],
      contacts: [contactRecord('c-new', { email: 'new.guardian@example.com' })],
      patientContacts: [linkRecord('p-new', 'c-new', 1), linkRecord(ana, maria!, 3)],
      appointments: [],
      tombstones: [
        { kind: 'patientContact', id: `${luis}:${sortOneOf(luis)[0]}` },
        { kind: 'contact', id: hoa! },
      ],
      pins: [],
      guardians: [],
    };
    applyChangesPage(sqlite, page, { now: NOW });
    expect(sortOneOf('p-new')).toEqual(['c-new']);
    expect(sortOneOf(ana)).toEqual([]);
    expect(sortOneOf(luis)).toEqual([]);
    expect(sortOneOf(baby)).toEqual([]);
    await expectPassFollowsLinks(sqlite);

    // An inline fix of the worklist: the new guardian's authority for the new child.
    await invokeOk(desk, 'bulk.fixContact', { contactId: 'c-new', links: [{ patientId: 'p-new', authority: null, residesWith: false }] });
    expect(sqlite.prepare('SELECT bits FROM primary_links WHERE patient_rowid = (SELECT rowid FROM patients WHERE id = ?)').pluck().get('p-new')).toBe(0);
    await expectPassFollowsLinks(sqlite);

    // Plain SQL the way no writer does it today: a link replaced (no delete trigger fires), a patient removed.
    sqlite
      .prepare(
        `INSERT OR REPLACE INTO patient_contacts (patient_id, contact_id, sort, relationship, authority, resides_with, portal_flag) VALUES (?, ?, 2, 'Father', 'Joint', 1, 0)`,
      )
      .run('p-new', 'c-new');
    sqlite
      .prepare(
        `INSERT OR REPLACE INTO patient_contacts (patient_id, contact_id, sort, relationship, authority, resides_with, portal_flag) VALUES (?, ?, 1, 'Mother', 'Joint', 1, 0)`,
      )
      .run(ana, maria!);
    sqlite.prepare('DELETE FROM appointments WHERE patient_id = ?').run(luis);
    sqlite.prepare('DELETE FROM patients WHERE id = ?').run(luis);
    await expectPassFollowsLinks(sqlite);
  });
});
