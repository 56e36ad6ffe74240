import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, type OpenedDatabase } from '../../electron/main/db/open';
import {
  DEMO_CLERK_ID,
  DEMO_ROUND,
  DEMO_SCENARIOS,
  chartNumber,
  demoScenarioFamilies,
  scenarioForFamilyIndex,
  seedDemoPractice,
  type DemoOptions,
  type DemoScenario,
  type DemoSummary,
} from '../../electron/main/demo/demoPractice';
import { eligiblePrimaryContact, hasAccessRight, type ContactLink } from '../../shared/domain/contacts';
import { addDays, ageOn, daysBetween } from '../../shared/domain/dates';
import { isUnofficialName } from '../../shared/domain/names';
import type { PatientStatus } from '../../shared/domain/patient';
import type { PatientContact } from '../../electron/main/db/schema';
import { toLink } from '../../electron/main/families/familyService';

const TODAY = '2026-11-22';
const NOW = new Date('2026-11-22T14:30:00.000Z');

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

async function seeded(options: Partial<DemoOptions> = {}): Promise<OpenedDatabase & { summary: DemoSummary }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-practice-'));
  dirs.push(dir);
  const opened = await openDatabase(path.join(dir, 'mirror.sqlite'));
  const summary = seedDemoPractice(opened.sqlite, { today: TODAY, now: NOW, ...options });
  return { ...opened, summary };
}

const TABLES: [string, string][] = [
  ['families', 'id'],
  ['patients', 'id'],
  ['contacts', 'id'],
  ['patient_contacts', 'patient_id, contact_id'],
  ['appointments', 'id'],
  ['clerks', 'id'],
  ['settings', 'key'],
  ['search_terms', 'term, patient_id'],
];

function tableHash(sqlite: BetterSqlite3.Database, table: string, orderBy: string): string {
  const hash = crypto.createHash('sha256');
  for (const row of sqlite.prepare(`SELECT * FROM ${table} ORDER BY ${orderBy}`).raw().iterate()) {
    hash.update(JSON.stringify(row));
    hash.update('\n');
  }
  return hash.digest('hex');
}

function contentHashes(sqlite: BetterSqlite3.Database): Record<string, string> {
  return Object.fromEntries(TABLES.map(([table, order]) => [table, tableHash(sqlite, table, order)]));
}

interface PatientRow {
  id: string;
  family_id: string;
  first_name: string;
  last_name: string;
  date_of_birth: string | null;
  status: PatientStatus;
  portal_linked: number;
}
type LinkRow = PatientContact & { email: string | null; has_portal_account: number };
interface FamilyView {
  id: string;
  patients: PatientRow[];
  links: Map<string, (ContactLink & { email: string | null; hasPortalAccount: boolean })[]>;
  bookedToday: Set<string>;
}

function loadFamily(sqlite: BetterSqlite3.Database, familyId: string, today = TODAY): FamilyView {
  const patients = sqlite.prepare('SELECT * FROM patients WHERE family_id = ? ORDER BY id').all(familyId) as PatientRow[];
  const links = new Map<string, (ContactLink & { email: string | null; hasPortalAccount: boolean })[]>();
  const linkRows = sqlite
    .prepare(
      `SELECT pc.*, c.email, c.has_portal_account
         FROM patient_contacts pc JOIN contacts c ON c.id = pc.contact_id
         JOIN patients p ON p.id = pc.patient_id
        WHERE p.family_id = ? ORDER BY pc.patient_id, pc.sort`,
    )
    .all(familyId) as LinkRow[];
  for (const p of patients) links.set(p.id, []);
  for (const l of linkRows) {
    links.get(l.patient_id)!.push({ ...toLink(l), email: l.email, hasPortalAccount: l.has_portal_account === 1 });
  }
  const booked = sqlite
    .prepare(
      `SELECT a.patient_id FROM appointments a JOIN patients p ON p.id = a.patient_id
        WHERE p.family_id = ? AND a.starts_at >= ? AND a.starts_at < ?`,
    )
    .pluck()
    .all(familyId, today, addDays(today, 1)) as string[];
  return { id: familyId, patients, links, bookedToday: new Set(booked) };
}

