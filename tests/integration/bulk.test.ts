import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { contract, type CallName, type CallOutput } from '../../shared/api';
import type { ExclusionReason, WorklistRow } from '../../shared/bulk/api';
import { createApp, type App } from '../../electron/main/app';
import { bulkHandlers, type BulkHandlerName } from '../../electron/main/bulk/bulkHandlers';
import { BOM } from '../../electron/main/lib/csv';
import { csvRows } from '../support/csvRows';
import { BULK_PIN_COLUMNS, EXCLUSION_COLUMNS, WORKLIST_COLUMNS } from '../../electron/main/bulk/export';
import { Pacer, sortByKey } from '../../electron/main/lib/pacing';
import { bulkSnapshot, computeSnapshot, worklistEntryFor, worklistRowForGuardian } from '../../electron/main/bulk/snapshot';
import { AppError } from '../../electron/main/errors';
import { LOPEZ_CHILDREN, insertFamilies, type ContactFixture, type FamilyFixture } from '../support/fixtures';
import { makeTempDir } from '../support/tempDir';
import { DANA, NEW_YORK_TIME, openTestDesk } from '../support/testDesk';

const NOW = new Date('2026-11-22T15:00:00Z'); // 10:00 in New York: today is 2026-11-22
let temp: ReturnType<typeof makeTempDir>;
let app: App;
let exportDir: string;
let handlers: ReturnType<typeof bulkHandlers>;

/** Through the contract's schema (defaults, validation), then the handler. */
async function call<K extends BulkHandlerName>(name: K, input: unknown): Promise<CallOutput<K>> {
  const parsed = contract[name as CallName].input.parse(input);
  return (handlers[name] as (i: unknown) => Promise<CallOutput<K>>)(parsed);
}

const sqlRows = (sql: string, ...params: unknown[]) => app.context.sqlite.prepare(sql).all(...params) as Record<string, unknown>[];
const rows = (sql: string, ...params: unknown[]) => app.context.sqlite.prepare(sql).all(...params) as Record<string, unknown>[];
const run = (sql: string, ...params: unknown[]) => app.context.sqlite.prepare(sql).run(...params);

const sort1 = (patientIds: string[], extra: Partial<ContactFixture['links'][number]> = {}) =>
  patientIds.map((patientId) => ({ patientId, sort: 1, authority: 'Joint' as const, residesWith: true, ...extra }));

const FAMILIES: FamilyFixture[] = [
  {
    // one guardian, three eligible children: one email
    id: 'f-lopez',
    name: 'Lopez',
    children: LOPEZ_CHILDREN,
    contacts: [
      {
        id: 'c-maria',
        firstName: 'Maria',
        lastName: 'Lopez',
        email: 'maria.lopez@example.com',
        mobilePhone: '617-555-0101',
        links: sort1(['p-ana', 'p-luis', 'p-sofia']),
      },
      {
        id: 'c-carlos',
        firstName: 'Carlos',
        lastName: 'Lopez',
        email: 'carlos@example.com',
        mobilePhone: '(617) 555-0102',
        links: ['p-ana', 'p-luis', 'p-sofia'].map((patientId) => ({ patientId, sort: 2, authority: 'Joint' as const, residesWith: true })),
      },
    ],
  },
  {
    // James is Sort 1 in two families: one guardian, one email listing both children
    id: 'f-baker',
    name: 'Baker',
    children: [{ id: 'p-mia', firstName: 'Mia', dateOfBirth: '2016-01-01' }],
    contacts: [
      {
        id: 'c-james',
        firstName: 'James',
        lastName: 'Baker',
        email: 'james.baker@example.com',
        mobilePhone: '617-555-0103',
        links: [...sort1(['p-mia']), ...sort1(['p-noah'], { residesWith: false })],
      },
    ],
  },
  { id: 'f-stone', name: 'Stone', children: [{ id: 'p-noah', firstName: 'Noah', dateOfBirth: '2017-02-02' }] },
  {
    id: 'f-status',
    name: 'Status',
    children: [
      { id: 'p-active', firstName: 'Eve', dateOfBirth: '2014-05-05' },
      { id: 'p-inactive', firstName: 'Ivan', dateOfBirth: '2014-05-06', status: 'Inactive' },
      { id: 'p-transferred', firstName: 'Tara', dateOfBirth: '2014-05-07', status: 'Transferred' },
      { id: 'p-deceased', firstName: 'Dana', dateOfBirth: '2014-05-08', status: 'Deceased' },
      { id: 'p-merged', firstName: 'Mo', dateOfBirth: '2014-05-09', status: 'Merged' },
      { id: 'p-collections', firstName: 'Cole', dateOfBirth: '2014-05-10', status: 'In Collections' },
    ],
    // no mobile: the worklist lists her for the Active child only
    contacts: [
      {
        id: 'c-stella',
        firstName: 'Stella',
        lastName: 'Status',
        email: 'stella@example.com',
        mobilePhone: null,
        links: sort1(['p-active', 'p-inactive', 'p-transferred', 'p-deceased', 'p-merged', 'p-collections']),
      },
    ],
  },
  {
    id: 'f-age',
    name: 'Age',
    children: [
      { id: 'p-at-limit', firstName: 'Adam', dateOfBirth: '2008-11-22' }, // 18 today
      { id: 'p-day-before', firstName: 'Bella', dateOfBirth: '2008-11-23' }, // 18 tomorrow
      { id: 'p-no-dob', firstName: 'Cody', dateOfBirth: null },
    ],
    contacts: [
      {
        id: 'c-agnes',
        firstName: 'Agnes',
        lastName: 'Age',
        email: 'agnes@example.com',
        mobilePhone: '617-555-0104',
        links: sort1(['p-at-limit', 'p-day-before', 'p-no-dob']),
      },
    ],
  },
  { id: 'f-orphan', name: 'Orphan', children: [{ id: 'p-orphan', firstName: 'Olive', dateOfBirth: '2019-01-01' }] },
  {
    // the Portal column set on a Sort 1 without authority who does not reside: excluded
    id: 'f-portal',
    name: 'Portal',
    children: [{ id: 'p-portal', firstName: 'Pia', dateOfBirth: '2019-02-02' }],
    contacts: [
      {
        id: 'c-grandma',
        firstName: 'Gloria',
        lastName: 'Portal',
        email: 'gloria@example.com',
        mobilePhone: '617-555-0105',
        links: sort1(['p-portal'], { authority: null, residesWith: false, portalFlag: true }),
      },
    ],
  },
  {
    // Sort 2 with authority does not stand in for a Sort 1 without it
    id: 'f-sort2',
    name: 'Second',
    children: [{ id: 'p-sort2', firstName: 'Sam', dateOfBirth: '2019-03-03' }],
    contacts: [
      {
        id: 'c-dad',
        firstName: 'Dan',
        lastName: 'Second',
        email: 'dan@example.com',
        mobilePhone: '617-555-0106',
        links: sort1(['p-sort2'], { authority: 'None', residesWith: false }),
      },
      {
        id: 'c-mom',
        firstName: 'Meg',
        lastName: 'Second',
        email: 'meg@example.com',
        mobilePhone: '617-555-0107',
        links: [{ patientId: 'p-sort2', sort: 2, authority: 'Joint', residesWith: true }],
      },
    ],
  },
  {
    id: 'f-noemail',
    name: 'Nomail',
    children: [{ id: 'p-noemail', firstName: 'Nina', dateOfBirth: '2020-04-04' }],
    contacts: [{ id: 'c-nora', firstName: 'Nora', lastName: 'Nomail', email: null, mobilePhone: '617-555-0108', links: sort1(['p-noemail']) }],
  },
  // the same email on Primary Contacts of two unrelated families
  {
    id: 'f-kim',
    name: 'Kim',
    children: [{ id: 'p-kim', firstName: 'Kai', dateOfBirth: '2018-07-07' }],
    contacts: [{ id: 'c-kim', firstName: 'Grace', lastName: 'Kim', email: 'Family@Example.com', mobilePhone: '617-555-0109', links: sort1(['p-kim']) }],
  },
  {
    id: 'f-park',
    name: 'Park',
    children: [{ id: 'p-park', firstName: 'Jin', dateOfBirth: '2018-08-08' }],
    contacts: [{ id: 'c-park', firstName: 'Min', lastName: 'Park', email: 'family@example.com ', mobilePhone: '617-555-0110', links: sort1(['p-park']) }],
  },
  {
    // mother and father of one family share an address: not a shared-email problem
    id: 'f-home',
    name: 'Home',
    children: [
      { id: 'p-home1', firstName: 'Hal', dateOfBirth: '2016-09-09' },
      { id: 'p-home2', firstName: 'Hope', dateOfBirth: '2017-10-10' },
    ],
    contacts: [
      { id: 'c-home-mom', firstName: 'Helen', lastName: 'Home', email: 'home@example.com', mobilePhone: '617-555-0111', links: sort1(['p-home1']) },
      { id: 'c-home-dad', firstName: 'Hank', lastName: 'Home', email: 'home@example.com', mobilePhone: '617-555-0112', links: sort1(['p-home2']) },
    ],
  },
  {
    // eligible (an email is present) but on the worklist: typo domain, no area code, no reminder method
    id: 'f-messy',
    name: 'Messy, Jr',
    children: [{ id: 'p-messy', firstName: 'Max', lastName: 'Messy', dateOfBirth: '2015-11-11' }],
    contacts: [{ id: 'c-messy', firstName: '=Mel', lastName: 'Messy "Jr"', email: 'mel@gmial.com', mobilePhone: '555-0142', links: sort1(['p-messy']) }],
  },
];

