import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditExportResult, AuditFilterOptions, AuditPage } from '../../shared/audit/api';
import type { App } from '../../electron/main/app';
import { appendAudit, type AuditEntry } from '../../electron/main/audit/audit';
import { csvRows } from '../support/csvRows';
import { signInAs } from '../../electron/main/clerks/sessionService';
import { insertFamilies } from '../support/fixtures';
import { signInTestClerk, TEST_ADMIN_ID } from '../support/signIn';
import { makeTempDir } from '../support/tempDir';
import { invokeOk, NEW_YORK_TIME, openTestDesk } from '../support/testDesk';

// 10:00 in New York on 22 November 2026.
const NOW = new Date('2026-11-22T15:00:00Z');
const A_PIN = 'K7Q-M3X-PAZ';

let temp: ReturnType<typeof makeTempDir>;
let app: App;

const ok = <T>(name: string, input: unknown): Promise<T> => invokeOk<T>(app, name, input);

const list = (filter: object, limit = 50, offset = 0) => ok<AuditPage>('audit.list', { filter, limit, offset });

beforeAll(async () => {
  temp = makeTempDir();
  app = await openTestDesk(temp.file('practice.sqlite'), { now: () => NOW, workstation: 'desk-1', settings: NEW_YORK_TIME });
  insertFamilies(app.context.sqlite, [
    {
      id: 'f-lopez',
      name: 'Lopez',
      children: [
        { id: 'p-ana', firstName: 'Ana', dateOfBirth: '2015-03-14', chartNumber: 'C0001001' },
        { id: 'p-luis', firstName: 'Luis', dateOfBirth: '2018-06-02', chartNumber: 'C0001002' },
      ],
    },
    { id: 'f-odd', name: '=HYPERLINK("http://x")', children: [{ id: 'p-odd', firstName: 'Sam', dateOfBirth: '2016-01-01', chartNumber: 'C0009999' }] },
  ]);
  app.context.sqlite
    .prepare(`INSERT INTO clerks (id, username, display_name, role, created_at) VALUES ('clerk-kim', 'kim', 'Kim Tran', 'clerk', ?)`)
    .run(NOW.toISOString());
  await signInTestClerk(app, 'admin');
  const entry = (at: string, e: Omit<AuditEntry, 'at' | 'workstation'> & { workstation?: string }): AuditEntry => ({
    workstation: 'desk-1',
    ...e,
    at: new Date(at),
  });
  await appendAudit(app.context.db, [
    // 22:30 on 20 November in New York.
    entry('2026-11-21T03:30:00Z', { action: 'pin_issued', clerkId: 'clerk-kim', patientId: 'p-ana', details: { batchId: 'b1', expiresOn: '2026-12-22' } }),
    entry('2026-11-21T15:00:00Z', { action: 'pin_printed', clerkId: 'clerk-kim', patientId: 'p-ana', details: { batchId: 'b1', pin: A_PIN } }),
    entry('2026-11-21T16:00:00Z', {
      action: 'name_corrected',
      clerkId: TEST_ADMIN_ID,
      patientId: 'p-luis',
      details: { from: { firstName: 'Baby Boy', lastName: 'Lopez' }, to: { firstName: 'Luis', lastName: 'Lopez' } },
    }),
    entry('2026-11-22T14:00:00Z', {
      action: 'pin_printed',
      clerkId: TEST_ADMIN_ID,
      patientId: 'p-odd',
      workstation: '=2+3',
      details: { note: 'said "hi", then left' },
    }),
  ]);
});

afterAll(async () => {
  await app.close();
  temp.remove();
});

