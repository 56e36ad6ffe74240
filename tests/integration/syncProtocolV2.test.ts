import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FamilyView, IssuedBatch, StatusInfo } from '../../shared/api';
import { clockSkewWarning } from '../../shared/domain/clockSkew';
import { NO_CHOICES, planFamilyPins, type PlanChoices } from '../../shared/domain/plan';
import { planInputsFromFamily } from '../../shared/planInputs';
import { generatePin } from '../../shared/domain/pin';
import { changesPage, enrollmentAccepted, protocolError, SYNC_PATHS, type EnrollmentRequest } from '../../shared/sync/protocol';
import { createApp, type App } from '../../electron/main/app';
import { openDatabase } from '../../electron/main/db/open';
import { DeliveryError } from '../../electron/main/lib/deliveryError';
import { insertFamilies, type FamilyFixture } from '../support/fixtures';
import { ParentBrowser } from '../support/portal/parentBrowser';
import { PIN_DOB_MISMATCH } from '../support/portal/pages';
import { startPortal, type PortalServer } from '../support/portal/server';
import { asAdministrator, signInTestClerk } from '../support/signIn';
import { closedPort, startTestSmtpServer, type TestSmtpServer } from '../support/smtpServer';
import { makeTempDir } from '../support/tempDir';
import { connectDesk, invokeOk } from '../support/testDesk';

/**
 * Sync protocol v2 (issue 10 item 4): enrollment facts from every desk, the practice system as the
 * arbiter of "one Welcome email ever per guardian", replacements, and a clear refusal of
 * mismatched versions. Two desks are two createApp instances with their own data folders, against
 * one reference portal and one SMTP server.
 */

const TOKEN = 'sync-secret-v2';
const clock = { now: new Date('2026-11-22T15:00:00Z') };
const advance = (ms: number) => (clock.now = new Date(clock.now.getTime() + ms));

/** Guardian G (Gina) is Sort 1 with Joint authority for Ana in family 1 and for Ben in family 2. */
const ANA = { id: 'p-ana', firstName: 'Ana', dateOfBirth: '2016-03-14' };
const BEN = { id: 'p-ben', firstName: 'Ben', dateOfBirth: '2019-07-02' };
const G = 'c-gina';
const G_EMAIL = 'gina.ortiz@example.com';
const PRACTICE: FamilyFixture[] = [
  {
    id: 'f-one',
    name: 'Ortiz',
    children: [ANA],
    contacts: [{ id: G, firstName: 'Gina', lastName: 'Ortiz', email: G_EMAIL, links: [{ patientId: ANA.id, sort: 1, authority: 'Joint', residesWith: true }] }],
  },
  {
    id: 'f-two',
    name: 'Ortiz-Lee',
    children: [BEN],
    contacts: [{ id: G, firstName: 'Gina', lastName: 'Ortiz', email: G_EMAIL, links: [{ patientId: BEN.id, sort: 1, authority: 'Joint', residesWith: true }] }],
  },
];

let temp: ReturnType<typeof makeTempDir>;
let portal: PortalServer;
let smtp: TestSmtpServer;
const desks: App[] = [];

const ok = invokeOk;

const rows = (app: App, sql: string, ...params: unknown[]) => app.context.sqlite.prepare(sql).all(...params) as Record<string, unknown>[];
const value = (app: App, sql: string, ...params: unknown[]) =>
  app.context.sqlite
    .prepare(sql)
    .pluck()
    .get(...params);

/** A practice system whose records are these families (the portal logs them on its first start). */
async function seedPractice(file: string, families: FamilyFixture[]): Promise<void> {
  const db = await openDatabase(file);
  try {
    insertFamilies(db.sqlite, families);
  } finally {
    await db.close();
  }
}

