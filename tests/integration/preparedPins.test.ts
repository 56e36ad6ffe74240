import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../electron/main/app';
import { issueFamilyPins } from '../../electron/main/pins/issueService';
import { PREPARED_TTL_MS, PreparedPins } from '../../electron/main/pins/preparedPins';
import { NO_CHOICES } from '../../shared/domain/plan';
import { formatPin, normalizePin, verifyPin } from '../../shared/domain/pin';
import { insertFamilies, lopezFamily } from '../support/fixtures';
import { loadReview, openIssuingDesk, planFamily } from '../support/issue';
import { makeTempDir } from '../support/tempDir';

/** PINs made and hashed while the clerk reads the plan, taken by the confirmation of the same batch. */
const NOW = new Date('2026-12-03T15:00:00Z');
let temp: ReturnType<typeof makeTempDir>;
let app: App;
let mono = 0;

const FAMILY = lopezFamily(null);

/** A generator whose PINs the test knows, in order. */
function known(pins: string[]): () => string {
  let i = 0;
  return () => pins[i++]!;
}

beforeEach(async () => {
  temp = makeTempDir();
  app = await openIssuingDesk(temp.file('practice.sqlite'), { now: () => NOW, workstation: 'DESK-1' });
  insertFamilies(app.context.sqlite, [FAMILY]);
});
afterEach(async () => {
  await app.close();
  temp.remove();
});

async function issueWith(prepared: PreparedPins, batchId: string) {
  const family = await loadReview(app, 'f-lopez');
  const plan = planFamily(app, family);
  return issueFamilyPins(
    app.context,
    {
      batchId,
      familyId: 'f-lopez',
      choices: NO_CHOICES,
      expectedPatientIds: plan.guardians.flatMap((g) => g.children.map((c) => c.patientId)),
      reviewToken: family.reviewToken,
    },
    prepared,
  );
}

describe('PINs prepared while the plan is read', () => {
  it('are the PINs printed, their hashes verify, and the batch is forgotten once taken', async () => {
    const pins = ['AAA222BBB', 'CCC333DDD', 'EEE444FFF'];
    const prepared = new PreparedPins(app.context.pinKey, () => mono, known(pins));
    const batchId = crypto.randomUUID();
    prepared.prepare(batchId, 3);
    const packet = await issueWith(prepared, batchId);
    const printed = packet.guardians.flatMap((g) => g.children.map((c) => c.pin));
    expect(printed.sort()).toEqual(pins.map(formatPin).sort());
    const hashes = app.context.sqlite.prepare('SELECT pin_hash FROM pins').pluck().all() as string[];
    for (const pin of pins) expect((await Promise.all(hashes.map((h) => verifyPin(pin, h)))).filter(Boolean)).toHaveLength(1);
    expect(prepared.size).toBe(0);
    // Nowhere stored in the clear.
    const dump = JSON.stringify(app.context.sqlite.prepare('SELECT * FROM pins').all());
    for (const pin of pins) expect(dump).not.toContain(normalizePin(pin)!);
  });

  it('a prepared PIN that an issued unexpired PIN already has is not used; a fresh one takes its place', async () => {
    const first = new PreparedPins(app.context.pinKey, () => mono, known(['AAA222BBB', 'CCC333DDD', 'EEE444FFF']));
    const b1 = crypto.randomUUID();
    first.prepare(b1, 3);
    await issueWith(first, b1);
    // Another family, whose prepared batch holds one of those PINs.
    insertFamilies(app.context.sqlite, [
      { ...FAMILY, id: 'f-two', name: 'Two', children: [{ id: 'p-x', firstName: 'Xavi', dateOfBirth: '2017-01-01' }], contacts: [] },
    ]);
    app.context.sqlite
      .prepare(
        `INSERT INTO patient_contacts (patient_id, contact_id, sort, relationship, authority, resides_with, portal_flag) VALUES ('p-x', 'c-maria', 1, 'Mother', 'Joint', 1, 0)`,
      )
      .run();
    const second = new PreparedPins(app.context.pinKey, () => mono, known(['AAA222BBB']));
    const b2 = crypto.randomUUID();
    second.prepare(b2, 1);
    const family = await loadReview(app, 'f-two');
    const plan = planFamily(app, family);
    const packet = await issueFamilyPins(
      app.context,
      {
        batchId: b2,
        familyId: 'f-two',
        choices: NO_CHOICES,
        expectedPatientIds: plan.guardians.flatMap((g) => g.children.map((c) => c.patientId)),
        reviewToken: family.reviewToken,
      },
      second,
    );
    const pin = packet.guardians.flatMap((g) => g.children).find((c) => c.patientId === 'p-x')!.pin!;
    expect(pin).not.toBe(formatPin('AAA222BBB'));
    expect(app.context.sqlite.prepare('SELECT count(DISTINCT pin_fingerprint) FROM pins').pluck().get()).toBe(4);
  });

  it('a plan that grew gets the difference; a batch older than the TTL, or never prepared, is made at issue time', async () => {
    const prepared = new PreparedPins(app.context.pinKey, () => mono);
    prepared.prepare('b-grow', 1);
    prepared.prepare('b-grow', 3);
    expect(await prepared.take('b-grow')).toHaveLength(3);
    prepared.prepare('b-old', 2);
    mono += PREPARED_TTL_MS + 1;
    expect(await prepared.take('b-old')).toEqual([]);
    const packet = await issueWith(prepared, crypto.randomUUID());
    expect(packet.guardians.flatMap((g) => g.children)).toHaveLength(3);
  });
});
