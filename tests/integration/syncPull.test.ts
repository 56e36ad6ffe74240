import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SearchResults } from '../../shared/api';
import type { AppointmentRecord, ChangesPage, ContactRecord, FamilyRecord, PatientContactRecord, PatientRecord } from '../../shared/sync/protocol';
import { createApp, type App } from '../../electron/main/app';
import { signInTestClerk } from '../support/signIn';
import { signInAs } from '../../electron/main/clerks/sessionService';
import { applyChangesPage, DEFAULT_PAGE_LIMIT, PULL_CURSOR_KEY, type PullProgress, type SyncConnection } from '../../electron/main/sync/pull';
import { servedPage, startChangeFeed, type ChangeFeed, type PageContent } from '../support/changeFeed';
import { makeTempDir } from '../support/tempDir';
import { contactRecord, linkRecord, patientRecord, STAMP } from '../support/syncRecords';
import { pullError } from '../support/pullError';

const NOW = new Date('2026-11-22T15:00:00Z');
const TOKEN = 'practice-token-1';

const family = (id: string, name: string, version = 1): FamilyRecord => ({ id, name, version, updatedAt: STAMP });
const patient = (id: string, firstName: string, lastName: string, over: Partial<PatientRecord> = {}): PatientRecord =>
  patientRecord(id, { firstName, lastName, ...over });
const contact = (id: string, firstName: string, lastName: string, over: Partial<ContactRecord> = {}): ContactRecord =>
  contactRecord(id, { firstName, lastName, ...over });
const appointment = (id: string, patientId: string, startsAt: string): AppointmentRecord => ({
  id,
  patientId,
  startsAt,
  provider: 'Dr. Okafor',
  reason: 'Well visit',
  updatedAt: STAMP,
});

/** A small practice in three pages, parents before children as the feed sends them. */
const PRACTICE: PageContent[] = [
  {
    families: [family('f-garcia', 'Garcia'), family('f-nguyen', 'Nguyen')],
    contacts: [
      contact('c-rosa', 'Rosa', 'Garcia', { email: 'rosa.garcia@example.com', mobilePhone: '(555) 010-4477' }),
      contact('c-minh', 'Minh', 'Nguyen', { email: 'minh@example.com' }),
    ],
    patients: [
      patient('p-mateo', 'Mateo', 'Garcia', { familyId: 'f-garcia', sex: 'M', dateOfBirth: '2017-02-11' }),
      patient('p-elena', 'Elena', 'Garcia', { familyId: 'f-garcia', dateOfBirth: '2019-08-30' }),
      patient('p-linh', 'Linh', 'Nguyen', { familyId: 'f-nguyen', dateOfBirth: '2015-12-01' }),
    ],
  },
  {
    patientContacts: [linkRecord('p-mateo', 'c-rosa'), linkRecord('p-elena', 'c-rosa'), linkRecord('p-linh', 'c-minh')],
    appointments: [appointment('a-1', 'p-mateo', '2026-11-23T09:00'), appointment('a-2', 'p-linh', '2026-11-23T09:30')],
  },
  {
    patients: [patient('p-bao', 'Bao', 'Nguyen', { familyId: 'f-nguyen', sex: 'M', dateOfBirth: '2021-05-05' })],
    patientContacts: [linkRecord('p-bao', 'c-minh')],
    // Rosa's new address must become searchable for both Garcia children.
    contacts: [contact('c-rosa', 'Rosa', 'Garcia', { email: 'rosa.g@newmail.example', mobilePhone: '(555) 010-4477', version: 2 })],
  },
];
const PRACTICE_ROWS = 15;

let temp: ReturnType<typeof makeTempDir>;
let app: App;
let feed: ChangeFeed;
let conn: SyncConnection;

const rows = (sql: string, ...params: unknown[]) => app.context.sqlite.prepare(sql).all(...params) as Record<string, unknown>[];
const value = (sql: string, ...params: unknown[]) =>
  app.context.sqlite
    .prepare(sql)
    .pluck()
    .get(...params);
const state = (key: string) => value('SELECT value FROM sync_state WHERE key = ?', key) as string | undefined;

async function search(text: string): Promise<string[]> {
  const result = await app.invoke('search.patients', { text });
  if (!result.ok) throw new Error(result.error.message);
  return (result.value as SearchResults).hits.map((h) => h.patientId).sort();
}

