import type { Settings } from '../../../shared/settings';
import { appendAudit } from '../audit/audit';
import { requireClerk } from '../clerks/sessionService';
import type { AppContext } from '../context';

/** Saves the changed settings in one transaction, one audit row per setting that really changed. */
export async function updateSettings(ctx: AppContext, changes: Partial<Settings>): Promise<Settings> {
  const clerk = await requireClerk(ctx);
  const before = await ctx.settings();
  const changed = (Object.keys(changes) as (keyof Settings)[]).filter((key) => changes[key] !== undefined && changes[key] !== before[key]);
  if (changed.length === 0) return before;
  await ctx.db.transaction().execute(async (trx) => {
    for (const key of changed) {
      const value = JSON.stringify(changes[key]);
      await trx
        .insertInto('settings')
        .values({ key, value })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
        .execute();
      await appendAudit(trx, {
        action: 'setting_changed',
        clerkId: clerk.id,
        workstation: ctx.workstation,
        at: ctx.now(),
        details: { setting: key, from: before[key], to: changes[key] },
      });
    }
  });
  ctx.settingsChanged();
  return ctx.settings();
}