/** A desk with its own data folder, set up for the portal and the SMTP server, signed in as a clerk. */
async function openDesk(name: string, syncUrl = portal.url, now = () => clock.now): Promise<App> {
  const app = await createApp({ databaseFile: temp.file(`${name}/practice.sqlite`), now, workstation: name, deliveries: { worker: { random: () => 0.5 } } });
  desks.push(app);
  await signInTestClerk(app);
  await connectDesk(app, { syncUrl, token: TOKEN, smtpPort: smtp.port, settings: { portalUrl: portal.url } });
  return app;
}

/** Issues what the plan for this family says, as the wizard confirms it. */
async function issueFamily(app: App, familyId: string, choices: Partial<PlanChoices> = {}): Promise<IssuedBatch> {
  const family = await ok<FamilyView>(app, 'family.load', { familyId });
  const chosen = { ...NO_CHOICES, ...choices };
  const { children, contacts } = planInputsFromFamily(family);
  const plan = planFamilyPins(children, contacts, chosen, { now: app.context.now(), timeZone: family.timeZone });
  return ok<IssuedBatch>(app, 'pins.issue', {
    batchId: randomUUID(),
    familyId,
    choices: chosen,
    expectedPatientIds: plan.guardians.flatMap((g) => g.children.map((c) => c.patientId)),
    reviewToken: family.reviewToken,
  });
}

const pinOf = (app: App, patientId: string): string =>
  value(app, 'SELECT id FROM pins WHERE patient_id = ? ORDER BY issued_at DESC, rowid DESC', patientId) as string;

async function mails(): Promise<ParsedMail[]> {
  return Promise.all(smtp.messages.map((raw) => simpleParser(raw)));
}

/** The PIN a parent reads in an email ("Ana's PIN: K7Q-M3X-PAZ"). */
function pinInEmail(mail: ParsedMail, childFirstName: string): string {
  const match = new RegExp(`${childFirstName}'s PIN: ([A-Z0-9]{3}-[A-Z0-9]{3}-[A-Z0-9]{3})`).exec(mail.text ?? '');
  if (!match) throw new Error(`no PIN for ${childFirstName} in "${mail.subject}"`);
  return match[1]!;
}

beforeEach(async () => {
  temp = makeTempDir('fpp-v2-');
  clock.now = new Date('2026-11-22T15:00:00Z');
  await seedPractice(temp.file('portal.sqlite'), PRACTICE);
  portal = await startPortal({ dbFile: temp.file('portal.sqlite'), token: TOKEN, now: () => clock.now });
  smtp = await startTestSmtpServer();
});

afterEach(async () => {
  for (const app of desks.splice(0)) await app.close();
  await portal.close();
  await smtp.close();
  temp.remove();
});

