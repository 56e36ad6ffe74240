import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StatusInfo } from '../../shared/api';
import { NO_CHOICES } from '../../shared/domain/plan';
import type { App } from '../../electron/main/app';
import { signInAs } from '../../electron/main/clerks/sessionService';
import { CLOCK_OFFSET_KEY } from '../../electron/main/sync/clockOffset';
import { LOPEZ_CHILDREN, insertAppointment, insertFamilies, type ContactFixture, type FamilyFixture } from '../support/fixtures';
import { loadReview, openIssuingDesk, planFamily, reviewAndIssue } from '../support/issue';
import { makeTempDir } from '../support/tempDir';
import { ADA_ADMIN, DANA, invokeOk, NEW_YORK_TIME, openTestDesk } from '../support/testDesk';
import { startChangeFeed } from '../support/changeFeed';
import { waitFor } from '../support/waitFor';

/** Issue 10: one portal account per guardian across visits, tabs, desks and processes. */

let clock = new Date('2026-12-03T15:00:00Z');
let temp: ReturnType<typeof makeTempDir>;
let app: App;

const parent = (id: string, firstName: string, patientIds: string[], extra: Partial<ContactFixture> = {}): ContactFixture => ({
  id,
  firstName,
  lastName: 'Lopez',
  email: `${firstName.toLowerCase()}@example.com`,
  links: patientIds.map((patientId) => ({ patientId, sort: 1, authority: 'Joint' as const, residesWith: true, relationship: 'Mother' })),
  ...extra,
});

const LOPEZ: FamilyFixture = {
  id: 'f-lopez',
  name: 'Lopez',
  children: LOPEZ_CHILDREN,
  contacts: [parent('c-maria', 'Maria', ['p-ana', 'p-luis', 'p-sofia'])],
};

const count = (sql: string, ...params: unknown[]) =>
  app.context.sqlite
    .prepare(sql)
    .pluck()
    .get(...params) as number;

beforeEach(async () => {
  clock = new Date('2026-12-03T15:00:00Z');
  temp = makeTempDir();
  app = await openIssuingDesk(temp.file('practice.sqlite'), { now: () => clock, workstation: 'DESK-1' });
});
afterEach(async () => {
  await app.close();
  temp.remove();
});

