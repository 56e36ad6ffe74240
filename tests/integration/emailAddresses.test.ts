import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FamilyView, IssuedBatch } from '../../shared/api';
import type { ImportResult, WorklistRow } from '../../shared/bulk/api';
import { NO_CHOICES, planFamilyPins } from '../../shared/domain/plan';
import { planInputsFromFamily } from '../../shared/planInputs';
import type { App } from '../../electron/main/app';
import { lines } from '../support/csvFixtures';
import { insertFamilies, type FamilyFixture } from '../support/fixtures';
import { startPortal, type PortalServer } from '../support/portal/server';
import { asAdministrator } from '../support/signIn';
import { startTestSmtpServer, type TestSmtpServer } from '../support/smtpServer';
import { makeTempDir } from '../support/tempDir';
import { connectDesk, DANA, invokeOk, NEW_YORK_TIME, openTestDesk } from '../support/testDesk';

/**
 * Issue 11 item 2, end to end: an email field that is not exactly one mailbox, arriving by CSV
 * import or by a pull from the practice system, never gets a Welcome email to anyone. The family
 * is issued through the contract as the wizard does; the guardian falls back to print-only (every
 * child gets a printed PIN) and the plan and the worklist say why. Only the one family with a
 * single good address reaches the (real, local) SMTP server.
 */

const clock = { now: new Date('2026-11-22T15:00:00Z') };
const GOOD = 'good.parent@example.com';

const FORMS = [
  ['comma', 'victim@example.com, attacker@evil.example', 'two addresses in one field'],
  ['semicolon', 'mom@example.com; dad@example.org', 'two addresses in one field'],
  ['CRLF + Bcc', 'victim2@example.com\r\nBcc: spy@evil.example', 'line break in the address'],
  ['display name', 'Maria Lopez <maria.lopez@example.com>', 'a name as well as the address'],
  ['two "@"', 'maria@@example.com', 'two "@" in the address'],
] as const;

let temp: ReturnType<typeof makeTempDir>;
let app: App;
let portal: PortalServer;
let smtp: TestSmtpServer;

const rows = (sql: string, ...params: unknown[]) => app.context.sqlite.prepare(sql).all(...params) as Record<string, unknown>[];

const ok = <T>(name: string, input: unknown): Promise<T> => invokeOk<T>(app, name, input);

/** Issues every eligible child of the family as the wizard does with no choices made. */
async function issue(familyId: string): Promise<{ batch: IssuedBatch; family: FamilyView }> {
  const family = await ok<FamilyView>('family.load', { familyId });
  const expectedPatientIds = family.children.map((c) => c.patientId);
  const batch = await ok<IssuedBatch>('pins.issue', {
    batchId: randomUUID(),
    familyId,
    choices: NO_CHOICES,
    expectedPatientIds,
    reviewToken: family.reviewToken,
  });
  return { batch, family };
}

beforeEach(async () => {
  temp = makeTempDir();
  clock.now = new Date('2026-11-22T15:00:00Z');
  portal = await startPortal({ dbFile: temp.file('portal.sqlite'), token: 'sync-secret', now: () => clock.now });
  smtp = await startTestSmtpServer();
  app = await openTestDesk(temp.file('desk/practice.sqlite'), {
    now: () => clock.now,
    workstation: 'desk-1',
    deliveries: { worker: { random: () => 0.5 } },
    settings: NEW_YORK_TIME,
    clerks: [DANA],
  });
  await connectDesk(app, { syncUrl: portal.url, token: 'sync-secret', smtpPort: smtp.port });
});

afterEach(async () => {
  await app.close();
  await portal.close();
  await smtp.close();
  temp.remove();
});

/** What every arrival path must end in, for the family whose field holds `raw`. */
async function expectPrintedAndNamed(familyId: string, childIds: string[], contactId: string, raw: string, words: string): Promise<void> {
  // Kept as it is, for the administrator to see.
  expect(rows('SELECT email FROM contacts WHERE id = ?', contactId)).toEqual([{ email: raw }]);

  const { batch, family } = await issue(familyId);
  // The plan the wizard shows says why no Welcome email goes out.
  const inputs = planInputsFromFamily(family);
  const plan = planFamilyPins(inputs.children, inputs.contacts, NO_CHOICES);
  expect(plan.guardians).toHaveLength(1);
  expect(plan.guardians[0]).toMatchObject({ mode: 'print-only', emailChildId: null, fallback: { code: 'no_email' } });
  expect(plan.guardians[0]!.fallback!.message).toContain(words);

  // Every child gets a printed PIN; no Welcome email is queued for this family.
  expect(batch.guardians).toHaveLength(1);
  expect(batch.guardians[0]!.mode).toBe('print-only');
  expect(batch.guardians[0]!.children.map((c) => c.patientId).sort()).toEqual([...childIds].sort());
  expect(batch.guardians[0]!.children.every((c) => c.delivery === 'print' && typeof c.pin === 'string' && c.pin.length > 0)).toBe(true);
  expect(rows(`SELECT count(*) AS n FROM outbox WHERE kind = 'email.welcome' AND json_extract(payload, '$.recipientContactId') = ?`, contactId)).toEqual([
    { n: 0 },
  ]);

  // The worklist names the problem on the guardian's row, which lists each child.
  const worklist = await asAdministrator(app, () => ok<{ rows: WorklistRow[] }>('bulk.worklist', { problem: 'malformed_email', limit: 1000 }));
  const guardianRows = worklist.rows.filter((r) => r.children.some((c) => childIds.includes(c.patientId)));
  expect(guardianRows).toHaveLength(1);
  const row = guardianRows[0]!;
  expect(row.children.map((c) => c.patientId).sort()).toEqual([...childIds].sort());
  expect(row.problems.find((p) => p.code === 'malformed_email')?.message).toContain(`cannot be used: ${words}.`);
  expect(row.contact?.email).toBe(raw);
}

