import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FamilyView, SearchResults } from '../../shared/api';
import type { ImportPreview, ImportResult } from '../../shared/bulk/api';
import type { ImportFieldName, ImportKind } from '../../shared/import/fields';
import type { App } from '../../electron/main/app';
import { signInAs } from '../../electron/main/clerks/sessionService';
import { Importer, importHandlers, type ImportOptions } from '../../electron/main/importer';
import { parseCsv } from '../../electron/main/importer/csv';
import { normalizePhone, readDate, readDateTime } from '../../electron/main/importer/values';
import { CLEAN, cleanFiles, lines, MALFORMED, mirrorFingerprint } from '../support/csvFixtures';
import { insertFamilies } from '../support/fixtures';
import { makeTempDir } from '../support/tempDir';
import { DANA, invokeOk, MORGAN_ADMIN, NEW_YORK_TIME, openTestDesk } from '../support/testDesk';

const NOW = new Date('2026-11-22T15:00:00Z');
let temp: ReturnType<typeof makeTempDir>;
let app: App;
let file: string;

type Files = { name: string; content: string; kind?: ImportKind; mapping?: { header: string; field: ImportFieldName | null }[] }[];

function handlers(options: Partial<ImportOptions> = {}) {
  return importHandlers(new Importer(app.context, { databaseFile: file, worker: 'never', ...options }));
}
const preview = (files: Files, options?: Partial<ImportOptions>): Promise<ImportPreview> => handlers(options)['import.preview']({ files });
const apply = (files: Files, options?: Partial<ImportOptions>): Promise<ImportResult> => handlers(options)['import.apply']({ files });

const ok = <T>(name: string, input: unknown): Promise<T> => invokeOk<T>(app, name, input);
const rows = (sql: string, ...params: unknown[]) => app.context.sqlite.prepare(sql).all(...params) as Record<string, unknown>[];
const one = (sql: string, ...params: unknown[]) => app.context.sqlite.prepare(sql).get(...params) as Record<string, unknown>;

beforeEach(async () => {
  temp = makeTempDir();
  file = temp.file('practice.sqlite');
  app = await openTestDesk(file, { now: () => NOW, workstation: 'desk-1', settings: NEW_YORK_TIME, clerks: [MORGAN_ADMIN, DANA] });
});
afterEach(async () => {
  await app.close();
  temp.remove();
});