/** Asserts every scenario family has the property its tag claims. */
function checkScenarios(sqlite: BetterSqlite3.Database, today: string, limit: number, minimum: number): void {
  const scenarios = demoScenarioFamilies(sqlite);
  for (const scenario of DEMO_SCENARIOS) {
    expect(scenarios[scenario].length, `${scenario} occurrences`).toBeGreaterThanOrEqual(scenario === 'shared-guardian' ? 2 * minimum : minimum);
  }
  const families = (s: DemoScenario) => scenarios[s].map((id) => loadFamily(sqlite, id, today));
  const active = (f: FamilyView) => f.patients.filter((p) => p.status === 'Active');
  const epc = (f: FamilyView, patientId: string) => eligiblePrimaryContact(f.links.get(patientId)!);

  for (const n of [2, 3, 4, 5]) {
    for (const f of families(`siblings-${n}` as DemoScenario)) {
      expect(f.patients).toHaveLength(n);
      const guardians = new Set<string>();
      for (const p of f.patients) {
        expect(p.status).toBe('Active');
        expect(p.portal_linked).toBe(0);
        expect(p.date_of_birth).not.toBeNull();
        expect(isUnofficialName(p.first_name, p.last_name)).toBe(false);
        const age = ageOn(p.date_of_birth!, today);
        expect(age).toBeGreaterThanOrEqual(1);
        expect(age).toBeLessThanOrEqual(11);
        const guardian = epc(f, p.id);
        expect(guardian).not.toBeNull();
        expect(guardian!.email).toMatch(/^[a-z0-9._]+@[a-z]+\.[a-z]+$/);
        expect(guardian!.hasPortalAccount).toBe(false);
        guardians.add(guardian!.contactId);
      }
      expect(guardians.size).toBe(1);
      if (n === 3) expect(f.bookedToday.size).toBe(3);
    }
  }

  for (const f of families('twins')) {
    const dobs = active(f).map((p) => p.date_of_birth);
    expect(dobs.some((d, i) => d !== null && dobs.indexOf(d) !== i)).toBe(true);
  }

  for (const f of families('baby-girl')) {
    const babies = f.patients.filter((p) => p.first_name === 'Baby Girl' || p.first_name === 'Baby Boy');
    expect(babies).toHaveLength(1);
    const baby = babies[0]!;
    expect(isUnofficialName(baby.first_name, baby.last_name)).toBe(true);
    expect(daysBetween(baby.date_of_birth!, today)).toBeGreaterThan(0);
    expect(daysBetween(baby.date_of_birth!, today)).toBeLessThan(31);
    expect(f.patients.filter((p) => !isUnofficialName(p.first_name, p.last_name)).length).toBeGreaterThanOrEqual(1);
    expect(f.bookedToday.has(baby.id)).toBe(true);
    expect(epc(f, baby.id)?.email).toBeTruthy();
  }

  for (const f of families('at-minor-limit')) {
    const at = f.patients.filter((p) => p.date_of_birth && ageOn(p.date_of_birth, today) === limit);
    expect(at.length).toBeGreaterThanOrEqual(1);
    expect(f.bookedToday.has(at[0]!.id)).toBe(true);
    expect(epc(f, at[0]!.id)).not.toBeNull();
  }
  for (const f of families('under-minor-limit')) {
    const under = f.patients.filter(
      (p) => p.status === 'Active' && p.date_of_birth && ageOn(p.date_of_birth, today) === limit - 1 && ageOn(p.date_of_birth, addDays(today, 10)) === limit,
    );
    expect(under.length).toBeGreaterThanOrEqual(1);
  }
  // The first under-the-limit patient turns it tomorrow.
  const firstUnder = loadFamily(sqlite, scenarios['under-minor-limit'][0]!, today).patients.find(
    (p) => p.date_of_birth && ageOn(p.date_of_birth, today) === limit - 1 && ageOn(p.date_of_birth, addDays(today, 1)) === limit,
  );
  expect(firstUnder).toBeDefined();

  const statusScenarios: [DemoScenario, PatientStatus][] = [
    ['deceased-sibling', 'Deceased'],
    ['merged-sibling', 'Merged'],
    ['inactive-sibling', 'Inactive'],
    ['transferred-sibling', 'Transferred'],
    ['in-collections-sibling', 'In Collections'],
  ];
  for (const [scenario, status] of statusScenarios) {
    for (const f of families(scenario)) {
      expect(f.patients.some((p) => p.status === status)).toBe(true);
      expect(active(f).length).toBeGreaterThanOrEqual(2);
    }
  }
  for (const f of families('merged-sibling')) {
    const merged = f.patients.find((p) => p.status === 'Merged')!;
    expect(active(f).some((p) => p.first_name === merged.first_name && p.last_name === merged.last_name && p.date_of_birth === merged.date_of_birth)).toBe(
      true,
    );
  }

  for (const f of families('blended')) {
    const primaries = new Set(f.patients.map((p) => epc(f, p.id)?.contactId));
    expect(primaries.has(undefined)).toBe(false);
    expect(primaries.size).toBeGreaterThanOrEqual(2);
    expect(f.bookedToday.size).toBeGreaterThanOrEqual(1);
  }

  // shared-guardian: some contact is the eligible Primary Contact in two of the listed families.
  const familiesOfGuardian = new Map<string, Set<string>>();
  for (const f of families('shared-guardian')) {
    for (const p of f.patients) {
      const g = epc(f, p.id);
      if (!g) continue;
      if (!familiesOfGuardian.has(g.contactId)) familiesOfGuardian.set(g.contactId, new Set());
      familiesOfGuardian.get(g.contactId)!.add(f.id);
    }
  }
  const shared = [...familiesOfGuardian.values()].filter((s) => s.size >= 2);
  expect(shared.length).toBeGreaterThanOrEqual(minimum);

  for (const f of families('no-email')) {
    for (const p of f.patients) {
      const g = epc(f, p.id);
      expect(g).not.toBeNull();
      expect(g!.email).toBeNull();
    }
  }

  let noAuthorityWithJointSort2 = 0;
  for (const f of families('no-authority')) {
    for (const p of f.patients) {
      const links = f.links.get(p.id)!;
      const primary = links.filter((l) => l.sort === 1);
      expect(primary).toHaveLength(1);
      expect(primary[0]!.authority === 'None' || primary[0]!.authority === null).toBe(true);
      expect(primary[0]!.residesWith).toBe(false);
      expect(eligiblePrimaryContact(links)).toBeNull();
      if (links.some((l) => l.sort === 2 && l.authority === 'Joint')) noAuthorityWithJointSort2 += 1;
    }
  }
  expect(noAuthorityWithJointSort2).toBeGreaterThan(0);

  for (const f of families('portal-flag-only')) {
    const flagged = [...f.links.values()].flat().filter((l) => l.portalFlag);
    expect(flagged.length).toBeGreaterThanOrEqual(1);
    for (const l of flagged) expect(hasAccessRight(l)).toBe(false);
    for (const p of f.patients) {
      const g = epc(f, p.id);
      expect(g).not.toBeNull();
      expect(g!.portalFlag).toBe(false);
    }
  }

  for (const f of families('no-contacts')) {
    expect(f.patients.length).toBeGreaterThanOrEqual(1);
    for (const p of f.patients) expect(f.links.get(p.id)).toHaveLength(0);
  }

  for (const f of families('portal-account')) {
    expect(f.patients.some((p) => epc(f, p.id)?.hasPortalAccount)).toBe(true);
  }
  for (const f of families('portal-linked')) expect(f.patients.some((p) => p.portal_linked === 1)).toBe(true);
  for (const f of families('no-dob')) expect(f.patients.some((p) => p.date_of_birth === null)).toBe(true);
}