describe('revisiting a family', () => {
  it('after issuing, a second visit plans nothing, says why, and confirming queues no PIN and no email', async () => {
    insertFamilies(app.context.sqlite, [LOPEZ]);
    expect((await reviewAndIssue(app, 'f-lopez')).result.ok).toBe(true);
    clock = new Date(clock.getTime() + 12 * 60_000);
    await signInAs(app.context, 'k1'); // the station locked while the clerk was away

    const review = await loadReview(app, 'f-lopez');
    for (const child of review.children) {
      expect(child.enrollment.state).toBe('issued');
      expect(child.verdict.warnings.find((w) => w.code === 'pin_held')?.message).toMatch(
        /^PIN issued 12 minutes ago by Dana Reyes \((printed|in the Welcome email)\)/,
      );
    }
    expect(review.contacts[0]!.enrollment).toMatchObject({ welcome: 'queued', welcomeWorkstation: 'DESK-1' });
    const plan = planFamily(app, review);
    expect(plan).toMatchObject({ pinCount: 0, emailCount: 0 });
    expect(plan.notIssued.map((n) => [n.firstName, n.code])).toEqual([
      ['Ana', 'pin_held'],
      ['Luis', 'pin_held'],
      ['Sofia', 'pin_held'],
    ]);

    const again = await reviewAndIssue(app, 'f-lopez');
    expect(again.result).toMatchObject({ ok: false, error: { code: 'conflict', message: expect.stringContaining('Nothing to issue') } });
    expect(count('SELECT count(*) FROM pins')).toBe(3);
    expect(count(`SELECT count(*) FROM outbox WHERE kind = 'email.welcome'`)).toBe(1);
  });

  it("replacing one child's PIN needs a reason, issues that child only, is audited, and names the PIN it replaces", async () => {
    insertFamilies(app.context.sqlite, [LOPEZ]);
    await reviewAndIssue(app, 'f-lopez');
    const oldLuis = app.context.sqlite.prepare(`SELECT id FROM pins WHERE patient_id = 'p-luis'`).pluck().get() as string;

    const { result } = await reviewAndIssue(app, 'f-lopez', { replacePins: { 'p-luis': 'The slip was torn in the printer' } });
    expect(result.ok).toBe(true);
    expect(count('SELECT count(*) FROM pins')).toBe(4);
    const replacement = app.context.sqlite.prepare(`SELECT * FROM pins WHERE replaces_pin_id IS NOT NULL`).get() as Record<string, unknown>;
    expect(replacement).toMatchObject({
      patient_id: 'p-luis',
      replaces_pin_id: oldLuis,
      replace_reason: 'The slip was torn in the printer',
      delivery: 'print',
    });
    // The old PIN stays valid until the portal has the new one: nothing printed dies behind the clerk.
    expect(app.context.sqlite.prepare(`SELECT status FROM pins WHERE id = ?`).pluck().get(oldLuis)).toBe('issued');
    expect(count(`SELECT count(*) FROM outbox WHERE kind = 'email.welcome'`)).toBe(1);
    const enrollment = JSON.parse(
      app.context.sqlite.prepare(`SELECT payload FROM outbox WHERE kind = 'portal.enrollment' AND ref = ?`).pluck().get(replacement.id) as string,
    );
    expect(enrollment).toMatchObject({ replacesPinId: oldLuis, welcomeForContactId: null, workstation: 'DESK-1', issuedBy: 'Dana Reyes', delivery: 'print' });
    expect(app.context.sqlite.prepare(`SELECT details FROM audit_log WHERE action = 'pin_replaced'`).pluck().get()).toContain('torn in the printer');
  });

  it('a guardian of two families: a sibling added weeks later gets a printed add-child slip, never a second Welcome email', async () => {
    insertFamilies(app.context.sqlite, [
      { id: 'f-1', name: 'Lopez', children: [{ id: 'p-a', firstName: 'Ana', dateOfBirth: '2015-03-14' }], contacts: [parent('c-g', 'Gina', ['p-a'])] },
      { id: 'f-2', name: 'Ruiz', children: [{ id: 'p-b', firstName: 'Beto', dateOfBirth: '2017-01-01' }], contacts: [parent('c-g', 'Gina', ['p-b'])] },
    ]);
    const first = await reviewAndIssue(app, 'f-1');
    expect(first.plan.guardians.map((g) => [g.recipient.contactId, g.children.map((c) => c.firstName)])).toEqual([['c-g', ['Beto', 'Ana']]]);
    expect(count(`SELECT count(*) FROM outbox WHERE kind = 'email.welcome'`)).toBe(1);

    clock = new Date('2026-12-20T15:00:00Z');
    await signInAs(app.context, 'k1');
    app.context.sqlite
      .prepare(
        `INSERT INTO patients (id, chart_number, family_id, first_name, last_name, date_of_birth, status, updated_at) VALUES ('p-c', 'C-c', 'f-2', 'Cata', 'Ruiz', '2026-10-01', 'Active', 'x')`,
      )
      .run();
    app.context.sqlite
      .prepare(
        `INSERT INTO patient_contacts (patient_id, contact_id, sort, relationship, authority, resides_with, portal_flag) VALUES ('p-c', 'c-g', 1, 'Mother', 'Joint', 1, 0)`,
      )
      .run();

    const later = await reviewAndIssue(app, 'f-2');
    expect(later.result.ok).toBe(true);
    expect(later.plan.guardians).toHaveLength(1);
    expect(later.plan.guardians[0]).toMatchObject({ mode: 'print-only', accountExists: true, fallback: { code: 'welcome_already' } });
    expect(later.plan.guardians[0]!.children.map((c) => c.firstName)).toEqual(['Cata']);
    expect(later.result.ok && later.result.value.guardians.map((g) => g.mode)).toEqual(['add-child']);
    // A reprint rebuilds the same add-child packet from storage.
    const reprint = await app.invoke('pins.packet', { batchId: later.batchId });
    expect(reprint.ok && (reprint.value as { guardians: { mode: string }[] }).guardians[0]!.mode).toBe('add-child');
    expect(count(`SELECT count(*) FROM outbox WHERE kind = 'email.welcome'`)).toBe(1);
    expect(count('SELECT count(*) FROM pins')).toBe(3);
  });

  it('an explicit re-send of the Welcome email needs a reason and is audited', async () => {
    insertFamilies(app.context.sqlite, [LOPEZ]);
    await reviewAndIssue(app, 'f-lopez');
    const { result } = await reviewAndIssue(app, 'f-lopez', {
      replacePins: { 'p-sofia': 'Parent deleted the email' },
      resendWelcome: { 'c-maria': 'Parent deleted the email' },
    });
    expect(result.ok).toBe(true);
    expect(count(`SELECT count(*) FROM outbox WHERE kind = 'email.welcome'`)).toBe(2);
    expect(app.context.sqlite.prepare(`SELECT details FROM audit_log WHERE action = 'welcome_resent'`).pluck().get()).toContain('Parent deleted the email');
    const enrollment = JSON.parse(
      app.context.sqlite
        .prepare(`SELECT payload FROM outbox WHERE kind = 'portal.enrollment' ORDER BY created_at DESC, rowid DESC LIMIT 1`)
        .pluck()
        .get() as string,
    );
    expect(enrollment).toMatchObject({ welcomeForContactId: 'c-maria', resendWelcome: true });
  });
});