beforeEach(async () => {
  temp = makeTempDir();
  exportDir = path.join(temp.dir, 'exports');
  app = await openTestDesk(temp.file('practice.sqlite'), {
    now: () => NOW,
    workstation: 'desk-1',
    settings: NEW_YORK_TIME,
    clerks: [{ ...DANA, role: 'admin' }],
    families: FAMILIES,
  });
  run(`UPDATE contacts SET preferred_reminder = 'Email' WHERE id <> 'c-messy'`);
  handlers = bulkHandlers(app.context, { exportDir });
});
afterEach(async () => {
  await app.close();
  temp.remove();
});

const exclusionOf = async (patientId: string) => (await call('bulk.exclusions', { limit: 1000 })).rows.find((r) => r.patientId === patientId);
/** The worklist row that lists this child (their guardian's row, or their own when they have no Primary Contact). */
const worklistRowOf = async (patientId: string) =>
  (await call('bulk.worklist', { limit: 1000 })).rows.find((r) => r.children.some((c) => c.patientId === patientId));

describe('eligibility preview', () => {
  it('one email per guardian: three children under Maria, James once for two families', async () => {
    const { guardians, total } = await call('bulk.eligible', {});
    const byId = new Map(guardians.map((g) => [g.contactId, g]));
    expect(total).toBe(guardians.length);
    expect(new Set(guardians.map((g) => g.contactId)).size).toBe(guardians.length);
    expect(byId.get('c-maria')).toEqual({
      contactId: 'c-maria',
      firstName: 'Maria',
      lastName: 'Lopez',
      email: 'maria.lopez@example.com',
      mobilePhone: '617-555-0101',
      preferredReminder: 'Email',
      children: [
        { patientId: 'p-ana', firstName: 'Ana', lastName: 'Lopez', dateOfBirth: '2015-03-14', chartNumber: 'C-p-ana' },
        { patientId: 'p-luis', firstName: 'Luis', lastName: 'Lopez', dateOfBirth: '2018-06-02', chartNumber: 'C-p-luis' },
        { patientId: 'p-sofia', firstName: 'Sofia', lastName: 'Lopez', dateOfBirth: '2020-09-30', chartNumber: 'C-p-sofia' },
      ],
    });
    expect(byId.get('c-james')!.children.map((c) => c.patientId)).toEqual(['p-mia', 'p-noah']);
    // Carlos (Sort 2) and Meg (Sort 2 with authority) never receive the campaign
    expect(byId.has('c-carlos')).toBe(false);
    expect(byId.has('c-mom')).toBe(false);
    expect([...byId.keys()].sort()).toEqual(['c-agnes', 'c-home-dad', 'c-home-mom', 'c-james', 'c-kim', 'c-maria', 'c-messy', 'c-park', 'c-stella'].sort());
    // campaign order: last name, first name
    expect(guardians.map((g) => g.lastName)).toEqual([...guardians.map((g) => g.lastName)].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())));
  });

  it('the day before the 18th birthday is in; exactly 18 today is out', async () => {
    const { guardians } = await call('bulk.eligible', {});
    expect(guardians.find((g) => g.contactId === 'c-agnes')!.children.map((c) => c.patientId)).toEqual(['p-day-before']);
    expect(await exclusionOf('p-at-limit')).toMatchObject({ reason: 'over_minor_age', detail: '18 (limit 18)' });
  });

  it('lists every exclusion reason with its detail', async () => {
    const { rows, total } = await call('bulk.exclusions', { limit: 1000 });
    expect(total).toBe(rows.length);
    const got = Object.fromEntries(rows.map((r) => [r.patientId, [r.reason, r.detail]]));
    expect(got).toEqual({
      'p-inactive': ['status_inactive', 'Inactive'],
      'p-transferred': ['status_transferred', 'Transferred'],
      'p-deceased': ['status_deceased', 'Deceased'],
      'p-merged': ['status_merged', 'Merged'],
      'p-collections': ['status_in_collections', 'In Collections'],
      'p-at-limit': ['over_minor_age', '18 (limit 18)'],
      'p-no-dob': ['no_date_of_birth', 'No date of birth on file'],
      'p-orphan': ['no_primary_contact', 'No Family Contact with Sort 1'],
      'p-portal': ['primary_without_authority', 'Sort 1 Gloria Portal has no authority and does not reside (the Portal column does not count)'],
      'p-sort2': ['primary_without_authority', 'Sort 1 Dan Second has no authority and does not reside'],
      'p-noemail': ['no_email', 'Sort 1 Nora Nomail has no email address'],
    });
    // stable order: patient last name, first name, id
    expect(rows.map((r) => `${r.lastName}|${r.firstName}`)).toEqual([
      'Age|Adam',
      'Age|Cody',
      'Nomail|Nina',
      'Orphan|Olive',
      'Portal|Pia',
      'Second|Sam',
      'Status|Cole',
      'Status|Dana',
      'Status|Ivan',
      'Status|Mo',
      'Status|Tara',
    ]);
  });

  it('filters exclusions by reason and pages them', async () => {
    expect((await call('bulk.exclusions', { reason: 'primary_without_authority' })).rows.map((r) => r.patientId)).toEqual(['p-portal', 'p-sort2']);
    const page = await call('bulk.exclusions', { limit: 2, offset: 2 });
    expect(page.total).toBe(11);
    expect(page.rows.map((r) => r.patientId)).toEqual(['p-noemail', 'p-orphan']);
  });

  it('readiness counts guardians, children, exclusions by reason and open worklist rows', async () => {
    const summary = await call('bulk.readiness', {});
    expect(summary.eligibleGuardians).toBe(9);
    expect(summary.eligibleChildren).toBe(12);
    const counts = Object.fromEntries(summary.exclusions.map((e) => [e.reason, e.count])) as Record<ExclusionReason, number>;
    expect(counts).toEqual({
      status_inactive: 1,
      status_transferred: 1,
      status_deceased: 1,
      status_merged: 1,
      status_in_collections: 1,
      over_minor_age: 1,
      no_date_of_birth: 1,
      no_primary_contact: 1,
      primary_without_authority: 2,
      no_email: 1,
    });
    const worklist = await call('bulk.worklist', {});
    expect(summary.openQualityRows).toBe(worklist.total);
    expect(summary.openQualityChildren).toBe(worklist.children);
    expect(summary.computedAt).toBe(NOW.toISOString());
    expect(summary.elapsedMs).toBeGreaterThanOrEqual(0);
    expect(summary.checklistReady).toBe(false);
    expect(summary.checklist.map((c) => [c.item, c.answer])).toEqual([
      ['single_npi_and_practice', null],
      ['current_version', null],
      ['portal_fully_live', null],
      ['register_records_archived', null],
    ]);
  });

  it('the Minor Age Limit setting moves the line', async () => {
    run(`INSERT INTO settings (key, value) VALUES ('minorAgeLimit', '19')`);
    app.context.settingsChanged();
    expect(await exclusionOf('p-at-limit')).toBeUndefined();
  });

  it('caches the picture until the mirror changes', async () => {
    const first = await bulkSnapshot(app.context);
    expect(await bulkSnapshot(app.context)).toBe(first);
    run(`UPDATE patients SET status = 'Inactive' WHERE id = 'p-ana'`);
    const second = await bulkSnapshot(app.context);
    expect(second).not.toBe(first);
    expect(second.exclusionCounts.status_inactive).toBe(2);
  });

  it('reads in chunks and gives the same answer whatever the chunk size', async () => {
    const whole = await bulkSnapshot(app.context);
    const chunked = await computeSnapshot(app.context.sqlite, { today: '2026-11-22', minorAgeLimit: 18, now: NOW }, { chunkSize: 1, targetChunkMs: 0.001 });
    const plain = async (s: typeof whole) => ({ ...s, guardians: await s.guardians(), exclusions: await s.exclusions(), elapsedMs: 0 });
    expect(await plain(chunked)).toEqual(await plain(whole));
    expect(await whole.guardians(1, 2)).toEqual((await whole.guardians()).slice(1, 3));
  });

  it('reads free text faithfully, even text holding the row separator or characters outside the BMP', async () => {
    insertFamilies(app.context.sqlite, [
      {
        id: 'f-odd',
        name: 'Odd',
        children: [
          { id: 'p-odd1', firstName: 'Zo\u001fe', lastName: 'Odd', dateOfBirth: '2016-04-04' },
          { id: 'p-odd2', firstName: 'Zed', lastName: 'Odd', dateOfBirth: '2016-\u001f4-04' },
        ],
        contacts: [
          {
            id: 'c-odd',
            firstName: 'Ur\u001fsula',
            lastName: 'Odd \ud83c\udf35',
            email: 'ursula@example.com',
            mobilePhone: '617-555-0113',
            links: sort1(['p-odd1', 'p-odd2']),
          },
        ],
      },
      {
        id: 'f-cactus',
        name: 'Cactus',
        children: [{ id: 'p-cactus', firstName: 'Cy', lastName: 'Cactus 🌵', dateOfBirth: '2016-05-05' }],
        contacts: [{ id: 'c-cactus', firstName: 'Cara', lastName: 'Cactus', email: '🌵@example.com', mobilePhone: '617-555-0114', links: sort1(['p-cactus']) }],
      },
      {
        id: 'f-sep',
        name: 'Sep',
        children: [{ id: 'p-sep', firstName: 'Sid', lastName: 'Sep', dateOfBirth: '2016-06-06' }],
        contacts: [{ id: 'c-sep', firstName: 'Sue', lastName: 'Sep', email: 'sue\u001f@example.com', mobilePhone: '617-555-0115', links: sort1(['p-sep']) }],
      },
    ]);
    run(`UPDATE contacts SET preferred_reminder = 'Text' WHERE id IN ('c-odd', 'c-sep')`);
    const { guardians } = await call('bulk.eligible', { limit: 1000 });
    expect(guardians.find((g) => g.contactId === 'c-odd')).toEqual({
      contactId: 'c-odd',
      firstName: 'Ur\u001fsula',
      lastName: 'Odd \ud83c\udf35',
      email: 'ursula@example.com',
      mobilePhone: '617-555-0113',
      preferredReminder: 'Text',
      children: [{ patientId: 'p-odd1', firstName: 'Zo\u001fe', lastName: 'Odd', dateOfBirth: '2016-04-04', chartNumber: 'C-p-odd1' }],
    });
    expect(await exclusionOf('p-odd2')).toMatchObject({ reason: 'no_date_of_birth', detail: 'Date of birth on file ("2016-\u001f4-04") is not a real date' });
    // An address holding the separator, or an emoji, is not one mailbox (THE email rule): left out, and on the worklist.
    expect(guardians.find((g) => g.contactId === 'c-sep')).toBeUndefined();
    expect(guardians.find((g) => g.contactId === 'c-cactus')).toBeUndefined();
    expect(await exclusionOf('p-sep')).toMatchObject({
      reason: 'no_email',
      detail: 'Sort 1 Sue Sep has no usable email address ("sue@example.com": not a valid email address)',
    });
    expect(await exclusionOf('p-cactus')).toMatchObject({
      reason: 'no_email',
      detail: 'Sort 1 Cara Cactus has no usable email address ("🌵@example.com": not a valid email address)',
    });
    expect((await worklistRowOf('p-sep'))!.problems.map((p) => p.code)).toEqual(['malformed_email']);
    expect((await worklistRowOf('p-cactus'))!.children.map((c) => c.patientName)).toEqual(['Cy Cactus 🌵']);
  });
});

