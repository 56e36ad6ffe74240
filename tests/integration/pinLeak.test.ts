import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FamilyView, IssuedBatch, OutboxItemView, Result, StatusInfo } from '../../shared/api';
import { localDateIn } from '../../shared/domain/dates';
import { verifyPin } from '../../shared/domain/pin';
import { NO_CHOICES, planFamilyPins, type PlanChoices } from '../../shared/domain/plan';
import { planInputsFromFamily } from '../../shared/planInputs';
import { demoScenarioFamilies } from '../../electron/main/demo/demoPractice';
import { describeHits, filesUnder, needlesFor, scanBytes, type KnownPin, type PinHit } from '../support/fuzz/pinScan';
import { bridge, startWebProcess, type WebProcess } from '../support/fuzz/webProcess';
import { startPortal, type PortalServer } from '../support/portal/server';
import { DEMO_PASSWORDS } from '../support/signIn';
import { startTestSmtpServer, type TestSmtpServer } from '../support/smtpServer';
import { makeTempDir } from '../support/tempDir';
import { waitFor } from '../support/waitFor';

/**
 * After an end-to-end run in web mode, no plain PIN issued in the run is anywhere the app wrote
 * (SPEC 4, issue 6): not in the data folder (database, -wal, -shm, keys, secrets, exports,
 * backups, anything else) and not in what the process printed.
 *
 * The run: family A's first child by Welcome email to the mail-drop folder and siblings printed,
 * family B the same through a local SMTP server, both delivered to the reference portal; then the
 * practice system goes down and family C (email + print, printed and reprinted) and family D
 * (print only) stay undelivered. The data folder is copied while they wait (so a pending outbox
 * row's content is scanned), then the practice system returns, everything drains, the app stops
 * and the folder is scanned again.
 *
 * Where PINs may legitimately be:
 * - the packet (returned to the clerk's screen and printed): the source of the printed PINs;
 * - the Welcome email: it carries the first child's PIN to the parent. The SMTP server is outside
 *   the data folder. The mail-drop folder stands in for the mail server, so each .eml there may
 *   hold exactly one PIN: the emailed child's, in the message addressed to that child's guardian.
 *   Any other PIN in a .eml, or any PIN in any other file or in the output, is a leak.
 * The emailed PINs are learnt from the delivered messages and checked against the stored hashes.
 */
const FAMILIES = 60;
const TOKEN = 'pin-leak-sync-token';
const GROUPED = /\b[2-9A-HJKMNP-Z]{3}-[2-9A-HJKMNP-Z]{3}-[2-9A-HJKMNP-Z]{3}\b/g;

let deskTemp: ReturnType<typeof makeTempDir>;
let otherTemp: ReturnType<typeof makeTempDir>;
let portal: PortalServer;
let smtp: TestSmtpServer;
let web: WebProcess;
let api: ReturnType<typeof bridge>;

beforeAll(async () => {
  deskTemp = makeTempDir('fpp-pinleak-desk-');
  otherTemp = makeTempDir('fpp-pinleak-other-');
  const today = localDateIn(new Date(), Intl.DateTimeFormat().resolvedOptions().timeZone);
  portal = await startPortal({ dbFile: otherTemp.file('portal.sqlite'), token: TOKEN, seedDemo: { families: FAMILIES, today, now: new Date() } });
  smtp = await startTestSmtpServer();
  web = await startWebProcess({ dataDir: deskTemp.dir, demoFamilies: FAMILIES, env: { FPP_OUTBOX_POLL_MS: '200', FPP_PULL_EVERY_MS: '3600000' } });
  api = bridge(web.url);
}, 120_000);

afterAll(async () => {
  api?.close();
  await web?.stop();
  await portal?.close();
  await smtp?.close();
  deskTemp?.remove();
  otherTemp?.remove();
});

async function call<T>(name: string, input: unknown): Promise<T> {
  const result: Result<T> = await api.invoke<T>(name, input);
  if (!result.ok) throw new Error(`${name}: ${result.error.code}: ${result.error.message}`);
  return result.value;
}

async function signIn(username: 'demo' | 'admin'): Promise<void> {
  await call('auth.signIn', { username, password: DEMO_PASSWORDS[username] });
}

const outboxEmpty = async () => (await call<StatusInfo>('status.get', {})).outboxWaiting === 0;

interface Issued {
  label: string;
  batchId: string;
  packet: IssuedBatch;
}

async function issueFamily(label: string, familyId: string, choices: PlanChoices = NO_CHOICES): Promise<Issued> {
  const family = await call<FamilyView>('family.load', { familyId });
  const { children, contacts } = planInputsFromFamily(family);
  const plan = planFamilyPins(children, contacts, choices);
  const expectedPatientIds = plan.guardians.flatMap((g) => g.children.map((c) => c.patientId));
  const batchId = randomUUID();
  const packet = await call<IssuedBatch>('pins.issue', { batchId, familyId, choices, expectedPatientIds, reviewToken: family.reviewToken });
  return { label, batchId, packet };
}

