import { createHash } from 'node:crypto';
import { simpleParser, type ParsedMail } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CampaignStatus } from '../../shared/campaign/api';
import { CHECKLIST_ITEMS } from '../../shared/bulk/api';
import { createApp, type App } from '../../electron/main/app';
import { signInAs } from '../../electron/main/clerks/sessionService';
import { insertFamilies, type FamilyFixture } from '../support/fixtures';
import { startPortal, type PortalServer } from '../support/portal/server';
import { startTestSmtpServer, type TestSmtpServer } from '../support/smtpServer';
import { makeTempDir } from '../support/tempDir';
import { waitFor } from '../support/waitFor';
import { SYNC_PATHS } from '../../shared/sync/protocol';

/**
 * The clock of the desk and the portal, moved by the tests: no test waits for real time. `mono` is
 * the desk's monotonic clock: real time passing moves both; setting the machine's clock moves `now` only.
 */
const START = new Date('2026-11-22T15:00:00Z');
const clock = { now: START, mono: 0 };
const at = (ms: number) => {
  const next = new Date(START.getTime() + ms);
  clock.mono += Math.max(0, next.getTime() - clock.now.getTime());
  clock.now = next;
};
/** Time passes. */
const pass = (ms: number) => {
  clock.now = new Date(clock.now.getTime() + ms);
  clock.mono += ms;
};
/** Someone sets the machine's clock (or it is corrected): no time passes. */
const setMachineClock = (byMs: number) => (clock.now = new Date(clock.now.getTime() + byMs));
const MINUTE = 60_000;
const DAY = 86_400_000;

const ADMIN = 'k-admin';

let temp: ReturnType<typeof makeTempDir>;
let app: App;
let portal: PortalServer;
let smtp: TestSmtpServer;

const desk = () => temp.file('desk/practice.sqlite');

async function openDesk(): Promise<App> {
  const opened = await createApp({
    databaseFile: desk(),
    now: () => clock.now,
    monotonicMs: () => clock.mono,
    workstation: 'desk-1',
    deliveries: { worker: { random: () => 0.5 } },
  });
  await signInAs(opened.context, ADMIN);
  // What start() does first: read where the practice system is (the test drives the worker itself).
  await opened.deliveries.endpoint();
  return opened;
}

/** An administrator's call, signing in again first (the clock jumps past the inactivity lock). */
async function admin<T>(name: string, input: unknown = {}): Promise<T> {
  await signInAs(app.context, ADMIN);
  const result = await app.invoke(name, input);
  if (!result.ok) throw new Error(`${name}: ${result.error.message}`);
  return result.value as T;
}

async function refusal(name: string, input: unknown = {}): Promise<{ code: string; message: string }> {
  const result = await app.invoke(name, input);
  if (result.ok) throw new Error(`${name} was expected to be refused`);
  return result.error;
}

/** One pacer look, then every delivery due now. */
async function tickAndDeliver(): Promise<void> {
  await app.campaignPacer.tick();
  await app.deliveries.worker.drain();
}

const mails = (): Promise<ParsedMail[]> => Promise.all(smtp.messages.map((m) => simpleParser(m)));
const recipients = () => smtp.recipients.map((r) => r[0]);
const linkIn = (mail: ParsedMail) => /https?:\/\/\S+\/setup\?token=[A-Za-z0-9_-]+/.exec(mail.text ?? '')?.[0] ?? null;
const count = (sql: string, ...params: unknown[]) =>
  app.context.sqlite
    .prepare(sql)
    .pluck()
    .get(...params) as number;

/** `n` guardians with one child each, in name order g01, g02... */
function singleChildFamilies(n: number): FamilyFixture[] {
  return Array.from({ length: n }, (_, i) => {
    const k = String(i + 1).padStart(2, '0');
    return {
      id: `f-${k}`,
      name: `Family${k}`,
      children: [{ id: `p-${k}`, firstName: `Kid${k}`, dateOfBirth: '2016-05-05' }],
      contacts: [
        {
          id: `c-${k}`,
          firstName: 'Parent',
          lastName: `G${k}`,
          email: `parent${k}@example.com`,
          links: [{ patientId: `p-${k}`, sort: 1, authority: 'Joint' as const }],
        },
      ],
    };
  });
}

