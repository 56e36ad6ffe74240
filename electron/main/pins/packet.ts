import type { IssuedBatch, PacketGuardian } from '../../../shared/api';
import { localDateIn } from '../../../shared/domain/dates';
import { formatPin } from '../../../shared/domain/pin';
import { practiceTimeZone } from '../../../shared/settings';
import type { AppContext } from '../context';
import { AppError } from '../errors';
import { openPayload } from '../crypto/payloadSeal';
import type { JournaledIssue } from './issueJournal';

/** The practice-local day on which a PIN expiring at `expiresAt` stops working. */
export function expiryDay(expiresAt: string, zone: string): string {
  return localDateIn(new Date(expiresAt), zone);
}

/** The packet's facts of each PIN of the batch, as the mirror holds them. */
function storedRows(ctx: AppContext, batchId: string) {
  return ctx.db
    .selectFrom('pins')
    .innerJoin('patients', 'patients.id', 'pins.patient_id')
    .innerJoin('clerks', 'clerks.id', 'pins.issued_by')
    .leftJoin('families', 'families.id', 'patients.family_id')
    .leftJoin('contacts', 'contacts.id', 'pins.recipient_contact_id')
    .leftJoin('outbox', (join) => join.onRef('outbox.ref', '=', 'pins.id').on('outbox.kind', '=', 'portal.enrollment'))
    .select([
      'pins.id',
      'pins.patient_id',
      'pins.issued_at',
      'pins.expires_at',
      'pins.delivery',
      'pins.status',
      'pins.recipient_contact_id',
      'pins.adds_to_account',
      'pins.packet_language',
      'contacts.language as recipient_language',
      'patients.first_name',
      'patients.last_name',
      'patients.date_of_birth',
      'clerks.display_name',
      'families.name as family_name',
      'contacts.first_name as recipient_first',
      'contacts.last_name as recipient_last',
      'contacts.email as recipient_email',
      'outbox.payload',
      'outbox.status as outbox_status',
      'outbox.last_error as outbox_error',
    ])
    .where('pins.batch_id', '=', batchId)
    .orderBy('patients.date_of_birth')
    .execute();
}

type PacketRow = Awaited<ReturnType<typeof storedRows>>[number];

/**
 * The same facts of a batch still in the desk's journal: its own rows (pins, and the enrollments
 * holding the sealed PINs, not yet delivered) with the mirror's child, guardian and clerk.
 */
async function pendingRows(ctx: AppContext, issue: JournaledIssue): Promise<PacketRow[]> {
  const patientIds = [...new Set(issue.pins.map((p) => p.patient_id))];
  const contactIds = [...new Set(issue.pins.flatMap((p) => (p.recipient_contact_id ? [p.recipient_contact_id] : [])))];
  const [patients, contacts, clerks] = await Promise.all([
    ctx.db
      .selectFrom('patients')
      .leftJoin('families', 'families.id', 'patients.family_id')
      .select(['patients.id', 'patients.first_name', 'patients.last_name', 'patients.date_of_birth', 'families.name as family_name'])
      .where('patients.id', 'in', patientIds)
      .execute(),
    contactIds.length === 0
      ? Promise.resolve([])
      : ctx.db.selectFrom('contacts').select(['id', 'language', 'first_name', 'last_name', 'email']).where('id', 'in', contactIds).execute(),
    ctx.db
      .selectFrom('clerks')
      .select(['id', 'display_name'])
      .where('id', 'in', [...new Set(issue.pins.map((p) => p.issued_by))])
      .execute(),
  ]);
  const patientById = new Map(patients.map((p) => [p.id, p]));
  const contactById = new Map(contacts.map((c) => [c.id, c]));
  const clerkById = new Map(clerks.map((c) => [c.id, c]));
  const enrollmentOf = new Map(issue.enrollments.map((e) => [e.ref, e]));
  const rows = issue.pins.flatMap((pin): PacketRow[] => {
    const patient = patientById.get(pin.patient_id);
    const clerk = clerkById.get(pin.issued_by);
    // As the mirror's inner joins: a row without its child or clerk is not in the packet.
    if (!patient || !clerk) return [];
    const contact = pin.recipient_contact_id ? contactById.get(pin.recipient_contact_id) : undefined;
    const enrollment = enrollmentOf.get(pin.id);
    return [
      {
        id: pin.id,
        patient_id: pin.patient_id,
        issued_at: pin.issued_at,
        expires_at: pin.expires_at,
        delivery: pin.delivery,
        status: pin.status ?? 'issued',
        recipient_contact_id: pin.recipient_contact_id ?? null,
        adds_to_account: pin.adds_to_account ?? 0,
        packet_language: pin.packet_language ?? null,
        recipient_language: contact?.language ?? null,
        first_name: patient.first_name,
        last_name: patient.last_name,
        date_of_birth: patient.date_of_birth,
        display_name: clerk.display_name,
        family_name: patient.family_name,
        recipient_first: contact?.first_name ?? null,
        recipient_last: contact?.last_name ?? null,
        recipient_email: contact?.email ?? null,
        payload: enrollment?.payload ?? null,
        outbox_status: enrollment ? ('pending' as const) : null,
        outbox_error: null,
      },
    ];
  });
  // As the mirror's ORDER BY date_of_birth (a missing date first).
  return rows.sort((a, b) => (a.date_of_birth ?? '').localeCompare(b.date_of_birth ?? ''));
}