describe('the campaign emails only a usable address (THE email rule, checkMailbox)', () => {
  const HALF_TYPED: FamilyFixture[] = [
    {
      id: 'f-half',
      name: 'Half',
      children: [{ id: 'p-half', firstName: 'Hal', lastName: 'Half', dateOfBirth: '2017-07-07' }],
      contacts: [{ id: 'c-half', firstName: 'Hope', lastName: 'Half', email: 'mom@', mobilePhone: '617-555-0116', links: sort1(['p-half']) }],
    },
    {
      id: 'f-both',
      name: 'Both',
      children: [
        { id: 'p-both1', firstName: 'Bo', lastName: 'Both', dateOfBirth: '2015-01-01' },
        { id: 'p-both2', firstName: 'Bea', lastName: 'Both', dateOfBirth: '2018-01-01' },
      ],
      contacts: [
        {
          id: 'c-both',
          firstName: 'Bria',
          lastName: 'Both',
          email: 'bria@example.com; ben@example.com',
          mobilePhone: '617-555-0117',
          links: sort1(['p-both1', 'p-both2']),
        },
      ],
    },
  ];

  it('a guardian with "mom@" or two addresses in one field gets no campaign email: left out as no usable email, on the worklist, out of the file', async () => {
    insertFamilies(app.context.sqlite, HALF_TYPED);
    run(`UPDATE contacts SET preferred_reminder = 'Email' WHERE id IN ('c-half', 'c-both')`);
    const { guardians } = await call('bulk.eligible', { limit: 1000 });
    expect(guardians.map((g) => g.contactId)).not.toContain('c-half');
    expect(guardians.map((g) => g.contactId)).not.toContain('c-both');

    expect(await exclusionOf('p-half')).toMatchObject({
      reason: 'no_email',
      detail: 'Sort 1 Hope Half has no usable email address ("mom@": not a valid email address)',
    });
    for (const child of ['p-both1', 'p-both2'])
      expect(await exclusionOf(child)).toMatchObject({
        reason: 'no_email',
        detail: 'Sort 1 Bria Both has no usable email address ("bria@example.com; ben@example.com": two addresses in one field)',
      });
    const readiness = await call('bulk.readiness', {});
    expect(readiness.exclusions.find((e) => e.reason === 'no_email')!.count).toBe(4); // Nina, and these three

    // The worklist says what to fix, once for Bria's two children.
    expect((await worklistRowOf('p-half'))!.problems.map((p) => p.code)).toEqual(['malformed_email']);
    const both = (await worklistRowOf('p-both1'))!;
    expect(both.children.map((c) => c.patientId)).toEqual(['p-both2', 'p-both1']); // Bea, Bo
    expect(both.problems.find((p) => p.code === 'malformed_email')!.message).toMatch(/two addresses in one field/);

    // The Bulk PIN file does not carry them; the exclusions report does, with why.
    const file = await call('bulk.export', { kind: 'bulk_pin' });
    const text = fs.readFileSync(file.file, 'utf8');
    expect(text).not.toContain('mom@');
    expect(text).not.toContain('bria@example.com');
    const report = csvRows(fs.readFileSync((await call('bulk.export', { kind: 'exclusions' })).file, 'utf8'));
    expect(report.find((r) => r[0] === 'C-p-half')?.slice(3)).toEqual([
      'no_email',
      'Primary Contact has no usable email address',
      'Sort 1 Hope Half has no usable email address ("mom@": not a valid email address)',
    ]);

    // Fixed inline to one address: both children are in, one email for the two.
    expect(await call('bulk.fixContact', { contactId: 'c-both', changes: { email: 'bria@example.com' } })).toBeNull();
    const after = await call('bulk.eligible', { limit: 1000 });
    expect(after.guardians.find((g) => g.contactId === 'c-both')).toMatchObject({
      email: 'bria@example.com',
      children: [{ patientId: 'p-both1' }, { patientId: 'p-both2' }],
    });
    expect(await exclusionOf('p-both1')).toBeUndefined();
  });
});