describe('two desks, one guardian', () => {
  it('both offline, each issues one of G’s children: G receives exactly one Welcome email and one add-child email, and every desk learns both PINs', async () => {
    // Each desk's mirror is from before the other family was linked to G; the practice system is out of reach.
    const deskA = await openDesk('desk-a');
    const deskB = await openDesk('desk-b');
    insertFamilies(deskA.context.sqlite, [PRACTICE[0]!]);
    insertFamilies(deskB.context.sqlite, [PRACTICE[1]!]);
    // (The practice system was up before: also, the first fetch of a process against the 'down'
    // fault, which drops connections as they open, waits for its timeout in undici.)
    expect((await fetch(`${portal.url}${SYNC_PATHS.health}`, { headers: auth })).status).toBe(200);
    portal.setFault('down');
    // Both desks plan and issue a Welcome email for G.
    await issueFamily(deskA, 'f-one');
    await issueFamily(deskB, 'f-two');
    await deskA.deliveries.worker.drain();
    await deskB.deliveries.worker.drain();
    expect(portal.enrollments()).toEqual([]);
    expect(smtp.messages).toHaveLength(0);

    // Back online: desk A reaches the practice system first.
    portal.setFault('none');
    advance(60_000);
    await deskA.deliveries.worker.drain();
    // Desk A knows at once, before any pull, that G got their Welcome email.
    expect(rows(deskA, 'SELECT contact_id, welcome_workstation FROM guardian_enrollment')).toEqual([{ contact_id: G, welcome_workstation: 'desk-a' }]);
    await deskB.deliveries.worker.drain();

    expect(portal.enrollments().map((e) => [e.patientId, e.welcome])).toEqual([
      [ANA.id, 'granted'],
      [BEN.id, 'already_welcomed'],
    ]);
    expect(portal.welcomes()).toEqual([{ contactId: G, grantedAt: clock.now.toISOString(), workstation: 'desk-a' }]);
    const received = await mails();
    expect(smtp.recipients).toEqual([[G_EMAIL], [G_EMAIL]]);
    const welcome = received.filter((m) => /^Welcome to /.test(m.subject ?? ''));
    const addChild = received.filter((m) => /^Add Ben to your .* patient portal account$/.test(m.subject ?? ''));
    expect(welcome).toHaveLength(1);
    expect(addChild).toHaveLength(1);
    expect(addChild[0]!.text).toContain('My Account > Add child/dependent');
    expect(addChild[0]!.text).toContain("Type Ben's date of birth and this PIN.");
    expect(addChild[0]!.text).toContain('We sent you a Welcome email');

    // Desk B turned its Welcome email into the add-child email, on record, and never sent a Welcome.
    expect(rows(deskB, `SELECT kind, status FROM outbox WHERE kind LIKE 'email.%'`)).toEqual([{ kind: 'email.add_child', status: 'delivered' }]);
    expect(rows(deskB, `SELECT action, json_extract(details, '$.answer') AS answer FROM audit_log WHERE action = 'welcome_became_add_child'`)).toEqual([
      { action: 'welcome_became_add_child', answer: 'already_welcomed' },
    ]);

    // After a pull, each desk knows both PINs and G's one Welcome email.
    await ok(deskA, 'sync.now', {});
    await ok(deskB, 'sync.now', {});
    for (const desk of [deskA, deskB]) {
      expect(rows(desk, 'SELECT pin_id, patient_id, workstation, issued_by, delivery, status FROM desk_pins ORDER BY patient_id')).toEqual([
        { pin_id: pinOf(deskA, ANA.id), patient_id: ANA.id, workstation: 'desk-a', issued_by: 'Test Clerk', delivery: 'email', status: 'issued' },
        { pin_id: pinOf(deskB, BEN.id), patient_id: BEN.id, workstation: 'desk-b', issued_by: 'Test Clerk', delivery: 'email', status: 'issued' },
      ]);
      expect(rows(desk, 'SELECT contact_id, welcome_workstation, account_at FROM guardian_enrollment')).toEqual([
        { contact_id: G, welcome_workstation: 'desk-a', account_at: null },
      ]);
    }

    // G creates one account with Ana's PIN and adds Ben with the PIN of the add-child email.
    const parent = new ParentBrowser(portal.url);
    expect((await parent.register('gina@example.com', { date_of_birth: ANA.dateOfBirth }, pinInEmail(welcome[0]!, 'Ana'))).path).toBe('/account');
    expect((await parent.addChild({ date_of_birth: BEN.dateOfBirth }, pinInEmail(addChild[0]!, 'Ben'))).path).toBe('/account');
    expect(portal.accounts()).toEqual([{ id: expect.any(String), email: 'gina@example.com', ownerContactId: G, childPatientIds: [ANA.id, BEN.id] }]);

    // The next pulls tell both desks: both PINs redeemed, G has an account.
    advance(60_000);
    await ok(deskA, 'sync.now', {});
    await ok(deskB, 'sync.now', {});
    for (const desk of [deskA, deskB]) {
      expect(rows(desk, 'SELECT status FROM desk_pins ORDER BY patient_id').map((r) => r.status)).toEqual(['redeemed', 'redeemed']);
      expect(value(desk, 'SELECT account_at IS NOT NULL FROM guardian_enrollment WHERE contact_id = ?', G)).toBe(1);
      expect(value(desk, 'SELECT has_portal_account FROM contacts WHERE id = ?', G)).toBe(1);
      // Each desk's own PIN row follows.
      expect(rows(desk, 'SELECT status FROM pins').map((r) => r.status)).toEqual(['redeemed']);
    }
  });

  it('desk A emails G a Welcome; desk B pulls, then issues G’s other child: a printed add-child slip and no second Welcome email', async () => {
    const deskA = await openDesk('desk-a');
    const deskB = await openDesk('desk-b');
    insertFamilies(deskA.context.sqlite, [PRACTICE[0]!]);
    await issueFamily(deskA, 'f-one');
    await deskA.deliveries.worker.drain();
    expect(smtp.recipients).toEqual([[G_EMAIL]]);

    await ok(deskB, 'sync.now', {});
    expect(rows(deskB, 'SELECT contact_id, welcome_workstation FROM guardian_enrollment')).toEqual([{ contact_id: G, welcome_workstation: 'desk-a' }]);
    const batch = await issueFamily(deskB, 'f-two');
    expect(batch.guardians).toHaveLength(1);
    expect(batch.guardians[0]!.mode).toBe('add-child');
    expect(batch.guardians[0]!.children.map((c) => [c.firstName, c.delivery, c.pin !== null])).toEqual([['Ben', 'print', true]]);
    await deskB.deliveries.worker.drain();
    expect(rows(deskB, `SELECT kind FROM outbox ORDER BY kind`)).toEqual([{ kind: 'portal.enrollment' }]);
    expect(portal.enrollments().map((e) => [e.patientId, e.welcome])).toEqual([
      [ANA.id, 'granted'],
      [BEN.id, 'not_requested'],
    ]);
    expect(smtp.messages).toHaveLength(1);
  });

  it('a guardian who already has an account gets an add-child email saying so, never a Welcome email', async () => {
    portal.database.prepare('UPDATE contacts SET has_portal_account = 1 WHERE id = ?').run(G);
    const desk = await openDesk('desk-a');
    // The desk has not pulled since: it still plans a Welcome email.
    insertFamilies(desk.context.sqlite, [PRACTICE[0]!]);
    const nobodyListens = await closedPort();
    await asAdministrator(desk, () => ok(desk, 'settings.update', { changes: { smtpPort: nobodyListens } }));
    await issueFamily(desk, 'f-one');
    await desk.deliveries.worker.drain();
    expect(portal.enrollments().map((e) => e.welcome)).toEqual(['has_account']);
    // While the mail server is away, the Outbox says what waits, in words.
    const waiting = await ok<{ kind: string; summary: string; editableEmail: string | null }[]>(desk, 'outbox.list', { status: 'pending' });
    expect(waiting).toEqual([
      {
        ...waiting[0],
        kind: 'email.add_child',
        summary: `"Add this child to your account" email to ${G_EMAIL} (Gina Ortiz) with the PIN of Ana Ortiz (Ortiz family), instead of a Welcome email: the guardian already has a portal account`,
        editableEmail: G_EMAIL,
      },
    ]);

    await asAdministrator(desk, () => ok(desk, 'settings.update', { changes: { smtpPort: smtp.port } }));
    advance(3_600_000);
    await desk.deliveries.worker.drain();
    const [mail] = await mails();
    expect(smtp.messages).toHaveLength(1);
    expect(mail!.subject).toMatch(/^Add Ana to your /);
    expect(mail!.text).toContain('You have an account on the patient portal');
    expect(value(desk, 'SELECT has_portal_account FROM contacts WHERE id = ?', G)).toBe(1);
  });

  it('a replacement revokes the PIN it replaces on the portal and, after pulls, on both desks: the old PIN no longer works, the new one does', async () => {
    const deskA = await openDesk('desk-a');
    const deskB = await openDesk('desk-b');
    insertFamilies(deskA.context.sqlite, [PRACTICE[0]!]);
    const first = await issueFamily(deskA, 'f-one', { printOnly: true });
    await deskA.deliveries.worker.drain();
    const oldPinId = pinOf(deskA, ANA.id);
    const oldPin = first.guardians[0]!.children[0]!.pin!;

    // "Replace this child's PIN", with a reason.
    advance(60_000);
    const second = await issueFamily(deskA, 'f-one', { printOnly: true, replacePins: { [ANA.id]: 'The slip was lost' } });
    const newPinId = pinOf(deskA, ANA.id);
    expect(newPinId).not.toBe(oldPinId);
    expect(value(deskA, 'SELECT replaces_pin_id FROM pins WHERE id = ?', newPinId)).toBe(oldPinId);
    // Not revoked before the portal has the replacement: nothing printed dies behind the clerk.
    expect(value(deskA, 'SELECT status FROM pins WHERE id = ?', oldPinId)).toBe('issued');
    await deskA.deliveries.worker.drain();

    expect(portal.enrollments().map((e) => [e.pinId, e.revoked])).toEqual([
      [oldPinId, true],
      [newPinId, false],
    ]);
    expect(value(deskA, 'SELECT status FROM pins WHERE id = ?', oldPinId)).toBe('revoked');
    expect(
      rows(deskA, `SELECT json_extract(details, '$.pinId') AS pin, json_extract(details, '$.replacedBy') AS by FROM audit_log WHERE action = 'pin_revoked'`),
    ).toEqual([{ pin: oldPinId, by: newPinId }]);

    await ok(deskA, 'sync.now', {});
    await ok(deskB, 'sync.now', {});
    for (const desk of [deskA, deskB]) {
      expect(rows(desk, 'SELECT pin_id, status FROM desk_pins ORDER BY issued_at')).toEqual([
        { pin_id: oldPinId, status: 'revoked' },
        { pin_id: newPinId, status: 'issued' },
      ]);
    }

    const parent = new ParentBrowser(portal.url);
    const refused = await parent.register('gina@example.com', { date_of_birth: ANA.dateOfBirth }, oldPin);
    expect(refused.status).toBe(400);
    expect(refused.html).toContain(PIN_DOB_MISMATCH);
    expect((await parent.register('gina@example.com', { date_of_birth: ANA.dateOfBirth }, second.guardians[0]!.children[0]!.pin!)).path).toBe('/account');
  });
});