describe('issuing refuses a stale review', () => {
  it('a second confirmation with another batch id from the same review is refused as stale, and issues nothing', async () => {
    insertFamilies(app.context.sqlite, [LOPEZ]);
    const review = await loadReview(app, 'f-lopez');
    const plan = planFamily(app, review);
    const request = (batchId: string) => ({
      batchId,
      familyId: 'f-lopez',
      choices: NO_CHOICES,
      expectedPatientIds: plan.guardians.flatMap((g) => g.children.map((c) => c.patientId)),
      reviewToken: review.reviewToken,
    });
    const [a, b] = await Promise.all([app.invoke('pins.issue', request(randomUUID())), app.invoke('pins.issue', request(randomUUID()))]);
    expect([a.ok, b.ok].sort()).toEqual([false, true]);
    expect([a, b].find((r) => !r.ok)).toMatchObject({
      ok: false,
      error: { code: 'conflict', message: expect.stringContaining('changed since you reviewed it') },
    });
    expect(count('SELECT count(*) FROM pins')).toBe(3);
    expect(count(`SELECT count(*) FROM outbox WHERE kind = 'email.welcome'`)).toBe(1);
  });

  it.each([
    ['a contact changed', () => app.context.sqlite.prepare(`UPDATE contacts SET email = 'new@example.com', version = version + 1 WHERE id = 'c-maria'`).run()],
    [
      'an account was reported',
      () => app.context.sqlite.prepare(`INSERT INTO guardian_enrollment (contact_id, account_at) VALUES ('c-maria', '2026-12-03T14:59:00Z')`).run(),
    ],
    [
      'another desk issued a PIN (after a pull)',
      () =>
        app.context.sqlite
          .prepare(
            `INSERT INTO desk_pins (pin_id, patient_id, issued_at, expires_at, workstation, issued_by, delivery, status) VALUES ('pin-x', 'p-ana', '2026-12-03T14:59:00Z', '2027-01-02T14:59:00Z', 'DESK-2', 'Sam', 'print', 'issued')`,
          )
          .run(),
    ],
    [
      'a Welcome email was queued by another desk',
      () =>
        app.context.sqlite
          .prepare(`INSERT INTO guardian_enrollment (contact_id, welcome_at, welcome_workstation) VALUES ('c-maria', '2026-12-03T14:59:00Z', 'DESK-2')`)
          .run(),
    ],
  ])('%s after the review: "look again", nothing issued', async (_label, change) => {
    insertFamilies(app.context.sqlite, [LOPEZ]);
    const review = await loadReview(app, 'f-lopez');
    const plan = planFamily(app, review);
    change();
    const result = await app.invoke('pins.issue', {
      batchId: randomUUID(),
      familyId: 'f-lopez',
      choices: NO_CHOICES,
      expectedPatientIds: plan.guardians.flatMap((g) => g.children.map((c) => c.patientId)),
      reviewToken: review.reviewToken,
    });
    expect(result).toMatchObject({ ok: false, error: { code: 'conflict', message: expect.stringContaining('look again') } });
    expect(count('SELECT count(*) FROM pins')).toBe(0);
  });
  it("this desk's own PINs and Welcome email reported back by a pull leave the review as it was: replacing a PIN from it is not refused", async () => {
    insertFamilies(app.context.sqlite, [LOPEZ]);
    await reviewAndIssue(app, 'f-lopez');
    const before = await loadReview(app, 'f-lopez');
    // What the practice system sends back once this desk's enrollments and Welcome email arrived.
    app.context.sqlite
      .prepare(
        `INSERT INTO desk_pins (pin_id, patient_id, issued_at, expires_at, workstation, issued_by, delivery, status)
         SELECT id, patient_id, issued_at, expires_at, workstation, 'Dana Reyes', 'print', 'issued' FROM pins`,
      )
      .run();
    app.context.sqlite
      .prepare(`INSERT INTO guardian_enrollment (contact_id, welcome_at, welcome_workstation) VALUES ('c-maria', '2026-12-03T15:00:01Z', 'DESK-1')`)
      .run();
    const after = await loadReview(app, 'f-lopez');
    expect(after.reviewToken).toBe(before.reviewToken);

    const choices = { ...NO_CHOICES, replacePins: { 'p-luis': 'The slip was torn in the printer' } };
    const plan = planFamily(app, before, choices);
    const result = await app.invoke('pins.issue', {
      batchId: randomUUID(),
      familyId: 'f-lopez',
      choices,
      expectedPatientIds: plan.guardians.flatMap((g) => g.children.map((c) => c.patientId)),
      reviewToken: before.reviewToken,
    });
    expect(result.ok).toBe(true);
    expect(count('SELECT count(*) FROM pins')).toBe(4);
    // A reported status that moved (redeemed on the portal) is a change the clerk must see.
    app.context.sqlite.prepare(`UPDATE desk_pins SET status = 'redeemed' WHERE patient_id = 'p-ana'`).run();
    expect((await loadReview(app, 'f-lopez')).reviewToken).not.toBe(after.reviewToken);
  });
});

