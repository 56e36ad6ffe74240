import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FamilyView, IssuedBatch } from '../../shared/api';
import { NO_CHOICES, type PlanChoices } from '../../shared/domain/plan';
import { normalizePin, verifyPin } from '../../shared/domain/pin';
import type { App } from '../../electron/main/app';
import { LOPEZ_CHILDREN, insertAppointment, insertFamilies, type FamilyFixture } from '../support/fixtures';
import { openIssuingDesk } from '../support/issue';
import { makeTempDir } from '../support/tempDir';
import { invokeOk } from '../support/testDesk';

const NOW = new Date('2026-11-22T15:00:00Z');
let temp: ReturnType<typeof makeTempDir>;
let app: App;

const maria = (patientIds: string[], email: string | null = 'maria.lopez@example.com') => ({
  id: 'c-maria',
  firstName: 'Maria',
  lastName: 'Lopez',
  email,
  links: patientIds.map((patientId) => ({ patientId, sort: 1, authority: 'Joint' as const, residesWith: true, relationship: 'Mother' })),
});

const LOPEZ: FamilyFixture = {
  id: 'f-lopez',
  name: 'Lopez',
  children: LOPEZ_CHILDREN,
  contacts: [
    maria(['p-ana', 'p-luis', 'p-sofia']),
    {
      id: 'c-carlos',
      firstName: 'Carlos',
      lastName: 'Lopez',
      email: 'carlos@example.com',
      links: ['p-ana', 'p-luis', 'p-sofia'].map((patientId) => ({
        patientId,
        sort: 2,
        authority: 'Joint' as const,
        residesWith: true,
        relationship: 'Father',
      })),
    },
  ],
};

const ok = <T>(name: string, input: unknown): Promise<T> => invokeOk<T>(app, name, input);

async function issue(familyId: string, choices: PlanChoices = NO_CHOICES, batchId = randomUUID()) {
  const family = await ok<FamilyView>('family.load', { familyId });
  const expectedPatientIds = family.children.filter((c) => c.verdict.kind === 'eligible').map((c) => c.patientId);
  return { batchId, result: await app.invoke('pins.issue', { batchId, familyId, choices, expectedPatientIds, reviewToken: family.reviewToken }) };
}

const rows = (sql: string, ...params: unknown[]) => app.context.sqlite.prepare(sql).all(...params) as Record<string, unknown>[];

beforeEach(async () => {
  temp = makeTempDir();
  app = await openIssuingDesk(temp.file('practice.sqlite'), { now: () => NOW, workstation: 'desk-1' });
});
afterEach(async () => {
  await app.close();
  temp.remove();
});

