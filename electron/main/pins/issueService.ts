import { randomUUID } from 'node:crypto';
import type { FamilyView, IssuedBatch } from '../../../shared/api';
import { planFamilyPins, PlanChoiceError, type FamilyPlan, type PlanChoices } from '../../../shared/domain/plan';
import { planInputsFromFamily } from '../../../shared/planInputs';
import { generatePin, hashPin } from '../../../shared/domain/pin';
import type { Insertable } from 'kysely';
import { appendAudit, type AuditEntry } from '../audit/audit';
import type { PinsTable } from '../db/schema';
import { requireClerk } from '../clerks/sessionService';
import type { AppContext } from '../context';
import { AppError } from '../errors';
import { reviewDigest } from '../families/enrollmentFacts';
import { loadFamily } from '../families/familyService';
import { newOutboxRow, type PinEmailPayload } from '../outbox/payloads';
import { clockAheadOfServer, clockBehindRecords, readClockOffset } from '../sync/clockOffset';
import { describeDuration, utcMinute } from '../../../shared/domain/clockSkew';
import { exclusive } from '../lib/exclusive';
import { describeWhen } from '../../../shared/domain/enrollment';
import type { IssueJournal, JournaledIssue } from './issueJournal';
import { packetForBatch } from './packet';
import { pinFingerprint } from './pinSecrets';
import type { PreparedPin, PreparedPins } from './preparedPins';

export interface IssueRequest {
  batchId: string;
  familyId: string;
  choices: PlanChoices;
  expectedPatientIds: string[];
  /** FamilyView.reviewToken of the review the clerk planned from. */
  reviewToken: string;
}

const STALE_REVIEW = 'This family changed since you reviewed it (a PIN, a Welcome email, an account or a contact): look again.';

const DAY_MS = 86_400_000;

/**
 * Refuses a batch while one naming the same family, child or guardian is still on its way from the
 * desk's journal (pins/issueJournal.ts). One the mirror refused on its last try gets its own words:
 * the clerk must not take it for a change made elsewhere, nor issue the same children again.
 */
function refuseWhilePending(ctx: AppContext, journal: IssueJournal, familyId: string, refs: string[], timeZone: string): void {
  const refused = journal.refusedTouching(refs);
  if (refused) {
    const when = refused.issuedAt ? describeWhen(refused.issuedAt, ctx.now(), timeZone) : 'earlier';
    const whom = refused.familyId === familyId ? 'this family' : 'a family that shares a child or a guardian with this one';
    throw new AppError(
      'conflict',
      `PINs issued to ${whom} ${when} are not in the practice's records yet: the database refused them, and this desk keeps trying (they are kept on this computer). Look at the family again once the status bar no longer warns.`,
    );
  }
  if (journal.touching(refs)) throw new AppError('conflict', STALE_REVIEW);
}

/** Plans again from the mirror as it is now: the renderer's preview is never trusted. */
async function currentPlan(ctx: AppContext, request: IssueRequest): Promise<{ plan: FamilyPlan; family: FamilyView }> {
  const family = await loadFamily(ctx, request.familyId);
  // Another tab, another desk (after a pull) or a second confirmation got there first.
  if (family.reviewToken !== request.reviewToken) throw new AppError('conflict', STALE_REVIEW);
  const { children, contacts } = planInputsFromFamily(family);
  let plan: FamilyPlan;
  try {
    plan = planFamilyPins(children, contacts, request.choices, { now: ctx.now(), timeZone: family.timeZone });
  } catch (error) {
    if (error instanceof PlanChoiceError) throw new AppError('invalid_input', error.message);
    throw error;
  }
  if (plan.pinCount === 0) {
    const held = plan.notIssued.filter((n) => n.code === 'pin_held');
    throw new AppError(
      'conflict',
      held.length > 0 && held.length === plan.notIssued.filter((n) => n.code !== 'excluded').length
        ? 'Nothing to issue: every child who can have a PIN already holds one. Reprint it, or replace one child’s PIN with a reason.'
        : 'No child of this family can get a PIN right now: each child’s card says why.',
    );
  }
  const planned = plan.guardians.flatMap((g) => g.children.map((c) => c.patientId)).sort();
  const expected = [...new Set(request.expectedPatientIds)].sort();
  if (planned.join() !== expected.join()) {
    throw new AppError('conflict', 'This family’s record changed since you reviewed it. Look at the plan again, then issue.');
  }
  return { plan, family };
}

