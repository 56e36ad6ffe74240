import type { CampaignProgress, CampaignState } from '../../../shared/campaign/api';
import { count, formatWhen, plural } from '../bulk/bulkWords';

/** "about 3 hours", "about 45 minutes", "about 2 days": how long `guardians` take at `perHour`. */
export function durationAtPace(guardians: number, perHour: number): string {
  const minutes = Math.max(1, Math.ceil((Math.max(0, guardians - 1) * 60) / Math.max(1, perHour)));
  if (guardians <= 1) return 'a minute or two';
  if (minutes < 90) return `about ${plural(minutes, 'minute')}`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `about ${plural(hours, 'hour')}`;
  return `about ${plural(Math.round(hours / 24), 'day')}`;
}

/** The confirmation's one sentence: who gets an email, and at what pace. */
export function startConfirmation(preview: { guardians: number; children: number; perHour: number }): string {
  return (
    `${plural(preview.guardians, 'guardian')} will be emailed a Set Up My Account link ` +
    `(covering ${plural(preview.children, 'child', 'children')}), at up to ${count(preview.perHour)} emails per hour: ` +
    `${durationAtPace(preview.guardians, preview.perHour)} in all. Each link works for 14 days. Bulk PIN is a one-time process: it cannot be run again.`
  );
}

export const STATE_WORDS: Record<CampaignState, string> = {
  running: 'Sending',
  paused: 'Paused',
  finished: 'Finished',
};

/** "Last email expected Jan 5, 2027, 3:04 PM", or what stands in for it. */
export function etaText(progress: CampaignProgress): string {
  if (progress.state === 'finished') return progress.finishedAt ? `Finished ${formatWhen(progress.finishedAt)}` : 'Finished';
  if (progress.state === 'paused') return 'Paused: nothing more is sent until you resume.';
  if (progress.estimatedEndAt) return `Last email released around ${formatWhen(progress.estimatedEndAt)} at ${count(progress.perHour)} per hour`;
  return 'Every email has been released; waiting for the last deliveries.';
}