const pullFails = (connection: SyncConnection = conn) => pullError(app, connection);

/** Everything the pull writes, for before/after comparisons. */
function mirrorSnapshot() {
  return {
    families: rows('SELECT * FROM families ORDER BY id'),
    patients: rows('SELECT * FROM patients ORDER BY id'),
    contacts: rows('SELECT * FROM contacts ORDER BY id'),
    links: rows('SELECT * FROM patient_contacts ORDER BY patient_id, contact_id'),
    appointments: rows('SELECT * FROM appointments ORDER BY id'),
    terms: rows('SELECT * FROM search_terms ORDER BY patient_id, term'),
  };
}

beforeEach(async () => {
  temp = makeTempDir();
  app = await createApp({ databaseFile: temp.file('practice.sqlite'), now: () => NOW, workstation: 'desk-1' });
  await signInTestClerk(app);
  feed = await startChangeFeed({ token: TOKEN, pages: structuredClone(PRACTICE) });
  conn = { baseUrl: feed.baseUrl, token: TOKEN };
});
afterEach(async () => {
  await feed.close();
  await app.close();
  temp.remove();
});

describe('pulling changes from the practice system', () => {
  it('fills an empty mirror from three pages: rows, links, appointments and search terms', async () => {
    const summary = await app.deliveries.pulls.pull(conn);

    expect(summary).toEqual({
      pages: 3,
      rows: PRACTICE_ROWS,
      tombstones: 0,
      keptLocal: 0,
      setAside: 0,
      olderIgnored: 0,
      charactersRemoved: 0,
      lastSyncAt: NOW.toISOString(),
    });
    expect(feed.requests.map((r) => [r.cursor, r.limit, r.authorization])).toEqual([
      ['', String(DEFAULT_PAGE_LIMIT), `Bearer ${TOKEN}`],
      ['c1', String(DEFAULT_PAGE_LIMIT), `Bearer ${TOKEN}`],
      ['c2', String(DEFAULT_PAGE_LIMIT), `Bearer ${TOKEN}`],
    ]);
    expect(rows('SELECT id, family_id, first_name, sex, portal_linked FROM patients ORDER BY id')).toEqual([
      { id: 'p-bao', family_id: 'f-nguyen', first_name: 'Bao', sex: 'M', portal_linked: 0 },
      { id: 'p-elena', family_id: 'f-garcia', first_name: 'Elena', sex: 'F', portal_linked: 0 },
      { id: 'p-linh', family_id: 'f-nguyen', first_name: 'Linh', sex: 'F', portal_linked: 0 },
      { id: 'p-mateo', family_id: 'f-garcia', first_name: 'Mateo', sex: 'M', portal_linked: 0 },
    ]);
    expect(rows('SELECT id, email, version FROM contacts WHERE id = ?', 'c-rosa')).toEqual([{ id: 'c-rosa', email: 'rosa.g@newmail.example', version: 2 }]);
    expect(rows('SELECT patient_id, contact_id, sort, authority, resides_with FROM patient_contacts ORDER BY patient_id')).toEqual([
      { patient_id: 'p-bao', contact_id: 'c-minh', sort: 1, authority: 'Joint', resides_with: 1 },
      { patient_id: 'p-elena', contact_id: 'c-rosa', sort: 1, authority: 'Joint', resides_with: 1 },
      { patient_id: 'p-linh', contact_id: 'c-minh', sort: 1, authority: 'Joint', resides_with: 1 },
      { patient_id: 'p-mateo', contact_id: 'c-rosa', sort: 1, authority: 'Joint', resides_with: 1 },
    ]);
    expect(value('SELECT count(*) FROM appointments')).toBe(2);

    expect(await search('mateo')).toEqual(['p-mateo']);
    expect(await search('bao nguyen')).toEqual(['p-bao']);
    expect(await search('minh')).toEqual(['p-bao', 'p-linh']);
    // The contact changed on page 3, after the links of page 2: both children follow the new email.
    expect(await search('rosa.g@newmail.example')).toEqual(['p-elena', 'p-mateo']);
    expect(await search('rosa.garcia@example.com')).toEqual([]);
    expect(await search('4477')).toEqual(['p-elena', 'p-mateo']);

    expect(state(PULL_CURSOR_KEY)).toBe('c3');
    expect(state('online')).toBe('true');
    expect(state('last_sync_at')).toBe(NOW.toISOString());
  });

  it('saves the cursor with each page: a failure on page 2 keeps page 1, and the next pull resumes at page 2', async () => {
    let failures = 0;
    feed.intercept = (_request, index) => (index === 1 && failures++ === 0 ? { status: 500, body: 'boom' } : undefined);

    const error = await pullFails();
    expect(error.permanent).toBe(false);
    expect(error.message).toContain('sync will try again');
    expect(rows('SELECT id FROM families ORDER BY id')).toEqual([{ id: 'f-garcia' }, { id: 'f-nguyen' }]);
    expect(value('SELECT count(*) FROM patients')).toBe(3);
    expect(value('SELECT count(*) FROM patient_contacts')).toBe(0);
    expect(await search('linh')).toEqual(['p-linh']);
    expect(state(PULL_CURSOR_KEY)).toBe('c1');
    expect(state('online')).toBe('false');
    expect(state('last_sync_at')).toBeUndefined();

    feed.requests.length = 0;
    const summary = await app.deliveries.pulls.pull(conn);
    expect(feed.requests.map((r) => r.cursor)).toEqual(['c1', 'c2']);
    expect(summary.pages).toBe(2);
    expect(value('SELECT count(*) FROM patient_contacts')).toBe(4);
    expect(state('online')).toBe('true');
  });

  it('applies a page a second time without changing anything', async () => {
    await app.deliveries.pulls.pull(conn);
    const before = mirrorSnapshot();

    // As after a crash between the commit of page 2 and the next request: pages 2 and 3 come again.
    app.context.sqlite.prepare('UPDATE sync_state SET value = ? WHERE key = ?').run('c1', PULL_CURSOR_KEY);
    const again = await app.deliveries.pulls.pull(conn);
    expect(again.pages).toBe(2);
    // And the last page once more, straight into the mirror.
    applyChangesPage(app.context.sqlite, servedPage(PRACTICE, 2));

    expect(mirrorSnapshot()).toEqual(before);
    expect(state(PULL_CURSOR_KEY)).toBe('c3');
  });

  it('applies tombstones: a removed link, a merged child with a PIN kept as Merged, a deleted appointment and family', async () => {
    await app.deliveries.pulls.pull(conn);
    const s = app.context.sqlite;
    s.prepare(`INSERT INTO clerks (id, username, display_name, role, created_at) VALUES ('k1', 'dana', 'Dana Reyes', 'clerk', ?)`).run(NOW.toISOString());
    s.prepare(
      `INSERT INTO pins (id, patient_id, batch_id, pin_hash, pin_fingerprint, issued_at, expires_at, issued_by, workstation, delivery, recipient_contact_id)
       VALUES ('pin-1', 'p-linh', 'b-1', 'hash', 'fp', ?, '2026-12-22T15:00:00.000Z', 'k1', 'desk-1', 'print', 'c-minh')`,
    ).run(NOW.toISOString());

    feed.pages.push({
      // Linh (who has a PIN) was merged into Bao; Elena's chart (no PIN) into a new one, p-elena2.
      patients: [patient('p-elena2', 'Elena', 'Garcia', { familyId: 'f-garcia', chartNumber: 'CH-E2' })],
      patientContacts: [linkRecord('p-elena2', 'c-rosa')],
      tombstones: [
        { kind: 'patientContact', id: 'p-mateo:c-rosa' },
        { kind: 'patient', id: 'p-linh', mergedInto: 'p-bao' },
        { kind: 'patient', id: 'p-elena', mergedInto: 'p-elena2' },
        { kind: 'appointment', id: 'a-1' },
        { kind: 'family', id: 'f-nguyen' },
        { kind: 'contact', id: 'c-minh' },
      ],
    });
    const summary = await app.deliveries.pulls.pull(conn);
    expect(summary).toMatchObject({ pages: 1, rows: 2, tombstones: 6, keptLocal: 0 });

    // The link is gone, and with it Rosa's terms from Mateo's search entry.
    expect(rows('SELECT contact_id FROM patient_contacts WHERE patient_id = ?', 'p-mateo')).toEqual([]);
    expect(await search('rosa')).toEqual(['p-elena2']);
    expect(await search('mateo')).toEqual(['p-mateo']);
    // Linh has a PIN: the row stays (the PIN points at it), marked Merged, nothing else changed.
    expect(rows('SELECT id, status, first_name, family_id FROM patients WHERE id = ?', 'p-linh')).toEqual([
      { id: 'p-linh', status: 'Merged', first_name: 'Linh', family_id: null },
    ]);
    expect(value('SELECT count(*) FROM pins WHERE patient_id = ?', 'p-linh')).toBe(1);
    // Elena had none: deleted, her links, appointments and search terms with her.
    expect(value('SELECT count(*) FROM patients WHERE id = ?', 'p-elena')).toBe(0);
    expect(value('SELECT count(*) FROM search_terms WHERE patient_id = ?', 'p-elena')).toBe(0);
    expect(value('SELECT count(*) FROM patient_contacts WHERE patient_id = ?', 'p-elena')).toBe(0);
    expect(rows('SELECT id FROM appointments')).toEqual([{ id: 'a-2' }]);
    // The family is gone and its children no longer point at it.
    expect(value('SELECT count(*) FROM families WHERE id = ?', 'f-nguyen')).toBe(0);
    expect(rows('SELECT id, family_id FROM patients WHERE id = ?', 'p-bao')).toEqual([{ id: 'p-bao', family_id: null }]);
    // Minh received Linh's PIN: the person stays for the PIN's sake, but is nobody's contact any more.
    expect(value('SELECT count(*) FROM contacts WHERE id = ?', 'c-minh')).toBe(1);
    expect(value('SELECT count(*) FROM patient_contacts WHERE contact_id = ?', 'c-minh')).toBe(0);
    expect(await search('minh')).toEqual([]);
    expect(await search('bao')).toEqual(['p-bao']);
  });

  it('keeps a name correction still waiting in the outbox, while the other fields update', async () => {
    feed.pages = [
      {
        families: [family('f-okafor', 'Okafor')],
        patients: [patient('p-baby', 'Baby Girl', 'Okafor', { familyId: 'f-okafor', dateOfBirth: '2026-11-01' })],
      },
    ];
    await app.deliveries.pulls.pull(conn);
    const s = app.context.sqlite;
    s.prepare(`INSERT INTO settings (key, value) VALUES ('timeZone', '"America/New_York"'), ('portalUrl', '"https://portal.example.org"')`).run();
    s.prepare(`INSERT INTO clerks (id, username, display_name, role, created_at) VALUES ('k1', 'dana', 'Dana Reyes', 'clerk', ?)`).run(NOW.toISOString());
    app.context.settingsChanged();
    await signInAs(app.context, 'k1');
    const corrected = await app.invoke('patients.correctName', {
      familyId: 'f-okafor',
      patientId: 'p-baby',
      firstName: 'Adaeze',
      lastName: 'Okafor',
      expectedVersion: 1,
    });
    expect(corrected.ok).toBe(true);

    // Upstream still has the placeholder, and meanwhile changed the date of birth and the status.
    feed.pages.push({
      patients: [patient('p-baby', 'Baby Girl', 'Okafor', { familyId: 'f-okafor', dateOfBirth: '2026-10-31', status: 'Inactive', version: 2 })],
    });
    const summary = await app.deliveries.pulls.pull(conn);
    expect(summary.keptLocal).toBe(1);
    expect(rows('SELECT first_name, last_name, version, date_of_birth, status FROM patients WHERE id = ?', 'p-baby')).toEqual([
      { first_name: 'Adaeze', last_name: 'Okafor', version: 2, date_of_birth: '2026-10-31', status: 'Inactive' },
    ]);
    expect(await search('adaeze')).toEqual(['p-baby']);
    expect(await search('baby girl')).toEqual([]);

    // Parked for a person: still waiting, still kept.
    s.prepare(`UPDATE outbox SET status = 'needs_attention' WHERE ref = ?`).run('p-baby');
    feed.pages.push({ patients: [patient('p-baby', 'Baby Girl', 'Okafor', { familyId: 'f-okafor', version: 2 })] });
    expect((await app.deliveries.pulls.pull(conn)).keptLocal).toBe(1);
    expect(value('SELECT first_name FROM patients WHERE id = ?', 'p-baby')).toBe('Adaeze');

    // Delivered: upstream now owns the name again.
    s.prepare(`UPDATE outbox SET status = 'delivered' WHERE ref = ?`).run('p-baby');
    feed.pages.push({ patients: [patient('p-baby', 'Adaeze', 'Okafor-Bello', { familyId: 'f-okafor', version: 3 })] });
    expect((await app.deliveries.pulls.pull(conn)).keptLocal).toBe(0);
    expect(rows('SELECT first_name, last_name, version FROM patients WHERE id = ?', 'p-baby')).toEqual([
      { first_name: 'Adaeze', last_name: 'Okafor-Bello', version: 3 },
    ]);
  });

  it('stops with the permanent token message on a 401 and applies nothing', async () => {
    const error = await pullFails({ ...conn, token: 'not-the-token' });
    expect(error.permanent).toBe(true);
    expect(error.message).toBe('The practice system refused the sync token: check it in Settings.');
    expect(value('SELECT count(*) FROM patients')).toBe(0);
    expect(state(PULL_CURSOR_KEY)).toBeUndefined();
    expect(state('online')).toBeUndefined();
  });

  it('sets aside a record this version cannot read, applies the rest of its page, and clears the problem when a good copy arrives', async () => {
    feed.pages[1] = {
      families: [family('f-okafor', 'Okafor')],
      patients: [{ ...patient('p-x', 'Ada', 'Okafor'), status: 'Alive' as never }, patient('p-y', 'Obi', 'Okafor', { familyId: 'f-okafor' })],
    };
    const summary = await app.deliveries.pulls.pull(conn);
    expect(summary).toMatchObject({ pages: 3, setAside: 1 });
    expect(value('SELECT count(*) FROM families WHERE id = ?', 'f-okafor')).toBe(1);
    expect(rows('SELECT id FROM patients WHERE id IN (?, ?)', 'p-x', 'p-y')).toEqual([{ id: 'p-y' }]);
    expect(rows('SELECT kind, record_id, problem, cursor FROM sync_problems')).toEqual([
      { kind: 'patient', record_id: 'p-x', problem: expect.stringMatching(/^cannot be read \(status: not one of "Active", .+\)$/), cursor: 'c2' },
    ]);
    expect(state(PULL_CURSOR_KEY)).toBe('c3');

    feed.pages.push({ patients: [patient('p-x', 'Ada', 'Okafor', { familyId: 'f-okafor' })] });
    expect((await app.deliveries.pulls.pull(conn)).setAside).toBe(0);
    expect(value('SELECT first_name FROM patients WHERE id = ?', 'p-x')).toBe('Ada');
    expect(value('SELECT count(*) FROM sync_problems')).toBe(0);
  });

  it('still refuses a page whose shape it cannot read at all, applying nothing of it', async () => {
    feed.intercept = (_request, index) => (index === 1 ? { status: 200, body: { ...servedPage(PRACTICE, 1), patients: 'not a list' } } : undefined);
    const error = await pullFails();
    expect(error.permanent).toBe(true);
    expect(error.message).toMatch(/^The practice system sent data this version cannot read \(patients: .+\)\.$/);
    expect(value('SELECT count(*) FROM patient_contacts')).toBe(0);
    expect(state(PULL_CURSOR_KEY)).toBe('c1');
  });

  it('sets aside rows that point at records that were never sent, applying the rest of the page', async () => {
    feed.pages = [{ families: [family('f-okafor', 'Okafor')], appointments: [appointment('a-9', 'p-nobody', '2026-11-23T10:00')] }];
    const summary = await app.deliveries.pulls.pull(conn);
    expect(summary).toMatchObject({ rows: 1, setAside: 1 });
    expect(value('SELECT count(*) FROM families')).toBe(1);
    expect(value('SELECT count(*) FROM appointments')).toBe(0);
    expect(rows('SELECT kind, record_id, problem FROM sync_problems')).toEqual([
      { kind: 'appointment', record_id: 'a-9', problem: 'refers to patient p-nobody that the practice system never sent' },
    ]);
    expect(state(PULL_CURSOR_KEY)).toBe('c1');
  });

  it('gives a chart number to its new owner: the stale local holder steps aside until its own change arrives', async () => {
    await app.deliveries.pulls.pull(conn);
    feed.pages.push(
      { patients: [patient('p-mateo2', 'Mateo', 'Garcia', { chartNumber: 'CH-p-mateo', familyId: 'f-garcia' })] },
      { patients: [patient('p-mateo', 'Mateo', 'Garcia', { chartNumber: 'CH-OLD-7', familyId: 'f-garcia' })] },
    );
    await app.deliveries.pulls.pull(conn);
    expect(rows('SELECT id, chart_number FROM patients WHERE id LIKE ? ORDER BY id', 'p-mateo%')).toEqual([
      { id: 'p-mateo', chart_number: 'CH-OLD-7' },
      { id: 'p-mateo2', chart_number: 'CH-p-mateo' },
    ]);
    expect(await search('chpmateo')).toEqual(['p-mateo2']);
  });

  it('reports progress after each page: rows done go up, remaining goes down to 0', async () => {
    const seen: PullProgress[] = [];
    await app.deliveries.pulls.pull({ ...conn, pageLimit: 7 }, (p) => seen.push(p));
    expect(feed.requests.every((r) => r.limit === '7')).toBe(true);
    expect(seen).toEqual([
      { rowsDone: 7, remaining: 8 },
      { rowsDone: 12, remaining: 3 },
      { rowsDone: 15, remaining: 0 },
    ]);
  });

  it('lets a second pull started meanwhile join the first instead of applying the pages twice', async () => {
    const [a, b] = await Promise.all([app.deliveries.pulls.pull(conn), app.deliveries.pulls.pull(conn)]);
    expect(b).toEqual(a);
    expect(feed.requests.map((r) => r.cursor)).toEqual(['', 'c1', 'c2']);
  });

  it('goes offline on a network failure and honours Retry-After on a 429', async () => {
    const { port } = new URL(feed.baseUrl);
    await feed.close();
    const offline = await pullFails();
    expect(offline.permanent).toBe(false);
    expect(offline.message).toBe(`The practice system at 127.0.0.1:${port} could not be reached; working offline. Nothing was lost.`);
    expect(state('online')).toBe('false');

    feed = await startChangeFeed({ token: TOKEN, pages: PRACTICE });
    feed.intercept = () => ({ status: 429, headers: { 'Retry-After': '7' }, body: {} });
    const busy = await pullFails({ ...conn, baseUrl: feed.baseUrl });
    expect(busy.permanent).toBe(false);
    expect(busy.retryAfterMs).toBe(7000);
  });

  it('applies a page of 2,000 rows quickly (timing printed, not asserted)', async () => {
    const families: FamilyRecord[] = [];
    const patients: PatientRecord[] = [];
    const contacts: ContactRecord[] = [];
    const links: PatientContactRecord[] = [];
    for (let f = 0; f < 200; f++) {
      families.push(family(`f-${f}`, `Family${f}`));
      contacts.push(contact(`c-${f}-a`, `Parent${f}`, `Family${f}`, { email: `p${f}@example.com`, mobilePhone: `555${String(f).padStart(7, '0')}` }));
      contacts.push(contact(`c-${f}-b`, `Other${f}`, `Family${f}`));
      for (let k = 0; k < 2; k++) {
        const id = `p-${f}-${k}`;
        patients.push(patient(id, `Child${k}`, `Family${f}`, { familyId: `f-${f}` }));
        links.push(linkRecord(id, `c-${f}-a`, 1), linkRecord(id, `c-${f}-b`, 2));
      }
    }
    const appointments = patients.slice(0, 200).map((p, i) => appointment(`a-${i}`, p.id, '2026-11-23T09:00'));
    const content = { families, contacts, patients, patientContacts: links, appointments };
    const page: ChangesPage = { ...servedPage([content], 0), cursor: 'big-1' };
    const total = families.length + contacts.length + patients.length + links.length + appointments.length;
    expect(total).toBe(2000);

    let t = performance.now();
    const first = applyChangesPage(app.context.sqlite, page);
    const firstMs = performance.now() - t;
    t = performance.now();
    applyChangesPage(app.context.sqlite, page);
    const againMs = performance.now() - t;
    console.info(
      `[syncPull] page of ${total} rows (${first.reindexed} patients reindexed): ${firstMs.toFixed(1)} ms into an empty mirror, ${againMs.toFixed(1)} ms re-applied`,
    );
    expect(first.rows).toBe(2000);
    expect(await search('p17@example.com')).toEqual(['p-17-0', 'p-17-1']);
  });
});