describe('data-quality worklist', () => {
  it('lists Active patients’ Primary Contacts with problems, and patients without one', async () => {
    const { rows, total, children } = await call('bulk.worklist', { limit: 1000 });
    expect(total).toBe(rows.length);
    expect(children).toBe(rows.length); // one child each in this practice
    const got = Object.fromEntries(rows.map((r) => [r.key, r.problems.map((p) => p.code)]));
    expect(got).toEqual({
      'contact:c-stella': ['missing_mobile'],
      'contact:c-nora': ['missing_email'],
      'patient:p-orphan': ['no_primary_contact'],
      'contact:c-grandma': ['no_authority_or_residence'],
      'contact:c-dad': ['no_authority_or_residence'],
      'contact:c-messy': ['email_domain_typo', 'invalid_mobile', 'missing_reminder_method'],
      'contact:c-kim': ['shared_email'],
      'contact:c-park': ['shared_email'],
    });
    // by the first child's last name, first name, id
    expect(rows.map((r) => r.children[0]!.patientName)).toEqual([
      'Kai Kim',
      'Max Messy',
      'Nina Nomail',
      'Olive Orphan',
      'Jin Park',
      'Pia Portal',
      'Sam Second',
      'Eve Status',
    ]);
  });

  it('is one row per guardian: three children of one Primary Contact are one row, fixed once for all three', async () => {
    run(`UPDATE contacts SET mobile_phone = NULL, preferred_reminder = NULL WHERE id = 'c-maria'`);
    run(`UPDATE patient_contacts SET authority = 'None', resides_with = 0 WHERE contact_id = 'c-maria' AND patient_id = 'p-luis'`);
    const { rows, total, children } = await call('bulk.worklist', { limit: 1000 });
    expect(total).toBe(9);
    expect(children).toBe(11);
    const maria = rows.filter((r) => r.contactId === 'c-maria');
    expect(maria).toHaveLength(1);
    expect(maria[0]!.children.map((c) => [c.patientName, c.authority, c.residesWith])).toEqual([
      ['Ana Lopez', 'Joint', true],
      ['Luis Lopez', 'None', false],
      ['Sofia Lopez', 'Joint', true],
    ]);
    expect(maria[0]!.problems.map((p) => p.message)).toEqual([
      'Mobile number is missing: the guardian cannot get a PIN by text.',
      'Preferred reminder method is not set.',
      'Luis Lopez: Authority is None and "Resides with" is not ticked: set Joint or Exclusive authority or Resides with (the Portal column does not count).',
    ]);
    // The filter finds the guardian by a problem of one child, and counts all the row's children.
    expect(await call('bulk.worklist', { problem: 'no_authority_or_residence' })).toMatchObject({ total: 3, children: 5 });

    // One Fix: her details once, and Luis's link, in one call.
    const after = await call('bulk.fixContact', {
      contactId: 'c-maria',
      changes: { mobilePhone: '617 555 0199', preferredReminder: 'Text' },
      links: [{ patientId: 'p-luis', authority: 'Joint' }],
    });
    expect(after).toBeNull();
    expect((await call('bulk.worklist', { limit: 1000 })).rows.some((r) => r.contactId === 'c-maria')).toBe(false);
    // Upstream and in the audit log: the record of the child whose link changed carries the guardian's own changes too.
    const outbox = sqlRows(`SELECT payload FROM outbox WHERE kind = 'contact.update'`).map((r) => JSON.parse(r.payload as string));
    expect(outbox).toEqual([
      { contactId: 'c-maria', patientId: 'p-luis', changes: { mobilePhone: '(617) 555-0199', preferredReminder: 'Text', authority: 'Joint' }, baseVersion: 1 },
    ]);
    expect(sqlRows(`SELECT patient_id FROM audit_log WHERE action = 'contact_fixed'`)).toEqual([{ patient_id: 'p-luis' }]);
  });

  it('explains each problem and carries what the inline fix needs', async () => {
    const messy = (await worklistRowOf('p-messy'))!;
    expect(messy).toMatchObject({
      key: 'contact:c-messy',
      contactId: 'c-messy',
      contact: { firstName: '=Mel', lastName: 'Messy "Jr"', email: 'mel@gmial.com', mobilePhone: '555-0142', preferredReminder: null },
      children: [{ patientId: 'p-messy', patientName: 'Max Messy', chartNumber: 'C-p-messy', authority: 'Joint', residesWith: true, problems: [] }],
    });
    expect(messy.problems.map((p) => p.message)).toEqual([
      'Email domain looks mistyped: gmial.com (did you mean gmail.com?)',
      'Mobile number "555-0142" is not a valid US/Canada number: the area code is missing.',
      'Preferred reminder method is not set.',
    ]);
    expect((await worklistRowOf('p-kim'))!.problems[0]!.message).toBe(
      'Email family@example.com is also the Primary Contact email of Min Park in another family: the Bulk PIN email could reach the wrong person.',
    );
    expect(await worklistRowOf('p-orphan')).toMatchObject({
      key: 'patient:p-orphan',
      contactId: null,
      contact: null,
      children: [{ patientId: 'p-orphan', patientName: 'Olive Orphan' }],
    });
  });

  it('filters by problem', async () => {
    const typos = await call('bulk.worklist', { problem: 'no_authority_or_residence' });
    expect(typos.rows.map((r) => r.key)).toEqual(['contact:c-grandma', 'contact:c-dad']);
    expect(typos.total).toBe(2);
    expect((await call('bulk.worklist', { problem: 'shared_email' })).total).toBe(2);
    expect((await call('bulk.worklist', { problem: 'malformed_email' })).total).toBe(0);
  });

  it('a shared-email row is found whether or not the contact has other problems', async () => {
    run(`UPDATE contacts SET mobile_phone = NULL WHERE id = 'c-park'`);
    expect((await worklistRowOf('p-park'))!.problems.map((p) => p.code)).toEqual(['missing_mobile', 'shared_email']);
  });
});

