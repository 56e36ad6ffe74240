import type { CheckinFamily, CheckinList } from '../../../shared/api';
import { addDays } from '../../../shared/domain/dates';
import type { AppContext } from '../context';

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
  return { date: today, families: [...families.values()].filter((f) => f.familyId !== '') };
}
