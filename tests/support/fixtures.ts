import type BetterSqlite3 from 'better-sqlite3';
import type { Authority, PatientStatus } from '../../shared/domain/patient';
import { reindexPatients } from '../../electron/main/search/indexer';

/** Hand-made families for tests: every field a rule looks at is stated, nothing is random. */
export interface ChildFixture {
  id: string;
  firstName: string;
  lastName?: string;
  dateOfBirth: string | null;
  status?: PatientStatus;
  portalLinked?: boolean;
  chartNumber?: string;
}
export interface LinkFixture {
  patientId: string;
  sort: number | null;
  authority?: Authority | null;
  residesWith?: boolean;
  portalFlag?: boolean;
  relationship?: string;
}
export interface ContactFixture {
  id: string;
  firstName: string;
  lastName: string;
  email?: string | null;
  mobilePhone?: string | null;
  hasPortalAccount?: boolean;
  links: LinkFixture[];
}
export interface FamilyFixture {
  id: string;
  name: string;
  children: readonly ChildFixture[];
  contacts?: ContactFixture[];
}

/** The Lopez children many tests start from: Ana, Luis and Sofia, 11, 8 and 6 years old in late 2026. */
export const LOPEZ_CHILDREN: readonly ChildFixture[] = [
  { id: 'p-ana', firstName: 'Ana', dateOfBirth: '2015-03-14' },
  { id: 'p-luis', firstName: 'Luis', dateOfBirth: '2018-06-02' },
  { id: 'p-sofia', firstName: 'Sofia', dateOfBirth: '2020-09-30' },
];

/** The Lopez family: the three children, and Maria (Sort 1, Joint, lives with them) their only contact, with this email. */
/** The Lopez family with Maria as every child's Primary Contact; `children` narrows it (e.g. Ana alone). */
export function lopezFamily(email: string | null, children: readonly ChildFixture[] = LOPEZ_CHILDREN): FamilyFixture {
  const links = children.map((child) => ({ patientId: child.id, sort: 1, authority: 'Joint' as const, residesWith: true }));
  return { id: 'f-lopez', name: 'Lopez', children, contacts: [{ id: 'c-maria', firstName: 'Maria', lastName: 'Lopez', email, links }] };
}

const STAMP = '2026-11-01T12:00:00.000Z';

export function insertFamilies(sqlite: BetterSqlite3.Database, families: FamilyFixture[]): void {
  const family = sqlite.prepare('INSERT INTO families (id, name, updated_at) VALUES (?, ?, ?)');
  const patient = sqlite.prepare(
    `INSERT INTO patients (id, chart_number, family_id, first_name, last_name, date_of_birth, status, portal_linked, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const contact = sqlite.prepare(
    `INSERT OR IGNORE INTO contacts (id, first_name, last_name, email, mobile_phone, has_portal_account, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const link = sqlite.prepare(
    `INSERT INTO patient_contacts (patient_id, contact_id, sort, relationship, authority, resides_with, portal_flag)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  sqlite.transaction(() => {
    const ids: string[] = [];
    for (const f of families) {
      family.run(f.id, f.name, STAMP);
      for (const c of f.children) {
        patient.run(
          c.id,
          c.chartNumber ?? `C-${c.id}`,
          f.id,
          c.firstName,
          c.lastName ?? f.name,
          c.dateOfBirth,
          c.status ?? 'Active',
          c.portalLinked ? 1 : 0,
          STAMP,
        );
        ids.push(c.id);
      }
    }
    for (const f of families) {
      for (const c of f.contacts ?? []) {
        contact.run(c.id, c.firstName, c.lastName, c.email ?? null, c.mobilePhone ?? null, c.hasPortalAccount ? 1 : 0, STAMP);
        for (const l of c.links) {
          link.run(l.patientId, c.id, l.sort, l.relationship ?? 'Mother', l.authority ?? null, l.residesWith ? 1 : 0, l.portalFlag ? 1 : 0);
        }
      }
    }
    reindexPatients(sqlite, ids);
  })();
}

export function insertAppointment(sqlite: BetterSqlite3.Database, id: string, patientId: string, startsAt: string): void {
  sqlite
    .prepare('INSERT INTO appointments (id, patient_id, starts_at, provider, reason, updated_at) VALUES (?, ?, ?, ?, ?, ?)')
    .run(id, patientId, startsAt, 'Dr. Test', 'Well visit', STAMP);
}