/** Prepared PINs that clash with no unexpired PIN issued since they were made (nor with each other). */
async function usablePrepared(ctx: AppContext, pins: PreparedPin[], nowIso: string): Promise<PreparedPin[]> {
  if (pins.length === 0) return [];
  const clashing = new Set(
    (
      await ctx.db
        .selectFrom('pins')
        .select('pin_fingerprint')
        .where(
          'pin_fingerprint',
          'in',
          pins.map((p) => p.fingerprint),
        )
        .where('status', '=', 'issued')
        .where('expires_at', '>', nowIso)
        .execute()
    ).map((r) => r.pin_fingerprint),
  );
  const seen = new Set<string>();
  return pins.filter((p) => !clashing.has(p.fingerprint) && !seen.has(p.fingerprint) && seen.add(p.fingerprint));
}

/** A PIN unlike every unexpired one (compared by keyed fingerprint) and every other in the batch. */
async function freshPin(ctx: AppContext, nowIso: string, taken: Set<string>): Promise<{ pin: string; fingerprint: string }> {
  for (;;) {
    const pin = generatePin();
    const fingerprint = pinFingerprint(ctx.pinKey, pin);
    if (taken.has(fingerprint)) continue;
    const clash = await ctx.db
      .selectFrom('pins')
      .select('id')
      .where('pin_fingerprint', '=', fingerprint)
      .where('status', '=', 'issued')
      .where('expires_at', '>', nowIso)
      .executeTakeFirst();
    if (!clash) {
      taken.add(fingerprint);
      return { pin, fingerprint };
    }
  }
}

/**
 * Issues every PIN of the family's plan in one transaction: a pins row per child, a portal
 * enrollment per PIN, one Welcome email per guardian in email mode (after its enrollment), and
 * the audit entries. The batch id makes it idempotent: a repeated call returns the same packet.
 */