describe("the practice system's clock", () => {
  it('is learnt from its Date header at each pull: the status bar warns, and a desk two years slow issues no PIN already expired', async () => {
    // This computer's clock is two years behind the practice system's.
    const TWO_YEARS = 2 * 365 * 86_400_000;
    const desk = await openDesk('desk-a', portal.url, () => new Date(clock.now.getTime() - TWO_YEARS));
    await ok(desk, 'sync.now', {});
    const status = await ok<StatusInfo>(desk, 'status.get', {});
    // The Date header has whole seconds.
    expect(Math.abs(status.clockSkewMs! + TWO_YEARS)).toBeLessThan(1_000);
    expect(clockSkewWarning(status.clockSkewMs)).toBe(
      "This computer's clock is 730 days behind the practice system: fix the clock (PIN expiry dates depend on it).",
    );
    const family = await ok<FamilyView>(desk, 'family.load', { familyId: 'f-one' });
    const refused = await desk.invoke('pins.issue', {
      batchId: randomUUID(),
      familyId: 'f-one',
      choices: NO_CHOICES,
      expectedPatientIds: family.children.map((c) => c.patientId),
      reviewToken: family.reviewToken,
    });
    expect(refused).toMatchObject({ ok: false, error: { message: expect.stringMatching(/clock is so far behind the practice system/) } });
    expect(value(desk, 'SELECT count(*) FROM pins')).toBe(0);
  });

  it('refuses issuing on a desk 400 days fast, which would date PINs ahead and keep them valid 400 days too long; set right and synced, it issues', async () => {
    const DAYS_400 = 400 * 86_400_000;
    let ahead = DAYS_400;
    const desk = await openDesk('desk-fast', portal.url, () => new Date(clock.now.getTime() + ahead));
    await ok(desk, 'sync.now', {});
    expect(Math.abs((await ok<StatusInfo>(desk, 'status.get', {})).clockSkewMs! - DAYS_400)).toBeLessThan(1_000);
    const attempt = async () => {
      const family = await ok<FamilyView>(desk, 'family.load', { familyId: 'f-one' });
      return desk.invoke('pins.issue', {
        batchId: randomUUID(),
        familyId: 'f-one',
        choices: NO_CHOICES,
        expectedPatientIds: family.children.map((c) => c.patientId),
        reviewToken: family.reviewToken,
      });
    };
    const refused = await attempt();
    expect(refused).toMatchObject({
      ok: false,
      error: {
        code: 'conflict',
        message: expect.stringMatching(
          /^This computer's clock is 400 days ahead of the practice system's .*stay valid 400 days longer than the practice's 30 days\. Set the date and time/,
        ),
      },
    });
    expect(value(desk, 'SELECT count(*) FROM pins')).toBe(0);
    expect(value(desk, "SELECT count(*) FROM outbox WHERE kind = 'portal.enrollment'")).toBe(0);

    // The clock set right by hand: the offset measured before no longer describes it. What this desk wrote while
    // 400 days ahead (the sign-in, the sync) now lies in its future: the clock-went-back rule asks for a sync first.
    ahead = 0;
    const behind = await attempt();
    expect(behind).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/^This computer's clock says .*400 days before work this desk already recorded/) },
    });
    await ok(desk, 'sync.now', {});
    expect(Math.abs((await ok<StatusInfo>(desk, 'status.get', {})).clockSkewMs!)).toBeLessThan(1_000);
    expect(await attempt()).toMatchObject({ ok: true });
    expect(value(desk, 'SELECT issued_at FROM pins LIMIT 1')).toBe(clock.now.toISOString());
  });

  it('issues on a desk 5 minutes fast: within what the clock may drift before it is set', async () => {
    const desk = await openDesk('desk-drift', portal.url, () => new Date(clock.now.getTime() + 5 * 60_000));
    await ok(desk, 'sync.now', {});
    const batch = await issueFamily(desk, 'f-one');
    expect(batch.guardians.flatMap((g) => g.children).length).toBeGreaterThan(0);
  });
});