describe('inline fix', () => {
  it('adding the missing email moves the child from excluded to eligible and clears the row, with audit and outbox', async () => {
    expect(await exclusionOf('p-noemail')).toMatchObject({ reason: 'no_email' });
    const result = await call('bulk.fixContact', { contactId: 'c-nora', changes: { email: 'nora.nomail@example.com' } });
    expect(result).toBeNull();

    expect(await exclusionOf('p-noemail')).toBeUndefined();
    expect(await worklistRowOf('p-noemail')).toBeUndefined();
    const { guardians } = await call('bulk.eligible', { limit: 1000 });
    expect(guardians.find((g) => g.contactId === 'c-nora')).toMatchObject({ email: 'nora.nomail@example.com', children: [{ patientId: 'p-noemail' }] });

    expect(rows(`SELECT email, version FROM contacts WHERE id = 'c-nora'`)).toEqual([{ email: 'nora.nomail@example.com', version: 2 }]);
    const audit = rows(`SELECT clerk_id, action, patient_id, details FROM audit_log WHERE action = 'contact_fixed'`);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ clerk_id: 'k1', patient_id: 'p-noemail' });
    expect(JSON.parse(audit[0]!.details as string)).toEqual({ contactId: 'c-nora', from: { email: null }, to: { email: 'nora.nomail@example.com' } });
    const outbox = rows(`SELECT kind, ref, payload, status FROM outbox`);
    expect(outbox).toHaveLength(1);
    expect(outbox[0]).toMatchObject({ kind: 'contact.update', ref: 'c-nora', status: 'pending' });
    expect(JSON.parse(outbox[0]!.payload as string)).toEqual({
      contactId: 'c-nora',
      patientId: 'p-noemail',
      changes: { email: 'nora.nomail@example.com' },
      baseVersion: 1,
    });
    // search finds the child by the new address
    expect(rows(`SELECT patient_id FROM search_terms WHERE term = 'nora.nomail@example.com'`)).toEqual([{ patient_id: 'p-noemail' }]);
  });

  it('returns the refreshed row while problems remain; mobiles are stored in one format', async () => {
    const row = (await call('bulk.fixContact', { contactId: 'c-messy', changes: { email: 'mel@gmail.com', mobilePhone: '+1 617 555 0150' } })) as WorklistRow;
    expect(row.key).toBe('contact:c-messy');
    expect(row.problems.map((p) => p.code)).toEqual(['missing_reminder_method']);
    expect(row.contact).toMatchObject({ email: 'mel@gmail.com', mobilePhone: '(617) 555-0150' });
    expect(await call('bulk.fixContact', { contactId: 'c-messy', changes: { preferredReminder: 'Text' } })).toBeNull();
    expect(rows(`SELECT version FROM contacts WHERE id = 'c-messy'`)).toEqual([{ version: 3 }]);
    expect(rows(`SELECT json_extract(payload, '$.baseVersion') AS base FROM outbox ORDER BY created_at, rowid`).map((r) => r.base)).toEqual([1, 2]);
  });

  it('authority is fixed on the patient’s link: the Portal-column grandmother becomes eligible for that child', async () => {
    expect(await call('bulk.fixContact', { contactId: 'c-grandma', links: [{ patientId: 'p-portal', authority: 'Joint' }] })).toBeNull();
    expect(rows(`SELECT authority, resides_with, portal_flag FROM patient_contacts WHERE patient_id = 'p-portal'`)).toEqual([
      { authority: 'Joint', resides_with: 0, portal_flag: 1 },
    ]);
    expect(await exclusionOf('p-portal')).toBeUndefined();
    const audit = JSON.parse(rows(`SELECT details FROM audit_log WHERE action = 'contact_fixed'`)[0]!.details as string) as unknown;
    expect(audit).toEqual({ contactId: 'c-grandma', from: { authority: null }, to: { authority: 'Joint' } });
  });

  it('fixing one family’s shared email clears both rows', async () => {
    await call('bulk.fixContact', { contactId: 'c-park', changes: { email: 'min.park@example.com' } });
    expect((await call('bulk.worklist', { problem: 'shared_email' })).total).toBe(0);
  });

  it('a change that changes nothing writes nothing', async () => {
    expect(
      await call('bulk.fixContact', { contactId: 'c-maria', changes: { firstName: 'Maria' }, links: [{ patientId: 'p-ana', residesWith: true }] }),
    ).toBeNull();
    expect(rows(`SELECT count(*) AS n FROM outbox`)).toEqual([{ n: 0 }]);
    expect(rows(`SELECT count(*) AS n FROM audit_log WHERE action = 'contact_fixed'`)).toEqual([{ n: 0 }]);
  });

  it('names why an email field cannot be used, refuses another such value, and takes one address', async () => {
    const cases: [string, string][] = [
      [
        'maria.lopez@example.com; carlos@example.com',
        'Email "maria.lopez@example.com; carlos@example.com" cannot be used: two addresses in one field. Keep only the address of the guardian who will own the portal account.',
      ],
      [
        'maria.lopez@example.com\r\nBcc: spy@evil.example',
        'Email "maria.lopez@example.com \u21b5 Bcc: spy@evil.example" cannot be used: line break in the address. Type the address again on one line.',
      ],
      [
        'Maria Lopez <maria.lopez@example.com>',
        'Email "Maria Lopez <maria.lopez@example.com>" cannot be used: a name as well as the address. Keep only the address (maria.lopez@example.com).',
      ],
    ];
    for (const [email, message] of cases) {
      run(`UPDATE contacts SET email = ? WHERE id = 'c-maria'`, email);
      for (const child of ['p-ana', 'p-luis', 'p-sofia']) {
        expect((await worklistRowOf(child))!.problems).toEqual([{ code: 'malformed_email', message }]);
      }
      expect(worklistEntryFor(app.context.sqlite, 'p-ana', 'c-maria')!.problems).toEqual([{ code: 'malformed_email', message }]);
      expect(worklistRowForGuardian(app.context.sqlite, 'c-maria')!.children).toHaveLength(3);
      expect((await worklistRowOf('p-ana'))!.contact!.email).toBe(email); // the field as it is, for the administrator to see
    }
    // One row: the guardian of the three children.
    expect(await call('bulk.worklist', { problem: 'malformed_email' })).toMatchObject({ total: 1, children: 3 });

    // The fix takes only one mailbox: through the contract and in the service behind it.
    const refused = contract['bulk.fixContact'].input.safeParse({ contactId: 'c-maria', changes: { email: 'mom@x.com, dad@y.com' } });
    expect(refused.success).toBe(false);
    expect(refused.error!.issues[0]!.message).toBe('Enter one email address, such as maria@example.com (this one has two addresses in one field).');
    await expect(
      handlers['bulk.fixContact']({ contactId: 'c-maria', changes: { email: 'maria@x.com\nBcc: spy@evil.example' }, links: [] }),
    ).rejects.toMatchObject({
      code: 'invalid_input',
      message: '"maria@x.com \u21b5 Bcc: spy@evil.example" cannot be saved as the email: line break in the address. Enter one address. Nothing was changed.',
    });
    expect(rows(`SELECT count(*) AS n FROM outbox`)).toEqual([{ n: 0 }]);

    expect(await call('bulk.fixContact', { contactId: 'c-maria', changes: { email: '  maria.lopez@example.com ' } })).toBeNull();
    expect(rows(`SELECT email FROM contacts WHERE id = 'c-maria'`)).toEqual([{ email: 'maria.lopez@example.com' }]);
    expect((await call('bulk.worklist', { problem: 'malformed_email' })).total).toBe(0);
  });

  it('refuses a child the contact is not Primary Contact of, an invalid mobile, and an anonymous caller', async () => {
    await expect(call('bulk.fixContact', { contactId: 'c-james', links: [{ patientId: 'p-ana', authority: 'Joint' }] })).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(call('bulk.fixContact', { contactId: 'c-carlos', changes: { email: 'x@example.com' } })).rejects.toMatchObject({ code: 'not_found' }); // Sort 2 only
    await expect(call('bulk.fixContact', { contactId: 'c-messy', changes: { mobilePhone: '555-0142' } })).rejects.toMatchObject({
      code: 'invalid_input',
      message: '"555-0142" is not a valid US/Canada mobile number (the area code is missing). Nothing was changed.',
    });
    expect(() => contract['bulk.fixContact'].input.parse({ contactId: 'c-maria', changes: { email: 'not an email' } })).toThrow();
    app.context.session.clerkId = null;
    const error = await call('bulk.fixContact', { contactId: 'c-nora', changes: { email: 'n@example.com' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('not_signed_in');
    expect(rows(`SELECT count(*) AS n FROM outbox`)).toEqual([{ n: 0 }]);
  });
});

describe('practice checklist', () => {
  it('records answers attributed to the clerk, audited, and ready only when all four are yes', async () => {
    const before = await bulkSnapshot(app.context);
    let summary = await call('bulk.setChecklist', { item: 'single_npi_and_practice', answer: true, note: ' one NPI ' });
    expect(summary.checklist[0]).toEqual({
      item: 'single_npi_and_practice',
      answer: true,
      answeredBy: 'Dana Reyes',
      answeredAt: NOW.toISOString(),
      note: 'one NPI',
    });
    expect(summary.checklistReady).toBe(false);
    for (const item of ['current_version', 'portal_fully_live', 'register_records_archived'] as const) {
      summary = await call('bulk.setChecklist', { item, answer: true });
    }
    expect(summary.checklistReady).toBe(true);
    summary = await call('bulk.setChecklist', { item: 'portal_fully_live', answer: false, note: 'Preview Mode until December' });
    expect(summary.checklistReady).toBe(false);

    const audit = rows(`SELECT clerk_id, details FROM audit_log WHERE action = 'bulk_checklist_answered' ORDER BY id`);
    expect(audit).toHaveLength(5);
    expect(JSON.parse(audit[4]!.details as string)).toEqual({ item: 'portal_fully_live', from: true, to: false, note: 'Preview Mode until December' });
    // answers are stored apart from practice settings, and do not invalidate the eligibility picture
    expect(JSON.parse(rows(`SELECT value FROM settings WHERE key = 'bulkChecklist'`)[0]!.value as string)).toHaveProperty('portal_fully_live.answer', false);
    expect((await app.invoke('settings.get', {})).ok).toBe(true);
    expect(await bulkSnapshot(app.context)).toBe(before);
  });

  it('needs a signed-in clerk', async () => {
    app.context.session.clerkId = null;
    await expect(call('bulk.setChecklist', { item: 'current_version', answer: true })).rejects.toMatchObject({ code: 'not_signed_in' });
  });

  it('a damaged stored value reads as unanswered', async () => {
    run(`INSERT INTO settings (key, value) VALUES ('bulkChecklist', '{not json')`);
    expect((await call('bulk.readiness', {})).checklist.every((c) => c.answer === null)).toBe(true);
  });
});

describe('export', () => {
  const listDir = () => fs.readdirSync(exportDir).sort();
  const readCsv = (file: string) => {
    const text = fs.readFileSync(file, 'utf8');
    expect(text.startsWith(BOM)).toBe(true);
    expect(text.endsWith('\r\n')).toBe(true);
    expect(text.replace(/\r\n/g, '').includes('\n')).toBe(false); // every record ends with CRLF
    return csvRows(text);
  };

  it('writes the Bulk PIN file: one record per guardian–child pair, parsed back', async () => {
    const result = await call('bulk.export', { kind: 'bulk_pin' });
    expect(result.file).toBe(path.join(exportDir, 'bulk-pin-2026-11-22-1000.csv'));
    expect(path.isAbsolute(result.file)).toBe(true);
    expect(listDir()).toEqual(['bulk-pin-2026-11-22-1000.csv']); // no temporary file left
    if (process.platform !== 'win32') expect(fs.statSync(exportDir).mode & 0o777).toBe(0o700);

    const [header, ...records] = readCsv(result.file);
    expect(header).toEqual([...BULK_PIN_COLUMNS]);
    expect(result.rows).toBe(12);
    expect(records).toHaveLength(12);
    expect(records.filter((r) => r[2] === 'maria.lopez@example.com')).toEqual([
      ['Maria', 'Lopez', 'maria.lopez@example.com', '(617) 555-0101', 'Email', 'Ana', 'Lopez', '03/14/2015', 'C-p-ana'],
      ['Maria', 'Lopez', 'maria.lopez@example.com', '(617) 555-0101', 'Email', 'Luis', 'Lopez', '06/02/2018', 'C-p-luis'],
      ['Maria', 'Lopez', 'maria.lopez@example.com', '(617) 555-0101', 'Email', 'Sofia', 'Lopez', '09/30/2020', 'C-p-sofia'],
    ]);
    expect(records.filter((r) => r[0] === 'James').map((r) => r[5])).toEqual(['Mia', 'Noah']);
    // quotes, commas and formula-looking cells survive the round trip (the formula is neutralised)
    expect(records.find((r) => r[8] === 'C-p-messy')).toEqual([
      "'=Mel",
      'Messy "Jr"',
      'mel@gmial.com',
      '555-0142',
      '',
      'Max',
      'Messy',
      '11/11/2015',
      'C-p-messy',
    ]);
    expect(fs.readFileSync(result.file, 'utf8')).toContain(`'=Mel,"Messy ""Jr""",`);

    const audit = rows(`SELECT clerk_id, details FROM audit_log WHERE action = 'bulk_exported'`);
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]!.details as string)).toEqual({ kind: 'bulk_pin', file: 'bulk-pin-2026-11-22-1000.csv', rows: 12, guardians: 9, children: 12 });
  });

  it('writes the exclusions report and the data-quality file', async () => {
    const exclusions = await call('bulk.export', { kind: 'exclusions' });
    expect(path.basename(exclusions.file)).toBe('bulk-pin-exclusions-2026-11-22-1000.csv');
    const [header, ...records] = readCsv(exclusions.file);
    expect(header).toEqual([...EXCLUSION_COLUMNS]);
    expect(records).toHaveLength(11);
    expect(records.find((r) => r[0] === 'C-p-portal')).toEqual([
      'C-p-portal',
      'Pia',
      'Portal',
      'primary_without_authority',
      'Primary Contact without authority and not living with the child',
      'Sort 1 Gloria Portal has no authority and does not reside (the Portal column does not count)',
    ]);

    const worklist = await call('bulk.export', { kind: 'worklist' });
    expect(path.basename(worklist.file)).toBe('data-quality-2026-11-22-1000.csv');
    const [wHeader, ...wRecords] = readCsv(worklist.file);
    expect(wHeader).toEqual([...WORKLIST_COLUMNS]);
    expect(worklist).toMatchObject({ rows: 8, children: 8 });
    expect(wRecords.find((r) => r[7] === 'C-p-messy')!.slice(0, 8)).toEqual([
      "'=Mel",
      'Messy "Jr"',
      'mel@gmial.com',
      '555-0142',
      '',
      '1',
      'Max Messy',
      'C-p-messy',
    ]); // a formula-looking cell is defused
    expect(wRecords.find((r) => r[7] === 'C-p-messy')!.slice(8)).toEqual([
      'email_domain_typo; invalid_mobile; missing_reminder_method',
      'Email domain looks mistyped: gmial.com (did you mean gmail.com?) Mobile number "555-0142" is not a valid US/Canada number: the area code is missing. Preferred reminder method is not set.',
    ]);
    expect(wRecords.find((r) => r[7] === 'C-p-orphan')!.slice(0, 8)).toEqual(['', '', '', '', '', '1', 'Olive Orphan', 'C-p-orphan']);
    expect(listDir()).toEqual(['bulk-pin-exclusions-2026-11-22-1000.csv', 'data-quality-2026-11-22-1000.csv']);
  });

  it('never overwrites an earlier export from the same minute', async () => {
    const first = await call('bulk.export', { kind: 'bulk_pin' });
    const snapshot = await bulkSnapshot(app.context);
    const second = await call('bulk.export', { kind: 'bulk_pin' });
    expect(path.basename(second.file)).toBe('bulk-pin-2026-11-22-1000-2.csv');
    expect(await bulkSnapshot(app.context)).toBe(snapshot); // its audit row does not invalidate the picture
    expect(fs.readFileSync(second.file, 'utf8')).toBe(fs.readFileSync(first.file, 'utf8'));
    expect(listDir()).toEqual(['bulk-pin-2026-11-22-1000-2.csv', 'bulk-pin-2026-11-22-1000.csv']);
  });

  it('needs a signed-in clerk and writes nothing otherwise', async () => {
    app.context.session.clerkId = null;
    await expect(call('bulk.export', { kind: 'bulk_pin' })).rejects.toMatchObject({ code: 'not_signed_in' });
    expect(fs.existsSync(exportDir)).toBe(false);
  });
});