async function setUpPractice(families: FamilyFixture[], perHour: number): Promise<void> {
  insertFamilies(app.context.sqlite, families);
  portal.addPatients(
    families.flatMap((f) => f.children.map((c) => ({ id: c.id, firstName: c.firstName, lastName: c.lastName ?? f.name, dateOfBirth: c.dateOfBirth }))),
  );
  // The portal also knows the guardians (it prefills their email on the setup page).
  for (const f of families) {
    for (const c of f.contacts ?? []) {
      portal.database
        .prepare('INSERT OR IGNORE INTO contacts (id, first_name, last_name, email, updated_at) VALUES (?, ?, ?, ?, ?)')
        .run(c.id, c.firstName, c.lastName, c.email ?? null, START.toISOString());
    }
  }
  await admin('settings.update', {
    changes: {
      practiceName: 'Sunshine Pediatrics',
      portalUrl: portal.url,
      syncUrl: portal.url,
      smtpHost: '127.0.0.1',
      smtpPort: smtp.port,
      smtpSecurity: 'none',
      smtpFrom: 'desk@practice.example',
      campaignPerHour: perHour,
    },
  });
  await admin('secrets.set', { key: 'syncToken', value: 'sync-secret' });
  for (const item of CHECKLIST_ITEMS) await admin('bulk.setChecklist', { item, answer: true, note: '' });
}

async function start(): Promise<CampaignStatus> {
  const before = await admin<CampaignStatus>('campaign.status');
  return admin<CampaignStatus>('campaign.start', { expectedGuardians: before.preview!.guardians });
}

beforeEach(async () => {
  temp = makeTempDir('fpp-campaign-');
  clock.now = START;
  portal = await startPortal({ dbFile: temp.file('portal.sqlite'), token: 'sync-secret', now: () => clock.now });
  smtp = await startTestSmtpServer({ rejectRecipients: { match: /^bounce@/ } });
  app = await createApp({
    databaseFile: desk(),
    now: () => clock.now,
    monotonicMs: () => clock.mono,
    workstation: 'desk-1',
    deliveries: { worker: { random: () => 0.5 } },
  });
  app.context.sqlite
    .prepare(
      `INSERT INTO clerks (id, username, display_name, role, created_at) VALUES (?, 'ana.admin', 'Ana Admin', 'admin', ?), ('k-clerk', 'dana', 'Dana Reyes', 'clerk', ?)`,
    )
    .run(ADMIN, START.toISOString(), START.toISOString());
  await signInAs(app.context, ADMIN);
});

afterEach(async () => {
  await app.close();
  await portal.close();
  await smtp.close();
  temp.remove();
});