export async function issueFamilyPins(ctx: AppContext, request: IssueRequest, prepared?: PreparedPins): Promise<IssuedBatch> {
  const clerk = await requireClerk(ctx);
  const journal = ctx.issueJournal;
  if (journal.batch(request.batchId)) return packetForBatch(ctx, request.batchId);
  const issued = await ctx.db.selectFrom('pins').select('id').where('batch_id', '=', request.batchId).executeTakeFirst();
  if (issued) return packetForBatch(ctx, request.batchId);

  // A batch of this family, or of a child or guardian it shares, on its way from the desk's journal
  // to the mirror (pins/issueJournal.ts): the plan is made from the mirror once it is there.
  await journal.settled([request.familyId]);
  let { plan, family } = await currentPlan(ctx, request);
  const patientIds = family.children.map((c) => c.patientId);
  const contactIds = family.contacts.map((c) => c.contactId);
  const refs = [request.familyId, ...patientIds, ...contactIds];
  if (journal.touching(refs)) {
    await journal.settled(refs);
    ({ plan, family } = await currentPlan(ctx, request));
  }
  // Still one there: the mirror refused it (settled does not wait for those). Nothing is hashed for it.
  if (journal.refusedTouching(refs)) refuseWhilePending(ctx, journal, request.familyId, refs, family.timeZone);
  const settings = await ctx.settings();
  const now = ctx.now();
  const nowIso = now.toISOString();
  const expiresAt = new Date(now.getTime() + settings.pinValidityDays * DAY_MS).toISOString();
  await refuseExpiredOnArrival(ctx, expiresAt, settings.pinValidityDays);

  // Secrets and their slow hashes are made before the transaction, which then only writes; most
  // were made while the clerk read the plan (pins.prepare), keyed by this batch id.
  const planned = plan.guardians.flatMap((guardian) => guardian.children.map((child) => ({ guardian, child })));
  const journaled = new Set(journal.fingerprints());
  const ready = (await usablePrepared(ctx, prepared ? await prepared.take(request.batchId) : [], nowIso)).filter((p) => !journaled.has(p.fingerprint));
  const secrets: ((typeof planned)[number] & { pin: string; fingerprint: string; hash: string; pinId: string })[] = [];
  const taken = new Set([...ready.map((p) => p.fingerprint), ...journaled]);
  const missing = planned.length - Math.min(ready.length, planned.length);
  const fresh: { pin: string; fingerprint: string }[] = [];
  for (let i = 0; i < missing; i++) fresh.push(await freshPin(ctx, nowIso, taken));
  const freshHashes = await Promise.all(fresh.map((f) => hashPin(f.pin)));
  const made = [...ready, ...fresh.map((f, i) => ({ ...f, hash: freshHashes[i]! }))];
  for (const [i, entry] of planned.entries()) secrets.push({ ...entry, ...made[i]!, pinId: randomUUID() });
  const hashes = secrets.map((s) => s.hash);

  // Every row is built first; the transaction then writes each table in one statement.
  const enrollmentByPin = new Map(secrets.map((s) => [s.pinId, randomUUID()]));
  const pinRows: Insertable<PinsTable>[] = secrets.map((s, i) => ({
    id: s.pinId,
    patient_id: s.child.patientId,
    batch_id: request.batchId,
    pin_hash: hashes[i]!,
    pin_fingerprint: s.fingerprint,
    issued_at: nowIso,
    expires_at: expiresAt,
    issued_by: clerk.id,
    workstation: ctx.workstation,
    delivery: s.child.delivery,
    recipient_contact_id: s.guardian.recipient.contactId,
    redeemed_at: null,
    replaces_pin_id: s.child.replaces?.pinId ?? null,
    replace_reason: s.child.replaces?.reason ?? null,
    adds_to_account: s.guardian.accountExists ? 1 : 0,
    packet_language: s.guardian.language,
  }));
  const enrollments = secrets.map((s) =>
    // The plain PIN is sealed at rest (newOutboxRow).
    newOutboxRow(
      ctx,
      'portal.enrollment',
      {
        pinId: s.pinId,
        pin: s.pin,
        patientId: s.child.patientId,
        dateOfBirth: s.child.dateOfBirth,
        expiresAt,
        accountOwnerContactId: s.guardian.recipient.contactId,
        batchId: request.batchId,
        issuedAt: nowIso,
        workstation: ctx.workstation,
        issuedBy: clerk.displayName,
        delivery: s.child.delivery,
        // The practice system decides whether this is the guardian's one Welcome email (SPEC 3.4).
        welcomeForContactId: s.child.delivery === 'email' ? s.guardian.recipient.contactId : null,
        resendWelcome: s.child.delivery === 'email' && s.guardian.resendReason !== null,
        replacesPinId: s.child.replaces?.pinId ?? null,
      },
      { id: enrollmentByPin.get(s.pinId)!, ref: s.pinId, at: nowIso },
    ),
  );
  const welcomeEmails = plan.guardians
    .filter((guardian) => guardian.mode === 'email' && guardian.emailChildId !== null)
    .map((guardian) => {
      const emailed = secrets.find((s) => s.child.patientId === guardian.emailChildId && s.guardian === guardian)!;
      const payload: PinEmailPayload = {
        pinId: emailed.pinId,
        pin: emailed.pin,
        to: guardian.recipient.email,
        recipientContactId: guardian.recipient.contactId,
        recipientName: guardian.recipient.name,
        childFirstName: emailed.child.firstName,
        printedSiblings: guardian.children.filter((c) => c.delivery === 'print').map((c) => c.firstName),
        language: guardian.language,
        expiresAt,
        batchId: request.batchId,
      };
      // Rule 4: the Welcome email goes only after the portal accepted this PIN.
      return newOutboxRow(ctx, 'email.welcome', payload, { id: randomUUID(), ref: emailed.pinId, dependsOn: enrollmentByPin.get(emailed.pinId)!, at: nowIso });
    });
  const audit: AuditEntry[] = [
    ...secrets.map((s) => ({
      action: 'pin_issued' as const,
      clerkId: clerk.id,
      workstation: ctx.workstation,
      at: now,
      patientId: s.child.patientId,
      details: { batchId: request.batchId, pinId: s.pinId, delivery: s.child.delivery, expiresAt, recipientContactId: s.guardian.recipient.contactId },
    })),
    ...secrets
      .filter((s) => s.child.replaces)
      .map((s) => ({
        action: 'pin_replaced' as const,
        clerkId: clerk.id,
        workstation: ctx.workstation,
        at: now,
        patientId: s.child.patientId,
        details: { batchId: request.batchId, pinId: s.pinId, replacesPinId: s.child.replaces!.pinId, reason: s.child.replaces!.reason },
      })),
    ...secrets
      .filter((s) => s.child.chosenOwnerReason)
      .map((s) => ({
        action: 'account_owner_chosen' as const,
        clerkId: clerk.id,
        workstation: ctx.workstation,
        at: now,
        patientId: s.child.patientId,
        details: { batchId: request.batchId, owner: s.guardian.recipient.contactId, reason: s.child.chosenOwnerReason },
      })),
    ...plan.guardians
      .filter((guardian) => guardian.mode === 'email' && guardian.resendReason !== null)
      .map((guardian) => ({
        action: 'welcome_resent' as const,
        clerkId: clerk.id,
        workstation: ctx.workstation,
        at: now,
        details: { batchId: request.batchId, to: guardian.recipient.contactId, reason: guardian.resendReason },
      })),
    ...plan.guardians
      .filter((guardian) => guardian.recipient.overridden)
      .map((guardian) => ({
        action: 'recipient_overridden' as const,
        clerkId: clerk.id,
        workstation: ctx.workstation,
        at: now,
        details: {
          batchId: request.batchId,
          from: guardian.guardianContactId,
          to: guardian.recipient.contactId,
          reason: guardian.recipient.reason,
          children: guardian.children.map((c) => c.patientId),
        },
      })),
  ];

  const issue: JournaledIssue = { batchId: request.batchId, familyId: request.familyId, refs, pins: pinRows, enrollments, welcomeEmails, audit };
  // While a job writes the mirror: into the desk's journal, which waits for nobody.
  if (journal.wanted() && (await journalIssue(ctx, issue, request.reviewToken, patientIds, contactIds, family.timeZone)))
    return packetForBatch(ctx, request.batchId);

  await ctx.db.transaction().execute(async (trx) => {
    // A second confirmation that raced the first finds the batch here and writes nothing.
    if (journal.batch(request.batchId)) return;
    if (await trx.selectFrom('pins').select('id').where('batch_id', '=', request.batchId).executeTakeFirst()) return;
    // Another batch for this family (a second tab, a double confirmation) committed while this one
    // was hashing: the review it rests on is gone. Read inside the transaction, so nothing slips between.
    // (Raw reads on the app's one connection, which this transaction holds: they see its state.)
    // One still in the desk's journal counts too.
    refuseWhilePending(ctx, journal, request.familyId, refs, family.timeZone);
    if (reviewDigest(ctx.sqlite, request.familyId, patientIds, contactIds) !== request.reviewToken) throw new AppError('conflict', STALE_REVIEW);
    await trx.insertInto('pins').values(pinRows).execute();
    // Enrollments before the emails that depend on them (foreign key).
    await trx.insertInto('outbox').values(enrollments).execute();
    if (welcomeEmails.length > 0) await trx.insertInto('outbox').values(welcomeEmails).execute();
    await appendAudit(trx, audit);
  });
  ctx.outboxChanged();
  return packetForBatch(ctx, request.batchId);
}