describe('facts from other desks', () => {
  it('a PIN reported from another desk is held (with the desk named), and a reported Welcome email means add-child slips', async () => {
    insertFamilies(app.context.sqlite, [LOPEZ]);
    app.context.sqlite
      .prepare(
        `INSERT INTO desk_pins (pin_id, patient_id, issued_at, expires_at, workstation, issued_by, delivery, status) VALUES ('pin-x', 'p-ana', '2026-12-03T13:00:00Z', '2027-01-02T13:00:00Z', 'DESK-2', 'Sam Ito', 'email', 'issued')`,
      )
      .run();
    app.context.sqlite
      .prepare(`INSERT INTO guardian_enrollment (contact_id, welcome_at, welcome_workstation) VALUES ('c-maria', '2026-12-03T13:00:00Z', 'DESK-2')`)
      .run();
    const review = await loadReview(app, 'f-lopez');
    const ana = review.children.find((c) => c.firstName === 'Ana')!;
    expect(ana.enrollment).toMatchObject({ state: 'registered', heldPinText: 'today at 8:00 AM by Sam Ito at DESK-2 (in the Welcome email)' });
    const { plan, result } = await reviewAndIssue(app, 'f-lopez');
    expect(result.ok).toBe(true);
    expect(plan.guardians[0]).toMatchObject({ mode: 'print-only', accountExists: true });
    expect(plan.guardians[0]!.summary).toContain('already has a Welcome email (sent today at 8:00 AM from DESK-2)');
    expect(count(`SELECT count(*) FROM outbox WHERE kind = 'email.welcome'`)).toBe(0);
    expect(count('SELECT count(*) FROM pins')).toBe(2);
  });

  it('a PIN redeemed on the portal (reported) marks the child linked: excluded, not re-issued', async () => {
    insertFamilies(app.context.sqlite, [LOPEZ]);
    app.context.sqlite
      .prepare(
        `INSERT INTO desk_pins (pin_id, patient_id, issued_at, expires_at, workstation, issued_by, delivery, status, redeemed_at) VALUES ('pin-x', 'p-ana', '2026-12-01T13:00:00Z', '2026-12-31T13:00:00Z', 'DESK-2', 'Sam', 'print', 'redeemed', '2026-12-02T10:00:00Z')`,
      )
      .run();
    const review = await loadReview(app, 'f-lopez');
    const ana = review.children.find((c) => c.firstName === 'Ana')!;
    expect(ana.enrollment.state).toBe('redeemed');
    expect(ana.verdict).toMatchObject({ kind: 'excluded', reasons: [{ code: 'portal_linked' }] });
  });
});

