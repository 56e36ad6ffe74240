/**
 * The "Set Up My Account" campaign (SPEC 3.5) behind the contract's campaign.* calls: start it
 * from the current eligibility snapshot, pause, resume, and report progress. The pacer
 * (campaignPacer.ts) does the releasing.
 */
import { randomUUID } from 'node:crypto';
import { SETUP_LINK_VALID_DAYS, type CampaignStatus } from '../../../shared/campaign/api';
import { appendAudit } from '../audit/audit';
import { checklistReady, readChecklist } from '../bulk/checklist';
import { bulkSnapshot } from '../bulk/snapshot';
import { requireClerk } from '../clerks/sessionService';
import type { AppContext } from '../context';
import type { Handlers } from '../dispatch';
import { AppError } from '../errors';
import type { CampaignPacer } from './campaignPacer';
import { campaignProgress, currentCampaign, finishIfDone, reconcileRecipients, type CampaignRow } from './campaignStore';

/** Guardians per INSERT (9 values each, well under SQLite's limit on bound values). */
const INSERT_BATCH = 500;

const when = (iso: string) => new Date(iso).toLocaleDateString('en-US', { year: 'numeric', month: 'long', day: 'numeric' });

export async function campaignStatus(ctx: AppContext): Promise<CampaignStatus> {
  const campaign = await currentCampaign(ctx);
  if (campaign) {
    await reconcileRecipients(ctx, campaign.id);
    await finishIfDone(ctx, campaign);
    // Once started, the eligibility snapshot is not needed (and each release would make it stale).
    return {
      campaign: await campaignProgress(ctx, (await currentCampaign(ctx))!),
      preview: null,
      cannotStart: `The Set Up My Account campaign was started on ${when(campaign.started_at)}. Bulk PIN is a one-time process: it cannot be started again.`,
    };
  }
  const [snapshot, checklist, settings] = await Promise.all([bulkSnapshot(ctx), readChecklist(ctx.db), ctx.settings()]);
  const ready = checklistReady(checklist);
  let cannotStart: string | null = null;
  if (!ready) cannotStart = 'Answer Yes to all four questions of the practice checklist before starting the campaign.';
  else if (snapshot.guardianCount === 0) cannotStart = 'No guardian is eligible yet: work through the data-quality worklist first.';
  return {
    campaign: null,
    preview: { guardians: snapshot.guardianCount, children: snapshot.eligibleChildren, perHour: settings.campaignPerHour, checklistReady: ready },
    cannotStart,
  };
}

/**
 * Creates the campaign: one row per eligible guardian (with the children it will link), in the
 * snapshot's order, in one transaction. Refuses when the eligible list is not the one the
 * administrator confirmed.
 */
async function startCampaign(ctx: AppContext, pacer: CampaignPacer, expectedGuardians: number): Promise<CampaignStatus> {
  const clerk = await requireClerk(ctx);
  const status = await campaignStatus(ctx);
  if (status.cannotStart) throw new AppError('conflict', status.cannotStart);
  const snapshot = await bulkSnapshot(ctx);
  if (snapshot.guardianCount !== expectedGuardians) {
    throw new AppError(
      'conflict',
      `The eligible list changed since you looked: ${snapshot.guardianCount} guardians now, not ${expectedGuardians}. Check the numbers and confirm again.`,
    );
  }
  const guardians = await snapshot.guardians();
  const now = ctx.now().toISOString();
  const id = randomUUID();
  const children = guardians.reduce((sum, g) => sum + g.children.length, 0);
  await ctx.db.transaction().execute(async (trx) => {
    // Re-checked inside the transaction: a double click must not make two campaigns.
    if (await trx.selectFrom('campaigns').select('id').executeTakeFirst()) {
      throw new AppError('conflict', 'The campaign was just started (by another click or window). Nothing was started twice.');
    }
    await trx
      .insertInto('campaigns')
      .values({
        id,
        state: 'running',
        started_at: now,
        started_by: clerk.id,
        total: guardians.length,
        link_valid_days: SETUP_LINK_VALID_DAYS,
        next_release_at: now,
        paused_at: null,
        finished_at: null,
      })
      .execute();
    for (let i = 0; i < guardians.length; i += INSERT_BATCH) {
      await trx
        .insertInto('campaign_recipients')
        .values(
          guardians.slice(i, i + INSERT_BATCH).map((g, k) => ({
            campaign_id: id,
            contact_id: g.contactId,
            seq: i + k,
            name: `${g.firstName} ${g.lastName}`.trim(),
            email: g.email,
            children: JSON.stringify(g.children.map((c) => ({ patientId: c.patientId, firstName: c.firstName, lastName: c.lastName }))),
            token_hash: null,
            released_at: null,
            expires_at: null,
            link_outbox_id: null,
            email_outbox_id: null,
          })),
        )
        .execute();
    }
    await appendAudit(trx, {
      action: 'campaign_started',
      clerkId: clerk.id,
      workstation: ctx.workstation,
      at: ctx.now(),
      details: { campaignId: id, guardians: guardians.length, children, perHour: (await ctx.settings()).campaignPerHour, linkValidDays: SETUP_LINK_VALID_DAYS },
    });
  });
  pacer.wake();
  return campaignStatus(ctx);
}

async function changeState(ctx: AppContext, pacer: CampaignPacer, to: 'paused' | 'running'): Promise<CampaignStatus> {
  const clerk = await requireClerk(ctx);
  const campaign = await currentCampaign(ctx);
  if (!campaign) throw new AppError('not_found', 'No campaign has been started yet.');
  if (campaign.state === 'finished') throw new AppError('conflict', 'The campaign has finished: every guardian was emailed or needs attention in the Outbox.');
  const from: CampaignRow['state'] = to === 'paused' ? 'running' : 'paused';
  if (campaign.state === from) {
    const now = ctx.now().toISOString();
    await ctx.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('campaigns')
        // Resuming starts a fresh slot now: the rolling-hour limit still applies.
        .set(to === 'paused' ? { state: 'paused', paused_at: now } : { state: 'running', paused_at: null, next_release_at: now })
        .where('id', '=', campaign.id)
        .where('state', '=', from)
        .execute();
      await appendAudit(trx, {
        action: to === 'paused' ? 'campaign_paused' : 'campaign_resumed',
        clerkId: clerk.id,
        workstation: ctx.workstation,
        at: ctx.now(),
        details: { campaignId: campaign.id },
      });
    });
  }
  // Already in the asked state (a second click): nothing to change, nothing to audit.
  if (to === 'running') pacer.wake();
  return campaignStatus(ctx);
}

export type CampaignHandlerName = 'campaign.status' | 'campaign.start' | 'campaign.pause' | 'campaign.resume';

/** The campaign's calls; the pacer is the app's one (createApp starts and stops it). */
export function campaignHandlers(ctx: AppContext, { pacer }: { pacer: CampaignPacer }): Pick<Handlers, CampaignHandlerName> {
  return {
    'campaign.status': () => campaignStatus(ctx),
    'campaign.start': ({ expectedGuardians }) => startCampaign(ctx, pacer, expectedGuardians),
    'campaign.pause': () => changeState(ctx, pacer, 'paused'),
    'campaign.resume': () => changeState(ctx, pacer, 'running'),
  };
}
