/**
 * Bulk PIN readiness (SPEC 3.5) behind the contract's bulk.* calls. Reads come from the Bulk PIN
 * picture, worked out as a job and cached while the mirror is unchanged (pictureCache.ts); writes
 * need a signed-in clerk.
 */
import { EXCLUSION_REASONS, type ReadinessSummary } from '../../../shared/bulk/api';
import type { AppContext } from '../context';
import type { Handlers } from '../dispatch';
import type { JobRunner } from '../jobs/jobRunner';
import { answerChecklist, checklistReady, readChecklist } from './checklist';
import { exportBulkFile } from './export';
import { fixContact } from './fixContact';
import { bulkPicture } from './pictureCache';

export type BulkHandlerName =
  | 'bulk.readiness'
  | 'bulk.setChecklist'
  | 'bulk.eligible'
  | 'bulk.exclusions'
  | 'bulk.worklist'
  | 'bulk.fixContact'
  | 'bulk.export';

export interface BulkOptions {
  exportDir: string;
  /** The job runner: the picture is worked out in its worker thread (without one, in this thread). */
  jobs?: JobRunner;
}

export async function bulkReadiness(ctx: AppContext, jobs?: JobRunner): Promise<ReadinessSummary> {
  const [checklist, { summary }] = await Promise.all([readChecklist(ctx.db), bulkPicture(ctx, jobs)]);
  return {
    checklist,
    checklistReady: checklistReady(checklist),
    eligibleGuardians: summary.guardianCount,
    eligibleChildren: summary.eligibleChildren,
    exclusions: EXCLUSION_REASONS.map((reason) => ({ reason, count: summary.exclusionCounts[reason] })),
    openQualityRows: summary.worklistRows,
    openQualityChildren: summary.worklistChildren,
    computedAt: summary.computedAt,
    elapsedMs: summary.elapsedMs,
  };
}

export function bulkHandlers(ctx: AppContext, options: BulkOptions): Pick<Handlers, BulkHandlerName> {
  const { jobs } = options;
  return {
    'bulk.readiness': () => bulkReadiness(ctx, jobs),
    'bulk.setChecklist': async (input) => {
      await answerChecklist(ctx, input);
      return bulkReadiness(ctx, jobs);
    },
    'bulk.eligible': async ({ limit, offset }) => {
      const picture = await bulkPicture(ctx, jobs);
      return { guardians: await picture.guardians(offset, limit), total: picture.summary.guardianCount };
    },
    'bulk.exclusions': async ({ reason, limit, offset }) => (await bulkPicture(ctx, jobs)).exclusions(reason, offset, limit),
    'bulk.worklist': async ({ problem, limit, offset }) => (await bulkPicture(ctx, jobs)).worklist(problem, offset, limit),
    'bulk.fixContact': (input) => fixContact(ctx, input),
    'bulk.export': ({ kind }) => exportBulkFile(ctx, options.exportDir, kind, jobs),
  };
}