/** Issues the control family, drains the outbox, and checks that SMTP saw the one good address only. */
async function expectOnlyTheGoodAddressMailed(controlFamilyId: string): Promise<void> {
  const { batch } = await issue(controlFamilyId);
  expect(batch.guardians[0]!.mode).toBe('email');
  await app.deliveries.worker.drain();
  expect(smtp.recipients).toEqual([[GOOD]]);
  expect(smtp.connections).toBe(1);
  expect(rows(`SELECT status FROM outbox WHERE kind = 'email.welcome'`)).toEqual([{ status: 'delivered' }]);
}

describe('arriving by CSV import', () => {
  it.each(FORMS)('%s: no email to anyone, printed PINs, the plan and the worklist say why', async (_form, raw, words) => {
    const patients = lines(
      'Chart #,Family #,First Name,Last Name,DOB,Status',
      'E1,F-BAD,Ana,Lopez,03/14/2015,Active',
      'E2,F-BAD,Luis,Lopez,06/02/2018,Active',
      'G1,F-GOOD,Gia,Good,04/04/2016,Active',
    );
    const quoted = `"${raw.replace(/"/g, '""')}"`;
    const contacts = lines(
      'Chart #,Contact ID,First Name,Last Name,Relationship,Sort,Authority,Res?,Email',
      `E1,K-BAD,Maria,Lopez,Mother,1,Joint,Y,${quoted}`,
      `E2,K-BAD,Maria,Lopez,Mother,1,Joint,Y,${quoted}`,
      `G1,K-GOOD,Gale,Good,Mother,1,Joint,Y,${GOOD}`,
    );
    const result = await asAdministrator(app, () =>
      ok<ImportResult>('import.apply', {
        files: [
          { name: 'patients.csv', content: patients },
          { name: 'contacts.csv', content: contacts },
        ],
      }),
    );
    expect(result).toMatchObject({ applied: true, problems: [] });
    portal.addPatients(['imp-E1', 'imp-E2', 'imp-G1']);

    await expectPrintedAndNamed('F-BAD', ['imp-E1', 'imp-E2'], 'K-BAD', raw, words);
    await expectOnlyTheGoodAddressMailed('F-GOOD');
  });
});

describe('arriving by a pull from the practice system', () => {
  it.each(FORMS)('%s: no email to anyone, printed PINs, the plan and the worklist say why', async (_form, raw, words) => {
    const link = (patientId: string) => ({ patientId, sort: 1, authority: 'Joint' as const, residesWith: true });
    const families: FamilyFixture[] = [
      {
        id: 'f-bad',
        name: 'Lopez',
        children: [
          { id: 'p-ana', firstName: 'Ana', dateOfBirth: '2015-03-14' },
          { id: 'p-luis', firstName: 'Luis', dateOfBirth: '2018-06-02' },
        ],
        contacts: [{ id: 'c-bad', firstName: 'Maria', lastName: 'Lopez', email: raw, links: [link('p-ana'), link('p-luis')] }],
      },
      {
        id: 'f-good',
        name: 'Good',
        children: [{ id: 'p-gia', firstName: 'Gia', dateOfBirth: '2016-04-04' }],
        contacts: [{ id: 'c-good', firstName: 'Gale', lastName: 'Good', email: GOOD, links: [link('p-gia')] }],
      },
    ];
    // The practice system's own records, then its change log, as if its staff had typed them.
    insertFamilies(portal.database, families);
    for (const f of families) {
      portal.touch('family', f.id);
      for (const c of f.contacts!) portal.touch('contact', c.id);
      for (const child of f.children) portal.touch('patient', child.id);
      for (const c of f.contacts!) for (const l of c.links) portal.touch('patientContact', `${l.patientId}:${c.id}`);
    }
    await ok('sync.now', {});
    expect(rows(`SELECT id FROM patients ORDER BY id`)).toEqual([{ id: 'p-ana' }, { id: 'p-gia' }, { id: 'p-luis' }]);

    await expectPrintedAndNamed('f-bad', ['p-ana', 'p-luis'], 'c-bad', raw, words);
    await expectOnlyTheGoodAddressMailed('f-good');
  });
});

describe('a queued Welcome email whose address is not one mailbox', () => {
  it('is parked by the mailer before any SMTP conversation, saying why; nothing is sent', async () => {
    insertFamilies(app.context.sqlite, [
      {
        id: 'f-good',
        name: 'Good',
        children: [{ id: 'p-gia', firstName: 'Gia', dateOfBirth: '2016-04-04' }],
        contacts: [
          { id: 'c-good', firstName: 'Gale', lastName: 'Good', email: GOOD, links: [{ patientId: 'p-gia', sort: 1, authority: 'Joint', residesWith: true }] },
        ],
      },
    ]);
    portal.addPatients(['p-gia']);
    await issue('f-good');
    // A row queued by an older version, or changed behind the app's back: the mailer checks what it is given.
    app.context.sqlite.prepare(`UPDATE outbox SET payload = json_set(payload, '$.to', ?) WHERE kind = 'email.welcome'`).run(`${GOOD}, spy@evil.example`);
    await app.deliveries.worker.drain();

    expect(smtp.connections).toBe(0);
    expect(smtp.messages).toHaveLength(0);
    const [parked] = rows(`SELECT status, last_error FROM outbox WHERE kind = 'email.welcome'`);
    expect(parked).toEqual({
      status: 'needs_attention',
      last_error: `This email would go to 2 addresses ("${GOOD}, spy@evil.example"); it goes to one guardian only. Correct the address (Edit email and retry). Nothing was sent.`,
    });
  });
});
