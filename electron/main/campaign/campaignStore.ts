/**
 * The campaign's rows: reading the current campaign, bringing each guardian's state up to date
 * from the outbox, and counting. Shared by the pacer and the handlers.
 */
import type { Selectable } from 'kysely';
import type { CampaignProgress } from '../../../shared/campaign/api';
import type { AppContext } from '../context';
import type { CampaignRecipientState, CampaignsTable } from '../db/schema';
import { withoutToken } from './payloads';

export type CampaignRow = Selectable<CampaignsTable>;

export const HOUR_MS = 3_600_000;

/** The practice's one campaign (Bulk PIN is a one-time process), newest first should there be more. */
export async function currentCampaign(ctx: AppContext): Promise<CampaignRow | null> {
  return (await ctx.db.selectFrom('campaigns').selectAll().orderBy('started_at', 'desc').limit(1).executeTakeFirst()) ?? null;
}

/**
 * Brings released guardians' states in line with their outbox rows: sent once the email was
 * delivered, failed while the link or the email is parked or was dismissed (a retried row turns
 * back into released). A delivered or dismissed email keeps no link token.
 */
export async function reconcileRecipients(ctx: AppContext, campaignId: string): Promise<void> {
  const rows = await ctx.db
    .selectFrom('campaign_recipients as r')
    .leftJoin('outbox as link', 'link.id', 'r.link_outbox_id')
    .leftJoin('outbox as email', 'email.id', 'r.email_outbox_id')
    .select(['r.contact_id', 'r.state', 'link.status as linkStatus', 'email.status as emailStatus', 'email.id as emailId', 'email.payload as emailPayload'])
    .where('r.campaign_id', '=', campaignId)
    .where('r.state', 'in', ['released', 'failed'])
    .execute();
  const parked = (status: string | null) => status === 'needs_attention' || status === 'dismissed';
  for (const row of rows) {
    const next: CampaignRecipientState = row.emailStatus === 'delivered' ? 'sent' : parked(row.emailStatus) || parked(row.linkStatus) ? 'failed' : 'released';
    const emailDone = row.emailStatus === 'delivered' || row.emailStatus === 'dismissed';
    const scrubbed = emailDone && row.emailPayload !== null ? withoutToken(row.emailPayload) : null;
    if (next === row.state && scrubbed === null) continue;
    await ctx.db.transaction().execute(async (trx) => {
      if (next !== row.state) {
        await trx
          .updateTable('campaign_recipients')
          .set({ state: next })
          .where('campaign_id', '=', campaignId)
          .where('contact_id', '=', row.contact_id)
          .execute();
      }
      if (scrubbed !== null && row.emailId) {
        await trx.updateTable('outbox').set({ payload: scrubbed }).where('id', '=', row.emailId).where('status', 'in', ['delivered', 'dismissed']).execute();
      }
    });
  }
}

export async function stateCounts(ctx: AppContext, campaignId: string): Promise<Record<CampaignRecipientState, number>> {
  const rows = await ctx.db
    .selectFrom('campaign_recipients')
    .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
    .where('campaign_id', '=', campaignId)
    .groupBy('state')
    .execute();
  const counts: Record<CampaignRecipientState, number> = { queued: 0, released: 0, sent: 0, failed: 0 };
  for (const r of rows) counts[r.state] = Number(r.n);
  return counts;
}

/**
 * A running campaign with nobody queued and nothing on its way is finished (whoever looks first:
 * the pacer or the progress screen). True when it is finished now.
 */
export async function finishIfDone(ctx: AppContext, campaign: CampaignRow): Promise<boolean> {
  if (campaign.state === 'finished') return true;
  if (campaign.state !== 'running') return false;
  const counts = await stateCounts(ctx, campaign.id);
  if (counts.queued > 0 || counts.released > 0) return false;
  await ctx.db
    .updateTable('campaigns')
    .set({ state: 'finished', finished_at: ctx.now().toISOString() })
    .where('id', '=', campaign.id)
    .where('state', '=', 'running')
    .execute();
  return true;
}

/** Milliseconds between two releases at `perHour`. */
export const releaseInterval = (perHour: number): number => HOUR_MS / Math.max(1, perHour);

export async function campaignProgress(ctx: AppContext, campaign: CampaignRow): Promise<CampaignProgress> {
  const counts = await stateCounts(ctx, campaign.id);
  const perHour = (await ctx.settings()).campaignPerHour;
  let estimatedEndAt: string | null = null;
  if (campaign.state === 'running' && counts.queued > 0) {
    const next = Math.max(Date.parse(campaign.next_release_at), ctx.now().getTime());
    estimatedEndAt = new Date(next + (counts.queued - 1) * releaseInterval(perHour)).toISOString();
  }
  const starter = await ctx.db.selectFrom('clerks').select('display_name').where('id', '=', campaign.started_by).executeTakeFirst();
  return {
    id: campaign.id,
    state: campaign.state,
    startedAt: campaign.started_at,
    startedBy: starter?.display_name ?? campaign.started_by,
    total: campaign.total,
    // Everything no longer waiting for its turn: on its way, sent or failed.
    released: counts.released + counts.sent + counts.failed,
    sent: counts.sent,
    failed: counts.failed,
    perHour,
    estimatedEndAt,
    finishedAt: campaign.finished_at,
  };
}