describe('consistency', () => {
  it('several Sort-1 contacts (a data error): the eligible one is the Primary Contact, else the first by contact id', async () => {
    insertFamilies(app.context.sqlite, [
      {
        id: 'f-two',
        name: 'Two',
        children: [
          { id: 'p-two-a', firstName: 'Ada', dateOfBirth: '2017-01-01' },
          { id: 'p-two-b', firstName: 'Bo', dateOfBirth: '2017-02-02' },
        ],
        contacts: [
          {
            id: 'c-two-1',
            firstName: 'Alma',
            lastName: 'Two',
            email: 'alma@example.com',
            mobilePhone: '617-555-0120',
            links: sort1(['p-two-a', 'p-two-b'], { authority: null, residesWith: false }),
          },
          { id: 'c-two-2', firstName: 'Bert', lastName: 'Two', email: 'bert@example.com', mobilePhone: '617-555-0121', links: sort1(['p-two-a']) },
          {
            id: 'c-two-3',
            firstName: 'Cleo',
            lastName: 'Two',
            email: null,
            mobilePhone: '617-555-0122',
            links: sort1(['p-two-b'], { authority: 'None', residesWith: false }),
          },
        ],
      },
    ]);
    run(`UPDATE contacts SET preferred_reminder = 'Email' WHERE id LIKE 'c-two-%'`);
    const { guardians } = await call('bulk.eligible', { limit: 1000 });
    expect(guardians.find((g) => g.contactId === 'c-two-2')!.children.map((c) => c.patientId)).toEqual(['p-two-a']);
    expect(guardians.some((g) => g.contactId === 'c-two-1')).toBe(false);
    expect(await exclusionOf('p-two-b')).toMatchObject({ reason: 'primary_without_authority', detail: 'Sort 1 Alma Two has no authority and does not reside' });
    expect((await worklistRowOf('p-two-b'))!.key).toBe('contact:c-two-1');
    expect(await worklistRowOf('p-two-a')).toBeUndefined();
    expect(worklistEntryFor(app.context.sqlite, 'p-two-b', 'c-two-3')).toBeNull(); // not the Primary Contact
  });

  it('the single-row answer of an inline fix agrees with the whole picture, on the demo practice', async () => {
    const demoTemp = makeTempDir();
    const demo = await createApp({ databaseFile: demoTemp.file('demo.sqlite'), demo: { families: 400 }, now: () => NOW, workstation: 'desk-2' });
    try {
      // a few addresses shared across families, one typed differently
      const ids = demo.context.sqlite.prepare(`SELECT id FROM contacts ORDER BY id LIMIT 40`).pluck().all() as string[];
      const setEmail = demo.context.sqlite.prepare('UPDATE contacts SET email = ? WHERE id = ?');
      for (const [i, id] of ids.slice(0, 6).entries()) setEmail.run(i % 2 ? ' Shared@Example.com' : 'shared@example.com', id);
      for (const id of ids.slice(20, 23)) setEmail.run('twice@example.com', id);
      const snapshot = await bulkSnapshot(demo.context);
      expect(snapshot.worklist.filter((r) => r.problems.some((p) => p.code === 'shared_email')).length).toBeGreaterThan(3);
      expect(snapshot.worklist.length).toBeGreaterThan(20);
      expect(new Set(snapshot.worklist.flatMap((r) => r.problems.map((p) => p.code))).size).toBeGreaterThan(5);
      const byKey = new Map(snapshot.worklist.map((r) => [r.key, r]));
      expect(snapshot.worklist.some((r) => r.children.length > 1)).toBe(true);
      expect(snapshot.worklistChildren).toBe(snapshot.worklist.reduce((n, r) => n + r.children.length, 0));
      const guardianIds = demo.context.sqlite
        .prepare(`SELECT DISTINCT pc.contact_id FROM patient_contacts pc JOIN patients p ON p.id = pc.patient_id WHERE pc.sort = 1 AND p.status = 'Active'`)
        .pluck()
        .all() as string[];
      for (const contactId of guardianIds) {
        const key = `contact:${contactId}`;
        expect(worklistRowForGuardian(demo.context.sqlite, contactId) ?? undefined, key).toEqual(byKey.get(key));
      }
      // and the readiness counts add up
      const excluded = Object.values(snapshot.exclusionCounts).reduce((a, b) => a + b, 0);
      expect(excluded + snapshot.eligibleChildren).toBe(snapshot.patients);
      expect((await snapshot.exclusions()).length).toBe(excluded);
      const guardians = await snapshot.guardians();
      expect(guardians.length).toBe(snapshot.guardianCount);
      expect(guardians.reduce((n, g) => n + g.children.length, 0)).toBe(snapshot.eligibleChildren);
    } finally {
      await demo.close();
      demoTemp.remove();
    }
  });

  it('sortByKey is a stable sort by code units, in yielding steps', async () => {
    for (const n of [0, 1, 7, 4_096, 4_097, 20_000]) {
      const items = Array.from({ length: n }, (_, i) => ({ k: String((i * 7_919) % 1_009).padStart(4, '0'), i }));
      const want = [...items].sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
      expect(await sortByKey(items, (x) => x.k, new Pacer(0, 1))).toEqual(want);
    }
  });
});