// ---- the protocol itself --------------------------------------------------------------------

const auth = { authorization: `Bearer ${TOKEN}` };

function post(path: string, body: unknown): Promise<Response> {
  const deliveryId = (body as { deliveryId?: unknown }).deliveryId;
  return fetch(`${portal.url}${path}`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json', ...(typeof deliveryId === 'string' ? { 'idempotency-key': deliveryId } : {}) },
    body: JSON.stringify(body),
  });
}

function enrollment(patient: { id: string; dateOfBirth: string }, overrides: Partial<EnrollmentRequest> = {}): EnrollmentRequest {
  return {
    deliveryId: randomUUID(),
    pinId: randomUUID(),
    pin: generatePin(),
    patientId: patient.id,
    dateOfBirth: patient.dateOfBirth,
    expiresAt: new Date(clock.now.getTime() + 30 * 86_400_000).toISOString(),
    accountOwnerContactId: G,
    batchId: randomUUID(),
    issuedAt: clock.now.toISOString(),
    workstation: 'desk-9',
    issuedBy: 'Dana Reyes',
    delivery: 'email',
    welcomeForContactId: G,
    resendWelcome: false,
    replacesPinId: null,
    ...overrides,
  };
}

async function welcomeAnswer(request: EnrollmentRequest): Promise<string> {
  const res = await post(SYNC_PATHS.enrollments, request);
  expect(res.status).toBe(200);
  return enrollmentAccepted.parse(await res.json()).welcome;
}

