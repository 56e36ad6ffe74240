import type { StatusInfo } from '../../../shared/api';
import { currentClerk } from '../clerks/sessionService';
import type { AppContext } from '../context';
import { clockBehindRecords, readClockSkew } from '../sync/clockOffset';

/** Families whose PINs the mirror refused on their way from the desk's journal, or null. */
function unsavedPins(ctx: AppContext): StatusInfo['unsavedPins'] {
  const refused = ctx.issueJournal.refusedMoves();
  if (refused.length === 0) return null;
  return { families: new Set(refused.map((move) => move.familyId)).size, since: refused[0]!.since, error: refused[0]!.error };
}

/** The status bar's figures: connectivity, outbox backlog, last sync, who is signed in. */
export async function readStatus(
  ctx: AppContext,
  deliveries: Pick<StatusInfo, 'emailTransport' | 'syncConfigured' | 'syncProgress' | 'auditLog' | 'auditCheck' | 'syncProblem' | 'jobs'>,
): Promise<StatusInfo> {
  const counts = await ctx.db
    .selectFrom('outbox')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('status', 'in', ['pending', 'needs_attention'])
    .groupBy('status')
    .execute();
  const lastSync = await ctx.db.selectFrom('sync_state').select('value').where('key', '=', 'last_sync_at').executeTakeFirst();
  const online = await ctx.db.selectFrom('sync_state').select('value').where('key', '=', 'online').executeTakeFirst();
  return {
    // null until a sync service is configured and has been tried (and again after its address or token changed).
    online: deliveries.syncConfigured && online ? online.value === 'true' : null,
    outboxWaiting: Number(counts.find((c) => c.status === 'pending')?.n ?? 0),
    outboxNeedsAttention: Number(counts.find((c) => c.status === 'needs_attention')?.n ?? 0),
    lastSyncAt: lastSync?.value ?? null,
    clerk: await currentClerk(ctx),
    clockSkewMs: await readClockSkew(ctx),
    clockBehindRecordsMs: (await clockBehindRecords(ctx))?.behindMs ?? null,
    unsavedPins: unsavedPins(ctx),
    journalSetAside: ctx.issueJournal.setAsideAtStart,
    ...deliveries,
  };
}