describe('demo practice', () => {
  it('is deterministic: the same options give byte-identical rows', async () => {
    const a = await seeded({ families: 120 });
    const b = await seeded({ families: 120 });
    const c = await seeded({ families: 120, seed: 7 });
    try {
      const ha = contentHashes(a.sqlite);
      expect(contentHashes(b.sqlite)).toEqual(ha);
      expect(b.summary).toEqual(a.summary);
      const hc = contentHashes(c.sqlite);
      expect(hc.patients).not.toBe(ha.patients);
      expect(hc.contacts).not.toBe(ha.contacts);
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  });

  it('writes the same practice without search terms when asked (a copy read only for its rows)', async () => {
    const full = await seeded({ families: 40 });
    const rowsOnly = await seeded({ families: 40, searchTerms: false });
    try {
      const { search_terms: fullTerms, ...fullRows } = contentHashes(full.sqlite);
      const { search_terms: noTerms, ...rows } = contentHashes(rowsOnly.sqlite);
      expect(rows).toEqual(fullRows);
      expect(noTerms).not.toBe(fullTerms);
      expect(rowsOnly.summary).toEqual(full.summary);
      const terms = (db: BetterSqlite3.Database) => db.prepare('SELECT count(*) FROM search_terms').pluck().get();
      expect(terms(full.sqlite)).toBeGreaterThan(0);
      expect(terms(rowsOnly.sqlite)).toBe(0);
    } finally {
      await Promise.all([full.close(), rowsOnly.close()]);
    }
  });

  it('fills a default-sized practice and summarises it truthfully', async () => {
    const { sqlite, summary, close } = await seeded();
    try {
      const count = (sql: string, ...args: unknown[]) =>
        sqlite
          .prepare(sql)
          .pluck()
          .get(...args) as number;
      expect(summary.families).toBe(300);
      expect(count('SELECT count(*) FROM families')).toBe(300);
      expect(count('SELECT count(*) FROM patients')).toBe(summary.patients);
      expect(count('SELECT count(*) FROM contacts')).toBe(summary.contacts);
      expect(summary.patients).toBeGreaterThan(500);
      expect(summary.demoClerkId).toBe(DEMO_CLERK_ID);
      expect(count('SELECT count(*) FROM appointments WHERE starts_at LIKE ?', `${TODAY}T%`)).toBe(summary.appointmentsToday);
      expect(summary.appointmentsToday).toBeGreaterThan(20);
      expect(count('SELECT count(*) FROM appointments WHERE starts_at NOT LIKE ?', `${TODAY}T%`)).toBeGreaterThan(0);

      const times = sqlite.prepare('SELECT starts_at FROM appointments').pluck().all() as string[];
      for (const t of times) {
        expect(t).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/);
        expect(t.slice(11) >= '08:00' && t.slice(11) <= '16:45').toBe(true);
      }

      // Mostly Active, every other status present.
      const statuses = Object.fromEntries(
        (sqlite.prepare('SELECT status, count(*) AS n FROM patients GROUP BY status').all() as { status: string; n: number }[]).map((r) => [r.status, r.n]),
      );
      for (const s of ['Active', 'Inactive', 'Transferred', 'Deceased', 'Merged', 'In Collections']) expect(statuses[s]).toBeGreaterThan(0);
      expect(statuses.Active! / summary.patients).toBeGreaterThan(0.85);
      expect(statuses.Active! / summary.patients).toBeLessThan(0.97);

      // Chart numbers unique and well-formed; emails unique.
      expect(count('SELECT count(DISTINCT chart_number) FROM patients')).toBe(summary.patients);
      expect(count(`SELECT count(*) FROM patients WHERE chart_number NOT GLOB 'C[1-9][0-9][0-9][0-9][0-9][0-9][0-9]'`)).toBe(0);
      expect(count('SELECT count(*) FROM contacts WHERE email IS NOT NULL')).toBe(count('SELECT count(DISTINCT email) FROM contacts WHERE email IS NOT NULL'));
      expect(count(`SELECT count(*) FROM contacts WHERE language = 'es'`)).toBeGreaterThan(0);

      // Search terms for every patient.
      expect(count('SELECT count(DISTINCT patient_id) FROM search_terms')).toBe(summary.patients);

      // Clerks and settings.
      expect(sqlite.prepare('SELECT id, username, role, password_hash, active FROM clerks ORDER BY id').all()).toEqual([
        { id: 'clerk-demo', username: 'demo', role: 'clerk', password_hash: null, active: 1 },
        { id: 'clerk-demo-admin', username: 'admin', role: 'admin', password_hash: null, active: 1 },
      ]);
      const settings = Object.fromEntries(
        (sqlite.prepare('SELECT key, value FROM settings').all() as { key: string; value: string }[]).map((r) => [r.key, JSON.parse(r.value)]),
      );
      expect(settings).toEqual({
        practiceName: 'Maple Grove Pediatrics (demo)',
        portalUrl: 'https://portal.maplegrove-demo.example',
        practicePhone: '(555) 010-2400',
      });

      checkScenarios(sqlite, TODAY, 18, 3);
    } finally {
      await close();
    }
  });

  it('has every scenario three times in a 50-family demo, and once in the first 16 families', async () => {
    const { sqlite, summary, close } = await seeded({ families: 50 });
    try {
      expect(summary.families).toBe(50);
      checkScenarios(sqlite, TODAY, 18, 3);
      const firstSixteen = new Set(Array.from({ length: 16 }, (_, i) => scenarioForFamilyIndex(i)).flat());
      for (const s of DEMO_SCENARIOS) expect(firstSixteen.has(s), s).toBe(true);
      expect(DEMO_ROUND.length).toBe(15);
    } finally {
      await close();
    }
  });

  it('keeps its promises on a leap day with another Minor Age Limit', async () => {
    const today = '2028-02-29';
    const { sqlite, close } = await seeded({ families: 60, today, minorAgeLimit: 21, seed: 99 });
    try {
      checkScenarios(sqlite, today, 21, 3);
    } finally {
      await close();
    }
  });

  it('grows to the requested number of patients', async () => {
    const { sqlite, summary, close } = await seeded({ patients: 2000 });
    try {
      expect(summary.patients).toBeGreaterThanOrEqual(2000);
      expect(summary.patients).toBeLessThan(2010);
      expect(sqlite.prepare('SELECT count(*) FROM patients').pluck().get()).toBe(summary.patients);
      expect(sqlite.prepare('SELECT count(DISTINCT patient_id) FROM search_terms').pluck().get()).toBe(summary.patients);
      checkScenarios(sqlite, TODAY, 18, 3);
    } finally {
      await close();
    }
  });

  it('never cuts a two-family scenario at the end', async () => {
    // Family 4–5 is the blended/shared-guardian pair: a 4-family demo ends on a regular family.
    const { sqlite, summary, close } = await seeded({ families: 4 });
    try {
      expect(summary.families).toBe(4);
      expect(scenarioForFamilyIndex(3, 4)).toEqual([]);
      expect(scenarioForFamilyIndex(3)).toEqual(['blended', 'shared-guardian']);
      const scenarios = demoScenarioFamilies(sqlite);
      expect(scenarios.blended).toEqual([]);
      expect(scenarios['siblings-3']).toEqual(['fam-000001']);
    } finally {
      await close();
    }
  });

  it('refuses to seed a mirror twice and leaves it as it was', async () => {
    const { sqlite, summary, close } = await seeded({ families: 20 });
    try {
      const before = contentHashes(sqlite);
      expect(() => seedDemoPractice(sqlite, { today: TODAY, now: NOW, families: 20 })).toThrow();
      expect(contentHashes(sqlite)).toEqual(before);
      expect(sqlite.prepare('SELECT count(*) FROM patients').pluck().get()).toBe(summary.patients);
    } finally {
      await close();
    }
  });

  it('gives nothing to a mirror it did not seed', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-practice-'));
    dirs.push(dir);
    const { sqlite, close } = await openDatabase(path.join(dir, 'empty.sqlite'));
    try {
      const scenarios = demoScenarioFamilies(sqlite);
      for (const s of DEMO_SCENARIOS) expect(scenarios[s]).toEqual([]);
    } finally {
      await close();
    }
  });

  it('numbers charts uniquely', () => {
    const seen = new Set<string>();
    for (let n = 1; n <= 300_000; n++) seen.add(chartNumber(n));
    expect(seen.size).toBe(300_000);
  });
});
