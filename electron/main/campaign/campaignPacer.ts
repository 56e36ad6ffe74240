import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { AppContext } from '../context';
import { currentCampaign, finishIfDone, HOUR_MS, reconcileRecipients, releaseInterval, stateCounts, type CampaignRow } from './campaignStore';
import { newOutboxRow, type SetupEmailPayload, type SetupLinkPayload } from '../outbox/payloads';
import { WakeLoop } from '../lib/wakeLoop';

/**
 * A late look (a busy event loop, a sleeping laptop) releases the slots it missed, up to this far
 * behind; after a longer gap (the app was closed) the pace starts again from now instead of
 * bursting to catch up.
 */
export const CATCH_UP_MS = 5 * 60_000;
/** Longest sleep between looks (settings changes, deliveries to reconcile). */
const MAX_SLEEP_MS = 60_000;
const DAY_MS = 86_400_000;

/** 256 random bits, URL-safe. */
export function newLinkToken(): string {
  return randomBytes(32).toString('base64url');
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The slot the pace counts from: the one due, or now when that is more than CATCH_UP_MS ago. */
export function paceFrom(now: number, nextReleaseAt: number): number {
  return now - nextReleaseAt > CATCH_UP_MS ? now : nextReleaseAt;
}

/**
 * How many guardians may be released now: the slots passed since the next one was due, never
 * more than the hour allows in any rolling 60 minutes. Pure.
 */
export function releasesDue(input: { now: number; nextReleaseAt: number; perHour: number; releasedInLastHour: number }): number {
  const { now, nextReleaseAt, perHour, releasedInLastHour } = input;
  if (now < nextReleaseAt) return 0;
  const slots = Math.floor((now - paceFrom(now, nextReleaseAt)) / releaseInterval(perHour)) + 1;
  return Math.max(0, Math.min(slots, perHour - releasedInLastHour));
}

/**
 * The rolling hour's count: the larger of what the database says (release times on the wall
 * clock, which is all a restarted app knows) and what this process saw on its monotonic clock.
 * Release times later than now can only come from a clock that was fast: they are left to the
 * monotonic count, or a clock put back a day would hold the campaign for a day. Pure.
 */
export function releasedInRollingHour(input: { storedInLastHour: number; seenInLastHour: number }): number {
  return Math.max(input.storedInLastHour, input.seenInLastHour);
}

/**
 * The slot the pace counts from, given the stored one. A slot more than one interval away cannot
 * have been set by this pace: the clock was fast when it was stored and has been put back. The
 * next slot then follows the last release this process saw (monotonic), or is now. Pure.
 */
export function plausibleNextRelease(input: { now: number; stored: number; interval: number; sinceLastReleaseMs: number | null }): number {
  const { now, stored, interval, sinceLastReleaseMs } = input;
  if (stored <= now + interval) return stored;
  return now + Math.max(0, interval - (sinceLastReleaseMs ?? interval));
}

/**
 * Releases the campaign's guardians to the outbox at the practice's hourly pace. Its state (the
 * next slot, who is released) is in the database, so a restart picks up where it was; each
 * release is one transaction (token, both outbox rows, the guardian's row), so a crash releases
 * a guardian entirely or not at all, and never twice.
 *
 * The machine's clock can be set while a campaign runs. The hourly limit also counts this
 * process's releases on the monotonic clock (a clock put back and then forward again cannot hide
 * releases from the hour), and a stored slot that only a fast clock could have set is brought
 * back (a campaign started while the clock was a day fast does not wait a day after it is fixed).
 */
export class CampaignPacer {
  private readonly loop = new WakeLoop(
    async () => Math.min(MAX_SLEEP_MS, Math.max(0, (await this.tick()) ?? MAX_SLEEP_MS)),
    (error) => {
      console.error('campaign pacer failed:', error instanceof Error ? error.name : 'unknown');
      return MAX_SLEEP_MS;
    },
  );
  /** Monotonic times of this process's releases in the last hour, per campaign. */
  private readonly seen = new Map<string, number[]>();

  constructor(private readonly ctx: AppContext) {}

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }

  /** Started, resumed, settings changed: look now. */
  wake(): void {
    this.loop.wake();
  }

  /** This process's releases of `campaignId` in the last hour (monotonic), oldest first. */
  private seenInLastHour(campaignId: string, mono: number): number[] {
    const recent = (this.seen.get(campaignId) ?? []).filter((at) => mono - at < HOUR_MS);
    this.seen.set(campaignId, recent);
    return recent;
  }

  /**
   * One look: brings states up to date, releases what is due, finishes the campaign when nobody is
   * left. Resolves with how long until the next release is due (null: nothing to pace). Tests call
   * it directly with an injected clock.
   */
  async tick(): Promise<number | null> {
    const campaign = await currentCampaign(this.ctx);
    if (!campaign) return null;
    // Also after the end: an email retried or dismissed from the Outbox changes its guardian's state.
    await reconcileRecipients(this.ctx, campaign.id);
    if (campaign.state !== 'running') return null;
    if (await finishIfDone(this.ctx, campaign)) return null;
    const counts = await stateCounts(this.ctx, campaign.id);
    if (counts.queued === 0) return MAX_SLEEP_MS; // waiting for the last deliveries
    const { campaignPerHour: perHour } = await this.ctx.settings();
    const interval = releaseInterval(perHour);
    const now = this.ctx.now().getTime();
    const mono = this.ctx.monotonicMs();
    const seen = this.seenInLastHour(campaign.id, mono);
    const stored = Date.parse(campaign.next_release_at);
    const nextReleaseAt = plausibleNextRelease({ now, stored, interval, sinceLastReleaseMs: seen.length > 0 ? mono - seen.at(-1)! : null });
    if (nextReleaseAt !== stored) {
      // Stored too, so the progress screen's estimate follows.
      await this.ctx.db
        .updateTable('campaigns')
        .set({ next_release_at: new Date(nextReleaseAt).toISOString() })
        .where('id', '=', campaign.id)
        .where('state', '=', 'running')
        .execute();
    }
    const windowStart = new Date(now - HOUR_MS).toISOString();
    const stamped = await this.ctx.db
      .selectFrom('campaign_recipients')
      .select('released_at')
      .where('campaign_id', '=', campaign.id)
      .where('released_at', '>', windowStart)
      .where('released_at', '<=', new Date(now).toISOString())
      .orderBy('released_at')
      .execute();
    const releasedInLastHour = releasedInRollingHour({ storedInLastHour: stamped.length, seenInLastHour: seen.length });
    const due = Math.min(releasesDue({ now, nextReleaseAt, perHour, releasedInLastHour }), counts.queued);
    if (due === 0) {
      if (now < nextReleaseAt) return nextReleaseAt - now;
      // The rolling hour is full: wait until enough of its releases leave it, by both counts.
      const storedWait = stamped.length >= perHour ? Date.parse(stamped[stamped.length - perHour]!.released_at!) + HOUR_MS - now + 1 : 0;
      const seenWait = seen.length >= perHour ? seen[seen.length - perHour]! + HOUR_MS - mono + 1 : 0;
      return Math.max(storedWait, seenWait, 1);
    }
    const newNext = paceFrom(now, nextReleaseAt) + due * interval;
    const released = await this.release(campaign, due, new Date(newNext));
    for (let i = 0; i < released; i++) seen.push(mono);
    this.ctx.outboxChanged();
    return Math.max(0, newNext - now);
  }

  /** Releases the next `count` guardians in campaign order, in one transaction; resolves with how many it released. */
  private async release(campaign: CampaignRow, count: number, nextReleaseAt: Date): Promise<number> {
    const now = this.ctx.now();
    const nowIso = now.toISOString();
    const expiresAt = new Date(now.getTime() + campaign.link_valid_days * DAY_MS).toISOString();
    return this.ctx.db.transaction().execute(async (trx) => {
      // Paused since this look began: release nothing.
      const current = await trx.selectFrom('campaigns').select('state').where('id', '=', campaign.id).executeTakeFirst();
      if (current?.state !== 'running') return 0;
      const recipients = await trx
        .selectFrom('campaign_recipients as r')
        .leftJoin('contacts as c', 'c.id', 'r.contact_id')
        .select(['r.contact_id', 'r.name', 'r.email', 'r.children', 'c.email as currentEmail'])
        .where('r.campaign_id', '=', campaign.id)
        .where('r.state', '=', 'queued')
        .orderBy('r.seq')
        .limit(count)
        .execute();
      for (const r of recipients) {
        const token = newLinkToken();
        const hash = tokenHash(token);
        const children = JSON.parse(r.children) as { patientId: string; firstName: string }[];
        // An address corrected since the campaign started is the one to use.
        const to = r.currentEmail?.trim() || r.email;
        const linkId = randomUUID();
        const emailId = randomUUID();
        const link: SetupLinkPayload = {
          campaignId: campaign.id,
          tokenHash: hash,
          contactId: r.contact_id,
          patientIds: children.map((c) => c.patientId),
          issuedAt: nowIso,
          expiresAt,
        };
        const email: SetupEmailPayload = {
          campaignId: campaign.id,
          token,
          to,
          recipientContactId: r.contact_id,
          recipientName: r.name,
          childFirstNames: children.map((c) => c.firstName),
          expiresAt,
        };
        // The link before the email that depends on it (foreign key, and the portal must know it first).
        await trx
          .insertInto('outbox')
          .values(newOutboxRow(this.ctx, 'portal.setup_link', link, { id: linkId, ref: r.contact_id, at: nowIso }))
          .execute();
        await trx
          .insertInto('outbox')
          .values(newOutboxRow(this.ctx, 'email.setup_link', email, { id: emailId, ref: r.contact_id, dependsOn: linkId, at: nowIso }))
          .execute();
        const updated = await trx
          .updateTable('campaign_recipients')
          .set({ state: 'released', token_hash: hash, released_at: nowIso, expires_at: expiresAt, email: to, link_outbox_id: linkId, email_outbox_id: emailId })
          .where('campaign_id', '=', campaign.id)
          .where('contact_id', '=', r.contact_id)
          .where('state', '=', 'queued')
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) !== 1) throw new Error('campaign: a guardian was released twice at once');
      }
      await trx
        .updateTable('campaigns')
        .set({ next_release_at: nextReleaseAt.toISOString() })
        .where('id', '=', campaign.id)
        .where('state', '=', 'running')
        .execute();
      return recipients.length;
    });
  }
}