describe('audit.list', () => {
  it('shows the newest entries first, in plain words, with names and never a PIN', async () => {
    const page = await list({});
    const printed = page.rows.find((r) => r.action === 'pin_printed' && r.patientId === 'p-ana')!;
    expect(printed).toMatchObject({ clerkName: 'Kim Tran', actionLabel: 'PIN printed', patientName: 'Ana Lopez (C0001001)', workstation: 'desk-1' });
    expect(printed.summary).toBe('batch id: "b1"; pin: (hidden)');
    const corrected = page.rows.find((r) => r.action === 'name_corrected')!;
    expect(corrected).toMatchObject({ clerkName: 'Test Administrator', patientName: 'Luis Lopez (C0001002)' });
    expect(corrected.summary).toBe('from: "Baby Boy Lopez"; to: "Luis Lopez"');
    expect(JSON.stringify(page)).not.toContain(A_PIN);
    const ids = page.rows.map((r) => r.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
  });

  it('pages through the entries', async () => {
    const all = await list({});
    const first = await list({}, 2, 0);
    const second = await list({}, 2, 2);
    expect(first.rows.map((r) => r.id)).toEqual(all.rows.slice(0, 2).map((r) => r.id));
    expect(second.rows.map((r) => r.id)).toEqual(all.rows.slice(2, 4).map((r) => r.id));
    expect(first.hasMore).toBe(true);
    expect((await list({}, 2, all.rows.length - 2)).hasMore).toBe(false);
  });

  it('filters by action, clerk, patient name or chart number, and practice-local dates', async () => {
    expect((await list({ action: 'pin_printed' })).rows.map((r) => r.patientId)).toEqual(['p-odd', 'p-ana']);
    expect((await list({ clerkId: 'clerk-kim' })).rows.map((r) => r.action)).toEqual(['pin_printed', 'pin_issued']);
    expect((await list({ patient: 'ana lop' })).rows.map((r) => r.action)).toEqual(['pin_printed', 'pin_issued']);
    expect((await list({ patient: 'c0001002' })).rows.map((r) => r.action)).toEqual(['name_corrected']);
    // Typed text is text: "a_a" is not a LIKE pattern that would match "Ana".
    expect((await list({ patient: 'a_a' })).rows).toEqual([]);
    // 03:30Z on the 21st is still the 20th in New York.
    expect((await list({ from: '2026-11-20', to: '2026-11-20' })).rows.map((r) => r.action)).toEqual(['pin_issued']);
    expect((await list({ from: '2026-11-21', to: '2026-11-21', action: 'pin_printed' })).rows.map((r) => r.patientId)).toEqual(['p-ana']);
  });

  it('offers every clerk and action as a filter', async () => {
    const options = await ok<AuditFilterOptions>('audit.filterOptions', {});
    expect(options.clerks.map((c) => c.displayName)).toEqual(expect.arrayContaining(['Kim Tran', 'Test Administrator']));
    expect(options.actions).toEqual(expect.arrayContaining([{ action: 'pin_printed', label: 'PIN printed' }]));
  });

  it('is refused to a clerk who is not an administrator', async () => {
    await signInAs(app.context, 'clerk-kim');
    try {
      const result = await app.invoke('audit.list', { filter: {}, limit: 10, offset: 0 });
      expect(result).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    } finally {
      await signInAs(app.context, TEST_ADMIN_ID);
    }
  });
});

describe('audit.export', () => {
  it('writes the filtered entries as CSV that a spreadsheet reads safely, and audits the export', async () => {
    const { file, rows } = await ok<AuditExportResult>('audit.export', { filter: { action: 'pin_printed' } });
    expect(rows).toBe(2);
    expect(path.dirname(file)).toBe(path.join(temp.dir, 'exports'));
    expect(fs.readdirSync(path.dirname(file)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const text = fs.readFileSync(file, 'utf8');
    expect(text).not.toContain(A_PIN);
    // RFC 4180 in the file itself: quoted, quotes doubled.
    expect(text).toContain(',"note: ""said ""hi"", then left"""\r\n');
    const [header, odd, ana] = csvRows(text);
    expect(header).toEqual(['Entry', 'When (UTC)', 'When (practice time)', 'Clerk', 'Workstation', 'Action', 'Patient', 'Details']);
    // A cell a spreadsheet would run as a formula is kept as text; quotes and commas survive.
    expect(odd).toEqual([
      expect.stringMatching(/^\d+$/),
      '2026-11-22T14:00:00.000Z',
      '11/22/26, 09:00:00',
      'Test Administrator',
      "'=2+3",
      'PIN printed',
      'Sam =HYPERLINK("http://x") (C0009999)',
      'note: "said "hi", then left"',
    ]);
    expect(ana!.slice(3, 8)).toEqual(['Kim Tran', 'desk-1', 'PIN printed', 'Ana Lopez (C0001001)', 'batch id: "b1"; pin: (hidden)']);

    const audited = await list({ action: 'audit_exported' });
    expect(audited.rows).toHaveLength(1);
    expect(audited.rows[0]!.summary).toContain(`file: "${path.basename(file)}"; rows: 2`);
  });
});