/**
 * Commits the batch to the desk's journal, with the checks the mirror's transaction makes, and
 * starts its move into the mirror (pins/issueJournal.ts). Says whether the batch is now issued
 * (journaled here, or by a repeat of the same confirmation); false leaves it to the mirror's transaction.
 */
async function journalIssue(
  ctx: AppContext,
  issue: JournaledIssue,
  reviewToken: string,
  patientIds: string[],
  contactIds: string[],
  timeZone: string,
): Promise<boolean> {
  const journal = ctx.issueJournal;
  const release = await journal.reserve();
  let outcome: 'journaled' | 'repeat' | 'mirror';
  try {
    // Synchronous under the connection's lock: nothing of the desk's runs between the checks and the commit.
    outcome = await exclusive(ctx.db, () => {
      if (ctx.sqlite.inTransaction) return 'mirror';
      if (journal.batch(issue.batchId) || ctx.sqlite.prepare('SELECT 1 FROM pins WHERE batch_id = ?').get(issue.batchId)) return 'repeat';
      refuseWhilePending(ctx, journal, issue.familyId, issue.refs, timeZone);
      if (reviewDigest(ctx.sqlite, issue.familyId, patientIds, contactIds) !== reviewToken) throw new AppError('conflict', STALE_REVIEW);
      try {
        journal.record(issue, release);
      } catch (error) {
        console.error(`desk journal: an issued batch could not be saved: ${(error as { code?: string }).code ?? 'unknown error'}`);
        throw new AppError('storage', NOT_SAVED);
      }
      return 'journaled';
    });
  } catch (error) {
    release();
    throw error;
  }
  if (outcome !== 'journaled') release();
  else {
    // On disk before the clerk is told (the journal's WAL synced off main: db/deskJournal.ts).
    try {
      await journal.durable();
    } catch (error) {
      console.error(`desk journal: an issued batch's sync failed: ${(error as { code?: string }).code ?? 'unknown error'}`);
      throw new AppError('storage', NOT_CONFIRMED);
    }
  }
  return outcome !== 'mirror';
}