describe('who is planned', () => {
  it('children not checking in whose guardian is not at the desk are listed, not preselected', async () => {
    insertFamilies(app.context.sqlite, [
      {
        id: 'f-blend',
        name: 'Lopez',
        children: [
          { id: 'p-ana', firstName: 'Ana', dateOfBirth: '2015-03-14' },
          { id: 'p-maya', firstName: 'Maya', dateOfBirth: '2016-02-02' },
        ],
        contacts: [parent('c-maria', 'Maria', ['p-ana']), parent('c-jen', 'Jen', ['p-maya'])],
      },
    ]);
    insertAppointment(app.context.sqlite, 'a1', 'p-ana', '2026-12-03T10:30');
    const { plan, result } = await reviewAndIssue(app, 'f-blend');
    expect(result.ok).toBe(true);
    expect(plan.guardians.map((g) => g.recipient.contactId)).toEqual(['c-maria']);
    expect(plan.notIssued).toEqual([expect.objectContaining({ firstName: 'Maya', code: 'not_selected' })]);
    expect(count(`SELECT count(*) FROM pins WHERE patient_id = 'p-maya'`)).toBe(0);
  });

  it('Sort 1 without authority or residence and Sort 2 with Joint authority: the clerk chooses Sort 2 with a reason, audited', async () => {
    insertFamilies(app.context.sqlite, [
      {
        id: 'f-perez',
        name: 'Perez',
        children: [{ id: 'p-iris', firstName: 'Iris', dateOfBirth: '2019-04-04' }],
        contacts: [
          {
            id: 'c-rosa',
            firstName: 'Rosa',
            lastName: 'Perez',
            email: 'rosa@example.com',
            links: [{ patientId: 'p-iris', sort: 1, authority: 'None', residesWith: false, relationship: 'Grandmother' }],
          },
          {
            id: 'c-pedro',
            firstName: 'Pedro',
            lastName: 'Perez',
            email: 'pedro@example.com',
            links: [{ patientId: 'p-iris', sort: 2, authority: 'Joint', residesWith: false, relationship: 'Father' }],
          },
        ],
      },
    ]);
    const review = await loadReview(app, 'f-perez');
    expect(review.children[0]!.verdict).toMatchObject({
      kind: 'needs_recipient',
      reasons: [{ message: expect.stringContaining('Sort 1 (Rosa Perez) has no authority and does not live with Iris') }],
    });
    expect(planFamily(app, review).notIssued[0]!.recipientOptions?.map((o) => o.contactId)).toEqual(['c-pedro']);

    const refused = await reviewAndIssue(app, 'f-perez', { recipientByChild: { 'p-iris': { contactId: 'c-rosa', reason: 'She asked' } } }).catch(
      (e: Error) => e,
    );
    expect(refused).toBeInstanceOf(Error);

    const { result } = await reviewAndIssue(app, 'f-perez', { recipientByChild: { 'p-iris': { contactId: 'c-pedro', reason: 'Father has joint custody' } } });
    expect(result.ok).toBe(true);
    expect(app.context.sqlite.prepare(`SELECT json_extract(payload, '$.to') FROM outbox WHERE kind = 'email.welcome'`).pluck().get()).toBe('pedro@example.com');
    expect(app.context.sqlite.prepare(`SELECT details FROM audit_log WHERE action = 'account_owner_chosen'`).pluck().get()).toContain(
      'Father has joint custody',
    );
  });
});

describe('the clock', () => {
  it('refuses to issue PINs that would already be expired by the practice system’s clock', async () => {
    insertFamilies(app.context.sqlite, [LOPEZ]);
    // The last sync found this computer two years slow.
    app.context.sqlite.prepare(`INSERT INTO sync_state (key, value) VALUES (?, ?)`).run(CLOCK_OFFSET_KEY, String(2 * 365 * 86_400_000));
    const { result } = await reviewAndIssue(app, 'f-lopez');
    expect(result).toMatchObject({ ok: false, error: { code: 'conflict', message: expect.stringContaining('would already be expired') } });
    expect(count('SELECT count(*) FROM pins')).toBe(0);
  });
});