describe('issuing a family’s PINs', () => {
  it('issues three siblings: one Welcome email to the Primary Contact for the youngest, two printed PINs that verify', async () => {
    insertFamilies(app.context.sqlite, [LOPEZ]);
    const { batchId, result } = await issue('f-lopez');
    expect(result.ok).toBe(true);
    const packet = (result as { value: IssuedBatch }).value;

    const pins = rows('SELECT patient_id, delivery, pin_hash, expires_at, issued_by FROM pins WHERE batch_id = ? ORDER BY patient_id', batchId);
    expect(pins.map((p) => [p.patient_id, p.delivery])).toEqual([
      ['p-ana', 'print'],
      ['p-luis', 'print'],
      ['p-sofia', 'email'],
    ]);
    expect(pins.every((p) => p.issued_by === 'k1' && p.expires_at === '2026-12-22T15:00:00.000Z')).toBe(true);

    const emails = rows(`SELECT payload, depends_on FROM outbox WHERE kind = 'email.welcome'`);
    expect(emails).toHaveLength(1);
    const email = JSON.parse(emails[0]!.payload as string);
    expect(email).toMatchObject({ to: 'maria.lopez@example.com', childFirstName: 'Sofia', printedSiblings: ['Ana', 'Luis'] });
    const enrollment = rows(`SELECT id, payload FROM outbox WHERE id = ?`, emails[0]!.depends_on)[0]!;
    expect(JSON.parse(enrollment.payload as string).patientId).toBe('p-sofia');
    expect(rows(`SELECT * FROM outbox WHERE kind = 'portal.enrollment'`)).toHaveLength(3);

    const slips = packet.guardians.flatMap((g) => g.children);
    expect(packet.guardians).toHaveLength(1);
    expect(packet.guardians[0]).toMatchObject({ name: 'Maria Lopez', mode: 'email' });
    expect(slips.map((c) => [c.firstName, c.delivery, c.pin === null])).toEqual([
      ['Sofia', 'email', true],
      ['Ana', 'print', false],
      ['Luis', 'print', false],
    ]);
    for (const slip of slips.filter((c) => c.pin)) {
      expect(slip.pin).toMatch(/^[A-Z2-9]{3}-[A-Z2-9]{3}-[A-Z2-9]{3}$/);
      const stored = pins.find((p) => p.patient_id === slip.patientId)!.pin_hash as string;
      expect(await verifyPin(slip.pin!, stored)).toBe(true);
      expect(stored).not.toContain(normalizePin(slip.pin!)!);
    }
    expect(slips[1]!.expiresOn).toBe('2026-12-22');
    expect(packet.awaitingPortal).toBe(true);

    // Audit: one entry per PIN, and no PIN anywhere in it.
    const audit = rows(`SELECT action, patient_id, details FROM audit_log WHERE action = 'pin_issued'`);
    expect(audit).toHaveLength(3);
    const auditText = JSON.stringify(rows('SELECT * FROM audit_log'));
    for (const slip of slips.filter((c) => c.pin)) expect(auditText).not.toContain(normalizePin(slip.pin!)!);
  });

  it('issues one set for two racing confirmations and for a repeated one', async () => {
    insertFamilies(app.context.sqlite, [LOPEZ]);
    const racing = randomUUID();
    const [a, b] = await Promise.all([issue('f-lopez', NO_CHOICES, racing), issue('f-lopez', NO_CHOICES, racing)]);
    expect(a.result.ok && b.result.ok).toBe(true);
    expect(b.result).toEqual(a.result);
    const again = await issue('f-lopez', NO_CHOICES, racing);
    expect(again.result).toEqual(a.result);
    expect(rows('SELECT count(*) n FROM pins')[0]!.n).toBe(3);
    expect(rows(`SELECT count(*) n FROM outbox WHERE kind = 'email.welcome'`)[0]!.n).toBe(1);
  });

  it('queues no email in print-only mode and prints every child', async () => {
    insertFamilies(app.context.sqlite, [LOPEZ]);
    const { result } = await issue('f-lopez', { ...NO_CHOICES, printOnly: true });
    const packet = (result as { value: IssuedBatch }).value;
    expect(rows(`SELECT * FROM outbox WHERE kind = 'email.welcome'`)).toHaveLength(0);
    expect(packet.guardians[0]!.mode).toBe('print-only');
    expect(packet.guardians[0]!.children.every((c) => c.delivery === 'print' && c.pin)).toBe(true);
  });

  it('sends one Welcome email per guardian in a blended family, never two to the same guardian', async () => {
    insertFamilies(app.context.sqlite, [
      {
        id: 'f-lopez',
        name: 'Lopez',
        children: [
          { id: 'p-ana', firstName: 'Ana', dateOfBirth: '2015-03-14' },
          { id: 'p-mateo', firstName: 'Mateo', dateOfBirth: '2017-01-20' },
        ],
        contacts: [
          maria(['p-ana']),
          {
            id: 'c-jen',
            firstName: 'Jen',
            lastName: 'Ortiz',
            email: 'jen@example.com',
            links: [{ patientId: 'p-mateo', sort: 1, authority: 'Exclusive', residesWith: true }],
          },
        ],
      },
      { id: 'f-garcia', name: 'Garcia', children: [{ id: 'p-sofia', firstName: 'Sofia', dateOfBirth: '2019-09-30' }], contacts: [maria(['p-sofia'])] },
    ]);
    await issue('f-lopez');
    const to = rows(`SELECT json_extract(payload, '$.to') AS "to" FROM outbox WHERE kind = 'email.welcome' ORDER BY 1`).map((r) => r.to);
    expect(to).toEqual(['jen@example.com', 'maria.lopez@example.com']);
    expect(rows(`SELECT patient_id FROM pins WHERE delivery = 'print'`).map((r) => r.patient_id)).toEqual(['p-ana']);
  });

  it('lets a "Baby Girl" be renamed in the wizard and then issued in the same pass', async () => {
    insertFamilies(app.context.sqlite, [
      {
        ...LOPEZ,
        children: [...LOPEZ.children, { id: 'p-baby', firstName: 'Baby Girl', dateOfBirth: '2026-11-01' }],
        contacts: [maria(['p-ana', 'p-luis', 'p-sofia', 'p-baby'])],
      },
    ]);
    const before = await ok<FamilyView>('family.load', { familyId: 'f-lopez' });
    const baby = before.children.find((c) => c.patientId === 'p-baby')!;
    expect(baby.verdict.kind).toBe('blocked');
    const placeholder = await app.invoke('patients.correctName', {
      familyId: 'f-lopez',
      patientId: 'p-baby',
      firstName: 'Baby',
      lastName: 'Lopez',
      expectedVersion: baby.version,
    });
    expect(placeholder).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    const after = await ok<FamilyView>('patients.correctName', {
      familyId: 'f-lopez',
      patientId: 'p-baby',
      firstName: 'Elena',
      lastName: 'Lopez',
      expectedVersion: baby.version,
    });
    expect(after.children.find((c) => c.patientId === 'p-baby')!.verdict.kind).toBe('eligible');
    expect(rows(`SELECT kind, json_extract(payload, '$.baseVersion') v FROM outbox WHERE kind = 'patient.name_correction'`)).toEqual([
      { kind: 'patient.name_correction', v: 1 },
    ]);
    expect(rows(`SELECT details FROM audit_log WHERE action = 'name_corrected'`)[0]!.details).toContain('Baby Girl');
    const stale = await app.invoke('patients.correctName', {
      familyId: 'f-lopez',
      patientId: 'p-baby',
      firstName: 'Elena',
      lastName: 'Lopez',
      expectedVersion: baby.version,
    });
    expect(stale).toMatchObject({ ok: false, error: { code: 'conflict' } });
    const { result } = await issue('f-lopez');
    expect((result as { value: IssuedBatch }).value.guardians[0]!.children.map((c) => c.firstName)).toContain('Elena');
  });

  it('refuses to issue when the family changed after the clerk reviewed it', async () => {
    insertFamilies(app.context.sqlite, [LOPEZ]);
    const { reviewToken } = await ok<FamilyView>('family.load', { familyId: 'f-lopez' });
    const result = await app.invoke('pins.issue', {
      batchId: randomUUID(),
      familyId: 'f-lopez',
      choices: NO_CHOICES,
      expectedPatientIds: ['p-ana', 'p-luis'],
      reviewToken,
    });
    expect(result).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(rows('SELECT * FROM pins')).toHaveLength(0);
  });

  it('refuses a recipient without authority or residence, and audits an allowed override', async () => {
    insertFamilies(app.context.sqlite, [
      {
        ...LOPEZ,
        contacts: [
          ...LOPEZ.contacts!,
          {
            id: 'c-rosa',
            firstName: 'Rosa',
            lastName: 'Perez',
            email: 'rosa@example.com',
            links: [{ patientId: 'p-ana', sort: 3, authority: 'None', residesWith: false, portalFlag: true }],
          },
        ],
      },
    ]);
    const refused = await issue('f-lopez', { ...NO_CHOICES, recipientByGuardian: { 'c-maria': { contactId: 'c-rosa', reason: 'grandma asked' } } });
    expect(refused.result).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(rows('SELECT * FROM pins')).toHaveLength(0);
    await issue('f-lopez', { ...NO_CHOICES, recipientByGuardian: { 'c-maria': { contactId: 'c-carlos', reason: 'Mother has no phone today' } } });
    expect(rows(`SELECT json_extract(payload, '$.to') AS "to" FROM outbox WHERE kind = 'email.welcome'`)).toEqual([{ to: 'carlos@example.com' }]);
    expect(rows(`SELECT details FROM audit_log WHERE action = 'recipient_overridden'`)[0]!.details).toContain('Mother has no phone today');
  });

  it('prefers the child checking in today for the Welcome email', async () => {
    insertFamilies(app.context.sqlite, [LOPEZ]);
    insertAppointment(app.context.sqlite, 'a1', 'p-luis', '2026-11-22T10:30');
    await issue('f-lopez');
    expect(rows(`SELECT patient_id FROM pins WHERE delivery = 'email'`)).toEqual([{ patient_id: 'p-luis' }]);
  });

  it('reprints the packet while the PINs are held, shows the history, and needs a signed-in clerk', async () => {
    insertFamilies(app.context.sqlite, [LOPEZ]);
    const { batchId, result } = await issue('f-lopez');
    const reprint = await ok<IssuedBatch>('pins.packet', { batchId });
    expect(reprint).toEqual((result as { value: IssuedBatch }).value);
    await ok('pins.recordPrinted', { batchId, reprint: true });
    expect(rows(`SELECT count(*) n FROM audit_log WHERE action = 'pin_reprinted'`)[0]!.n).toBe(2);
    const family = await ok<FamilyView>('family.load', { familyId: 'f-lopez' });
    const luis = family.children.find((c) => c.firstName === 'Luis')!;
    expect(luis.pins).toEqual([expect.objectContaining({ batchId, delivery: 'print', status: 'issued', reprintable: true, issuedBy: 'Dana Reyes' })]);
    expect(luis.verdict.warnings.map((w) => w.code)).toContain('pin_held');
    expect(luis.enrollment).toMatchObject({ state: 'issued', heldPinText: 'just now by Dana Reyes (printed)' });

    // Once the portal has the PIN, the plain value is gone and reprinting says what to do instead.
    app.context.sqlite.prepare(`UPDATE outbox SET status = 'delivered', payload = json_remove(payload, '$.pin') WHERE kind = 'portal.enrollment'`).run();
    const gone = await app.invoke('pins.packet', { batchId });
    expect(gone).toMatchObject({ ok: false, error: { code: 'conflict', message: expect.stringContaining('Issue a new PIN') } });

    app.context.session.clerkId = null;
    const signedOut = await app.invoke('pins.issue', {
      batchId: randomUUID(),
      familyId: 'f-lopez',
      choices: NO_CHOICES,
      expectedPatientIds: ['p-ana'],
      reviewToken: '0'.repeat(64),
    });
    expect(signedOut).toMatchObject({ ok: false, error: { code: 'not_signed_in' } });
  });
});