describe('import of a clean export', () => {
  for (const worker of ['never', 'always'] as const) {
    it(`previews, applies in one go (${worker === 'always' ? 'worker thread' : 'in-process'}), and a re-import changes nothing`, async () => {
      const before = mirrorFingerprint(app.context.sqlite);
      const p = await preview(cleanFiles(), { worker });
      expect(p.problems).toEqual([]);
      expect(p.moreProblems).toBe(0);
      expect(p.files.map((f) => [f.name, f.kind, f.rows, f.missingFields])).toEqual([
        ['patients.csv', 'patients', 5, []],
        ['contacts.csv', 'contacts', 6, []],
        ['appointments.csv', 'appointments', 2, []],
      ]);
      expect(p.files[0]!.columns).toEqual([
        { header: 'Chart #', field: 'chartNumber' },
        { header: 'Family #', field: 'familyId' },
        { header: 'Patient First', field: 'firstName' },
        { header: 'Patient Last', field: 'lastName' },
        { header: 'DOB', field: 'dateOfBirth' },
        { header: 'Sex', field: 'sex' },
        { header: 'Status', field: 'status' },
      ]);
      expect(p.counts).toEqual({ families: 2, patients: 5, contacts: 3, links: 6, appointments: 2 });
      expect(p.changes).toEqual({ inserted: 18, updated: 0, unchanged: 0 });
      expect(mirrorFingerprint(app.context.sqlite)).toEqual(before); // a preview writes nothing

      const result = await apply(cleanFiles(), { worker });
      expect(result).toMatchObject({ applied: true, problems: [], counts: p.counts, changes: p.changes });

      // The family through the app's own calls.
      const family = await ok<FamilyView>('family.load', { familyId: 'F100' });
      expect(family.familyName).toBe('Lopez');
      expect(family.children.map((c) => [c.firstName, c.lastName, c.dateOfBirth]).sort()).toEqual([
        ['Ana', 'Lopez', '2015-03-14'],
        ['Luis', 'Lopez', '2018-06-02'],
        ['Sofia', 'Lopez', '2020-09-30'],
      ]);
      expect(family.contacts.map((c) => `${c.firstName} ${c.lastName}`).sort()).toEqual(['Carlos Lopez', 'Maria Lopez']);
      const search = await ok<SearchResults>('search.patients', { text: 'lopez' });
      expect(search.hits.map((h) => h.chartNumber).sort()).toEqual(['C1001', 'C1002', 'C1003']);
      const byPhone = await ok<SearchResults>('search.patients', { text: '555-0199' });
      expect(byPhone.hits.map((h) => h.chartNumber).sort()).toEqual(['C2001', 'C2002']);

      // Stored as the mirror keeps it.
      expect(rows('SELECT id, chart_number, family_id, sex, status, date_of_birth FROM patients ORDER BY chart_number')).toEqual([
        { id: 'imp-C1001', chart_number: 'C1001', family_id: 'F100', sex: 'F', status: 'Active', date_of_birth: '2015-03-14' },
        { id: 'imp-C1002', chart_number: 'C1002', family_id: 'F100', sex: 'M', status: 'Active', date_of_birth: '2018-06-02' },
        { id: 'imp-C1003', chart_number: 'C1003', family_id: 'F100', sex: 'F', status: 'Active', date_of_birth: '2020-09-30' },
        { id: 'imp-C2001', chart_number: 'C2001', family_id: 'F200', sex: 'F', status: 'Active', date_of_birth: '2026-11-01' },
        { id: 'imp-C2002', chart_number: 'C2002', family_id: 'F200', sex: 'M', status: 'In Collections', date_of_birth: null },
      ]);
      expect(rows('SELECT id, mobile_phone, home_phone, preferred_reminder, language FROM contacts ORDER BY id')).toEqual([
        { id: 'K1', mobile_phone: '(617) 555-0142', home_phone: null, preferred_reminder: 'Email', language: 'en' },
        { id: 'K2', mobile_phone: '(617) 555-0143', home_phone: null, preferred_reminder: 'Text', language: 'es' },
        { id: 'K3', mobile_phone: '(617) 555-0199', home_phone: '(617) 555-0100', preferred_reminder: 'Text', language: 'en' },
      ]);
      expect(one(`SELECT sort, relationship, authority, resides_with, portal_flag FROM patient_contacts WHERE contact_id = 'K2'`)).toEqual({
        sort: 2,
        relationship: 'Father',
        authority: 'Joint',
        resides_with: 1,
        portal_flag: 1,
      });
      expect(one(`SELECT authority FROM patient_contacts WHERE contact_id = 'K3' AND patient_id = 'imp-C2001'`)).toEqual({ authority: null });
      expect(rows('SELECT patient_id, starts_at, provider, reason FROM appointments ORDER BY starts_at')).toEqual([
        { patient_id: 'imp-C1001', starts_at: '2026-11-22T14:30', provider: 'Dr. Patel', reason: 'Well visit' },
        { patient_id: 'imp-C1002', starts_at: '2026-11-22T14:45', provider: 'Dr. Patel', reason: 'Follow-up, ear' },
      ]);
      expect(one(`SELECT name FROM families WHERE id = 'F200'`)).toEqual({ name: 'Nguyen' });

      // Audit: who, which files and what changed; never the contents.
      const audit = rows(`SELECT clerk_id, workstation, details FROM audit_log WHERE action = 'import_applied'`);
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ clerk_id: 'a1', workstation: 'desk-1' });
      const details = JSON.parse(audit[0]!.details as string);
      expect(details.files.map((f: { name: string }) => f.name)).toEqual(['patients.csv', 'contacts.csv', 'appointments.csv']);
      expect(details.changes).toEqual({ inserted: 18, updated: 0, unchanged: 0 });
      expect(audit[0]!.details).not.toContain('maria.lopez@example.com');

      // Re-importing the same files changes nothing.
      const afterFirst = mirrorFingerprint(app.context.sqlite);
      const again = await preview(cleanFiles());
      expect(again.changes).toEqual({ inserted: 0, updated: 0, unchanged: 18 });
      const second = await apply(cleanFiles(), { worker });
      expect(second.applied).toBe(true);
      expect(second.changes).toEqual({ inserted: 0, updated: 0, unchanged: 18 });
      expect(mirrorFingerprint(app.context.sqlite)).toEqual(afterFirst);
    });
  }

  it('updates what changed, keeps existing patients’ ids and what the files do not carry', async () => {
    insertFamilies(app.context.sqlite, [
      {
        id: 'F100',
        name: 'Lopez-Garcia',
        children: [{ id: 'p-ana', firstName: 'Ana', dateOfBirth: '2015-03-14', chartNumber: 'C1001' }],
        contacts: [
          {
            id: 'K1',
            firstName: 'Maria',
            lastName: 'Lopez',
            email: 'old@example.com',
            links: [{ patientId: 'p-ana', sort: 1, authority: 'Joint', residesWith: true }],
          },
        ],
      },
    ]);
    app.context.sqlite.prepare(`UPDATE contacts SET language = 'es' WHERE id = 'K1'`).run();
    const patients = lines(
      'Chart #,Family #,First Name,Last Name,DOB,Status',
      'C1001,F100,Ana,Lopez,03/14/2015,Inactive',
      'C1009,F100,Eva,Lopez,01/05/2019,Active',
    );
    const contacts = lines(
      'Chart #,Contact ID,First Name,Last Name,Sort,Email',
      'C1001,K1,Maria,Lopez,1,maria@example.com',
      'C1009,K1,Maria,Lopez,1,maria@example.com',
    );
    const result = await apply([
      { name: 'p.csv', content: patients },
      { name: 'c.csv', content: contacts },
    ]);
    expect(result.problems).toEqual([]);
    // family unchanged (no Family name column: the stored name stays); Ana updated (status); Eva inserted;
    // K1 updated (email); Ana's link unchanged (columns not in the file keep their values); Eva's link inserted.
    expect(result.changes).toEqual({ inserted: 2, updated: 2, unchanged: 2 });
    expect(one(`SELECT id, status, version FROM patients WHERE chart_number = 'C1001'`)).toEqual({ id: 'p-ana', status: 'Inactive', version: 2 });
    expect(one(`SELECT name FROM families WHERE id = 'F100'`)).toEqual({ name: 'Lopez-Garcia' });
    expect(one(`SELECT email, language FROM contacts WHERE id = 'K1'`)).toEqual({ email: 'maria@example.com', language: 'es' });
    expect(one(`SELECT authority, resides_with, relationship FROM patient_contacts WHERE patient_id = 'p-ana'`)).toEqual({
      authority: 'Joint',
      resides_with: 1,
      relationship: 'Mother',
    });
    const search = await ok<SearchResults>('search.patients', { text: 'maria@example' });
    expect(search.hits.map((h) => h.chartNumber).sort()).toEqual(['C1001', 'C1009']);
  });

  it('keeps a local name correction that is still waiting to go upstream', async () => {
    insertFamilies(app.context.sqlite, [
      { id: 'F1', name: 'Lopez', children: [{ id: 'p-1', firstName: 'Ana', dateOfBirth: '2026-11-01', chartNumber: 'C1' }] },
    ]);
    app.context.sqlite
      .prepare(`INSERT INTO outbox (id, kind, ref, payload, next_attempt_at, created_at) VALUES ('o1', 'patient.name_correction', 'p-1', '{}', ?, ?)`)
      .run(NOW.toISOString(), NOW.toISOString());
    const content = lines('Chart #,Family #,First Name,Last Name,DOB,Status', 'C1,F1,Baby Girl,Lopez,11/01/2026,Active');
    const result = await apply([{ name: 'p.csv', content }]);
    expect(result.changes).toEqual({ inserted: 0, updated: 0, unchanged: 2 });
    expect(one(`SELECT first_name FROM patients WHERE id = 'p-1'`)).toEqual({ first_name: 'Ana' });
  });

  it('refers contacts and appointments to patients already in the mirror', async () => {
    insertFamilies(app.context.sqlite, [
      { id: 'F1', name: 'Park', children: [{ id: 'p-jin', firstName: 'Jin', dateOfBirth: '2016-01-01', chartNumber: 'P-77' }] },
    ]);
    const result = await apply([
      { name: 'contacts.csv', content: lines('Patient ID,First,Last,Sort Order,Res?', 'P-77,Min,Park,1,X') },
      { name: 'appts.csv', content: lines('MRN,Date,Time,Doctor', 'P-77,11/22/2026,9 AM,Dr. Kim') },
    ]);
    expect(result.problems).toEqual([]);
    expect(result.applied).toBe(true);
    const family = await ok<FamilyView>('family.load', { familyId: 'F1' });
    expect(family.contacts.map((c) => c.firstName)).toEqual(['Min']);
    // No Contact ID column: a stable id from the person's name, email and phones.
    expect(String(one(`SELECT contact_id FROM patient_contacts WHERE patient_id = 'p-jin'`).contact_id)).toMatch(/^imp-c-[0-9a-f]{20}$/);
    expect(one('SELECT patient_id, starts_at, provider FROM appointments')).toEqual({
      patient_id: 'p-jin',
      starts_at: '2026-11-22T09:00',
      provider: 'Dr. Kim',
    });
    const again = await apply([
      { name: 'contacts.csv', content: lines('Patient ID,First,Last,Sort Order,Res?', 'P-77,Min,Park,1,X') },
      { name: 'appts.csv', content: lines('MRN,Date,Time,Doctor', 'P-77,11/22/2026,9 AM,Dr. Kim') },
    ]);
    expect(again.changes).toEqual({ inserted: 0, updated: 0, unchanged: 3 });
  });
});