/** The printed PINs of a packet, labelled. */
function printedPins(issued: Issued): KnownPin[] {
  return issued.packet.guardians.flatMap((g) =>
    g.children.filter((c) => c.pin !== null).map((c) => ({ label: `family ${issued.label}, ${c.firstName} (printed)`, pin: c.pin! })),
  );
}

/** The PIN in a Welcome email, checked against the emailed child's stored hash. */
async function emailedPin(issued: Issued, text: string, db: BetterSqlite3.Database): Promise<KnownPin & { guardianEmail: string }> {
  const guardian = issued.packet.guardians.find((g) => g.mode === 'email');
  expect(guardian, `family ${issued.label} has a guardian who gets the Welcome email`).toBeTruthy();
  const child = guardian!.children.find((c) => c.delivery === 'email')!;
  const hash = db
    .prepare(`SELECT pin_hash FROM pins WHERE batch_id = ? AND patient_id = ? AND delivery = 'email'`)
    .pluck()
    .get(issued.batchId, child.patientId) as string;
  const candidates = [...new Set(text.match(GROUPED) ?? [])];
  const matching: string[] = [];
  for (const candidate of candidates) if (await verifyPin(candidate, hash)) matching.push(candidate);
  expect(matching.length, `the Welcome email for family ${issued.label} carries ${child.firstName}'s issued PIN`).toBe(1);
  return { label: `family ${issued.label}, ${child.firstName} (emailed)`, pin: matching[0]!, guardianEmail: guardian!.email! };
}

/**
 * Scans a copy or the live data folder. Mail-drop messages may hold only the emailed PIN of the
 * guardian they are addressed to; every other file may hold none.
 */
async function scanDataFolder(dir: string, title: string, pins: KnownPin[], mailPins: Map<string, { email: string; label: string }>): Promise<PinHit[]> {
  const needles = needlesFor(pins);
  const hits: PinHit[] = [];
  for (const file of filesUnder(dir)) {
    const content = fs.readFileSync(file.absolute);
    const found = scanBytes(`${title}/${file.relative}`, content, needles);
    if (file.relative.startsWith(`mail-drop${path.sep}`) && file.relative.endsWith('.eml')) {
      const to = (await simpleParser(content)).to;
      const addresses = (Array.isArray(to) ? to : to ? [to] : []).flatMap((a) => a.value.map((v) => v.address?.toLowerCase()));
      hits.push(
        ...found.filter((hit) => {
          const allowed = [...mailPins.values()].find((m) => m.label === hit.label);
          return !(allowed && addresses.length === 1 && addresses[0] === allowed.email.toLowerCase());
        }),
      );
    } else {
      hits.push(...found);
    }
  }
  return hits;
}