describe('protocol v2 round trip', () => {
  it('answers each enrollment with the Welcome decision, the same answer to a repeat, and reports PINs and guardians in the pull', async () => {
    const first = enrollment(ANA);
    expect(await welcomeAnswer(first)).toBe('granted');
    expect(await welcomeAnswer(first)).toBe('granted'); // the same delivery again
    expect(await welcomeAnswer({ ...first, deliveryId: randomUUID() })).toBe('granted'); // the same PIN under a new delivery id
    expect(await welcomeAnswer(enrollment(BEN))).toBe('already_welcomed');
    expect(await welcomeAnswer(enrollment(BEN, { resendWelcome: true, workstation: 'desk-7' }))).toBe('granted');
    expect(await welcomeAnswer(enrollment(BEN, { welcomeForContactId: null, delivery: 'print' }))).toBe('not_requested');
    expect(portal.welcomes()).toEqual([{ contactId: G, grantedAt: clock.now.toISOString(), workstation: 'desk-7' }]);

    const res = await fetch(`${portal.url}${SYNC_PATHS.changes}?cursor=&limit=100`, { headers: auth });
    const page = changesPage.parse(await res.json());
    expect(page.pins).toHaveLength(4);
    expect(page.pins[0]).toEqual({
      pinId: first.pinId,
      patientId: ANA.id,
      issuedAt: clock.now.toISOString(),
      expiresAt: first.expiresAt,
      workstation: 'desk-9',
      issuedBy: 'Dana Reyes',
      delivery: 'email',
      status: 'issued',
      redeemedAt: null,
    });
    expect(page.guardians).toEqual([{ contactId: G, welcomeAt: clock.now.toISOString(), welcomeWorkstation: 'desk-7', accountAt: null }]);

    // Once G has an account, every later Welcome request hears so.
    const parent = new ParentBrowser(portal.url);
    expect((await parent.register('gina@example.com', { date_of_birth: ANA.dateOfBirth }, first.pin)).path).toBe('/account');
    expect(await welcomeAnswer(enrollment(BEN))).toBe('has_account');
  });

  it('requires the v2 facts of an enrollment, naming what is missing', async () => {
    const { issuedAt: _issuedAt, welcomeForContactId: _welcome, ...v1Shaped } = enrollment(ANA);
    const res = await post(SYNC_PATHS.enrollments, v1Shaped);
    expect(res.status).toBe(422);
    const { message } = protocolError.parse(await res.json()).error;
    expect(message).toContain('issuedAt');
    expect(message).toContain('welcomeForContactId');
    expect(portal.enrollments()).toEqual([]);
  });
});