const NOT_CONFIRMED =
  'The computer’s disk did not confirm the save, so it could be lost if the computer stops now. Do it again (issuing again from the same screen gives back the same PINs); if it keeps happening, ask IT to check the disk.';
const NOT_SAVED = 'The computer’s disk did not save these PINs, so nothing was issued. Do it again; if it keeps happening, ask IT to check the disk.';

/**
 * A machine clock far behind the practice system's would issue PINs that are already expired by
 * the portal's clock (issue 11). The last sync's Date header gives the offset, when known; a clock
 * that went back before work this desk recorded is refused as well, offline too (clockBehindRecords).
 */
async function refuseExpiredOnArrival(ctx: AppContext, expiresAt: string, validityDays: number): Promise<void> {
  const behind = await clockBehindRecords(ctx);
  if (behind) {
    throw new AppError(
      'conflict',
      `This computer's clock says ${utcMinute(ctx.now().getTime())}, ${describeDuration(behind.behindMs)} before work this desk already recorded (${utcMinute(behind.recordedAt)}): ` +
        'its clock has gone back, and PINs issued now would carry wrong dates. Set the date and time (Windows: Settings > Time), then issue. ' +
        'If the clock is right now (it was ahead before), press Sync now once (the practice system confirms the time), or an administrator confirms it in the status bar.',
    );
  }
  const offset = await readClockOffset(ctx);
  const ahead = clockAheadOfServer(offset, ctx.now());
  if (ahead) {
    const serverAt = Date.parse(ahead.measuredAt) - ahead.aheadMs;
    throw new AppError(
      'conflict',
      `This computer's clock is ${describeDuration(ahead.aheadMs)} ahead of the practice system's (at the last sync it said ${utcMinute(Date.parse(ahead.measuredAt))}, ` +
        `the practice system ${utcMinute(serverAt)}): PINs issued now would carry dates in the future and stay valid ${describeDuration(ahead.aheadMs)} longer than the practice's ${validityDays} days. ` +
        'Set the date and time (Windows: Settings > Time), then issue; the next sync confirms the clock.',
    );
  }
  const trustedNow = ctx.now().getTime() - (offset.skewMs ?? 0);
  if (Date.parse(expiresAt) <= trustedNow) {
    throw new AppError(
      'conflict',
      "This computer's clock is so far behind the practice system's that these PINs would already be expired. Fix the clock (Windows: Settings > Time), then issue.",
    );
  }
}

/** Records that a packet was sent to the printer (first print or reprint), one audit row per PIN. */
export async function recordPacketPrinted(ctx: AppContext, batchId: string, reprint: boolean, recipientContactId?: string): Promise<null> {
  const clerk = await requireClerk(ctx);
  // Its PINs may still be on their way from the desk's journal.
  const pending = ctx.issueJournal.batch(batchId);
  if (pending) await ctx.issueJournal.settled([pending.familyId]);
  // One the mirror refused (settled does not wait for it): the print cannot be recorded against its PINs yet.
  if (ctx.issueJournal.refusedMove(batchId)) {
    throw new AppError(
      'conflict',
      "The packet was sent to the printer, but its PINs are not in the practice's records yet (the status bar says why), so the print could not be recorded. The PINs are kept on this computer.",
    );
  }
  let query = ctx.db.selectFrom('pins').select(['id', 'patient_id']).where('batch_id', '=', batchId).where('delivery', '=', 'print');
  // One account owner's packet ('none': PINs with no recipient on file).
  if (recipientContactId === 'none') query = query.where('recipient_contact_id', 'is', null);
  else if (recipientContactId !== undefined) query = query.where('recipient_contact_id', '=', recipientContactId);
  const pins = await query.execute();
  if (pins.length === 0) throw new AppError('not_found', 'No printed PINs belong to that batch.');
  await appendAudit(
    ctx.db,
    pins.map((pin) => ({
      action: reprint ? ('pin_reprinted' as const) : ('pin_printed' as const),
      clerkId: clerk.id,
      workstation: ctx.workstation,
      at: ctx.now(),
      patientId: pin.patient_id,
      details: { batchId, pinId: pin.id },
    })),
  );
  return null;
}