describe('the Set Up My Account campaign', () => {
  it('emails each eligible guardian once, listing all of their eligible children, with a link the portal honours for 14 days', async () => {
    await setUpPractice(
      [
        {
          id: 'f-lopez',
          name: 'Lopez',
          children: [
            { id: 'p-ana', firstName: 'Ana', dateOfBirth: '2015-03-14' },
            { id: 'p-luis', firstName: 'Luis', dateOfBirth: '2018-06-02' },
            { id: 'p-marco', firstName: 'Marco', dateOfBirth: '2006-01-10' }, // 20: over the Minor Age Limit
          ],
          contacts: [
            {
              id: 'c-maria',
              firstName: 'Maria',
              lastName: 'Lopez',
              email: 'maria.lopez@example.com',
              links: ['p-ana', 'p-luis', 'p-marco'].map((patientId) => ({ patientId, sort: 1, authority: 'Joint' as const })),
            },
          ],
        },
        {
          // Maria is also Primary Contact of a child in another family (blended family): still one email.
          id: 'f-reyes',
          name: 'Reyes',
          children: [{ id: 'p-sofia', firstName: 'Sofia', dateOfBirth: '2020-09-30' }],
          contacts: [
            {
              id: 'c-maria',
              firstName: 'Maria',
              lastName: 'Lopez',
              email: 'maria.lopez@example.com',
              links: [{ patientId: 'p-sofia', sort: 1, residesWith: true }],
            },
          ],
        },
        {
          id: 'f-kim',
          name: 'Kim',
          children: [{ id: 'p-joon', firstName: 'Joon', dateOfBirth: '2017-02-02' }],
          // No authority and not residing: left out.
          contacts: [
            {
              id: 'c-min',
              firstName: 'Min',
              lastName: 'Kim',
              email: 'min.kim@example.com',
              links: [{ patientId: 'p-joon', sort: 1, authority: 'None' as const }],
            },
          ],
        },
        {
          id: 'f-park',
          name: 'Park',
          children: [{ id: 'p-ella', firstName: 'Ella', dateOfBirth: '2019-07-07' }],
          contacts: [
            {
              id: 'c-jae',
              firstName: 'Jae',
              lastName: 'Park',
              email: 'jae.park@example.com',
              links: [{ patientId: 'p-ella', sort: 1, authority: 'Exclusive' as const }],
            },
          ],
        },
      ],
      300,
    );

    const started = await start();
    expect(started.campaign).toMatchObject({ state: 'running', total: 2, perHour: 300 });
    await tickAndDeliver();
    at(MINUTE);
    await tickAndDeliver();

    expect(recipients().sort()).toEqual(['jae.park@example.com', 'maria.lopez@example.com']);
    const maria = (await mails()).find((m) => m.to && JSON.stringify(m.to).includes('maria.lopez'))!;
    expect(maria.subject).toBe('Set up your Sunshine Pediatrics patient portal account');
    const text = maria.text ?? '';
    expect(text).toContain('Dear Maria Lopez,');
    expect(text).toMatch(/for Ana, Luis and Sofia\./);
    expect(text).not.toContain('Marco');
    expect(text).toContain('The link works once, until 12/06/2026 (14 days).');
    expect(text).toMatch(/Does the link not work, or is it too late\? Call Sunshine Pediatrics and we will help you\./);

    const progress = (await admin<CampaignStatus>('campaign.status')).campaign!;
    expect(progress).toMatchObject({ total: 2, released: 2, sent: 2, failed: 0 });
    // The next look finds nobody left: the campaign is finished.
    await app.campaignPacer.tick();
    expect((await admin<CampaignStatus>('campaign.status')).campaign).toMatchObject({ state: 'finished' });

    // The token is stored nowhere at the desk once the email left: only its hash.
    const link = linkIn(maria)!;
    const token = new URL(link).searchParams.get('token')!;
    expect(token.length).toBeGreaterThanOrEqual(43); // 256 bits, base64url
    const everything = JSON.stringify([
      app.context.sqlite.prepare('SELECT * FROM outbox').all(),
      app.context.sqlite.prepare('SELECT * FROM campaign_recipients').all(),
      app.context.sqlite.prepare('SELECT * FROM audit_log').all(),
    ]);
    expect(everything).not.toContain(token);
    const hash = createHash('sha256').update(token).digest('hex');
    expect(count(`SELECT count(*) FROM campaign_recipients WHERE token_hash = ? AND contact_id = 'c-maria'`, hash)).toBe(1);
    expect(portal.setupLinks().find((l) => l.tokenHash === hash)).toMatchObject({ contactId: 'c-maria', patientIds: ['p-ana', 'p-luis', 'p-sofia'] });

    // The parent opens the link: the page lists the children and creates one account for all of them.
    const page = await fetch(link);
    expect(page.status).toBe(200);
    const html = await page.text();
    for (const name of ['Ana Lopez', 'Luis Lopez', 'Sofia Reyes']) expect(html).toContain(name);
    const created = await fetch(`${portal.url}/setup`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, email: 'maria.lopez@example.com', password: 'correct horse battery' }).toString(),
    });
    expect(created.status).toBe(303);
    expect(portal.accounts()).toEqual([
      { id: expect.any(String), email: 'maria.lopez@example.com', ownerContactId: 'c-maria', childPatientIds: ['p-ana', 'p-luis', 'p-sofia'] },
    ]);

    // Once used, the link does not create a second account.
    const again = await fetch(link);
    expect(again.status).toBe(410);
    expect(await again.text()).toContain('already used');
  });

  it('refuses a link after 14 days, telling the parent to contact the practice', async () => {
    await setUpPractice(singleChildFamilies(1), 300);
    await start();
    await tickAndDeliver();
    const link = linkIn((await mails())[0]!)!;

    at(14 * DAY - MINUTE);
    const stillValid = await fetch(link);
    expect(stillValid.status).toBe(200);
    expect(await stillValid.text()).toContain('Set Up My Account');

    at(14 * DAY);
    const expired = await fetch(link);
    expect(expired.status).toBe(410);
    const page = await expired.text();
    expect(page).toContain('This link has expired');
    expect(page).toContain('Please contact the practice');
    expect(page).not.toContain('name="password"');

    // A made-up token is refused the same way, without saying whose it might be.
    const unknown = await fetch(`${portal.url}/setup?token=${'A'.repeat(43)}`);
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('contact the practice');
  });

  it('releases at most the hourly pace, evenly, and does not burst after time passes unseen', async () => {
    await setUpPractice(singleChildFamilies(12), 4); // one every 15 minutes
    await start();
    const releasedAt: number[] = [];
    const released = () => count(`SELECT count(*) FROM campaign_recipients WHERE state != 'queued'`);
    for (let minute = 0; minute <= 120; minute++) {
      at(minute * MINUTE);
      const before = released();
      await app.campaignPacer.tick();
      for (let i = before; i < released(); i++) releasedAt.push(minute);
    }
    expect(releasedAt).toEqual([0, 15, 30, 45, 60, 75, 90, 105, 120]);
    await app.deliveries.worker.drain();
    expect(smtp.messages).toHaveLength(9);

    // The desk was off for five hours: one release now, not twenty.
    at(6 * 60 * MINUTE);
    await tickAndDeliver();
    expect(smtp.messages).toHaveLength(10);
    const status = (await admin<CampaignStatus>('campaign.status')).campaign!;
    expect(status).toMatchObject({ total: 12, released: 10, sent: 10 });
    // Two left, 15 minutes apart: the last one 30 minutes from now.
    expect(status.estimatedEndAt).toBe(new Date(START.getTime() + 6 * 60 * MINUTE + 30 * MINUTE).toISOString());
  });

  it('stops releasing while paused and continues on resume', async () => {
    await setUpPractice(singleChildFamilies(5), 60); // one a minute
    await start();
    await tickAndDeliver();
    expect(smtp.messages).toHaveLength(1);

    const paused = await admin<CampaignStatus>('campaign.pause');
    expect(paused.campaign).toMatchObject({ state: 'paused', released: 1, estimatedEndAt: null });
    for (const minute of [1, 10, 60]) {
      at(minute * MINUTE);
      await tickAndDeliver();
    }
    expect(smtp.messages).toHaveLength(1);

    const resumed = await admin<CampaignStatus>('campaign.resume');
    expect(resumed.campaign).toMatchObject({ state: 'running' });
    await tickAndDeliver();
    at(61 * MINUTE);
    await tickAndDeliver();
    expect(smtp.messages).toHaveLength(3);
    expect(new Set(recipients()).size).toBe(3);
    const actions = app.context.sqlite.prepare(`SELECT action FROM audit_log WHERE action LIKE 'campaign_%' ORDER BY id`).pluck().all();
    expect(actions).toEqual(['campaign_started', 'campaign_paused', 'campaign_resumed']);
  });

  it('does not let pausing and resuming beat the hourly limit', async () => {
    await setUpPractice(singleChildFamilies(6), 2);
    await start();
    const released = () => count(`SELECT count(*) FROM campaign_recipients WHERE state != 'queued'`);
    await tickAndDeliver();
    // Each resume starts a fresh slot at once...
    for (const minute of [1, 2]) {
      at(minute * MINUTE);
      await admin('campaign.pause');
      await admin('campaign.resume');
      await tickAndDeliver();
    }
    // ...but two were already released in this hour: the second resume releases nothing.
    expect(released()).toBe(2);
    at(59 * MINUTE);
    await tickAndDeliver();
    expect(released()).toBe(2);
    at(60 * MINUTE);
    await tickAndDeliver();
    expect(released()).toBe(3);
    expect(smtp.messages).toHaveLength(3);
  });

  /** Ticks once a minute for `minutes` minutes (each a real minute), returning the minutes (counted from `from`) at which guardians were released. */
  async function releasesEachMinute(minutes: number, from: number, onMinute: (minute: number) => void = () => undefined): Promise<number[]> {
    const released = () => count(`SELECT count(*) FROM campaign_recipients WHERE state != 'queued'`);
    const times: number[] = [];
    for (let minute = from; minute < from + minutes; minute++) {
      if (minute > from) pass(MINUTE);
      onMinute(minute);
      const before = released();
      await tickAndDeliver();
      for (let i = before; i < released(); i++) times.push(minute);
    }
    return times;
  }

  it('keeps its pace when it was started with the clock a day fast and the clock is then put right', async () => {
    await setUpPractice(singleChildFamilies(12), 4); // one every 15 minutes
    setMachineClock(DAY);
    await start();
    // At minute 20 the clock is corrected: the next release is still at minute 30, not a day later.
    const times = await releasesEachMinute(121, 0, (minute) => minute === 20 && setMachineClock(-DAY));
    expect(times).toEqual([0, 15, 30, 45, 60, 75, 90, 105, 120]);
    expect(smtp.messages).toHaveLength(9);
    const status = (await admin<CampaignStatus>('campaign.status')).campaign!;
    expect(status).toMatchObject({ state: 'running', released: 9, sent: 9 });
    // Three left, 15 minutes apart: the last one 45 minutes from now (not a day from now).
    expect(status.estimatedEndAt).toBe(new Date(clock.now.getTime() + 45 * MINUTE).toISOString());
  });

  it('never releases more than the hourly limit when the clock is put back and then forward again', async () => {
    await setUpPractice(singleChildFamilies(12), 4);
    setMachineClock(-DAY); // the clock is a day slow when the campaign starts...
    await start();
    // ...and is corrected at minute 50: the releases stamped "yesterday" still count in this hour.
    const times = await releasesEachMinute(121, 0, (minute) => minute === 50 && setMachineClock(DAY));
    for (const t of times) expect(times.filter((u) => u >= t && u < t + 60).length, `releases in the hour from minute ${t}`).toBeLessThanOrEqual(4);
    expect(times).toEqual([0, 15, 30, 45, 60, 75, 90, 105, 120]);
    expect(smtp.messages).toHaveLength(9);
  });

  it('emails nobody twice across restarts, including a guardian released just before the app closed', async () => {
    await setUpPractice(singleChildFamilies(6), 60);
    await start();
    await tickAndDeliver(); // g01 sent
    at(MINUTE);
    await app.campaignPacer.tick(); // g02 released, its email not yet sent
    await app.close();

    app = await openDesk();
    expect(await startAgainRefusal()).toMatch(/one-time process/);
    at(2 * MINUTE);
    await tickAndDeliver(); // g02 delivered once, g03 released and sent
    await app.close();

    app = await openDesk();
    for (let minute = 3; minute <= 10; minute++) {
      at(minute * MINUTE);
      await tickAndDeliver();
    }
    expect(recipients().sort()).toEqual([
      'parent01@example.com',
      'parent02@example.com',
      'parent03@example.com',
      'parent04@example.com',
      'parent05@example.com',
      'parent06@example.com',
    ]);
    expect(portal.setupLinks()).toHaveLength(6);
    expect((await admin<CampaignStatus>('campaign.status')).campaign).toMatchObject({ state: 'finished', total: 6, sent: 6, failed: 0 });
  });

  it('ends a link registration in flight when the app closes, without waiting for a slow practice system, and registers it once after the restart', async () => {
    await setUpPractice(singleChildFamilies(1), 60);
    await start();
    portal.setFault('slow', 60_000);
    await app.campaignPacer.tick(); // g01 released: its link registration, then its email
    const draining = app.deliveries.worker.drain();
    await waitFor(() => portal.posts().some((p) => p.path === SYNC_PATHS.setupLinks), { what: 'the link registration to reach the portal' });
    await app.close();
    await draining;

    app = await openDesk();
    // Stopped by the close (not by the 20-second request timeout, which would read as "could not be reached"): waiting, not delivered.
    const link = app.context.sqlite.prepare(`SELECT status, last_error FROM outbox WHERE kind = 'portal.setup_link'`).get() as {
      status: string;
      last_error: string;
    };
    expect(link.status).toBe('pending');
    expect(link.last_error).toMatch(/stopped before it finished \(the app is closing/);
    expect(portal.setupLinks()).toHaveLength(0);

    portal.setFault('none');
    pass(MINUTE);
    await tickAndDeliver();
    expect(portal.setupLinks()).toHaveLength(1);
    expect(recipients()).toEqual(['parent01@example.com']);
  });

  it('writes in Spanish to a Spanish-speaking guardian; a refused address needs attention until fixed and retried, or dismissed', async () => {
    const families = singleChildFamilies(3);
    families[1]!.contacts![0]!.email = 'bounce@example.com';
    families[2]!.contacts![0]!.email = 'bounce@example.org';
    await setUpPractice(families, 300);
    app.context.sqlite.prepare(`UPDATE contacts SET language = 'es' WHERE id = 'c-01'`).run();
    await start();
    await tickAndDeliver();
    at(MINUTE);
    await tickAndDeliver();

    const [spanish] = await mails();
    expect(recipients()).toEqual(['parent01@example.com']);
    expect(spanish!.subject).toBe('Cree su cuenta del portal de pacientes de Sunshine Pediatrics');
    expect(spanish!.text).toContain('Este enlace funciona hasta el 06/12/2026 (14 días)');
    expect(spanish!.text).toContain('comuníquese con el consultorio');

    expect((await admin<CampaignStatus>('campaign.status')).campaign).toMatchObject({ total: 3, released: 3, sent: 1, failed: 2, state: 'finished' });
    const parked = (to: string) =>
      app.context.sqlite
        .prepare(
          `SELECT id, payload, last_error FROM outbox WHERE kind = 'email.setup_link' AND status = 'needs_attention' AND json_extract(payload, '$.to') = ?`,
        )
        .get(to) as { id: string; payload: string; last_error: string };
    const fixable = parked('bounce@example.com');
    expect(fixable.last_error).toMatch(/refused bounce@example.com/);
    expect(JSON.parse(fixable.payload)).toHaveProperty('token'); // kept while a retry is possible

    // The address is fixed in the worklist, then the email retried: it goes to the new address.
    await admin('bulk.fixContact', { contactId: 'c-02', changes: { email: 'parent02@example.com' } });
    await admin('outbox.retry', { id: fixable.id });
    await tickAndDeliver();
    expect(recipients()).toEqual(['parent01@example.com', 'parent02@example.com']);

    // The other one is given up on: its link token goes with it.
    const hopeless = parked('bounce@example.org');
    await admin('outbox.dismiss', { id: hopeless.id, reason: 'Family moved away' });
    await app.campaignPacer.tick();
    const payloads = app.context.sqlite.prepare(`SELECT status, payload FROM outbox WHERE kind = 'email.setup_link' ORDER BY status`).all() as {
      status: string;
      payload: string;
    }[];
    expect(payloads.map((p) => p.status)).toEqual(['delivered', 'delivered', 'dismissed']);
    expect(payloads.every((p) => !('token' in JSON.parse(p.payload)))).toBe(true);
    expect((await admin<CampaignStatus>('campaign.status')).campaign).toMatchObject({ sent: 2, failed: 1 });
  });

  it('is for administrators, starts only when the checklist is ready and the count is the one confirmed', async () => {
    insertFamilies(app.context.sqlite, singleChildFamilies(2));
    await signInAs(app.context, 'k-clerk');
    expect((await refusal('campaign.status')).code).toBe('forbidden');
    expect((await refusal('campaign.start', { expectedGuardians: 2 })).code).toBe('forbidden');

    await signInAs(app.context, ADMIN);
    const status = await admin<CampaignStatus>('campaign.status');
    expect(status).toMatchObject({ campaign: null, preview: { guardians: 2, children: 2, perHour: 300, checklistReady: false } });
    expect(status.cannotStart).toMatch(/practice checklist/);
    expect((await refusal('campaign.start', { expectedGuardians: 2 })).message).toMatch(/practice checklist/);

    for (const item of CHECKLIST_ITEMS) await admin('bulk.setChecklist', { item, answer: true, note: '' });
    const stale = await refusal('campaign.start', { expectedGuardians: 3 });
    expect(stale).toMatchObject({ code: 'conflict' });
    expect(stale.message).toMatch(/2 guardians now, not 3/);
    expect(count('SELECT count(*) FROM campaigns')).toBe(0);

    await admin('campaign.start', { expectedGuardians: 2 });
    // A second start (double click, second window) makes no second campaign.
    expect((await refusal('campaign.start', { expectedGuardians: 2 })).code).toBe('conflict');
    expect(count('SELECT count(*) FROM campaigns')).toBe(1);
    expect(count('SELECT count(*) FROM campaign_recipients')).toBe(2);
  });
});

/** What starting again says after a restart (the campaign is still there, so it refuses). */
async function startAgainRefusal(): Promise<string> {
  await signInAs(app.context, ADMIN);
  return (await refusal('campaign.start', { expectedGuardians: 6 })).message;
}