describe('a registration queued before an update', () => {
  it('goes out with the facts of its PIN when its stored details lack them, and with its own facts when it has them', async () => {
    const desk = await openDesk('desk-old');
    const other = await openDesk('desk-new');
    insertFamilies(desk.context.sqlite, [PRACTICE[0]!]);
    insertFamilies(other.context.sqlite, [PRACTICE[1]!]);
    await issueFamily(desk, 'f-one');
    await issueFamily(other, 'f-two');
    // Ana's row as a desk of the previous version queued it: without the v2 facts (its sealed PIN kept).
    const anaRow = value(desk, `SELECT id FROM outbox WHERE kind = 'portal.enrollment' AND ref = ?`, pinOf(desk, ANA.id)) as string;
    const stored = JSON.parse(value(desk, 'SELECT payload FROM outbox WHERE id = ?', anaRow) as string) as Record<string, unknown>;
    for (const fact of ['issuedAt', 'workstation', 'issuedBy', 'delivery', 'replacesPinId']) delete stored[fact];
    desk.context.sqlite.prepare('UPDATE outbox SET payload = ? WHERE id = ?').run(JSON.stringify(stored), anaRow);
    // Ben's row is whole: what it was queued with is what the practice system hears, whatever the PIN row says now.
    other.context.sqlite.prepare(`UPDATE pins SET workstation = 'moved-desk' WHERE patient_id = ?`).run(BEN.id);

    await desk.deliveries.worker.drain();
    await other.deliveries.worker.drain();

    expect(value(desk, `SELECT count(*) FROM outbox WHERE kind = 'portal.enrollment' AND status = 'delivered'`)).toBe(1);
    expect(value(other, `SELECT count(*) FROM outbox WHERE kind = 'portal.enrollment' AND status = 'delivered'`)).toBe(1);
    const res = await fetch(`${portal.url}${SYNC_PATHS.changes}?cursor=&limit=100`, { headers: auth });
    const pins = changesPage.parse(await res.json()).pins;
    const issuedAt = (app: App, patientId: string) => value(app, 'SELECT issued_at FROM pins WHERE patient_id = ?', patientId);
    expect(pins.map((p) => [p.patientId, p.workstation, p.issuedBy, p.delivery, p.issuedAt])).toEqual([
      [ANA.id, 'desk-old', 'Test Clerk', 'email', issuedAt(desk, ANA.id)],
      [BEN.id, 'desk-new', 'Test Clerk', 'email', issuedAt(other, BEN.id)],
    ]);
  });
});