describe('a clock that went back before work this desk recorded (offline: no practice system to say so)', () => {
  const DAY = 86_400_000;
  const status = async () => {
    const answer = await app.invoke('status.get', {});
    if (!answer.ok) throw new Error(answer.error.message);
    return answer.value as { clockBehindRecordsMs: number | null };
  };

  it('400 days back: issuing is refused with both times and the fix, the status bar says it; 5 minutes back (an NTP correction) issues', async () => {
    insertFamilies(app.context.sqlite, [LOPEZ]);
    const recorded = clock.toISOString();
    // The desk recorded work at 15:00 (its clerk's sign-in); then the clock battery died.
    clock = new Date(clock.getTime() - 400 * DAY);
    const { result } = await reviewAndIssue(app, 'f-lopez');
    expect(result).toMatchObject({ ok: false, error: { code: 'conflict' } });
    const message = result.ok ? '' : result.error.message;
    expect(message).toContain(
      `This computer's clock says 2025-10-29 15:00 UTC, 400 days before work this desk already recorded (${recorded.slice(0, 16).replace('T', ' ')} UTC)`,
    );
    expect(message).toContain('Set the date and time');
    expect(count('SELECT count(*) FROM pins')).toBe(0);
    expect(count('SELECT count(*) FROM outbox')).toBe(0);
    expect((await status()).clockBehindRecordsMs).toBe(400 * DAY);

    clock = new Date(Date.parse(recorded) - 5 * 60_000);
    expect((await status()).clockBehindRecordsMs).toBeNull();
    expect((await reviewAndIssue(app, 'f-lopez')).result.ok).toBe(true);
  });

  it('a clock that was 100 days ahead and is set right: refused until the practice system confirms the time, then issues', async () => {
    insertFamilies(app.context.sqlite, [LOPEZ]);
    const right = clock;
    clock = new Date(right.getTime() + 100 * DAY);
    await signInAs(app.context, 'k1'); // work recorded while the clock was ahead
    clock = right;
    expect((await reviewAndIssue(app, 'f-lopez')).result).toMatchObject({ ok: false, error: { message: expect.stringContaining('press Sync now once') } });

    // A pull: the practice system's Date header agrees with this computer's clock.
    const feed = await startChangeFeed({ token: 'token-1', pages: [], now: () => clock });
    try {
      await app.deliveries.pulls.pull({ baseUrl: feed.baseUrl, token: 'token-1' });
    } finally {
      await feed.close();
    }
    await waitFor(async () => (await status()).clockBehindRecordsMs === null, { what: 'the practice system’s confirmation of the clock' });
    expect((await reviewAndIssue(app, 'f-lopez')).result.ok).toBe(true);
  });

  it('no practice system to confirm it: an administrator confirms the clock (audited with what the records said); a clerk may not', async () => {
    // A data folder of its own: one app per folder.
    const folder = makeTempDir();
    const desk = await openTestDesk(folder.file('admin-desk.sqlite'), {
      now: () => clock,
      workstation: 'DESK-2',
      settings: NEW_YORK_TIME,
      clerks: [DANA, ADA_ADMIN],
    });
    try {
      insertFamilies(desk.context.sqlite, [LOPEZ]);
      const right = clock;
      clock = new Date(right.getTime() + 100 * DAY);
      await signInAs(desk.context, 'k1');
      clock = right;
      expect((await reviewAndIssue(desk, 'f-lopez')).result.ok).toBe(false);
      expect(await desk.invoke('clock.confirm', {})).toMatchObject({ ok: false, error: { code: 'forbidden' } });

      await signInAs(desk.context, 'k-admin');
      expect(await desk.invoke('clock.confirm', {})).toEqual({ ok: true, value: null });
      const entry = desk.context.sqlite.prepare(`SELECT clerk_id, details FROM audit_log WHERE action = 'clock_confirmed'`).get() as {
        clerk_id: string;
        details: string;
      };
      expect(entry.clerk_id).toBe('k-admin');
      expect(JSON.parse(entry.details)).toEqual({ recordedAt: new Date(right.getTime() + 100 * DAY).toISOString(), behindMs: 100 * DAY });
      expect((await invokeOk<StatusInfo>(desk, 'status.get', {})).clockBehindRecordsMs).toBeNull();
      await signInAs(desk.context, 'k1');
      expect((await reviewAndIssue(desk, 'f-lopez')).result.ok).toBe(true);
    } finally {
      await desk.close();
      folder.remove();
    }
  });
});

describe('the language of a family’s paper and email', () => {
  it('the clerk’s choice for this family goes to the packet (kept for reprints) and to the Welcome email', async () => {
    insertFamilies(app.context.sqlite, [LOPEZ]);
    const { batchId, result } = await reviewAndIssue(app, 'f-lopez', { languageByGuardian: { 'c-maria': 'es' } });
    expect(result.ok && result.value.guardians.map((g) => g.language)).toEqual(['es']);
    const reprint = await app.invoke('pins.packet', { batchId });
    expect(reprint.ok && (reprint.value as { guardians: { language: string }[] }).guardians[0]!.language).toBe('es');
    expect(app.context.sqlite.prepare(`SELECT json_extract(payload, '$.language') FROM outbox WHERE kind = 'email.welcome'`).pluck().get()).toBe('es');
  });
});