/**
 * Rebuilds a batch's packet from what is stored: the pins rows, the guardians they went to, and
 * the plain PINs still held in undelivered enrollment payloads. Once the portal has a PIN it is
 * scrubbed here, and the packet can no longer be printed: a new PIN must be issued instead.
 */
export async function packetForBatch(ctx: AppContext, batchId: string): Promise<IssuedBatch> {
  // A batch issued while a job writes may not have reached the mirror yet (pins/issueJournal.ts).
  const pending = ctx.issueJournal.batch(batchId);
  const rows = pending ? await pendingRows(ctx, pending) : await storedRows(ctx, batchId);
  if (rows.length === 0) throw new AppError('not_found', 'No PINs were issued under that batch.');

  const zone = practiceTimeZone(await ctx.settings());
  const settings = await ctx.settings();
  // Online, the portal has each PIN within seconds: the slip says nothing. Offline (or failing), it says to wait.
  const online = (await ctx.db.selectFrom('sync_state').select('value').where('key', '=', 'online').executeTakeFirst())?.value === 'true';
  const guardians = new Map<string, PacketGuardian>();
  let awaitingPortal = false;
  for (const r of rows) {
    const plain = r.payload ? (openPayload<{ pin?: string }>(ctx, r.payload).pin ?? null) : null;
    if (r.outbox_status !== 'delivered' && (!online || r.outbox_error !== null)) awaitingPortal = true;
    if (r.delivery === 'print' && (plain === null || r.status !== 'issued')) {
      throw new AppError(
        'conflict',
        `${r.first_name}'s PIN from this visit has reached the portal and is no longer stored here, so it cannot be printed again. ` +
          'Issue a new PIN from the family page instead; the earlier one stays valid until it is used or expires.',
      );
    }
    const key = r.recipient_contact_id ?? 'none';
    let guardian = guardians.get(key);
    if (!guardian) {
      guardian = {
        contactId: key,
        name: r.recipient_first === null ? 'the parent or guardian' : `${r.recipient_first} ${r.recipient_last ?? ''}`.trim(),
        email: r.recipient_email,
        mode: 'print-only',
        language: r.packet_language ?? r.recipient_language ?? settings.defaultLanguage,
        children: [],
      };
      guardians.set(key, guardian);
    }
    if (r.delivery === 'email') guardian.mode = 'email';
    else if (r.adds_to_account === 1) guardian.mode = 'add-child';
    const child = {
      patientId: r.patient_id,
      firstName: r.first_name,
      lastName: r.last_name,
      dateOfBirth: r.date_of_birth ?? '',
      delivery: r.delivery,
      pin: r.delivery === 'print' && plain ? formatPin(plain) : null,
      expiresOn: expiryDay(r.expires_at, zone),
      awaitingPortal: r.outbox_status !== 'delivered' && (!online || r.outbox_error !== null),
    };
    // The emailed child leads its guardian's list, as on the cover sheet.
    if (r.delivery === 'email') guardian.children.unshift(child);
    else guardian.children.push(child);
  }
  const first = rows[0]!;
  return {
    batchId,
    familyName: first.family_name ?? first.last_name,
    issuedAt: first.issued_at,
    issuedBy: first.display_name,
    practiceName: settings.practiceName,
    portalUrl: settings.portalUrl,
    practicePhone: settings.practicePhone,
    awaitingPortal,
    guardians: [...guardians.values()],
  };
}
