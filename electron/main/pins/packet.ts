import type { IssuedBatch, PacketGuardian } from '../../../shared/api';
import { localDateIn } from '../../../shared/domain/dates';
import { formatPin } from '../../../shared/domain/pin';
import { practiceTimeZone } from '../../../shared/settings';
import type { AppContext } from '../context';
import { AppError } from '../errors';
import { openPayload } from '../crypto/payloadSeal';

/** The practice-local day on which a PIN expiring at `expiresAt` stops working. */
export function expiryDay(expiresAt: string, zone: string): string {
  return localDateIn(new Date(expiresAt), zone);
}

/**
 * Rebuilds a batch's packet from what is stored: the pins rows, the guardians they went to, and
 * the plain PINs still held in undelivered enrollment payloads. Once the portal has a PIN it is
 * scrubbed here, and the packet can no longer be printed: a new PIN must be issued instead.
 */
export async function packetForBatch(ctx: AppContext, batchId: string): Promise<IssuedBatch> {
  const rows = await ctx.db
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
