import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FamilyView, IssuedBatch } from '../../shared/api';
import { NO_CHOICES } from '../../shared/domain/plan';
import { normalizePin, verifyPin } from '../../shared/domain/pin';
import { pinsIn } from '../support/pdf';
import type { App } from '../../electron/main/app';
import { signInAs } from '../../electron/main/clerks/sessionService';
import { startPortal, type PortalPost, type PortalServer } from '../support/portal/server';
import { insertFamilies, lopezFamily } from '../support/fixtures';
import { startTestSmtpServer, type TestSmtpServer } from '../support/smtpServer';
import { makeTempDir } from '../support/tempDir';
import { asAdministrator } from '../support/signIn';
import { jobsWriting } from '../../electron/main/db/deskTurn';
import { connectDesk, DANA, invokeOk, openTestDesk } from '../support/testDesk';

/** The workstation's clock, moved by the test so backoff windows pass without waiting. */
const clock = { now: new Date('2026-11-22T15:00:00Z') };
const advance = (ms: number) => (clock.now = new Date(clock.now.getTime() + ms));

let temp: ReturnType<typeof makeTempDir>;
let app: App;
let portal: PortalServer;
let smtp: TestSmtpServer;

const rows = (sql: string, ...params: unknown[]) => app.context.sqlite.prepare(sql).all(...params) as Record<string, unknown>[];

const ok = <T>(name: string, input: unknown): Promise<T> => invokeOk<T>(app, name, input);

/** A family the portal also knows (it was seeded with the same demo practice), issued now. */
async function issueFirstFamily(): Promise<IssuedBatch> {
  return issueFamily('f-lopez');
}

async function issueFamily(familyId: string): Promise<IssuedBatch> {
  const family = await ok<FamilyView>('family.load', { familyId });
  const expectedPatientIds = family.children.map((c) => c.patientId);
  return ok<IssuedBatch>('pins.issue', { batchId: randomUUID(), familyId, choices: NO_CHOICES, expectedPatientIds, reviewToken: family.reviewToken });
}

beforeEach(async () => {
  temp = makeTempDir();
  clock.now = new Date('2026-11-22T15:00:00Z');
  portal = await startPortal({ dbFile: temp.file('portal.sqlite'), token: 'sync-secret', now: () => clock.now });
  smtp = await startTestSmtpServer({ rejectRecipients: { match: /^nobody@/ } });
  app = await openTestDesk(temp.file('desk/practice.sqlite'), {
    now: () => clock.now,
    workstation: 'desk-1',
    deliveries: { worker: { random: () => 0.5 } },
    clerks: [DANA],
  });
  const s = app.context.sqlite;
  insertFamilies(s, [lopezFamily('maria.lopez@example.com')]);
  portal.addPatients(['p-ana', 'p-luis', 'p-sofia']);
  await connectDesk(app, { syncUrl: portal.url, token: 'sync-secret', smtpPort: smtp.port });
});

afterEach(async () => {
  vi.restoreAllMocks();
  await app.close();
  await portal.close();
  await smtp.close();
  temp.remove();
});