describe('mismatched protocol versions', () => {
  it('the v2 portal answers a v1 desk with a protocol-version error, and applies nothing', async () => {
    const changes = await fetch(`${portal.url}/v1/changes?cursor=`, { headers: auth });
    expect(changes.status).toBe(410);
    const refusal = protocolError.parse(await changes.json()).error;
    expect(refusal.code).toBe('protocol_version');
    expect(refusal.message).toBe('This practice system speaks sync protocol v2; the desk asked in v1. Update Family Portal PINs on that desk.');

    const {
      issuedAt: _i,
      workstation: _w,
      issuedBy: _b,
      delivery: _d,
      welcomeForContactId: _c,
      resendWelcome: _r,
      replacesPinId: _p,
      ...v1Request
    } = enrollment(ANA);
    const enroll = await post('/v1/enrollments', v1Request);
    expect(enroll.status).toBe(410);
    expect(protocolError.parse(await enroll.json()).error.code).toBe('protocol_version');
    expect(portal.enrollments()).toEqual([]);
  });

  it('a v2 desk against a v1-only practice system stops with "ask its vendor to update it", for the pull and for deliveries', async () => {
    const v1 = await startV1OnlyPracticeSystem();
    try {
      const desk = await openDesk('desk-a', v1.url);
      insertFamilies(desk.context.sqlite, [PRACTICE[0]!]);
      const message =
        'The practice system speaks sync protocol v1; this desk needs v2: ask its vendor to update it. Nothing was lost: what waits is sent once it is updated.';

      const pulled = await desk.deliveries.pulls.pull({ baseUrl: v1.url, token: TOKEN }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(pulled).toBeInstanceOf(DeliveryError);
      expect((pulled as DeliveryError).permanent).toBe(true);
      expect((pulled as DeliveryError).message).toBe(message);

      // Through the app: Sync now says it, and so does the status bar.
      const syncNow = await desk.invoke('sync.now', {});
      expect(syncNow).toMatchObject({ ok: false, error: { message } });
      expect((await ok<StatusInfo>(desk, 'status.get', {})).syncProblem).toBe(message);

      await issueFamily(desk, 'f-one');
      await desk.deliveries.worker.drain();
      expect(rows(desk, `SELECT status, last_error FROM outbox WHERE kind = 'portal.enrollment'`)).toEqual([
        { status: 'needs_attention', last_error: message },
      ]);
      expect(smtp.messages).toHaveLength(0);
      expect(v1.received.filter((path) => path.startsWith('/v2/'))).toEqual(expect.arrayContaining([SYNC_PATHS.changes, SYNC_PATHS.enrollments]));
    } finally {
      await v1.close();
    }
  });
});

/** What a practice system that speaks only v1 answers: its health under /v1, "not found" for anything else. */
async function startV1OnlyPracticeSystem(): Promise<{ url: string; received: string[]; close(): Promise<void> }> {
  const received: string[] = [];
  const server = http.createServer((req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://127.0.0.1');
    received.push(pathname);
    req.resume();
    res.writeHead(pathname === '/v1/health' ? 200 : 404, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify(
        pathname === '/v1/health' ? { ok: true, version: 'v1' } : { error: { code: 'not_found', message: `There is no ${pathname} in protocol v1.` } },
      ),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
