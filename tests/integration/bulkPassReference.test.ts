import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorklistRow } from '../../shared/bulk/api';
import { bulkPrimaryOf, bulkVerdict, type BulkVerdict } from '../../shared/domain/bulkEligibility';
import type { IsoDate } from '../../shared/domain/dates';
import type { Authority, PatientStatus } from '../../shared/domain/patient';
import { groupWorklistByGuardian, type WorklistEntry } from '../../shared/domain/worklistGroups';
import { createApp, type App } from '../../electron/main/app';
import { computeSnapshot, worklistEntryFor, type BulkSnapshot } from '../../electron/main/bulk/snapshot';
import { makeTempDir } from '../support/tempDir';

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
function practice() {
  const sqlite = app.context.sqlite;
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

async function snapshotWith(chunkSize?: number): Promise<BulkSnapshot> {
  return computeSnapshot(app.context.sqlite, { today: TODAY, minorAgeLimit: AGE_LIMIT, now: NOW }, { chunkSize, targetChunkMs: chunkSize ? 0.001 : undefined });
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