describe('the outbox', () => {
  /**
   * Each commit of the app connection with the synchronous setting in force at that moment (1 =
   * NORMAL: no disk sync; 2 = FULL), whether the transaction wrote a PIN (or the desk's marked write
   * below), and whether the WAL file was synced after it before the next commit (`walSynced`: the
   * desk's write while a job writes commits NORMAL and syncs the WAL off the main thread, db/deskDriver.ts).
   */
  function watchCommits(): { synchronous: number; wrotePin: boolean; walSynced: boolean }[] {
    const sqlite = app.context.sqlite;
    const prepare = sqlite.prepare.bind(sqlite);
    const commits: { synchronous: number; wrotePin: boolean; walSynced: boolean }[] = [];
    let wrotePin = false;
    sqlite.prepare = ((source: string) => {
      if (/^\s*begin/i.test(source)) wrotePin = false;
      if (/^\s*insert\s+into\s+"?pins"?\s/i.test(source) || source.includes("'desk-write'")) wrotePin = true;
      if (/^\s*commit/i.test(source)) commits.push({ synchronous: Number(sqlite.pragma('synchronous', { simple: true })), wrotePin, walSynced: false });
      return prepare(source);
    }) as typeof sqlite.prepare;
    const open = fs.promises.open.bind(fs.promises);
    vi.spyOn(fs.promises, 'open').mockImplementation(async (file, ...rest) => {
      const handle = await open(file, ...rest);
      if (String(file) === `${sqlite.name}-wal` && commits.length > 0) {
        const datasync = handle.datasync.bind(handle);
        const last = commits.at(-1)!;
        handle.datasync = async () => {
          await datasync();
          last.walSynced = true;
        };
      }
      return handle;
    });
    return commits;
  }

  it('records deliveries without a disk sync of their own, except while a job writes: a desk write made meanwhile still syncs (a PIN on disk before the clerk is told)', async () => {
    insertFamilies(app.context.sqlite, [
      {
        id: 'f-kim',
        name: 'Kim',
        children: [{ id: 'p-jo', firstName: 'Jo', dateOfBirth: '2018-02-02' }],
        contacts: [
          {
            id: 'c-min',
            firstName: 'Min',
            lastName: 'Kim',
            email: 'min.kim@example.com',
            links: [{ patientId: 'p-jo', sort: 1, authority: 'Joint', residesWith: true }],
          },
        ],
      },
    ]);
    portal.addPatients(['p-jo']);
    const commits = watchCommits();
    await issueFirstFamily();
    await app.deliveries.worker.drain();
    expect(portal.enrollments()).toHaveLength(3);
    // A quiet desk: the registrations' outcomes commit unsynced (a crash replays them under their idempotency key).
    expect(commits.filter((c) => c.synchronous === 1).length).toBeGreaterThan(0);
    expect(commits.filter((c) => c.wrotePin).map((c) => c.synchronous)).toEqual([2]);

    // A job writes in a worker (a pull, an import): a BEGIN on the app connection waits with the connection lent to the desk's calls.
    const turn = app.jobs.deskTurn!;
    jobsWriting(turn, 1);
    try {
      commits.length = 0;
      await issueFamily('f-kim');
      // Answered from the desk's journal (pins/issueJournal.ts); the PINs then move into the mirror.
      await app.context.issueJournal.allMoved();
      // The clerk saves something while the outbox records Kim's outcome (its BEGIN waits for the job, the connection lent).
      await Promise.all([
        app.deliveries.worker.drain(),
        app.context.db.transaction().execute((trx) => sql`INSERT INTO sync_state (key, value) VALUES ('desk-write', 'issued')`.execute(trx)),
      ]);
      expect(portal.enrollments().map((e) => e.patientId)).toContain('p-jo');
      // No commit without a sync while the job writes: the PIN's move into the mirror is on disk before the
      // journal lets it go, and the desk's write before its call answers (a FULL commit, or a NORMAL one
      // whose WAL was synced first).
      const durable = (c: { synchronous: number; walSynced: boolean }) => c.synchronous === 2 || c.walSynced;
      expect(commits.filter((c) => c.wrotePin).map(durable)).toEqual([true, true]); // Kim's PINs, the desk's write
      expect(commits.every(durable)).toBe(true);
    } finally {
      jobsWriting(turn, -1);
    }
  });

  it('registers every PIN with the portal, then sends one Welcome email, and keeps no plain PIN afterwards', async () => {
    const batch = await issueFirstFamily();
    await app.deliveries.worker.drain();

    expect(portal.enrollments()).toHaveLength(3);
    expect(smtp.messages).toHaveLength(1);
    expect(smtp.recipients[0]).toEqual(['maria.lopez@example.com']);
    const emailed = rows(`SELECT json_extract(payload, '$.childFirstName') AS child FROM outbox WHERE kind = 'email.welcome'`)[0]!.child;
    expect(smtp.messages[0]!.toString()).toContain(String(emailed));

    const outbox = rows('SELECT kind, status, payload, delivered_at FROM outbox');
    expect(outbox.every((r) => r.status === 'delivered')).toBe(true);
    expect(outbox.every((r) => !('pin' in JSON.parse(r.payload as string)))).toBe(true);
    const enrollmentDone = Math.max(...outbox.filter((r) => r.kind === 'portal.enrollment').map((r) => Date.parse(r.delivered_at as string)));
    expect(Date.parse(outbox.find((r) => r.kind === 'email.welcome')!.delivered_at as string)).toBeGreaterThanOrEqual(enrollmentDone);
    const printed = batch.guardians[0]!.children.filter((c) => c.pin).map((c) => normalizePin(c.pin!)!);
    expect(JSON.stringify(rows('SELECT * FROM outbox'))).not.toMatch(new RegExp(printed.join('|')));
    expect(rows(`SELECT count(*) AS n FROM audit_log WHERE action = 'pin_emailed'`)[0]!.n).toBe(1);
    expect(await ok<{ online: boolean }>('status.get', {})).toMatchObject({ online: true, outboxWaiting: 0, emailTransport: 'smtp' });
  });

  it('keeps everything queued while the portal is down and delivers each item once when it is back', async () => {
    portal.setFault('down');
    await issueFirstFamily();
    await app.deliveries.worker.drain();
    const waiting = rows(`SELECT kind, status, attempts, next_attempt_at, last_error FROM outbox`);
    expect(waiting.filter((r) => r.kind === 'portal.enrollment').every((r) => r.status === 'pending' && r.attempts === 1)).toBe(true);
    expect(waiting.find((r) => r.kind === 'email.welcome')).toMatchObject({ status: 'pending', attempts: 0 });
    expect(String(waiting[0]!.last_error)).toMatch(/could not be reached/);
    expect(await ok<{ online: boolean; outboxWaiting: number }>('status.get', {})).toMatchObject({ online: false, outboxWaiting: 4 });

    // Nothing is due before the backoff window ends.
    await app.deliveries.worker.drain();
    expect(rows(`SELECT max(attempts) AS a FROM outbox`)[0]!.a).toBe(1);

    portal.setFault('none');
    advance(60_000);
    await app.deliveries.worker.drain();
    expect(portal.enrollments()).toHaveLength(3);
    expect(smtp.messages).toHaveLength(1);
    expect(rows(`SELECT count(*) AS n FROM outbox WHERE status = 'delivered'`)[0]!.n).toBe(4);
  });

  it('applies a registration once when the answer was lost and the delivery is retried', async () => {
    portal.setFault('dropAfterReceive');
    await issueFirstFamily();
    await app.deliveries.worker.drain();
    expect(portal.enrollments()).toHaveLength(3); // received, although the desk heard nothing
    portal.setFault('none');
    advance(60_000);
    await app.deliveries.worker.drain();
    expect(portal.enrollments()).toHaveLength(3);
    expect(rows(`SELECT count(*) AS n FROM outbox WHERE status = 'delivered'`)[0]!.n).toBe(4);
  });

  it('waits as long as Retry-After says on a 429', async () => {
    portal.setFault('rateLimit429');
    await issueFirstFamily();
    await app.deliveries.worker.drain();
    const next = rows(`SELECT next_attempt_at FROM outbox WHERE kind = 'portal.enrollment'`).map((r) => Date.parse(r.next_attempt_at as string));
    expect(next.every((t) => t === clock.now.getTime() + 1000)).toBe(true);
  });

  it.each([
    ['rateLimit429', 429],
    ['error500', 500],
  ] as const)(
    'retries a registration the portal answers %s, but not forever: after 6 hours of such answers it needs attention (offline time does not count)',
    async (fault, status) => {
      const enrollments = () => rows(`SELECT status, attempts, busy_since, last_error FROM outbox WHERE kind = 'portal.enrollment'`);
      // A weekend offline first: the outbox waits for the network as long as it takes.
      portal.setFault('down');
      await issueFirstFamily();
      for (let hour = 0; hour < 48; hour += 4) {
        await app.deliveries.worker.drain();
        advance(4 * 3600_000);
      }
      expect(enrollments().every((r) => r.status === 'pending' && r.busy_since === null)).toBe(true);

      portal.setFault(fault);
      const firstBusyAnswer = clock.now.toISOString();
      await app.deliveries.worker.drain();
      expect(enrollments().every((r) => r.status === 'pending' && r.busy_since === firstBusyAnswer)).toBe(true);
      for (let hour = 0; hour < 5; hour += 1) {
        advance(3600_000);
        await app.deliveries.worker.drain();
      }
      // Five hours of "busy": still retried on its own.
      expect(enrollments().every((r) => r.status === 'pending')).toBe(true);
      await signInAs(app.context, 'k1'); // the station locked meanwhile: the clerk signs in again to look
      expect(await ok<unknown[]>('outbox.list', { status: 'needs_attention' })).toHaveLength(0);

      advance(3600_000);
      await app.deliveries.worker.drain();
      await signInAs(app.context, 'k1');
      const parked = await ok<{ kind: string; lastError: string }[]>('outbox.list', { status: 'needs_attention' });
      expect(parked.map((p) => p.kind)).toEqual(['portal.enrollment', 'portal.enrollment', 'portal.enrollment']);
      for (const item of parked) {
        expect(item.lastError).toBe(
          `The practice system has answered "busy or failing" (HTTP ${status}) to this item for 6 hours, so it is no longer retried on its own. ` +
            'Check that the practice system works again (ask its vendor or your IT), then press Retry.',
        );
      }
      const audited = rows(`SELECT details FROM audit_log WHERE action = 'delivery_parked'`).map((r) => JSON.parse(r.details as string));
      expect(audited).toHaveLength(3);
      expect(audited.every((d) => d.busySince === firstBusyAnswer)).toBe(true);

      // Parked means parked: a day later nothing was tried again; the Welcome email still waits for its registration.
      const attemptsWhenParked = enrollments().map((r) => r.attempts);
      advance(24 * 3600_000);
      await app.deliveries.worker.drain();
      expect(enrollments().map((r) => r.attempts)).toEqual(attemptsWhenParked);
      expect(smtp.messages).toHaveLength(0);

      // The portal works again; the clerk presses Retry all: each registration once, then the Welcome email.
      portal.setFault('none');
      await signInAs(app.context, 'k1');
      await ok('outbox.retryAll', {});
      await app.deliveries.worker.drain();
      expect(portal.enrollments()).toHaveLength(3);
      expect(smtp.messages).toHaveLength(1);
      expect(rows(`SELECT count(*) AS n FROM outbox WHERE status = 'delivered' AND busy_since IS NULL`)[0]!.n).toBe(4);
    },
  );

  it('parks a rejected registration for a person, does not retry it on its own, and lets the clerk retry or dismiss', async () => {
    portal.setFault('reject422');
    await issueFirstFamily();
    await app.deliveries.worker.drain();
    const parked = await ok<{ id: string; lastError: string; summary: string }[]>('outbox.list', { status: 'needs_attention' });
    expect(parked).toHaveLength(3);
    expect(parked[0]!.lastError).toMatch(/rejected this item \(422/);
    // Each row names the child in full and the family, not only a first name.
    expect(parked.map((p) => p.summary).sort()).toEqual(
      ['Ana', 'Luis', 'Sofia'].map((first) => `Portal registration of the PIN of ${first} Lopez (Lopez family)`),
    );
    advance(24 * 3600_000);
    await app.deliveries.worker.drain();
    expect(rows(`SELECT max(attempts) AS a FROM outbox WHERE status = 'needs_attention'`)[0]!.a).toBe(1);
    await signInAs(app.context, 'k1'); // a day later the station had locked: the clerk signs in again

    portal.setFault('none');
    await ok('outbox.retry', { id: parked[0]!.id });
    await ok('outbox.dismiss', { id: parked[1]!.id, reason: 'Chart merged upstream' });
    await app.deliveries.worker.drain();
    expect(portal.enrollments()).toHaveLength(1);
    const dismissed = rows(`SELECT payload FROM outbox WHERE status = 'dismissed'`);
    expect(dismissed).toHaveLength(1);
    expect('pin' in JSON.parse(dismissed[0]!.payload as string)).toBe(false);
    expect(rows(`SELECT action FROM audit_log WHERE action LIKE 'delivery_%' ORDER BY id`).map((r) => r.action)).toEqual([
      'delivery_parked',
      'delivery_parked',
      'delivery_parked',
      'delivery_retried',
      'delivery_dismissed',
    ]);
  });

  it('parks an item whose stored details are damaged, says so in the Outbox, and still delivers every other item', async () => {
    await issueFirstFamily();
    // Two registrations the Welcome email does not wait on: one no longer JSON, one of the wrong shape.
    const ids = rows(
      `SELECT id FROM outbox WHERE kind = 'portal.enrollment' AND id NOT IN (SELECT depends_on FROM outbox WHERE depends_on IS NOT NULL) ORDER BY id`,
    ).map((r) => String(r.id));
    expect(ids).toHaveLength(2);
    const [broken, foreign] = ids as [string, string];
    app.context.sqlite.prepare(`UPDATE outbox SET payload = '{"pinId": "p' WHERE id = ?`).run(broken);
    app.context.sqlite.prepare(`UPDATE outbox SET kind = 'patient.name_correction', payload = '{"patientId": 7}' WHERE id = ?`).run(foreign);

    await app.deliveries.worker.drain();

    expect(portal.enrollments()).toHaveLength(1);
    expect(smtp.messages).toHaveLength(1);
    const parked = await ok<{ id: string; lastError: string; summary: string }[]>('outbox.list', { status: 'needs_attention' });
    expect(parked.map((p) => p.id).sort()).toEqual([broken, foreign].sort());
    const byId = new Map(parked.map((p) => [p.id, p]));
    expect(byId.get(broken)!.lastError).toBe(
      'The stored details of this item are damaged and cannot be read, so it cannot be sent. Dismiss it (for an email with a PIN, issue the PIN again).',
    );
    expect(byId.get(broken)!.summary).toMatch(/^Portal registration of the PIN of .+ \(its stored details are damaged and cannot be read\)$/);
    expect(byId.get(foreign)!.lastError).toMatch(/^The stored details of this item cannot be read by this version \(patientId, firstName, lastName/);
    expect(rows(`SELECT count(*) AS n FROM audit_log WHERE action = 'delivery_parked'`)[0]!.n).toBe(2);
    // The clerk can still dismiss it, with the reason on record.
    await ok('outbox.dismiss', { id: broken, reason: 'Damaged after a disk repair' });
    expect(rows(`SELECT status FROM outbox WHERE id = ?`, broken)[0]!.status).toBe('dismissed');
  });

  it('Retry all sends every item that needs attention back to the queue, each audited as a retry', async () => {
    portal.setFault('reject422');
    await issueFirstFamily();
    await app.deliveries.worker.drain();
    expect(await ok<unknown[]>('outbox.list', { status: 'needs_attention' })).toHaveLength(3);

    portal.setFault('none');
    expect(await ok('outbox.retryAll', {})).toEqual({ retried: 3 });
    expect(await ok<unknown[]>('outbox.list', { status: 'needs_attention' })).toHaveLength(0);
    await app.deliveries.worker.drain();
    expect(portal.enrollments()).toHaveLength(3);
    expect(smtp.messages).toHaveLength(1);
    const retried = rows(`SELECT clerk_id, json_extract(details, '$.outboxId') AS outboxId FROM audit_log WHERE action = 'delivery_retried'`);
    expect(retried).toHaveLength(3);
    expect(retried.every((r) => r.clerk_id === 'k1')).toBe(true);
    expect(new Set(retried.map((r) => r.outboxId))).toEqual(new Set(rows(`SELECT id FROM outbox WHERE kind = 'portal.enrollment'`).map((r) => r.id)));
    // Nothing left: a second Retry all changes nothing and writes nothing.
    expect(await ok('outbox.retryAll', {})).toEqual({ retried: 0 });
    expect(rows(`SELECT count(*) AS n FROM audit_log WHERE action = 'delivery_retried'`)[0]!.n).toBe(3);
  });

  it('parks a Welcome email the mail server refuses, and sends it after the clerk corrects the address', async () => {
    app.context.sqlite.prepare(`UPDATE contacts SET email = 'nobody@example.com'`).run();
    await issueFirstFamily();
    await app.deliveries.worker.drain();
    const [parked] = await ok<{ id: string; lastError: string; editableEmail: string; summary: string }[]>('outbox.list', { status: 'needs_attention' });
    expect(parked!.editableEmail).toBe('nobody@example.com');
    expect(parked!.summary).toMatch(/^Welcome email to nobody@example\.com \(Maria Lopez\) with the PIN of (Ana|Luis|Sofia) Lopez \(Lopez family\)$/);
    expect(parked!.lastError).toMatch(/refused nobody@example\.com/);
    // Only one mailbox is taken: two addresses, a line break or a name beside it are refused, the item stays parked.
    for (const [email, words] of [
      ['maria.lopez@example.com, spy@evil.example', 'two addresses in one field'],
      ['maria.lopez@example.com\r\nBcc: spy@evil.example', 'line break in the address'],
      ['Maria <maria.lopez@example.com>', 'a name as well as the address'],
    ] as const) {
      const refused = await app.invoke('outbox.editAndRetry', { id: parked!.id, email });
      expect(refused).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
      expect(JSON.stringify(refused)).toContain(words);
    }
    await app.deliveries.worker.drain();
    expect(smtp.messages).toHaveLength(0);
    expect(rows(`SELECT status, json_extract(payload, '$.to') AS "to" FROM outbox WHERE id = ?`, parked!.id)).toEqual([
      { status: 'needs_attention', to: 'nobody@example.com' },
    ]);

    await ok('outbox.editAndRetry', { id: parked!.id, email: ' maria.lopez@example.com ' });
    expect(rows(`SELECT json_extract(payload, '$.to') AS "to" FROM outbox WHERE id = ?`, parked!.id)).toEqual([{ to: 'maria.lopez@example.com' }]);
    await app.deliveries.worker.drain();
    expect(smtp.recipients).toEqual([['maria.lopez@example.com']]);
  });

  it('writes the Welcome email to the mail-drop folder when no SMTP server is set, and shows it', async () => {
    await asAdministrator(app, () => ok('settings.update', { changes: { smtpHost: '' } }));
    await issueFirstFamily();
    await app.deliveries.worker.drain();
    expect(smtp.messages).toHaveLength(0);
    const drop = await ok<{ file: string; to: string }[]>('mail.dropList', {});
    expect(drop).toHaveLength(1);
    expect(drop[0]!.to).toContain('maria.lopez@example.com');
    const message = await ok<{ text: string; pinsMasked: boolean }>('mail.dropRead', { file: drop[0]!.file });
    expect(message.text).toMatch(/I.d like to add another child/);
    // A clerk reads the message with its PIN masked: the full PIN never leaves main.
    expect(message.pinsMasked).toBe(true);
    expect(message.text).toContain('•••-•••-•••');
    expect(pinsIn(message.text)).toEqual([]);
    // An administrator sees the PIN the parent got, the one the portal will take.
    const full = await asAdministrator(app, () => ok<{ text: string; pinsMasked: boolean }>('mail.dropRead', { file: drop[0]!.file }));
    expect(full.pinsMasked).toBe(false);
    const [pin] = pinsIn(full.text);
    const emailedHash = rows(`SELECT pin_hash FROM pins WHERE delivery = 'email'`)[0]!.pin_hash as string;
    expect(await verifyPin(pin!, emailedHash)).toBe(true);
    expect(full.text.replace(pin!, '•••-•••-•••')).toBe(message.text);
    expect(await ok<{ emailTransport: string }>('status.get', {})).toMatchObject({ emailTransport: 'mail-drop' });
  });
});

describe('contact fixes from the Bulk PIN worklist', () => {
  it('carries a corrected email to the practice system', async () => {
    portal.database
      .prepare(`INSERT OR IGNORE INTO contacts (id, first_name, last_name, updated_at) VALUES ('c-maria', 'Maria', 'Lopez', ?)`)
      .run(clock.now.toISOString());
    portal.database.prepare(`INSERT OR IGNORE INTO patient_contacts (patient_id, contact_id, sort) VALUES ('p-ana', 'c-maria', 1)`).run();
    await asAdministrator(app, () => ok('bulk.fixContact', { contactId: 'c-maria', changes: { email: 'maria.new@example.com' } }));
    await app.deliveries.worker.drain();
    expect(rows(`SELECT status FROM outbox WHERE kind = 'contact.update'`)).toEqual([{ status: 'delivered' }]);
    expect(portal.database.prepare(`SELECT email FROM contacts WHERE id = 'c-maria'`).pluck().get()).toBe('maria.new@example.com');
  });
});

describe('several deliveries at once', () => {
  /** Posts handled at the same time as `post` (see PortalServer.posts). */
  const overlapping = (posts: PortalPost[], post: PortalPost) =>
    posts.filter((other) => other !== post && other.received < (post.answered ?? Infinity) && post.received < (other.answered ?? Infinity));

  it('registers a family’s PINs in parallel, never one row twice at once, Welcome after its registration, and one contact’s fixes in order', async () => {
    portal.database
      .prepare(`INSERT OR IGNORE INTO contacts (id, first_name, last_name, updated_at) VALUES ('c-maria', 'Maria', 'Lopez', ?)`)
      .run(clock.now.toISOString());
    portal.database.prepare(`INSERT OR IGNORE INTO patient_contacts (patient_id, contact_id, sort) VALUES ('p-ana', 'c-maria', 1)`).run();
    // Every answer takes a while, so whatever the desk sends together is handled together.
    portal.setFault('slow', 150);
    await issueFirstFamily();
    for (const email of ['maria.one@example.com', 'maria.two@example.com', 'maria.three@example.com']) {
      advance(1_000);
      await asAdministrator(app, () => ok('bulk.fixContact', { contactId: 'c-maria', changes: { email } }));
    }
    const delivered: string[] = [];
    app.deliveries.worker.on('delivered', (row) => delivered.push(row.id));
    await app.deliveries.worker.drain();

    const outbox = rows('SELECT id, kind, status FROM outbox ORDER BY created_at');
    expect(outbox.map((r) => r.status)).toEqual(outbox.map(() => 'delivered'));
    const posts = portal.posts();
    const enrollments = posts.filter((p) => p.path.endsWith('/enrollments'));
    const updates = posts.filter((p) => p.path.endsWith('/contact-updates'));
    expect(enrollments).toHaveLength(3);
    expect(updates).toHaveLength(3);
    // In parallel: the three registrations were in the portal's hands together.
    expect(overlapping(enrollments, enrollments[0]!)).toHaveLength(2);
    // Each row under its own idempotency key, and never posted again while in flight.
    for (const post of posts) {
      expect(post.idempotencyKey).not.toBeNull();
      expect(overlapping(posts, post).filter((other) => other.idempotencyKey === post.idempotencyKey)).toEqual([]);
    }
    // One contact's fixes one after the other, in the order the clerk made them: the last one wins.
    const updateIds = outbox.filter((r) => r.kind === 'contact.update').map((r) => r.id);
    expect(updates.map((p) => p.idempotencyKey)).toEqual(updateIds);
    for (const update of updates) expect(overlapping(updates, update)).toEqual([]);
    expect(portal.database.prepare(`SELECT email FROM contacts WHERE id = 'c-maria'`).pluck().get()).toBe('maria.three@example.com');
    // The Welcome email went out only after the registration it waits on was recorded delivered.
    const welcome = rows(`SELECT id, depends_on FROM outbox WHERE kind = 'email.welcome'`)[0]!;
    expect(smtp.messages).toHaveLength(1);
    expect(delivered.indexOf(String(welcome.id))).toBeGreaterThan(delivered.indexOf(String(welcome.depends_on)));
    expect(delivered.indexOf(String(welcome.depends_on))).toBeGreaterThanOrEqual(0);
  });
});
