/**
 * Contract calls for the optional "Set Up My Account" campaign of the one-time Bulk PIN process
 * (SPEC 3.5, seed "What steps will the parent/guardian have to take"): one email per eligible
 * guardian with a link valid 14 days, released to the outbox at the practice's hourly pace.
 * Merged into the one contract in shared/api.ts. Administrators only.
 */
import { z } from 'zod';
import { call } from '../contractCall';

/** Days a Set Up My Account link works after it is issued (the vendor's rule). */
export const SETUP_LINK_VALID_DAYS = 14;

export type CampaignState = 'running' | 'paused' | 'finished';

export interface CampaignProgress {
  id: string;
  state: CampaignState;
  startedAt: string;
  startedBy: string;
  /** Guardians in the campaign (fixed when it started). */
  total: number;
  /** Handed to the outbox so far (sent, failed and still on their way included). */
  released: number;
  /** Emails the mail server (or the mail-drop folder) took. */
  sent: number;
  /** Emails or link registrations parked for a person (see the Outbox). */
  failed: number;
  /** The pace now in force (the campaignPerHour setting). */
  perHour: number;
  /** When the last guardian should be released at this pace; null when paused or finished. */
  estimatedEndAt: string | null;
  finishedAt: string | null;
}

export interface CampaignStatus {
  campaign: CampaignProgress | null;
  /** Before a campaign exists: what starting now would do, from the current eligibility snapshot. */
  preview: { guardians: number; children: number; perHour: number; checklistReady: boolean } | null;
  /** Why the campaign cannot start now, for the administrator; null when it can. */
  cannotStart: string | null;
}

const empty = z.strictObject({});

export const campaignCalls = {
  'campaign.status': call<CampaignStatus>('admin')(empty),
  'campaign.start': call<CampaignStatus>('admin')(
    /** The count the administrator confirmed: starting refuses if the eligible list changed since. */
    z.strictObject({ expectedGuardians: z.number().int().min(1).max(10_000_000) }),
  ),
  'campaign.pause': call<CampaignStatus>('admin')(empty),
  'campaign.resume': call<CampaignStatus>('admin')(empty),
} as const;