describe('plain PINs after an end-to-end run', () => {
  it('are nowhere the app wrote, except each Welcome email to its own guardian', async () => {
    const db = new BetterSqlite3(web.databaseFile, { readonly: true });
    const scenarios = demoScenarioFamilies(db);
    const [familyA, familyC] = scenarios['siblings-3'];
    const [familyB] = scenarios['siblings-2'];
    const [familyD] = scenarios['siblings-4'].length > 0 ? scenarios['siblings-4'] : scenarios['siblings-2'].slice(1);
    expect([familyA, familyB, familyC, familyD].every(Boolean), 'the demo practice has the families this run needs').toBe(true);

    // Settings are the administrator's; the desk work is the clerk's.
    await signIn('admin');
    await call('settings.update', { changes: { syncUrl: portal.url, smtpHost: '', smtpFrom: 'desk@practice.example' } });
    await call('secrets.set', { key: 'syncToken', value: TOKEN });
    await signIn('demo');

    // A: Welcome email to the mail-drop folder, siblings printed; delivered to the portal.
    const a = await issueFamily('A', familyA!);
    await call('pins.recordPrinted', { batchId: a.batchId, reprint: false });
    await waitFor(outboxEmpty, { what: 'family A to be delivered', timeout: 60_000 });

    // B: Welcome email through the SMTP server.
    await signIn('admin');
    await call('settings.update', { changes: { smtpHost: '127.0.0.1', smtpPort: smtp.port, smtpSecurity: 'none' } });
    await call('bulk.export', { kind: 'bulk_pin' }); // an export CSV in the data folder, scanned below
    await signIn('demo');
    const b = await issueFamily('B', familyB!);
    await call('pins.recordPrinted', { batchId: b.batchId, reprint: false });
    await waitFor(outboxEmpty, { what: 'family B to be delivered', timeout: 60_000 });
    expect(smtp.messages).toHaveLength(1);

    // C and D while the practice system is down: registrations wait, and so does C's Welcome email.
    portal.setFault('down');
    const c = await issueFamily('C', familyC!);
    await call('pins.recordPrinted', { batchId: c.batchId, reprint: false });
    const reprinted = await call<IssuedBatch>('pins.packet', { batchId: c.batchId });
    const samePins =
      JSON.stringify(
        printedPins({ ...c, packet: reprinted })
          .map((p) => p.pin)
          .sort(),
      ) ===
      JSON.stringify(
        printedPins(c)
          .map((p) => p.pin)
          .sort(),
      );
    expect(samePins, 'the reprinted packet shows the PINs first printed').toBe(true);
    await call('pins.recordPrinted', { batchId: c.batchId, reprint: true });
    const d = await issueFamily('D', familyD!, { ...NO_CHOICES, printOnly: true });
    await call('pins.recordPrinted', { batchId: d.batchId, reprint: false });
    await waitFor(
      async () => {
        const pending = await call<OutboxItemView[]>('outbox.list', { status: 'pending' });
        const enrollments = pending.filter((item) => item.kind === 'portal.enrollment');
        return enrollments.length > 0 && enrollments.every((item) => item.attempts >= 1 && item.lastError !== null);
      },
      { what: 'the registrations of C and D to fail once', timeout: 60_000 },
    );
    const waiting = await call<OutboxItemView[]>('outbox.list', { status: 'pending' });
    expect(waiting.filter((item) => item.kind === 'email.welcome')).toHaveLength(1);
    // The data folder as it is while PINs wait in the outbox (scanned once every PIN is known).
    const pendingCopy = path.join(otherTemp.dir, 'desk-while-pending');
    fs.cpSync(deskTemp.dir, pendingCopy, { recursive: true });
    const copy = new BetterSqlite3(path.join(pendingCopy, 'practice.sqlite'), { readonly: true });
    const held = copy
      .prepare(`SELECT count(*) FROM outbox WHERE status = 'pending' AND kind IN ('portal.enrollment', 'email.welcome') AND length(payload) > 0`)
      .pluck()
      .get() as number;
    copy.close();
    // Every registration of C and D and C's Welcome email wait, each holding its PIN (encrypted, one hopes).
    expect(held, 'outbox rows holding a PIN in the copy').toBe(printedPins(c).length + 1 + printedPins(d).length + 1);

    // The practice system returns: everything drains, C's Welcome email goes out through SMTP.
    portal.setFault('none');
    await waitFor(outboxEmpty, { what: 'C and D to be delivered', timeout: 60_000 });
    expect(smtp.messages).toHaveLength(2);

    // Every PIN of the run: printed ones from the packets, emailed ones from the messages.
    const mailDrop = filesUnder(path.join(deskTemp.dir, 'mail-drop')).filter((f) => f.relative.endsWith('.eml'));
    expect(mailDrop, 'one Welcome email in the mail-drop folder (family A)').toHaveLength(1);
    const emailA = await emailedPin(a, (await simpleParser(fs.readFileSync(mailDrop[0]!.absolute))).text ?? '', db);
    const smtpTexts = await Promise.all(smtp.messages.map(async (m) => ({ text: (await simpleParser(m)).text ?? '', raw: m })));
    const bGuardian = b.packet.guardians.find((g) => g.mode === 'email')!.email!.toLowerCase();
    const emailB = await emailedPin(b, smtpTexts[smtp.recipients.findIndex((r) => r.includes(bGuardian))]!.text, db);
    const cGuardian = c.packet.guardians.find((g) => g.mode === 'email')!.email!.toLowerCase();
    const emailC = await emailedPin(c, smtpTexts[smtp.recipients.findIndex((r) => r.includes(cGuardian))]!.text, db);
    const pins: KnownPin[] = [...[a, b, c, d].flatMap(printedPins), emailA, emailB, emailC];
    expect(new Set(pins.map((p) => p.pin)).size, 'distinct PINs issued in the run').toBe(pins.length);
    expect(printedPins(d).length).toBeGreaterThanOrEqual(4);
    const mailPins = new Map([[emailA.label, { email: emailA.guardianEmail, label: emailA.label }]]);
    db.close();

    // Each Welcome email holds its own child's PIN and no other (what a parent receives).
    for (const { raw } of smtpTexts) {
      const labels = scanBytes('smtp', raw, needlesFor(pins)).map((h) => h.label);
      expect(new Set(labels).size, 'PINs in one Welcome email').toBe(1);
    }

    // The scans: the folder while PINs waited, the folder after the app stopped, and its output.
    const hits: PinHit[] = [];
    hits.push(...(await scanDataFolder(pendingCopy, 'data folder while pending', pins, mailPins)));
    const liveFiles = filesUnder(deskTemp.dir).map((f) => f.relative);
    hits.push(...(await scanDataFolder(deskTemp.dir, 'data folder while running', pins, mailPins)));
    await web.stop();
    hits.push(...(await scanDataFolder(deskTemp.dir, 'data folder after stop', pins, mailPins)));
    hits.push(...scanBytes('stdout and stderr', web.output(), needlesFor(pins)));

    // The scan saw what it should: the database with its WAL, the key file, the mail-drop message, the export.
    expect(liveFiles).toEqual(expect.arrayContaining(['practice.sqlite', 'practice.sqlite-wal', path.join('mail-drop', mailDrop[0]!.relative)]));
    expect(liveFiles.some((f) => f.startsWith(`exports${path.sep}`))).toBe(true);
    console.log(`pin leak scan: ${pins.length} PINs, ${liveFiles.length} files (${liveFiles.join(', ')}), ${web.output().length} characters of output`);
    expect(hits, `plain PINs found:\n${describeHits(hits)}`).toEqual([]);
  }, 300_000);
});
