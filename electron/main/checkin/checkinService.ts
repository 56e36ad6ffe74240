import type { CheckinFamily, CheckinList } from '../../../shared/api';
import { addDays, formatUsDate, localDateIn } from '../../../shared/domain/dates';
import { patientEligibility } from '../../../shared/domain/eligibility';
import type { AppContext } from '../context';
import { practiceTimeZone } from '../../../shared/settings';

/** Today's appointments, one row per family (siblings checking in together), earliest first. */
export async function todaysCheckins(ctx: AppContext): Promise<CheckinList> {
  const today = await ctx.today();
  const rows = await ctx.db
    .selectFrom('appointments as a')
    .innerJoin('patients as p', 'p.id', 'a.patient_id')
    .leftJoin('families as f', 'f.id', 'p.family_id')
    .select(['a.starts_at', 'a.reason', 'p.id as patient_id', 'p.first_name', 'p.last_name', 'p.family_id', 'f.name as family_name'])
    .where('a.starts_at', '>=', today)
    .where('a.starts_at', '<', addDays(today, 1))
    .orderBy('a.starts_at')
    .execute();

  const families = new Map<string, CheckinFamily>();
  for (const r of rows) {
    // A patient without a family row still checks in: it stands as a family of one.
    const key = r.family_id ?? `patient:${r.patient_id}`;
    let family = families.get(key);
    if (!family) {
      family = {
        familyId: r.family_id ?? '',
        familyName: r.family_name ?? r.last_name,
        firstTime: r.starts_at.slice(11, 16),
        children: [],
        pinStatus: null,
      };
      families.set(key, family);
    }
    if (family.children.some((c) => c.patientId === r.patient_id)) continue;
    family.children.push({
      patientId: r.patient_id,
      firstName: r.first_name,
      lastName: r.last_name,
      time: r.starts_at.slice(11, 16),
      reason: r.reason,
    });
  }
  const listed = [...families.values()].filter((f) => f.familyId !== '');
  const statuses = await pinStatuses(
    ctx,
    listed.map((f) => f.familyId),
    today,
  );
  for (const family of listed) family.pinStatus = statuses.get(family.familyId) ?? null;
  return { date: today, families: listed };
}

/**
 * Per family: how many of its children who can hold a PIN (Active, a real date of birth, under the
 * Minor Age Limit) hold one now from any desk (unredeemed and unexpired) or are on the portal.
 */
async function pinStatuses(ctx: AppContext, familyIds: string[], today: string): Promise<Map<string, string>> {
  const result = new Map<string, string>();
  if (familyIds.length === 0) return result;
  const { minorAgeLimit } = await ctx.settings();
  const zone = practiceTimeZone(await ctx.settings());
  const nowIso = ctx.now().toISOString();
  const children = await ctx.db
    .selectFrom('patients')
    .select(['id', 'family_id', 'status', 'date_of_birth', 'portal_linked'])
    .where('family_id', 'in', familyIds)
    .execute();
  const candidates = children.filter(
    (c) => patientEligibility({ status: c.status, dateOfBirth: c.date_of_birth }, minorAgeLimit, today).exclusions.length === 0,
  );
  if (candidates.length === 0) return result;
  const ids = candidates.map((c) => c.id);
  const pins = [
    ...(await ctx.db.selectFrom('pins').select(['patient_id', 'issued_at', 'expires_at', 'status']).where('patient_id', 'in', ids).execute()),
    ...(await ctx.db.selectFrom('desk_pins').select(['patient_id', 'issued_at', 'expires_at', 'status']).where('patient_id', 'in', ids).execute()),
  ];
  const byFamily = new Map<string, { done: number; of: number; last: string | null }>();
  for (const child of candidates) {
    const own = pins.filter((p) => p.patient_id === child.id && (p.status === 'redeemed' || (p.status === 'issued' && p.expires_at > nowIso)));
    const tally = byFamily.get(child.family_id!) ?? { done: 0, of: 0, last: null };
    tally.of += 1;
    if (child.portal_linked === 1 || own.length > 0) tally.done += 1;
    for (const p of own) if (tally.last === null || p.issued_at > tally.last) tally.last = p.issued_at;
    byFamily.set(child.family_id!, tally);
  }
  for (const [familyId, { done, of, last }] of byFamily) {
    if (done === 0) continue;
    if (done < of) {
      result.set(familyId, `${done} of ${of} done`);
      continue;
    }
    const when = last ? new Date(last) : null;
    const time = when ? when.toLocaleTimeString('en-US', { timeZone: zone, hour: 'numeric', minute: '2-digit' }) : '';
    // Earlier than today (another visit): the date too.
    const day = when && localDateIn(when, zone) !== today ? ` ${formatUsDate(localDateIn(when, zone))}` : '';
    result.set(familyId, `PINs issued${day} ${time} (${done} of ${of})`.replace(/ {2,}/g, ' '));
  }
  return result;
}