describe('a malformed export', () => {
  it('reports every problem with its file, line and column, and writes nothing', async () => {
    // Something already in the mirror, so "unchanged" means something.
    await apply(cleanFiles());
    const before = mirrorFingerprint(app.context.sqlite);
    const auditBefore = rows('SELECT id FROM audit_log').length;
    const files = [
      { name: 'patients.csv', content: MALFORMED.patients },
      { name: 'contacts.csv', content: MALFORMED.contacts },
      { name: 'appointments.csv', content: MALFORMED.appointments },
    ];
    const expected = [
      { file: 'patients.csv', line: 3, column: 'DOB', message: "Date of birth '13/45/2019' is not a date (expected MM/DD/YYYY)" },
      {
        file: 'patients.csv',
        line: 4,
        column: 'Status',
        message: "Status 'Pending' is not a patient status (expected one of Active, Inactive, Transferred, Deceased, Merged, In Collections)",
      },
      { file: 'patients.csv', line: 6, column: 'Chart #', message: "Chart number 'C1001' appears twice (first on line 2); each patient must be listed once" },
      { file: 'patients.csv', line: 7, column: 'DOB', message: "Date of birth '1/2/19' has a 2-digit year; write the year in full (expected MM/DD/YYYY)" },
      {
        file: 'contacts.csv',
        line: 1,
        column: null,
        message: 'contacts.csv has no column for Sort (required). Add the column to the export, or map one of its columns to it.',
      },
      {
        file: 'contacts.csv',
        line: 3,
        column: 'Chart #',
        message: "Chart number 'C9999' is neither in the patients file nor already in this workstation's data",
      },
      { file: 'appointments.csv', line: 3, column: 'Time', message: "Appointment time '25:00' is not a time (expected e.g. 2:30 PM or 14:30)" },
    ];

    const p = await preview(files);
    expect(p.problems).toEqual(expected);
    expect(p.moreProblems).toBe(0);
    expect(p.files[1]!.missingFields).toEqual(['sort']);
    // The preview a large file gets, in the job worker on its own read-only connection: the same words, and nothing written.
    expect(await preview(files, { worker: 'always' })).toEqual(p);
    expect(mirrorFingerprint(app.context.sqlite)).toEqual(before);

    const result = await apply(files);
    expect(result.applied).toBe(false);
    expect(result.problems).toEqual(expected);
    expect(mirrorFingerprint(app.context.sqlite)).toEqual(before);
    expect(rows('SELECT id FROM audit_log')).toHaveLength(auditBefore);

    // The same through the worker thread.
    const viaWorker = await apply(files, { worker: 'always' });
    expect(viaWorker.applied).toBe(false);
    expect(viaWorker.problems).toEqual(expected);
    expect(mirrorFingerprint(app.context.sqlite)).toEqual(before);
  });

  it('one bad row among good ones keeps the whole import out', async () => {
    const before = mirrorFingerprint(app.context.sqlite);
    const patients = CLEAN.patients.replace('C1003,F100,Sofia,Lopez,2020-09-30,F,Active', 'C1003,F100,Sofia,Lopez,2020-02-30,F,Active');
    const result = await apply([
      { name: 'patients.csv', content: patients },
      { name: 'contacts.csv', content: CLEAN.contacts },
    ]);
    expect(result.applied).toBe(false);
    expect(result.problems).toEqual([
      { file: 'patients.csv', line: 4, column: 'DOB', message: "Date of birth '2020-02-30' is not a date (expected MM/DD/YYYY)" },
    ]);
    expect(mirrorFingerprint(app.context.sqlite)).toEqual(before);
    expect(before.counts.patients).toBe(0);
  });

  it('lists the first 1,000 problems and counts the rest', async () => {
    const bad = Array.from({ length: 1_500 }, (_, i) => `X${i},F1,Kid,Doe,02/30/2015,Active`);
    const p = await preview([{ name: 'p.csv', content: lines('Chart #,Family #,First Name,Last Name,DOB,Status', ...bad) }]);
    expect(p.problems).toHaveLength(1_000);
    expect(p.moreProblems).toBe(500);
    expect(p.problems[0]!.line).toBe(2);
    expect(p.problems[999]!.line).toBe(1_001);
  });

  it('reports a quoted value that is never closed, an unreadable kind, and contact details that disagree', async () => {
    const p = await preview([
      {
        name: 'p.csv',
        content: lines('Chart #,First Name,Last Name,DOB,Status', 'C1,Ana,Lopez,03/14/2015,Active', 'C2,"Luis,Lopez,06/02/2018,Active', 'C3,Eva,Lopez,,Active'),
      },
      { name: 'what.csv', content: lines('Foo,Bar', '1,2') },
      {
        name: 'c.csv',
        content: lines(
          'Chart #,Contact ID,First Name,Last Name,Sort,Email',
          'C1,K1,Maria,Lopez,1,a@example.com',
          'C1,K1,Maria,Lopez,1,a@example.com',
          'C1,K1,Maria,Lopez,1,b@example.com',
        ),
      },
    ]);
    expect(p.problems.map((x) => [x.file, x.line, x.column])).toEqual([
      ['p.csv', 3, null],
      ['what.csv', 1, null],
      ['c.csv', 4, 'Email'],
    ]);
    expect(p.problems[0]!.message).toMatch(/starts on line 3 is never closed/);
    expect(p.problems[2]!.message).toBe(
      "Email 'b@example.com' differs from 'a@example.com' given for contact Maria Lopez on line 2; a person's details must be the same on every row",
    );
    expect(p.files[1]).toMatchObject({
      kind: null,
      columns: [
        { header: 'Foo', field: null },
        { header: 'Bar', field: null },
      ],
    });
  });

  it('is for a signed-in administrator', async () => {
    await signInAs(app.context, 'k1');
    expect(await app.invoke('import.apply', { files: cleanFiles() })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    app.context.session.clerkId = null;
    expect(await app.invoke('import.apply', { files: cleanFiles() })).toMatchObject({ ok: false, error: { code: 'not_signed_in' } });
    expect(mirrorFingerprint(app.context.sqlite).counts.patients).toBe(0);
  });
});

describe('what practice exports look like', () => {
  it('recognises header synonyms and honours an explicit mapping', async () => {
    const patients = lines('MRN,Household,FName,LName,Birth Date,Gender,Patient Status,Notes', 'A-1,H1,Ana,Lopez,3/4/2015,female,ACTIVE,likes stickers');
    const contacts = lines(
      'Patient ID,Contact #,Contact First Name,Contact Last Name,Relation,Sort Order,Legal Authority,Resides With,Portal Access,E-mail Address,Mobile #,Phone,Reminder,Preferred Language,Guardian Cell',
      'A-1,77,Maria,Lopez,Mother,1,exclusive,true,0,maria@example.com,,617 555 0100,phone,Spanish,617-555-0142',
    );
    const appointments = lines('Chart Number,Date,Time,Provider Name,Visit Type', 'A-1,11/22/2026,10:15 am,Dr. Patel,Sick visit');
    const files: Files = [
      { name: 'p.csv', content: patients },
      {
        name: 'c.csv',
        content: contacts,
        mapping: [
          { header: 'Guardian Cell', field: 'mobilePhone' },
          { header: 'Mobile #', field: null },
          { header: 'Portal Access', field: 'portalFlag' }, // the sync protocol's name is accepted too
        ],
      },
      { name: 'a.csv', content: appointments, kind: 'appointments' },
    ];
    const p = await preview(files);
    expect(p.problems).toEqual([]);
    expect(p.files[0]!.columns.map((c) => c.field)).toEqual(['chartNumber', 'familyId', 'firstName', 'lastName', 'dateOfBirth', 'sex', 'status', null]);
    expect(p.files[1]!.columns.map((c) => [c.header, c.field])).toEqual([
      ['Patient ID', 'chartNumber'],
      ['Contact #', 'contactId'],
      ['Contact First Name', 'firstName'],
      ['Contact Last Name', 'lastName'],
      ['Relation', 'relationship'],
      ['Sort Order', 'sort'],
      ['Legal Authority', 'authority'],
      ['Resides With', 'residesWith'],
      ['Portal Access', 'portal'],
      ['E-mail Address', 'email'],
      ['Mobile #', null],
      ['Phone', 'homePhone'],
      ['Reminder', 'preferredReminder'],
      ['Preferred Language', 'language'],
      ['Guardian Cell', 'mobilePhone'],
    ]);
    expect(p.files[2]!.columns.map((c) => c.field)).toEqual(['chartNumber', 'date', 'time', 'provider', 'reason']);
    const result = await apply(files);
    expect(result.applied).toBe(true);
    expect(one(`SELECT first_name, date_of_birth, sex, status FROM patients WHERE chart_number = 'A-1'`)).toEqual({
      first_name: 'Ana',
      date_of_birth: '2015-03-04',
      sex: 'F',
      status: 'Active',
    });
    expect(one(`SELECT mobile_phone, home_phone, preferred_reminder, language FROM contacts WHERE id = '77'`)).toEqual({
      mobile_phone: '(617) 555-0142',
      home_phone: '(617) 555-0100',
      preferred_reminder: 'Phone',
      language: 'es',
    });
    expect(one(`SELECT authority, resides_with, portal_flag FROM patient_contacts`)).toEqual({ authority: 'Exclusive', resides_with: 1, portal_flag: 0 });
    expect(one('SELECT starts_at, reason FROM appointments')).toEqual({ starts_at: '2026-11-22T10:15', reason: 'Sick visit' });
  });

  it('a mapping can name a column the app would not recognise, and refuses fields of another kind', async () => {
    const content = lines('Acct,Kid First,Kid Last,Born,State', 'Z9,Ana,Lopez,2015-03-14,Active');
    const bad = await preview([{ name: 'p.csv', content, kind: 'patients', mapping: [{ header: 'Acct', field: 'sort' }] }]);
    expect(bad.problems[0]).toMatchObject({ line: 1, column: 'Acct' });
    expect(bad.problems[0]!.message).toMatch(/cannot be mapped to 'sort'/);
    const mapping: { header: string; field: ImportFieldName }[] = [
      { header: 'acct', field: 'chartNumber' },
      { header: 'Kid First', field: 'firstName' },
      { header: 'Kid Last', field: 'lastName' },
      { header: 'Born', field: 'dateOfBirth' },
      { header: 'State', field: 'status' },
    ];
    const good = await preview([{ name: 'p.csv', content, mapping }]);
    expect(good.problems).toEqual([]);
    expect(good.files[0]!.kind).toBe('patients');
    expect(good.counts.patients).toBe(1);
  });

  it('reads quoted fields with commas, quotes and line breaks, and counts their lines', async () => {
    const patients = lines(
      /* 1 */ 'Chart #,Family #,First Name,Last Name,DOB,Status,Family Name',
      /* 2 */ 'C1,F1,"Ana, Maria","O""Brien",03/14/2015,Active,"The O\'Brien,',
      /* 3 */ 'Household"',
      /* 4 */ 'C2,F1,Luis,"O""Brien",06/02/2018,Active,',
    );
    const contacts = lines(
      /* 1 */ 'Chart #,Contact ID,First Name,Last Name,Sort,Relationship',
      /* 2 */ 'C1,K1,Rosa,"O\'Brien",1,"Mother',
      /* 3 */ '(legal guardian)"',
      /* 4 */ 'C2,K1,Rosa,"O\'Brien",one,Mother',
    );
    const p = await preview([
      { name: 'p.csv', content: patients },
      { name: 'c.csv', content: contacts },
    ]);
    expect(p.problems).toEqual([
      { file: 'c.csv', line: 4, column: 'Sort', message: "Sort 'one' is not a whole number (expected 1 for the Primary Contact, 2, 3…)" },
    ]);
    const fixed = await apply([
      { name: 'p.csv', content: patients },
      { name: 'c.csv', content: contacts.replace(',one,', ',1,') },
    ]);
    expect(fixed.problems).toEqual([]);
    expect(rows('SELECT first_name, last_name FROM patients ORDER BY chart_number')).toEqual([
      { first_name: 'Ana, Maria', last_name: 'O"Brien' },
      { first_name: 'Luis', last_name: 'O"Brien' },
    ]);
    expect(one(`SELECT name FROM families WHERE id = 'F1'`)).toEqual({ name: "The O'Brien, Household" });
    expect(rows('SELECT relationship FROM patient_contacts ORDER BY patient_id')).toEqual([
      { relationship: 'Mother (legal guardian)' },
      { relationship: 'Mother' },
    ]);
  });

  it('reads semicolon- and tab-separated files', async () => {
    const semicolon = CLEAN.patients.replace(/,/g, ';');
    const tab = CLEAN.contacts.replace(/,/g, '\t');
    const appts = 'Chart #;Appointment Date/Time;Provider;Reason\nC1001;11/22/2026 2:30 PM;Dr. Patel;Well visit, yearly\n';
    const result = await apply([
      { name: 'p.csv', content: semicolon },
      { name: 'c.tsv', content: tab },
      { name: 'a.csv', content: appts },
    ]);
    expect(result.problems).toEqual([]);
    expect(result.counts).toEqual({ families: 2, patients: 5, contacts: 3, links: 6, appointments: 1 });
    expect(one('SELECT reason FROM appointments')).toEqual({ reason: 'Well visit, yearly' });
  });

  it('reads a UTF-8 byte-order mark, CRLF or LF, and accented names', async () => {
    const content = '\uFEFF' + 'Chart #,First Name,Last Name,DOB,Status\r\nC1,José,Núñez,03/14/2015,Active\nC2,Zoë,Núñez,,Inactive\r\n';
    const p = await preview([{ name: 'p.csv', content }]);
    expect(p.problems).toEqual([]);
    expect(p.files[0]!.columns[0]).toEqual({ header: 'Chart #', field: 'chartNumber' });
    const result = await apply([{ name: 'p.csv', content }]);
    expect(result.applied).toBe(true);
    expect(rows('SELECT first_name, family_id, date_of_birth FROM patients ORDER BY chart_number')).toEqual([
      { first_name: 'José', family_id: null, date_of_birth: '2015-03-14' },
      { first_name: 'Zoë', family_id: null, date_of_birth: null },
    ]);
    const search = await ok<SearchResults>('search.patients', { text: 'nunez' });
    expect(search.hits).toHaveLength(2);
  });
});

describe('cell readers', () => {
  it('dates: US and ISO forms; refuses 2-digit years and impossible dates', () => {
    expect(readDate('DOB', '3/4/2015')).toEqual({ ok: true, value: '2015-03-04' });
    expect(readDate('DOB', '03-04-2015')).toEqual({ ok: true, value: '2015-03-04' });
    expect(readDate('DOB', '2015-03-04 00:00:00')).toEqual({ ok: true, value: '2015-03-04' });
    expect(readDate('DOB', '02/29/2020')).toEqual({ ok: true, value: '2020-02-29' });
    expect(readDate('DOB', '02/29/2019').ok).toBe(false);
    expect(readDate('DOB', '3/4/15').ok).toBe(false);
    expect(readDateTime('When', '11/22/2026 12:05 AM')).toEqual({ ok: true, value: '2026-11-22T00:05' });
    expect(readDateTime('When', '2026-11-22T12:30:00')).toEqual({ ok: true, value: '2026-11-22T12:30' });
    expect(readDateTime('When', '11/22/2026').ok).toBe(false);
  });

  it('phones: US numbers normalised, anything else kept for the data-quality worklist', () => {
    expect(normalizePhone('617.555.0142')).toBe('(617) 555-0142');
    expect(normalizePhone('1-617-555-0142 ext. 12')).toBe('(617) 555-0142');
    expect(normalizePhone('555-0142')).toBe('555-0142');
    expect(normalizePhone('call mom')).toBe('call mom');
  });

  it('CSV: physical lines, quotes, and delimiters', () => {
    const { records, delimiter } = parseCsv('a;b\r\n"x\r\ny";"q""uote"\r\n\r\nlast;\n');
    expect(delimiter).toBe(';');
    expect(records).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['x\r\ny', 'q"uote'] },
      { line: 5, fields: ['last', ''] },
    ]);
  });
});
